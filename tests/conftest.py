"""Shared helpers: fixture paths, `# expect:` markers, and running the CLI in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kubelint_py.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"

# For tests of the other stages: the lint rules off, so that the findings are the stage's own.
NO_LINT = FIXTURES / "config" / "no-lint.yaml"


def no_lint_policy():
    from kubelint_py import catalog
    from kubelint_py.config import load, policy

    return policy(load(str(NO_LINT)), catalog.stage_rules())


_EXPECT = re.compile(r"#\s*expect:\s*([\w/.,\s-]+?)\s*$")


def expected_markers(path: Path) -> set[tuple[int, str]]:
    """(line, rule) pairs marked in a fixture with a trailing `# expect: rule-a, rule-b` comment."""
    marks = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            marks.update((number, rule.strip()) for rule in match.group(1).split(","))
    return marks


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str):
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr


@pytest.fixture
def kubelint():
    """Run `kubelint ARGS` in-process; returns exit code, stdout and stderr."""

    def run(*args: str, stdin: str | bytes | None = None) -> Result:
        result = CliRunner().invoke(app, [str(a) for a in args], input=stdin, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
