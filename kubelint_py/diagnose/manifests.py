"""--manifests: the line of the workload's manifest to change for a cause (the memory limit, the image
tag, the secret's name). A pod is matched to the workload that made it through its controller
(ReplicaSet web-7d9f8c6b5 -> Deployment web) or its name; the cause's `field` says where to look."""

from __future__ import annotations

import re
from typing import Any, Iterator

from kubelint_py import loader
from kubelint_py.discovery import discover
from kubelint_py.diagnose.reason import Diagnosis, Entry
from kubelint_py.model import Document
from kubelint_py.workloads import WORKLOAD_KINDS, containers, pod_spec

# field -> (where, path): "container" paths start at the container, "spec" at the pod spec, "object"
# at the workload object. The first path that exists wins; otherwise the deepest existing ancestor
# of the first is used.
FIELDS: dict[str, tuple[tuple[str, tuple], ...]] = {
    "image": (("container", ("image",)),),
    "imagePullPolicy": (("container", ("imagePullPolicy",)), ("container", ("image",))),
    "imagePullSecrets": (("spec", ("imagePullSecrets",)), ("container", ("image",))),
    "memory-limit": (("container", ("resources", "limits", "memory")), ("container", ("resources",))),
    "memory-request": (("container", ("resources", "requests", "memory")), ("container", ("resources",))),
    "ephemeral-storage-limit": (("container", ("resources", "limits", "ephemeral-storage")),
                                ("container", ("resources",))),
    "requests": (("container", ("resources", "requests", "{resource}")), ("container", ("resources", "requests")),
                 ("container", ("resources",))),
    "resources": (("container", ("resources",)),),
    "livenessProbe": (("container", ("livenessProbe",)),),
    "readinessProbe": (("container", ("readinessProbe",)),),
    "startupProbe": (("container", ("startupProbe",)),),
    "command": (("container", ("command",)), ("container", ("args",)), ("container", ("image",))),
    "volumeMounts": (("container", ("volumeMounts",)),),
    "ports": (("container", ("ports",)),),
    "securityContext": (("container", ("securityContext",)), ("spec", ("securityContext",))),
    "runAsNonRoot": (("container", ("securityContext", "runAsNonRoot")), ("spec", ("securityContext", "runAsNonRoot")),
                     ("container", ("securityContext",))),
    "serviceAccountName": (("spec", ("serviceAccountName",)),),
    "priorityClassName": (("spec", ("priorityClassName",)),),
    "tolerations": (("spec", ("tolerations",)),),
    "nodeSelector": (("spec", ("nodeSelector",)), ("spec", ("affinity", "nodeAffinity"))),
    "affinity": (("spec", ("affinity",)),),
    "topologySpreadConstraints": (("spec", ("topologySpreadConstraints",)),),
    "volumes": (("spec", ("volumes",)),),
    "terminationGracePeriodSeconds": (("spec", ("terminationGracePeriodSeconds",)),),
    "activeDeadlineSeconds": (("object", ("spec", "activeDeadlineSeconds")), ("spec", ("activeDeadlineSeconds",))),
    "backoffLimit": (("object", ("spec", "backoffLimit")),),
    "storageClassName": (("object", ("spec", "storageClassName")), ("object", ("spec",))),
}
# Fields that name another object: the manifest line is where the pod refers to it.
_REFERENCES = {"configmap-ref": "ref", "secret-ref": "ref", "key-ref": "key", "volumes": "claim"}
_KINDS = WORKLOAD_KINDS | {"PersistentVolumeClaim"}
_HASH = re.compile(r"-[a-z0-9]{5,10}$")
_POD_SUFFIX = re.compile(r"-[a-z0-9]{5}$")


def link_manifests(entries: list[Entry], paths: list[str]) -> list[str]:
    """Set `manifest` on diagnoses whose workload is in `paths`; returns what could not be read."""
    documents: list[Document] = []
    errors = []
    for path in discover(paths):
        if not isinstance(path, str):  # what the walk could not enter
            if path.severity.name == "ERROR":
                errors.append(f"{path.file}: {path.message}")
            continue
        loaded = loader.load_path(path)
        errors.extend(f"{f.file}:{f.line}: {f.message}" for f in loaded.findings
                      if f.rule.startswith("input/") and f.severity.name == "ERROR")
        documents.extend(d for d in loaded.documents if isinstance(d.body, dict) and d.body.get("kind") in _KINDS)
    for entry in entries:
        document = _workload(entry, documents)
        if document is None:
            continue
        for diagnosis in entry.diagnoses:
            if diagnosis.cause.field and not diagnosis.cause.healthy:
                line = _line(document, diagnosis)
                if line is not None:
                    diagnosis.manifest = {"file": document.file, "line": line}
    return errors


def _owners(entry: Entry) -> list[tuple[str, str]]:
    """(kind, name) of the workloads that may have made this entry's object, most likely first."""
    if entry.kind != "Pod":
        names = [(entry.kind, entry.name)]
        if entry.kind == "ReplicaSet":
            names.insert(0, ("Deployment", _HASH.sub("", entry.name)))
        return names
    owner = entry.subject.controlled_by if entry.subject else ""
    kind, _, name = owner.partition("/")
    if kind == "ReplicaSet":
        return [("Deployment", _HASH.sub("", name)), ("ReplicaSet", name)]
    if kind == "Job":
        return [("Job", name), ("CronJob", re.sub(r"-\d+$", "", name))]
    if kind:
        return [(kind, name)]
    pod = entry.name
    without_suffix = _POD_SUFFIX.sub("", pod)
    return [("Pod", pod), ("Deployment", _HASH.sub("", without_suffix)), ("StatefulSet", re.sub(r"-\d+$", "", pod)),
            ("DaemonSet", without_suffix), ("Job", without_suffix), ("CronJob", re.sub(r"-\d+$", "", without_suffix))]


def _workload(entry: Entry, documents: list[Document]) -> Document | None:
    by_key = {}
    for document in documents:
        meta = document.body.get("metadata") if isinstance(document.body.get("metadata"), dict) else {}
        namespace = meta.get("namespace")
        if namespace and entry.namespace and namespace != entry.namespace:
            continue
        by_key.setdefault((document.body.get("kind"), meta.get("name")), document)
    for key in _owners(entry):
        if key in by_key:
            return by_key[key]
    return None


def _line(document: Document, diagnosis: Diagnosis) -> int | None:
    spec_path, spec = pod_spec(document.body) or ((), {})
    container_path = _container_path(spec, diagnosis.values.get("container", "")) if spec else None
    field = diagnosis.cause.field
    reference = diagnosis.values.get(_REFERENCES.get(field, ""), "")
    if reference:
        for path in _find_value(spec, reference, ()):
            return document.locate(spec_path + path)[0]
    candidates = []
    for where, path in FIELDS.get(field, ()):
        path = tuple(diagnosis.values.get("resource", "") if p == "{resource}" else p for p in path)
        if where == "container":
            if container_path is None:
                continue
            candidates.append(spec_path + container_path + path)
        elif where == "spec":
            if spec:
                candidates.append(spec_path + path)
        else:
            candidates.append(path)
    for path in candidates:
        if _exists(document.body, path):
            return document.locate(path)[0]
    return document.locate(candidates[0])[0] if candidates else None


def _container_path(spec: dict, name: str) -> tuple | None:
    first = None
    for path, container in containers(spec, ("initContainers", "containers")):
        if container.get("name") == name:
            return path
        if first is None and path[0] == "containers":
            first = path
    return first


def _exists(body: Any, path: tuple) -> bool:
    for part in path:
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and isinstance(part, int) and 0 <= part < len(body):
            body = body[part]
        else:
            return False
    return True


def _find_value(node: Any, value: str, path: tuple) -> Iterator[tuple]:
    """Paths of the keys that name `value`: a secretKeyRef's name, a volume's secretName, a claimName."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key in ("name", "secretName", "claimName", "key") and child == value and path and \
                    path[-1] not in ("containers", "initContainers") and not isinstance(path[-1], int):
                yield path + (key,)
            else:
                yield from _find_value(child, value, path + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _find_value(child, value, path + (i,))
