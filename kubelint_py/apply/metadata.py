"""metadata: names, generateName, namespace, labels, annotations, finalizers (ObjectMeta validation)."""

from __future__ import annotations

import json
from typing import Iterator

from kubelint_py.apply import formats, kinds, naming
from kubelint_py.apply.formats import go_value, invalid
from kubelint_py.apply.rule import ERROR, INFO, WARNING, Obj, mapping, rule, text
from kubelint_py.model import Problem

# Workloads whose names become pod names and hostnames: the apiserver warns unless they are DNS labels.
_POD_NAMING_KINDS = frozenset(
    {"Pod", "Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "Job", "CronJob"}
)
ANNOTATIONS_LIMIT = 256 * 1024


@rule(
    "apply/invalid-name",
    ERROR,
    "object",
    "metadata",
    "metadata.name (or the generateName prefix) does not have the format the kind requires.",
    why="Most kinds need a DNS-1123 subdomain (lower case, digits, '-' and '.'); Namespaces and StatefulSets a "
    "DNS-1123 label (no dots, at most 63 characters); Services a DNS-1035 label (starting with a letter). "
    "The apiserver rejects the object.",
    example="kind: Service\nmetadata:\n  name: 2fa-API",
    fix="Use lower case letters, digits and '-', e.g. `twofa-api`.",
)
def invalid_name(obj: Obj) -> Iterator[Problem]:
    check, what = kinds.name_format(obj.kind) if obj.built_in else kinds.name_format("")
    name, prefix = text(obj.meta.get("name")), text(obj.meta.get("generateName"))
    if name:
        if messages := check(name):
            yield Problem(("metadata", "name"), invalid(name, *messages), _name_fix(name, what))
    elif prefix:
        # A generated name appends 5 characters; a trailing '-' of the prefix is fine.
        messages = check(prefix[:-1] + "a" if prefix.endswith("-") else prefix)
        if messages:
            yield Problem(("metadata", "generateName"), invalid(prefix, *messages), _name_fix(prefix, what))


def _name_fix(name: str, what: str) -> str:
    if "label" in what:
        suggestion = formats.suggest_dns_label(name)
        if "1035" in what and not suggestion[0].isalpha():
            suggestion = "x-" + suggestion
        return f"Use {what}, e.g. {suggestion[:63]!r}."
    if "subdomain" in what:
        return f"Use {what}, e.g. {formats.suggest_subdomain(name)!r}."
    return f"Use {what}: no '/' or '%', and not '.' or '..'."


@rule(
    "apply/missing-name",
    ERROR,
    "object",
    "metadata",
    "An object has neither metadata.name nor metadata.generateName.",
    why="The apiserver rejects it: `metadata.name: Required value: name or generateName is required`.",
    example="kind: ConfigMap\nmetadata:\n  labels: {app: web}",
    fix="Add metadata.name.",
)
def missing_name(obj: Obj) -> Iterator[Problem]:
    if not obj.meta.get("name") and not obj.meta.get("generateName"):
        yield Problem(
            ("metadata", "name"), formats.required("name or generateName is required"), "Add metadata.name."
        )


@rule(
    "apply/generate-name",
    INFO,
    "object",
    "metadata",
    "An object has generateName and no name: `kubectl apply` refuses it.",
    why="`kubectl apply` needs a fixed name to find the object again: it fails with `cannot use generate name with "
    "apply`. Only `kubectl create` accepts generateName.",
    example="kind: Job\nmetadata:\n  generateName: migrate-",
    fix="Create it with `kubectl create -f`, or give it a name.",
)
def generate_name(obj: Obj) -> Iterator[Problem]:
    prefix = text(obj.meta.get("generateName"))
    if prefix and not obj.meta.get("name"):
        yield Problem(
            ("metadata", "generateName"),
            f"kubectl apply: cannot use generate name with apply ({go_value(prefix)})",
            "Use `kubectl create -f` for objects with generateName, or set metadata.name.",
        )


@rule(
    "apply/name-not-dns-label",
    WARNING,
    "object",
    "metadata",
    "A workload's name is a valid DNS subdomain but not a DNS label: its pods' hostnames will surprise.",
    why="Pod names and hostnames are derived from the workload's name; the apiserver warns: `metadata.name: this is "
    "used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended`.",
    example="kind: Deployment\nmetadata:\n  name: web.v2",
    fix="Use a DNS label: replace dots with '-'.",
)
def name_not_dns_label(obj: Obj) -> Iterator[Problem]:
    name = obj.name or ""
    # Where the name is an error already, one finding is enough.
    if obj.kind == "Job" and (
        obj.spec.get("completionMode") == "Indexed" or len(name) > naming.LABEL_VALUE_LIMIT
    ):
        return  # apply/indexed-job-name, apply/job-name-too-long
    if obj.kind == "CronJob" and len(name) > naming.CRONJOB_NAME_LIMIT:
        return  # apply/cronjob-name-too-long
    if obj.built_in and obj.kind in _POD_NAMING_KINDS and name and not formats.is_dns1123_subdomain(name):
        if messages := formats.is_dns1123_label(name):
            yield Problem(
                ("metadata", "name"),
                "metadata.name: this is used in Pod names and hostnames, which can "
                f"result in surprising behavior; a DNS label is recommended: [{', '.join(messages)}]",
                f"Rename it to {formats.suggest_dns_label(name)!r}.",
            )


@rule(
    "apply/invalid-namespace",
    ERROR,
    "object",
    "metadata",
    "metadata.namespace is not a valid namespace name (a DNS-1123 label).",
    why="The apiserver rejects the object; the namespace could not exist either.",
    example="metadata:\n  name: web\n  namespace: Team_A",
    fix="Use the namespace's real name: lower case, digits and '-'.",
)
def invalid_namespace(obj: Obj) -> Iterator[Problem]:
    namespace = obj.meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        if messages := formats.is_dns1123_label(namespace):
            yield Problem(
                ("metadata", "namespace"),
                invalid(namespace, *messages),
                f"Use a DNS-1123 label, e.g. {formats.suggest_dns_label(namespace)!r}.",
            )


@rule(
    "apply/namespace-mismatch",
    ERROR,
    "object",
    "metadata",
    "An object names a namespace other than the one given with --namespace (kubectl apply --namespace).",
    why='kubectl refuses to apply it: `the namespace from the provided object "a" does not match the namespace '
    "\"b\". You must pass '--namespace=a' to perform this operation.`",
    example="# kubectl apply --namespace shop -f app.yaml\nmetadata:\n  name: web\n  namespace: shop-staging",
    fix="Remove metadata.namespace to follow --namespace, or apply the object with its own namespace.",
)
def namespace_mismatch(obj: Obj) -> Iterator[Problem]:
    given, own = obj.context.namespace, obj.meta.get("namespace")
    cluster_scoped = obj.built_in and kinds.is_cluster_scoped(obj.api_version, obj.kind)
    if given and isinstance(own, str) and own and own != given and not cluster_scoped:
        yield Problem(
            ("metadata", "namespace"),
            f"kubectl: the namespace from the provided object {go_value(own)} does not match the namespace "
            f"{go_value(given)}. You must pass '--namespace={own}' to perform this operation.",
            f"Remove metadata.namespace (the object then goes to {given}), or apply it with --namespace {own}.",
        )


@rule(
    "apply/namespace-on-cluster-scoped",
    WARNING,
    "object",
    "metadata",
    "A cluster-scoped object (ClusterRole, Namespace, StorageClass, ...) names a namespace, which is ignored.",
    why="Cluster-scoped objects live outside namespaces: the namespace is silently dropped, which usually means the "
    "author expected a namespaced object (a Role rather than a ClusterRole).",
    example="kind: ClusterRole\nmetadata:\n  name: reader\n  namespace: team-a",
    fix="Remove metadata.namespace, or use the namespaced kind (Role, RoleBinding).",
)
def namespace_on_cluster_scoped(obj: Obj) -> Iterator[Problem]:
    if obj.built_in and obj.meta.get("namespace") and kinds.is_cluster_scoped(obj.api_version, obj.kind):
        yield Problem(
            ("metadata", "namespace"),
            f"{obj.kind} is cluster-scoped: metadata.namespace {go_value(obj.meta['namespace'])} is ignored",
            "Remove metadata.namespace"
            + (f", or use {_NAMESPACED_TWIN[obj.kind]}." if obj.kind in _NAMESPACED_TWIN else "."),
        )


_NAMESPACED_TWIN = {"ClusterRole": "a Role", "ClusterRoleBinding": "a RoleBinding"}


@rule(
    "apply/invalid-label-key",
    ERROR,
    "object",
    "metadata",
    "A label key is not a qualified name: an optional DNS subdomain prefix and '/', then at most 63 "
    "alphanumeric characters, '-', '_' or '.'.",
    why="The apiserver rejects the object; template labels are checked the same way.",
    example="metadata:\n  labels:\n    app name: web",
    fix="Use keys like `app.kubernetes.io/name`.",
)
def invalid_label_key(obj: Obj) -> Iterator[Problem]:
    for path, meta in obj.metadata_blocks():
        for key in mapping(meta.get("labels")):
            if isinstance(key, str) and (messages := formats.is_qualified_name(key)):
                yield Problem(
                    path + ("labels", key),
                    invalid(key, *messages),
                    "Use a key like `app.kubernetes.io/name`: letters, digits, '-', '_', '.', one optional "
                    "'example.com/' prefix.",
                )


@rule(
    "apply/invalid-label-value",
    ERROR,
    "object",
    "metadata",
    "A label value is longer than 63 characters or has characters other than alphanumerics, '-', '_' and '.'.",
    why="The apiserver rejects the object. Values must start and end with an alphanumeric character; an empty "
    "value is allowed.",
    example="metadata:\n  labels:\n    version: 1.2.3+build",
    fix="Keep labels short and simple; put free text in an annotation.",
)
def invalid_label_value(obj: Obj) -> Iterator[Problem]:
    for path, meta in obj.metadata_blocks():
        for key, value in mapping(meta.get("labels")).items():
            if isinstance(value, str) and (messages := formats.is_label_value(value)):
                yield Problem(
                    path + ("labels", key),
                    invalid(value, *messages),
                    "Shorten the value to at most 63 characters of letters, digits, '-', '_' and '.', or "
                    "move it to an annotation.",
                )


@rule(
    "apply/invalid-annotation-key",
    ERROR,
    "object",
    "metadata",
    "An annotation key is not a qualified name (checked in lower case).",
    why="The apiserver rejects the object.",
    example="metadata:\n  annotations:\n    owner team: payments",
    fix="Use keys like `example.com/owner`.",
)
def invalid_annotation_key(obj: Obj) -> Iterator[Problem]:
    for path, meta in obj.metadata_blocks():
        for key in mapping(meta.get("annotations")):
            if isinstance(key, str) and (messages := formats.is_qualified_name(key.lower())):
                yield Problem(
                    path + ("annotations", key),
                    invalid(key, *messages),
                    "Use a key like `example.com/owner`: one optional DNS prefix and '/', then at most 63 "
                    "letters, digits, '-', '_' or '.'.",
                )


@rule(
    "apply/annotations-too-long",
    ERROR,
    "object",
    "metadata",
    "The annotations of an object add up to more than 256 KiB.",
    why="The apiserver rejects the object. Client-side `kubectl apply` also stores the whole object in the "
    "`kubectl.kubernetes.io/last-applied-configuration` annotation, so large objects hit the limit twice as fast.",
    example="metadata:\n  annotations:\n    dashboard.json: '{ ... 300 KiB ... }'",
    fix="Move large data into a ConfigMap; for large objects (CRDs) use `kubectl apply --server-side`.",
)
def annotations_too_long(obj: Obj) -> Iterator[Problem]:
    for path, meta in obj.metadata_blocks():
        annotations = mapping(meta.get("annotations"))
        size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
        if size > ANNOTATIONS_LIMIT:
            yield Problem(
                path + ("annotations",),
                formats.too_long(ANNOTATIONS_LIMIT, obj.minor),
                f"The annotations hold {size} bytes: move large values into a ConfigMap.",
            )


@rule(
    "apply/invalid-finalizer",
    ERROR,
    "object",
    "metadata",
    "A finalizer name is not a qualified name.",
    why="The apiserver rejects the object.",
    example='metadata:\n  finalizers: ["example.com/clean up"]',
    fix="Use a name like `example.com/cleanup`.",
)
def invalid_finalizer(obj: Obj) -> Iterator[Problem]:
    finalizers = obj.meta.get("finalizers")
    for index, name in enumerate(finalizers if isinstance(finalizers, list) else []):
        if isinstance(name, str) and (messages := formats.is_qualified_name(name)):
            yield Problem(
                ("metadata", "finalizers", index),
                invalid(name, *messages),
                "Use a domain-qualified name like `example.com/cleanup`.",
            )


@rule(
    "apply/crd-name",
    ERROR,
    "CustomResourceDefinition",
    "metadata",
    "A CustomResourceDefinition's name is not `<spec.names.plural>.<spec.group>`.",
    why="The apiserver rejects the CRD: its name must be its plural and group.",
    example="kind: CustomResourceDefinition\nmetadata:\n  name: backup.example.com\nspec:\n  group: example.com\n"
    "  names: {plural: backups, kind: Backup}",
    fix="Rename it to the plural and group, e.g. `backups.example.com`.",
)
def crd_name(obj: Obj) -> Iterator[Problem]:
    plural, group = text(mapping(obj.spec.get("names")).get("plural")), text(obj.spec.get("group"))
    if obj.name and plural and group and obj.name != f"{plural}.{group}":
        yield Problem(
            ("metadata", "name"),
            invalid(obj.name, 'must be spec.names.plural+"."+spec.group'),
            f"Rename it to {json.dumps(plural + '.' + group)}.",
        )
