"""Schema validation: versions, removed APIs, strictness, CRDs from the input and --schema-dir."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from kubelint_py import engine, loader, schemas
from kubelint_py.schemas import Schemas, UsageError, resolve_version


def problems(text: str, version: str = "1.37", **options) -> list[tuple[str, str, str]]:
    """(rule, path, message) for every schema finding in a manifest given as text (apply/ and the lint rules
    have their own tests)."""
    run = engine.Run(engine.Options(version, **options))
    loaded = loader.load_text(text, "t.yaml")
    for document in loaded.documents:
        if run._is_object(document):
            run._check_object(document)
    report = run.finish()
    return [(f.rule, f.path, f.message) for f in report.findings if f.rule.startswith("schema/")]


@pytest.mark.parametrize("text, expected", [("1.33", "1.33"), ("v1.33", "1.33"), ("1.33.2", "1.33"), (None, "1.37")])
def test_version_spellings(text, expected):
    assert resolve_version(text) == expected


@pytest.mark.parametrize("text", ["1.20", "2.0", "latest", "1.x"])
def test_unknown_versions_are_usage_errors(text):
    with pytest.raises(UsageError):
        resolve_version(text)


def test_every_bundled_version_from_1_27_is_present_and_consistent():
    index = schemas.index()
    assert index["versions"] == [f"1.{m}" for m in range(27, 38)]
    for version in index["versions"]:
        bundle = schemas.bundle(version)
        assert bundle["kubernetesVersion"] == version
        names = [name for kinds in bundle["kinds"].values() for name in kinds.values()]
        assert names and all(name in bundle["$defs"] for name in names)
        assert bundle["kinds"]["apps/v1"]["Deployment"] == "io.k8s.api.apps.v1.Deployment"


FLOW_SCHEMA = """
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: fs}
spec:
  priorityLevelConfiguration: {name: workload-low}
"""


def test_an_api_removed_within_the_bundled_range_is_judged_by_the_target_version():
    assert problems(FLOW_SCHEMA, "1.30") == []
    [(rule, path, message)] = problems(FLOW_SCHEMA, "1.37")
    assert (rule, path) == ("schema/removed-api", "apiVersion")
    assert message == "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema was removed in Kubernetes 1.32"


def test_a_removed_api_names_its_replacement():
    run = engine.Run(engine.Options("1.37"))
    [document] = loader.load_text("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n", "t.yaml").documents
    run._check_object(document)
    [finding] = run.finish().findings
    assert finding.fix == "Use batch/v1."


def test_a_kind_not_yet_served_says_from_which_version():
    text = "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu}\nspec: {}\n"
    assert problems(text, "1.37") == []
    [(rule, _, message)] = problems(text, "1.30")
    assert rule == "schema/unknown-kind" and "not served before Kubernetes" in message


def test_a_misspelt_kind_gets_a_suggestion():
    run = engine.Run(engine.Options("1.37"))
    [document] = loader.load_text("apiVersion: v1\nkind: ConfigMapp\nmetadata: {name: c}\n", "t.yaml").documents
    run._check_object(document)
    [finding] = run.finish().findings
    assert finding.rule == "schema/unknown-kind" and finding.fix == "Did you mean ConfigMap?"


def test_no_strict_turns_unknown_fields_into_warnings():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, lables: {}}\n"
    assert problems(text) == [("schema/unknown-field", "metadata.lables", "unknown field 'lables'")]
    run = engine.Run(engine.Options("1.37", strict=False))
    [document] = loader.load_text(text, "t.yaml").documents
    run._check_object(document)
    [finding] = run.finish().findings
    assert str(finding.severity) == "warning"


def test_all_errors_of_an_object_are_reported_not_only_the_first():
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: s, labelz: {}}\nspec:\n  ports: 80\n  tipe: ClusterIP\n"
    assert {rule for rule, _, _ in problems(text)} == {"schema/unknown-field", "schema/type"}
    assert len(problems(text)) == 3


def test_custom_resources_use_the_nearest_crd_when_a_repository_holds_several(tmp_path):
    crd = (FIXTURES / "check" / "crd" / "crd.yaml").read_text()
    loose = crd.replace("required: [schedule, target]", "required: [schedule]")
    (tmp_path / "strict").mkdir()
    (tmp_path / "loose").mkdir()
    (tmp_path / "strict" / "crd.yaml").write_text(crd)
    (tmp_path / "loose" / "crd.yaml").write_text(loose)
    backup = "apiVersion: ops.example.com/v1\nkind: Backup\nmetadata: {name: b}\nspec: {schedule: daily}\n"
    (tmp_path / "strict" / "backup.yaml").write_text(backup)
    (tmp_path / "loose" / "backup.yaml").write_text(backup)
    report = engine.check([str(tmp_path)], engine.Options("1.37"))
    assert [(f.file, f.rule) for f in report.findings] == [(str(tmp_path / "strict" / "backup.yaml"), "schema/required")]


def test_crd_conversion_keeps_openapi_semantics():
    schema = schemas.crd_json_schema(
        {"type": "object", "properties": {
            "port": {"x-kubernetes-int-or-string": True},
            "size": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {"type": "string"}}},
        }}, "#meta")
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    assert validator.is_valid({"port": "http", "size": 1, "free": {"a": "x", "b": 2}})
    assert validator.is_valid({"port": 8080, "size": None})
    assert not validator.is_valid({"size": 0})
    assert not validator.is_valid({"extra": 1})
    assert schema["properties"]["metadata"] == {"$ref": "#meta"}


def test_schema_dir_in_the_crds_catalog_layout(kubelint):
    manifest = FIXTURES / "check" / "crd" / "backups.yaml"
    result = kubelint("check", manifest, "--schema-dir", FIXTURES / "schema-dir", "--format", "json")
    restore = [f for f in json.loads(result.stdout)["findings"] if f["object"]["kind"] == "Restore"]
    assert [(f["rule"], f["path"]) for f in restore] == [("schema/required", "")]


def test_ignore_missing_schemas_silences_only_missing_schemas(kubelint):
    manifest = FIXTURES / "check" / "crd" / "backups.yaml"
    loud = kubelint("check", manifest, "--format", "json")
    assert {f["rule"] for f in json.loads(loud.stdout)["findings"]} == {"schema/missing-schema"}
    quiet = kubelint("check", manifest, "--ignore-missing-schemas", "--format", "json")
    assert json.loads(quiet.stdout)["findings"] == [] and quiet.exit_code == 0


def test_validators_are_compiled_once_per_kind():
    run = Schemas("1.37")
    [first] = run._validators_for("apps/v1", "Deployment", "a.yaml")
    assert list(run._validators_for("apps/v1", "Deployment", "b.yaml")) == [first]


def test_an_object_accepted_by_one_of_several_equally_near_crds_is_valid(tmp_path):
    crd = (FIXTURES / "check" / "crd" / "crd.yaml").read_text()
    experimental = crd.replace("                retention:\n", "                keep:\n                  type: integer\n"
                                                                    "                retention:\n")
    for channel, text in (("standard", crd), ("experimental", experimental)):
        (tmp_path / "crds" / channel).mkdir(parents=True)
        (tmp_path / "crds" / channel / "crd.yaml").write_text(text)
    (tmp_path / "examples").mkdir()
    backup = "apiVersion: ops.example.com/v1\nkind: Backup\nmetadata: {name: b}\nspec: {schedule: d, target: t, %s}\n"
    (tmp_path / "examples" / "keep.yaml").write_text(backup % "keep: 3")
    (tmp_path / "examples" / "typo.yaml").write_text(backup % "kep: 3")
    report = engine.check([str(tmp_path)], engine.Options("1.37"))
    assert [(f.file.rsplit("/", 1)[1], f.rule, f.path) for f in report.findings] == [
        ("typo.yaml", "schema/unknown-field", "spec.kep")]


def test_fields_named_only_inside_one_of_branches_are_not_unknown():
    schema = schemas.crd_json_schema({"type": "object", "properties": {"address": {
        "type": "object", "properties": {"type": {"type": "string"}, "value": {"type": "string"}},
        "oneOf": [{"properties": {"type": {"enum": ["IPAddress"]}}}, {"properties": {"type": {"not": {"enum": ["IPAddress"]}}}}],
    }}}, "#meta")
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    assert validator.is_valid({"address": {"type": "Hostname", "value": "example.com"}})
    assert not validator.is_valid({"address": {"type": "Hostname", "valu": "example.com"}})


def test_crd_defaults_are_applied_before_validation():
    schema = {"type": "object", "properties": {"address": {
        "type": "object", "properties": {"type": {"type": "string", "default": "IPAddress"}, "value": {"type": "string"}},
        "oneOf": [{"properties": {"type": {"enum": ["IPAddress"]}}}, {"properties": {"type": {"not": {"enum": ["IPAddress"]}}}}],
    }}}
    body = {"address": {"value": "10.0.0.1"}}
    assert schemas.with_defaults(body, schema) == {"address": {"type": "IPAddress", "value": "10.0.0.1"}}
    assert body == {"address": {"value": "10.0.0.1"}}  # the object as written is left alone
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schemas.crd_json_schema(schema, "#meta"))
    assert not validator.is_valid(body) and validator.is_valid(schemas.with_defaults(body, schema))
