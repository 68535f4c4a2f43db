"""Where the kube-scheduler would put each pod, or why it cannot: its filter plugins in their default
order, one pod at a time in the order the input creates them, each placed pod taking its requests,
host ports and labels to its node. A pod no node accepts is Pending with the scheduler's own
FailedScheduling message (`0/3 nodes are available: ...`, written by diagnose.scheduler.fit_error).

Filters (pkg/scheduler/framework/plugins, kubernetes/kubernetes, Apache-2.0): NodeUnschedulable,
TaintToleration, NodeAffinity (nodeSelector and required node affinity), NodePorts, NodeResourcesFit
(requests against allocatable, and the pod count), PodTopologySpread (DoNotSchedule constraints) and
InterPodAffinity (required terms). Before them, the VolumeBinding PreFilter: a claim that does not
exist, or that no volume will be bound to, stops the pod on every node.

Which feasible node a pod gets is an approximation of the scoring plugins: the node with the fewest
pods of the same owner, then the most room left. Placement only matters for later pods' fits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from kubelint_py.diagnose import scheduler as messages
from kubelint_py.simulate.cluster import Cluster, Node, Taint
from kubelint_py.simulate.model import ClusterObject, Prediction, items, mapping, predicted, text
from kubelint_py.simulate.predicates import (
    PodFacts,
    facts,
    node_matches,
    port_conflict,
    selects,
    tolerates,
    with_label_keys,
)

# Reasons whose count says nothing about the pod's own problem.
_INCIDENTAL = (messages.NODE_AFFINITY_PREFILTER,)
_CONTROL_PLANE_TAINTS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
_NODE_CONDITION_TAINTS = (
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/network-unavailable",
    "node.kubernetes.io/uninitialized",
)
_UNSCHEDULABLE_TAINT = Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")
# Hiding the taint in the message (kubernetes/kubernetes#134740) reached 1.34 as a patch release.
_TAINT_HIDDEN_SINCE = 34
_RESOURCE_ORDER = ("cpu", "memory", "ephemeral-storage")


@dataclass
class NodeState:
    node: Node
    requested: dict[str, Decimal] = field(default_factory=dict)
    pods: list[PodFacts] = field(default_factory=list)
    ports: set[tuple[str, str, int]] = field(default_factory=set)

    def place(self, facts: PodFacts) -> None:
        for resource, amount in facts.requests.items():
            self.requested[resource] = self.requested.get(resource, Decimal(0)) + amount
        self.pods.append(facts)
        self.ports |= facts.host_ports


class Scheduler:
    def __init__(
        self,
        cluster: Cluster | None,
        claim_state: Callable[[str, str], str | None],
        namespace_labels: Callable[[str], dict],
        minor: int,
    ):
        self.nodes = [NodeState(node) for node in cluster.nodes] if cluster else None
        self.anti_affine: list[tuple[NodeState, PodFacts]] = []  # placed pods with required anti-affinity
        self.claim_state = claim_state  # (namespace, claim) -> "missing" | "unbound" | "waiting" | None
        self.namespace_labels = namespace_labels
        self.minor = minor
        by_name = {state.node.name: state for state in self.nodes or ()}
        for body in cluster.pods if cluster else ():
            state = by_name.get(text(mapping(body.get("spec")).get("nodeName")))
            if state is not None:
                meta = mapping(body.get("metadata"))
                self._place(
                    state,
                    facts(body, text(meta.get("namespace")) or "default", mapping(meta.get("labels")), ""),
                )

    def schedule(self, pod: ClusterObject, pinned: str | None = None) -> Prediction | None:
        """Pending with the scheduler's message, or None once placed (`pod.node` set with --cluster)."""
        spec = pod.spec
        if items(spec.get("schedulingGates")):
            return predicted(
                "SchedulingGated",
                "SchedulingGated",
                "Scheduling is blocked due to non-empty scheduling gates",
                "scheduling-gated",
            )
        stopped = self._volume_prefilter(pod)
        if (
            stopped is not None
            or self.nodes is None
            or text(spec.get("schedulerName")) not in ("", "default-scheduler")
        ):
            return stopped
        if text(spec.get("nodeName")):
            return self._assigned(pod, text(spec["nodeName"]))
        if not self.nodes:
            return predicted("Pending", "Unschedulable", "no nodes available to schedule pods", "no-nodes")
        pod_facts = facts(
            pod.body,
            pod.namespace or "default",
            pod.labels,
            pod.created_by.ref if pod.created_by else pod.ref,
        )
        reasons: Counter[str] = Counter()
        feasible = []
        spread = self._spread_counts(pod_facts)
        for state in self.nodes:
            if pinned is not None and state.node.name != pinned:
                reasons[messages.NODE_AFFINITY_PREFILTER] += 1
                continue
            failed = self._filter(pod_facts, state, spread)
            reasons.update(failed)
            if not failed:
                feasible.append(state)
        waits = [claim for claim in _claims(pod) if self.claim_state(pod.namespace or "", claim) == "waiting"]
        if feasible and waits:
            reasons[messages.NO_PV_TO_BIND] += len(feasible)
            feasible = []
        if not feasible:
            return self._unschedulable(reasons)
        best = min(
            feasible,
            key=lambda s: (
                sum(1 for p in s.pods if p.owner == pod_facts.owner),
                -_room(s, pod_facts),
                s.node.name,
            ),
        )
        self._place(best, pod_facts)
        pod.node = best.node.name
        return None

    def _place(self, state: NodeState, pod: PodFacts) -> None:
        state.place(pod)
        if pod.anti_affinity:
            self.anti_affine.append((state, pod))

    def _assigned(self, pod: ClusterObject, node_name: str) -> Prediction | None:
        """spec.nodeName bypasses the scheduler; the kubelet of that node takes the pod, if it exists."""
        for state in self.nodes or ():
            if state.node.name == node_name:
                self._place(state, facts(pod.body, pod.namespace or "default", pod.labels, pod.ref))
                pod.node = node_name
                return None
        return Prediction(
            "Pending",
            "NodeNotFound",
            f'spec.nodeName is "{node_name}", a node the cluster does not have: no kubelet takes the pod',
            fix="Remove spec.nodeName and let the scheduler choose, or name an existing node.",
        )

    def _volume_prefilter(self, pod: ClusterObject) -> Prediction | None:
        for claim in _claims(pod):
            state = self.claim_state(pod.namespace or "", claim)
            if state == "missing":
                return self._pending_everywhere(
                    messages.PVC_NOT_FOUND.format(claim=claim), "pvc-not-found", claim=claim
                )
            if state == "unbound":
                return self._pending_everywhere(messages.UNBOUND_PVC, "pvc-unbound")
        return None

    def _pending_everywhere(self, reason: str, cause: str, **values: str) -> Prediction:
        if not self.nodes:
            return predicted("Pending", "Unschedulable", reason, cause, **values)
        total = len(self.nodes)
        return predicted(
            "Pending",
            "Unschedulable",
            messages.fit_error(total, {}, prefilter=reason, minor=self.minor),
            cause,
            count=str(total),
            total=str(total),
            **values,
        )

    def _unschedulable(self, reasons: Counter[str]) -> Prediction:
        total = len(self.nodes or ())
        message = messages.fit_error(total, dict(reasons), minor=self.minor)
        reason, count = _main_reason(reasons)
        cause, values = _cause_of(reason)
        return predicted(
            "Pending", "Unschedulable", message, cause, count=str(count), total=str(total), **values
        )

    # --- the filters, in the scheduler's order; a node fails at the first one that refuses it ---------

    def _filter(
        self, pod: PodFacts, state: NodeState, spread: list[tuple[dict, Counter[str], int]]
    ) -> list[str]:
        node = state.node
        if node.unschedulable and not tolerates(pod.tolerations, _UNSCHEDULABLE_TAINT):
            return [messages.UNSCHEDULABLE]
        taint = next(
            (
                t
                for t in node.taints
                if t.effect in ("NoSchedule", "NoExecute") and not tolerates(pod.tolerations, t)
            ),
            None,
        )
        if taint is not None:
            if self.minor >= _TAINT_HIDDEN_SINCE:
                return [messages.UNTOLERATED_TAINTS]
            return [messages.UNTOLERATED_TAINT.format(key=taint.key, value=taint.value)]
        if not node_matches(pod, node):
            return [messages.NODE_AFFINITY]
        if port_conflict(pod.host_ports, state.ports):
            return [messages.HOST_PORTS]
        short = _insufficient(pod, state)
        if short:
            return short
        skewed = _skewed(pod, state, spread)
        if skewed:
            return [skewed]
        affinity = self._inter_pod(pod, state)
        return [affinity] if affinity else []

    def _spread_counts(self, pod: PodFacts) -> list[tuple[dict, Counter[str], int]]:
        """For each DoNotSchedule spread constraint: the matching pods per domain, and the smallest count."""
        constraints = [c for c in pod.spread if c.get("whenUnsatisfiable") == "DoNotSchedule"]
        keys = [text(c.get("topologyKey")) for c in constraints]
        counted = []
        for constraint, key in zip(constraints, keys, strict=True):
            selector = with_label_keys(constraint.get("labelSelector"), constraint, pod.labels)
            counts: Counter[str] = Counter()
            for other in self.nodes or ():
                if not all(k in other.node.labels for k in keys):
                    continue
                if constraint.get("nodeAffinityPolicy", "Honor") == "Honor" and not node_matches(
                    pod, other.node
                ):
                    continue
                if constraint.get("nodeTaintsPolicy") == "Honor" and any(
                    t.effect in ("NoSchedule", "NoExecute") and not tolerates(pod.tolerations, t)
                    for t in other.node.taints
                ):
                    continue
                counts[other.node.labels[key]] += sum(
                    1 for p in other.pods if p.namespace == pod.namespace and selects(selector, p.labels)
                )
            minimum = min(counts.values()) if counts else 0
            min_domains = constraint.get("minDomains")
            if isinstance(min_domains, int) and len(counts) < min_domains:
                minimum = 0
            counted.append(({**constraint, "labelSelector": selector}, counts, minimum))
        return counted

    def _inter_pod(self, pod: PodFacts, state: NodeState) -> str | None:
        """Required pod affinity and anti-affinity, both the pod's and that of pods already placed."""
        if pod.affinity and not self._affinity_satisfied(pod, state):
            return messages.POD_AFFINITY
        for term in pod.anti_affinity:
            if any(self._termselects(term, pod, other) for other in self._domain(term, state)):
                return messages.POD_ANTI_AFFINITY
        for other_state, other in self.anti_affine:
            for term in other.anti_affinity:
                key = text(term.get("topologyKey"))
                if (
                    key in state.node.labels
                    and state.node.labels[key] == other_state.node.labels.get(key)
                    and self._termselects(term, other, pod)
                ):
                    return messages.EXISTING_ANTI_AFFINITY
        return None

    def _affinity_satisfied(self, pod: PodFacts, state: NodeState) -> bool:
        """Every term needs, in the node's domain, a pod that all the terms select; the first pod of
        a group that wants to be near itself may go anywhere the topology labels exist."""
        if any(text(term.get("topologyKey")) not in state.node.labels for term in pod.affinity):
            return False
        selected = [
            (s, other)
            for s in self.nodes or ()
            for other in s.pods
            if all(self._termselects(term, pod, other) for term in pod.affinity)
        ]
        if not selected:
            return all(self._termselects(term, pod, pod) for term in pod.affinity)
        return all(
            any(
                s.node.labels.get(text(term.get("topologyKey")))
                == state.node.labels[text(term.get("topologyKey"))]
                for s, _ in selected
            )
            for term in pod.affinity
        )

    def _domain(self, term: dict, state: NodeState) -> Iterator[PodFacts]:
        """The pods in `state`'s domain of the term's topology key (none if the node lacks the key)."""
        key = text(term.get("topologyKey"))
        if key not in state.node.labels:
            return
        value = state.node.labels[key]
        for other_state in self.nodes or ():
            if other_state.node.labels.get(key) == value:
                yield from other_state.pods

    def _termselects(self, term: dict, owner: PodFacts, other: PodFacts) -> bool:
        namespaces = [n for n in items(term.get("namespaces")) if isinstance(n, str)]
        namespace_selector = term.get("namespaceSelector")
        if namespace_selector is not None:
            in_namespace = other.namespace in namespaces or selects(
                namespace_selector, self.namespace_labels(other.namespace)
            )
        else:
            in_namespace = other.namespace in (namespaces or [owner.namespace])
        return in_namespace and selects(
            with_label_keys(term.get("labelSelector"), term, owner.labels), other.labels
        )


# --- pods, nodes, selectors -------------------------------------------------------------------------------


def _skewed(pod: PodFacts, state: NodeState, spread: list[tuple[dict, Counter[str], int]]) -> str | None:
    """PodTopologySpread: would placing the pod here make a domain exceed maxSkew?"""
    if any(text(c.get("topologyKey")) not in state.node.labels for c, _, _ in spread):
        return messages.TOPOLOGY_SPREAD_MISSING_LABEL
    for constraint, counts, minimum in spread:
        own = 1 if selects(constraint.get("labelSelector"), pod.labels) else 0
        skew = counts[state.node.labels[text(constraint.get("topologyKey"))]] + own - minimum
        max_skew = constraint.get("maxSkew")
        if isinstance(max_skew, int) and skew > max_skew:
            return messages.TOPOLOGY_SPREAD
    return None


def _insufficient(pod: PodFacts, state: NodeState) -> list[str]:
    allocatable = state.node.allocatable
    if allocatable is None:
        return []
    short = []
    if "pods" in allocatable and len(state.pods) + 1 > allocatable["pods"]:
        short.append(messages.TOO_MANY_PODS)
    ordered = sorted(pod.requests, key=lambda r: (_RESOURCE_ORDER.index(r) if r in _RESOURCE_ORDER else 3, r))
    for resource in ordered:
        if resource in _RESOURCE_ORDER and resource not in allocatable:
            continue  # not given in --cluster: not checked
        room = allocatable.get(resource, Decimal(0)) - state.requested.get(resource, Decimal(0))
        if pod.requests[resource] > room:
            short.append(messages.INSUFFICIENT.format(resource=resource))
    return short


def _room(state: NodeState, pod: PodFacts) -> Decimal:
    """The share of cpu and memory left on the node after placing the pod."""
    allocatable = state.node.allocatable or {}
    shares = [
        (allocatable[r] - state.requested.get(r, Decimal(0)) - pod.requests.get(r, Decimal(0)))
        / allocatable[r]
        for r in ("cpu", "memory")
        if allocatable.get(r)
    ]
    return sum(shares) / len(shares) if shares else Decimal(0)


def _claims(pod: ClusterObject) -> Iterator[str]:
    for volume in items(pod.spec.get("volumes")):
        volume = mapping(volume)
        claim = text(mapping(volume.get("persistentVolumeClaim")).get("claimName"))
        if claim:
            yield claim
        elif "ephemeral" in volume:
            yield f"{pod.name}-{text(volume.get('name'))}"


def _main_reason(reasons: Counter[str]) -> tuple[str, int]:
    """The reason that says most about the pod: the most nodes, leaving out nodes a PreFilter set
    aside and control-plane taints, which are expected."""

    def weight(item: tuple[str, int]) -> tuple[int, int]:
        reason, count = item
        incidental = reason in _INCIDENTAL or any(t in reason for t in _CONTROL_PLANE_TAINTS)
        return (0 if incidental else 1, count)

    return max(reasons.items(), key=weight)


def _cause_of(reason: str) -> tuple[str, dict[str, str]]:
    """The catalogue's cause for a scheduler reason, with the values its fix names."""
    if reason.startswith("Insufficient "):
        return "insufficient-resources", {"resource": reason.removeprefix("Insufficient ")}
    if "untolerated taint" in reason:
        if any(t in reason for t in _NODE_CONDITION_TAINTS):
            return "nodes-not-ready", {}
        return "untolerated-taint", {"taint": reason.partition("{")[2].rstrip("}") or "hidden"}
    return {
        messages.TOO_MANY_PODS: "too-many-pods",
        messages.NODE_AFFINITY: "node-selector-mismatch",
        messages.NODE_AFFINITY_PREFILTER: "node-selector-mismatch",
        messages.POD_AFFINITY: "pod-affinity-unsatisfied",
        messages.POD_ANTI_AFFINITY: "pod-affinity-unsatisfied",
        messages.EXISTING_ANTI_AFFINITY: "pod-affinity-unsatisfied",
        messages.TOPOLOGY_SPREAD: "topology-spread-unsatisfied",
        messages.TOPOLOGY_SPREAD_MISSING_LABEL: "topology-spread-unsatisfied",
        messages.HOST_PORTS: "host-port-conflict",
        messages.UNSCHEDULABLE: "nodes-cordoned",
        messages.NO_PV_TO_BIND: "no-volume-to-bind",
    }.get(reason, "unschedulable"), {}
