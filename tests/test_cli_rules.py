"""`kubelint rules` and `kubelint explain`."""

from __future__ import annotations

import json

from kubelint_py import catalog
from kubelint_py.lint.rules import built_in


def test_rules_lists_every_rule_of_every_stage(kubelint):
    result = kubelint("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    ids = [line.split()[0] for line in lines]
    assert ids == [r.id for r in catalog.stage_rules()] + [r.id for r in built_in()]
    host_pid = next(line for line in lines if line.startswith("host-pid "))
    assert host_pid.split(None, 3) == ["host-pid", "security", "error",
                                       "A pod shares the node's process namespace (hostPID true)."]
    assert next(line for line in lines if line.startswith("cpu-limit-missing ")).split()[2] == "off"


def test_rules_as_json_has_the_documented_keys(kubelint):
    rows = json.loads(kubelint("rules", "--format", "json").stdout)
    assert all(set(row) == {"id", "category", "severity", "summary", "enabled"} for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert by_id["schema/unknown-field"]["category"] == "validation"
    assert by_id["cpu-limit-missing"]["enabled"] is False
    assert by_id["ignore/unknown-rule"]["severity"] == "warning"


def test_rules_shows_configured_severities(kubelint, tmp_path, monkeypatch):
    (tmp_path / ".kubelint.yaml").write_text("rules:\n  host-pid: warning\n  cpu-limit-missing: on\n")
    monkeypatch.chdir(tmp_path)
    by_id = {row["id"]: row for row in json.loads(kubelint("rules", "-f", "json").stdout)}
    assert (by_id["host-pid"]["severity"], by_id["cpu-limit-missing"]["enabled"]) == ("warning", True)


def test_explain_prints_the_rule_documentation(kubelint):
    result = kubelint("explain", "service-selects-no-pods")
    assert result.exit_code == 0
    text = result.stdout
    for heading in ("# service-selects-no-pods", "## What it does", "## Why it matters", "## Example",
                    "Use instead:", "## Fix", "## Same check in other tools"):
        assert heading in text
    assert "selector:  # <- reported here" in text
    assert "kube-linter: `dangling-service`" in text


def test_explain_knows_other_stages_rules(kubelint):
    result = kubelint("explain", "schema/unknown-field")
    assert result.exit_code == 0 and "## Why it matters" in result.stdout


def test_explain_unknown_rule_suggests_the_closest(kubelint):
    result = kubelint("explain", "host-pids")
    assert result.exit_code == 2
    assert result.stderr.strip() == "kubelint: error: no rule or diagnose cause 'host-pids'; did you mean host-pid?"


def test_explain_knows_diagnose_causes(kubelint):
    result = kubelint("explain", "exits-successfully")
    assert result.exit_code == 0
    assert result.stdout.startswith("# exits-successfully") and "Stage: runtime" in result.stdout
    assert kubelint("explain", "exits-sucessfully").stderr.strip().endswith("did you mean exits-successfully?")
