"""The simulation survives malformed objects: any field of a realistic manifest replaced by a value of
the wrong type (a string for a list, a list for a mapping, null...) gives a result, never an exception.
The apply stage rejects most such objects; those it lets through reach the controllers, the scheduler
and the kubelet, which must cope with them."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, FIXTURES
from kubelint_py import loader
from kubelint_py.simulate import Options, render, run
from properties import value_paths

SIMULATE = FIXTURES / "simulate"
BODIES = [
    d.body
    for path in sorted(SIMULATE.glob("*.yaml"))
    for d in loader.load_text(path.read_text(encoding="utf-8"), str(path)).documents
]
CLUSTERS = [None] + [str(p) for p in sorted((SIMULATE / "clusters").iterdir())]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 70000),
    st.text(max_size=6),
    st.just([]),
    st.just({}),
    st.just(["x", 1, None]),
    st.just({"name": 3, "key": [1]}),
    st.just("100%"),
    st.just("-1"),
)


def _replace(body: Any, path: tuple, junk: Any) -> Any:
    body = copy.deepcopy(body)
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = junk
    return body


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_simulation_never_raises_on_malformed_objects(tmp_path_factory, data):
    items = []
    for body in data.draw(st.lists(st.sampled_from(BODIES), min_size=1, max_size=5)):
        paths = [p for p in value_paths(body) if len(p) >= 2 and p[0] != "metadata"]
        items.append(_replace(body, data.draw(st.sampled_from(paths)), data.draw(JUNK)) if paths else body)
    path = tmp_path_factory.mktemp("mutated") / "mutated.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    result = run(
        [str(path)],
        Options("1.37", datetime(2025, 3, 1, tzinfo=timezone.utc), data.draw(st.sampled_from(CLUSTERS))),
    )
    json.loads(render.to_json(result))
    assert render.to_text(result)


CLUSTER_BODIES = [
    [d.body for d in loader.load_text(path.read_text(encoding="utf-8"), str(path)).documents]
    for path in sorted((SIMULATE / "clusters").iterdir())
]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_a_malformed_cluster_file_never_raises(tmp_path_factory, data):
    bodies = copy.deepcopy(data.draw(st.sampled_from(CLUSTER_BODIES)))
    for _ in range(3):
        index = data.draw(st.integers(0, len(bodies) - 1))
        paths = [p for p in value_paths(bodies[index]) if p]
        bodies[index] = _replace(bodies[index], data.draw(st.sampled_from(paths)), data.draw(JUNK))
    path = tmp_path_factory.mktemp("cluster") / "cluster.json"
    wrapped = (
        bodies[0]
        if bodies[0].get("kind") == "Cluster"
        else {"apiVersion": "v1", "kind": "List", "items": bodies}
    )
    path.write_text(json.dumps(wrapped))
    app = data.draw(st.sampled_from(["scheduling.yaml", "platform.yaml", "kind-dev.yaml"]))
    result = run([str(SIMULATE / app)], Options("1.37", datetime(2025, 3, 1, tzinfo=timezone.utc), str(path)))
    assert render.to_text(result)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not next to this checkout")
def test_the_corpus_is_simulated_whole():
    result = run([str(CORPUS)], Options("1.37", datetime(2025, 3, 1, tzinfo=timezone.utc)))
    assert result.files == 1633 and len([o for o in result.objects if o.source]) > 2400
    shown = {id(o) for o in result.objects}
    assert all(o.created_by is None or id(o.created_by) in shown for o in result.objects)
    assert render.to_text(result) and json.loads(render.to_json(result))["objects"]
