"""Every rule survives malformed objects: any field of a realistic manifest replaced by a value of the
wrong type (a string for a list, a list for a mapping, null...) gives findings, never an exception."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from kubelint_py import loader
from kubelint_py.lint.linter import Linter, Setting, activate
from kubelint_py.lint.rules import built_in
from kubelint_py.model import Document
from kubelint_py.schemas import built_in_groups
from properties import value_paths

RULES = list(built_in())
SOURCES = [(str(p), p.read_text()) for p in (FIXTURES / "config" / "shop.yaml", FIXTURES / "lint" / "operator.yaml",
                                            FIXTURES / "silence" / "node-agent.yaml")]
SOURCES += [(rule.id, rule.examples["fail"]) for rule in RULES]  # the manifests each rule is about
BODIES = [d.body for name, text in SOURCES for d in loader.load_text(text, name).documents]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=6), st.just([]), st.just({}),
                 st.just(["x", 1, None]), st.just({"name": 3, "key": [1]}))
LINTER = Linter(activate(RULES, {r.id: Setting(enabled=True) for r in RULES}, {}), frozenset(built_in_groups()))


def _replace(body: Any, path: tuple, junk: Any) -> Any:
    if not path:
        return junk
    body = copy.deepcopy(body)
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = junk
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_rules_never_raise_on_malformed_objects(data):
    documents = []
    for body in data.draw(st.lists(st.sampled_from(BODIES), min_size=1, max_size=6)):
        paths = [p for p in value_paths(body) if len(p) >= 2]
        path = data.draw(st.sampled_from(paths))
        mutated = _replace(body, path, data.draw(JUNK))
        documents.append(Document("mutated.yaml", 1, mutated, lambda p: (1, 1)))
    for document in documents:
        if isinstance(document.body, dict) and isinstance(document.body.get("kind"), str) \
                and isinstance(document.body.get("apiVersion"), str):
            LINTER.check(document)
    list(LINTER.finish([d for d in documents if isinstance(d.body, dict)]))
