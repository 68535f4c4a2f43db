"""JUnit XML for GitLab, Jenkins and Azure Pipelines: a test suite per file, a test case per document.

A test case fails when its document has findings at or above --fail-on (the run's exit code follows
the same threshold); findings below it are listed in the case's system-out. Findings about a file as a
whole (it cannot be read, it is empty) form a case named after the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kubelint_py.engine import Report
from kubelint_py.escaping import printable_lines as _text  # XML 1.0 cannot carry control characters at all
from kubelint_py.model import Finding, ObjectRef, Severity


def render_junit(report: Report, fail_on: Severity | None = Severity.ERROR) -> str:
    cases = _cases(report)
    root = ET.Element("testsuites", name="kubelint")
    totals = {"tests": 0, "failures": 0}
    for file, file_cases in cases.items():
        suite = ET.SubElement(root, "testsuite", name=_text(file))
        failures = 0
        for (document, ref), findings in file_cases.items():
            failing = [f for f in findings if fail_on is not None and f.severity >= fail_on]
            passing = [f for f in findings if f not in failing]
            case = ET.SubElement(suite, "testcase", name=_text(_case_name(document, ref, file)),
                                 classname=_text(file), file=_text(file))
            if findings:
                case.set("line", str(findings[0].line))
            if failing:
                failures += 1
                summary = f"{len(failing)} finding{'s' if len(failing) != 1 else ''}: {failing[0].message}"
                failure = ET.SubElement(case, "failure", message=_text(summary), type=failing[0].rule)
                failure.text = _text("\n".join(_describe(f) for f in failing))
            if passing:
                ET.SubElement(case, "system-out").text = _text("\n".join(_describe(f) for f in passing))
        suite.set("tests", str(len(file_cases)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        totals["tests"] += len(file_cases)
        totals["failures"] += failures
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cases(report: Report) -> dict[str, dict[tuple[int, ObjectRef], list[Finding]]]:
    """Findings by file and document, with every document read, in input order."""
    cases: dict[str, dict[tuple[int, ObjectRef], list[Finding]]] = {}
    for document in report.read:
        cases.setdefault(document.file, {}).setdefault((document.index, document.ref), [])
    for finding in report.findings:
        per_file = cases.setdefault(finding.file, {})
        key = (finding.document, finding.object)
        if key not in per_file:  # an unparsable document or a finding about a broken part of it
            key = next((k for k in per_file if k[0] == finding.document), key)
        per_file.setdefault(key, []).append(finding)
    return cases


def _case_name(document: int, ref: ObjectRef, file: str) -> str:
    if document == 0:
        return file
    return f"{ref} (document {document})" if ref.kind else f"document {document}"


def _describe(finding: Finding) -> str:
    where = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    lines = [f"{finding.file}:{finding.line}:{finding.column}: {finding.severity} {finding.rule}: {finding.message}"]
    if finding.origin:
        where = f"{where} (from {finding.origin})" if where else f"from {finding.origin}"
    if where:
        lines.append(f"  in {where}")
    if finding.fix:
        lines.append(f"  fix: {finding.fix}")
    return "\n".join(lines)
