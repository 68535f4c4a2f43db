"""Set-wide rules about how many pods run: replicas, HorizontalPodAutoscalers, PodDisruptionBudgets,
and rolling updates, which need each other to be judged (an HPA owns a Deployment's replica count).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from kubelint_py.lint.inventory import Inventory, PodTemplate, digits, name_of, namespace_of
from kubelint_py.lint.targets import Target
from kubelint_py.model import Document, Problem
from kubelint_py.workloads import get

Found = Iterator[tuple[Document, Problem]]
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")


def _hpas(inventory: Inventory, kinds: tuple[str, ...] = ("HorizontalPodAutoscaler",),
          built_in: bool = True) -> Iterator[tuple[Document, dict]]:
    for document in inventory.of_kind(*kinds, built_in=built_in):
        ref = get(document.body, ("spec", "scaleTargetRef"))
        if isinstance(ref, dict) and document.body["kind"] == "ScaledObject":
            ref = {"kind": "Deployment", **ref}  # KEDA's default target kind
        if isinstance(ref, dict) and isinstance(ref.get("kind"), str) and isinstance(ref.get("name"), str):
            yield document, ref


def _hpa_of(inventory: Inventory, workload: Document) -> Document | None:
    """The autoscaler that scales this workload, if the input has one: a HorizontalPodAutoscaler, or a
    custom resource with the same scaleTargetRef (KEDA's ScaledObject)."""
    for document, ref in _hpas(inventory, ("HorizontalPodAutoscaler", "ScaledObject"), built_in=False):
        if (ref["kind"] == workload.body.get("kind") and ref["name"] == name_of(workload.body)
                and inventory.find(ref["kind"], ref["name"], namespace_of(document.body)) is workload):
            return document
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def replicas(inventory: Inventory, workload: Document) -> int | None:
    """The fewest pods the workload runs: its autoscaler's minimum if one scales it, else spec.replicas
    (default 1)."""
    hpa = _hpa_of(inventory, workload)
    if hpa is not None and hpa.body["kind"] == "HorizontalPodAutoscaler":
        value = get(hpa.body, ("spec", "minReplicas"))
        return 1 if value is None else _count(value)
    if hpa is not None:  # KEDA: minReplicaCount, 0 by default
        return _count(get(hpa.body, ("spec", "minReplicaCount")) or 0)
    value = get(workload.body, ("spec", "replicas"))
    return 1 if value is None else _count(value)


def hpa_target_missing(inventory: Inventory, params: dict) -> Found:
    for document, ref in _hpas(inventory):
        namespace = namespace_of(document.body)
        if inventory.expects(ref["kind"], document) and inventory.find(ref["kind"], ref["name"], namespace) is None:
            yield document, Problem(("spec", "scaleTargetRef", "name"),
                                    f"scale target {ref['kind']} {ref['name']} is not in the input",
                                    f"Point scaleTargetRef at an existing {ref['kind']}, or add {ref['name']}.")


def hpa_replicas_conflict(inventory: Inventory, params: dict) -> Found:
    for document, ref in _hpas(inventory):
        target = inventory.find(ref["kind"], ref["name"], namespace_of(document.body))
        if target is not None and get(target.body, ("spec", "replicas")) is not None:
            yield target, Problem(("spec", "replicas"),
                                  f"HorizontalPodAutoscaler {name_of(document.body)} scales this {ref['kind']}, but "
                                  "it also sets spec.replicas: every apply resets the replica count the HPA chose",
                                  "Remove spec.replicas and let the HorizontalPodAutoscaler own it.")


def replicas_too_low(inventory: Inventory, params: dict) -> Found:
    minimum = params["minimum"]
    for workload in inventory.of_kind("Deployment", "StatefulSet"):
        if _hpa_of(inventory, workload) is not None:
            continue  # hpa-min-replicas judges the HPA's minimum instead
        value = get(workload.body, ("spec", "replicas"))
        count = 1 if value is None else _count(value)
        if count is None or count == 0 or count >= minimum:
            continue  # 0: deliberately scaled down
        path = ("spec", "replicas") if value is not None else ("spec",)
        yield workload, Problem(path, f"{workload.body['kind']} {name_of(workload.body)} runs {count} replica"
                                      f"{'' if count == 1 else 's'}: one node going away takes it down",
                                f"Set spec.replicas: {minimum} or more, or let a HorizontalPodAutoscaler with "
                                f"minReplicas: {minimum} scale it.")


# --- PodDisruptionBudgets ----------------------------------------------------------------------------


def _scaled(value: Any, total: int) -> int | None:
    """An int-or-percent of `total`, rounded up as the disruption controller does."""
    if _count(value) is not None:
        return value
    if isinstance(value, str) and value.endswith("%") and digits(value[:-1]):
        return math.ceil(int(value[:-1]) * total / 100)
    return None


def _pdbs(inventory: Inventory) -> Iterator[tuple[Document, dict, list[PodTemplate]]]:
    for document in inventory.of_kind("PodDisruptionBudget"):
        spec = document.body.get("spec")
        if isinstance(spec, dict):
            selector = spec.get("selector")
            matched = inventory.pods_matching(namespace_of(document.body), selector=selector) \
                if isinstance(selector, dict) else []
            yield document, spec, matched


def pdb_selects_nothing(inventory: Inventory, params: dict) -> Found:
    for document, spec, matched in _pdbs(inventory):
        if matched or not inventory.expects_pods(document):
            continue
        path = ("spec", "selector") if "selector" in spec else ("spec",)
        yield document, Problem(path, f"PodDisruptionBudget {name_of(document.body)} selects no pod template in "
                                      "the input, so it protects nothing",
                                "Make spec.selector match the pod template labels of the workload it is for.")


def pdb_blocks_eviction(inventory: Inventory, params: dict) -> Found:
    for document, spec, matched in _pdbs(inventory):
        controllers = [t for t in matched if t.kind in SCALABLE]
        counts = [replicas(inventory, t.document) for t in controllers]
        total = sum(counts) if controllers and None not in counts else None
        for field in ("maxUnavailable", "minAvailable"):
            value = spec.get(field)
            if value is None:
                continue
            blocked = _blocks(field, value, total)
            if blocked:
                yield document, Problem(("spec", field), f"PodDisruptionBudget {name_of(document.body)} {blocked}: "
                                                         "node drains and cluster upgrades hang on its pods",
                                        "Allow at least one disruption: maxUnavailable: 1, or a minAvailable below "
                                        "the replica count (and more replicas if needed).")


def _blocks(field: str, value: Any, total: int | None) -> str | None:
    if field == "maxUnavailable":
        return "allows no pod to be evicted (maxUnavailable 0)" if _scaled(value, 100) == 0 else None
    if isinstance(value, str) and value.endswith("%"):
        percent = _scaled(value, 100)
        if percent is not None and percent >= 100:
            return f"requires {value} of its pods to stay up"
    if total is None:
        return None
    needed = _scaled(value, total)
    if needed is not None and needed >= total > 0:
        return f"requires {needed} of its {total} pod{'s' if total != 1 else ''} (at the fewest) to stay up"
    return None


def pdb_missing(inventory: Inventory, params: dict) -> Found:
    pdbs = list(_pdbs(inventory))
    for template in inventory.pod_templates:
        if template.kind not in ("Deployment", "StatefulSet"):
            continue
        count = replicas(inventory, template.document)
        if count is None or count < 2:
            continue  # a PDB on one replica either blocks every drain or changes nothing
        if any(template in matched for _, _, matched in pdbs):
            continue
        yield template.document, Problem(("spec",), f"{template.kind} {template.name} runs {count} replicas but no "
                                                    "PodDisruptionBudget covers them: a node drain may evict all at once",
                                         "Add a PodDisruptionBudget with maxUnavailable: 1 selecting its pods.")


def rolling_update_unavailable(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("Deployment"):
        value = get(document.body, ("spec", "strategy", "rollingUpdate", "maxUnavailable"))
        count = replicas(inventory, document)
        if value is None or count is None or count < 1:
            continue
        down = _count(value) if _count(value) is not None else _floor_percent(value, count)
        if down is not None and down >= count:
            yield document, Problem(("spec", "strategy", "rollingUpdate", "maxUnavailable"),
                                    f"a rollout may take down all {count} replica{'s' if count != 1 else ''} at once "
                                    f"(maxUnavailable {value})",
                                    "Lower maxUnavailable (e.g. 25% or 1) and let maxSurge add new pods first.")


def _floor_percent(value: Any, total: int) -> int | None:
    """Deployments round maxUnavailable percentages down (and maxSurge up)."""
    if isinstance(value, str) and value.endswith("%") and digits(value[:-1]):
        return int(value[:-1]) * total // 100
    return None


def hpa_min_equals_max(target: Target, params: dict) -> Iterator[Problem]:
    spec = target.value.get("spec")
    if not isinstance(spec, dict):
        return
    low, high = spec.get("minReplicas", 1), _count(spec.get("maxReplicas"))
    if high is not None and _count(low) == high:
        yield Problem(("spec", "maxReplicas"), f"HorizontalPodAutoscaler {name_of(target.value)} has minReplicas and "
                                               f"maxReplicas both {high}: it can never scale")
