"""Deprecated and alpha APIs for the target Kubernetes version.

An apiVersion that the target version serves but a later bundled version no longer does is on its
way out: the schemas say when it goes (schemas/kubernetes/index.json), schemas/api-removals.yaml says
since when it is deprecated and what replaces APIs that are deprecated but still served. APIs already
removed in the target version are the schema stage's (schema/removed-api): the object cannot even be
validated, and one finding per problem is enough.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from kubelint_py import schemas
from kubelint_py.apply.rule import WARNING, Obj, rule
from kubelint_py.model import Problem

_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def stability(api_version: str) -> tuple:
    """Sort key, most stable first: v2 before v1 before v1beta2 before v1beta1 before v1alpha1."""
    match = _VERSION.match(api_version.rpartition("/")[2])
    if not match:
        return (3, 0, 0)
    major, level, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[level], -major, -minor)


def _minor(version: str) -> int:
    return int(version.split(".")[1])


@lru_cache(maxsize=None)
def _facts() -> dict[tuple[str, str], dict]:
    return {(entry["apiVersion"], kind): entry for entry in schemas.deprecations() for kind in entry["kinds"]}


def replacement(api_version: str, kind: str, version: str) -> str | None:
    """The API to move to: the most stable other apiVersion of the kind (same group first) that the newest bundled
    version serves, preferring one the target version serves too."""
    served = schemas.index()["served"]
    newest = schemas.index()["versions"][-1]
    group = api_version.rpartition("/")[0]
    others = [av for av, kinds in served.items() if av != api_version and newest in kinds.get(kind, ())]
    if not others:
        return None
    best = min(
        others,
        key=lambda av: (version not in served[av][kind], av.rpartition("/")[0] != group, stability(av)),
    )
    first = served[best][kind][0]
    later = f" (served from Kubernetes {first})" if _minor(first) > _minor(version) else ""
    return f"{best} {kind}{later}"


def lifecycle(api_version: str, kind: str, version: str) -> tuple[str | None, str | None]:
    """(deprecated in, removed in) for an apiVersion and kind the target version serves; None where unknown."""
    fact = _facts().get((api_version, kind), {})
    versions = schemas.index()["served"].get(api_version, {}).get(kind, [])
    removed = None
    if versions and versions[-1] != schemas.index()["versions"][-1]:
        removed = f"1.{_minor(versions[-1]) + 1}"
    deprecated = fact.get("deprecatedIn")
    if deprecated and _minor(deprecated) > _minor(version):
        deprecated = None  # not yet deprecated in the target version
    return deprecated, removed


@rule(
    "apply/deprecated-api",
    WARNING,
    "object",
    "deprecations",
    "An apiVersion that the target Kubernetes version still serves but has deprecated, or that a later version "
    "removes.",
    why="The apiserver warns on every apply, and the manifest stops working on the upgrade that removes the API; "
    "the replacement often changes fields too. Removed APIs are reported as schema/removed-api.",
    example="apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema  # --kubernetes-version 1.30",
    fix="Move to the replacement the message names before upgrading.",
)
def deprecated_api(obj: Obj) -> Iterator[Problem]:
    if not obj.built_in or "alpha" in obj.api_version:
        return
    version = obj.context.version
    deprecated, removed = lifecycle(obj.api_version, obj.kind, version)
    if not deprecated and not removed:
        return
    instead = _facts().get((obj.api_version, obj.kind), {}).get("replacement") or replacement(
        obj.api_version, obj.kind, version
    )
    status = ", ".join(
        ([f"deprecated in v{deprecated}+"] if deprecated else [])
        + ([f"unavailable in v{removed}+"] if removed else [])
    )
    message = f"{obj.api_version} {obj.kind} is {status}" + (f"; use {instead}" if instead else "")
    fix = (
        f"Move to {instead.split(' ')[0]} before upgrading, and check the fields that changed."
        if instead and "/" in instead.split(" ")[0]
        else "Plan for its removal before upgrading."
    )
    yield Problem(("apiVersion",), message, fix)


@rule(
    "apply/alpha-api",
    WARNING,
    "object",
    "deprecations",
    "An alpha apiVersion (v1alpha1, ...) of a built-in API.",
    why="Alpha APIs are disabled unless the cluster enables them (--runtime-config): on a default cluster "
    "`kubectl apply` fails with `no matches for kind`. They also change or disappear without notice.",
    example="apiVersion: admissionregistration.k8s.io/v1alpha1\nkind: MutatingAdmissionPolicy",
    fix="Use a beta or stable version if the target version serves one, or make sure the cluster enables the API.",
)
def alpha_api(obj: Obj) -> Iterator[Problem]:
    if not obj.built_in or "alpha" not in obj.api_version.rpartition("/")[2]:
        return
    instead = replacement(obj.api_version, obj.kind, obj.context.version)
    _, removed = lifecycle(obj.api_version, obj.kind, obj.context.version)
    message = f"{obj.api_version} {obj.kind} is an alpha API: off unless the cluster enables it"
    if removed:
        message += f", and unavailable in v{removed}+"
    yield Problem(
        ("apiVersion",),
        message,
        f"Use {instead} if you can."
        if instead
        else f"Enable it with --runtime-config={obj.api_version}=true on the apiserver, or avoid the alpha API.",
    )
