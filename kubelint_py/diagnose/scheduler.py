"""The scheduler's "0/N nodes are available" message (FitError): read it, and write it.

Format (kube-scheduler `FitError.Error()`, pkg/scheduler/framework/types.go, Apache-2.0):
`0/<N> nodes are available: <count> <reason>, <count> <reason>. preemption: 0/<N> nodes are
available: <count> <preemption reason>, ...` - reasons sorted as strings and joined by ", "; a
PreFilter failure (an unbound PVC) is printed once, without a count. Older schedulers printed
`No nodes are available that match all of the following predicates:: Insufficient cpu (9), ...`.
`kubelint simulate` writes the same messages with `fit_error` and the reason templates below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Reason texts as the current scheduler plugins word them (pkg/scheduler/framework/plugins/*).
INSUFFICIENT = "Insufficient {resource}"  # noderesources/fit.go
TOO_MANY_PODS = "Too many pods"
UNTOLERATED_TAINT = "node(s) had untolerated taint {{{key}: {value}}}"  # tainttoleration, 1.25 to 1.33
UNTOLERATED_TAINTS = "node(s) had untolerated taint(s)"  # newest schedulers hide the key
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"  # nodeaffinity
POD_AFFINITY = "node(s) didn't match pod affinity rules"  # interpodaffinity
POD_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
TOPOLOGY_SPREAD = "node(s) didn't match pod topology spread constraints"  # podtopologyspread
TOPOLOGY_SPREAD_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
# Nodes a PreFilter ruled out before filtering, e.g. all but the one a DaemonSet pod is pinned to.
NODE_AFFINITY_PREFILTER = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
HOST_PORTS = "node(s) didn't have free ports for the requested pod ports"  # nodeports
UNSCHEDULABLE = "node(s) were unschedulable"  # nodeunschedulable
UNBOUND_PVC = "pod has unbound immediate PersistentVolumeClaims"  # volumebinding PreFilter
PVC_NOT_FOUND = 'persistentvolumeclaim "{claim}" not found'
VOLUME_NODE_AFFINITY = "node(s) had volume node affinity conflict"
NO_PV_TO_BIND = "node(s) didn't find available persistent volumes to bind"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
# Reasons preemption could resolve by evicting lower-priority pods; the others it cannot.
_RESOLVABLE = re.compile(r"^(Insufficient |Too many pods|node\(s\) didn't have free ports|node\(s\) didn't match pod anti-affinity)")

_DRA_POSTFILTER = "no new claims to deallocate, "
_DRA_SINCE = 34
_FIT = re.compile(r"0/(?P<total>\d+) nodes are available: (?P<body>.*)$", re.S)
_COUNTED = re.compile(r"^(?P<count>\d+) (?P<reason>.+)$", re.S)
_LEGACY = re.compile(r"No nodes are available that match all of the (?:following )?predicates:+ ?(?P<body>.*)$", re.S)
_LEGACY_REASON = re.compile(r"(?P<reason>[^,()]+?) \((?P<count>\d+)\)")
_SPLIT = re.compile(r", (?=\d+ )")


@dataclass(frozen=True)
class Fit:
    total: int | None  # nodes in the cluster, None when the message does not say
    reasons: tuple[tuple[int, str], ...]  # (nodes, reason)
    preemption: str  # the PostFilter part, "" when absent


def parse(message: str) -> Fit | None:
    """A FailedScheduling message into its per-reason node counts; None if it is not a FitError."""
    fit = _FIT.search(message)
    if fit is None:
        legacy = _LEGACY.search(message)
        if legacy is None:
            return None
        reasons = tuple((int(m["count"]), m["reason"].strip()) for m in _LEGACY_REASON.finditer(legacy["body"]))
        return Fit(None, reasons, "")
    total = int(fit["total"])
    body, _, preemption = fit["body"].partition(" preemption: ")
    body = re.sub(r",? ?no new claims to deallocate,?$", "", body.strip())
    reasons = []
    for part in _SPLIT.split(body.rstrip(". ")):
        part = part.strip().rstrip(".")
        if not part:
            continue
        counted = _COUNTED.match(part)
        reasons.append((int(counted["count"]), counted["reason"].strip()) if counted else (total, part))
    return Fit(total, tuple(reasons), preemption.strip())


def fit_error(total: int, reasons: dict[str, int], prefilter: str | None = None, preemption: bool = True,
              minor: int | None = None) -> str:
    """The FailedScheduling message the current scheduler writes, e.g.
    fit_error(3, {"Insufficient cpu": 2, UNTOLERATED_TAINTS: 1}) ->
    '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. preemption: 0/3 nodes
    are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.'
    From Kubernetes 1.34 (`minor`), the dynamic resource allocation plugin's PostFilter speaks first:
    '... no new claims to deallocate, preemption: ...'."""
    if prefilter:
        main = f"0/{total} nodes are available: {prefilter}."
        post = f"0/{total} nodes are available: {total} {NOT_HELPFUL}."
    else:
        main = f"0/{total} nodes are available: " + ", ".join(sorted(f"{n} {r}" for r, n in reasons.items())) + "."
        helpful = sum(n for r, n in reasons.items() if _RESOLVABLE.match(r))
        post_reasons = {NO_VICTIMS: min(helpful, total), NOT_HELPFUL: max(total - helpful, 0)}
        post = f"0/{total} nodes are available: " + ", ".join(
            sorted(f"{n} {r}" for r, n in post_reasons.items() if n)) + "."
    if not preemption:
        return main
    return f"{main} {_DRA_POSTFILTER if minor is not None and minor >= _DRA_SINCE else ''}preemption: {post}"
