"""HorizontalPodAutoscalers and PodDisruptionBudgets (AUTOSCALING, POLICY validation)."""

from __future__ import annotations

from typing import Iterator

from kubelint_py.apply import formats, quantity
from kubelint_py.apply.formats import forbidden, invalid, is_int, required
from kubelint_py.apply.rule import ERROR, Obj, items, mapping, rule
from kubelint_py.model import Problem

_METRIC_FIELDS = {
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
    "External": "external",
}


@rule(
    "apply/hpa-replicas",
    ERROR,
    "HorizontalPodAutoscaler",
    "autoscaling",
    "An HPA with minReplicas below 1, maxReplicas below 1, or maxReplicas below minReplicas.",
    why="The autoscaler could never satisfy its bounds; the apiserver rejects it (scale to zero needs the alpha "
    "HPAScaleToZero feature).",
    example="spec:\n  minReplicas: 5\n  maxReplicas: 3",
    fix="Make 1 ≤ minReplicas ≤ maxReplicas.",
)
def hpa_replicas(obj: Obj) -> Iterator[Problem]:
    low, high = obj.spec.get("minReplicas"), obj.spec.get("maxReplicas")
    if is_int(low) and low < 1:
        yield Problem(
            ("spec", "minReplicas"),
            invalid(low, "must be greater than or equal to 1"),
            "Use minReplicas: 1 or more.",
        )
    if is_int(high) and high < 1:
        yield Problem(
            ("spec", "maxReplicas"), invalid(high, "must be greater than 0"), "Use maxReplicas: 1 or more."
        )
    elif is_int(high) and is_int(low) and high < low:
        yield Problem(
            ("spec", "maxReplicas"),
            invalid(high, "must be greater than or equal to `minReplicas`"),
            f"Raise maxReplicas to at least {low}, or lower minReplicas.",
        )


@rule(
    "apply/hpa-target-ref",
    ERROR,
    "HorizontalPodAutoscaler",
    "autoscaling",
    "An HPA scaleTargetRef without kind or name, or with a value that cannot be a path segment.",
    why="The apiserver rejects it.",
    example="spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    name: web",
    fix="Name the workload: kind: Deployment, name: web.",
)
def hpa_target_ref(obj: Obj) -> Iterator[Problem]:
    ref = obj.spec.get("scaleTargetRef")
    if not isinstance(ref, dict):
        return
    for field in ("kind", "name"):
        value = ref.get(field)
        if value == "":
            yield Problem(("spec", "scaleTargetRef", field), required(), f"Set scaleTargetRef.{field}.")
        elif isinstance(value, str) and (messages := formats.is_path_segment(value)):
            yield Problem(
                ("spec", "scaleTargetRef", field), invalid(value, *messages), f"Use the workload's {field}."
            )


@rule(
    "apply/hpa-metric",
    ERROR,
    "HorizontalPodAutoscaler",
    "autoscaling",
    "An autoscaling/v2 metric whose source does not match its type, whose target sets both or neither of "
    "averageValue and averageUtilization (resource metrics), or whose target is not positive.",
    why="The apiserver rejects it: each metric names one source and a positive target.",
    example="metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization",
    fix="Give the target averageUtilization (percent of requests) or averageValue, e.g. averageUtilization: 70.",
)
def hpa_metric(obj: Obj) -> Iterator[Problem]:
    if obj.api_version == "autoscaling/v1":
        value = obj.spec.get("targetCPUUtilizationPercentage")
        if is_int(value) and value < 1:
            yield Problem(
                ("spec", "targetCPUUtilizationPercentage"),
                invalid(value, "must be greater than 0"),
                "Use a positive percentage.",
            )
        return
    for index, metric in enumerate(items(obj.spec.get("metrics"))):
        metric = mapping(metric)
        at = ("spec", "metrics", index)
        expected = _METRIC_FIELDS.get(str(metric.get("type")))
        if expected is None:
            continue  # a missing or unknown type: schema/required and apply/unsupported-value
        if metric.get(expected) is None:
            yield Problem(
                at + (expected,),
                required("must populate information for the given metric source"),
                f"Add {expected}: {{...}} for type {metric['type']}.",
            )
        for other in _METRIC_FIELDS.values():
            if other != expected and metric.get(other) is not None:
                yield Problem(
                    at + (other,),
                    forbidden("must populate the given metric source only"),
                    f"Remove {other}, or change type.",
                )
        source = mapping(metric.get(expected))
        yield from _target_problems(
            mapping(source.get("target")),
            at + (expected, "target"),
            expected in ("resource", "containerResource"),
        )


def _target_problems(target: dict, at: tuple, resource: bool) -> Iterator[Problem]:
    if not target:
        return
    for field in ("value", "averageValue"):
        if field in target and (amount := quantity.parse_or_none(target[field])) is not None and amount <= 0:
            yield Problem(
                at + (field,), invalid(str(target[field]), "must be positive"), f"Use a positive {field}."
            )
    utilization = target.get("averageUtilization")
    if is_int(utilization) and utilization < 1:
        yield Problem(
            at + ("averageUtilization",),
            invalid(utilization, "must be greater than 0"),
            "Use a percentage above 0.",
        )
    if resource:
        if target.get("averageValue") is None and utilization is None:
            yield Problem(
                at + ("averageUtilization",),
                required("must set either a target raw value or a target utilization"),
                "Add averageUtilization (e.g. 70) or averageValue.",
            )
        elif target.get("averageValue") is not None and utilization is not None:
            yield Problem(
                at + ("averageValue",),
                forbidden("may not set both a target raw value and a target utilization"),
                "Keep averageUtilization or averageValue.",
            )


@rule(
    "apply/hpa-behavior",
    ERROR,
    "HorizontalPodAutoscaler",
    "autoscaling",
    "HPA scaling behavior outside the allowed bounds: stabilizationWindowSeconds 0-3600, policy periodSeconds "
    "1-1800, policy value above 0.",
    why="The apiserver rejects it.",
    example="behavior:\n  scaleDown:\n    stabilizationWindowSeconds: 7200",
    fix="Use a stabilization window of at most 3600 seconds.",
)
def hpa_behavior(obj: Obj) -> Iterator[Problem]:
    behavior = mapping(obj.spec.get("behavior"))
    for direction in ("scaleUp", "scaleDown"):
        rules = mapping(behavior.get(direction))
        at = ("spec", "behavior", direction)
        window = rules.get("stabilizationWindowSeconds")
        if is_int(window) and window < 0:
            yield Problem(
                at + ("stabilizationWindowSeconds",),
                invalid(window, "must be greater than or equal to zero"),
                "Use 0 or more.",
            )
        elif is_int(window) and window > 3600:
            yield Problem(
                at + ("stabilizationWindowSeconds",),
                invalid(window, "must be less than or equal to 3600"),
                "Use at most 3600 seconds.",
            )
        for index, policy in enumerate(items(rules.get("policies"))):
            policy = mapping(policy)
            period, value = policy.get("periodSeconds"), policy.get("value")
            where = at + ("policies", index)
            if is_int(period) and period <= 0:
                yield Problem(
                    where + ("periodSeconds",), invalid(period, "must be greater than zero"), "Use 1 to 1800."
                )
            elif is_int(period) and period > 1800:
                yield Problem(
                    where + ("periodSeconds",),
                    invalid(period, "must be less than or equal to 1800"),
                    "Use 1 to 1800.",
                )
            if is_int(value) and value <= 0:
                yield Problem(
                    where + ("value",), invalid(value, "must be greater than zero"), "Use a positive value."
                )


@rule(
    "apply/pdb-min-and-max",
    ERROR,
    "PodDisruptionBudget",
    "policy",
    "A PodDisruptionBudget that sets both minAvailable and maxUnavailable.",
    why="A budget is expressed one way or the other; the apiserver rejects both "
    "(`minAvailable and maxUnavailable cannot be both set`).",
    example="spec:\n  minAvailable: 2\n  maxUnavailable: 1",
    fix="Keep one of them.",
)
def pdb_min_and_max(obj: Obj) -> Iterator[Problem]:
    if obj.spec.get("minAvailable") is not None and obj.spec.get("maxUnavailable") is not None:
        yield Problem(
            ("spec", "maxUnavailable"),
            invalid(
                {k: obj.spec[k] for k in ("minAvailable", "maxUnavailable")},
                "minAvailable and maxUnavailable cannot be both set",
            ),
            "Keep minAvailable or maxUnavailable, not both.",
        )
