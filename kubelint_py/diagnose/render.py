"""A diagnosis for people (text, coloured on a terminal) or for machines (JSON).

Names, messages and evidence come from the input: the text report shows their control characters as
escapes (printable), so that a crafted event cannot drive the terminal; JSON escapes them too.
"""

from __future__ import annotations

from kubelint_py.diagnose import Result
from kubelint_py.diagnose.reason import Entry
from kubelint_py.escaping import dump_json, printable

MAX_QUOTE = 320  # characters of one evidence line in text output; JSON keeps them whole


def to_json(result: Result) -> str:
    pods = []
    for entry in result.entries:
        pods.append({
            "kind": entry.kind,
            "namespace": entry.namespace,
            "name": entry.name,
            "status": entry.status,
            "ready": entry.ready,
            "diagnoses": [{
                "stage": d.cause.stage,
                "cause": d.cause.id,
                "summary": d.summary,
                "fix": d.fix,
                "evidence": d.evidence,
                "confidence": d.confidence,
                "manifest": d.manifest,
            } for d in entry.diagnoses],
        })
    return dump_json({"pods": pods})


# ANSI styles for a terminal: the output of a whole-cluster events dump runs to thousands of entries,
# which plain string building prints in milliseconds.
_STYLES = {"bold": "1", "dim": "2", "red": "1;31", "green": "32", "yellow": "33", "cyan": "36"}


def to_text(result: Result, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    for entry in result.entries:
        _entry(lines, entry, paint)
        lines.append("")
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _ref(entry: Entry) -> str:
    return printable(f"{entry.kind} {entry.namespace + '/' if entry.namespace else ''}{entry.name}")


def _clip(text: str) -> str:
    text = printable(text.replace("\n", " ⏎ "))
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


def _entry(lines: list[str], entry: Entry, paint) -> None:
    ready = {True: "ready", False: "not ready", None: ""}[entry.ready]
    head = [paint(_ref(entry), "bold"), paint(printable(entry.status or "?"), "green" if entry.healthy else "red")]
    lines.append("  ".join(head + ([paint(ready, "dim")] if ready else [])))
    if not entry.diagnoses:
        lines.extend(f"  {paint('note:', 'yellow')} {printable(note)}" for note in entry.notes)
        return
    root, *others = entry.diagnoses
    lines.append(f"  {paint(root.cause.stage, 'cyan')} · {paint(root.cause.id, 'bold')} · "
                 f"confidence {root.confidence:.2f}")
    lines.append(f"  {printable(root.summary)}")
    if not root.cause.healthy:
        if root.evidence:
            lines.append(f"  {paint('evidence:', 'dim')}")
            lines.extend(f"    {paint('│', 'dim')} {_clip(line)}" for line in root.evidence)
        lines.append(f"  {paint('fix:', 'green')} {printable(root.fix)}")
        if root.manifest:
            lines.append(f"  {paint('change:', 'green')} {printable(root.manifest['file'])}:{root.manifest['line']}")
        if root.commands:
            lines.append(f"  {paint('confirm:', 'dim')}")
            lines.extend(f"    $ {printable(command)}" for command in root.commands)
    if others:
        lines.append(f"  {paint('also possible:', 'dim')}")
        lines.extend(f"    {o.confidence:.2f} {o.cause.id} ({o.cause.stage}): {printable(o.summary)}" for o in others)
    if entry.ruled_out:
        lines.append(f"  {paint('ruled out:', 'dim')}")
        lines.extend(paint(f"    {o.cause.id} ({o.cause.stage}): {printable(o.why)}", "dim") for o in entry.ruled_out)
    lines.extend(f"  {paint('note:', 'yellow')} {printable(note)}" for note in entry.notes)


def _summary(result: Result) -> str:
    problems = result.problems
    healthy = len(result.entries) - problems
    objects = len(result.entries)
    text = f"{objects} object{'s' if objects != 1 else ''} diagnosed: {problems} with a problem, {healthy} healthy"
    if result.errors:
        text += f"; {len(result.errors)} input{'s' if len(result.errors) != 1 else ''} could not be read"
    return text
