"""Where each workload kind keeps its pod spec and containers: the one place that knows the paths."""

from __future__ import annotations

from typing import Any, Iterator

# kind -> path from the object to its pod spec
POD_SPEC_PATHS: dict[str, tuple] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS) - {"PodTemplate"}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def get(body: Any, path: tuple) -> Any:
    """The value at `path`, or None where any step is missing or of the wrong type."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(body, list) or not 0 <= part < len(body):
                return None
        elif not isinstance(body, dict):
            return None
        body = body[part] if isinstance(part, int) else body.get(part)
    return body


def pod_spec(body: dict) -> tuple[tuple, dict] | None:
    """(path, pod spec) of a workload object, or None for other kinds or a malformed object."""
    kind = body.get("kind") if isinstance(body, dict) else None
    path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None  # a kind may be a list in broken input
    if path is None:
        return None
    spec = get(body, path)
    return (path, spec) if isinstance(spec, dict) else None


def pod_template(body: dict) -> tuple[tuple, dict] | None:
    """(path, pod template: metadata + spec) of a controller; a Pod is its own template."""
    found = pod_spec(body)
    if found is None:
        return None
    path = found[0][:-1]
    template = get(body, path) if path else body
    return (path, template) if isinstance(template, dict) else None


def containers(spec: dict, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[tuple[tuple, dict]]:
    """(path within the pod spec, container) for every container of the named lists, in order."""
    for name in lists:
        items = spec.get(name)
        if isinstance(items, list):
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield (name, index), container
