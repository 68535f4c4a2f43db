"""Volumes and mounts (CORE ValidateVolumes, validateVolumeSource, ValidateVolumeMounts, validateVolumeDevices)."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from kubelint_py import schemas
from kubelint_py.apply import formats
from kubelint_py.apply.formats import (
    duplicate,
    forbidden,
    invalid,
    is_int,
    not_found,
    required,
)
from kubelint_py.apply.rule import ERROR, Container, Pod, items, mapping, rule, text
from kubelint_py.model import Problem

MAX_FILE_MODE = 0o777
_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
_BLOCK_SOURCES = ("persistentVolumeClaim", "ephemeral")


@lru_cache(maxsize=None)
def volume_sources(version: str) -> frozenset[str]:
    """The volume source fields of the target version (emptyDir, configMap, ...), from its schema."""
    volume = schemas.bundle(version)["$defs"]["io.k8s.api.core.v1.Volume"]
    return frozenset(volume.get("properties", {})) - {"name"}


def _volumes(pod: Pod) -> Iterator[tuple[tuple, dict]]:
    for index, volume in enumerate(items(pod.spec.get("volumes"))):
        if isinstance(volume, dict):
            yield pod.at("volumes", index), volume


@rule(
    "apply/invalid-volume-name",
    ERROR,
    "pod",
    "volumes",
    "A volume name is not a DNS-1123 label.",
    why="The apiserver rejects the pod.",
    example="volumes:\n  - name: app_config\n    emptyDir: {}",
    fix="Use lower case letters, digits and '-', e.g. app-config.",
)
def invalid_volume_name(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        name = text(volume.get("name"))
        if name and (messages := formats.is_dns1123_label(name)):
            yield Problem(
                at + ("name",), invalid(name, *messages), f"Use e.g. {formats.suggest_dns_label(name)!r}."
            )


@rule(
    "apply/duplicate-volume-name",
    ERROR,
    "pod",
    "volumes",
    "Two volumes of a pod share a name.",
    why="Mounts refer to volumes by name; the apiserver rejects duplicates (`Duplicate value`).",
    example="volumes:\n  - name: data\n    emptyDir: {}\n  - name: data\n    configMap: {name: app}",
    fix="Rename one of them and its mounts.",
)
def duplicate_volume_name(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    for at, volume in _volumes(pod):
        name = text(volume.get("name"))
        if name:
            if name in seen:
                yield Problem(
                    at + ("name",), duplicate(name), "Rename one of the volumes (and the mounts that use it)."
                )
            seen.add(name)


@rule(
    "apply/volume-source",
    ERROR,
    "pod",
    "volumes",
    "A volume declares more than one source (emptyDir and configMap, ...).",
    why="A volume is exactly one thing; the apiserver rejects the second source.",
    example="volumes:\n  - name: config\n    emptyDir: {}\n    configMap: {name: app}",
    fix="Keep one source per volume; split into two volumes.",
)
def volume_source(pod: Pod) -> Iterator[Problem]:
    known = volume_sources(pod.obj.context.version)
    for at, volume in _volumes(pod):
        sources = [key for key, value in volume.items() if key in known and value is not None]
        for extra in sources[1:]:
            yield Problem(
                at + (extra,),
                forbidden("may not specify more than 1 volume type"),
                f"Keep only {sources[0]}, or move {extra} to a volume of its own.",
            )


@rule(
    "apply/volume-mount-not-found",
    ERROR,
    "container",
    "volumes",
    "A volumeMount names a volume that the pod does not define (for a StatefulSet: nor a volumeClaimTemplate).",
    why="The apiserver rejects the pod (`Not found`); for StatefulSets before Kubernetes 1.34 the controller fails "
    "to create its pods instead.",
    example="volumeMounts:\n  - name: config\n    mountPath: /etc/app\n# and no volume named config",
    fix="Add the volume, or fix the name.",
)
def volume_mount_not_found(container: Container) -> Iterator[Problem]:
    volumes = container.pod.volumes()
    for index, mount in enumerate(items(container.body.get("volumeMounts"))):
        name = text(mapping(mount).get("name"))
        if name and name not in volumes:
            known = ", ".join(sorted(volumes)) or "none defined"
            yield Problem(
                container.at("volumeMounts", index, "name"),
                not_found(name),
                f"Add a volume named {name!r} to the pod, or use one of its volumes ({known}).",
            )


@rule(
    "apply/duplicate-mount-path",
    ERROR,
    "container",
    "volumes",
    "Two volumeMounts of one container use the same mountPath.",
    why="One path can hold one mount; the apiserver rejects the pod (`must be unique`).",
    example="volumeMounts:\n  - {name: data, mountPath: /data}\n  - {name: cache, mountPath: /data}",
    fix="Mount them at different paths.",
)
def duplicate_mount_path(container: Container) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, mount in enumerate(items(container.body.get("volumeMounts"))):
        path = text(mapping(mount).get("mountPath"))
        if path:
            if path in seen:
                yield Problem(
                    container.at("volumeMounts", index, "mountPath"),
                    invalid(path, "must be unique"),
                    "Mount each volume at its own path.",
                )
            seen.add(path)


@rule(
    "apply/sub-path",
    ERROR,
    "container",
    "volumes",
    "A volumeMount with both subPath and subPathExpr, or a subPath that is absolute or climbs out with '..'.",
    why="The apiserver rejects it: subPath selects a path inside the volume.",
    example="volumeMounts:\n  - name: data\n    mountPath: /var/lib/app\n    subPath: /app",
    fix="Use a relative path inside the volume, e.g. subPath: app.",
)
def sub_path(container: Container) -> Iterator[Problem]:
    for index, mount in enumerate(items(container.body.get("volumeMounts"))):
        mount = mapping(mount)
        at = container.at("volumeMounts", index)
        if mount.get("subPath") and mount.get("subPathExpr"):
            yield Problem(
                at + ("subPathExpr",),
                invalid(mount["subPathExpr"], "subPathExpr and subPath are mutually exclusive"),
                "Keep subPath or subPathExpr, not both.",
            )
        for field in ("subPath", "subPathExpr"):
            value = text(mount.get(field))
            if value and (messages := formats.is_relative_path(value)):
                yield Problem(
                    at + (field,),
                    invalid(value, *messages),
                    f"Use a relative path, e.g. {value.strip('/')!r}.",
                )


@rule(
    "apply/volume-device",
    ERROR,
    "container",
    "volumes",
    "A volumeDevice names no volume, or one that is not a PersistentVolumeClaim or ephemeral volume, or reuses a "
    "devicePath.",
    why="Raw block devices come only from claims; the apiserver rejects anything else.",
    example="volumeDevices:\n  - name: scratch\n    devicePath: /dev/xvda\n# scratch is an emptyDir",
    fix="Use a persistentVolumeClaim volume with volumeMode: Block.",
)
def volume_device(container: Container) -> Iterator[Problem]:
    volumes = container.pod.volumes()
    paths: set[str] = set()
    for index, device in enumerate(items(container.body.get("volumeDevices"))):
        device = mapping(device)
        at = container.at("volumeDevices", index)
        name, path = text(device.get("name")), text(device.get("devicePath"))
        if name and name not in volumes:
            yield Problem(
                at + ("name",), not_found(name), "Add a persistentVolumeClaim volume with this name."
            )
        elif name and not any(source in volumes[name] for source in _BLOCK_SOURCES):
            yield Problem(
                at + ("name",),
                invalid(
                    name,
                    "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
                ),
                "Use a PersistentVolumeClaim volume.",
            )
        if path:
            if path in paths:
                yield Problem(
                    at + ("devicePath",), invalid(path, "must be unique"), "Use another devicePath."
                )
            paths.add(path)


@rule(
    "apply/host-path",
    ERROR,
    "pod",
    "volumes",
    "A hostPath volume with an empty path or a path containing '..'.",
    why="The apiserver rejects it.",
    example="volumes:\n  - name: logs\n    hostPath: {path: /var/log/../lib}",
    fix="Use the absolute path on the node, without '..'.",
)
def host_path(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        source = volume.get("hostPath")
        if not isinstance(source, dict):
            continue
        path = source.get("path")
        if path == "":
            yield Problem(at + ("hostPath", "path"), required(), "Set the path on the node.")
        elif isinstance(path, str) and ".." in path.split("/"):
            yield Problem(
                at + ("hostPath", "path"),
                invalid(path, "must not contain '..'"),
                "Remove '..' from the path.",
            )


def _projections(volume: dict, at: tuple) -> Iterator[tuple[tuple, dict]]:
    """(path, source) of the volume sources that project keys to files: secret, configMap, downwardAPI, projected."""
    for source in ("secret", "configMap", "downwardAPI"):
        if isinstance(volume.get(source), dict):
            yield at + (source,), volume[source]
    projected = volume.get("projected")
    if isinstance(projected, dict):
        yield at + ("projected",), projected
        for index, source in enumerate(items(projected.get("sources"))):
            for kind in ("secret", "configMap", "downwardAPI"):
                if isinstance(mapping(source).get(kind), dict):
                    yield at + ("projected", "sources", index, kind), source[kind]


@rule(
    "apply/volume-item-path",
    ERROR,
    "pod",
    "volumes",
    "An items[].path of a configMap, secret, downwardAPI or projected volume that is absolute or contains '..'.",
    why="The file is written inside the volume; the apiserver rejects paths that leave it.",
    example="configMap:\n  name: app\n  items:\n    - {key: app.conf, path: /etc/app.conf}",
    fix="Use a relative file name, e.g. app.conf.",
)
def volume_item_path(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        for where, source in _projections(volume, at):
            for index, item in enumerate(items(source.get("items"))):
                path = text(mapping(item).get("path"))
                if path and (messages := formats.is_relative_path(path)):
                    yield Problem(
                        where + ("items", index, "path"),
                        invalid(path, *messages),
                        f"Use a path relative to the mount, e.g. {path.lstrip('/')!r}.",
                    )


@rule(
    "apply/invalid-file-mode",
    ERROR,
    "pod",
    "volumes",
    "A defaultMode or items[].mode outside 0 to 0777, typically `644` written in decimal.",
    why="Modes are numbers: `0644` in YAML is octal (420), but `644` is decimal and means 01204, which the "
    "apiserver rejects.",
    example="secret:\n  secretName: tls\n  defaultMode: 644",
    fix="Write 0644 (octal, leading zero) or 420.",
)
def invalid_file_mode(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        for where, source in _projections(volume, at):
            modes = [(where + ("defaultMode",), source.get("defaultMode"))]
            modes += [
                (where + ("items", i, "mode"), mapping(item).get("mode"))
                for i, item in enumerate(items(source.get("items")))
            ]
            for path, mode in modes:
                if is_int(mode) and not 0 <= mode <= MAX_FILE_MODE:
                    octal = (
                        f"0{mode}"
                        if str(mode).isdigit() and all(c in "01234567" for c in str(mode))
                        else None
                    )
                    yield Problem(
                        path,
                        invalid(mode, _MODE_MSG),
                        f"Write {octal} (octal) instead of {mode}."
                        if octal
                        else "Use an octal mode such as 0644 or 0400.",
                    )


_REFERENCE_FIELDS = (("persistentVolumeClaim", "claimName"), ("secret", "secretName"), ("configMap", "name"))


@rule(
    "apply/volume-reference-required",
    ERROR,
    "pod",
    "volumes",
    "A persistentVolumeClaim, secret or configMap volume that does not name its object.",
    why="The apiserver rejects the pod: the volume has nothing to mount.",
    example="volumes:\n  - name: data\n    persistentVolumeClaim: {}",
    fix="Name the claim, Secret or ConfigMap.",
)
def volume_reference_required(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        for source, field in _REFERENCE_FIELDS:
            # The schema requires claimName, so only an empty one is this rule's.
            if source == "persistentVolumeClaim" and field not in mapping(volume.get(source)):
                continue
            if isinstance(volume.get(source), dict) and not volume[source].get(field):
                yield Problem(at + (source, field), required(), f"Set {source}.{field} to the object's name.")


@rule(
    "apply/projected-token",
    ERROR,
    "pod",
    "volumes",
    "A projected serviceAccountToken with expirationSeconds below 600 (10 minutes) or above 2^32, or without a path.",
    why="The apiserver rejects it.",
    example="projected:\n  sources:\n    - serviceAccountToken:\n        path: token\n        expirationSeconds: 300",
    fix="Use at least 600 seconds.",
)
def projected_token(pod: Pod) -> Iterator[Problem]:
    for at, volume in _volumes(pod):
        for index, source in enumerate(items(mapping(volume.get("projected")).get("sources"))):
            token = mapping(source).get("serviceAccountToken")
            if not isinstance(token, dict):
                continue
            where = at + ("projected", "sources", index, "serviceAccountToken")
            seconds = token.get("expirationSeconds")
            if is_int(seconds) and seconds < 600:
                yield Problem(
                    where + ("expirationSeconds",),
                    invalid(seconds, "may not specify a duration less than 10 minutes"),
                    "Use expirationSeconds: 600 or more (the kubelet refreshes the token).",
                )
            elif is_int(seconds) and seconds > 1 << 32:
                yield Problem(
                    where + ("expirationSeconds",),
                    invalid(seconds, "may not specify a duration larger than 2^32 seconds"),
                    "Use a shorter expiration.",
                )
            if token.get("path") == "":  # a missing path is schema/required
                yield Problem(where + ("path",), required(), "Set the file name, e.g. path: token.")
