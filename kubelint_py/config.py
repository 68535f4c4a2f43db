"""Configuration: `.kubelint.yaml` (found upward from the working directory), `[tool.kubelint]` in
pyproject.toml, or `--config FILE`; and the Policy it makes for a run: which rules run, how severe.

Command-line options win over the file. A bad key is an error that names it (exit code 2).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from kubelint_py.lint.linter import Active, Setting, activate
from kubelint_py.lint.rules import CATEGORIES, Rule, RuleError, built_in, load_dir
from kubelint_py.model import RuleInfo, Severity
from kubelint_py.resources import data_path

FILE_NAMES = (".kubelint.yaml", ".kubelint.yml")


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    source: str | None = None  # the file it came from
    kubernetes_version: str | None = None
    fail_on: str | None = None
    exclude: tuple[str, ...] = ()
    rules_dirs: tuple[str, ...] = ()  # absolute, or relative to the working directory
    rules: dict[str, Any] = field(default_factory=dict)  # rule id -> switch or mapping, as written
    categories: dict[str, Any] = field(default_factory=dict)


# --- finding and reading -----------------------------------------------------------------------------


def discover(start: str) -> str | None:
    """The nearest .kubelint.yaml, or pyproject.toml with a [tool.kubelint] table, from `start` upward."""
    directory = os.path.abspath(start)
    while True:
        for name in FILE_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and _pyproject_table(pyproject) is not None:
            return pyproject
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load(path: str | None = None, cwd: str = ".") -> Config:
    """The configuration at `path`, or the one discovered from `cwd`, or the defaults."""
    path = path or discover(cwd)
    if path is None:
        return Config()
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such configuration file")
    data = _pyproject_table(path) if path.endswith(".toml") else _yaml_mapping(path)
    if data is None:
        raise ConfigError(f"{path}: no [tool.kubelint] table")
    _check_shape(data, path)
    base = os.path.dirname(os.path.abspath(path))
    return Config(
        source=path,
        kubernetes_version=data.get("kubernetes-version"),
        fail_on=data.get("fail-on"),
        exclude=tuple(data.get("exclude", ())),
        rules_dirs=tuple(os.path.join(base, d) for d in data.get("rules-dir", ())),
        rules=data.get("rules", {}),
        categories=data.get("categories", {}),
    )


def _pyproject_table(path: str) -> dict | None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    table = document.get("tool", {}).get("kubelint")
    return table if isinstance(table, dict) else None


def _yaml_mapping(path: str) -> dict:
    from kubelint_py.loader import load_path

    loaded = load_path(path)
    if loaded.findings and loaded.findings[0].rule != "input/empty":
        finding = loaded.findings[0]
        raise ConfigError(f"{path}:{finding.line}:{finding.column}: {finding.message}")
    if not loaded.documents:
        return {}
    if len(loaded.documents) > 1 or not isinstance(loaded.documents[0].body, dict):
        raise ConfigError(f"{path}: the configuration must be one mapping")
    return loaded.documents[0].body


@lru_cache(maxsize=None)
def _shape_validator() -> Any:
    from jsonschema import Draft202012Validator

    with open(data_path("schemas", "kubelint", "config.schema.json")) as handle:
        return Draft202012Validator(json.load(handle))


def _check_shape(data: dict, path: str) -> None:
    errors = sorted(_shape_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.path))))
    if not errors:
        return
    error = errors[0]
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)[0]
        key = f"{where}.{extra}" if where else extra
        raise ConfigError(f"{path}: {key}: unknown key{_did_you_mean(extra, known)}")
    if where == "kubernetes-version" and isinstance(error.instance, (int, float)):
        raise ConfigError(f"{path}: kubernetes-version: quote the version (\"{error.instance}\" is read as a number)")
    if error.validator in ("anyOf", "enum") and ("categories" in where or "rules" in where or where == "fail-on"):
        raise ConfigError(f"{path}: {where}: {json.dumps(error.instance)} is not one of on, off, error, warning, info"
                          + (", never" if where == "fail-on" else ""))
    raise ConfigError(f"{path}: {where or 'configuration'}: {error.message}")


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    from difflib import get_close_matches
    close = get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


# --- the policy of a run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What one run enforces, made from the configuration and every stage's rules."""

    active: tuple[Active, ...]  # the lint rules that run
    known: frozenset[str]  # every rule id of every stage
    disabled: frozenset[str]  # other stages' rules switched off: their findings are dropped
    severities: dict[str, Severity]  # other stages' rules with a configured severity
    lint_rules: tuple[Rule, ...] = ()  # every lint rule, on or off

    def infos(self, stage_rules: Iterable[RuleInfo]) -> list[tuple[RuleInfo, bool]]:
        """Every rule of every stage with its configured severity and whether it runs."""
        active = {a.rule.id: a for a in self.active}
        listed = [(RuleInfo(r.id, r.category, self.severities.get(r.id, r.severity), r.summary, r.docs),
                   r.id not in self.disabled) for r in stage_rules]
        for rule in self.lint_rules:
            info = rule.info()
            if rule.id in active:
                info = RuleInfo(info.id, info.category, active[rule.id].severity, info.summary, info.docs)
            listed.append((info, rule.id in active))
        return listed


def policy(config: Config, stage_rules: Iterable[RuleInfo], extra_rules_dirs: Iterable[str] = ()) -> Policy:
    """Resolve the configuration against the rules: unknown ids, categories and options are errors."""
    stage_rules = list(stage_rules)
    lint_rules = list(built_in())
    for directory in (*config.rules_dirs, *extra_rules_dirs):
        try:
            user_rules = load_dir(directory)
        except RuleError as error:
            raise ConfigError(str(error)) from None
        lint_rules.extend(user_rules)
    by_id: dict[str, Any] = {}
    for rule in (*stage_rules, *lint_rules):
        if rule.id in by_id:
            raise ConfigError(f"{getattr(rule, 'file', '') or 'rules'}: rule id {rule.id} is defined twice")
        by_id[rule.id] = rule
    source = config.source or "configuration"
    # Categories group the lint rules; another stage's rule (a rejection by the apiserver, say) is only
    # switched off or made less severe by its own id.
    categories = set(CATEGORIES)
    category_settings = {}
    for name, value in config.categories.items():
        if name not in categories:
            raise ConfigError(f"{source}: categories.{name}: unknown category{_did_you_mean(name, categories)}; "
                              f"known: {', '.join(sorted(categories))}")
        category_settings[name] = _setting(value, f"{source}: categories.{name}", None, category=True)
    rule_settings = {}
    for rule_id, value in config.rules.items():
        if rule_id not in by_id:
            raise ConfigError(f"{source}: rules.{rule_id}: unknown rule{_did_you_mean(rule_id, by_id)}")
        rule = by_id[rule_id]
        rule_settings[rule_id] = _setting(value, f"{source}: rules.{rule_id}", rule if isinstance(rule, Rule) else None)
    active = activate(lint_rules, rule_settings, category_settings)
    disabled, severities = set(), {}
    for rule in stage_rules:
        setting = rule_settings.get(rule.id)
        if setting is not None and setting.enabled is False:
            disabled.add(rule.id)
        if setting is not None and setting.severity is not None:
            severities[rule.id] = setting.severity
    return Policy(tuple(active), frozenset(by_id), frozenset(disabled), severities, tuple(lint_rules))


def _setting(value: Any, where: str, rule: Rule | None, category: bool = False) -> Setting:
    """A rule's or a category's setting. A severity given to a rule switches it on; given to a category,
    it only changes the severity of the rules that run (opt-in ones stay off unless named)."""
    if isinstance(value, bool):
        return Setting(enabled=value)
    if value in ("on", "off"):
        return Setting(enabled=value == "on")
    if isinstance(value, str):
        return Setting(enabled=None if category else True, severity=Severity.parse(value))
    options = {k: v for k, v in value.items() if k not in ("enabled", "severity")}
    params = rule.params if rule is not None else {}
    for name, option in options.items():
        if name not in params:
            known = ", ".join(["enabled", "severity", *params])
            raise ConfigError(f"{where}.{name}: unknown option{_did_you_mean(name, params)}; this rule takes: {known}")
        _check_param(option, params[name].schema, f"{where}.{name}")
    severity = value.get("severity")
    return Setting(value.get("enabled"), Severity.parse(severity) if severity else None, options)


def _check_param(value: Any, schema: dict, where: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(value))
    if error is not None:
        raise ConfigError(f"{where}: {error.message}")
