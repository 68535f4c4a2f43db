"""A cheap test, compiled from a rule's JSON Schema, that tells when the schema cannot fail.

jsonschema costs tens of microseconds per evaluation however small the schema; most targets pass most
rules, and most checks only look at a few keys. This compiles the common keywords (properties,
patternProperties, additionalProperties, required, items, contains, type, const, enum, pattern,
minimum, maximum, minItems, maxItems, not, anyOf, allOf, oneOf, if/then/else, local $refs) into plain
Python tests. A test returns False only when the instance certainly passes; where a keyword is not
understood here it answers "may fail", and jsonschema decides. Findings always come from jsonschema.
The same tests spare jsonschema the valid objects of the bundled Kubernetes schemas (schemas.py).
"""

from __future__ import annotations

import re
from typing import Any, Callable

Test = Callable[[Any], bool]  # True: the instance may fail the schema

# Keywords that never make an instance fail (`format` asserts nothing: no validator gets a format checker).
_ANNOTATIONS = frozenset({"$defs", "$comment", "$schema", "title", "description", "examples", "default", "format"})
Refs = dict  # "$ref" -> [test, exact]: each definition compiled once, recursive ones included


def _may(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def compile_test(schema: Any, root: Any = None, refs: Refs | None = None) -> Test:
    """The test of `schema`, whose local $refs point into `root` (default: the schema itself); tests
    compiled with the same `refs` share the definitions they reference."""
    return _compile(schema, schema if root is None else root, 0, {} if refs is None else refs)[0]


def _compile(schema: Any, root: Any, depth: int, refs: Refs) -> tuple[Test, bool]:
    """(test, exact): an exact test is True exactly when the instance fails."""
    if schema is True:
        return _never, True
    if schema is False:
        return _may, True
    if not isinstance(schema, dict) or depth > 20:
        return _may, False
    parts = [_keyword(key, value, schema, root, depth, refs) for key, value in schema.items()
             if key not in _ANNOTATIONS and key not in ("if", "then", "else")]
    if "if" in schema:
        parts.append(_conditional(schema, root, depth, refs))
    if not parts:
        return _never, True
    if len(parts) == 1:
        return parts[0]
    tests = [test for test, _ in parts]
    return (lambda value: any(test(value) for test in tests)), all(exact for _, exact in parts)


def _conditional(schema: dict, root: Any, depth: int, refs: Refs) -> tuple[Test, bool]:
    """if/then/else: the instance must pass `then` where it passes `if`, and `else` where it does not."""
    condition, exact = _compile(schema["if"], root, depth + 1, refs)
    then, then_exact = _compile(schema.get("then", True), root, depth + 1, refs)
    otherwise, else_exact = _compile(schema.get("else", True), root, depth + 1, refs)
    if not exact:  # either branch may apply
        return (lambda v: then(v) or otherwise(v)), False
    return (lambda v: otherwise(v) if condition(v) else then(v)), then_exact and else_exact


def _keyword(key: str, value: Any, schema: dict, root: Any, depth: int, refs: Refs) -> tuple[Test, bool]:
    if key == "properties" and isinstance(value, dict):
        subs = [(name, *_compile(sub, root, depth + 1, refs)) for name, sub in value.items()]
        tests = {name: test for name, test, _ in subs}
        return (lambda v: isinstance(v, dict) and any(name in tests and tests[name](item) for name, item in v.items()),
                all(exact for _, _, exact in subs))
    if key == "required" and isinstance(value, list):
        return (lambda v: isinstance(v, dict) and any(name not in v for name in value)), True
    if key == "patternProperties" and isinstance(value, dict):
        try:
            subs = [(re.compile(pattern).search, *_compile(sub, root, depth + 1, refs)) for pattern, sub in value.items()]
        except re.error:
            return _may, False
        return (lambda v: isinstance(v, dict) and any(
            match(name) and test(item) for name, item in v.items() if isinstance(name, str)
            for match, test, _ in subs)), all(exact for _, _, exact in subs)
    if key == "contains" and isinstance(value, (dict, bool)):
        test, exact = _compile(value, root, depth + 1, refs)
        return (lambda v: isinstance(v, list) and all(test(item) for item in v)), exact
    if key in _BOUNDS and isinstance(value, (int, float)) and not isinstance(value, bool):
        applies, beyond = _BOUNDS[key]
        return (lambda v: applies(v) and beyond(v, value)), True
    if key == "items" and isinstance(value, (dict, bool)):
        test, exact = _compile(value, root, depth + 1, refs)
        return (lambda v: isinstance(v, list) and any(test(item) for item in v)), exact
    if key == "const" and _scalar(value):
        return (lambda v: not _same(v, value)), True
    if key == "enum" and isinstance(value, list) and all(_scalar(e) for e in value):
        return (lambda v: not any(_same(v, e) for e in value)), True
    if key == "pattern" and isinstance(value, str):
        try:
            search = re.compile(value).search
        except re.error:
            return _may, False
        return (lambda v: isinstance(v, str) and search(v) is None), True
    if key == "not":
        test, exact = _compile(value, root, depth + 1, refs)
        return ((lambda v: not test(v)), True) if exact else (_may, False)
    if key in ("anyOf", "allOf") and isinstance(value, list) and value:
        subs = [_compile(sub, root, depth + 1, refs) for sub in value]
        tests, exact = [test for test, _ in subs], all(e for _, e in subs)
        if key == "anyOf":  # fails only if every branch fails
            return (lambda v: all(test(v) for test in tests)), exact
        return (lambda v: any(test(v) for test in tests)), exact
    if key == "type" and isinstance(value, (str, list)):
        names = [value] if isinstance(value, str) else value
        if all(name in _TYPES for name in names):
            return (lambda v: not any(_TYPES[name](v) for name in names)), True
    if key == "additionalProperties" and isinstance(value, (dict, bool)):
        known = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        try:
            patterns = [re.compile(pattern).search for pattern in schema.get("patternProperties") or {}]
        except re.error:
            return _may, False
        test, exact = _compile(value, root, depth + 1, refs)
        return (lambda v: isinstance(v, dict) and any(
            test(item) for name, item in v.items()
            if name not in known and not any(isinstance(name, str) and match(name) for match in patterns))), exact
    if key == "oneOf" and isinstance(value, list) and value:
        subs = [_compile(sub, root, depth + 1, refs) for sub in value]
        if not all(exact for _, exact in subs):
            return _may, False
        tests = [test for test, _ in subs]
        return (lambda v: sum(not test(v) for test in tests) != 1), True
    if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/") and isinstance(root, dict):
        if value not in refs:
            refs[value] = cell = [_may, False]  # what a reference back to it sees while it compiles
            target = root.get("$defs", {}).get(value[len("#/$defs/"):])
            if target is not None:
                cell[:] = _compile(target, root, 0, refs)
        cell = refs[value]
        return (lambda v: cell[0](v)), cell[1]
    return _may, False


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# keyword -> (does it apply to this instance, is the instance beyond the bound)
_BOUNDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any, Any], bool]]] = {
    "minimum": (_number, lambda v, bound: v < bound),
    "maximum": (_number, lambda v, bound: v > bound),
    "minItems": (lambda v: isinstance(v, list), lambda v, bound: len(v) < bound),
    "maxItems": (lambda v: isinstance(v, list), lambda v, bound: len(v) > bound),
}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _same(value: Any, expected: Any) -> bool:
    """JSON equality, as jsonschema sees it: true is not 1."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if isinstance(value, (dict, list)):
        return False
    return value == expected
