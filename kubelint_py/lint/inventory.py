"""Everything in the input, indexed for the set-wide rules: objects by kind and name, pod templates, selectors.

An object without `metadata.namespace` gets its namespace at apply time (`kubectl -n`, Helm, kustomize),
so it is taken to share a namespace with any other object: a reference is only "dangling" when no
object could be the one it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

from kubelint_py import workloads
from kubelint_py.lint.targets import is_patch_fragment
from kubelint_py.model import Document

CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "CSIDriver", "ValidatingAdmissionPolicy",
})


@dataclass(slots=True)
class PodTemplate:
    """The pods a workload object creates, as far as the input says."""

    document: Document
    kind: str
    name: str | None
    namespace: str | None
    labels: dict
    spec_path: tuple
    spec: dict

    def containers(self) -> Iterator[tuple[tuple, dict]]:
        for path, container in workloads.containers(self.spec, ("containers", "initContainers")):
            yield self.spec_path + path, container


def as_list(value: Any) -> list:
    """A list field as a list; anything else (a typo'd mapping, a scalar) as nothing to iterate."""
    return value if isinstance(value, list) else []


def namespace_of(body: dict) -> str | None:
    meta = body.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return namespace if isinstance(namespace, str) and namespace else None


def name_of(body: dict) -> str | None:
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


def same_namespace(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def labels_of(meta: Any) -> dict:
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}


def matches_labels(selector: dict, labels: dict) -> bool:
    """A Service-style selector: every key=value pair present."""
    return all(key in labels and str(labels[key]) == str(value) for key, value in selector.items())


def matches_selector(selector: Any, labels: dict) -> bool:
    """A LabelSelector (matchLabels and matchExpressions), with apimachinery's semantics."""
    if not isinstance(selector, dict):
        return False
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict) and not matches_labels(match_labels, labels):
        return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, dict):
            return False
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in as_list(expression.get("values"))]
        present = isinstance(key, str) and key in labels
        if operator == "In" and not (present and str(labels[key]) in values):
            return False
        if operator == "NotIn" and present and str(labels[key]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


class Inventory:
    """Indexes built on first use: most runs need only a few of them."""

    def __init__(self, documents: list[Document], built_in_groups: frozenset[str]):
        self.documents = [d for d in documents if isinstance(d.body, dict) and isinstance(d.body.get("kind"), str)]
        self.built_in_groups = built_in_groups

    @cached_property
    def by_kind(self) -> dict[str, list[Document]]:
        index: dict[str, list[Document]] = {}
        for document in self.documents:
            index.setdefault(document.body["kind"], []).append(document)
        return index

    @cached_property
    def _by_name(self) -> dict[tuple[str, str], list[Document]]:
        index: dict[tuple[str, str], list[Document]] = {}
        for document in self.documents:
            name = name_of(document.body)
            if name is not None:
                index.setdefault((document.body["kind"], name), []).append(document)
        return index

    @cached_property
    def _namespaces(self) -> dict[str, set]:
        """kind -> the namespaces objects of that kind are in (None: not set)."""
        index: dict[str, set] = {}
        for document in self.documents:
            index.setdefault(document.body["kind"], set()).add(namespace_of(document.body))
        return index

    def of_kind(self, *kinds: str, built_in: bool = True) -> Iterator[Document]:
        """Objects of these kinds; with built_in, only from built-in API groups (not a CRD's `Service`)."""
        for kind in kinds:
            for document in self.by_kind.get(kind, ()):
                if not built_in or self.is_built_in(document.body):
                    yield document

    def is_built_in(self, body: dict) -> bool:
        api_version = body.get("apiVersion")
        return isinstance(api_version, str) and api_version.rpartition("/")[0] in self.built_in_groups

    def find(self, kind: str, name: Any, namespace: str | None) -> Document | None:
        """The object of this kind and name that could be the one a reference from `namespace` means."""
        if not isinstance(name, str):
            return None
        for document in self._by_name.get((kind, name), ()):
            if kind in CLUSTER_SCOPED or same_namespace(namespace_of(document.body), namespace):
                return document
        return None

    def has(self, kind: str, namespace: str | None) -> bool:
        """Does the input define any object of this kind that could share `namespace`?"""
        namespaces = self._namespaces.get(kind)
        return bool(namespaces) and (namespace is None or None in namespaces or namespace in namespaces)

    @cached_property
    def pod_templates(self) -> list[PodTemplate]:
        templates = []
        for document in self.documents:
            body = document.body
            if not self.is_built_in(body):
                continue
            located = workloads.pod_spec(body)
            if located is None or is_patch_fragment(body, located[1]):
                continue
            spec_path, spec = located
            template = workloads.get(body, spec_path[:-1]) if spec_path[:-1] else body
            templates.append(PodTemplate(document, body["kind"], name_of(body), namespace_of(body),
                                         labels_of(template.get("metadata") if isinstance(template, dict) else None),
                                         spec_path, spec))
        return templates

    @cached_property
    def _templates_by_namespace(self) -> dict[str | None, list[PodTemplate]]:
        index: dict[str | None, list[PodTemplate]] = {}
        for template in self.pod_templates:
            index.setdefault(template.namespace, []).append(template)
        return index

    @cached_property
    def _templates_by_label(self) -> dict[tuple[str, str], list[PodTemplate]]:
        index: dict[tuple[str, str], list[PodTemplate]] = {}
        for template in self.pod_templates:
            for key, value in template.labels.items():
                index.setdefault((key, str(value)), []).append(template)
        return index

    def has_pods(self, namespace: str | None) -> bool:
        """Does the input hold any pod template that could share `namespace`?"""
        if namespace is None:
            return bool(self.pod_templates)
        return bool(self._templates_by_namespace.get(namespace) or self._templates_by_namespace.get(None))

    def pods_matching(self, namespace: str | None, labels: dict | None = None,
                      selector: Any = None) -> list[PodTemplate]:
        """Pod templates in a compatible namespace selected by Service-style `labels` or a LabelSelector
        (neither: all of them)."""
        required = labels if labels is not None else selector.get("matchLabels") if isinstance(selector, dict) else None
        if isinstance(required, dict) and required:  # start from the rarest label pair, not from every template
            candidates = min((self._templates_by_label.get((k, str(v)), []) for k, v in required.items()), key=len)
        elif namespace is None:
            candidates = self.pod_templates
        else:
            candidates = self._templates_by_namespace.get(namespace, []) + self._templates_by_namespace.get(None, [])
        return [t for t in candidates if same_namespace(t.namespace, namespace)
                and (labels is None or matches_labels(labels, t.labels))
                and (selector is None or matches_selector(selector, t.labels))]
