"""Where manifests come from, through the CLI: Helm output on stdin, Kustomize directories, .gitignore."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, NO_LINT

HELM = FIXTURES / "helm" / "web-rendered.yaml"
KUSTOMIZE = FIXTURES / "kustomize"
OVERLAY = KUSTOMIZE / "overlays" / "prod"


def _kubectl() -> str:
    """The machine's kubectl."""
    found = shutil.which("kubectl")
    if not found:
        pytest.skip("no kubectl on this machine")
    return found


@pytest.fixture
def only_kubectl(tmp_path, monkeypatch):
    """PATH holding a kubectl and nothing else, so no standalone kustomize is found."""
    bin_dir = tmp_path / "bin-kubectl"
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(_kubectl())
    monkeypatch.setenv("PATH", str(bin_dir))


def test_helm_template_on_stdin_names_the_source_template(kubelint):
    text = kubelint("check", "--config", NO_LINT, "-", stdin=HELM.read_text())
    assert text.exit_code == 1
    assert "<stdin>" in text.stdout
    assert "Deployment/release-web spec.template.spec.containers[0].ports[0].containerPort" in text.stdout
    assert "(from web/templates/deployment.yaml)" in text.stdout
    assert '67 |               containerPort: "8080"' in text.stdout  # the offending line of the stream

    findings = json.loads(kubelint("check", "--config", NO_LINT, "-", "--format", "json", stdin=HELM.read_text()).stdout)["findings"]
    assert [(f["rule"], f["line"], f["origin"]) for f in findings] == [
        ("schema/type", 67, "web/templates/deployment.yaml")]


def test_helm_origin_is_the_file_in_ci_formats(kubelint):
    github = kubelint("check", "--config", NO_LINT, "-", "--format", "github", stdin=HELM.read_text()).stdout
    assert github.startswith("::error file=web/templates/deployment.yaml,title=kubelint schema/type::")
    assert "At line 67 of stdin." in github.replace("%0A", " ")

    sarif = json.loads(kubelint("check", "--config", NO_LINT, "-", "--format", "sarif", stdin=HELM.read_text()).stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web/templates/deployment.yaml"
    assert result["properties"]["origin"] == "web/templates/deployment.yaml"

    junit = kubelint("check", "--config", NO_LINT, "-", "--format", "junit", stdin=HELM.read_text()).stdout
    assert "(from web/templates/deployment.yaml)" in junit


def test_kustomize_directory_is_rendered_with_kubectl(kubelint, only_kubectl):
    result = kubelint("check", "--config", NO_LINT, OVERLAY)
    assert result.exit_code == 1
    assert f"{OVERLAY} (rendered by kubectl kustomize)" in result.stdout
    assert "unknown field 'readinessprobe'" in result.stdout
    assert "Deployment/prod/api spec.template.spec.containers[0].readinessprobe" in result.stdout
    assert "1 Kustomize directory rendered by kubectl kustomize" in result.stdout.splitlines()[-1]
    # the rendered objects, not the patch: the selector comes from the base's kustomization
    assert "schema/required" not in result.stdout

    # the namespace prod exists in the cluster (else apply/unknown-namespace warns)
    report = json.loads(kubelint("check", "--config", NO_LINT, OVERLAY, "--assume-namespace", "prod", "--format", "json").stdout)
    assert report["renderedBy"] == {str(OVERLAY): "kubectl kustomize"}
    assert [(f["rule"], f["object"]["kind"], f["object"]["namespace"], f["object"]["name"]) for f in report["findings"]] \
        == [("schema/unknown-field", "Deployment", "prod", "api")]


def test_a_standalone_kustomize_is_preferred(kubelint, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin-kustomize"
    bin_dir.mkdir()
    log = tmp_path / "kustomize.log"
    # a kustomize that records how it was called, then builds like the real one (through kubectl)
    (bin_dir / "kustomize").write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {_kubectl()} kustomize "$2"\n')
    (bin_dir / "kustomize").chmod(0o755)
    (bin_dir / "kubectl").symlink_to(_kubectl())
    monkeypatch.setenv("PATH", str(bin_dir))
    result = kubelint("check", OVERLAY)
    assert "(rendered by kustomize build)" in result.stdout
    assert log.read_text().split() == ["build", str(OVERLAY)]


def test_without_kustomize_or_kubectl_the_error_says_how_to_install_one(kubelint, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither is on it
    result = kubelint("check", OVERLAY, FIXTURES / "check" / "types.yaml", "--format", "json")
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    missing = [f for f in findings if f["rule"] == "input/kustomize"]
    assert len(missing) == 1 and missing[0]["file"] == str(OVERLAY)
    assert "neither kustomize nor kubectl is installed" in missing[0]["message"]
    assert "Install kubectl" in missing[0]["fix"] and "--no-kustomize" in missing[0]["fix"]
    assert any(f["file"].endswith("types.yaml") for f in findings)  # the other inputs are still checked


def test_a_failing_build_quotes_kustomize(kubelint, tmp_path, only_kubectl):
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    result = kubelint("check", tmp_path, "--format", "json")
    assert result.exit_code == 2
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "input/kustomize"
    assert finding["message"].startswith("kubectl kustomize failed: ") and "missing.yaml" in finding["message"]
    assert "\n" not in finding["message"]


def test_files_inside_a_kustomize_directory_stand_for_it(kubelint, only_kubectl):
    # what a pre-commit hook passes when a patch changes: the patch alone is a partial Deployment
    result = kubelint("check", "--config", NO_LINT, OVERLAY / "resources.yaml", OVERLAY / "kustomization.yaml", "--format", "json",
                      "--assume-namespace", "prod")
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 1 and report["renderedBy"] == {str(OVERLAY): "kubectl kustomize"}
    assert [f["rule"] for f in report["findings"]] == ["schema/unknown-field"]


def test_walking_a_tree_renders_each_kustomize_directory(kubelint, only_kubectl):
    report = json.loads(kubelint("check", KUSTOMIZE, "--format", "json").stdout)
    assert set(report["renderedBy"]) == {str(KUSTOMIZE / "base"), str(OVERLAY)}
    assert report["summary"]["documents"] == 4


def test_no_kustomize_checks_the_files_as_they_are(kubelint, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    report = json.loads(kubelint("check", KUSTOMIZE, "--no-kustomize", "--format", "json").stdout)
    assert report["renderedBy"] == {}
    rules = {(Path(f["file"]).name, f["rule"]) for f in report["findings"]}
    assert ("deployment.yaml", "schema/required") in rules  # no selector before rendering
    assert ("resources.yaml", "schema/unknown-field") in rules


def test_a_kustomize_component_is_left_to_the_overlays_using_it(kubelint, tmp_path, only_kubectl):
    component = tmp_path / "components" / "debug"
    component.mkdir(parents=True)
    (component / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: patch.yaml\n")
    (component / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n")
    shutil.copytree(KUSTOMIZE / "base", tmp_path / "base")
    report = json.loads(kubelint("check", "--config", NO_LINT, tmp_path, "--format", "json").stdout)
    assert list(report["renderedBy"]) == [str(tmp_path / "base")]
    assert report["findings"] == []


def _git_repo(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  port: 80\n"


def test_gitignore_is_respected_in_directories(kubelint, tmp_path):
    _git_repo(tmp_path)
    (tmp_path / ".gitignore").write_text("generated/\n*.rendered.yaml\n!keep.rendered.yaml\n/top-only.yaml\n")
    for name in ("app.yaml", "generated/out.yaml", "x.rendered.yaml", "keep.rendered.yaml", "top-only.yaml",
                 "sub/top-only.yaml", "sub/local.yaml", "sub/deeper/kept.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BAD)
    (tmp_path / "sub" / ".gitignore").write_text("local.yaml\n")

    checked = {os.path.relpath(f["file"], tmp_path) for f in
               json.loads(kubelint("check", tmp_path, "--format", "json").stdout)["findings"]}
    assert checked == {"app.yaml", "keep.rendered.yaml", "sub/top-only.yaml", "sub/deeper/kept.yaml"}

    # a subdirectory still obeys the .gitignore files above it, up to the repository root
    checked = {os.path.relpath(f["file"], tmp_path) for f in
               json.loads(kubelint("check", tmp_path / "sub", "--format", "json").stdout)["findings"]}
    assert checked == {"sub/top-only.yaml", "sub/deeper/kept.yaml"}

    everything = json.loads(kubelint("check", tmp_path, "--no-gitignore", "--format", "json").stdout)
    assert everything["summary"]["files"] == 8

    # a directory or file named on the command line is checked even if ignored
    named = json.loads(kubelint("check", tmp_path / "generated", "--format", "json").stdout)
    assert named["summary"]["files"] == 1
    named = json.loads(kubelint("check", tmp_path / "generated" / "out.yaml", "--format", "json").stdout)
    assert named["summary"]["files"] == 1


def test_exclude_glob(kubelint, tmp_path):
    for name in ("app.yaml", "vendor/lib.yaml", "app.test.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BAD)
    report = json.loads(kubelint("check", tmp_path, "--exclude", "vendor", "--exclude", "*.test.yaml",
                                 "--format", "json").stdout)
    assert [os.path.relpath(f["file"], tmp_path) for f in report["findings"]] == ["app.yaml"]


def test_kustomize_findings_in_ci_formats_point_at_the_kustomization(kubelint, only_kubectl, monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    overlay = "fixtures/kustomize/overlays/prod"
    sarif = json.loads(kubelint("check", "--config", NO_LINT, overlay, "--assume-namespace", "prod", "--format", "sarif").stdout)
    [result] = sarif["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == f"{overlay}/kustomization.yaml"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "Deployment/prod/api"
    assert "line 37 of the kubectl kustomize output" in result["message"]["text"]
    assert sarif["runs"][0]["properties"]["renderedBy"] == {overlay: "kubectl kustomize"}
    github = kubelint("check", "--config", NO_LINT, overlay, "--assume-namespace", "prod", "--format", "github").stdout
    assert github.startswith(f"::error file={overlay}/kustomization.yaml,title=kubelint schema/unknown-field::")
