"""SARIF 2.1.0, the format GitHub code scanning (and most code-review tools) import.

Rules carry their documentation (help text, a help URI, a default level); results carry a relative
file URI with a 1-based line and column, the object as a logical location, and a fingerprint built from
the rule, file, object and field path, so an alert survives lines moving above it.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from urllib.parse import quote

from kubelint_py import __version__
from kubelint_py.engine import Report
from kubelint_py.escaping import dump_json
from kubelint_py.model import Finding, RuleInfo, Severity
from kubelint_py.report import rendered_position, source_file

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
ROOT = "%SRCROOT%"


def render_sarif(report: Report) -> str:
    catalog = _catalog()
    fired = {f.rule: f for f in report.findings}
    ids = sorted(set(catalog) | set(fired))
    index = {rule: i for i, rule in enumerate(ids)}
    run = {
        "tool": {"driver": {
            "name": "kubelint",
            "version": __version__,
            "semanticVersion": __version__,
            **({"informationUri": _docs_url()} if _docs_url() else {}),
            "rules": [_rule(catalog.get(rule), rule, fired.get(rule)) for rule in ids],
        }},
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {ROOT: {"uri": _directory_uri(os.getcwd())}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, index[finding.rule], report) for finding in report.findings],
        "properties": {"kubernetesVersion": report.kubernetes_version, "renderedBy": report.rendered_by},
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dump_json(log, indent=True)


def _rule(info: RuleInfo | None, rule: str, example: Finding | None) -> dict:
    """A rule's descriptor; a rule without documentation in the catalog is described by its id."""
    severity = info.severity if info else example.severity if example else Severity.ERROR
    summary = info.summary if info else f"kubelint rule {rule}"
    descriptor = {
        "id": rule,
        "name": "".join(part.capitalize() for part in rule.replace("/", "-").split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": info.docs if info else summary, "markdown": info.docs if info else summary},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"tags": [info.category if info else rule.split("/")[0]],
                       "problem.severity": PROBLEM_SEVERITY[severity]},
    }
    if _docs_url():
        descriptor["helpUri"] = f"{_docs_url()}#{quote(rule.replace('/', '').lower())}"
    return descriptor


def _result(finding: Finding, rule_index: int, report: Report) -> dict:
    file, positioned = source_file(finding, report)
    where = " ".join(part for part in (str(finding.object) if finding.object.kind else "", finding.path) if part)
    text = finding.message + (f" ({where})" if where else "")
    if not positioned:
        text += f". At {rendered_position(finding, report)}"
    if finding.fix:
        text += f"\nFix: {finding.fix}"
    region = {"startLine": finding.line, "startColumn": finding.column} if positioned else {"startLine": 1}
    location: dict = {"physicalLocation": {"artifactLocation": _artifact(file or finding.file), "region": region}}
    if finding.object.kind:
        location["logicalLocations"] = [{"name": finding.object.name or "?", "fullyQualifiedName": str(finding.object),
                                         "kind": "resource"}]
    identity = "\0".join((finding.rule, file or finding.file, str(finding.object), finding.path, finding.message))
    properties = {"document": finding.document, "object": finding.object.to_json(), "path": finding.path,
                  "fix": finding.fix}
    if finding.origin:
        properties["origin"] = finding.origin
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {"kubelintFinding/v1": hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()},
        "properties": properties,
    }


def _artifact(path: str) -> dict:
    """A path relative to the working directory (GitHub resolves it against the checkout), else a file URI."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    if relative.startswith(".."):
        return {"uri": _file_uri(absolute)}
    return {"uri": _quote(relative.replace(os.sep, "/")), "uriBaseId": ROOT}


def _file_uri(path: str) -> str:
    return "file://" + _quote(path.replace(os.sep, "/") if path.startswith("/") else "/" + path.replace(os.sep, "/"))


def _quote(path: str) -> str:
    return quote(path, errors="surrogateescape")  # a file name's undecodable bytes, percent-encoded as they are


def _directory_uri(path: str) -> str:
    return _file_uri(path).rstrip("/") + "/"


def _catalog() -> dict[str, RuleInfo]:
    from kubelint_py.catalog import built_in_rules

    return {info.id: info for info in built_in_rules()}


@lru_cache(maxsize=1)
def _docs_url() -> str | None:
    """Where the rules are documented: the installed distribution's Documentation URL."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("kubelint").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "rules":
            return url.strip()
    return None
