"""Rule files: reading `rules/*.yaml` (and users' rule directories) into Rules, and their documentation.

A rule file is validated against schemas/kubelint/rule.schema.json; errors name the file and line.
Built-in rules are validated by the test suite instead of on every run, which keeps start-up fast.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from kubelint_py.model import RuleInfo, Severity, format_path
from kubelint_py.resources import data_path

CATEGORIES = ("security", "reliability", "efficiency", "networking", "rbac", "best-practice", "cross-object")
PEERS = {"kube-linter": "kube-linter", "kube-score": "kube-score", "polaris": "Polaris", "checkov": "Checkov"}


class RuleError(Exception):
    """A rule file that cannot be used: the message starts with file:line."""


@dataclass(frozen=True)
class Param:
    description: str
    default: Any
    schema: dict


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    category: str
    severity: Severity
    summary: str
    targets: tuple[str, ...]
    fix: str
    why: str
    examples: dict[str, str]
    kinds: frozenset[str] | None = None
    check: Any = None  # JSON Schema, with {$param: NAME} placeholders
    function: Callable | None = None
    message: str = ""
    enabled: bool = True
    linux_only: bool = False  # about settings Windows pods cannot have: not evaluated for them
    params: dict[str, Param] = field(default_factory=dict)
    description: str = ""
    notes: str = ""
    peers: dict[str, list[str]] = field(default_factory=dict)
    disagreements: list[dict] = field(default_factory=list)
    file: str = ""

    @property
    def set_wide(self) -> bool:
        return "input" in self.targets

    def schema_for(self, params: dict[str, Any]) -> Any:
        return _null_is_absent(_substitute(self.check, params))

    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.category, self.severity, self.summary, render_docs(self))


# --- loading -----------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def built_in() -> tuple[Rule, ...]:
    """The rules that ship with kubelint, in id order."""
    return tuple(load_dir(data_path("rules"), built_in=True))


def load_dir(directory: str, built_in: bool = False) -> list[Rule]:
    if not os.path.isdir(directory):
        raise RuleError(f"{directory}: not a directory of rule files")
    names = sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml")))
    return [load_file(os.path.join(directory, name), built_in) for name in names]


def load_file(path: str, built_in: bool = False, validate: bool | None = None) -> Rule:
    """One rule file. Users' files are validated against the meta-schema; built-in ones by the tests."""
    from kubelint_py.loader import load_text
    from kubelint_py.reading import read_input

    text, problem = read_input(path)
    if text is None:
        raise RuleError(f"{path}: {problem.message}")
    loaded = load_text(text, path)
    if loaded.findings or len(loaded.documents) != 1:
        where = loaded.findings[0] if loaded.findings else None
        reason = where.message if where else "a rule file holds exactly one YAML document"
        raise RuleError(f"{path}:{where.line if where else 1}: {reason}")
    document = loaded.documents[0]
    body = document.body
    if validate is None:
        validate = not built_in
    if validate:
        _validate(body, document, allow_function=built_in)
    expected = os.path.splitext(os.path.basename(path))[0]
    if body["id"] != expected:
        raise RuleError(f"{_where(document, ('id',))}: id {body['id']!r} must match the file name ({expected}.yaml)")
    return _rule(body, document, built_in)


def _validate(body: Any, document: Any, allow_function: bool) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    if isinstance(body, dict) and "function" in body and not allow_function:
        raise RuleError(f"{_where(document, ('function',))}: only built-in rules run functions; "
                        "describe the check as a JSON Schema under `check`")
    error = best_match(_meta_validator().iter_errors(body))
    if error is not None:
        path = tuple(error.absolute_path)
        raise RuleError(f"{_where(document, path)}: {format_path(path) or 'rule'}: {_meta_message(error)}")
    if ("check" in body) == ("function" in body) or ("check" in body and "message" not in body):
        raise RuleError(f"{_where(document, ())}: a rule needs `check` (a JSON Schema) and `message`")
    defaults = {name: param.get("default") for name, param in body.get("params", {}).items()}
    if isinstance(body.get("check"), dict) and _param_names(body["check"]) <= set(defaults):
        try:
            Draft202012Validator.check_schema(_substitute(body["check"], defaults))
        except Exception as problem:  # jsonschema's SchemaError
            path = ("check",) + tuple(getattr(problem, "absolute_path", ()))
            raise RuleError(f"{_where(document, path)}: check is not a valid JSON Schema: "
                            f"{getattr(problem, 'message', problem)}") from None


def _meta_message(error: Any) -> str:
    import difflib

    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        extra = next(k for k in error.instance if k not in known)
        close = difflib.get_close_matches(extra, known, n=1)
        return f"unknown key {extra!r}" + (f" (did you mean {close[0]}?)" if close else "")
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    message = error.message
    return message if len(message) <= 160 else message[:157] + "..."


@lru_cache(maxsize=None)
def _meta_validator() -> Any:
    from jsonschema import Draft202012Validator

    with open(data_path("schemas", "kubelint", "rule.schema.json")) as handle:
        return Draft202012Validator(json.load(handle))


def _where(document: Any, path: tuple) -> str:
    line, column = document.locate(path)
    return f"{document.file}:{line}:{column}"


def _rule(body: dict, document: Any, built_in: bool) -> Rule:
    targets = tuple(body["target"]) if isinstance(body["target"], list) else (body["target"],)
    params = {name: Param(p["description"], p["default"], p["schema"]) for name, p in body.get("params", {}).items()}
    function = _function(body["function"], document) if built_in and "function" in body else None
    if "input" in targets and (function is None or len(targets) > 1):
        raise RuleError(f"{_where(document, ('target',))}: target `input` (the whole input) needs a function, "
                        "and no other target")
    for name in _param_names(body.get("check")):
        if name not in params:
            raise RuleError(f"{_where(document, ('check',))}: {{$param: {name}}} names no parameter in `params`")
    return Rule(
        id=body["id"], category=body["category"], severity=Severity.parse(body["severity"]),
        summary=body["summary"], targets=targets, fix=body["fix"].strip(), why=body["why"].strip(),
        examples=body["examples"], kinds=frozenset(body["kinds"]) if "kinds" in body else None,
        check=body.get("check"), function=function, message=body.get("message", ""),
        enabled=body.get("enabled", True), linux_only=body.get("linux-only", False), params=params,
        description=body.get("description", "").strip(),
        notes=body.get("notes", "").strip(), peers=body.get("peers", {}),
        disagreements=body.get("disagreements", []), file=document.file,
    )


def _function(name: str, document: Any) -> Callable:
    module, _, function = name.partition(".")
    try:
        return getattr(importlib.import_module(f"kubelint_py.lint.checks.{module}"), function)
    except (ImportError, AttributeError):
        raise RuleError(f"{_where(document, ('function',))}: no function {name} in kubelint_py.lint.checks") from None


def _param_names(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        if set(schema) == {"$param"}:
            return {schema["$param"]}
        return set().union(*(_param_names(v) for v in schema.values())) if schema else set()
    if isinstance(schema, list):
        return set().union(*(_param_names(v) for v in schema)) if schema else set()
    return set()


def _substitute(schema: Any, params: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if set(schema) == {"$param"}:
            return params[schema["$param"]]
        return {key: _substitute(value, params) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_substitute(value, params) for value in schema]
    return schema


_DATA_KEYWORDS = frozenset({"const", "enum", "examples", "default"})


def _null_is_absent(schema: Any) -> Any:
    """Kubernetes reads an empty key (`securityContext:` with nothing after it, i.e. null) as absent, so a
    `required` check must fail on it: each schema with `required` also demands an object."""
    if isinstance(schema, list):
        return [_null_is_absent(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: value if key in _DATA_KEYWORDS else _null_is_absent(value) for key, value in schema.items()}
    if isinstance(schema.get("required"), list) and "type" not in schema:
        converted["type"] = "object"
    return converted


# --- documentation -----------------------------------------------------------------------------------


def render_docs(rule: Rule) -> str:
    """Markdown in the order people read it: what, why, an example and its fix, options, peers."""
    parts = [f"## What it does\n{rule.summary}" + (f"\n\n{rule.description}" if rule.description else "")]
    parts.append(f"## Why it matters\n{rule.why}")
    example = ""
    if rule.examples.get("params"):
        example = (f"With this configuration:\n\n```yaml\nrules:\n  {rule.id}: {json.dumps(rule.examples['params'])}\n"
                   "```\n\n")
    failing = _EXPECT.sub("# <- reported here", rule.examples["fail"].strip())
    parts.append(f"## Example\n{example}```yaml\n{failing}\n```\n\nUse instead:\n\n"
                 f"```yaml\n{rule.examples['pass'].strip()}\n```")
    parts.append(f"## Fix\n{_placeholders(rule.fix)}")
    if rule.params:
        lines = [f"- `{name}` (default `{json.dumps(p.default)}`): {p.description}" for name, p in rule.params.items()]
        parts.append("## Options\n" + "\n".join(lines))
    notes = rule.notes
    if rule.disagreements:
        differences = "\n".join(f"- `{d['fixture']}`: {d['reason'].strip()}" for d in rule.disagreements)
        heading = "Judged differently from the peers' labelled examples:"
        notes = (notes + "\n\n" if notes else "") + f"{heading}\n{differences}"
    if notes:
        parts.append(f"## Notes\n{notes}")
    if rule.peers:
        lines = [f"- {PEERS[peer]}: {', '.join(f'`{i}`' for i in ids)}" for peer, ids in rule.peers.items()]
        parts.append("## Same check in other tools\n" + "\n".join(lines))
    setting = "on by default" if rule.enabled else "off by default (enable it in configuration)"
    parts.append(f"## Settings\nCategory `{rule.category}`, severity `{rule.severity}`, {setting}.")
    return "\n\n".join(parts) + "\n"


_EXPECT = re.compile(r"# expect: [\w/.,\s-]+?$", re.M)  # the examples' test markers


def _placeholders(text: str) -> str:
    """Message placeholders read as <container> in documentation."""
    return re.sub(r"\{(\w+)\}", r"<\1>", text)
