"""Smoke test over real-world manifests (../shared/corpus): no crash, every document accounted for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not next to this checkout")


@pytest.fixture(scope="module")
def reports() -> dict[int, subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "kubelint_py", "check", str(CORPUS), "--format", "json"]
    return {jobs: subprocess.run(command + ["--jobs", str(jobs)], capture_output=True, text=True) for jobs in (1, 2)}


def test_every_document_is_checked_or_reported(reports):
    result = reports[1]
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["files"] == 1633 and summary["documents"] == 3388
    assert summary["checked"] + summary["unreadable"] == summary["documents"]


def test_worker_processes_change_nothing(reports):
    assert reports[1].stdout == reports[2].stdout
