"""The prefilter may only skip jsonschema where the schema cannot fail, an exact test must agree with
jsonschema everywhere, and the places `failures` gives must be the ones jsonschema's errors name:
checked on random instances built from each rule's own vocabulary, on the rule targets of every
fixture and of mutated copies of them, and on the fixtures' objects of built-in kinds and broken
variants of them against the bundled schemas."""

from __future__ import annotations

import copy
import glob
import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import CORPUS
from kubelint_py.prefilter import Scope, _compile, compile_exact, compile_test, failures, python_search
from kubelint_py.lint.rules import built_in
from kubelint_py.lint.targets import extract
from kubelint_py.loader import load_path
from kubelint_py.schemas import Schemas, with_defaults

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")

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


def _instances(schema: Any, names: tuple = ()):
    keys, values = set(names), []
    _vocabulary(schema, keys, values)
    scalars = st.sampled_from([v for v in values + GENERIC if not isinstance(v, (dict, list))])
    names = st.sampled_from(sorted(keys) or ["x"])
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(names, inner, max_size=4), max_leaves=12)


@pytest.mark.parametrize("rule", SCHEMA_RULES, ids=[rule.id for rule in SCHEMA_RULES])
def test_prefilter_never_skips_a_failing_instance(rule):
    schema = rule.schema_for({name: param.default for name, param in rule.params.items()})
    validator = Draft202012Validator(schema)
    test, exact = _compile(schema, Scope(schema, {}, python_search), 0)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_instances(schema))
    def check(instance):
        valid = validator.is_valid(instance)
        if not test(instance):
            assert valid, f"prefilter skipped an instance that fails: {instance!r}"
        if exact:
            assert test(instance) == (not valid), instance
            assert _places(failures(schema, instance)) == _jsonschema_places(validator, instance), instance

    check()


# Schemas with every keyword compile_exact accepts, for user rules that use more than the built-in ones.
KEYWORD_SCHEMAS = [
    {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer", "minimum": 1}},
     "patternProperties": {"^x-": {"type": "string", "maxLength": 3}}},
    {"additionalProperties": {"oneOf": [{"type": "string", "minLength": 2}, {"const": 7}]}},
    {"properties": {"replicas": {"exclusiveMinimum": 0, "maximum": 22}, "items": {"type": "array", "minItems": 1,
                                                                                  "maxItems": 2, "items": {"enum": ["ALL", 1, None]}}},
     "minProperties": 1, "maxProperties": 3},
    {"$defs": {"named": {"required": ["name"], "properties": {"name": {"pattern": "^[a-z]+$"}}}},
     "properties": {"a": {"$ref": "#/$defs/named"}, "b": {"items": {"$ref": "#/$defs/named"}}},
     "if": {"required": ["a"]}, "then": {"not": {"required": ["b"]}}, "else": {"anyOf": [{"required": ["b"]},
                                                                                          {"type": "null"}]}},
    {"allOf": [{"contains": {"const": "ALL"}}, {"type": "array"}], "oneOf": [{"maxItems": 1}, {"minItems": 3}]},
]


@pytest.mark.parametrize("schema", KEYWORD_SCHEMAS)
def test_failures_of_every_understood_keyword_are_where_jsonschema_puts_them(schema):
    assert compile_exact(schema) is not None
    validator = Draft202012Validator(schema)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_instances(schema, names=("x-a", "x-long", "other", "name")))
    def check(instance):
        assert _places(failures(schema, instance)) == _jsonschema_places(validator, instance), instance

    check()


def _places(found) -> dict[tuple, int]:
    """{path: identity of the value there}: what a rule's findings are made of (the reporters sort
    them; jsonschema visits additional properties in no fixed order)."""
    seen: dict[tuple, int] = {}
    for path, value in found:
        seen.setdefault(path, id(value))
    return seen


def _jsonschema_places(validator, instance) -> dict[tuple, int]:
    return _places((tuple(error.absolute_path), error.instance) for error in validator.iter_errors(instance))


def test_rule_failures_are_where_jsonschema_puts_them():
    """Every rule's targets in every fixture, unchanged and with each place changed in turn."""
    documents = [document for path in sorted(glob.glob(os.path.join(FIXTURES, "**", "*.y*ml"), recursive=True))
                 for document in load_path(path).documents if isinstance(document.body, dict)]
    compared = failing = 0
    for rule in SCHEMA_RULES:
        schema = rule.schema_for({name: param.default for name, param in rule.params.items()})
        assert compile_exact(schema) is not None, f"{rule.id}: rule findings would need jsonschema"
        validator = Draft202012Validator(schema)
        for document in documents:
            for targets in extract(document, set(rule.targets), built_in=True).values():
                for target in targets:
                    value = copy.deepcopy(target.value)
                    for instance in itertools.chain([value], _mutations(value) if isinstance(value, dict) else ()):
                        expected = _jsonschema_places(validator, instance)
                        assert _places(failures(schema, instance)) == expected, (rule.id, document.file, instance)
                        compared += 1
                        failing += bool(expected)
    assert compared > 20000 and failing > 2000, (compared, failing)


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


# --- the bundled Kubernetes schemas ------------------------------------------------------------------

def _built_in_objects(schemas: Schemas) -> list[dict]:
    objects = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "**", "*.y*ml"), recursive=True)):
        for document in load_path(path).documents:
            body = document.body
            if (isinstance(body, dict) and isinstance(body.get("apiVersion"), str) and isinstance(body.get("kind"), str)
                    and schemas.is_built_in(body["apiVersion"], body["kind"])):
                objects.append(body)
    return objects


def _mutations(body: dict):
    """The object with one thing changed at each of its places in turn: a value of another type or out
    of bounds, an unknown key, a key removed."""
    places: list[tuple[Any, Any]] = []  # (container, key or index)
    stack = [body]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            places.append((node, key))
            stack.append(value)
    for number, (container, key) in enumerate(places):
        value = container[key]
        others = ({"unknownField": 1} if isinstance(value, dict) else 7, "7", True, None, [value], -7, "", "x" * 300)
        container[key] = others[number % len(others)]
        yield body
        container[key] = value
        if isinstance(value, dict):
            value["unknownFieldz"] = "x"
            yield body
            del value["unknownFieldz"]
        if isinstance(container, dict) and number % 3 == 0:
            del container[key]
            yield body
            container[key] = value


@pytest.mark.parametrize("version", ["1.27", "1.32", "1.37"])
def test_bundled_schema_tests_agree_with_jsonschema(version):
    """Where the compiled test says an object is valid, jsonschema is never asked: the two must agree
    on every fixture object of a built-in kind and on thousands of broken variants of them."""
    schemas = Schemas(version)
    checked = disagreements = 0
    for body in _built_in_objects(schemas):
        body = copy.deepcopy(body)
        for instance in itertools.chain([body], _mutations(body)):  # each checked before the next change
            api_version, kind = instance.get("apiVersion"), instance.get("kind")
            if not (isinstance(api_version, str) and isinstance(kind, str) and schemas.is_built_in(api_version, kind)):
                continue
            (validator, _, _), = schemas._validators_for(api_version, kind, "")
            checked += 1
            fast = schemas._certainly_valid(api_version, kind, instance)
            disagreements += fast != validator.is_valid(instance)
    assert checked > 5000 and disagreements == 0, (checked, disagreements)


def _custom_resource_agreement(paths: list[str]) -> tuple[int, int, int]:
    """(variants checked, let through without jsonschema, let through but invalid) for one custom
    resource of each kind and CRD among `paths`, with the CRDs found there, and its broken variants."""
    schemas = Schemas("1.37")
    documents = [document for path in paths for document in load_path(path).documents if isinstance(document.body, dict)]
    for document in documents:
        if (document.body.get("apiVersion"), document.body.get("kind")) == ("apiextensions.k8s.io/v1",
                                                                            "CustomResourceDefinition"):
            schemas.add_crd(document.body, document.file)
    checked = skipped = wrong = 0
    seen = set()
    for document in documents:
        api_version, kind = document.body.get("apiVersion"), document.body.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str) or not schemas.has_crd(api_version, kind):
            continue
        for validator, crd_schema, may_fail in schemas._validators_for(api_version, kind, document.file):
            if may_fail is None or id(may_fail) in seen:
                continue
            seen.add(id(may_fail))
            body = copy.deepcopy(document.body)
            for instance in itertools.chain([body], _mutations(body)):
                instance = with_defaults(instance, crd_schema)
                checked += 1
                if not may_fail(instance):
                    skipped += 1
                    wrong += not validator.is_valid(instance)
    return checked, skipped, wrong


def test_custom_resource_tests_never_let_an_invalid_object_through():
    paths = sorted(glob.glob(os.path.join(FIXTURES, "**", "*.y*ml"), recursive=True))
    checked, skipped, wrong = _custom_resource_agreement(paths)
    assert checked > 30 and skipped > 10 and wrong == 0, (checked, skipped, wrong)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not next to this checkout")
def test_custom_resource_tests_agree_on_the_corpus_crds():
    """Real CRDs (istio, argo, rook, cert-manager...): their patterns, bounds, int-or-string and
    preserved fields, one custom resource of each and its broken variants."""
    paths = sorted(str(path) for path in CORPUS.rglob("*") if path.suffix in (".yaml", ".yml"))
    checked, skipped, wrong = _custom_resource_agreement(paths)
    assert checked > 1000 and skipped > 100 and wrong == 0, (checked, skipped, wrong)
