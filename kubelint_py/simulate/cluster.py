"""`--cluster FILE`: what the cluster holds before the apply.

Accepted, in any mix and in YAML or JSON: `kubectl get nodes -o yaml` (a List of Nodes), and the
output of `kubectl get nodes,storageclasses,pv,pods -A -o yaml`: Nodes (labels, taints, allocatable,
cordoning, the images they hold), StorageClasses (which one is the default, binding mode), free
PersistentVolumes, running Pods (their requests, host ports and labels count on their nodes), and
any other object (Secrets, ConfigMaps, ServiceAccounts, PriorityClasses, Namespaces, ...), which
then exists. Or kubelint's own short form, for a cluster that is only planned:

    apiVersion: kubelint/v1
    kind: Cluster
    nodes:
      - name: worker              # with count: worker-1, worker-2, worker-3
        count: 3
        allocatable: {cpu: "4", memory: 16Gi, pods: 110}
        labels: {topology.kubernetes.io/zone: eu-west-1a}
        taints: ["dedicated=batch:NoSchedule"]
    storageClasses:
      - {name: gp3, default: true, volumeBindingMode: WaitForFirstConsumer}
    objects: [Secret/shop/db-credentials, PriorityClass/critical]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from kubelint_py import loader, reading
from kubelint_py.apply import kinds, quantity
from kubelint_py.model import Document
from kubelint_py.simulate.model import items, mapping, text

OWN_API_VERSION = "kubelint/v1"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
_TAINT = re.compile(
    r"^(?P<key>[^=:\s]+)(?:=(?P<value>[^:\s]*))?:(?P<effect>NoSchedule|PreferNoSchedule|NoExecute)$"
)
_OBJECT_REF = re.compile(r"^(?P<kind>[A-Za-z]+)/(?:(?P<namespace>[a-z0-9-]+)/)?(?P<name>[^/\s]+)$")
_NODE_KEYS = frozenset(("name", "count", "allocatable", "labels", "taints", "unschedulable", "images"))
_CLASS_KEYS = frozenset(("name", "default", "volumeBindingMode", "provisioner"))
_CLUSTER_KEYS = frozenset(("apiVersion", "kind", "nodes", "storageClasses", "objects"))
_RUNNING_PHASES = ("Pending", "Running", "Unknown", "")


@dataclass
class Taint:
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass
class Node:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[Taint] = field(default_factory=list)
    allocatable: dict[str, Decimal] | None = None  # None: not given, so resources are not checked
    unschedulable: bool = False
    images: frozenset[str] = frozenset()
    images_known: bool = False


@dataclass
class StorageClass:
    name: str
    provisioner: str = ""
    binding_mode: str = "Immediate"
    default: bool = False


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)
    storage_classes: dict[str, StorageClass] | None = None  # None: the file says nothing about storage
    volumes: list[dict] = field(default_factory=list)  # PersistentVolumes not bound to a claim
    pods: list[dict] = field(default_factory=list)  # pods running on its nodes
    objects: list[tuple[str, str | None, str, dict | None]] = field(default_factory=list)  # what else exists
    errors: list[str] = field(default_factory=list)

    @property
    def default_class(self) -> StorageClass | None:
        return next((c for c in (self.storage_classes or {}).values() if c.default), None)


def read(path: str, max_bytes: int = reading.MAX_FILE_BYTES) -> Cluster:
    """The cluster described in `path`; what cannot be read is in `errors`, one line each."""
    cluster = Cluster()
    loaded = loader.load_path(path, max_bytes)
    for finding in loaded.findings:
        if finding.severity.name == "ERROR" or finding.rule == "input/empty":
            cluster.errors.append(f"{finding.file}:{finding.line}: {finding.message} (--cluster)")
    for document in loaded.documents:
        body = document.body
        if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
            cluster.errors.append(_where(document, ()) + ": not a Kubernetes object (--cluster)")
        elif body["kind"] == "Cluster":
            _own_format(document, cluster)
        else:
            _object(document, cluster)
    if not loaded.findings and not loaded.documents:
        cluster.errors.append(f"{loaded.file}:1: no node or object in the --cluster file")
    return cluster


def _where(document: Document, path: tuple) -> str:
    return f"{document.file}:{document.locate(path)[0]}"


def _object(document: Document, cluster: Cluster) -> None:
    body = document.body
    kind, meta = body["kind"], mapping(body.get("metadata"))
    name, namespace = text(meta.get("name")), text(meta.get("namespace")) or None
    if not name:
        cluster.errors.append(_where(document, ("metadata",)) + f": {kind} without a name (--cluster)")
        return
    if kind == "Node":
        cluster.nodes.append(_node(document, name))
    elif kind == "StorageClass":
        annotations = mapping(meta.get("annotations"))
        cluster.storage_classes = cluster.storage_classes or {}
        cluster.storage_classes[name] = StorageClass(
            name,
            text(body.get("provisioner")),
            text(body.get("volumeBindingMode")) or "Immediate",
            any(annotations.get(a) == "true" for a in DEFAULT_CLASS_ANNOTATIONS),
        )
    elif kind == "PersistentVolume":
        if not mapping(body.get("spec")).get("claimRef") and text(
            mapping(body.get("status")).get("phase")
        ) in ("", "Available"):
            cluster.volumes.append(body)
    elif kind == "Pod":
        spec, status = mapping(body.get("spec")), mapping(body.get("status"))
        if text(spec.get("nodeName")) and text(status.get("phase")) in _RUNNING_PHASES:
            cluster.pods.append(body)
    api_version = text(body.get("apiVersion"))
    if kinds.is_cluster_scoped(api_version, kind):
        namespace = None
    cluster.objects.append((kind, namespace, name, body))


def _node(document: Document, name: str) -> Node:
    body = document.body
    meta, spec, status = mapping(body.get("metadata")), mapping(body.get("spec")), mapping(body.get("status"))
    node = Node(name, {k: str(v) for k, v in mapping(meta.get("labels")).items()})
    for taint in items(spec.get("taints")):
        taint = mapping(taint)
        node.taints.append(Taint(text(taint.get("key")), text(taint.get("value")), text(taint.get("effect"))))
    node.unschedulable = spec.get("unschedulable") is True
    resources = mapping(status.get("allocatable")) or mapping(status.get("capacity"))
    if resources:
        node.allocatable = {}
        for resource, value in resources.items():
            parsed = quantity.parse_or_none(value)
            if parsed is not None:
                node.allocatable[resource] = parsed
    if "images" in status:
        node.images_known = True
        node.images = frozenset(
            n
            for image in items(status.get("images"))
            for n in items(mapping(image).get("names"))
            if isinstance(n, str)
        )
    return node


# --- kubelint's own form ------------------------------------------------------------------------------


def _own_format(document: Document, cluster: Cluster) -> None:
    body = document.body
    errors = cluster.errors
    if body.get("apiVersion") != OWN_API_VERSION:
        errors.append(
            _where(document, ("apiVersion",)) + f": a kind: Cluster file needs apiVersion: {OWN_API_VERSION}"
        )
        return
    for key in body:
        if key not in _CLUSTER_KEYS:
            errors.append(
                _where(document, (key,)) + f": unknown field {key!r} (expected one of "
                f"{', '.join(sorted(_CLUSTER_KEYS - {'apiVersion', 'kind'}))})"
            )
    for i, entry in enumerate(_list(document, ("nodes",), errors)):
        cluster.nodes.extend(_own_nodes(document, ("nodes", i), entry, errors))
    if "storageClasses" in body:
        cluster.storage_classes = cluster.storage_classes or {}
        for i, entry in enumerate(_list(document, ("storageClasses",), errors)):
            storage_class = _own_class(document, ("storageClasses", i), entry, errors)
            if storage_class:
                cluster.storage_classes[storage_class.name] = storage_class
    for i, ref in enumerate(_list(document, ("objects",), errors)):
        match = _OBJECT_REF.match(ref) if isinstance(ref, str) else None
        if match is None:
            errors.append(
                _where(document, ("objects", i)) + f": {ref!r} is not KIND/NAMESPACE/NAME or KIND/NAME"
            )
        else:
            cluster.objects.append((match["kind"], match["namespace"], match["name"], None))


def _list(document: Document, path: tuple, errors: list[str]) -> list:
    value = document.body.get(path[0])
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(_where(document, path) + f": {path[0]} must be a list")
        return []
    return value


def _own_nodes(document: Document, at: tuple, entry, errors: list[str]) -> list[Node]:
    if not isinstance(entry, dict) or not text(entry.get("name")):
        errors.append(_where(document, at) + ": a node needs at least a name")
        return []
    for key in entry:
        if key not in _NODE_KEYS:
            errors.append(
                _where(document, at + (key,)) + f": unknown node field {key!r} (expected one of "
                f"{', '.join(sorted(_NODE_KEYS))})"
            )
    count = entry.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 5000:
        errors.append(_where(document, at + ("count",)) + ": count must be a whole number from 1 to 5000")
        return []
    allocatable = None
    if "allocatable" in entry:
        allocatable = {}
        for resource, value in mapping(entry["allocatable"]).items():
            parsed = quantity.parse_or_none(value)
            if parsed is None:
                errors.append(
                    _where(document, at + ("allocatable", resource)) + f": {value!r} is not a quantity"
                )
            else:
                allocatable[resource] = parsed
    taints = []
    for i, taint in enumerate(items(entry.get("taints"))):
        parsed_taint = _own_taint(taint)
        if parsed_taint is None:
            errors.append(
                _where(document, at + ("taints", i)) + f": {taint!r} is not a taint "
                "(key=value:Effect, or a mapping with key, value and effect)"
            )
        else:
            taints.append(parsed_taint)
    base = text(entry["name"])
    nodes = []
    for number in range(1, count + 1):
        name = f"{base}-{number}" if count > 1 else base
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        labels.update({k: str(v) for k, v in mapping(entry.get("labels")).items()})
        images = frozenset(i for i in items(entry.get("images")) if isinstance(i, str))
        nodes.append(
            Node(
                name,
                labels,
                list(taints),
                allocatable,
                entry.get("unschedulable") is True,
                images,
                "images" in entry,
            )
        )
    return nodes


def _own_taint(taint) -> Taint | None:
    if isinstance(taint, str):
        match = _TAINT.match(taint)
        return Taint(match["key"], match["value"] or "", match["effect"]) if match else None
    if (
        isinstance(taint, dict)
        and text(taint.get("key"))
        and taint.get("effect") in ("NoSchedule", "PreferNoSchedule", "NoExecute")
    ):
        return Taint(taint["key"], text(taint.get("value")), taint["effect"])
    return None


def _own_class(document: Document, at: tuple, entry, errors: list[str]) -> StorageClass | None:
    if not isinstance(entry, dict) or not text(entry.get("name")):
        errors.append(_where(document, at) + ": a storage class needs at least a name")
        return None
    for key in entry:
        if key not in _CLASS_KEYS:
            errors.append(
                _where(document, at + (key,)) + f": unknown storage class field {key!r} (expected one of "
                f"{', '.join(sorted(_CLASS_KEYS))})"
            )
    mode = entry.get("volumeBindingMode", "Immediate")
    if mode not in ("Immediate", "WaitForFirstConsumer"):
        errors.append(
            _where(document, at + ("volumeBindingMode",)) + ": volumeBindingMode must be Immediate or "
            "WaitForFirstConsumer"
        )
        mode = "Immediate"
    return StorageClass(entry["name"], text(entry.get("provisioner")), mode, entry.get("default") is True)
