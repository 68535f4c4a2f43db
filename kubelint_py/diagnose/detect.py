"""Which kubectl output is this? Splits an input into blocks (a describe, a table, YAML or JSON
objects) by the lines that start them, hands each block to its parser, and gathers the results.

Lines outside any block (a shell prompt, a sentence pasted with the output) are skipped. One
linear pass; each line is tested against a few anchored patterns only if its first character can
start a block, so garbage and huge logs cost little.
"""

from __future__ import annotations

import re

from kubelint_py import loader
from kubelint_py.diagnose import describe, objects, tables
from kubelint_py.diagnose.model import Event, Node, Parsed, Subject

_STARTS = (
    ("describe", re.compile(r"^Name:[ \t]")),
    ("events", re.compile(r"^(?:NAMESPACE {2,})?LAST ?SEEN {2,}(?:TYPE|FIRST ?SEEN) ")),
    ("pods", re.compile(r"^(?:NAMESPACE {2,})?NAME {2,}READY {2,}STATUS {2,}RESTARTS")),
    ("nodes", re.compile(r"^NAME {2,}STATUS {2,}ROLES {2,}AGE")),
    ("object", re.compile(r"^(?:apiVersion:|kind:|items:|\{|\[\s*$|---\s*$)")),
)
_FIRST = frozenset("NLa" "ki{[-")
_PROMPT = re.compile(r"^\S*[$#>%] +(?:sudo +)?kubectl |^kubectl +\w")
_ASSIGNED = re.compile(r"^Successfully assigned (?P<namespace>[^/\s]+)/")
EXPECTED = ("expected the output of kubectl describe pod|node, kubectl get pod -o yaml|json, kubectl get events "
            "(plain, -A or -o wide), kubectl events, kubectl get pods or kubectl get nodes")


def _kind_of_line(line: str) -> str | None:
    if not line or line[0] not in _FIRST:
        return None
    for kind, pattern in _STARTS:
        if pattern.match(line):
            return kind
    return None


def blocks(text: str) -> tuple[list[tuple[str, int, list[str]]], int]:
    """(kind, first line number, lines) of each block, and how many non-blank lines were outside any."""
    found: list[tuple[str, int, list[str]]] = []
    current: list[str] | None = None
    kind = ""
    outside = 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r")
        start = _kind_of_line(line)
        if start and not (kind == "object" and start == "object"):
            current = [line]
            kind = start
            found.append((kind, number, current))
        elif _PROMPT.match(line):
            current, kind = None, ""
        elif current is not None:
            if kind in ("events", "pods", "nodes") and not line.strip():
                current, kind = None, ""  # tables end at a blank line
            else:
                current.append(line)
        elif line.strip():
            outside += 1
    return found, outside


def read(text: str, file: str, parsed: Parsed) -> None:
    """Parse one input into `parsed`; what cannot be read becomes one line in parsed.errors."""
    found, outside = blocks(text)
    if not found:
        what = "it is empty" if not text.strip() else f"no kubectl output found in {outside} lines"
        parsed.errors.append(f"{file}: unrecognised input ({what}); {EXPECTED}")
        return
    for kind, first_line, lines in found:
        if kind == "describe":
            result = describe.parse(lines, file, first_line)
            if isinstance(result, str):
                parsed.errors.append(result)
            elif isinstance(result, Node):
                parsed.nodes.append(result)
            else:
                parsed.subjects.append(result)
        elif kind == "events":
            parsed.loose_events.extend(tables.parse_events(lines, file))
        elif kind == "pods":
            parsed.subjects.extend(tables.parse_pods(lines, file))
        elif kind == "nodes":
            parsed.nodes.extend(tables.parse_nodes(lines, file))
        else:
            _read_objects(lines, file, first_line, parsed)


def _read_objects(lines: list[str], file: str, first_line: int, parsed: Parsed) -> None:
    text = "\n".join(lines)
    loaded = loader.load_text(text, file + (".json" if lines[0].lstrip().startswith(("{", "[")) else ""))
    for finding in loaded.findings:
        if finding.rule.startswith(("yaml/", "input/")) and finding.severity.name == "ERROR":
            line = first_line + finding.line - 1
            parsed.errors.append(f"{file}:{line}: cannot read the YAML/JSON ({finding.message}); the input looks "
                                 "truncated or is not kubectl get -o yaml|json output")
    for document in loaded.documents:
        body = document.body
        if not isinstance(body, dict):
            continue
        found = objects.read(body, file)
        if isinstance(found, Subject):
            parsed.subjects.append(found)
        elif isinstance(found, Node):
            parsed.nodes.append(found)
        elif isinstance(found, Event):
            parsed.loose_events.append(found)


def gather(parsed: Parsed) -> None:
    """Merge what several inputs said about the same object and attach loose events to their object."""
    objects = _Objects()
    for subject in parsed.subjects:
        kept = objects.find(subject.kind, subject.namespace, subject.name)
        if kept is None:
            objects.add(subject)
        else:
            _merge(kept, subject)
    by_node = {node.name: node for node in parsed.nodes}
    for event in parsed.loose_events:
        if event.namespace is None and event.reason == "Scheduled":
            assigned = _ASSIGNED.match(event.message)  # "Successfully assigned shop/web-1 to node-1"
            event.namespace = assigned["namespace"] if assigned else None
        if event.kind == "Node":
            node = by_node.get(event.name or "")
            if node is None:
                node = by_node[event.name or ""] = Node(event.name or "", "events")
                parsed.nodes.append(node)
            node.events.append(event)
            continue
        kind, name = event.kind or "Pod", event.name or ""
        subject = objects.find(kind, event.namespace, name)
        if subject is None:
            subject = objects.add(Subject(kind, event.namespace, name, "events"))
        subject.events.append(event)
    namespaces = {s.namespace for s in objects.order if s.namespace}
    if len(namespaces) == 1:  # `kubectl get events` without -A lists one namespace, the input's
        for subject in objects.order:
            subject.namespace = subject.namespace or next(iter(namespaces))
    parsed.subjects = objects.order
    parsed.loose_events = []


class _Objects:
    """Subjects by kind and name, allowing one side not to know the namespace (`get events` without -A)."""

    def __init__(self) -> None:
        self.order: list[Subject] = []
        self.by_name: dict[tuple[str, str], list[Subject]] = {}

    def add(self, subject: Subject) -> Subject:
        self.order.append(subject)
        self.by_name.setdefault((subject.kind, subject.name), []).append(subject)
        return subject

    def find(self, kind: str, namespace: str | None, name: str) -> Subject | None:
        for subject in self.by_name.get((kind, name), ()):
            if subject.namespace == namespace or subject.namespace is None or namespace is None:
                subject.namespace = subject.namespace or namespace
                return subject
        return None


def _merge(kept: Subject, other: Subject) -> None:
    richer = {"object": 3, "describe": 2, "table": 1, "events": 0}
    if richer.get(other.source, 0) > richer.get(kept.source, 0):
        other.events = kept.events + other.events
        other.table_status = other.table_status or ""
        kept.__dict__.update(other.__dict__)
    else:
        kept.events.extend(other.events)
