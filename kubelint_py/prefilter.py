"""JSON Schema, compiled for speed: a cheap test that tells when a schema cannot fail, and the places
where an instance fails it.

jsonschema costs tens of microseconds per evaluation however small the schema; most targets pass most
rules, and most checks only look at a few keys. This compiles the common keywords (properties,
patternProperties, additionalProperties, required, items, contains, type, const, enum, pattern,
bounds on numbers, lengths and sizes, not, anyOf, allOf, oneOf, if/then/else, $refs into the root)
into plain Python tests. A test returns False only when the instance certainly passes; where a
keyword is not understood here it answers "may fail", and jsonschema decides. The same tests spare
jsonschema the valid objects of built-in kinds and the valid custom resources (schemas.py).

Where a schema's test is exact (every keyword understood), `failures` lists where an instance fails
it, as jsonschema's errors would place them; the lint rules' schemas are all of that kind, so rule
findings need no jsonschema at all. Schema findings (schema/...) still come from jsonschema.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Iterator, NamedTuple

Test = Callable[[Any], bool]  # True: the instance may fail the schema

# Keywords that never make an instance fail (`format` asserts nothing: no validator gets a format checker).
_ANNOTATIONS = frozenset({"$defs", "$comment", "$schema", "title", "description", "examples", "default", "format"})


class Scope(NamedTuple):
    """What the tests compiled together share."""

    root: Any  # where "#/$defs/..." references point
    refs: dict  # "$ref" -> [test, exact]: each definition compiled once, recursive ones included
    search: Callable[[str], Callable[[str], Any] | None]  # a pattern's search function; None: cannot judge


def python_search(expression: str) -> Callable[[str], Any] | None:
    """Python's `re`, as jsonschema matches the patterns of kubelint's own rules."""
    try:
        return re.compile(expression).search
    except re.error:
        return None


@lru_cache(maxsize=1024)
def linear_time(expression: str) -> Any:
    """A pattern from the input compiled for RE2, which matches in linear time as the apiserver's Go
    regexp does; Python's backtracking `re` takes exponential time on a CRD pattern such as ^(a+)+$,
    so a crafted CRD could stop a run. Python's `re` where RE2 is not installed or refuses the
    expression (the apiserver refuses such a CRD too); None where neither compiles it."""
    try:
        import re2  # google-re2, where its wheel installs

        options = re2.Options()
        options.log_errors = False
        return re2.compile(expression, options)
    except Exception:
        try:
            return re.compile(expression)
        except re.error:
            return None


def linear_search(expression: str) -> Callable[[str], Any] | None:
    compiled = linear_time(expression)
    return compiled.search if compiled is not None else None


MAX_INLINE_DEPTH = 64  # nested subschemas compiled; deeper ones "may fail" (a $ref starts again at 0)


def _may(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def compile_test(schema: Any, scope: Scope | None = None) -> Test:
    """The test of `schema`; by default its $refs point into itself and patterns match as in Python."""
    return _compile(schema, scope or Scope(schema, {}, python_search), 0)[0]


def compile_exact(schema: Any) -> Test | None:
    """The test of a schema whose every keyword is understood here (True exactly when an instance
    fails), or None; its $refs point into itself and patterns match as in Python."""
    test, exact = _compile(schema, Scope(schema, {}, python_search), 0)
    return test if exact else None


def _compile(schema: Any, scope: Scope, depth: int) -> tuple[Test, bool]:
    """(test, exact): an exact test is True exactly when the instance fails."""
    if schema is True:
        return _never, True
    if schema is False:
        return _may, True
    if not isinstance(schema, dict) or depth > MAX_INLINE_DEPTH:
        return _may, False
    parts = [_keyword(key, value, schema, scope, depth) for key, value in schema.items()
             if key not in _ANNOTATIONS and key not in ("if", "then", "else")]
    if "if" in schema:
        parts.append(_conditional(schema, scope, depth))
    if not parts:
        return _never, True
    if len(parts) == 1:
        return parts[0]
    tests = [test for test, _ in parts]
    return (lambda value: any(test(value) for test in tests)), all(exact for _, exact in parts)


def _conditional(schema: dict, scope: Scope, depth: int) -> tuple[Test, bool]:
    """if/then/else: the instance must pass `then` where it passes `if`, and `else` where it does not."""
    condition, exact = _compile(schema["if"], scope, depth + 1)
    then, then_exact = _compile(schema.get("then", True), scope, depth + 1)
    otherwise, else_exact = _compile(schema.get("else", True), scope, depth + 1)
    if not exact:  # either branch may apply
        return (lambda v: then(v) or otherwise(v)), False
    return (lambda v: otherwise(v) if condition(v) else then(v)), then_exact and else_exact


def _keyword(key: str, value: Any, schema: dict, scope: Scope, depth: int) -> tuple[Test, bool]:
    if key == "properties" and isinstance(value, dict):
        subs = [(name, *_compile(sub, scope, depth + 1)) for name, sub in value.items()]
        tests = {name: test for name, test, _ in subs}
        return (lambda v: isinstance(v, dict) and any(name in tests and tests[name](item) for name, item in v.items()),
                all(exact for _, _, exact in subs))
    if key == "required" and isinstance(value, list):
        return (lambda v: isinstance(v, dict) and any(name not in v for name in value)), True
    if key == "patternProperties" and isinstance(value, dict):
        subs = [(scope.search(pattern), *_compile(sub, scope, depth + 1)) for pattern, sub in value.items()]
        if any(match is None for match, _, _ in subs):
            return _may, False
        return (lambda v: isinstance(v, dict) and any(
            match(name) and test(item) for name, item in v.items() if isinstance(name, str)
            for match, test, _ in subs)), all(exact for _, _, exact in subs)
    if key == "contains" and isinstance(value, (dict, bool)):
        test, exact = _compile(value, scope, depth + 1)
        return (lambda v: isinstance(v, list) and all(test(item) for item in v)), exact
    if key in _BOUNDS and isinstance(value, (int, float)) and not isinstance(value, bool):
        applies, beyond = _BOUNDS[key]
        return (lambda v: applies(v) and beyond(v, value)), True
    if key == "items" and isinstance(value, (dict, bool)):
        test, exact = _compile(value, scope, depth + 1)
        return (lambda v: isinstance(v, list) and any(test(item) for item in v)), exact
    if key == "const" and _scalar(value):
        return (lambda v: not _same(v, value)), True
    if key == "enum" and isinstance(value, list) and all(_scalar(e) for e in value):
        return (lambda v: not any(_same(v, e) for e in value)), True
    if key == "pattern" and isinstance(value, str):
        search = scope.search(value)
        if search is None:
            return _may, False
        return (lambda v: isinstance(v, str) and search(v) is None), True
    if key == "not":
        test, exact = _compile(value, scope, depth + 1)
        return ((lambda v: not test(v)), True) if exact else (_may, False)
    if key in ("anyOf", "allOf") and isinstance(value, list) and value:
        subs = [_compile(sub, scope, depth + 1) for sub in value]
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
        patterns = [scope.search(pattern) for pattern in schema.get("patternProperties") or {}]
        if None in patterns:
            return _may, False
        test, exact = _compile(value, scope, depth + 1)
        return (lambda v: isinstance(v, dict) and any(
            test(item) for name, item in v.items()
            if name not in known and not any(isinstance(name, str) and match(name) for match in patterns))), exact
    if key == "oneOf" and isinstance(value, list) and value:
        subs = [_compile(sub, scope, depth + 1) for sub in value]
        if not all(exact for _, exact in subs):
            return _may, False
        tests = [test for test, _ in subs]
        return (lambda v: sum(not test(v) for test in tests) != 1), True
    if key == "$ref" and isinstance(value, str) and isinstance(scope.root, dict):
        base = scope.root.get("$id")
        if isinstance(base, str) and value.startswith(f"{base}#"):  # the root named by its $id
            value = value[len(base):]
        if not value.startswith("#/$defs/"):
            return _may, False
        if value not in scope.refs:
            scope.refs[value] = cell = [_may, False]  # what a reference back to it sees while it compiles
            target = scope.root.get("$defs", {}).get(value[len("#/$defs/"):])
            if target is not None:
                cell[:] = _compile(target, scope, 0)
        cell = scope.refs[value]
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
    "exclusiveMinimum": (_number, lambda v, bound: v <= bound),
    "exclusiveMaximum": (_number, lambda v, bound: v >= bound),
    "minItems": (lambda v: isinstance(v, list), lambda v, bound: len(v) < bound),
    "maxItems": (lambda v: isinstance(v, list), lambda v, bound: len(v) > bound),
    "minLength": (lambda v: isinstance(v, str), lambda v, bound: len(v) < bound),
    "maxLength": (lambda v: isinstance(v, str), lambda v, bound: len(v) > bound),
    "minProperties": (lambda v: isinstance(v, dict), lambda v, bound: len(v) < bound),
    "maxProperties": (lambda v: isinstance(v, dict), lambda v, bound: len(v) > bound),
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


# --- where an instance fails ------------------------------------------------------------------------

Failure = tuple[tuple, Any]  # (path in the instance, the value there)


def failures(schema: Any, instance: Any) -> Iterator[Failure]:
    """Where `instance` fails `schema`: the paths and values of jsonschema's errors, each keyword
    looked at in the schema's order. Only for schemas `compile_exact` accepts: other keywords are not
    looked at."""
    return _failures(schema, instance, (), schema)


def _passes(schema: Any, instance: Any, root: Any) -> bool:
    return next(_failures(schema, instance, (), root), None) is None


def _failures(schema: Any, value: Any, path: tuple, root: Any) -> Iterator[Failure]:
    if schema is True:
        return
    if schema is False:
        yield path, value
        return
    for key, sub in schema.items():
        if key == "properties":
            if isinstance(value, dict):
                for name, subschema in sub.items():
                    if name in value:
                        yield from _failures(subschema, value[name], path + (name,), root)
        elif key == "patternProperties":
            if isinstance(value, dict):
                for pattern, subschema in sub.items():
                    search = python_search(pattern)
                    for name, item in value.items():
                        if isinstance(name, str) and search(name):
                            yield from _failures(subschema, item, path + (name,), root)
        elif key == "additionalProperties":
            if isinstance(value, dict):
                known = schema.get("properties") or {}
                patterns = [python_search(p) for p in schema.get("patternProperties") or {}]
                extra = [name for name in value
                         if name not in known and not any(isinstance(name, str) and match(name) for match in patterns)]
                if sub is False:
                    if extra:
                        yield path, value
                else:
                    for name in extra:
                        yield from _failures(sub, value[name], path + (name,), root)
        elif key == "items":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield from _failures(sub, item, path + (index,), root)
        elif key == "allOf":
            for subschema in sub:
                yield from _failures(subschema, value, path, root)
        elif key == "if":
            branch = schema.get("then" if _passes(sub, value, root) else "else")
            if branch is not None:
                yield from _failures(branch, value, path, root)
        elif key == "$ref":
            yield from _failures(_resolve(sub, root), value, path, root)
        elif key in ("then", "else") or key in _ANNOTATIONS:
            continue
        elif _fails_here(key, sub, value, root):
            yield path, value


def _fails_here(key: str, sub: Any, value: Any, root: Any) -> bool:
    """Does a keyword that reports at the instance itself fail?"""
    if key == "required":
        return isinstance(value, dict) and any(name not in value for name in sub)
    if key == "contains":
        return isinstance(value, list) and not any(_passes(sub, item, root) for item in value)
    if key == "not":
        return _passes(sub, value, root)
    if key == "anyOf":
        return not any(_passes(subschema, value, root) for subschema in sub)
    if key == "oneOf":
        return sum(_passes(subschema, value, root) for subschema in sub) != 1
    if key in _BOUNDS:
        applies, beyond = _BOUNDS[key]
        return applies(value) and beyond(value, sub)
    if key == "const":
        return not _same(value, sub)
    if key == "enum":
        return not any(_same(value, item) for item in sub)
    if key == "pattern":
        return isinstance(value, str) and python_search(sub)(value) is None
    if key == "type":
        return not any(_TYPES[name](value) for name in ([sub] if isinstance(sub, str) else sub))
    raise ValueError(f"keyword {key!r} is not understood here")  # compile_exact would have refused the schema


def _resolve(reference: str, root: dict) -> Any:
    base = root.get("$id")
    if isinstance(base, str) and reference.startswith(f"{base}#"):
        reference = reference[len(base):]
    return root["$defs"][reference[len("#/$defs/"):]]
