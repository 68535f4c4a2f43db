"""A cheap test, compiled from a rule's JSON Schema, that tells when the schema cannot fail.

jsonschema costs tens of microseconds per evaluation however small the schema; most targets pass most
rules, and most checks only look at a few keys. This compiles the common keywords (properties, items,
const, enum, pattern, not, anyOf, allOf, local $refs) into plain Python tests. A test returns False
only when the instance certainly passes; where a keyword is not understood here it answers "may
fail", and jsonschema decides. Findings always come from jsonschema.
"""

from __future__ import annotations

import re
from typing import Any, Callable

Test = Callable[[Any], bool]  # True: the instance may fail the schema

# Keywords that never make an instance fail.
_ANNOTATIONS = frozenset({"$defs", "$comment", "$schema", "title", "description", "examples", "default"})


def _may(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def compile_test(schema: Any) -> Test:
    return _compile(schema, schema, 0)[0]


def _compile(schema: Any, root: Any, depth: int) -> tuple[Test, bool]:
    """(test, exact): an exact test is True exactly when the instance fails."""
    if schema is True:
        return _never, True
    if schema is False:
        return _may, True
    if not isinstance(schema, dict) or depth > 20:
        return _may, False
    parts = [_keyword(key, value, schema, root, depth) for key, value in schema.items() if key not in _ANNOTATIONS]
    if not parts:
        return _never, True
    if len(parts) == 1:
        return parts[0]
    tests = [test for test, _ in parts]
    return (lambda value: any(test(value) for test in tests)), all(exact for _, exact in parts)


def _keyword(key: str, value: Any, schema: dict, root: Any, depth: int) -> tuple[Test, bool]:
    if key == "properties" and isinstance(value, dict):
        subs = [(name, *_compile(sub, root, depth + 1)) for name, sub in value.items()]
        tests = [(name, test) for name, test, _ in subs]
        return (lambda v: isinstance(v, dict) and any(name in v and test(v[name]) for name, test in tests),
                all(exact for _, _, exact in subs))
    if key == "items" and isinstance(value, (dict, bool)):
        test, exact = _compile(value, root, depth + 1)
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
        test, exact = _compile(value, root, depth + 1)
        return ((lambda v: not test(v)), True) if exact else (_may, False)
    if key in ("anyOf", "allOf") and isinstance(value, list) and value:
        subs = [_compile(sub, root, depth + 1) for sub in value]
        tests, exact = [test for test, _ in subs], all(e for _, e in subs)
        if key == "anyOf":  # fails only if every branch fails
            return (lambda v: all(test(v) for test in tests)), exact
        return (lambda v: any(test(v) for test in tests)), exact
    if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/") and isinstance(root, dict):
        target = root.get("$defs", {}).get(value[len("#/$defs/"):])
        return _compile(target, root, depth + 1) if target is not None else (_may, False)
    return _may, False


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _same(value: Any, expected: Any) -> bool:
    """JSON equality, as jsonschema sees it: true is not 1."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if isinstance(value, (dict, list)):
        return False
    return value == expected
