"""Reporters: a finished Report rendered as text for people or as JSON for machines.

Each format is one function `render_<format>(report) -> str`; FORMATS maps the --format names to them.
"""

from __future__ import annotations

import json
import re
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


# Characters taken from the input that must not reach a terminal or a log viewer as they are: C0 and C1
# controls (ESC starts terminal escape sequences), DEL, line and paragraph separators, bidirectional
# overrides and isolates (which reorder what is shown), and the lone surrogates that stand for the
# undecodable bytes of a file name.
_UNSAFE = "\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE}]")
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")  # json escapes C0


def printable(text: str) -> str:
    """`text` with every unsafe character written as a visible escape: \\x1b, \\u202e."""
    return _UNSAFE_TEXT.sub(_visible_escape, text)


def _visible_escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte: show the byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def render_json(report: Report, ascii_only: bool = False) -> str:
    """The report as JSON; every string from the input is escaped, so the output is safe to print."""
    document = {
        "version": __version__,
        "kubernetesVersion": report.kubernetes_version,
        "summary": summary(report),
        "findings": [finding.to_json() for finding in report.findings],
    }
    text = json.dumps(document, indent=2, ensure_ascii=ascii_only)
    # These characters appear only inside JSON strings, so escaping them there keeps the JSON valid.
    return _UNSAFE_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class _Lines:
    """The offending source lines, read once per file (stdin's text is kept by the run).

    Files are read again the way the loader read them: within the size limit, never blocking on a
    FIFO, decoded the same way; what cannot be read shows no source line.
    """

    def __init__(self, report: Report):
        self.stdin = report.stdin
        self.max_file_bytes = report.max_file_bytes
        self.cache: dict[str, list[str]] = {}

    def get(self, file: str, line: int) -> str | None:
        if file not in self.cache:
            if file == "<stdin>":
                text = self.stdin
            else:
                from kubelint_py.loader import read_input

                text = read_input(file, self.max_file_bytes)[0]
            self.cache[file] = (text or "").splitlines()
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
            console.print(Text(printable(finding.file), style="bold underline"))
        _print_finding(console, finding, lines.get(finding.file, finding.line), escape)
    if report.findings:
        console.print()
    console.print(_summary_line(report))
    return buffer.getvalue()


def _print_finding(console, finding: Finding, source: str | None, escape: Callable[[str], str]) -> None:
    def safe(text: str) -> str:  # input text, made printable and short, then protected from rich's markup
        return escape(_shorten(printable(text), MAX_MESSAGE))

    style = _STYLE[finding.severity]
    where = f"{finding.line}:{finding.column}"
    console.print(f"  {where:<8} [{style}]{str(finding.severity):<7}[/] {safe(finding.message)}  "
                  f"[dim]{safe(finding.rule)}[/]")
    context = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    if context:
        console.print(f"           [dim]{safe(context)}[/]")
    if source is not None:
        shown, caret = _excerpt(source.expandtabs(1), finding.column - 1)
        console.print(f"  [dim]{finding.line:>6} |[/] {escape(shown)}")
        console.print(f"  [dim]{'':>6} |[/] {' ' * caret}[{style}]^[/]")
    if finding.fix:
        console.print(f"           [green]fix:[/] {safe(finding.fix)}")


MAX_MESSAGE = 400  # characters of a message shown; a message quoting a huge key stays readable
MAX_SOURCE = 160  # characters of a source line shown around the caret


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


def _excerpt(line: str, offset: int) -> tuple[str, int]:
    """The printable part of a source line around `offset`, and where the caret goes in it."""
    start = max(0, min(offset - MAX_SOURCE // 2, len(line) - MAX_SOURCE))
    end = start + MAX_SOURCE
    before, after = printable(line[start:offset]), printable(line[offset:end])
    prefix, suffix = ("..." if start > 0 else ""), ("..." if end < len(line) else "")
    return prefix + before + after + suffix, len(prefix) + len(before)


def _summary_line(report: Report) -> str:
    counts = [(report.count(s), str(s)) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    found = ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in counts if n) or "no problems"
    unreadable = f", {report.unreadable} unreadable" if report.unreadable else ""
    return (f"{found} in {report.files} file{'s' if report.files != 1 else ''} "
            f"({report.documents} documents: {report.checked} checked{unreadable}; "
            f"Kubernetes {report.kubernetes_version})")


FORMATS: dict[str, Callable[[Report], str]] = {"text": render_text, "json": render_json}
