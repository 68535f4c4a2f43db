"""Everything in the input, indexed for the set-wide rules: objects by kind and name, pod templates, selectors.

An object without `metadata.namespace` gets its namespace at apply time (`kubectl -n`, Helm, kustomize),
so it is taken to share a namespace with any other object: a reference is only "dangling" when no
object could be the one it names.

Whether a missing object is worth reporting depends on whether the manifests it sits with manage such
objects at all. That is asked of its bundle: the objects in the same directory (one rendered chart, one
kustomize base, one install.yaml), so that unrelated applications checked in one run do not vouch for
each other.
"""

from __future__ import annotations

import os
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


# Labels a controller adds to the pods it creates, with values the input cannot know (a pod's name, a hash):
# a selector on one of them matches some pod of such a controller.
GENERATED_LABELS = {
    "StatefulSet": frozenset({"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
                              "controller-revision-hash"}),
    "Deployment": frozenset({"pod-template-hash"}),
    "DaemonSet": frozenset({"controller-revision-hash", "pod-template-generation"}),
    "Job": frozenset({"job-name", "controller-uid", "batch.kubernetes.io/job-name",
                      "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"}),
}
GENERATED_LABELS["CronJob"] = GENERATED_LABELS["Job"]
_ANY_GENERATED = frozenset().union(*GENERATED_LABELS.values())


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

    @property
    def generated(self) -> frozenset[str]:
        return GENERATED_LABELS.get(self.kind, frozenset())

    def containers(self) -> Iterator[tuple[tuple, dict]]:
        for path, container in workloads.containers(self.spec, ("containers", "initContainers")):
            yield self.spec_path + path, container


def as_list(value: Any) -> list:
    """A list field as a list; anything else (a typo'd mapping, a scalar) as nothing to iterate."""
    return value if isinstance(value, list) else []


def digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts other scripts' digits, which int() and Kubernetes do not."""
    return text.isascii() and text.isdigit()


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


def matches_labels(selector: dict, labels: dict, generated: frozenset[str] = frozenset()) -> bool:
    """A Service-style selector: every key=value pair present (or added by the pods' controller)."""
    return all(key in generated or key in labels and str(labels[key]) == str(value) for key, value in selector.items())


def matches_selector(selector: Any, labels: dict, generated: frozenset[str] = frozenset()) -> bool:
    """A LabelSelector (matchLabels and matchExpressions), with apimachinery's semantics."""
    if not isinstance(selector, dict):
        return False
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict) and not matches_labels(match_labels, labels, generated):
        return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, dict):
            return False
        key, operator = expression.get("key"), expression.get("operator")
        if key in generated:
            continue
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
        self._bundles: dict[tuple[str, str | None], tuple] = {}

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

    @cached_property
    def _by_directory(self) -> dict[str, list[Document]]:
        index: dict[str, list[Document]] = {}
        for document in self.documents:
            index.setdefault(os.path.dirname(document.file), []).append(document)
        return index

    def directory(self, document: Document) -> list[Document]:
        """The objects read from the same directory as `document`."""
        return self._by_directory.get(os.path.dirname(document.file), [])

    def bundle(self, document: Document) -> list[Document]:
        """The objects of `document`'s bundle: same directory, a namespace it could share."""
        return self._bundle(os.path.dirname(document.file), namespace_of(document.body))[0]

    def _bundle(self, directory: str, namespace: str | None) -> tuple[list[Document], frozenset[str], list[Document], bool]:
        """(objects, their kinds, the custom resources among them, whether it has pod templates) of the
        bundle of a directory and namespace; computed once, asked for every reference checked."""
        key = (directory, namespace)
        if key not in self._bundles:
            objects = [d for d in self._by_directory.get(directory, []) if same_namespace(namespace_of(d.body), namespace)]
            custom = [d for d in objects if not self.is_built_in(d.body) and d.body["kind"] != "CustomResourceDefinition"]
            pods = any(os.path.dirname(t.document.file) == directory and same_namespace(t.namespace, namespace)
                       for t in self._templates_by_directory.get(directory, ()))
            self._bundles[key] = (objects, frozenset(d.body["kind"] for d in objects), custom, pods)
        return self._bundles[key]

    def operator_managed(self, document: Document) -> bool:
        """Does `document`'s bundle hold custom resources? Their operators create pods, Services, Secrets...
        that no manifest shows, so nothing can be called missing there."""
        custom = self._bundle(os.path.dirname(document.file), namespace_of(document.body))[2]
        return any(d is not document for d in custom)

    def expects(self, kind: str, document: Document) -> bool:
        """Should every `kind` that `document` refers to be in the input? Yes when its bundle defines
        objects of that kind itself, and no operator may make the missing one."""
        kinds = self._bundle(os.path.dirname(document.file), namespace_of(document.body))[1]
        return kind in kinds and not self.operator_managed(document)

    def expects_pods(self, document: Document) -> bool:
        """Should a selector in `document` select pods of the input? Yes when its bundle defines pod
        templates (patch fragments aside), and no operator may make pods."""
        pods = self._bundle(os.path.dirname(document.file), namespace_of(document.body))[3]
        return pods and not self.operator_managed(document)

    @cached_property
    def _templates_by_directory(self) -> dict[str, list[PodTemplate]]:
        index: dict[str, list[PodTemplate]] = {}
        for template in self.pod_templates:
            index.setdefault(os.path.dirname(template.document.file), []).append(template)
        return index

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

    def pods_matching(self, namespace: str | None, labels: dict | None = None,
                      selector: Any = None) -> list[PodTemplate]:
        """Pod templates in a compatible namespace selected by Service-style `labels` or a LabelSelector
        (neither: all of them)."""
        required = labels if labels is not None else selector.get("matchLabels") if isinstance(selector, dict) else None
        pairs = [(k, str(v)) for k, v in required.items() if k not in _ANY_GENERATED] \
            if isinstance(required, dict) else []
        if pairs:  # start from the rarest label pair, not from every template
            candidates = min((self._templates_by_label.get(pair, []) for pair in pairs), key=len)
        elif namespace is None:
            candidates = self.pod_templates
        else:
            candidates = self._templates_by_namespace.get(namespace, []) + self._templates_by_namespace.get(None, [])
        return [t for t in candidates if same_namespace(t.namespace, namespace)
                and (labels is None or matches_labels(labels, t.labels, t.generated))
                and (selector is None or matches_selector(selector, t.labels, t.generated))]
