"""The loader: scalars typed like the apiserver's YAML decoder, documents split and located exactly."""

from __future__ import annotations

import math

import pytest

from kubelint_py import discovery, loader


def body(text: str):
    loaded = loader.load_text(text, "t.yaml")
    assert not loaded.findings, loaded.findings
    [document] = loaded.documents
    return document.body


@pytest.mark.parametrize(
    "text, value",
    [
        ("yes", True), ("No", False), ("on", True), ("OFF", False), ("y", True), ("true", True),
        ("~", None), ("null", None), ("", None),
        ("0777", 511), ("0o17", 15), ("0x1F", 31), ("0b101", 5), ("1_000", 1000), ("-12", -12), ("+3", 3),
        ("1e3", 1000.0), ("1.10", 1.1), (".5", 0.5), ("08", 8.0),
        ("'yes'", "yes"), ('"8080"', "8080"), ("!!str 12", "12"), ("!!int '3'", 3), ("!Ref web", "web"),
        ("2001-12-14", "2001-12-14"), ("1.2.3", "1.2.3"), ("100m", "100m"), ("500Mi", "500Mi"), ("0.0.0.0", "0.0.0.0"),
    ],
)
def test_scalars_are_typed_like_go_yaml_v2(text, value):
    assert body(f"v: {text}\n") == {"v": value}


def test_special_floats():
    assert body("v: .inf\n")["v"] == math.inf
    assert math.isnan(body("v: .NaN\n")["v"])


def test_boolean_keys_become_their_json_text():
    # sigs.k8s.io/yaml turns a key read as a boolean into "true"/"false"
    assert body("on: push\n8080: http\n") == {"true": "push", "8080": "http"}


def test_anchors_aliases_and_merge_keys():
    text = "base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\nlist: [*b]\n"
    assert body(text) == {"base": {"a": 1, "b": 2}, "other": {"a": 1, "b": 3}, "list": [{"a": 1, "b": 2}]}


def test_positions_point_at_keys_and_fall_back_to_the_deepest_existing_ancestor():
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: x\n    - {name: b, image: y}\n"
    [document] = loader.load_text(text, "t.yaml").documents
    assert document.locate(("spec", "containers", 0, "image")) == (6, 7)
    assert document.locate(("spec", "containers", 1, "image")) == (7, 17)
    assert document.locate(("spec", "containers", 1)) == (7, 7)
    assert document.locate(("spec", "volumes", 0)) == (3, 1)
    assert document.locate(()) == (1, 1)


def test_positions_survive_the_release_of_the_parse_tree():
    [document] = loader.load_text("a:\n  b:\n    c: 1\n", "t.yaml").documents
    document.locate_fn.release()
    assert document.locate(("a", "b", "c")) == (3, 5)


def test_merged_keys_are_located_where_they_are_written():
    [document] = loader.load_text("base: &b\n  image: x\nc:\n  <<: *b\n  name: y\n", "t.yaml").documents
    assert document.locate(("c", "image")) == (2, 3)
    assert document.locate(("c", "name")) == (5, 3)


def test_documents_are_split_like_kubectl_and_numbered_with_their_lines():
    text = "---\na: 1\n---\n# only a comment\n---\n\n---\nb: 2\n--- # not a separator for kubectl\nc: 3\n"
    loaded = loader.load_text(text, "t.yaml")
    assert [(d.index, d.body, d.locate(())) for d in loaded.documents] == [
        (1, {"a": 1}, (2, 1)), (2, {"b": 2}, (8, 1)), (3, {"c": 3}, (10, 1))]
    assert (loaded.read, loaded.unreadable) == (3, 0)


def test_a_broken_document_does_not_hide_the_next_ones():
    text = "a: 1\n---\nb: [1,\n---\nc: 3\n"
    loaded = loader.load_text(text, "t.yaml")
    assert [d.body for d in loaded.documents] == [{"a": 1}, {"c": 3}]
    [finding] = loaded.findings
    assert (finding.rule, finding.line, finding.document) == ("yaml/syntax", 3, 2)
    assert (loaded.read, loaded.unreadable) == (3, 1)


def test_list_items_are_objects_located_inside_the_list():
    text = "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n"
    loaded = loader.load_text(text, "t.yaml")
    assert [d.base for d in loaded.documents] == [("items", 0), ("items", 1)]
    assert loaded.documents[1].locate(("metadata", "name")) == (7, 14)
    assert loaded.read == 1


def test_duplicate_keys_are_reported_at_the_second_key():
    loaded = loader.load_text("a: 1\nb:\n  c: 1\n  c: 2\n", "t.yaml")
    [finding] = loaded.findings
    assert (finding.rule, finding.line, finding.column) == ("yaml/duplicate-key", 4, 3)
    assert "first at line 3" in finding.message
    assert loaded.documents[0].body == {"a": 1, "b": {"c": 2}}


def test_json_files_may_use_tabs():
    loaded = loader.load_text('{\n\t"kind": "Pod",\n\t"apiVersion": "v1"\n}\n', "pod.json")
    assert loaded.documents[0].body == {"kind": "Pod", "apiVersion": "v1"}
    assert loaded.documents[0].locate(("apiVersion",)) == (3, 2)


def test_helm_source_comment_names_the_template():
    text = "---\n# Source: shop/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
    [document] = loader.load_text(text, "<stdin>").documents
    assert document.origin == "shop/templates/deployment.yaml"


def test_the_c_parser_is_in_use():
    assert loader.C_PARSER, "ruamel.yaml.clib is a dependency; without it parsing is ~15x slower"


def test_discover_walks_directories_in_order_and_keeps_missing_paths(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/z.yaml", "a.yml", "c.json", "notes.txt", ".hidden/x.yaml"):
        (tmp_path / name).write_text("{}")
    found = list(discovery.discover([str(tmp_path), "missing.yaml"], exclude=["c.*"]))
    assert found == [str(tmp_path / "a.yml"), str(tmp_path / "b" / "z.yaml"), "missing.yaml"]
