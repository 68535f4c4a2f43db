"""Configuration: where it is found, what each key does, and clear errors for bad keys (exit code 2)."""

from __future__ import annotations

import json
import os

import pytest

from conftest import FIXTURES

SHOP = FIXTURES / "config" / "shop.yaml"  # draws exactly one finding by default: service-node-port (warning)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository checkout with the shop manifests, as the working directory."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "shop.yaml").write_text(SHOP.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(result) -> list[str]:
    return [f["rule"] for f in json.loads(result.stdout)["findings"]]


def test_without_configuration_the_defaults_apply(project, kubelint):
    result = kubelint("check", "deploy", "-f", "json")
    assert (result.exit_code, rules_of(result)) == (0, ["service-node-port"])


def test_kubelint_yaml_is_found_upward_from_the_working_directory(project, kubelint, monkeypatch):
    (project / ".kubelint.yaml").write_text("rules:\n  service-node-port: error\n")
    monkeypatch.chdir(project / "deploy")
    result = kubelint("check", "shop.yaml", "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["severity"] == "error"


def test_pyproject_tool_table_is_read(project, kubelint):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.kubelint]\nrules = { service-node-port = "off" }\n')
    assert rules_of(kubelint("check", "deploy", "-f", "json")) == []


def test_kubelint_yaml_wins_over_pyproject_in_the_same_directory(project, kubelint):
    (project / "pyproject.toml").write_text('[tool.kubelint]\nrules = { service-node-port = "off" }\n')
    (project / ".kubelint.yaml").write_text("rules:\n  service-node-port: info\n")
    assert json.loads(kubelint("check", "deploy", "-f", "json").stdout)["findings"][0]["severity"] == "info"


def test_config_option_names_the_file(project, kubelint, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("ci") / "lint.yaml"
    elsewhere.write_text("categories:\n  networking: off\n")
    assert rules_of(kubelint("check", "deploy", "--config", str(elsewhere), "-f", "json")) == []


def test_opt_in_rules_are_enabled_by_name_and_options_enable_a_rule(project, kubelint):
    (project / ".kubelint.yaml").write_text(
        "rules:\n  cpu-limit-missing: on\n  required-labels:\n    labels: [team]\n    severity: error\n")
    result = kubelint("check", "deploy", "-f", "json")
    assert sorted(set(rules_of(result))) == ["cpu-limit-missing", "required-labels", "service-node-port"]
    assert result.exit_code == 1


def test_rule_options_are_used(project, kubelint):
    (project / ".kubelint.yaml").write_text(
        "rules:\n  image-registry-not-allowed:\n    registries: [registry.example.com]\n")
    findings = json.loads(kubelint("check", "deploy", "-f", "json").stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings if f["rule"] == "image-registry-not-allowed"] == \
        [("image-registry-not-allowed", 36)]


def test_rule_settings_win_over_category_settings(project, kubelint):
    (project / ".kubelint.yaml").write_text(
        "categories:\n  networking: off\n  cross-object: off\nrules:\n  service-node-port: warning\n")
    assert rules_of(kubelint("check", "deploy", "-f", "json")) == ["service-node-port"]


def test_other_stages_rules_can_be_switched_off_or_made_less_severe(project, kubelint):
    (project / "deploy" / "crd-user.yaml").write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: shop\n  namespace: shop\n")
    assert "schema/missing-schema" in rules_of(kubelint("check", "deploy", "-f", "json"))
    (project / ".kubelint.yaml").write_text("rules:\n  schema/missing-schema: off\n  service-node-port: off\n")
    assert rules_of(kubelint("check", "deploy", "-f", "json")) == []


def test_exclude_kubernetes_version_and_fail_on(project, kubelint):
    (project / "deploy" / "vendor").mkdir()
    (project / "deploy" / "vendor" / "old.yaml").write_text(
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: old\n")
    (project / ".kubelint.yaml").write_text(
        'kubernetes-version: "1.30"\nfail-on: warning\nexclude: ["*/vendor/*"]\n')
    result = kubelint("check", "deploy", "-f", "json")
    assert (result.exit_code, rules_of(result)) == (1, ["service-node-port"])
    assert json.loads(result.stdout)["kubernetesVersion"] == "1.30"
    assert kubelint("check", "deploy", "--fail-on", "error").exit_code == 0  # the command line wins


@pytest.mark.parametrize("text, message", [
    ("rulez:\n  host-pid: off\n", ".kubelint.yaml: rulez: unknown key (did you mean rules?)"),
    ("rules:\n  privileged-containers: off\n",
     ".kubelint.yaml: rules.privileged-containers: unknown rule (did you mean privileged-container?)"),
    ("rules:\n  host-pid: fatal\n",
     '.kubelint.yaml: rules.host-pid: "fatal" is not one of on, off, error, warning, info'),
    ("rules:\n  replicas-too-low:\n    minimum: two\n",
     ".kubelint.yaml: rules.replicas-too-low.minimum: 'two' is not of type 'integer'"),
    ("rules:\n  replicas-too-low:\n    min: 3\n",
     ".kubelint.yaml: rules.replicas-too-low.min: unknown option (did you mean minimum?); this rule takes: enabled, "
     "severity, minimum"),
    ("categories:\n  securty: off\n", ".kubelint.yaml: categories.securty: unknown category (did you mean security?)"),
    ("kubernetes-version: 1.30\n", '.kubelint.yaml: kubernetes-version: quote the version ("1.3" is read as a number)'),
    ('kubernetes-version: "1.12"\n', ".kubelint.yaml: no schemas for Kubernetes 1.12"),
    ("rules: [host-pid]\n", ".kubelint.yaml: rules: ['host-pid'] is not of type 'object'"),
    ("rules:\n  host-pid: off\n  host-pid: on\n", ".kubelint.yaml:3:3: duplicate key 'host-pid'"),
])
def test_bad_configuration_is_a_one_line_error_naming_the_key(project, kubelint, text, message):
    (project / ".kubelint.yaml").write_text(text)
    result = kubelint("check", "deploy")
    assert result.exit_code == 2
    assert result.stdout == ""
    error = result.stderr.strip()
    assert "\n" not in error and error.startswith("kubelint: error: ") and message in error


def test_missing_config_file_is_an_error(project, kubelint):
    result = kubelint("check", "deploy", "--config", "nope.yaml")
    assert result.exit_code == 2 and "nope.yaml: no such configuration file" in result.stderr


def test_user_rules_from_a_directory_run_and_are_listed(project, kubelint):
    rules_dir = str(FIXTURES / "user-rules")
    result = kubelint("check", "deploy", "--rules-dir", rules_dir, "-f", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings if f["rule"] == "ingress-class-required"] == \
        [("ingress-class-required", 86)]
    assert result.exit_code == 1
    listed = json.loads(kubelint("rules", "--rules-dir", rules_dir, "-f", "json").stdout)
    assert {"id": "ingress-class-required", "category": "networking", "severity": "error",
            "summary": "An Ingress does not name its ingress class.", "enabled": True} in listed


def test_rules_dir_in_configuration_is_relative_to_the_file(project, kubelint):
    (project / "policies").mkdir()
    rule = (FIXTURES / "user-rules" / "ingress-class-required.yaml").read_text()
    (project / "policies" / "ingress-class-required.yaml").write_text(rule)
    (project / ".kubelint.yaml").write_text("rules-dir: [policies]\nrules:\n  ingress-class-required: warning\n")
    os.chdir(project / "deploy")
    findings = json.loads(kubelint("check", "shop.yaml", "-f", "json").stdout)["findings"]
    assert {(f["rule"], f["severity"]) for f in findings} == {("ingress-class-required", "warning"),
                                                              ("service-node-port", "warning")}


def test_a_broken_user_rule_names_file_line_and_problem(project, kubelint):
    result = kubelint("check", "deploy", "--rules-dir", str(FIXTURES / "user-rules-broken"))
    assert result.exit_code == 2
    assert "replicas-limit.yaml:11:20: " in result.stderr and "check is not a valid JSON Schema" in result.stderr


def test_user_rules_cannot_run_code_or_reuse_ids(project, kubelint, tmp_path_factory):
    rules_dir = tmp_path_factory.mktemp("rules")
    rule = (FIXTURES / "user-rules" / "ingress-class-required.yaml").read_text()
    (rules_dir / "ingress-class-required.yaml").write_text(rule.replace("check:\n", "function: os.system\ncheck:\n"))
    assert "only built-in rules run functions" in kubelint("check", "deploy", "--rules-dir", str(rules_dir)).stderr
    (rules_dir / "ingress-class-required.yaml").unlink()
    (rules_dir / "host-pid.yaml").write_text(rule.replace("id: ingress-class-required", "id: host-pid"))
    assert "rule id host-pid is defined twice" in kubelint("check", "deploy", "--rules-dir", str(rules_dir)).stderr


def test_a_user_rule_with_a_misspelt_key_is_named(project, kubelint, tmp_path_factory):
    rules_dir = tmp_path_factory.mktemp("rules")
    rule = (FIXTURES / "user-rules" / "ingress-class-required.yaml").read_text()
    (rules_dir / "ingress-class-required.yaml").write_text(rule.replace("severity: error", "serverity: error"))
    error = kubelint("check", "deploy", "--rules-dir", str(rules_dir)).stderr
    assert "ingress-class-required.yaml:2:1: rule: unknown key 'serverity' (did you mean severity?)" in error


def test_a_category_severity_changes_the_rules_that_run_and_on_switches_on_its_opt_in_rules(project, kubelint):
    (project / ".kubelint.yaml").write_text("categories:\n  efficiency: warning\n  networking: info\n")
    findings = json.loads(kubelint("check", "deploy", "-f", "json").stdout)["findings"]
    # cpu-limit-missing, an opt-in efficiency rule, stays off
    assert [(f["rule"], f["severity"]) for f in findings] == [("service-node-port", "info")]
    (project / ".kubelint.yaml").write_text("categories:\n  efficiency: on\n")
    assert "cpu-limit-missing" in rules_of(kubelint("check", "deploy", "-f", "json"))
