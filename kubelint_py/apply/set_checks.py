"""The input as a whole: what only shows when every document has been read.

`kubectl apply -f` creates objects one after the other, in file order, against a cluster it knows
nothing about in advance: the same object twice means the later one silently wins, an object whose
namespace does not exist fails, and so does one that comes before its Namespace or its CRD.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterator

from kubelint_py.apply import formats, kinds
from kubelint_py.apply.formats import go_value
from kubelint_py.apply.rule import ERROR, WARNING, Context, mapping, rule, text
from kubelint_py.model import Document, Problem, Severity

SetProblems = Iterator[tuple[Document, Problem]]


@dataclass(frozen=True)
class Entry:
    """One object of the input, with what the set checks compare."""

    document: Document
    order: int  # position in the input: files in the order read, objects in file order
    group: str
    kind: str
    namespace: str | None
    name: str | None
    namespaced: bool | None  # None: a custom resource whose CRD is unknown

    def where(self) -> tuple[str, int]:
        """(file, line) of the object's name."""
        return self.document.file, self.document.locate(("metadata", "name"))[0]


class Index:
    """What the set checks need to know about the input, gathered in one pass."""

    def __init__(self, documents: list[Document], context: Context):
        self.context = context
        self.crds: dict[
            tuple[str, str], tuple[Document, str, int]
        ] = {}  # (group, kind) -> (CRD, scope, order)
        for order, document in enumerate(documents):
            body = document.body
            if body["kind"] == "CustomResourceDefinition" and body["apiVersion"].startswith(
                "apiextensions.k8s.io/"
            ):
                spec = mapping(body.get("spec"))
                kind, group = text(mapping(spec.get("names")).get("kind")), text(spec.get("group"))
                if kind and group:
                    self.crds.setdefault(
                        (group, kind), (document, text(spec.get("scope")) or "Namespaced", order)
                    )
        self.entries = [self._entry(document, order) for order, document in enumerate(documents)]
        self.namespaces = {
            e.name: e for e in self.entries if e.group == "" and e.kind == "Namespace" and e.name
        }

    def _entry(self, document: Document, order: int) -> Entry:
        body = document.body
        meta = mapping(body.get("metadata"))
        group = kinds.group_of(body["apiVersion"])
        namespaced: bool | None
        if (group, body["kind"]) in self.crds:
            namespaced = self.crds[(group, body["kind"])][1] != "Cluster"
        elif self.context.is_built_in(body["apiVersion"], body["kind"]):
            namespaced = not kinds.is_cluster_scoped(body["apiVersion"], body["kind"])
        else:
            namespaced = None
        return Entry(
            document,
            order,
            group,
            body["kind"],
            text(meta.get("namespace")) or self.context.namespace,  # kubectl's --namespace fills it in
            text(meta.get("name")) or None,
            namespaced,
        )


CHECKS: list[tuple[str, Severity, Callable[[Index], SetProblems]]] = []


def _set_rule(id: str, severity: Severity, *args, **kwargs) -> Callable:
    """A set-wide rule: documented like the others, run by `check` rather than per object."""

    def register(function: Callable[[Index], SetProblems]) -> Callable:
        CHECKS.append((id, severity, function))
        return rule(id, severity, *args, **kwargs)(function)

    return register


def check(documents: list[Document], context: Context) -> SetProblems:
    index = Index(documents, context)
    for id, severity, set_check in CHECKS:
        for document, problem in set_check(index):
            yield (
                document,
                Problem(problem.path, problem.message, problem.fix, id, problem.severity or severity),
            )


@_set_rule(
    "apply/duplicate-object",
    ERROR,
    "set",
    "set",
    "The same object (kind, namespace and name) is defined twice in one file.",
    why="`kubectl apply -f FILE` applies both definitions one after the other: the later one silently wins and "
    "the earlier never takes effect. Across files the same object is usually intended (an install and a "
    "namespace-install variant, a base and its rendered bundle, alternatives in an examples directory), so "
    "only one file is compared with itself.",
    example="kind: ConfigMap\nmetadata: {name: settings}\n---\nkind: ConfigMap\nmetadata: {name: settings}",
    fix="Remove or rename one of them.",
)
def duplicate_object(index: Index) -> SetProblems:
    seen: dict[tuple, Entry] = {}
    for entry in index.entries:
        if entry.name is None:
            continue
        namespace = entry.namespace if entry.namespaced is not False else None
        key = (entry.document.file, entry.group, entry.kind, namespace, entry.name)
        first = seen.setdefault(key, entry)
        if first is not entry:
            message = (
                f"{_describe(entry)} is already defined at line {first.where()[1]}: kubectl apply applies "
                "both and the later one wins"
            )
            yield (
                entry.document,
                Problem(("metadata", "name"), message, "Remove one of the two definitions, or rename one."),
            )


def _describe(entry: Entry) -> str:
    namespace = f"{entry.namespace}/" if entry.namespace and entry.namespaced is not False else ""
    return f"{entry.kind} {namespace}{entry.name}"


@_set_rule(
    "apply/unknown-namespace",
    WARNING,
    "set",
    "set",
    "Objects are placed in a namespace that the input does not create and that is not a well-known one "
    "(default, kube-system, kube-public, kube-node-lease) or declared with --assume-namespace or --namespace.",
    why='`kubectl apply` fails with `namespaces "x" not found` unless the namespace already exists. Reported '
    "once per namespace, at its first use.",
    example="kind: Deployment\nmetadata:\n  name: web\n  namespace: shop  # and no Namespace shop",
    fix="Add the Namespace to the input, or pass --assume-namespace NAME when it exists in the cluster.",
)
def unknown_namespace(index: Index) -> SetProblems:
    if index.context.namespace:
        return  # everything goes to --namespace, which exists, or is refused (apply/namespace-mismatch)
    known = set(index.namespaces) | kinds.WELL_KNOWN_NAMESPACES | index.context.assume_namespaces
    users: dict[str, list[Entry]] = defaultdict(list)
    for entry in index.entries:
        # An invalid namespace name is apply/invalid-namespace's.
        if (
            entry.namespace
            and entry.namespaced is not False
            and entry.namespace not in known
            and not formats.is_dns1123_label(entry.namespace)
        ):
            users[entry.namespace].append(entry)
    for namespace, entries in users.items():
        others = (
            f" (and {len(entries) - 1} more object{'s' if len(entries) > 2 else ''})"
            if len(entries) > 1
            else ""
        )
        yield (
            entries[0].document,
            Problem(
                ("metadata", "namespace"),
                f"namespace {go_value(namespace)} is not created by the input{others}: kubectl apply "
                f'fails with namespaces "{namespace}" not found unless it exists',
                f"Add a Namespace named {namespace!r}, or pass --assume-namespace {namespace} if the cluster has it.",
            ),
        )


@_set_rule(
    "apply/namespace-order",
    WARNING,
    "set",
    "set",
    "In one file, an object comes before the Namespace it is placed in.",
    why="`kubectl apply -f` creates objects in file order: the first apply fails with `namespaces not found` "
    "and only a second one succeeds.",
    example="kind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n---\nkind: Namespace\nmetadata: {name: shop}",
    fix="Move the Namespace to the top of the file.",
)
def namespace_order(index: Index) -> SetProblems:
    reported: set[tuple[str, str]] = set()
    for entry in index.entries:
        namespace = index.namespaces.get(entry.namespace or "")
        if namespace is None or entry.namespaced is False or entry.document.file != namespace.document.file:
            continue
        key = (entry.document.file, entry.namespace)
        if entry.order < namespace.order and key not in reported:
            reported.add(key)
            yield (
                entry.document,
                Problem(
                    ("metadata", "namespace"),
                    f"namespace {go_value(entry.namespace)} is created later in this file (line "
                    f"{namespace.where()[1]}): applied in order, this object fails the first time",
                    f"Move the Namespace {entry.namespace!r} above the objects it holds.",
                ),
            )


@_set_rule(
    "apply/crd-order",
    WARNING,
    "set",
    "set",
    "In one file, a custom resource comes before the CustomResourceDefinition that defines its kind.",
    why="`kubectl apply -f` fails on it with `no matches for kind ... ensure CRDs are installed first`. Even in "
    "the right order a CRD needs a moment to be served, so apply CRDs in a step of their own.",
    example="kind: Certificate\n...\n---\nkind: CustomResourceDefinition\nmetadata: {name: certificates.cert-manager.io}",
    fix="Apply the CRDs first (their own file or step), then the resources.",
)
def crd_order(index: Index) -> SetProblems:
    reported: set[tuple[str, str, str]] = set()
    for entry in index.entries:
        crd = index.crds.get((entry.group, entry.kind))
        if crd is None or crd[0].file != entry.document.file:
            continue
        key = (entry.document.file, entry.group, entry.kind)
        if entry.order < crd[2] and key not in reported:
            reported.add(key)
            line, _ = crd[0].locate(("metadata", "name"))
            yield (
                entry.document,
                Problem(
                    ("kind",),
                    f"{entry.kind} is defined by a CustomResourceDefinition later in this file (line {line}): "
                    "kubectl apply fails with no matches for kind",
                    "Move the CRD above its resources, or apply CRDs first.",
                ),
            )
