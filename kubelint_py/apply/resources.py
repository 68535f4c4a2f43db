"""Compute resources (CORE ValidateResourceRequirements, validateContainerResourceName): resource names,
requests against limits, extended resources, hugepages. Quantity syntax is apply/invalid-quantity's."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from kubelint_py.apply import formats, quantity
from kubelint_py.apply.formats import forbidden, go_value, invalid, not_found, required
from kubelint_py.apply.rule import (
    ERROR,
    WARNING,
    Container,
    Obj,
    items,
    mapping,
    rule,
    text,
)
from kubelint_py.model import Problem

CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_BYTE_RESOURCES = ("memory", "ephemeral-storage")
_TYPOS = {
    "cpus": "cpu",
    "CPU": "cpu",
    "mem": "memory",
    "memroy": "memory",
    "Memory": "memory",
    "ram": "memory",
    "storage": "ephemeral-storage",
    "ephemeral_storage": "ephemeral-storage",
    "gpu": "nvidia.com/gpu",
    "nvidia/gpu": "nvidia.com/gpu",
}


def _native(name: str) -> bool:
    return "/" not in name or name.startswith("kubernetes.io/")


def _hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def overcommit_allowed(name: str) -> bool:
    """cpu, memory and storage may be requested below their limit; extended resources and hugepages may not."""
    return _native(name) and not _hugepages(name)


def _extended(name: str) -> bool:
    return (
        not _native(name)
        and not name.startswith("requests.")
        and not formats.is_qualified_name("requests." + name)
    )


def _amounts(container: Container, which: str) -> Iterator[tuple[str, tuple, object, Decimal]]:
    """(resource name, path, raw value, parsed value) of a container's requests or limits; bad quantities skipped."""
    for name, value in mapping(mapping(container.body.get("resources")).get(which)).items():
        parsed = quantity.parse_or_none(value)
        if isinstance(name, str) and parsed is not None:
            yield name, container.at("resources", which, name), value, parsed


@rule(
    "apply/request-exceeds-limit",
    ERROR,
    "container",
    "resources",
    "A container requests more of a resource than its limit.",
    why="The request is what the scheduler reserves and the limit what the container may use; a request above "
    "the limit is rejected: `must be less than or equal to cpu limit of 1`.",
    example="resources:\n  requests: {memory: 2Gi}\n  limits: {memory: 1Gi}",
    fix="Lower the request or raise the limit.",
)
def request_exceeds_limit(container: Container) -> Iterator[Problem]:
    limits = {name: (raw, parsed) for name, _, raw, parsed in _amounts(container, "limits")}
    for name, path, raw, parsed in _amounts(container, "requests"):
        if name in limits and overcommit_allowed(name) and parsed > limits[name][1]:
            limit = limits[name][0]
            yield Problem(
                path,
                invalid(str(raw), f"must be less than or equal to {name} limit of {limit}"),
                f"Lower the {name} request to at most {limit}, or raise the limit.",
            )


@rule(
    "apply/extended-resource",
    ERROR,
    "container",
    "resources",
    "An extended resource (nvidia.com/gpu, ...) or hugepages requested without a limit, with a request different "
    "from the limit, or (extended resources) in fractions.",
    why="Extended resources and hugepages cannot be overcommitted: the apiserver requires the limit and a request "
    "equal to it, and whole numbers of devices.",
    example="resources:\n  requests:\n    nvidia.com/gpu: 1",
    fix="Set the limit (the request defaults to it): limits: {nvidia.com/gpu: 1}.",
)
def extended_resource(container: Container) -> Iterator[Problem]:
    limits = {name: (raw, parsed) for name, _, raw, parsed in _amounts(container, "limits")}
    for name, path, raw, parsed in _amounts(container, "requests"):
        if overcommit_allowed(name):
            continue
        if name not in limits:
            yield Problem(
                container.at("resources", "limits"),
                required("Limit must be set for non overcommitable resources"),
                f"Add limits: {{{name}: {raw}}}; the request may then be omitted.",
            )
        elif parsed != limits[name][1]:
            yield Problem(
                path,
                invalid(str(raw), f"must be equal to {name} limit of {limits[name][0]}"),
                f"Make the {name} request equal to the limit, or omit it.",
            )
    for which in ("requests", "limits"):
        for name, path, raw, parsed in _amounts(container, which):
            if _extended(name) and not quantity.is_whole(parsed):
                yield Problem(path, invalid(str(raw), "must be an integer"), f"Use a whole number of {name}.")


@rule(
    "apply/invalid-resource-name",
    ERROR,
    "container",
    "resources",
    "A container requests a resource that does not exist: `cpus`, `mem`, `gpu`, or an unprefixed name other "
    "than cpu, memory, ephemeral-storage and hugepages-<size>.",
    why="The apiserver rejects unknown unprefixed names; devices are extended resources with a domain prefix "
    "(nvidia.com/gpu).",
    example="resources:\n  limits:\n    cpus: 2",
    fix="Use cpu, memory, ephemeral-storage, or a prefixed extended resource.",
)
def invalid_resource_name(container: Container) -> Iterator[Problem]:
    for which in ("requests", "limits"):
        for name in mapping(mapping(container.body.get("resources")).get(which)):
            if not isinstance(name, str):
                continue
            messages = _resource_name_problems(name)
            if messages:
                hint = _TYPOS.get(name)
                yield Problem(
                    container.at("resources", which, name),
                    invalid(name, *messages),
                    f"Did you mean {hint}?"
                    if hint
                    else "Use cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended "
                    "resource such as nvidia.com/gpu.",
                )


def _resource_name_problems(name: str) -> list[str]:
    if messages := formats.is_qualified_name(name):
        return messages
    if "/" not in name:
        if name in CONTAINER_RESOURCES or _hugepages(name):
            return []
        return [
            "must be a standard resource type or fully qualified",
            "must be a standard resource for containers",
        ]
    if not _native(name) and not _extended(name):
        return ["doesn't follow extended resource name standard"]
    return []


@rule(
    "apply/negative-quantity",
    ERROR,
    ("container", "PersistentVolumeClaim", "ResourceQuota"),
    "resources",
    "A negative resource request, limit, storage size or quota.",
    why="The apiserver rejects negative quantities: `must be greater than or equal to 0`.",
    example="resources:\n  requests:\n    cpu: -100m",
    fix="Use a positive amount.",
)
def negative_quantity(subject: Container | Obj) -> Iterator[Problem]:
    if isinstance(subject, Container):
        found = (item[1:] for which in ("requests", "limits") for item in _amounts(subject, which))
    else:
        pattern = ("spec", "hard") if subject.kind == "ResourceQuota" else ("spec", "resources")
        found = _obj_amounts(subject, pattern)
    for path, raw, parsed in found:
        if parsed < 0:
            yield Problem(
                path, invalid(str(raw), "must be greater than or equal to 0"), "Use a positive amount."
            )


def _obj_amounts(obj: Obj, pattern: tuple) -> Iterator[tuple[tuple, object, Decimal]]:
    block = mapping(obj.body)
    for part in pattern:
        block = mapping(block.get(part))
    groups = (
        [(pattern, block)]
        if pattern[-1] == "hard"
        else [(pattern + (k,), mapping(block.get(k))) for k in ("requests", "limits")]
    )
    for path, values in groups:
        for name, value in values.items():
            parsed = quantity.parse_or_none(value)
            if parsed is not None:
                yield path + (name,), value, parsed


@rule(
    "apply/fractional-memory",
    WARNING,
    "container",
    "resources",
    "A memory or ephemeral-storage amount that is not a whole number of bytes, usually `m` written for `Mi`.",
    why='`memory: 100m` means 0.1 bytes, not 100 mebibytes. The apiserver warns (`fractional byte value "100m" '
    "is invalid, must be an integer`) and the container gets a useless limit.",
    example="resources:\n  limits:\n    memory: 512m",
    fix="Use Mi or Gi: `memory: 512Mi`.",
)
def fractional_memory(container: Container) -> Iterator[Problem]:
    for which in ("requests", "limits"):
        for name, path, raw, parsed in _amounts(container, which):
            if name in _BYTE_RESOURCES and not quantity.is_whole(parsed):
                better = f"{str(raw)[:-1]}Mi" if isinstance(raw, str) and raw.endswith("m") else None
                yield Problem(
                    path,
                    f"fractional byte value {go_value(str(raw))} is invalid, must be an integer",
                    f"Write {better!r} (mebibytes): 'm' means thousandths."
                    if better
                    else "Use a whole number of bytes, e.g. with Mi or Gi.",
                )


@rule(
    "apply/hugepages-without-cpu-or-memory",
    ERROR,
    "container",
    "resources",
    "A container requests hugepages but neither cpu nor memory.",
    why="The apiserver rejects it: `HugePages require cpu or memory`.",
    example="resources:\n  limits:\n    hugepages-2Mi: 100Mi",
    fix="Add a memory (or cpu) request or limit.",
)
def hugepages_without_cpu_or_memory(container: Container) -> Iterator[Problem]:
    resources = mapping(container.body.get("resources"))
    names = {
        name
        for which in ("requests", "limits")
        for name in mapping(resources.get(which))
        if isinstance(name, str)
    }
    if any(_hugepages(name) for name in names) and not names & {"cpu", "memory"}:
        yield Problem(
            container.at("resources"),
            forbidden("HugePages require cpu or memory"),
            "Add a memory limit next to the hugepages.",
        )


@rule(
    "apply/resource-claim-not-found",
    ERROR,
    "container",
    "resources",
    "A container's resources.claims names a claim that the pod's spec.resourceClaims does not list.",
    why="The apiserver rejects the pod: `Not found`.",
    example="resources:\n  claims:\n    - name: gpu",
    fix="Add the claim to spec.resourceClaims, or fix the name.",
)
def resource_claim_not_found(container: Container) -> Iterator[Problem]:
    claims = {text(mapping(claim).get("name")) for claim in items(container.pod.spec.get("resourceClaims"))}
    for index, claim in enumerate(items(mapping(container.body.get("resources")).get("claims"))):
        name = text(mapping(claim).get("name"))
        if name and name not in claims:
            yield Problem(
                container.at("resources", "claims", index, "name"),
                not_found(name),
                f"Add {{name: {name}, ...}} to the pod's spec.resourceClaims, or use one of its names.",
            )
