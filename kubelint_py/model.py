"""The shared vocabulary: severities, object references, findings and loaded documents. No I/O."""

from __future__ import annotations

import enum
import marshal
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

Path = tuple  # a field path: keys (str) and list indexes (int), e.g. ("spec", "containers", 0, "image")


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    api_version: str = ""
    kind: str = ""
    namespace: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        parts = [self.kind or "?"]
        if self.namespace:
            parts.append(self.namespace)
        parts.append(self.name or "?")
        return "/".join(parts)

    def to_json(self) -> dict:
        return {"apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}


NO_OBJECT = ObjectRef()

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def format_path(path: Iterable) -> str:
    """kubectl-style field path: spec.containers[0].image, metadata.labels[app.kubernetes.io/name]."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part}]")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    fix: str | None
    file: str
    line: int  # 1-based
    column: int  # 1-based
    document: int = 0  # 1-based YAML document number in the file; 0 for the file as a whole
    object: ObjectRef = NO_OBJECT
    path: str = ""
    origin: str | None = None  # the source the object was rendered from: Helm's "# Source:" template

    def sort_key(self) -> tuple:
        return (self.file, self.document, self.line, self.column, self.rule, self.message)

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "fix": self.fix,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "document": self.document,
            "object": self.object.to_json(),
            "path": self.path,
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What `kubelint rules` lists and `kubelint explain` prints, for every rule of every stage."""

    id: str
    category: str
    severity: Severity  # the default; configuration may change it
    summary: str  # one line
    docs: str  # Markdown: "## What it does", "## Why it matters", "## Example", "## Fix"


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check reports before the engine places it: where in the object, what is wrong, what to do.

    Checks never build a Finding themselves; the engine adds the rule id, severity, file and position.
    `rule` and `severity` are only set by checks that report for several rules or vary the severity.
    """

    path: Path
    message: str
    fix: str | None = None
    rule: str | None = None
    severity: Severity | None = None


@dataclass(eq=False, slots=True)
class Document:
    """One Kubernetes object read from a file (a List's items are one Document each)."""

    file: str
    index: int  # YAML document number in the file, 1-based
    body: dict
    locate_fn: Callable[[Path], tuple[int, int]]
    base: Path = ()  # where this object sits in its YAML document: () or ("items", i)
    origin: str | None = None  # the template Helm names in its "# Source:" comment
    extra: dict[str, Any] = field(default_factory=dict)  # per-run derived data (defaulted copy, ...)

    @property
    def ref(self) -> ObjectRef:
        return object_ref(self.body)

    def locate(self, path: Path) -> tuple[int, int]:
        """1-based (line, column) of the key at `path`, or of its deepest existing ancestor."""
        return self.locate_fn(self.base + tuple(path))

    def finding(self, rule: str, severity: Severity, message: str, fix: str | None, path: Path = ()) -> Finding:
        line, column = self.locate(path)
        return Finding(rule, severity, message, fix, self.file, line, column, self.index, self.ref, format_path(path),
                       self.origin)

    def __reduce__(self) -> tuple:
        # Worker processes send every body back; marshal turns plain YAML data around several times
        # faster than pickle does.
        return _document, (self.file, self.index, marshal.dumps(self.body), self.locate_fn, self.base, self.origin,
                           self.extra)


def _document(file: str, index: int, body: bytes, *rest: Any) -> Document:
    return Document(file, index, marshal.loads(body), *rest)


def object_ref(body: Any) -> ObjectRef:
    if not isinstance(body, dict):
        return NO_OBJECT
    meta = body.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    api_version, kind = body.get("apiVersion"), body.get("kind")
    namespace, name = meta.get("namespace"), meta.get("name") or meta.get("generateName")
    return ObjectRef(
        api_version if isinstance(api_version, str) else "",
        kind if isinstance(kind, str) else "",
        namespace if isinstance(namespace, str) else None,
        name if isinstance(name, str) else None,
    )
