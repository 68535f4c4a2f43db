"""The pre-commit hook for real: pre-commit installs .pre-commit-hooks.yaml's hook from this checkout
into a git repository, refuses a commit of a broken manifest with kubelint's message and accepts the fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from conftest import ROOT

BROKEN = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicyy: IfNotPresent
"""
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"


def test_hook_refuses_a_broken_manifest_and_accepts_the_fix(tmp_path):
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "kubelint")
    assert hook["language"] == "python" and hook["types"] == ["yaml"]
    # `repo: local` with this checkout as the hook's package: pre-commit builds its own environment
    # and pip-installs kubelint into it, as it would from a `repo:` URL.
    local_hook = {**hook, "additional_dependencies": [str(ROOT)]}
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    run("git", "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(json.dumps({"repos": [{"repo": "local", "hooks": [local_hook]}]}))
    assert run(sys.executable, "-m", "pre_commit", "install").returncode == 0
    run("git", "add", ".pre-commit-config.yaml")

    (repo / "deploy").mkdir()
    (repo / "deploy" / "web.yaml").write_text(BROKEN)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)  # YAML, but no manifest: not checked
    run("git", "add", "deploy/web.yaml", ".github/workflows/ci.yml")
    refused = run("git", "commit", "-m", "Add the web deployment")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "kubelint" in output and "Failed" in output
    assert "deploy/web.yaml" in output and "unknown field 'imagePullPolicyy'" in output
    assert "Did you mean imagePullPolicy?" in output
    assert "ci.yml" not in output
    assert run("git", "rev-parse", "--verify", "HEAD").returncode != 0  # nothing was committed

    (repo / "deploy" / "web.yaml").write_text(BROKEN.replace("imagePullPolicyy", "imagePullPolicy"))
    run("git", "add", "deploy/web.yaml")
    accepted = run("git", "commit", "-m", "Add the web deployment")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "kubelint" in accepted.stderr and "Passed" in accepted.stderr
    files = run("git", "show", "--name-only", "--format=", "HEAD").stdout.split()
    assert sorted(files) == [".github/workflows/ci.yml", ".pre-commit-config.yaml", "deploy/web.yaml"]
    assert Path(repo / ".git" / "hooks" / "pre-commit").exists()
