"""`kubectl describe pod|node|<controller>` text into Subjects and Nodes, kubectl 1.9 to the newest.

describe writes `Key:  value` lines whose nesting is their indentation (0, 2, 4, 6 spaces), tables
for conditions and events, and continuation lines for multi-valued fields (labels, tolerations) and
multi-line termination messages (which restart at column 0). The parser walks the lines once,
keeping the section and container it is in; see the layout notes in docs/diagnose.md.
"""

from __future__ import annotations

import re

from kubelint_py.diagnose.model import Container, Event, Node, Subject, Terminated
from kubelint_py.diagnose.text import FIELD, columns, join_wrapped, parse_age, split_row, to_int

# Top-level keys of describe pod across versions; a column-0 line with another key inside a
# termination message is part of the message.
POD_KEYS = frozenset((
    "Name", "Namespace", "Priority", "Priority Class Name", "PriorityClassName", "Runtime Class Name",
    "Service Account", "Node", "Start Time", "Labels", "Annotations", "Status", "Reason", "Message",
    "SeccompProfile", "IP", "IPs", "Controlled By", "Controllers", "NominatedNodeName", "Resources",
    "Init Containers", "Containers", "Ephemeral Containers", "Readiness Gates", "Conditions", "Volumes",
    "QoS Class", "Node-Selectors", "Tolerations", "Topology Spread Constraints", "Events",
    "Termination Grace Period", "SchedulingGroup", "Security Policy",
))
NODE_MARKERS = frozenset(("Roles", "Taints", "Capacity", "Allocatable", "System Info", "Non-terminated Pods"))
_CONTAINER_KEYS = frozenset((
    "Container ID", "Image", "Image ID", "Port", "Ports", "Host Port", "Host Ports", "SeccompProfile", "Command",
    "Args", "State", "Last State", "Ready", "Restart Count", "Limits", "Requests", "Liveness", "Readiness",
    "Startup", "Environment Variables from", "Environment", "Mounts", "Devices", "Restart Policy",
    "Resize Policy", "Allocated Resources", "Allocated Resources Status", "Started", "User",
))
_STATE_KEYS = frozenset(("Reason", "Message", "Exit Code", "Signal", "Started", "Finished"))
_EVENT_TYPES = frozenset(("Normal", "Warning"))
_SPACES = re.compile(r"\s{2,}")
# Kinds told apart by the fields only they print.
_KIND_MARKERS = (
    ("CronJob", ("Schedule", "Concurrency Policy")),
    ("Job", ("Completions", "Parallelism", "Pods Statuses")),
    ("DaemonSet", ("Desired Number of Nodes Scheduled",)),
    ("StatefulSet", ("Update Strategy", "Volume Claims")),
    ("Deployment", ("StrategyType", "NewReplicaSet", "OldReplicaSets")),
    ("ReplicaSet", ("Replicas", "Pods Status")),
    ("PersistentVolumeClaim", ("StorageClass", "Access Modes", "VolumeMode")),
    ("Service", ("Endpoints", "TargetPort", "Session Affinity")),
)


def quote(line: str) -> str:
    """An input line as evidence: stripped, tabwriter padding squeezed to two spaces."""
    return _SPACES.sub("  ", line.strip())


def top_keys(lines: list[str]) -> set[str]:
    keys = set()
    for line in lines:
        if line[:1].isalpha():
            match = FIELD.match(line)
            if match:
                keys.add(match["key"])
    return keys


def kind_of(keys: set[str]) -> str | None:
    """Which object a describe block shows, or None when it is too short to tell (truncated)."""
    if keys & NODE_MARKERS and "Namespace" not in keys:
        return "Node"
    if "Containers" in keys and "Pod Template" not in keys:
        return "Pod"
    for kind, markers in _KIND_MARKERS:
        if keys.intersection(markers):
            return kind
    if "Events" in keys and "Name" in keys:
        return "Object"
    if "Name" in keys and "Namespace" in keys and ("Status" in keys or "Node" in keys):
        return "Pod"  # a pod whose output was cut before Containers:
    return None


def parse_events(lines: list[str], start: int, kind: str, namespace: str | None, name: str) -> tuple[list[Event], int]:
    """The events table that follows an `Events:` line; returns the events and the index after it."""
    events: list[Event] = []
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not re.match(r"^\s+(Type|FirstSeen|LastSeen|First Seen)\b", lines[i]):
        return events, start
    cols = columns(lines[i])
    i += 1
    previous = ""
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line[:1].isalpha() and FIELD.match(line) and FIELD.match(line)["key"] in POD_KEYS | {"Name"}:
            break  # the next object's describe, pasted right after
        if set(line.strip()) <= {"-", " "}:
            i += 1
            continue
        cells = split_row(line, cols)
        event_type = cells.get("type", "")
        if event_type in _EVENT_TYPES:
            events.append(_event(cells, kind, namespace, name))
        elif events:  # a message the terminal wrapped
            last = events[-1]
            last.message = join_wrapped(last.message, previous, line)
            last.quote = join_wrapped(last.quote, previous, line)
        else:
            break
        previous = line
        i += 1
    return events, i


def _event(cells: dict[str, str], kind: str, namespace: str | None, name: str) -> Event:
    if "age" in cells:
        last, count, _ = parse_age(cells["age"])
    else:  # kubectl <= 1.9: FirstSeen LastSeen Count From SubObjectPath Type Reason Message
        last, _, _ = parse_age(cells.get("lastseen", cells.get("last seen", "")))
        count = to_int(cells.get("count")) or 1
    source, host = _source(cells.get("from", ""))
    message, field_path = _field_path(cells.get("message", ""))
    field_path = field_path or cells.get("subobjectpath", "")
    text = "  ".join(cells[c] for c in ("type", "reason", "age", "from", "message") if cells.get(c))
    return Event(cells.get("type", ""), cells.get("reason", ""), message, source, host, count,
                 -last if last is not None else None, kind, namespace, name, field_path, text)


def _source(text: str) -> tuple[str, str]:
    """`kubelet` (1.20+), `kubelet, node-1` (older), `{kubelet 10.3.9.6}` (1.9) -> (component, host)."""
    text = text.strip().strip("{}")
    if "," in text:
        component, host = text.split(",", 1)
        return component.strip(), host.strip()
    if " " in text:
        component, host = text.split(" ", 1)
        return component, host.strip()
    return text, ""


_FIELD_PREFIX = re.compile(r"^(spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]*\}): ")


def _field_path(message: str) -> tuple[str, str]:
    """kubectl 1.35+ prefixes container events with the field path: `spec.containers{app}: Pulling ...`."""
    match = _FIELD_PREFIX.match(message)
    return (message[match.end():], match.group(1)) if match else (message, "")


def parse(lines: list[str], file: str, first_line: int) -> Subject | Node | str:
    """One describe block; a one-line explanation instead when it cannot be read."""
    keys = top_keys(lines)
    kind = kind_of(keys)
    if kind is None:
        return (f"{file}:{first_line}: truncated or unrecognised `kubectl describe` output "
                f"(it has only {', '.join(sorted(keys)) or 'no fields'}); expected the whole output of "
                "kubectl describe pod, node or a controller")
    if kind == "Node":
        return _parse_node(lines, file)
    return _parse_subject(lines, file, kind)


class _PodReader:
    """The walk over one describe pod (or controller) block."""

    def __init__(self, subject: Subject):
        self.subject = subject
        self.section = ""
        self.container: Container | None = None
        self.sub = ""  # the container field whose indented lines follow: State, Last State, Limits, ...
        self.state: Terminated | None = None
        self.message_target: tuple[object, str] | None = None  # (object, attribute) a message continues
        self.volume: list[str] | None = None

    def line(self, raw: str) -> None:
        stripped = raw.strip()
        match = FIELD.match(raw)
        indent = len(raw) - len(raw.lstrip(" "))
        if indent == 0 and match and (match["key"] in POD_KEYS or (self.message_target is None and raw[:1].isupper())):
            self.message_target = None
            self.top(match["key"], match["value"] or "", raw)
            return
        if self.message_target is not None:
            if not (match and ((indent == 6 and match["key"] in _STATE_KEYS) or
                               (indent in (2, 4) and (match["key"] in _CONTAINER_KEYS or not match["value"])))):
                target, attribute = self.message_target
                setattr(target, attribute, f"{getattr(target, attribute)}\n{stripped}".strip())
                return
            self.message_target = None
        if self.section in ("Containers", "Init Containers", "Ephemeral Containers"):
            self.container_line(indent, match, raw)
        elif self.section == "Conditions" and indent == 2:
            parts = stripped.split()
            if len(parts) >= 2 and parts[:2] != ["Type", "Status"] and not set(stripped) <= {"-", " "}:
                self.subject.conditions[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "", "")
                self.subject.quotes[f"condition:{parts[0]}"] = quote(raw)
        elif self.section == "Volumes" and match:
            self.volume_line(indent, match)
        elif self.section in ("Labels", "Annotations") and match and indent > 4:
            pass  # further labels and annotations
        elif self.section == "Status" and match and match["key"] == "Termination Grace Period":
            self.subject.quotes["grace"] = quote(raw)

    def top(self, key: str, value: str, raw: str) -> None:
        subject = self.subject
        self.section, self.container, self.sub = key, None, ""
        if key == "Name":
            subject.name = value
        elif key == "Namespace":
            subject.namespace = value
        elif key == "Node":
            subject.node = "" if value in ("<none>", "") else value.split("/", 1)[0]
            subject.quotes["node"] = quote(raw)
        elif key == "Status":
            subject.has_state = subject.kind == "Pod"
            if value.startswith("Terminating"):
                subject.deleting = True
            else:
                subject.phase = value.split()[0] if value else ""
            subject.quotes["status"] = quote(raw)
        elif key == "Termination Grace Period":
            subject.quotes["grace"] = quote(raw)
        elif key in ("Reason", "Message"):
            setattr(subject, key.lower(), value)
            subject.quotes[key.lower()] = quote(raw)
            if key == "Message":
                self.message_target = (subject, "message")
        elif key in ("Controlled By", "Controllers"):
            subject.controlled_by = value
            subject.quotes["controller"] = quote(raw)
        elif key in ("QoS Class", "Node-Selectors", "Tolerations", "NominatedNodeName"):
            subject.quotes[key] = quote(raw)

    def container_line(self, indent: int, match: re.Match | None, raw: str) -> None:
        if match is None:
            return
        key, value = match["key"], match["value"] or ""
        if indent == 2 and not value:
            self.container = Container(key, init=self.section == "Init Containers")
            if self.section == "Containers":
                self.subject.containers.append(self.container)
            elif self.section == "Init Containers":
                self.subject.init_containers.append(self.container)
            self.sub = ""
            return
        container = self.container
        if container is None:
            return
        if indent == 4:
            self.container_field(container, key, value, raw)
        elif indent == 6 and self.sub in ("State", "Last State") and self.state is not None:
            self.state_field(container, key, value, raw)
        elif indent == 6 and self.sub in ("Limits", "Requests"):
            (container.limits if self.sub == "Limits" else container.requests)[key] = value
            container.quotes[f"{self.sub.lower()}.{key}"] = f"{self.sub}:  {quote(raw)}"

    def container_field(self, container: Container, key: str, value: str, raw: str) -> None:
        self.sub = key
        self.state = None
        if key == "Image":
            container.image = value
            container.quotes["image"] = quote(raw)
        elif key == "State":
            container.state = value.split()[0].lower() if value else ""
            container.quotes["state"] = quote(raw)
            if container.state == "terminated":
                container.terminated = Terminated()
                self.state = container.terminated
            elif container.state:
                self.state = Terminated()  # waiting/running sub-fields: Reason, Started
        elif key == "Last State":
            if value.startswith("Terminated"):
                container.last = Terminated()
                self.state = container.last
                container.quotes["last"] = quote(raw)
        elif key == "Ready":
            container.ready = value == "True"
            container.quotes["ready"] = quote(raw)
        elif key == "Restart Count":
            container.restarts = to_int(value)
            container.quotes["restarts"] = quote(raw)
        elif key in ("Liveness", "Readiness", "Startup"):
            container.probes[key.lower()] = value
            container.quotes[key.lower()] = quote(raw)
        elif key == "Restart Policy" and value == "Always":
            container.sidecar = container.init
        elif key == "Started":
            container.started = value == "True"

    def state_field(self, container: Container, key: str, value: str, raw: str) -> None:
        state = self.state
        prefix = "last" if self.sub == "Last State" else "state"
        container.quotes[f"{prefix}.{key}"] = quote(raw)
        if key == "Reason":
            state.reason = value
            if self.sub == "State":
                container.reason = value
        elif key == "Message":
            state.message = value
            target = state
            if self.sub == "State":
                container.message = value
                target = container if container.terminated is None else state
            self.message_target = (target, "message")
        elif key == "Exit Code":
            state.exit_code = to_int(value)
        elif key == "Signal":
            state.signal = to_int(value)
        elif key == "Started":
            state.started = value
        elif key == "Finished":
            state.finished = value

    def volume_line(self, indent: int, match: re.Match) -> None:
        key, value = match["key"], match["value"] or ""
        if indent == 2 and not value:
            self.volume = [key, "", ""]
            self.subject.volumes.append(tuple(self.volume))
        elif indent == 4 and self.volume is not None:
            if key == "Type":
                self.volume[1] = value.split(" (")[0]
            elif key in ("Name", "SecretName", "ClaimName") and value:
                self.volume[2] = value
            self.subject.volumes[-1] = tuple(self.volume)


def _parse_subject(lines: list[str], file: str, kind: str) -> Subject:
    subject = Subject(kind, None, "", "describe", file)
    reader = _PodReader(subject)
    i, saw_events = 0, False
    while i < len(lines):
        raw = lines[i]
        if raw.startswith("Events:"):
            saw_events = True
            reader.top("Events", "", raw)
            events, i = parse_events(lines, i + 1, subject.kind, subject.namespace, subject.name)
            subject.events.extend(events)
            continue
        if raw.strip():
            reader.line(raw)
        i += 1
    if subject.kind == "Pod" and subject.containers:
        subject.has_state = True
    subject.truncated = not saw_events
    if subject.kind == "Pod" and not subject.containers:
        subject.truncated = True
    return subject


def _parse_node(lines: list[str], file: str) -> Node:
    node = Node("", "describe", file)
    section, i = "", 0
    table: list[tuple[str, int]] | None = None
    while i < len(lines):
        raw = lines[i]
        match = FIELD.match(raw)
        if raw.startswith("Events:"):
            events, i = parse_events(lines, i + 1, "Node", None, node.name)
            node.events.extend(events)
            continue
        i += 1
        if not raw.strip():
            continue
        if raw[:1].isalpha() and match:
            section, table = match["key"], None
            value = match["value"] or ""
            if section == "Name":
                node.name = value
            elif section == "Taints" and value != "<none>":
                node.taints.append(value)
                node.quotes["taints"] = quote(raw)
            elif section == "Unschedulable":
                node.unschedulable = value == "true"
                node.quotes["unschedulable"] = quote(raw)
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if section == "Taints" and indent > 2:
            node.taints.append(raw.strip())
        elif section in ("Conditions", "Allocated resources", "Non-terminated Pods"):
            if table is None:
                if re.match(r"^\s+(Type|Resource|Namespace)\s", raw):
                    table = columns(raw)
                continue
            if set(raw.strip()) <= {"-", " "}:
                continue
            cells = split_row(raw, table)
            if section == "Conditions" and cells.get("type"):
                node.conditions[cells["type"]] = (cells.get("status", ""), cells.get("reason", ""), cells.get("message", ""))
                node.quotes[f"condition:{cells['type']}"] = quote(raw)
            elif section == "Allocated resources" and cells.get("resource"):
                node.allocated[cells["resource"]] = cells.get("requests", "")
                node.quotes[f"allocated:{cells['resource']}"] = quote(raw)
            elif section == "Non-terminated Pods" and cells.get("name"):
                node.pods.append((cells.get("namespace", ""), cells["name"]))
        elif section == "Allocatable" and match and indent == 2:
            node.allocatable[match["key"]] = match["value"] or ""
    return node
