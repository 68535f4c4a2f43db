"""Every `# expect: rule` marker in fixtures/check is found at its line, and nothing else is.

These fixtures are about reading and validating manifests, so the lint rules are switched off here;
each lint rule's own examples are tested in test_rule_catalog.py.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from conftest import FIXTURES, expected_markers, no_lint_policy
from kubelint_py import engine
from kubelint_py.schemas import resolve_version

CHECK = FIXTURES / "check"
FILES = sorted(p for p in CHECK.rglob("*.yaml"))


@pytest.fixture(scope="module")
def found() -> dict[str, set[tuple[int, str]]]:
    report = engine.check([str(CHECK)], engine.Options(resolve_version(None), policy=no_lint_policy()))
    by_file = defaultdict(set)
    for finding in report.findings:
        by_file[finding.file].add((finding.line, finding.rule))
    return by_file


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CHECK)))
def test_findings_match_markers(path, found):
    assert found.get(str(path), set()) == expected_markers(path)
