"""Every fixture under fixtures/diagnose states what the diagnosis must be, in its leading comments:

    # expect: KIND/NAMESPACE/NAME STATUS STAGE CAUSE     (the root cause of that object)
    # expect-error: TEXT                                  (a part of the input cannot be read)

and every object a fixture names must come out with exactly that status, stage and root cause.
"""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES
from kubelint_py.diagnose import STAGES, run

DIAGNOSE = FIXTURES / "diagnose"
FILES = sorted(p for p in DIAGNOSE.rglob("*") if p.is_file())
_EXPECT = re.compile(r"^# expect: (?P<ref>\S+)\s+(?P<status>\S+)\s+(?P<stage>\S+)\s+(?P<cause>\S+)\s*$", re.M)
_EXPECT_ERROR = re.compile(r"^# expect-error: (?P<text>.+?)\s*$", re.M)


def _ref(entry) -> str:
    parts = [entry.kind] + ([entry.namespace] if entry.namespace else []) + [entry.name]
    return "/".join(parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DIAGNOSE)))
def test_fixture_diagnosis(path):
    text = path.read_text(encoding="utf-8")
    expected = {m["ref"]: (m["status"], m["stage"], m["cause"]) for m in _EXPECT.finditer(text)}
    errors = [m["text"] for m in _EXPECT_ERROR.finditer(text)]
    assert expected or errors, "a fixture must say what it expects"
    result = run([str(path)])
    got = {_ref(e): (e.status, e.diagnoses[0].cause.stage if e.diagnoses else None,
                     e.diagnoses[0].cause.id if e.diagnoses else None) for e in result.entries}
    for ref, want in expected.items():
        assert got.get(ref) == want, f"{ref}: got {got.get(ref)}, all: {got}"
    for error in errors:
        assert any(error in e for e in result.errors), result.errors
    if not errors:
        assert result.errors == []


def test_fixtures_cover_every_stage():
    stages = set()
    for path in FILES:
        stages.update(m["stage"] for m in _EXPECT.finditer(path.read_text(encoding="utf-8")))
    assert stages == set(STAGES)


def test_at_least_sixty_fixtures():
    assert len(FILES) >= 60
