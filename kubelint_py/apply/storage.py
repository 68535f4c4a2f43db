"""PersistentVolumeClaims (also a StatefulSet's volumeClaimTemplates) and PersistentVolumes
(CORE ValidatePersistentVolumeClaimSpec, ValidatePersistentVolumeSpec)."""

from __future__ import annotations

from typing import Iterator

from kubelint_py.apply import formats, quantity
from kubelint_py.apply.formats import forbidden, invalid, required, unsupported
from kubelint_py.apply.rule import (
    ERROR,
    WARNING,
    Obj,
    empty,
    items,
    mapping,
    rule,
    text,
)
from kubelint_py.model import Problem

CLAIM_TEMPLATES_VALIDATED_SINCE = (
    34  # before, a bad claim template failed only when the controller created the PVC
)
_LATE_NOTE = " (accepted by the apiserver before Kubernetes 1.34: the StatefulSet controller then fails to create the claim)"
_PV_SOURCES = (
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "csi",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "glusterfs",
    "hostPath",
    "iscsi",
    "local",
    "nfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
)


def claim_specs(obj: Obj) -> Iterator[tuple[tuple, dict, bool]]:
    """(path, spec, reported late) of a PVC's spec or of each volumeClaimTemplate's spec of a StatefulSet."""
    if obj.kind in ("PersistentVolumeClaim", "PersistentVolume"):
        if "spec" in obj.body:
            yield ("spec",), obj.spec, False
        return
    late = obj.minor < CLAIM_TEMPLATES_VALIDATED_SINCE
    for index, claim in enumerate(items(obj.spec.get("volumeClaimTemplates"))):
        if isinstance(claim, dict):
            yield ("spec", "volumeClaimTemplates", index, "spec"), mapping(claim.get("spec")), late


def _problem(path: tuple, message: str, fix: str, late: bool) -> Problem:
    return Problem(path, message + (_LATE_NOTE if late else ""), fix, severity=WARNING if late else None)


_CLAIM_KINDS = ("PersistentVolumeClaim", "StatefulSet")


@rule(
    "apply/pvc-access-modes",
    ERROR,
    _CLAIM_KINDS + ("PersistentVolume",),
    "storage",
    "A PersistentVolumeClaim, volumeClaimTemplate or PersistentVolume without accessModes, or mixing "
    "ReadWriteOncePod with other modes.",
    why="The apiserver rejects the claim: `at least 1 access mode is required`. For StatefulSets before 1.34 the "
    "template is accepted and every PVC creation fails instead.",
    example="volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      resources:\n        requests: {storage: 10Gi}",
    fix="Add accessModes: [ReadWriteOnce].",
)
def pvc_access_modes(obj: Obj) -> Iterator[Problem]:
    for at, spec, late in claim_specs(obj):
        modes = spec.get("accessModes")
        if empty(modes):
            yield _problem(
                at + ("accessModes",),
                required("at least 1 access mode is required"),
                "Add accessModes: [ReadWriteOnce].",
                late,
            )
        elif isinstance(modes, list) and "ReadWriteOncePod" in modes and len(set(map(str, modes))) > 1:
            yield _problem(
                at + ("accessModes",),
                forbidden("may not use ReadWriteOncePod with other access modes"),
                "Use ReadWriteOncePod alone.",
                late,
            )


@rule(
    "apply/pvc-storage-request",
    ERROR,
    _CLAIM_KINDS,
    "storage",
    "A PersistentVolumeClaim or volumeClaimTemplate without resources.requests.storage, or with zero.",
    why="The size is what gets provisioned; the apiserver rejects a claim without a positive storage request "
    "(a limit alone does not count).",
    example="spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    limits: {storage: 10Gi}",
    fix="Add resources.requests.storage, e.g. 10Gi.",
)
def pvc_storage_request(obj: Obj) -> Iterator[Problem]:
    for at, spec, late in claim_specs(obj):
        requests = mapping(mapping(spec.get("resources")).get("requests"))
        where = at + ("resources", "requests", "storage")
        if "storage" not in requests:
            limit = mapping(mapping(spec.get("resources")).get("limits")).get("storage")
            yield _problem(
                where,
                required(),
                f"Add resources.requests.storage: {limit}."
                if limit
                else "Add resources.requests.storage, e.g. 10Gi.",
                late,
            )
            continue
        size = quantity.parse_or_none(requests["storage"])
        if size is not None and size <= 0:
            yield _problem(
                where,
                invalid(str(requests["storage"]), "must be greater than zero"),
                "Request a positive size.",
                late,
            )


@rule(
    "apply/invalid-storage-class-name",
    ERROR,
    _CLAIM_KINDS + ("PersistentVolume",),
    "storage",
    "A storageClassName that no StorageClass could have (not a DNS subdomain). An empty string is fine: it means "
    "no class.",
    why="The apiserver rejects it.",
    example="spec:\n  storageClassName: Fast_SSD",
    fix="Use the StorageClass's name, e.g. fast-ssd.",
)
def invalid_storage_class_name(obj: Obj) -> Iterator[Problem]:
    for at, spec, late in claim_specs(obj):
        name = text(spec.get("storageClassName"))
        if name and (messages := formats.is_dns1123_subdomain(name)):
            yield _problem(
                at + ("storageClassName",),
                invalid(name, *messages),
                f"Use the StorageClass's name, e.g. {formats.suggest_subdomain(name)!r}.",
                late,
            )


@rule(
    "apply/pv-source",
    ERROR,
    "PersistentVolume",
    "storage",
    "A PersistentVolume with no volume source, or with more than one.",
    why="A PersistentVolume is exactly one piece of storage; the apiserver rejects none or several.",
    example="kind: PersistentVolume\nspec:\n  capacity: {storage: 10Gi}\n  accessModes: [ReadWriteOnce]",
    fix="Add exactly one source: csi, nfs, hostPath, local, ...",
)
def pv_source(obj: Obj) -> Iterator[Problem]:
    if "spec" not in obj.body:
        return
    present = [key for key, value in obj.spec.items() if key in _PV_SOURCES and value is not None]
    if not present:
        yield Problem(
            ("spec",), required("must specify a volume type"), "Add one volume source, e.g. csi or nfs."
        )
    for extra in present[1:]:
        yield Problem(
            ("spec", extra), forbidden("may not specify more than 1 volume type"), f"Keep only {present[0]}."
        )


@rule(
    "apply/pv-capacity",
    ERROR,
    "PersistentVolume",
    "storage",
    "A PersistentVolume without capacity.storage, or with other capacity keys.",
    why="Claims are bound by size; the apiserver requires exactly `storage`.",
    example="kind: PersistentVolume\nspec:\n  accessModes: [ReadWriteOnce]\n  nfs: {server: nfs.local, path: /data}",
    fix="Add capacity: {storage: 10Gi}.",
)
def pv_capacity(obj: Obj) -> Iterator[Problem]:
    if "spec" not in obj.body:
        return
    capacity = mapping(obj.spec.get("capacity"))
    if not capacity:
        yield Problem(("spec", "capacity"), required(), "Add capacity: {storage: 10Gi}.")
    elif "storage" not in capacity or len(capacity) > 1:
        others = sorted(str(key) for key in capacity if key != "storage") or ["storage"]
        yield Problem(
            ("spec", "capacity"), unsupported(others[0], ("storage",)), "Keep only capacity.storage."
        )
