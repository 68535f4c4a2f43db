"""Reporters: a finished Report rendered as text for people, or as JSON, SARIF, JUnit XML or GitHub
Actions annotations for machines.

Each format is one function `render_<format>(report, ...) -> str` (text and JSON here, the others in a
module each); `render(name, report, settings)` picks one by its --format name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kubelint_py import __version__
from kubelint_py.engine import Report
from kubelint_py.escaping import dump_json, printable
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
        "renderedBy": report.rendered_by,
        "findings": map(Finding.to_json, report.findings),
    }
    return dump_json(document)


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class _Lines:
    """The offending source lines, read once per file (the run keeps the text of stdin and renderings).

    Files are read again the way the loader read them: within the size limit, never blocking on a
    FIFO, decoded the same way; what cannot be read shows no source line.
    """

    def __init__(self, report: Report):
        self.sources = report.sources
        self.max_file_bytes = report.max_file_bytes
        self.cache: dict[str, list[str]] = {}

    def get(self, file: str, line: int) -> str | None:
        if file not in self.cache:
            if file in self.sources:
                text = self.sources[file]
            else:
                from kubelint_py.reading import read_input

                text = read_input(file, self.max_file_bytes)[0]
            self.cache[file] = (text or "").splitlines()
        lines = self.cache[file]
        return lines[line - 1] if 0 < line <= len(lines) else None


def render_text(report: Report, color: bool = False, detail: str = "full") -> str:
    """Findings grouped by file, each with its source line, a caret and the fix; a summary last.

    detail "summary": only the count of findings per rule and the summary line; "quiet": only the
    findings, and nothing at all when there are none. Lines are not wrapped: a terminal or a log
    viewer wraps them.
    """
    paint = _painter(color)
    out: list[str] = []
    if detail == "summary":
        _rule_counts(out, report, paint)
    else:
        _findings(out, report, paint)
    if detail != "quiet":
        out.append(_summary_line(report) + "\n")
    return "".join(out)


def _painter(color: bool) -> Callable[[str, str], str]:
    """paint(text, style): the text in a rich style as ANSI codes, or as it is without colour.

    Styles are rendered per piece of text rather than through a rich Console, which costs a
    millisecond a finding: thousands of findings printed in seconds instead of instantly."""
    if not color:
        return lambda text, style: text
    from rich.color import ColorSystem
    from rich.style import Style

    styles: dict[str, Style] = {}

    def paint(text: str, style: str) -> str:
        if style not in styles:
            styles[style] = Style.parse(style)
        return styles[style].render(text, color_system=ColorSystem.STANDARD)

    return paint


def _findings(out: list[str], report: Report, paint: Callable[[str, str], str]) -> None:
    lines = _Lines(report)
    current = None
    for finding in report.findings:
        if finding.file != current:
            if current is not None:
                out.append("\n")
            current = finding.file
            out.append(paint(printable(finding.file), "bold underline"))
            if finding.file in report.rendered_by:
                out.append(paint(f" (rendered by {printable(report.rendered_by[finding.file])})", "dim"))
            out.append("\n")
        _finding(out, finding, lines.get(finding.file, finding.line), paint)
    if report.findings:
        out.append("\n")


def _rule_counts(out: list[str], report: Report, paint: Callable[[str, str], str]) -> None:
    counts: dict[tuple[Severity, str], int] = {}
    for finding in report.findings:
        key = (finding.severity, finding.rule)
        counts[key] = counts.get(key, 0) + 1
    for (severity, rule), count in sorted(counts.items(), key=lambda item: (-item[0][0], -item[1], item[0][1])):
        out.append(f"  {count:>6}  {paint(f'{str(severity):<7}', _STYLE[severity])} {printable(rule)}\n")
    if counts:
        out.append("\n")


def _finding(out: list[str], finding: Finding, source: str | None, paint: Callable[[str, str], str]) -> None:
    def safe(text: str) -> str:  # input text, made printable and short
        return _shorten(printable(text), MAX_MESSAGE)

    style = _STYLE[finding.severity]
    where = f"{finding.line}:{finding.column}"
    out.append(f"  {where:<8} {paint(f'{str(finding.severity):<7}', style)} {safe(finding.message)}  "
               f"{paint(safe(finding.rule), 'dim')}\n")
    context = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    if finding.origin:
        context = f"{context}  (from {finding.origin})" if context else f"from {finding.origin}"
    if context:
        out.append(f"           {paint(safe(context), 'dim')}\n")
    if source is not None:
        shown, caret = _excerpt(source.expandtabs(1), finding.column - 1)
        out.append(f"  {paint(f'{finding.line:>6} |', 'dim')} {shown}\n")
        out.append(f"  {paint(f'{chr(32) * 6} |', 'dim')} {' ' * caret}{paint('^', style)}\n")
    if finding.fix:
        out.append(f"           {paint('fix:', 'green')} {safe(finding.fix)}\n")


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
            f"Kubernetes {report.kubernetes_version}{_rendered_note(report)})")


def _rendered_note(report: Report) -> str:
    if not report.rendered_by:
        return ""
    by_tool: dict[str, int] = {}
    for tool in report.rendered_by.values():
        by_tool[tool] = by_tool.get(tool, 0) + 1
    return "; " + ", ".join(f"{n} Kustomize director{'ies' if n != 1 else 'y'} rendered by {tool}"
                            for tool, n in sorted(by_tool.items()))


def source_file(finding: Finding, report: Report) -> tuple[str | None, bool]:
    """The repository file a finding belongs to, and whether its line and column are that file's.

    A finding in stdin or a rendering belongs to the template Helm named in `# Source:`, else to the
    Kustomize directory's kustomization file, else to no file; its positions are the rendering's.
    """
    if finding.file not in report.sources:
        return finding.file, True
    if finding.origin:
        return finding.origin, False
    if finding.file in report.rendered_by:
        from kubelint_py.kustomize import kustomization

        return kustomization(finding.file) or finding.file, False
    return None, False


def rendered_position(finding: Finding, report: Report) -> str:
    """Where in a rendering a finding sits, for formats that point at the source file instead."""
    tool = report.rendered_by.get(finding.file)
    return f"line {finding.line} of the {tool} output" if tool else f"line {finding.line} of stdin"


@dataclass(frozen=True)
class Settings:
    """How the command line asked for a report; each format takes what concerns it."""

    color: bool = False
    detail: str = "full"  # text only: full, summary or quiet
    fail_on: Severity | None = Severity.ERROR  # JUnit: findings at or above it fail their test case


def render(name: str, report: Report, settings: Settings = Settings()) -> str:
    if name == "text":
        return render_text(report, color=settings.color, detail=settings.detail)
    if name == "json":
        return render_json(report)
    # the CI formats are imported only when asked for: a run pays for what it prints
    if name == "sarif":
        from kubelint_py.report.sarif import render_sarif

        return render_sarif(report)
    if name == "junit":
        from kubelint_py.report.junit import render_junit

        return render_junit(report, settings.fail_on)
    if name == "github":
        from kubelint_py.report.github import render_github

        return render_github(report)
    raise ValueError(f"unknown report format {name!r}")


FORMATS = ("text", "json", "sarif", "junit", "github")
