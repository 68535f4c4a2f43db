"""The simulated apply beyond the fixtures: quantities, formats, the cron parser, defaults, naming,
API lifecycles, large objects, the command line and the rule documentation."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import pytest
from conftest import FIXTURES

from kubelint_py import apply, engine, loader
from kubelint_py.apply import defaults, deprecations, formats, jobs, naming, quantity
from kubelint_py.model import Document
from kubelint_py.schemas import resolve_version

NEWEST = resolve_version(None)


def _document(text: str):
    return loader.load_text(text, "test.yaml").documents[0]


def _check(tmp_path, text: str, version: str = NEWEST) -> list:
    """Findings of one manifest, written to a file and checked by the whole engine."""
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text, encoding="utf-8")
    return engine.check([str(manifest)], engine.Options(version)).findings


# --- quantities ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("100m", "0.1"),
        ("1.5Gi", "1610612736"),
        ("500Mi", "524288000"),
        ("1e3", "1000"),
        ("2G", "2000000000"),
        ("0.5", "0.5"),
        (0.5, "0.5"),
        (2, "2"),
        ("1Ki", "1024"),
        (" 2Gi ", "2147483648"),
        ("+1k", "1000"),
        ("-100m", "-0.1"),
        ("1E", "1000000000000000000"),
        ("5e-3", "0.005"),
        ("1.", "1"),
        (".5", "0.5"),
        ("0.0000000001", "0.000000001"),  # rounded up to a nano unit
    ],
)
def test_quantities_the_apiserver_accepts(text, value):
    assert quantity.parse(text) == Decimal(value)


@pytest.mark.parametrize(
    "text, error, suggestion",
    [
        ("500mi", quantity.SUFFIX_ERROR, "500Mi"),
        ("1gi", quantity.FORMAT_ERROR, "1Gi"),  # 'g' is no suffix letter
        ("1K", quantity.SUFFIX_ERROR, "1k"),
        ("2GB", quantity.FORMAT_ERROR, "2G"),
        ("1 Gi", quantity.FORMAT_ERROR, "1Gi"),
        ("10GiB", quantity.FORMAT_ERROR, "10Gi"),
        ("512Mb", quantity.FORMAT_ERROR, "512M"),
        ("", quantity.FORMAT_ERROR, None),
        ("32MMi", quantity.SUFFIX_ERROR, None),
        ("1e", quantity.SUFFIX_ERROR, None),
        (True, quantity.FORMAT_ERROR, None),
    ],
)
def test_quantities_the_apiserver_rejects(text, error, suggestion):
    with pytest.raises(quantity.QuantityError, match=re.escape(error)):
        quantity.parse(text)
    assert quantity.suggest(text) == suggestion


def test_quantities_compare_across_suffixes():
    assert quantity.parse("1Gi") > quantity.parse("1G") > quantity.parse("953Mi")
    assert quantity.parse("1500m") == quantity.parse("1.5")
    assert quantity.show(quantity.parse("1e99999999")) == "1E+99999999"  # huge exponents stay cheap


# --- formats ---------------------------------------------------------------------------------------


def test_name_formats_use_the_apiserver_wording():
    assert formats.is_dns1123_label("web.v2") == ["must not contain dots"]
    assert formats.is_dns1123_label("a" * 64)[0] == "must be no more than 63 characters"
    assert formats.is_dns1123_label("Web")[0].startswith("a lowercase RFC 1123 label must consist of")
    assert "(e.g. 'my-name',  or '123-abc', regex used" in formats.is_dns1123_label("Web")[0]
    assert formats.is_dns1035_label("2fa")[0].startswith("a DNS-1035 label")
    assert formats.is_dns1123_subdomain("example.com") == []
    assert formats.is_path_segment("a/b") == ["may not contain '/'"]


def test_label_keys_values_and_port_names():
    assert formats.is_qualified_name("app.kubernetes.io/name") == []
    assert formats.is_qualified_name("/name") == ["prefix part must be non-empty"]
    assert formats.is_qualified_name("a/b/c")[0].startswith("a qualified name must consist")
    assert formats.is_label_value("") == []
    assert formats.is_label_value("v1.2+3")[0].startswith("a valid label must be an empty string")
    assert formats.is_port_name("http") == []
    assert formats.is_port_name("metrics-endpoint") == ["must be no more than 15 characters"]
    assert formats.is_port_name("8080") == ["must contain at least one letter (a-z)"]
    assert formats.is_port_name("-a--b") == [
        "must not contain consecutive hyphens",
        "must not begin or end with a hyphen",
    ]


def test_env_names_depend_on_the_version():
    assert formats.is_env_var_name("1ST_RUN", 31) and not formats.is_env_var_name("1ST_RUN", 32)
    assert formats.is_env_var_name("A=B", 37) == [
        "a valid environment variable name must consist only of printable ASCII characters other than '='"
    ]
    assert formats.is_env_var_name("..", 31)[-1] == "must not be '..'"


# --- cron ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        "*/5 * * * *",
        "0 2 * * 0",
        "30 4 1-7,15 JAN-jun/2 sun,Wed",
        "@hourly",
        "@every 1h30m",
        "0 0 ? * MON-FRI",
        "TZ=UTC 0 6 * * *",
    ],
)
def test_cron_schedules_the_apiserver_accepts(schedule):
    jobs.parse_schedule(schedule)


@pytest.mark.parametrize(
    "schedule, error",
    [
        ("*/5 * * *", "expected exactly 5 fields, found 4: [*/5 * * *]"),
        ("0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]"),
        ("0 2 * * 7", "end of range (7) above maximum (6): 7"),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
        ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("@every 1 hour", 'failed to parse duration @every 1 hour: time: invalid duration "1 hour"'),
        ("", "empty spec string"),
    ],
)
def test_cron_schedules_the_apiserver_rejects(schedule, error):
    with pytest.raises(jobs.CronError) as raised:
        jobs.parse_schedule(schedule)
    assert str(raised.value) == error


# --- defaults --------------------------------------------------------------------------------------

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
          ports: [{containerPort: 80}]
          readinessProbe: {httpGet: {port: 80}}
        - name: sidecar
          image: registry.example.com/proxy:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      volumes: [{name: scratch}, {name: config, configMap: {name: web}}]
"""


def test_defaulted_copy_leaves_the_document_alone_and_is_cached():
    document = _document(DEPLOYMENT)
    before = json.dumps(document.body, sort_keys=True)
    copy = defaults.defaulted(document, NEWEST)
    assert json.dumps(document.body, sort_keys=True) == before
    assert defaults.defaulted(document, NEWEST) is copy
    spec = copy["spec"]
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (1, 10, 600)
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    pod = spec["template"]["spec"]
    assert (pod["restartPolicy"], pod["dnsPolicy"], pod["terminationGracePeriodSeconds"]) == (
        "Always",
        "ClusterFirst",
        30,
    )
    web, sidecar = pod["containers"]
    assert web["imagePullPolicy"] == "Always" and sidecar["imagePullPolicy"] == "IfNotPresent"
    assert web["ports"][0]["protocol"] == "TCP"
    assert web["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert pod["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "config", "configMap": {"name": "web", "defaultMode": 420}},
    ]
    assert "serviceAccountName" not in pod  # admission defaults are for Pods, not templates


@pytest.mark.parametrize(
    "image, policy",
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:2", "IfNotPresent"),
        ("app@sha256:" + "a" * 64, "IfNotPresent"),
        ("app:latest@sha256:" + "a" * 64, "Always"),
    ],
)
def test_image_pull_policy_follows_the_tag(image, policy):
    assert defaults.image_pull_policy(image) == policy


def test_pod_service_secret_and_job_defaults():
    pod = defaults.default_object(
        _document("""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a, image: "a:1", resources: {limits: {cpu: 500m}}}]
""").body,
        NEWEST,
    )["spec"]
    assert pod["containers"][0]["resources"]["requests"] == {"cpu": "500m"}
    assert pod["serviceAccountName"] == "default" and pod["enableServiceLinks"] is True
    assert {t["key"] for t in pod["tolerations"]} == {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    }
    service = defaults.default_object(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
        NEWEST,
    )["spec"]
    assert service["type"] == "ClusterIP" and service["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80}
    ]
    secret = defaults.default_object(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"token": "abc"}},
        NEWEST,
    )
    assert secret["type"] == "Opaque" and "stringData" not in secret
    assert base64.b64decode(secret["data"]["token"]) == b"abc"
    job = defaults.default_object(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {"template": {"metadata": {"labels": {"app": "j"}}}},
        },
        "1.28",
    )
    assert (job["spec"]["completions"], job["spec"]["parallelism"], job["spec"]["backoffLimit"]) == (1, 1, 6)
    assert "podReplacementPolicy" not in job["spec"]  # from 1.29
    assert job["metadata"]["labels"] == {"app": "j"}


def test_rolling_update_defaults_decide_the_daemonset_rule():
    assert defaults.rolling_update("DaemonSet", {"updateStrategy": {"rollingUpdate": {"maxSurge": 1}}}) == (
        1,
        1,
    )
    assert defaults.rolling_update("Deployment", {"strategy": {"type": "Recreate"}}) is None


# --- naming ----------------------------------------------------------------------------------------


def test_controller_names():
    assert naming.generated_name("a" * 70, "x7k2p") == "a" * 58 + "x7k2p"
    assert naming.stateful_set_claim_name("data", "db", 2) == "data-db-2"
    assert naming.cron_job_job_name("backup", 29000000) == "backup-29000000"
    template = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
    }
    first = naming.pod_template_hash(template)
    assert first == naming.pod_template_hash(json.loads(json.dumps(template)))
    assert first != naming.pod_template_hash(template, collision_count=1)
    assert set(first) <= set(naming.SAFE_ALPHABET) and 1 <= len(first) <= 10


# --- API lifecycles --------------------------------------------------------------------------------


def test_lifecycle_comes_from_the_schemas_and_the_fact_table():
    assert deprecations.lifecycle("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.30") == (
        "1.29",
        "1.32",
    )
    assert deprecations.lifecycle("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.28") == (
        None,
        "1.32",
    )
    assert deprecations.lifecycle("v1", "Endpoints", "1.32") == (None, None)
    assert deprecations.lifecycle("apps/v1", "Deployment", NEWEST) == (None, None)
    assert (
        deprecations.replacement("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.27")
        == "flowcontrol.apiserver.k8s.io/v1 FlowSchema (served from Kubernetes 1.29)"
    )


def test_removed_apis_get_one_finding_from_the_schema_stage(tmp_path):
    findings = _check(
        tmp_path,
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: Old_Name}\n"
        "spec: {backend: {serviceName: web, servicePort: 80}}\n",
    )
    assert [f.rule for f in findings] == ["schema/removed-api"]


# --- objects too large to commit as fixtures -------------------------------------------------------


def test_config_over_one_mebibyte(tmp_path):
    big = "x" * (1024 * 1024)
    findings = _check(
        tmp_path,
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: geoip}}\ndata:\n  a: {big}\n  b: small\n",
    )
    assert [(f.rule, f.line, f.message) for f in findings] == [
        ("apply/config-too-large", 4, "Too long: may not be more than 1048576 bytes")
    ]
    assert (
        _check(
            tmp_path, f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: geoip}}\ndata:\n  a: {big[:-10]}\n"
        )
        == []
    )
    assert (
        _check(
            tmp_path,
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: geoip}}\ndata:\n  a: {big}x\n",
            "1.31",
        )[0].message
        == "Too long: must have at most 1048576 bytes"
    )


def test_annotations_over_256_kib(tmp_path):
    value = "x" * (256 * 1024)
    findings = _check(
        tmp_path,
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\n  annotations:\n"
        f"    example.com/dashboard: {value}\n",
    )
    assert [(f.rule, f.line) for f in findings] == [("apply/annotations-too-long", 5)]


# --- command line ----------------------------------------------------------------------------------


def test_assume_namespace_declares_existing_namespaces(kubelint, tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {}\n"
    )
    result = kubelint("check", "--format", "json", manifest)
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert rules == ["apply/unknown-namespace"] and result.exit_code == 0  # a warning does not fail the run
    result = kubelint("check", "--format", "json", "--assume-namespace", "shop", manifest)
    assert json.loads(result.stdout)["findings"] == [] and result.exit_code == 0
    result = kubelint("check", "--assume-namespace", "Shop_1", manifest)
    assert result.exit_code == 2 and "--assume-namespace 'Shop_1' is not a namespace name" in result.stderr


def test_namespace_option_is_kubectls_namespace(kubelint, tmp_path):
    manifest = tmp_path / "app.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {}\n---\n"
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags, namespace: staging}\ndata: {}\n")
    result = kubelint("check", "--format", "json", manifest)
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["apply/unknown-namespace"]
    result = kubelint("check", "--format", "json", "--namespace", "shop", manifest)
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "apply/namespace-mismatch" and finding["line"] == 8 and result.exit_code == 1
    assert kubelint("check", "--namespace", "staging", manifest).exit_code == 0
    assert kubelint("check", "-n", "Shop", manifest).exit_code == 2


def test_version_option_changes_the_verdict(kubelint):
    fixture = FIXTURES / "apply" / "env-1.31.yaml"
    assert kubelint("check", "--kubernetes-version", "1.31", fixture).exit_code == 1
    assert kubelint("check", "--kubernetes-version", "1.32", fixture).exit_code == 0


# --- documentation ---------------------------------------------------------------------------------


def test_every_apply_rule_is_documented():
    ids = [info.id for info in apply.RULES]
    assert len(ids) == len(set(ids)) and len(ids) >= 80
    for info in apply.RULES:
        assert info.id.startswith("apply/") and re.fullmatch(r"apply/[a-z0-9-]+", info.id)
        assert info.summary and "\n" not in info.summary
        for section in ("## What it does", "## Why it matters", "## Example", "## Fix"):
            assert section in info.docs, (info.id, section)


# --- robustness ------------------------------------------------------------------------------------

_ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"a": None}, [1, "a"], "500mi", 2**70]


def _mutated(value, rnd):
    """The value with some of its parts replaced by values of other types, as broken manifests have them."""
    if rnd.random() < 0.1:
        return rnd.choice(_ODD_VALUES)
    if isinstance(value, dict):
        return {key: _mutated(item, rnd) for key, item in value.items()}
    if isinstance(value, list):
        return [_mutated(item, rnd) for item in value]
    return value


@pytest.mark.parametrize("seed", range(5))
def test_values_of_any_type_never_crash_a_rule(seed):
    import random

    rnd = random.Random(seed)
    documents = []
    for path in sorted((FIXTURES / "apply").rglob("*.yaml")):
        for document in loader.load_text(path.read_text(encoding="utf-8"), str(path)).documents:
            body = _mutated(document.body, rnd)
            if isinstance(body, dict):
                body.update(apiVersion=document.body["apiVersion"], kind=document.body["kind"])
                documents.append(Document(document.file, document.index, body, lambda path: (1, 1)))
    for version in ("1.28", "1.33", NEWEST):
        context = apply.Context(version)
        problems = [problem for document in documents for problem in apply.check(document, context)]
        problems += [problem for _, problem in apply.check_set(documents, context)]
        assert all(problem.rule and problem.message and problem.fix for problem in problems)
        for document in documents:
            defaults.default_object(document.body, version)
