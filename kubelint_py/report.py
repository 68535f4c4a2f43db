"""Reporters: a finished Report rendered as text for people or as JSON for machines.

Each format is one function `render_<format>(report) -> str`; FORMATS maps the --format names to them.
"""

from __future__ import annotations

import json
from typing import Callable

from kubelint_py import __version__
from kubelint_py.engine import Report
from kubelint_py.model import Finding, Severity


def summary(report: Report) -> dict:
    return {
        "files": report.files,
        "documents": report.documents,
        "checked": report.checked,
        "unreadable": report.unreadable,
        "objects": report.objects,
        "findings": {str(s): report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
    }


def render_json(report: Report) -> str:
    document = {
        "version": __version__,
        "kubernetesVersion": report.kubernetes_version,
        "summary": summary(report),
        "findings": [finding.to_json() for finding in report.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class _Lines:
    """The offending source lines, read once per file (stdin's text is kept by the run)."""

    def __init__(self, report: Report):
        self.stdin = report.stdin
        self.cache: dict[str, list[str]] = {}

    def get(self, file: str, line: int) -> str | None:
        if file not in self.cache:
            try:
                if file == "<stdin>":
                    text = self.stdin or ""
                else:
                    with open(file, encoding="utf-8", errors="replace") as handle:
                        text = handle.read()
            except OSError:
                text = ""
            self.cache[file] = text.splitlines()
        lines = self.cache[file]
        return lines[line - 1] if 0 < line <= len(lines) else None


def render_text(report: Report, color: bool = False, width: int = 120) -> str:
    """Findings grouped by file, each with its source line, a caret and the fix; a summary last."""
    import io

    from rich.console import Console
    from rich.markup import escape
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="standard" if color else None,
                      no_color=not color, highlight=False, width=width, soft_wrap=True)
    lines = _Lines(report)
    current = None
    for finding in report.findings:
        if finding.file != current:
            if current is not None:
                console.print()
            current = finding.file
            console.print(Text(finding.file, style="bold underline"))
        _print_finding(console, finding, lines.get(finding.file, finding.line), escape)
    if report.findings:
        console.print()
    console.print(_summary_line(report))
    return buffer.getvalue()


def _print_finding(console, finding: Finding, source: str | None, escape: Callable[[str], str]) -> None:
    style = _STYLE[finding.severity]
    where = f"{finding.line}:{finding.column}"
    console.print(f"  {where:<8} [{style}]{str(finding.severity):<7}[/] {escape(finding.message)}  "
                  f"[dim]{escape(finding.rule)}[/]")
    context = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    if context:
        console.print(f"           [dim]{escape(context)}[/]")
    if source is not None:
        console.print(f"  [dim]{finding.line:>6} |[/] {escape(source.expandtabs(1))}")
        console.print(f"  [dim]{'':>6} |[/] {' ' * (finding.column - 1)}[{style}]^[/]")
    if finding.fix:
        console.print(f"           [green]fix:[/] {escape(finding.fix)}")


def _summary_line(report: Report) -> str:
    counts = [(report.count(s), str(s)) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    found = ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in counts if n) or "no problems"
    unreadable = f", {report.unreadable} unreadable" if report.unreadable else ""
    return (f"{found} in {report.files} file{'s' if report.files != 1 else ''} "
            f"({report.documents} documents: {report.checked} checked{unreadable}; "
            f"Kubernetes {report.kubernetes_version})")


FORMATS: dict[str, Callable[[Report], str]] = {"text": render_text, "json": render_json}
