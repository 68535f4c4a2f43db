"""Deployments, ReplicaSets, ReplicationControllers, DaemonSets and StatefulSets (APPS, CORE
ValidateReplicationControllerSpec): restart policy, rolling updates, StatefulSet specifics.
Their selectors are in selectors.py."""

from __future__ import annotations

from typing import Any, Iterator

from kubelint_py.apply import defaults, formats, naming
from kubelint_py.apply.formats import (
    PERCENT_MSG,
    forbidden,
    go_value,
    invalid,
    is_int,
    required,
    unsupported,
)
from kubelint_py.apply.rule import ERROR, WARNING, Obj, mapping, rule, text
from kubelint_py.model import Problem

ALWAYS_RESTARTING = ("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet")
SERVICE_NAME_VALIDATED_SINCE = 33


@rule(
    "apply/workload-restart-policy",
    ERROR,
    ALWAYS_RESTARTING,
    "workloads",
    "A Deployment, ReplicaSet, ReplicationController, DaemonSet or StatefulSet template with restartPolicy other "
    "than Always.",
    why="These controllers keep pods running: a pod that stops is replaced, so only Always makes sense; the apiserver "
    'rejects other values (`Unsupported value: "OnFailure": supported values: "Always"`).',
    example="template:\n  spec:\n    restartPolicy: OnFailure",
    fix="Remove restartPolicy, or use a Job for run-to-completion work.",
)
def workload_restart_policy(obj: Obj) -> Iterator[Problem]:
    policy = mapping(mapping(obj.spec.get("template")).get("spec")).get("restartPolicy")
    if isinstance(policy, str) and policy and policy != "Always":
        yield Problem(
            ("spec", "template", "spec", "restartPolicy"),
            unsupported(policy, ("Always",)),
            "Remove restartPolicy (it defaults to Always); use a Job for work that finishes.",
        )


@rule(
    "apply/active-deadline-in-controller",
    ERROR,
    ALWAYS_RESTARTING,
    "workloads",
    "A Deployment, ReplicaSet, ReplicationController, DaemonSet or StatefulSet template sets activeDeadlineSeconds.",
    why="A deadline would kill long-running pods that the controller then recreates; the apiserver forbids it.",
    example="template:\n  spec:\n    activeDeadlineSeconds: 3600",
    fix="Remove it; use a Job for work with a deadline.",
)
def active_deadline_in_controller(obj: Obj) -> Iterator[Problem]:
    if mapping(mapping(obj.spec.get("template")).get("spec")).get("activeDeadlineSeconds") is not None:
        name = "ReplicaSet" if obj.kind == "Deployment" else obj.kind
        yield Problem(
            ("spec", "template", "spec", "activeDeadlineSeconds"),
            forbidden(f"activeDeadlineSeconds in {name} is not Supported"),
            "Remove activeDeadlineSeconds.",
        )


def _percent_or_int(value: Any) -> int | None:
    """The number of an int-or-percent ("25%" → 25, 3 → 3), None when it is neither."""
    if is_int(value):
        return value
    if isinstance(value, str):
        number = value[:-1] if value.endswith("%") else value
        return int(number) if number.isdigit() else None
    return None


def _int_or_percent_problems(value: Any, at: tuple, at_most_100: bool) -> Iterator[Problem]:
    if isinstance(value, str) and not formats.is_percent(value):
        fix = (
            f"Write {value}% or the number {value} without quotes."
            if value.isdigit()
            else "Use a number or a percentage such as 25%."
        )
        yield Problem(at, invalid(value, PERCENT_MSG), fix)
    elif is_int(value) and value < 0:
        yield Problem(at, invalid(value, "must be greater than or equal to 0"), "Use 0 or more.")
    elif (
        at_most_100
        and isinstance(value, str)
        and _percent_or_int(value) is not None
        and _percent_or_int(value) > 100
    ):
        yield Problem(at, invalid(value, "must not be greater than 100%"), "Use at most 100%.")


_ROLLING = {
    "Deployment": ("spec", "strategy", "rollingUpdate"),
    "DaemonSet": ("spec", "updateStrategy", "rollingUpdate"),
    "StatefulSet": ("spec", "updateStrategy", "rollingUpdate"),
}


@rule(
    "apply/invalid-int-or-percent",
    ERROR,
    ("Deployment", "DaemonSet", "StatefulSet", "PodDisruptionBudget"),
    "workloads",
    'maxSurge, maxUnavailable or minAvailable given as a string that is not a percentage ("25"), as a negative '
    "number, or as more than 100%.",
    why="These fields take a number of pods or a percentage; a quoted number without '%' is neither, and the "
    "apiserver rejects it.",
    example='rollingUpdate:\n  maxUnavailable: "1"',
    fix='Write 1 (a number) or "25%" (a percentage).',
)
def invalid_int_or_percent(obj: Obj) -> Iterator[Problem]:
    if obj.kind == "PodDisruptionBudget":
        for field in ("minAvailable", "maxUnavailable"):
            if field in obj.spec:
                yield from _int_or_percent_problems(obj.spec[field], ("spec", field), True)
        return
    path = _ROLLING[obj.kind]
    rolling = mapping(mapping(obj.spec.get(path[1])).get("rollingUpdate"))
    for field in ("maxSurge", "maxUnavailable"):
        if field in rolling:
            limited = field == "maxUnavailable" or obj.kind == "DaemonSet"
            yield from _int_or_percent_problems(rolling[field], path + (field,), limited)


@rule(
    "apply/rolling-update-zero",
    ERROR,
    ("Deployment", "DaemonSet"),
    "workloads",
    "A rolling update that can make no progress (maxSurge and maxUnavailable both 0), or a DaemonSet that sets both "
    "(maxUnavailable defaults to 1, so `maxSurge: 1` alone is rejected).",
    why="A Deployment needs room to surge or to remove a pod; a DaemonSet takes exactly one of the two. The apiserver "
    "checks this after defaulting (Deployment 25%/25%, DaemonSet maxUnavailable 1, maxSurge 0).",
    example="kind: DaemonSet\nspec:\n  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1",
    fix="Deployment: allow maxSurge or maxUnavailable above 0. DaemonSet: with maxSurge, set maxUnavailable: 0.",
)
def rolling_update_zero(obj: Obj) -> Iterator[Problem]:
    values = defaults.rolling_update(obj.kind, obj.spec)
    if values is None:
        return
    surge, unavailable = (_percent_or_int(value) or 0 for value in values)
    path = _ROLLING[obj.kind]
    if obj.kind == "Deployment" and surge == 0 and unavailable == 0:
        yield Problem(
            path + ("maxUnavailable",),
            invalid(values[1], "may not be 0 when `maxSurge` is 0"),
            "Let the rollout surge (maxSurge: 1) or remove a pod at a time (maxUnavailable: 1).",
        )
    elif obj.kind == "DaemonSet" and surge and unavailable:
        explicit = "maxUnavailable" in mapping(mapping(obj.spec.get("updateStrategy")).get("rollingUpdate"))
        yield Problem(
            path + ("maxSurge",),
            invalid(values[0], "may not be set when maxUnavailable is non-zero"),
            "Set maxUnavailable: 0 next to maxSurge" + ("" if explicit else " (it defaults to 1)") + ".",
        )
    elif obj.kind == "DaemonSet" and not surge and not unavailable:
        yield Problem(
            path + ("maxUnavailable",),
            required("cannot be 0 when maxSurge is 0"),
            "Set maxUnavailable: 1 or maxSurge: 1.",
        )


@rule(
    "apply/rolling-update-with-other-strategy",
    ERROR,
    ("Deployment", "StatefulSet"),
    "workloads",
    "rollingUpdate parameters with `type: Recreate` (Deployment) or `type: OnDelete` (StatefulSet).",
    why="The parameters only apply to rolling updates; the apiserver rejects the contradiction.",
    example="strategy:\n  type: Recreate\n  rollingUpdate:\n    maxSurge: 1",
    fix="Remove rollingUpdate, or use type: RollingUpdate.",
)
def rolling_update_with_other_strategy(obj: Obj) -> Iterator[Problem]:
    field = "strategy" if obj.kind == "Deployment" else "updateStrategy"
    strategy = mapping(obj.spec.get(field))
    kind = strategy.get("type")
    if kind in ("Recreate", "OnDelete") and strategy.get("rollingUpdate") is not None:
        detail = (
            "may not be specified when strategy `type` is 'Recreate'"
            if obj.kind == "Deployment"
            else "only allowed for updateStrategy 'RollingUpdate'"
        )
        yield Problem(
            ("spec", field, "rollingUpdate"),
            forbidden(detail),
            "Remove rollingUpdate, or use type: RollingUpdate.",
        )


@rule(
    "apply/progress-deadline",
    ERROR,
    "Deployment",
    "workloads",
    "A Deployment whose progressDeadlineSeconds is not greater than minReadySeconds.",
    why="A rollout could never make progress before its deadline; the apiserver rejects it.",
    example="spec:\n  minReadySeconds: 600\n  progressDeadlineSeconds: 300",
    fix="Make progressDeadlineSeconds larger than minReadySeconds.",
)
def progress_deadline(obj: Obj) -> Iterator[Problem]:
    deadline = obj.spec.get("progressDeadlineSeconds", defaults.PROGRESS_DEADLINE_SECONDS)
    ready = obj.spec.get("minReadySeconds", 0)
    if is_int(deadline) and is_int(ready) and deadline <= ready:
        where = "progressDeadlineSeconds" if "progressDeadlineSeconds" in obj.spec else "minReadySeconds"
        yield Problem(
            ("spec", where),
            invalid(deadline, "must be greater than minReadySeconds"),
            f"Set progressDeadlineSeconds above {ready} (it defaults to 600).",
        )


@rule(
    "apply/pod-management-policy",
    ERROR,
    "StatefulSet",
    "workloads",
    "A StatefulSet podManagementPolicy other than OrderedReady or Parallel.",
    why="The apiserver rejects it.",
    example="spec:\n  podManagementPolicy: parallel",
    fix="Use OrderedReady or Parallel.",
)
def pod_management_policy(obj: Obj) -> Iterator[Problem]:
    policy = obj.spec.get("podManagementPolicy")
    if isinstance(policy, str) and policy and policy not in ("OrderedReady", "Parallel"):
        close = {"orderedready": "OrderedReady", "parallel": "Parallel"}.get(policy.lower())
        yield Problem(
            ("spec", "podManagementPolicy"),
            invalid(policy, "must be 'OrderedReady' or 'Parallel'"),
            f"Write {close!r}." if close else "Use OrderedReady or Parallel.",
        )


@rule(
    "apply/statefulset-service-name",
    ERROR,
    "StatefulSet",
    "workloads",
    "A StatefulSet serviceName that is not a DNS-1123 label, so no governing Service can have it.",
    why="The pods' DNS names come from the governing Service. Since 1.33 the apiserver rejects an invalid name; "
    "before, it was accepted and the pods got no DNS names.",
    example="spec:\n  serviceName: DB_Headless",
    fix="Use the name of the headless Service, e.g. db-headless.",
)
def statefulset_service_name(obj: Obj) -> Iterator[Problem]:
    name = text(obj.spec.get("serviceName"))
    if name and (messages := formats.is_dns1123_label(name)):
        late = obj.minor < SERVICE_NAME_VALIDATED_SINCE
        message = invalid(name, *messages) + (
            " (accepted before Kubernetes 1.33, but no Service can have this name)" if late else ""
        )
        yield Problem(
            ("spec", "serviceName"),
            message,
            f"Use the headless Service's name, e.g. {formats.suggest_dns_label(name)!r}.",
            severity=WARNING if late else None,
        )


@rule(
    "apply/statefulset-name-too-long",
    WARNING,
    "StatefulSet",
    "workloads",
    "A StatefulSet name longer than 52 characters.",
    why="Its pods carry the label controller-revision-hash: <name>-<10-character hash>, and label values stop at 63 "
    "characters: the apiserver accepts the StatefulSet, but the controller fails to create any pod.",
    example="metadata:\n  name: analytics-clickhouse-replicated-shard-primary-storage-tier",
    fix="Shorten the name to 52 characters or fewer.",
)
def statefulset_name_too_long(obj: Obj) -> Iterator[Problem]:
    limit = naming.LABEL_VALUE_LIMIT - naming.REVISION_HASH_LENGTH - 1
    # Names that are no DNS label at all are apply/invalid-name's.
    if obj.name and len(obj.name) > limit and not formats.is_dns1123_label(obj.name):
        yield Problem(
            ("metadata", "name"),
            f"name has {len(obj.name)} characters: the pods' label "
            f"controller-revision-hash {go_value(naming.controller_revision_name(obj.name, 'x' * naming.REVISION_HASH_LENGTH))} "
            "would exceed 63 characters, so the controller cannot create pods",
            f"Shorten the name to {limit} characters or fewer.",
        )
