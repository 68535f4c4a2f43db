"""From what was read to what is wrong: facts, candidate causes, the root cause.

For each pod the state (phase, conditions, the container that holds it up) decides which stages of
the pipeline are still open; every fact (an event, a container state, a scheduler reason, a node
condition) is matched against the catalogue's signs; causes of open stages are candidates, the
others are ruled out with the reason; the most confident candidate is the root cause. Objects seen
only through events (a ReplicaSet that cannot create pods) keep every stage open, but a failure that
a later event shows was got past (FailedScheduling, then Scheduled) is ruled out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

from kubelint_py.diagnose import scheduler
from kubelint_py.diagnose.catalogue import Cause, Sign, catalogue, fill
from kubelint_py.diagnose.describe import quote
from kubelint_py.diagnose.model import STAGES, Container, Event, Node, Parsed, Subject
from kubelint_py.diagnose.state import display_status, focus_container, node_down, open_stages, readiness

# Events that prove a pod got past a stage (a later failure of that stage is then a new one).
PROGRESS = {"Scheduled": {"scheduling"}, "Pulled": {"image-pull"},
            "Started": {"scheduling", "image-pull", "volume-config", "container-create"},
            "SuccessfulCreate": {"admission"}}
MAX_EVIDENCE = 6
_ASSIGNED = re.compile(r"^Successfully assigned (?:[^/\s]+/)?\S+ to (?P<node>\S+)")
_IMAGE_IN_MESSAGE = re.compile(r'image "(?P<image>[^"]+)"')
_CONTAINER_IN_MESSAGE = re.compile(r'(?:failed container[= ]|(?:Created|Started|Stopping) container |Container )"?(?P<container>[a-z0-9][a-z0-9-]*)')
_INCIDENTAL_TAINT = re.compile(r"node-role\.kubernetes\.io/(?:control-plane|master)")
# Evidence lines that make a cause's field concrete: the memory limit next to OOMKilled, the probe
# definition next to its failures.
_FIELD_QUOTES = {"memory-limit": ("limits.memory",), "image": ("image",), "livenessProbe": ("liveness",),
                 "readinessProbe": ("readiness",), "startupProbe": ("startup",),
                 "memory-request": ("requests.memory", "limits.memory")}


@dataclass
class Fact:
    kind: str
    reason: str
    text: str
    quote: str
    container: Container | None = None
    when: float | None = None
    values: dict[str, str] = field(default_factory=dict)
    weight: float = 1.0  # how much of the cluster a scheduler reason covers


@dataclass
class Diagnosis:
    cause: Cause
    summary: str
    fix: str
    commands: list[str]
    evidence: list[str]
    confidence: float
    values: dict[str, str]  # the placeholders, for linking to manifests and other entries
    manifest: dict | None = None


@dataclass
class RuledOut:
    cause: Cause
    why: str


@dataclass
class Entry:
    """What `kubelint diagnose` says about one pod, object or node."""

    kind: str
    namespace: str | None
    name: str
    status: str
    ready: bool | None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    ruled_out: list[RuledOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subject: Subject | None = None
    node: Node | None = None

    @property
    def healthy(self) -> bool:
        return bool(self.diagnoses) and all(d.cause.healthy for d in self.diagnoses)


# --- the sign index -------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _index(for_node: bool) -> dict[str, dict[str, list[tuple[Sign, Cause]]]]:
    """fact kind -> reason -> (sign, cause); reason "*" for signs whose reason is a pattern. Looking
    signs up by an event's reason keeps a 30,000-event dump from running every pattern on every event."""
    index: dict[str, dict[str, list[tuple[Sign, Cause]]]] = {}
    for cause in catalogue().values():
        if cause.for_node != for_node:
            continue
        for sign in cause.signs:
            by_reason = index.setdefault(sign.on, {})
            for reason in sign.literal_reasons or ("*",):
                by_reason.setdefault(reason, []).append((sign, cause))
    return index


def _signs_for(index: dict, fact: Fact) -> list[tuple[Sign, Cause]]:
    by_reason = index.get(fact.kind)
    if not by_reason:
        return []
    return by_reason.get(fact.reason, []) + by_reason.get("*", [])


# --- facts -----------------------------------------------------------------------------------------


def _join(*quotes: str | None) -> str:
    return " | ".join(q for q in quotes if q)


def _state_facts(container: Container) -> list[Fact]:
    q = container.quotes
    facts = []
    if container.state == "waiting":
        facts.append(Fact("waiting", container.reason, container.message,
                          _join(q.get("state"), q.get("state.Reason"), q.get("state.Message")), container))
    elif container.state == "terminated" and container.terminated:
        t = container.terminated
        facts.append(Fact("terminated", t.reason, f"exit={t.exit_code} {t.message}".strip(),
                          _join(q.get("state"), q.get("state.Reason"), q.get("state.Exit Code"),
                                _message(t.message)), container))
    elif container.state == "running" and container.ready is not None:
        facts.append(Fact("running", "Ready" if container.ready else "NotReady", "",
                          _join(q.get("state"), q.get("ready")), container))
    if container.last:
        t = container.last
        facts.append(Fact("last", t.reason, f"exit={t.exit_code} {t.message}".strip(),
                          _join(q.get("last"), q.get("last.Reason"), q.get("last.Exit Code"),
                                _message(t.message)), container))
    return facts


def _message(text: str) -> str:
    """A termination message as its first and last lines: a traceback's last line says what failed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return f"Message:  {lines[0]}" + (f" … {lines[-1]}" if len(lines) > 1 else "")


def _fit_facts(message: str, quote: str, when: float | None) -> list[Fact]:
    fit = scheduler.parse(message)
    if fit is None:
        return []
    facts = []
    total = fit.total or max((n for n, _ in fit.reasons), default=0)
    tainted = any("taint" in r and not _INCIDENTAL_TAINT.search(r) for _, r in fit.reasons)
    for count, reason in fit.reasons:
        weight = count / total if total else 1.0
        if _INCIDENTAL_TAINT.search(reason) and len(fit.reasons) > 1:
            weight *= 0.4  # control-plane nodes refuse ordinary pods by design
        if tainted and reason.startswith("Insufficient ") and "/" in reason:
            weight *= 0.6  # extended resources (GPUs) live on dedicated, tainted nodes: the taint is the block
        facts.append(Fact("fit", "", reason, quote, when=when, weight=max(weight, 0.3),
                          values={"count": str(count), "total": str(fit.total or "?")}))
    return facts


def _event_container(event: Event, subject: Subject) -> Container | None:
    if event.field_path:
        name = event.field_path[event.field_path.find("{") + 1:event.field_path.rfind("}")]
        for container in subject.all_containers:
            if container.name == name:
                return container
    image = _IMAGE_IN_MESSAGE.search(event.message)
    if image:
        for container in subject.all_containers:
            if container.image and container.image in image["image"]:
                return container
    return None


def _unique_events(events: list[Event]) -> list[Event]:
    """The latest of each (reason, message): describe and `get events` of the same pod repeat them."""
    latest: dict[tuple[str, str], Event] = {}
    for event in events:
        key = (event.reason, event.message)
        kept = latest.get(key)
        if kept is None or (event.when or float("-inf")) >= (kept.when or float("-inf")):
            latest[key] = event
    return list(latest.values())


def subject_facts(subject: Subject, status: str, node: Node | None) -> list[Fact]:
    facts: list[Fact] = []
    q = subject.quotes
    status_reason = status
    if status == "Running" and readiness(subject) is False:
        status_reason = "NotReady"  # kubectl prints Running; READY tells them apart
    if status_reason:
        facts.append(Fact("status", status_reason, "", q.get("status", "")))
    if subject.reason or subject.message:
        facts.append(Fact("pod", subject.reason, subject.message, _join(q.get("reason"), q.get("message"))))
    if subject.deleting:
        facts.append(Fact("deleting", "Terminating", "", _join(q.get("status"), q.get("grace"))))
        facts.extend(Fact("finalizer", f, "", q.get("finalizers", "")) for f in subject.finalizers)
    for ctype, (cstatus, reason, message) in subject.conditions.items():
        quote = q.get(f"condition:{ctype}", f"{ctype} {cstatus}")
        facts.append(Fact("condition", f"{ctype}={cstatus}", f"{reason} {message}".strip(), quote))
        if ctype == "PodScheduled" and cstatus == "False" and message:
            facts.extend(_fit_facts(message, quote, None))
    for container in subject.all_containers:
        facts.extend(_state_facts(container))
    for event in _unique_events(subject.events):
        facts.append(Fact("event", event.reason, event.message, event.quote, _event_container(event, subject),
                          event.when))
        if event.reason == "FailedScheduling":
            facts.extend(_fit_facts(event.message, event.quote, event.when))
    if node is not None:
        facts.extend(node_facts(node))
    return facts


def node_facts(node: Node) -> list[Fact]:
    facts = []
    for ctype, (cstatus, reason, message) in node.conditions.items():
        facts.append(Fact("node", f"{ctype}={cstatus}", f"{reason} {message}".strip(),
                          node.quotes.get(f"condition:{ctype}", f"{ctype} {cstatus}")))
    facts.extend(Fact("node", "Taint", taint, node.quotes.get("taints", taint)) for taint in node.taints)
    if node.unschedulable:
        facts.append(Fact("node", "Unschedulable", "", node.quotes.get("unschedulable", "Unschedulable: true")))
    for resource, requests in node.allocated.items():
        facts.append(Fact("node", "Allocated", f"{resource} {requests}", node.quotes.get(f"allocated:{resource}", "")))
    for event in _unique_events(node.events):
        facts.append(Fact("event", event.reason, event.message, event.quote, when=event.when))
    return facts


# --- matching and choosing --------------------------------------------------------------------------


@dataclass
class _Candidate:
    cause: Cause
    facts: list[Fact] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0


def _match(facts: list[Fact], for_node: bool) -> dict[str, _Candidate]:
    index = _index(for_node)
    candidates: dict[str, _Candidate] = {}
    for fact in facts:
        for sign, cause in _signs_for(index, fact):
            found = sign.match(fact.reason, fact.text)
            if not found:
                continue
            candidate = candidates.setdefault(cause.id, _Candidate(cause))
            if fact not in candidate.facts:
                candidate.facts.append(fact)
            if found is not True:
                for key, value in found.groupdict().items():
                    if value and key not in candidate.groups:
                        candidate.groups[key] = value
            for key, value in fact.values.items():
                candidate.groups.setdefault(key, value)
            candidate.confidence = max(candidate.confidence, cause.confidence * fact.weight)
    for candidate in candidates.values():
        boost = 0.0
        for fact in facts:
            if fact not in candidate.facts and any(s.on == fact.kind and s.match(fact.reason, fact.text)
                                                   for s in candidate.cause.support):
                candidate.facts.append(fact)
                boost += 0.03
        candidate.confidence = min(0.99, candidate.confidence + min(boost, 0.06))
    return candidates


def _progress(subject: Subject) -> dict[str, float]:
    """Stage -> when a later event shows the object got past it."""
    passed: dict[str, float] = {}
    for event in subject.events:
        if event.when is None:
            continue
        for stage in PROGRESS.get(event.reason, ()):
            passed[stage] = max(passed.get(stage, event.when), event.when)
    return passed


def _resolved(candidate: _Candidate, passed: dict[str, float]) -> str | None:
    mark = passed.get(candidate.cause.stage)
    if mark is None:
        return None
    times = [f.when for f in candidate.facts if f.kind in ("event", "fit")]
    if times and all(t is not None and t < mark for t in times):
        return f"resolved: a later event shows the pod got past {candidate.cause.stage}"
    return None


def _why_out(stage: str, open_: set[str], status: str) -> str:
    shown = status or "in this state"
    latest = max(STAGES.index(s) for s in open_) if open_ else 0
    if STAGES.index(stage) < latest:
        return f"no longer current: the pod is past {stage}, it is {shown}"
    return f"does not fit the pod's state ({shown})"


def choose(candidates: dict[str, _Candidate], open_: set[str] | None, passed: dict[str, float],
           status: str, running: bool = True) -> tuple[list[_Candidate], list[RuledOut]]:
    kept, ruled_out = [], []
    for candidate in candidates.values():
        stage = candidate.cause.stage
        if candidate.cause.only_running and not running:
            ruled_out.append(RuledOut(candidate.cause, "a symptom: the container is not running, so it cannot be ready"))
            continue
        if open_ is not None and stage not in open_:
            if not candidate.cause.generic and not candidate.cause.healthy:
                ruled_out.append(RuledOut(candidate.cause, _why_out(stage, open_, status)))
            continue
        resolved = _resolved(candidate, passed)
        if resolved:
            if not candidate.cause.generic:
                ruled_out.append(RuledOut(candidate.cause, resolved))
            continue
        kept.append(candidate)
    specific = any(not c.cause.generic and not c.cause.healthy for c in kept)
    problems = any(not c.cause.healthy for c in kept)
    kept = [c for c in kept if not (c.cause.generic and specific) and not (c.cause.healthy and problems)]
    kept.sort(key=lambda c: (-c.confidence, STAGES.index(c.cause.stage)))
    return kept, ruled_out


# --- putting an entry together ----------------------------------------------------------------------


def _probe_failure(text: str) -> str:
    code = re.search(r"statuscode: (\d+)", text)
    if code:
        return f"HTTP {code[1]} from the endpoint"
    if "connection refused" in text:
        return "connection refused: nothing listens on the probed port"
    if re.search(r"deadline exceeded|timeout|timed out|Client\.Timeout", text):
        return "no answer within timeoutSeconds"
    if "NOT_SERVING" in text:
        return "the gRPC health service answers NOT_SERVING"
    return text.strip()[:120] or "no output"


def _values(candidate: _Candidate, subject: Subject | None, node: Node | None) -> dict[str, str]:
    values: dict[str, str] = {}
    container = next((f.container for f in candidate.facts if f.container), None)
    if subject is not None:
        container = container or focus_container(subject)
        values.update(pod=subject.name, name=subject.name, kind=subject.kind, namespace=subject.namespace or "default",
                      node=subject.node, reason=subject.reason)
    if node is not None:
        values.update(node=node.name, name=node.name, kind="Node")
    if container is not None:
        values.update(container=container.name, image=container.image,
                      limit_memory=container.limits.get("memory", "no limit set"),
                      restarts=str(container.restarts) if container.restarts is not None else "")
        state = container.last or container.terminated
        if state and state.exit_code is not None:
            values["exit_code"] = str(state.exit_code)
    for fact in candidate.facts:
        if fact.kind in ("event", "waiting") and not values.get("image"):
            image = _IMAGE_IN_MESSAGE.search(fact.text)
            if image:
                values["image"] = image["image"]
        if fact.kind == "event" and not values.get("container"):
            named = _CONTAINER_IN_MESSAGE.search(fact.text)
            if named:
                values["container"] = named["container"]
        if fact.kind == "event" and fact.reason in ("Unhealthy", "Killing") and "probe_failure" not in values:
            if fact.reason == "Unhealthy":
                values["probe_failure"] = _probe_failure(fact.text.partition("failed:")[2])
        if fact.kind == "node" and "text" not in values:
            values["text"] = fact.text
        if fact.kind == "finalizer":
            values["reason"] = fact.reason
    values.setdefault("probe_failure", "failing repeatedly")
    values.update(candidate.groups)
    if "code" in values:
        values["exit_code"] = values["code"]
    return values


def _diagnosis(candidate: _Candidate, subject: Subject | None, node: Node | None) -> Diagnosis:
    cause = candidate.cause
    values = _values(candidate, subject, node)
    container = next((f.container for f in candidate.facts if f.container), None)
    if container is None and subject is not None:
        container = focus_container(subject)
    if cause.id == "running-ready" and subject is not None:
        values["restart_note"] = _restart_note(subject)
    evidence = []
    if container is not None and not cause.healthy and subject is not None:
        state = next((f.quote for f in _state_facts(container) if f.kind != "running" or cause.stage == "probes"), "")
        if state:
            evidence.append(state)
    for fact in sorted(candidate.facts, key=lambda f: f.when if f.when is not None else float("-inf")):
        line = quote(fact.quote)  # table rows are kept raw until they become evidence
        if line and line not in evidence:
            evidence.append(line)
    if container is not None:
        for key in _FIELD_QUOTES.get(cause.field, ()):
            if container.quotes.get(key) and container.quotes[key] not in evidence:
                evidence.append(container.quotes[key])
    # The commands are for pasting into a shell: a value read from the input is quoted for it
    shell = {key: shlex.quote(str(value)) for key, value in values.items() if value not in (None, "")}
    return Diagnosis(cause, fill(cause.summary, values), fill(cause.fix, values),
                     [fill(c, shell) for c in cause.confirm], evidence[-MAX_EVIDENCE:],
                     round(candidate.confidence, 2), values)


def _restart_note(subject: Subject) -> str:
    restarts = sum(c.restarts or 0 for c in subject.containers)
    if not restarts:
        return ""
    last = next((c.last for c in subject.containers if c.last), None)
    detail = f", last exit {last.reason or 'code'} {last.exit_code}" if last else ""
    return f" (restarted {restarts} time{'s' if restarts != 1 else ''}{detail})"


def _related_node(subject: Subject, nodes: dict[str, Node]) -> Node | None:
    if not subject.node:
        for event in subject.events:
            assigned = _ASSIGNED.match(event.message) if event.reason == "Scheduled" else None
            if assigned:
                subject.node = assigned["node"]
            elif event.host and event.source == "kubelet":
                subject.node = event.host
    return nodes.get(subject.node)


def diagnose_subject(subject: Subject, node: Node | None) -> Entry:
    status = display_status(subject)
    facts = subject_facts(subject, status, node)
    open_ = open_stages(subject, status, node_down(node, subject))
    passed = _progress(subject) if open_ is None else {}
    focus = focus_container(subject) if subject.has_state else None
    running = focus is None or focus.state == "running"
    kept, ruled_out = choose(_match(facts, for_node=False), open_, passed, status, running)
    entry = Entry(subject.kind, subject.namespace, subject.name, status, readiness(subject),
                  [_diagnosis(c, subject, node) for c in kept], ruled_out, subject=subject, node=node)
    if not entry.status and entry.diagnoses:
        entry.status = entry.diagnoses[0].cause.status  # only events were seen: what they imply
    if subject.truncated and subject.source == "describe":
        entry.notes.append("the input ends before this object's Events section; events often hold the cause")
    if subject.kind == "Pod" and subject.source == "describe" and not subject.events and not subject.truncated \
            and not entry.healthy:
        entry.notes.append("no events (they expire after an hour): `kubectl get pod -o yaml` shows the waiting "
                           "and termination messages describe leaves out")
    if not entry.diagnoses:
        entry.notes.append("nothing in the input explains this object's state; describe it for its events")
    return entry


def diagnose_node(node: Node) -> Entry:
    kept, _ = choose(_match(node_facts(node), for_node=True), None, {}, "")
    ready = node.conditions.get("Ready", ("",))[0]
    status = node.table_status or ("Ready" if ready == "True" else "NotReady" if ready else "")
    if node.unschedulable and "SchedulingDisabled" not in status:
        status = f"{status},SchedulingDisabled".lstrip(",")
    return Entry("Node", None, node.name, status, ready == "True" if ready else None,
                 [_diagnosis(c, None, node) for c in kept], node=node)


def diagnose(parsed: Parsed) -> list[Entry]:
    nodes = {node.name: node for node in parsed.nodes}
    entries = []
    for subject in parsed.subjects:
        warned = any(e.type == "Warning" for e in subject.events)
        if subject.source == "events" and not warned:
            continue  # only normal events: nothing to say about it
        entry = diagnose_subject(subject, _related_node(subject, nodes))
        if entry.diagnoses or warned or subject.kind == "Pod":
            entries.append(entry)  # a controller with nothing wrong is left out, a pod never
    entries.extend(diagnose_node(node) for node in parsed.nodes)
    return entries
