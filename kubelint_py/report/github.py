"""GitHub Actions workflow commands: one `::error file=...,line=...::message` annotation per finding.

GitHub shows each as an annotation on the file and line in the pull request and the run summary.
Values are escaped the way the Actions toolkit escapes them: in the message `%`, CR and LF; in the
properties also `:` and `,`, which would otherwise end the property.
"""

from __future__ import annotations

from kubelint_py.engine import Report
from kubelint_py.escaping import printable_lines
from kubelint_py.model import Finding, Severity
from kubelint_py.report import rendered_position, source_file

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    return "".join(annotation(finding, report) + "\n" for finding in report.findings)


def annotation(finding: Finding, report: Report) -> str:
    file, positioned = source_file(finding, report)
    properties = []
    if file:
        properties.append(("file", printable_lines(file)))
        if positioned:
            properties += [("line", str(finding.line)), ("col", str(finding.column))]
    properties.append(("title", f"kubelint {finding.rule}"))
    where = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    message = printable_lines(finding.message) + (f" ({printable_lines(where)})" if where else "")
    if not positioned:
        message += f"\nAt {rendered_position(finding, report)}."
    if finding.fix:
        message += f"\nFix: {printable_lines(finding.fix)}"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMAND[finding.severity]} {props}::{escape_data(message)}"
