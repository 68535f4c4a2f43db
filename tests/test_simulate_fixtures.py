"""Every fixture under fixtures/simulate says, in its leading comments, how to run it and what every
object of the simulation must be:

    # simulate: ARGS                      (options for `kubelint simulate FIXTURE`, paths relative to it)
    # expect-exit: N
    # expect: KIND/NAMESPACE/NAME [×COUNT] [by KIND/NAME] STATUS [REASON]

In NAME, `{hash}` stands for a pod-template-hash and `{suffix}` for the five random characters of a
generated name, both in the apiserver's alphabet; `*` matches anything, `[012]` one of those. `-` for
NAMESPACE is a cluster-scoped object, `-` for STATUS no prediction at all. With ×COUNT, exactly that
many of the objects so named are like this (replicas may fare differently); without, all of them.
Every object the simulation shows must be matched by an expectation.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from conftest import FIXTURES

SIMULATE = FIXTURES / "simulate"
FILES = sorted(p for p in SIMULATE.glob("*.y*ml"))
_ARGS = re.compile(r"^# simulate: (?P<args>.*)$", re.M)
_EXIT = re.compile(r"^# expect-exit: (?P<code>\d)\s*$", re.M)
_EXPECT = re.compile(
    r"^# expect: (?P<ref>\S+)(?: ×(?P<count>\d+))?(?: by (?P<owner>\S+))? (?P<status>\S+)"
    r"(?: (?P<reason>\S+))?\s*$",
    re.M,
)


_ALPHABET = "[bcdfghjklmnpqrstvwxz2456789]"


def _name(pattern: str) -> re.Pattern:
    regex = (
        re.escape(pattern)
        .replace(r"\{hash\}", _ALPHABET + "{1,10}")
        .replace(r"\{suffix\}", _ALPHABET + "{5}")
    )
    regex = regex.replace(r"\*", ".*").replace(r"\[", "[").replace(r"\]", "]")
    return re.compile(regex)


def _named(obj: dict, ref: str) -> bool:
    kind, namespace, name = ref.split("/", 2)
    return (
        obj["kind"] == kind
        and obj["namespace"] == (None if namespace == "-" else namespace)
        and _name(name).fullmatch(obj["name"]) is not None
    )


def _fits(obj: dict, expectation: re.Match) -> bool:
    owner, predicted = expectation["owner"], obj["predicted"]
    if (
        (obj["createdBy"] is None) != (owner is None)
        or owner
        and not _name(owner).fullmatch(obj["createdBy"])
    ):
        return False
    if expectation["status"] == "-":
        return predicted is None
    return (
        predicted is not None
        and predicted["status"] == expectation["status"]
        and predicted["reason"] == expectation["reason"]
    )


def _run(kubelint, path):
    text = path.read_text(encoding="utf-8")
    args = shlex.split(_ARGS.search(text)["args"]) if _ARGS.search(text) else []
    args = [str(SIMULATE / a) if a.endswith((".yaml", ".json")) else a for a in args]
    return text, kubelint("simulate", path, "--format", "json", *args)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixture_simulation(kubelint, path):
    text, result = _run(kubelint, path)
    expected_exit = _EXIT.search(text)
    assert expected_exit, "a fixture must say its exit code"
    assert result.exit_code == int(expected_exit["code"]), result.stderr
    objects = json.loads(result.stdout)["objects"]
    expectations = list(_EXPECT.finditer(text))
    assert expectations, "a fixture must say what it expects"
    matched = set()
    for expectation in expectations:
        label = expectation[0]
        named = [i for i, o in enumerate(objects) if _named(o, expectation["ref"])]
        assert named, f"{label}: no such object among {[(o['kind'], o['name']) for o in objects]}"
        fitting = [i for i in named if _fits(objects[i], expectation)]
        if expectation["count"]:
            assert len(fitting) == int(expectation["count"]), (
                f"{label}: {[(objects[i]['name'], objects[i]['createdBy'], objects[i]['predicted']) for i in named]}"
            )
        else:
            assert fitting == named, (
                f"{label}: {[(objects[i]['name'], objects[i]['predicted']) for i in named]}"
            )
        matched.update(fitting)
    unexpected = [(o["kind"], o["namespace"], o["name"]) for i, o in enumerate(objects) if i not in matched]
    assert not unexpected, f"objects no expectation names: {unexpected}"


def test_every_fixture_is_realistic_yaml_with_sources(kubelint):
    """Objects of the input carry their file and line; created ones none."""
    for path in FILES:
        _, result = _run(kubelint, path)
        for obj in json.loads(result.stdout)["objects"]:
            if obj["createdBy"] is None:
                assert obj["source"]["file"].endswith(path.name) and obj["source"]["line"] > 0, obj
            else:
                assert obj["source"] is None, obj
