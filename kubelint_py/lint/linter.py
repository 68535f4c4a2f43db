"""The lint stage of one run: which rules are on, with what severity and options, and running them.

Per object, the rules that apply to its kind are looked up once per kind, the targets they need are
extracted once, and each rule's compiled validator runs over its targets. Rules whose target is the
whole input run once, after every file has been read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from kubelint_py import prefilter
from kubelint_py.lint.inventory import Inventory
from kubelint_py.lint.rules import Rule
from kubelint_py.lint.targets import Target, extract, kind_keys
from kubelint_py.model import Document, Problem, Severity, format_path
from kubelint_py.schemas import release


@dataclass(frozen=True)
class Setting:
    """What configuration says about a rule or a category; None leaves the rule's default."""

    enabled: bool | None = None
    severity: Severity | None = None
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class Active:
    """A rule switched on for this run, with its effective severity and options."""

    rule: Rule
    severity: Severity
    params: dict
    _compiled: tuple | None = None  # (schema, test, jsonschema validator or None), built on first use

    def __getstate__(self) -> dict:
        # compiled tests stay in the process that built them (lambdas do not pickle)
        return {**self.__dict__, "_compiled": None}

    def compiled(self) -> tuple[Any, Callable[[Any], bool], Any]:
        """The rule's schema; a test that is False where the schema cannot fail; and jsonschema's
        validator for a schema with keywords the test does not understand, None where the test is exact."""
        if self._compiled is None:
            schema = self.rule.schema_for(self.params)
            exact = prefilter.compile_exact(schema)
            if exact is not None:
                self._compiled = schema, exact, None
            else:
                from jsonschema import Draft202012Validator

                self._compiled = schema, prefilter.compile_test(schema), Draft202012Validator(schema)
        return self._compiled


def activate(rules: Iterable[Rule], settings: dict[str, Setting], categories: dict[str, Setting]) -> list[Active]:
    """The rules that run, after category settings and then rule settings (the more specific wins)."""
    active = []
    for rule in rules:
        enabled, severity, params = rule.enabled, rule.severity, {n: p.default for n, p in rule.params.items()}
        for setting in (categories.get(rule.category), settings.get(rule.id)):
            if setting is None:
                continue
            if setting.params:
                params.update(setting.params)
                enabled = True  # setting a rule's options asks for the rule
            if setting.enabled is not None:
                enabled = setting.enabled
            if setting.severity is not None:
                severity = setting.severity
        if enabled:
            active.append(Active(rule, severity, params))
    return active


class Linter:
    def __init__(self, active: list[Active], built_in_groups: frozenset[str]):
        self.built_in_groups = built_in_groups
        self.per_object = [a for a in active if not a.rule.set_wide]
        self.set_wide = [a for a in active if a.rule.set_wide]
        self._plans: dict[tuple[str, ...], dict[str, list[Active]]] = {}

    def check(self, document: Document) -> list[Problem]:
        """Problems the per-object rules find in one object."""
        body = document.body
        keys = kind_keys(body, self.built_in_groups)
        plan = self._plans.get(keys)
        if plan is None:
            plan = self._plans[keys] = self._plan(keys)
        if not plan:
            return []
        problems: list[Problem] = []
        targets = extract(document, set(plan), built_in=len(keys) == 2)  # `Kind` among the keys: a built-in group
        for target_kind, rules in plan.items():
            for target in targets.get(target_kind, ()):
                for active in rules:
                    if not (target.windows and active.rule.linux_only):
                        problems.extend(_evaluate(active, target))
        return problems

    def _plan(self, keys: tuple[str, ...]) -> dict[str, list[Active]]:
        plan: dict[str, list[Active]] = {}
        for active in self.per_object:
            kinds = active.rule.kinds
            if kinds is not None and not kinds.intersection(keys):
                continue
            for target in active.rule.targets:
                plan.setdefault(target, []).append(active)
        return plan

    def finish(self, documents: list[Document]) -> Iterator[tuple[Document, Problem]]:
        """Problems the set-wide rules find across the whole input."""
        if not self.set_wide:
            return
        inventory = Inventory(documents, self.built_in_groups)
        for active in self.set_wide:
            for document, problem in active.rule.function(inventory, active.params):
                yield document, _stamp(active, problem, _values(active, document))


def _evaluate(active: Active, target: Target) -> Iterator[Problem]:
    rule = active.rule
    if rule.function is not None:
        for problem in rule.function(target, active.params):
            stamped = _stamp(active, problem, _values(active, target.document, target))
            yield Problem(target.object_path(problem.path), stamped.message, stamped.fix, rule.id, stamped.severity)
        return
    schema, may_fail, validator = active.compiled()
    if not may_fail(target.value):
        return
    if validator is None:
        failures = list(prefilter.failures(schema, target.value))
    else:
        errors = list(validator.iter_errors(target.value))
        failures = [(tuple(error.absolute_path), error.instance) for error in errors]
        release(errors)
    seen = set()
    for path, value in failures:
        if path in seen:  # one finding per key, however many subschemas it fails
            continue
        seen.add(path)
        values = _values(active, target.document, target, target.object_path(path), value)
        yield Problem(target.object_path(path), _fill(rule.message, values), _fill(rule.fix, values), rule.id,
                      active.severity)


def _stamp(active: Active, problem: Problem, values: dict) -> Problem:
    """A code rule's Problem with the rule's id, its configured severity and, where it gives none, its fix."""
    fix = problem.fix if problem.fix is not None else _fill(active.rule.fix, values)
    return Problem(problem.path, problem.message, fix, active.rule.id, active.severity)


def _values(active: Active, document: Document, target: Target | None = None, path: tuple = (),
             value: Any = None) -> dict:
    ref = document.ref
    values = {name: ", ".join(map(str, v)) if isinstance(v, list) else v for name, v in active.params.items()}
    values.update(kind=ref.kind, name=ref.name or "?", namespace=ref.namespace or "", path=format_path(path),
                  container=target.container if target and target.container else "",
                  value=value if isinstance(value, (str, int, float, bool)) else "")
    return values


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(template: str, values: dict) -> str:
    """{name} placeholders filled in; other braces (a YAML flow mapping in a fix) are left alone."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
