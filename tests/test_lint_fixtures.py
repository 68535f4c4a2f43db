"""Whole manifests under fixtures/lint, checked with every default rule of every stage: the findings and
the `# expect: rule` markers are the same set of (line, rule) pairs."""

from __future__ import annotations

from collections import defaultdict

import pytest

from conftest import FIXTURES, expected_markers
from kubelint_py import engine
from kubelint_py.schemas import resolve_version

LINT = FIXTURES / "lint"
FILES = sorted(LINT.glob("*.yaml"))


@pytest.fixture(scope="module")
def found() -> dict[str, set[tuple[int, str]]]:
    report = engine.check([str(LINT)], engine.Options(resolve_version(None)))
    by_file = defaultdict(set)
    for finding in report.findings:
        by_file[finding.file].add((finding.line, finding.rule))
    return by_file


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_findings_match_markers(path, found):
    assert found.get(str(path), set()) == expected_markers(path)
