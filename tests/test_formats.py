"""CI report formats through the CLI: SARIF, JUnit XML, GitHub annotations, and --format/--output pairs."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import Counter

import jsonschema
import pytest

from conftest import FIXTURES, NO_LINT

CHECK = FIXTURES / "check"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def findings(kubelint):
    """The JSON report of fixtures/check: what the other formats must carry."""
    result = kubelint("check", CHECK, "--format", "json")
    return json.loads(result.stdout)["findings"]


def test_sarif_is_valid_sarif_2_1_0_with_every_finding(kubelint, findings, monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    result = kubelint("check", "fixtures/check", "--format", "sarif")
    assert result.exit_code in (1, 2)
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)

    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(findings) > 10
    assert Counter(r["ruleId"] for r in results) == Counter(f["rule"] for f in findings)
    for sarif_result, finding in zip(results, findings):
        assert rules[sarif_result["ruleIndex"]]["id"] == sarif_result["ruleId"] == finding["rule"]
        assert sarif_result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        location = sarif_result["locations"][0]["physicalLocation"]
        relative = os.path.relpath(finding["file"], FIXTURES.parent)  # the JSON report ran on an absolute path
        assert location["artifactLocation"] == {"uri": relative, "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": finding["line"], "startColumn": finding["column"]}
        assert sarif_result["message"]["text"].startswith(finding["message"])
        assert finding["fix"] in sarif_result["message"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == FIXTURES.parent.as_uri() + "/"
    for rule in rules:
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    unknown_field = next(r for r in rules if r["id"] == "schema/unknown-field")
    assert "## Fix" in unknown_field["help"]["markdown"]


def test_sarif_levels_and_fingerprints(kubelint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\nspec: {}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  port: 80\n")
    log = json.loads(kubelint("check", "app.yaml", "--format", "sarif").stdout)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert results["schema/missing-schema"]["level"] == "warning"
    assert results["schema/type"]["level"] == "error"
    assert results["schema/type"]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "ConfigMap/web"

    # The fingerprint names the object and field, not the line: an edit above keeps the alert.
    (tmp_path / "app.yaml").write_text("# a comment added above\n" + (tmp_path / "app.yaml").read_text())
    moved = {r["ruleId"]: r for r in json.loads(kubelint("check", "app.yaml", "--format", "sarif").stdout)["runs"][0]["results"]}
    assert moved["schema/type"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 13
    assert moved["schema/type"]["partialFingerprints"] == results["schema/type"]["partialFingerprints"]


def test_junit_one_case_per_document(kubelint, findings):
    result = kubelint("check", CHECK, "--format", "junit")
    root = ET.fromstring(result.stdout)
    json_report = json.loads(kubelint("check", CHECK, "--format", "json").stdout)
    cases = root.findall("./testsuite/testcase")
    # every document read is a case, plus one per file-level problem; List items count one each
    objects_and_unreadable = json_report["summary"]["objects"] + json_report["summary"]["unreadable"]
    assert len(cases) >= objects_and_unreadable
    assert int(root.get("tests")) == len(cases) == sum(int(s.get("tests")) for s in root.findall("testsuite"))
    failed = [case for case in cases if case.find("failure") is not None]
    assert int(root.get("failures")) == len(failed)
    documents_with_errors = {(f["file"], f["document"]) for f in findings if f["severity"] == "error"}
    assert len(failed) >= len(documents_with_errors) > 0
    assert {f["file"] for f in findings} <= {s.get("name") for s in root.findall("testsuite")}
    failure_text = "\n".join(case.find("failure").text for case in failed)
    for finding in findings:
        if finding["severity"] == "error":
            assert f"{finding['file']}:{finding['line']}:{finding['column']}: error {finding['rule']}" in failure_text


def test_junit_fail_on_decides_what_fails(kubelint, tmp_path):
    manifest = tmp_path / "cert.yaml"
    manifest.write_text("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\n")
    default = ET.fromstring(kubelint("check", manifest, "--format", "junit").stdout)
    case = default.find("./testsuite/testcase")
    assert case.get("name") == "Certificate/web (document 1)"
    assert case.find("failure") is None and "schema/missing-schema" in case.find("system-out").text
    strict = ET.fromstring(kubelint("check", manifest, "--format", "junit", "--fail-on", "warning").stdout)
    assert strict.get("failures") == "1"
    assert strict.find("./testsuite/testcase/failure").get("type") == "schema/missing-schema"


def test_junit_escapes_input_text(kubelint, tmp_path):
    manifest = tmp_path / "odd.yaml"
    manifest.write_text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a<b&c"\n  "x]]>\\u0001y": 1\n')
    result = kubelint("check", manifest, "--format", "junit")
    root = ET.fromstring(result.stdout)  # well-formed despite <, &, ]]> and a control character
    failure = root.find("./testsuite/testcase/failure")
    assert root.find("./testsuite/testcase").get("name") == "ConfigMap/a<b&c (document 1)"
    assert "x]]>\\x01y" in failure.text  # the control character, escaped where XML cannot carry it


def test_github_annotations_escape_per_the_actions_toolkit(kubelint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "web,v1:app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labelz: {}\n"
        "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\n")
    result = kubelint("check", "web,v1:app.yaml", "--format", "github")
    lines = result.stdout.splitlines()
    assert lines[0] == ("::error file=web%2Cv1%3Aapp.yaml,line=5,col=3,title=kubelint schema/unknown-field::"
                        "unknown field 'labelz' (ConfigMap/web metadata.labelz)%0AFix: " + lines[0].split("%0AFix: ")[1])
    assert lines[1].startswith("::warning file=web%2Cv1%3Aapp.yaml,line=8,col=1,title=kubelint schema/missing-schema::")
    assert len(lines) == 2 and result.exit_code == 1
    sarif = json.loads(kubelint("check", "web,v1:app.yaml", "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"web%2Cv1%3Aapp.yaml"}  # a ':' left bare would read as a URI scheme


def test_github_data_escaping_of_percent_and_newlines(kubelint, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  "100%\\nsure": x\n')
    output = kubelint("check", manifest, "--format", "github").stdout
    assert output.count("\n") == 1  # one annotation, one line: the newline in the key is escaped
    assert "(ConfigMap/web metadata[100%25%0Asure])%0AFix: " in output


def test_several_formats_and_outputs_in_one_run(kubelint, tmp_path):
    sarif, junit = tmp_path / "kubelint.sarif", tmp_path / "junit.xml"
    result = kubelint("check", CHECK, "--format", "sarif", "--output", sarif, "--format", "junit", "--output", junit)
    assert result.exit_code in (1, 2)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(sarif.read_text()))
    assert ET.parse(junit).getroot().tag == "testsuites"
    # the terminal gets the text summary: findings per rule and the totals, not each finding
    assert "schema/unknown-field" in result.stdout and "errors" in result.stdout.splitlines()[-1]
    assert "fix:" not in result.stdout and "unknown field 'lables'" not in result.stdout
    quiet = kubelint("check", CHECK, "--quiet", "--format", "sarif", "--output", sarif)
    assert quiet.stdout == "" and json.loads(sarif.read_text())["runs"][0]["results"]


def test_output_takes_its_format_from_the_extension(kubelint, tmp_path):
    report = tmp_path / "report.json"
    result = kubelint("check", CHECK / "types.yaml", "--output", report, "--config", NO_LINT)
    assert json.loads(report.read_text())["findings"]
    assert result.stdout.splitlines()[-1].startswith(f"{len(json.loads(report.read_text())['findings'])} error")


def test_output_without_a_format_is_a_usage_error(kubelint, tmp_path):
    result = kubelint("check", CHECK / "types.yaml", "--output", tmp_path / "report.out")
    assert result.exit_code == 2
    assert "--output" in result.stderr and "--format" in result.stderr


def test_unwritable_output_is_a_clear_error(kubelint, tmp_path):
    result = kubelint("check", CHECK / "types.yaml", "--format", "json", "--output", tmp_path / "missing" / "r.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("kubelint: error: cannot write") and "Traceback" not in result.stderr


def test_each_output_takes_the_format_its_extension_names(kubelint, tmp_path):
    sarif = tmp_path / "kubelint.sarif"
    result = kubelint("check", CHECK / "types.yaml", "--format", "github", "--format", "sarif", "--output", sarif,
                      "--config", NO_LINT)
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert result.stdout.startswith("::error file=")  # github went to stdout
    assert "Kubernetes" not in result.stdout  # no text report: a format already went to the terminal


def test_outputs_without_a_telling_extension_pair_in_order(kubelint, tmp_path):
    first, second = tmp_path / "first.out", tmp_path / "second.out"
    kubelint("check", CHECK / "types.yaml", "-f", "junit", "-f", "json", "-o", first, "-o", second)
    assert first.read_text().startswith("<?xml") and json.loads(second.read_text())["findings"]
