"""The prefilter may only skip jsonschema where the schema cannot fail, and an exact test must agree
with jsonschema everywhere: checked on random instances built from each rule's own vocabulary."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kubelint_py.lint.prefilter import _compile, compile_test
from kubelint_py.lint.rules import built_in

SCHEMA_RULES = [rule for rule in built_in() if rule.check is not None]
GENERIC = ["ALL", "all", "NET_RAW", "SYS_ADMIN", "nginx", "nginx:latest", "nginx:1.27", "repo/app@sha256:ab12",
           "/etc", "/var/run/docker.sock", "/data", "default", "kube-system", "*", "Unconfined", "RuntimeDefault",
           "", 0, 1, 2, 22, 1000, -1, 1.5, True, False, None]


def _vocabulary(schema: Any, keys: set, values: list) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                keys.update(value)
            if key == "required" and isinstance(value, list):
                keys.update(v for v in value if isinstance(v, str))
            if key == "const":
                values.append(value)
            if key == "enum" and isinstance(value, list):
                values.extend(value)
            _vocabulary(value, keys, values)
    elif isinstance(schema, list):
        for item in schema:
            _vocabulary(item, keys, values)


def _instances(schema: Any):
    keys, values = set(), []
    _vocabulary(schema, keys, values)
    scalars = st.sampled_from([v for v in values + GENERIC if not isinstance(v, (dict, list))])
    names = st.sampled_from(sorted(keys) or ["x"])
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(names, inner, max_size=4), max_leaves=12)


@pytest.mark.parametrize("rule", SCHEMA_RULES, ids=[rule.id for rule in SCHEMA_RULES])
def test_prefilter_never_skips_a_failing_instance(rule):
    schema = rule.schema_for({name: param.default for name, param in rule.params.items()})
    validator = Draft202012Validator(schema)
    test, exact = _compile(schema, schema, 0)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_instances(schema))
    def check(instance):
        valid = validator.is_valid(instance)
        if not test(instance):
            assert valid, f"prefilter skipped an instance that fails: {instance!r}"
        if exact:
            assert test(instance) == (not valid), instance

    check()


def test_prefilter_skips_what_cannot_fail():
    test = compile_test({"properties": {"securityContext": {"properties": {"privileged": {"not": {"const": True}}}}}})
    assert not test({"name": "web", "image": "nginx"})
    assert not test({"securityContext": {"privileged": False}})
    assert test({"securityContext": {"privileged": True}})
    assert not test({"securityContext": {"privileged": 1}})  # 1 is not true in JSON


def test_unknown_keywords_always_run_jsonschema():
    test = compile_test({"properties": {"replicas": {"multipleOf": 2}}})
    assert test({"replicas": 4})  # multipleOf is not compiled: may fail, so jsonschema decides
    assert not test({})
