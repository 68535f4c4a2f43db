"""Every rule file is valid, documented, and its examples behave: the failing one draws the finding at
each marked line (and nowhere else), the passing one draws none, and both are valid manifests."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from kubelint_py import catalog, engine, loader
from kubelint_py.config import Config, policy
from kubelint_py.lint.linter import Linter, Setting, activate
from kubelint_py.lint.rules import CATEGORIES, built_in, load_file
from kubelint_py.model import Severity
from kubelint_py.schemas import built_in_groups, resolve_version

RULES = built_in()
FILES = sorted((ROOT / "rules").glob("*.yaml"))
IDS = [rule.id for rule in RULES]
_EXPECT = re.compile(r"#\s*expect:\s*([\w/.,\s-]+?)\s*$")


def _markers(text: str) -> set[tuple[int, str]]:
    marks = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            marks.update((number, rule.strip()) for rule in match.group(1).split(","))
    return marks


def _lint(rule, text: str) -> set[tuple[int, str]]:
    """(line, rule) of the findings of `rule` alone over one example."""
    loaded = loader.load_text(text, "example.yaml")
    assert not loaded.findings, loaded.findings
    setting = Setting(enabled=True, params=rule.examples.get("params", {}))
    linter = Linter(activate([rule], {rule.id: setting}, {}), frozenset(built_in_groups()))
    problems = [(d, p) for d in loaded.documents for p in linter.check(d)] + list(linter.finish(loaded.documents))
    return {(document.locate(problem.path)[0], problem.rule) for document, problem in problems}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_rule_file_is_valid(path):
    load_file(str(path), built_in=True, validate=True)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_failing_example_draws_the_finding_at_each_marked_line(rule):
    expected = _markers(rule.examples["fail"])
    assert expected, "the failing example marks no line with # expect: " + rule.id
    assert {m for m in expected if m[1] != rule.id} == set(), "markers name another rule"
    assert _lint(rule, rule.examples["fail"]) == expected


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_passing_example_draws_nothing(rule):
    assert not _markers(rule.examples["pass"])
    assert _lint(rule, rule.examples["pass"]) == set()


@pytest.mark.parametrize("rule", RULES, ids=IDS)
@pytest.mark.parametrize("which", ["fail", "pass"])
def test_examples_are_valid_manifests(rule, which, tmp_path):
    path = tmp_path / "example.yaml"
    path.write_text(rule.examples[which])
    quiet = policy(Config(categories={c: False for c in CATEGORIES}), catalog.stage_rules())
    options = engine.Options(resolve_version(None), policy=quiet, assume_namespaces=("shop",))
    report = engine.check([str(path)], options)
    assert [f for f in report.findings if f.severity >= Severity.WARNING and f.rule != "schema/missing-schema"] == []


def test_ids_are_unique_across_stages():
    ids = [info.id for info in catalog.stage_rules()] + IDS
    assert len(ids) == len(set(ids))


def test_every_check_function_is_used_by_exactly_one_rule():
    import importlib
    import inspect
    import pkgutil

    from kubelint_py.lint import checks

    used = [rule.function for rule in RULES if rule.function is not None]
    assert len(used) == len(set(used))
    public = set()
    for module in pkgutil.iter_modules(checks.__path__):
        loaded = importlib.import_module(f"kubelint_py.lint.checks.{module.name}")
        for name, function in inspect.getmembers(loaded, inspect.isfunction):
            parameters = list(inspect.signature(function).parameters)
            if function.__module__ == loaded.__name__ and parameters == ["target", "params"] \
                    or parameters == ["inventory", "params"]:
                public.add(function)
    assert public == set(used)


def test_catalogue_covers_the_issue():
    assert len(RULES) >= 70
    assert {rule.category for rule in RULES} == set(CATEGORIES)
