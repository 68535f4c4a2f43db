"""The failure catalogue (causes.yaml) loaded once: causes by id, their signs compiled, their docs.

`kubelint simulate` looks causes up by id (`cause("secret-missing")`) for the status, stage, summary
and fix it predicts; `kubelint explain` prints `explain_cause(id)`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from kubelint_py.diagnose.model import STAGES

FACT_KINDS = frozenset(("event", "fit", "waiting", "terminated", "last", "running", "pod", "condition", "status",
                        "deleting", "finalizer", "node"))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Sign:
    on: str  # the fact kind it reads
    reason: re.Pattern  # matched in full against the fact's reason
    text: re.Pattern | None  # searched in the fact's text

    def match(self, reason: str, text: str) -> re.Match | bool | None:
        if not self.reason.fullmatch(reason):
            return None
        if self.text is None:
            return True
        return self.text.search(text)

    @property
    def literal_reasons(self) -> tuple[str, ...] | None:
        """The exact reasons this sign accepts, when its pattern is a plain alternation of words."""
        pattern = self.reason.pattern
        if re.fullmatch(r"[A-Za-z]+(?:\|[A-Za-z]+)*", pattern):
            return tuple(pattern.split("|"))
        return None


@dataclass(frozen=True)
class Cause:
    id: str
    stage: str
    status: str  # what `kubectl get pods` shows for it
    summary: str
    fix: str
    confirm: tuple[str, ...]
    docs: str
    example: str
    confidence: float
    signs: tuple[Sign, ...]
    support: tuple[Sign, ...] = ()
    generic: bool = False
    healthy: bool = False
    for_node: bool = False
    only_running: bool = False
    field: str = ""


def _sign(entry: dict, where: str) -> Sign:
    kinds = [k for k in entry if k != "text"]
    if len(kinds) != 1 or kinds[0] not in FACT_KINDS:
        raise ValueError(f"{where}: a sign needs exactly one of {sorted(FACT_KINDS)}, got {sorted(entry)}")
    reason, text = entry[kinds[0]], entry.get("text")
    return Sign(kinds[0], re.compile(str(reason or ".*")), re.compile(text) if text else None)


def _cause(entry: dict) -> Cause:
    cid = entry["id"]
    if entry["stage"] not in STAGES:
        raise ValueError(f"cause {cid}: unknown stage {entry['stage']!r}")
    return Cause(
        cid, entry["stage"], entry["status"], entry["summary"].strip(), entry["fix"].strip(),
        tuple(entry.get("confirm") or ()), entry["docs"].strip(), entry["example"], float(entry["confidence"]),
        tuple(_sign(s, cid) for s in entry["when"]), tuple(_sign(s, cid) for s in entry.get("support") or ()),
        bool(entry.get("generic")), bool(entry.get("healthy")), entry.get("for") == "node",
        bool(entry.get("only-running")), entry.get("field", ""),
    )


@lru_cache(maxsize=None)
def catalogue() -> dict[str, Cause]:
    """Every cause by id, in the order of causes.yaml."""
    from kubelint_py import loader

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "causes.yaml")
    with open(path, encoding="utf-8") as handle:
        loaded = loader.load_text(handle.read(), path)
    if loaded.findings:
        raise ValueError(f"{path}: {loaded.findings[0].message} (line {loaded.findings[0].line})")
    causes = [_cause(document.body) for document in loaded.documents] if len(loaded.documents) > 1 else \
        [_cause(entry) for entry in loaded.documents[0].body]
    by_id = {c.id: c for c in causes}
    if len(by_id) != len(causes):
        raise ValueError(f"{path}: duplicate cause ids")
    return by_id


def cause(cause_id: str) -> Cause | None:
    return catalogue().get(cause_id)


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders; a value the input does not give reads as <name> (a {..._note}
    is optional and left out)."""
    def value(match: re.Match) -> str:
        name = match[1]
        if values.get(name) not in (None, ""):
            return str(values[name])
        return "" if name.endswith("_note") else f"<{name}>"

    return _PLACEHOLDER.sub(value, template)


def explain_cause(cause_id: str) -> str | None:
    """Markdown documentation of one cause, or None if there is no such cause."""
    found = cause(cause_id)
    if found is None:
        return None
    plain = {"restart_note": "", "probe_failure": "the probe's output"}
    signs = "\n".join(f"- {_describe_sign(s)}" for s in found.signs)
    commands = "\n".join(f"    {c}" for c in found.confirm)
    return (f"# {found.id}\n\n"
            f"Stage: {found.stage}. What `kubectl get pods` shows: {found.status}.\n\n"
            f"{fill(found.summary, plain)}\n\n"
            f"## Why it happens\n\n{found.docs}\n\n"
            f"## How kubelint recognises it\n\n{signs}\n\nFor example:\n\n    {found.example}\n\n"
            f"## Fix\n\n{fill(found.fix, plain)}\n\n"
            f"## Confirm\n\n{commands}\n")


def _describe_sign(sign: Sign) -> str:
    reason = sign.reason.pattern
    head = {"fit": "a reason in the scheduler's FailedScheduling message",
            "status": f"`kubectl get pods` STATUS `{reason}`",
            "node": f"the node's `{reason}`"}.get(sign.on, f"{sign.on} `{reason}`" if reason != ".*" else sign.on)
    return f"{head}, text matching `{sign.text.pattern}`" if sign.text else head


def list_causes() -> list[tuple[str, str, str]]:
    """(id, stage, one-line summary) of every cause, for listings next to the rules."""
    plain = {"restart_note": "", "probe_failure": "the probe's output"}
    return [(c.id, c.stage, fill(c.summary, plain)) for c in catalogue().values()]
