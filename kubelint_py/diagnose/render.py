"""A diagnosis for people (text, coloured on a terminal) or for machines (JSON)."""

from __future__ import annotations

import io
import json

from kubelint_py.diagnose import Result
from kubelint_py.diagnose.reason import Entry

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
    return json.dumps({"pods": pods}, indent=2, ensure_ascii=False) + "\n"


def to_text(result: Result, color: bool = False, width: int = 120) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="standard" if color else None,
                      no_color=not color, highlight=False, width=width, soft_wrap=True)
    for entry in result.entries:
        _entry(console, entry)
        console.print()
    console.print(_summary(result))
    return buffer.getvalue()


def _ref(entry: Entry) -> str:
    return f"{entry.kind} {entry.namespace + '/' if entry.namespace else ''}{entry.name}"


def _clip(text: str) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


def _entry(console, entry: Entry) -> None:
    from rich.markup import escape

    ready = {True: "ready", False: "not ready", None: ""}[entry.ready]
    style = "green" if entry.healthy else "bold red"
    head = "  ".join(p for p in (f"[bold]{escape(_ref(entry))}[/]", f"[{style}]{escape(entry.status or '?')}[/]",
                                 f"[dim]{ready}[/]" if ready else "") if p)
    console.print(head)
    if not entry.diagnoses:
        for note in entry.notes:
            console.print(f"  [yellow]note:[/] {escape(note)}")
        return
    root, *others = entry.diagnoses
    console.print(f"  [cyan]{root.cause.stage}[/] · [bold]{root.cause.id}[/] · confidence {root.confidence:.2f}")
    console.print(f"  {escape(root.summary)}")
    if not root.cause.healthy:
        if root.evidence:
            console.print("  [dim]evidence:[/]")
            for line in root.evidence:
                console.print(f"    [dim]│[/] {escape(_clip(line))}")
        console.print(f"  [green]fix:[/] {escape(root.fix)}")
        if root.manifest:
            console.print(f"  [green]change:[/] {escape(root.manifest['file'])}:{root.manifest['line']}")
        if root.commands:
            console.print("  [dim]confirm:[/]")
            for command in root.commands:
                console.print(f"    $ {escape(command)}")
    if others:
        console.print("  [dim]also possible:[/]")
        for other in others:
            console.print(f"    {other.confidence:.2f} {other.cause.id} ({other.cause.stage}): {escape(other.summary)}")
    if entry.ruled_out:
        console.print("  [dim]ruled out:[/]")
        for out in entry.ruled_out:
            console.print(f"    [dim]{out.cause.id} ({out.cause.stage}): {escape(out.why)}[/]")
    for note in entry.notes:
        console.print(f"  [yellow]note:[/] {escape(note)}")


def _summary(result: Result) -> str:
    problems = result.problems
    healthy = len(result.entries) - problems
    objects = len(result.entries)
    text = f"{objects} object{'s' if objects != 1 else ''} diagnosed: {problems} with a problem, {healthy} healthy"
    if result.errors:
        text += f"; {len(result.errors)} input{'s' if len(result.errors) != 1 else ''} could not be read"
    return text
