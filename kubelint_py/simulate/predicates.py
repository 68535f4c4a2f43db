"""Whether one pod may go on one node, as the scheduler's filter plugins decide it from the pod and
the node alone: tolerations against taints, nodeSelector and required node affinity, and what a pod
asks for (requests, host ports). From pkg/scheduler/framework/plugins and the v1 helpers of
kubernetes/kubernetes (Apache-2.0)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kubelint_py import workloads
from kubelint_py.apply import quantity
from kubelint_py.apply.selectors import matches
from kubelint_py.simulate.cluster import Node, Taint
from kubelint_py.simulate.model import items, mapping, text


@dataclass
class PodFacts:
    """What the filters read from a pod, computed once."""

    namespace: str
    labels: dict
    owner: str
    requests: dict[str, Decimal]
    tolerations: list[dict]
    node_selector: dict
    node_terms: list | None  # required node affinity terms; None when there are none
    host_ports: set[tuple[str, str, int]]
    affinity: list[dict]
    anti_affinity: list[dict]
    spread: list[dict]


def facts(body: dict, namespace: str, labels: dict, owner: str) -> PodFacts:
    spec = mapping(body.get("spec"))
    affinity = mapping(spec.get("affinity"))
    node_affinity = mapping(
        mapping(affinity.get("nodeAffinity")).get("requiredDuringSchedulingIgnoredDuringExecution")
    )
    terms = items(node_affinity.get("nodeSelectorTerms")) if node_affinity else None
    ports = set()
    for _, container in workloads.containers(spec, ("initContainers", "containers")):
        for port in items(container.get("ports")):
            port = mapping(port)
            if isinstance(port.get("hostPort"), int) and port["hostPort"] > 0:
                ports.add(
                    (
                        text(port.get("hostIP")) or "0.0.0.0",
                        text(port.get("protocol")) or "TCP",
                        port["hostPort"],
                    )
                )

    def required(kind: str) -> list[dict]:
        return [
            mapping(t)
            for t in items(mapping(affinity.get(kind)).get("requiredDuringSchedulingIgnoredDuringExecution"))
        ]

    return PodFacts(
        namespace,
        labels,
        owner,
        pod_requests(spec),
        [mapping(t) for t in items(spec.get("tolerations"))],
        {k: str(v) for k, v in mapping(spec.get("nodeSelector")).items()},
        terms,
        ports,
        required("podAffinity"),
        required("podAntiAffinity"),
        [mapping(c) for c in items(spec.get("topologySpreadConstraints"))],
    )


def pod_requests(spec: dict) -> dict[str, Decimal]:
    """What the scheduler reserves for a pod: the larger of its app containers (plus sidecars) and its
    heaviest init step, plus the runtime's overhead (KEP-753 for sidecars)."""

    def requests(container: dict) -> dict[str, Decimal]:
        found = {}
        for resource, value in mapping(mapping(container.get("resources")).get("requests")).items():
            parsed = quantity.parse_or_none(value)
            if parsed is not None:
                found[resource] = parsed
        return found

    total: dict[str, Decimal] = {}
    for container in items(spec.get("containers")):
        for resource, amount in requests(mapping(container)).items():
            total[resource] = total.get(resource, Decimal(0)) + amount
    sidecars: dict[str, Decimal] = {}
    peak: dict[str, Decimal] = {}
    for container in items(spec.get("initContainers")):
        container = mapping(container)
        own = requests(container)
        if container.get("restartPolicy") == "Always":
            for resource, amount in own.items():
                sidecars[resource] = sidecars.get(resource, Decimal(0)) + amount
                peak[resource] = max(peak.get(resource, Decimal(0)), sidecars[resource])
        else:
            for resource in set(own) | set(sidecars):
                step = own.get(resource, Decimal(0)) + sidecars.get(resource, Decimal(0))
                peak[resource] = max(peak.get(resource, Decimal(0)), step)
    for resource in set(total) | set(sidecars) | set(peak):
        running = total.get(resource, Decimal(0)) + sidecars.get(resource, Decimal(0))
        total[resource] = max(running, peak.get(resource, Decimal(0)))
    for resource, value in mapping(spec.get("overhead")).items():
        parsed = quantity.parse_or_none(value)
        if parsed is not None:
            total[resource] = total.get(resource, Decimal(0)) + parsed
    return {resource: amount for resource, amount in total.items() if amount > 0}


def tolerates(tolerations: list[dict], taint: Taint) -> bool:
    """v1 Toleration.ToleratesTaint."""
    for toleration in tolerations:
        effect = text(toleration.get("effect"))
        if effect and effect != taint.effect:
            continue
        key = text(toleration.get("key"))
        if toleration.get("operator") == "Exists":
            if not key or key == taint.key:
                return True
        elif key == taint.key and text(toleration.get("value")) == taint.value:
            return True
    return False


def node_matches(pod: PodFacts, node: Node) -> bool:
    """nodeSelector and the required node affinity terms (any one term, every requirement in it)."""
    if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
        return False
    if pod.node_terms is None:
        return True
    return any(_term_matches(mapping(term), node) for term in pod.node_terms)


def _term_matches(term: dict, node: Node) -> bool:
    expressions, fields = items(term.get("matchExpressions")), items(term.get("matchFields"))
    if not expressions and not fields:
        return False
    return all(_requirement(mapping(r), node.labels) for r in expressions) and all(
        _requirement(mapping(r), {"metadata.name": node.name}) for r in fields
    )


def _requirement(requirement: dict, labels: dict) -> bool:
    key, operator = text(requirement.get("key")), requirement.get("operator")
    values = [str(v) for v in items(requirement.get("values"))]
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        try:
            have, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def port_conflict(wanted: set[tuple[str, str, int]], taken: set[tuple[str, str, int]]) -> bool:
    return any(
        port == other_port and protocol == other_protocol and (ip == other_ip or "0.0.0.0" in (ip, other_ip))
        for ip, protocol, port in wanted
        for other_ip, other_protocol, other_port in taken
    )


def selects(selector, labels: dict) -> bool:
    """A metav1.LabelSelector; a missing one selects nothing, as in affinity and spread terms."""
    return isinstance(selector, dict) and matches(selector, labels)


def with_label_keys(selector, term: dict, labels: dict):
    """matchLabelKeys / mismatchLabelKeys: the pod's own values of those labels join the selector."""
    extra = [
        {"key": k, "operator": "In", "values": [labels[k]]}
        for k in items(term.get("matchLabelKeys"))
        if k in labels
    ]
    extra += [
        {"key": k, "operator": "NotIn", "values": [labels[k]]}
        for k in items(term.get("mismatchLabelKeys"))
        if k in labels
    ]
    if not extra or not isinstance(selector, dict):
        return selector
    return {**selector, "matchExpressions": items(selector.get("matchExpressions")) + extra}
