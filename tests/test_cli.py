"""The command line: output formats, exit codes, stdin, and the stable JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, NO_LINT, ROOT

EXAMPLES = FIXTURES / "examples"
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n"


def test_json_report_has_the_documented_shape(kubelint):
    result = kubelint("check", FIXTURES / "check" / "unknown-fields.yaml", "--format", "json", "--config", NO_LINT)
    report = json.loads(result.stdout)
    assert set(report) == {"version", "kubernetesVersion", "summary", "renderedBy", "findings"}
    assert set(report["summary"]) >= {"files", "documents", "findings"}
    assert set(report["summary"]["findings"]) == {"error", "warning", "info"}
    finding = report["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "fix", "file", "line", "column", "document", "object", "path",
                            "origin"}
    assert set(finding["object"]) == {"apiVersion", "kind", "namespace", "name"}
    assert finding == {
        "rule": "schema/unknown-field", "severity": "error", "message": "unknown field 'lables'",
        "fix": "Did you mean labels?", "file": str(FIXTURES / "check" / "unknown-fields.yaml"), "line": 6,
        "column": 3, "document": 1, "path": "metadata.lables",
        "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": None, "name": "web"},
        "origin": None,
    }


def test_text_report_shows_the_line_the_fix_and_a_summary(kubelint):
    result = kubelint("check", FIXTURES / "check" / "unknown-fields.yaml")
    assert result.exit_code == 1
    out = result.stdout
    assert "21:11" in out and "unknown field 'imagePullPolicyy'" in out
    assert "imagePullPolicyy: IfNotPresent" in out  # the offending source line
    assert "fix: Did you mean imagePullPolicy?" in out
    assert "Deployment/web spec.template.spec.containers[0].imagePullPolicyy" in out
    assert out.rstrip().endswith("(2 documents: 2 checked; Kubernetes 1.37)")
    assert "\x1b[" not in out  # no colours when not a terminal


def test_clean_input_exits_0(kubelint):
    result = kubelint("check", "-", stdin=CLEAN)
    assert result.exit_code == 0
    assert "no problems in 1 file" in result.stdout


def test_fail_on_sets_the_threshold(kubelint):
    custom = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"  # a warning: no schema
    assert kubelint("check", "-", stdin=custom).exit_code == 0
    assert kubelint("check", "-", "--fail-on", "warning", stdin=custom).exit_code == 1
    assert kubelint("check", "-", "--fail-on", "never", stdin=FIXTURES.joinpath("check", "types.yaml").read_text()).exit_code == 0


def test_unreadable_input_exits_2_and_the_rest_is_still_checked(kubelint, tmp_path):
    (tmp_path / "broken.yaml").write_text("a: [1,\n")
    (tmp_path / "good.yaml").write_text(CLEAN)
    (tmp_path / "typo.yaml").write_text(CLEAN.replace("\ndata:", "\ndta:"))
    result = kubelint("check", tmp_path, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [(f["file"].rsplit("/", 1)[1], f["rule"]) for f in report["findings"]] == [
        ("broken.yaml", "yaml/syntax"), ("typo.yaml", "schema/unknown-field")]
    assert report["summary"]["documents"] == 3 and report["summary"]["unreadable"] == 1


def test_usage_errors_exit_2_with_one_line(kubelint, tmp_path):
    result = kubelint("check", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"kubelint: error: no manifest files (*.yaml, *.yml, *.json) under {tmp_path}"
    result = kubelint("check", EXAMPLES, "--kubernetes-version", "1.12")
    assert result.exit_code == 2 and "no schemas for Kubernetes 1.12" in result.stderr
    assert kubelint("check", EXAMPLES, "--format", "yaml").exit_code == 2


def test_a_missing_path_is_reported_not_ignored(kubelint):
    result = kubelint("check", EXAMPLES, "does-not-exist.yaml", "--format", "json")
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    assert ("does-not-exist.yaml", "input/not-found") in {(f["file"], f["rule"]) for f in findings}


def test_kubernetes_version_changes_the_verdict(kubelint):
    flow = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n" \
           "spec:\n  priorityLevelConfiguration: {name: p}\n"
    assert kubelint("check", "-", "-k", "v1.31.4", stdin=flow).exit_code == 0
    assert kubelint("check", "-", "-k", "1.32", stdin=flow).exit_code == 1


def test_python_dash_m_and_version():
    result = subprocess.run([sys.executable, "-m", "kubelint_py", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.startswith("kubelint ")
    result = subprocess.run([sys.executable, "-m", "kubelint_py", "check", "fixtures/examples"], capture_output=True,
                            text=True, cwd="/")
    assert result.returncode == 2 and "no such file or directory" in result.stdout  # relative to the cwd, from anywhere


def test_a_valid_manifest_with_rule_findings_never_imports_jsonschema(tmp_path):
    """Start-up cost: the built-in rules place their findings themselves (prefilter.failures), and
    valid objects pass the compiled schema test, so jsonschema is left unimported."""
    manifest = tmp_path / "web.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
                        "      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n"
                        "          image: nginx:latest\n")
    probe = ("import json, sys; from kubelint_py import engine; from kubelint_py.schemas import resolve_version; "
             f"report = engine.check([{str(manifest)!r}], engine.Options(resolve_version(None))); "
             "print(json.dumps([len(report.findings), [f.rule for f in report.findings if f.rule.startswith('schema/')], "
             "'jsonschema' in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    count, schema_findings, imported = json.loads(result.stdout)
    assert count > 5 and schema_findings == [] and not imported
