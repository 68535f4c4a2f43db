"""What a rule looks at inside one object: the object itself, its pod template, pod spec or containers.

Targets are extracted once per object and handed to every rule of that target. A container target is
the container as the kubelet runs it: the pod-level securityContext fields a container inherits
(runAsUser, runAsNonRoot, seccompProfile, ...) are filled in where the container does not set them,
so a rule asks one question ("does it run as non-root?") instead of two, and a finding about an
inherited field still points at the pod-level line that set it.

Two kinds of pod template are not what they seem, and are handled here once for every rule:
- in a controller's template, a container without an image is a fragment of a kustomize patch,
  merged into a whole container elsewhere; it is not a target, and a controller whose containers are
  all such fragments is a patch, left to the schema stage;
- a Windows pod (spec.os.name, or a kubernetes.io/os node selector) is marked, so that rules about
  Linux-only settings leave it alone: the apiserver rejects those settings on Windows pods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubelint_py import workloads
from kubelint_py.model import Document

# PodSecurityContext fields that apply to every container that does not set its own (k8s.io/api core/v1)
INHERITED_SECURITY_FIELDS = ("seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
                             "seccompProfile", "appArmorProfile")
CONTAINER_TARGETS = {"container": ("containers",), "init-container": ("initContainers",)}


@dataclass(slots=True)
class Target:
    """One thing a rule is evaluated against, with where it sits in its object."""

    kind: str  # object | pod-template | pod-spec | container | init-container
    path: tuple  # from the object to the target
    value: Any
    document: Document
    container: str | None = None  # the container's name, for container targets
    windows: bool = False  # in a Windows pod
    pod_spec: dict | None = None  # the pod spec around a container (code rules may need it)
    inherited: dict | None = None  # securityContext field -> its path in the object, where inherited

    def object_path(self, path: tuple) -> tuple:
        """A path inside the target as a path inside the object, following inherited fields to the pod."""
        if self.inherited and len(path) >= 2 and path[0] == "securityContext" and path[1] in self.inherited:
            return self.inherited[path[1]] + tuple(path[2:])
        return self.path + tuple(path)


def kind_keys(body: dict, built_in_groups: frozenset[str]) -> tuple[str, ...]:
    """The names a rule's `kinds` may use for this object: `Kind` (built-in groups only) and `group/Kind`."""
    kind = body.get("kind")
    api_version = body.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return ()
    group = api_version.rpartition("/")[0]
    scoped = f"{group}/{kind}" if group else f"core/{kind}"
    return (kind, scoped) if group in built_in_groups else (scoped,)


def extract(document: Document, wanted: set[str], built_in: bool) -> dict[str, list[Target]]:
    """The targets of `wanted` kinds in one object. Pod targets only for workloads of built-in groups."""
    body = document.body
    found: dict[str, list[Target]] = {}
    located = workloads.pod_spec(body) if built_in else None
    if located is not None and is_patch_fragment(body, located[1]):
        return found
    if "object" in wanted:
        found["object"] = [Target("object", (), body, document)]
    if not built_in or not (wanted - {"object"}):
        return found
    if located is None:
        return found
    spec_path, spec = located
    controller = body.get("kind") != "Pod"
    windows = is_windows(spec)
    if "pod-template" in wanted:
        template_path = spec_path[:-1]
        template = workloads.get(body, template_path) if template_path else body
        if isinstance(template, dict):
            found["pod-template"] = [Target("pod-template", template_path, template, document, windows=windows)]
    if "pod-spec" in wanted:
        found["pod-spec"] = [Target("pod-spec", spec_path, spec, document, windows=windows)]
    pod_security = spec.get("securityContext")
    pod_security = pod_security if isinstance(pod_security, dict) else {}
    for target_kind, lists in CONTAINER_TARGETS.items():
        if target_kind in wanted:
            found[target_kind] = [
                _container_target(target_kind, spec_path + where, container, spec, spec_path, pod_security, document,
                                  windows)
                for where, container in workloads.containers(spec, lists) if "image" in container or not controller
            ]
    return found


def is_patch_fragment(body: dict, spec: dict) -> bool:
    """A controller whose containers name no image: part of a kustomize patch, not a workload."""
    containers = [c for _, c in workloads.containers(spec)]
    return body.get("kind") != "Pod" and bool(containers) and all("image" not in c for c in containers)


def is_windows(spec: dict) -> bool:
    os_name = workloads.get(spec, ("os", "name"))
    selector = workloads.get(spec, ("nodeSelector", "kubernetes.io/os"))
    return os_name == "windows" or (os_name is None and selector == "windows")


def _container_target(kind: str, path: tuple, container: dict, spec: dict, spec_path: tuple,
                      pod_security: dict, document: Document, windows: bool) -> Target:
    name = container.get("name")
    name = name if isinstance(name, str) else f"#{path[-1]}"
    own = container.get("securityContext")
    own = own if isinstance(own, dict) else None
    inherit = [f for f in INHERITED_SECURITY_FIELDS if f in pod_security and (own is None or f not in own)]
    if not inherit:
        return Target(kind, path, container, document, name, windows, spec)
    # A shallow copy with a merged securityContext; the object itself is never changed.
    merged = dict(own or {})
    for field in inherit:
        merged[field] = pod_security[field]
    effective = dict(container)
    effective["securityContext"] = merged
    inherited = {field: spec_path + ("securityContext", field) for field in inherit}
    return Target(kind, path, effective, document, name, windows, spec, inherited)
