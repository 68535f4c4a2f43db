"""`kubelint simulate` beyond the fixtures: the command line and JSON shape, bad input, image
references, cron schedules, the kubelet's order, scheduling details, --cluster's forms, and the model
it shares with `kubelint diagnose`."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from conftest import FIXTURES
from kubelint_py.diagnose import run as diagnose
from kubelint_py.diagnose.catalogue import catalogue
from kubelint_py.simulate import Options, cron, images, run

SIMULATE = FIXTURES / "simulate"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
EKS = str(SIMULATE / "clusters" / "eks-general.yaml")


def simulate(tmp_path, manifests: str, cluster: str | None = None, version: str = "1.37", **options):
    path = tmp_path / "app.yaml"
    path.write_text(manifests, encoding="utf-8")
    cluster_path = None
    if cluster is not None:
        cluster_path = tmp_path / "cluster.yaml"
        cluster_path.write_text(cluster, encoding="utf-8")
    return run(
        [str(path)],
        Options(
            version, NOW, str(cluster_path) if cluster_path else options.pop("cluster_file", None), **options
        ),
    )


def pods(result) -> list:
    return [o for o in result.objects if o.kind == "Pod"]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: %(replicas)s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
%(spec)s
"""


def deployment(spec: str, replicas: int = 1) -> str:
    return DEPLOYMENT % {
        "replicas": replicas,
        "spec": "\n".join("      " + line for line in spec.splitlines()),
    }


# --- the command line -------------------------------------------------------------------------------


def test_json_has_exactly_the_documented_shape(kubelint):
    result = kubelint("simulate", SIMULATE / "payments.yaml", "--now", "2025-03-01T09:30:00Z", "-f", "json")
    document = json.loads(result.stdout)
    assert set(document) == {"objects"}
    for obj in document["objects"]:
        assert set(obj) == {"apiVersion", "kind", "namespace", "name", "source", "createdBy", "predicted"}
        assert obj["source"] is None or set(obj["source"]) == {"file", "line"}
        assert obj["createdBy"] is None or obj["createdBy"].count("/") == 1
        if obj["predicted"] is not None:
            assert set(obj["predicted"]) == {"status", "reason", "message"}
            assert isinstance(obj["predicted"]["status"], str)


def test_exit_codes(kubelint):
    healthy = kubelint("simulate", SIMULATE / "shop.yaml", "--cluster", EKS, "--now", "2025-03-01T09:30:00Z")
    assert healthy.exit_code == 0, healthy.stdout
    assert "0 problems predicted" in healthy.stdout
    broken = kubelint("simulate", SIMULATE / "payments.yaml", "--now", "2025-03-01T09:30:00Z")
    assert broken.exit_code == 1
    assert "CreateContainerConfigError" in broken.stdout


def test_output_is_the_same_on_every_run(kubelint):
    args = (
        "simulate",
        SIMULATE / "scheduling.yaml",
        "--cluster",
        EKS,
        "--now",
        "2025-03-01T09:30:00Z",
        "-f",
        "json",
    )
    assert kubelint(*args).stdout == kubelint(*args).stdout


def test_stdin_is_read(kubelint):
    result = kubelint(
        "simulate", "-", "--now", "2025-03-01T09:30:00Z", stdin=(SIMULATE / "batch.yaml").read_text()
    )
    assert result.exit_code == 1
    assert "Job invoice-run-29016540" in result.stdout and "<stdin>:" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("--now", "next tuesday"), "--now 'next tuesday' is not a time"),
        (("-k", "1.12"), "1.12"),
        (("-n", "Shop"), "--namespace 'Shop' is not a namespace name"),
    ],
)
def test_usage_errors_are_one_line(kubelint, args, message):
    result = kubelint("simulate", SIMULATE / "batch.yaml", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_unreadable_input_exits_2_and_the_rest_is_simulated(kubelint, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data: {}\n")
    result = kubelint(
        "simulate",
        broken,
        SIMULATE / "batch.yaml",
        tmp_path / "missing.yaml",
        "--now",
        "2025-03-01T09:30:00Z",
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("kubelint: error: ") for line in lines)
    assert any(f"{broken}:5:" in line for line in lines) and any("no such file" in line for line in lines)
    assert "CronJob invoice-run" in result.stdout


def test_no_manifests_is_a_usage_error(kubelint, tmp_path):
    result = kubelint("simulate", tmp_path)
    assert result.exit_code == 2 and "no manifest files" in result.stderr


@pytest.mark.parametrize(
    "cluster, error",
    [
        (
            "apiVersion: kubelint/v1\nkind: Cluster\nnodes:\n  - name: a\n    cpus: 4\n",
            "cluster.yaml:5: unknown node field 'cpus'",
        ),
        (
            "apiVersion: kubelint/v1\nkind: Cluster\nnodes:\n  - name: a\n    allocatable: {memory: 16GB}\n",
            "cluster.yaml:5: '16GB' is not a quantity",
        ),
        (
            "apiVersion: kubelint/v1\nkind: Cluster\nnodes:\n  - name: a\n    taints: [dedicated]\n",
            "cluster.yaml:5: 'dedicated' is not a taint",
        ),
        ("kind: Cluster\nnodes: []\n", "cluster.yaml:1: a kind: Cluster file needs apiVersion: kubelint/v1"),
        ("nodes: [a, b\n", "cluster.yaml:1: invalid YAML"),
    ],
)
def test_a_bad_cluster_file_is_a_one_line_error_with_its_line(kubelint, tmp_path, cluster, error):
    path = tmp_path / "cluster.yaml"
    path.write_text(cluster)
    result = kubelint("simulate", SIMULATE / "batch.yaml", "--cluster", path, "--now", "2025-03-01T09:30:00Z")
    assert result.exit_code == 2, result.stdout
    assert error in result.stderr and "Traceback" not in result.stderr


def test_missing_cluster_file(kubelint, tmp_path):
    result = kubelint("simulate", SIMULATE / "batch.yaml", "--cluster", tmp_path / "nodes.yaml")
    assert result.exit_code == 2 and "no such file or directory (--cluster)" in result.stderr


def test_text_marks_stand_ins_and_says_the_same_once_per_replica(kubelint):
    text = kubelint("simulate", SIMULATE / "payments.yaml", "--now", "2025-03-01T09:30:00Z").stdout
    assert "≈ marks names the cluster would generate" in text
    assert text.count("couldn't find key url in Secret payments/ledger-db") == 1
    assert "CreateContainerConfigError  the same as above" in text


# --- image references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "nginx",
        "nginx:1.27",
        "docker.io/library/nginx:1.27-alpine",
        "ghcr.io/acme/app:v1.2.3",
        "localhost:5000/app",
        "registry.example.com:5000/team/app:2.0",
        "quay.io/prometheus/node-exporter@sha256:" + "a" * 64,
        "ghcr.io/acme/app:1.0@sha256:" + "0123456789abcdef" * 4,
        "[2001:db8::1]:5000/app:1",
        "MyRegistry.example.com/app:1",
    ],
)
def test_valid_image_references(image):
    assert images.parse_error(image, 37) is None


@pytest.mark.parametrize(
    "image, error",
    [
        ("MyApp:latest", "repository name (library/MyApp) must be lowercase"),
        ("ghcr.io/acme/App", "repository name (acme/App) must be lowercase"),
        ("ghcr.io/acme/app:${TAG}", "invalid reference format"),
        ("nginx ", "invalid reference format"),
        ("nginx:1.27:2", "invalid reference format"),
        ("ko://knative.dev/serving/cmd/activator", "invalid reference format"),
        ("app@sha256:abc", "invalid reference format"),
        ("app@sha256:" + "a" * 63 + "g", "invalid reference format"),
        ("app@md5:" + "a" * 32, "unsupported digest algorithm"),
        ("app@sha512:" + "a" * 64, "invalid checksum digest length"),
        ("a" * 64, "cannot specify 64-byte hexadecimal strings"),
        ("ghcr.io/" + "a" * 260, "repository name must not be more than 255 characters"),
    ],
)
def test_invalid_image_references(image, error):
    message = images.parse_error(image, 37)
    assert message is not None and error in message
    assert message.startswith(f'Failed to apply default image tag "{image}": couldn\'t parse image reference')


def test_older_kubelets_do_not_name_the_repository():
    assert images.parse_error("MyApp", 29).endswith(
        "invalid reference format: repository name must be lowercase"
    )


# --- cron schedules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule, zone, after, expected",
    [
        ("0 9 * * 1-5", None, "2025-03-01T09:30:00+00:00", "2025-03-03T09:00:00+00:00"),  # Saturday -> Monday
        ("*/15 * * * *", None, "2025-03-01T09:30:00+00:00", "2025-03-01T09:45:00+00:00"),  # strictly after
        ("30 9 * * *", None, "2025-03-01T09:29:59.500000+00:00", "2025-03-01T09:30:00+00:00"),
        (
            "0 0 1 * 1",
            None,
            "2025-03-01T09:30:00+00:00",
            "2025-03-03T00:00:00+00:00",
        ),  # day of month OR Monday
        ("0 0 1 * *", None, "2025-03-01T09:30:00+00:00", "2025-04-01T00:00:00+00:00"),
        ("0 0 * * 0", None, "2025-03-01T09:30:00+00:00", "2025-03-02T00:00:00+00:00"),
        ("@weekly", None, "2025-03-01T09:30:00+00:00", "2025-03-02T00:00:00+00:00"),
        ("@every 1h30m", None, "2025-03-01T09:30:00.250000+00:00", "2025-03-01T11:00:00+00:00"),
        ("0 2 * * *", "Europe/Berlin", "2025-03-01T09:30:00+00:00", "2025-03-02T01:00:00+00:00"),
        (
            "0 2 * * *",
            "Europe/Berlin",
            "2025-07-01T09:30:00+00:00",
            "2025-07-02T00:00:00+00:00",
        ),  # summer time
        ("TZ=Asia/Tokyo 0 9 * * *", None, "2025-03-01T09:30:00+00:00", "2025-03-02T00:00:00+00:00"),
        ("0 0 29 2 *", None, "2025-03-01T09:30:00+00:00", "2028-02-29T00:00:00+00:00"),
    ],
)
def test_next_run(schedule, zone, after, expected):
    assert cron.next_run(schedule, datetime.fromisoformat(after), zone) == datetime.fromisoformat(expected)


def test_a_schedule_that_never_fires():
    assert cron.next_run("0 0 30 2 *", NOW, None) is None
    assert cron.next_run("not a schedule", NOW, None) is None


# --- what the kubelet meets first -------------------------------------------------------------------


def test_volumes_are_mounted_before_any_container_starts(tmp_path):
    spec = """\
initContainers:
  - {name: wait, image: 'busybox:1.37', command: [sh, -c, "until nslookup db; do sleep 2; done"]}
containers:
  - name: app
    image: Not/A/Valid:Image
    envFrom: [{secretRef: {name: absent}}]
    volumeMounts: [{name: config, mountPath: /etc/app}]
volumes:
  - {name: config, configMap: {name: app-config}}"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert (pod.predicted.status, pod.predicted.reason) == ("Init:0/1", "FailedMount")
    assert (
        pod.predicted.message
        == 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found'
    )


def test_the_first_init_container_that_fails_holds_the_pod(tmp_path):
    spec = """\
initContainers:
  - name: migrate
    image: ghcr.io/acme/migrate:1
    env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}]
containers:
  - {name: app, image: 'ghcr.io/acme/App:1'}"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert (pod.predicted.status, pod.predicted.message) == (
        "Init:CreateContainerConfigError",
        'secret "db" not found',
    )


def test_the_image_is_resolved_before_the_environment(tmp_path):
    spec = """\
containers:
  - name: app
    image: "ghcr.io/acme/App:1"
    env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}]"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert pod.predicted.status == "InvalidImageName"


def test_the_first_container_that_fails_is_what_kubectl_shows(tmp_path):
    spec = """\
containers:
  - {name: proxy, image: 'envoyproxy/envoy:v1.32.3'}
  - name: app
    image: ghcr.io/acme/app:1
    envFrom: [{configMapRef: {name: settings}}]
  - {name: sidecar, image: 'acme/sidecar:dev', imagePullPolicy: Never}"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert (pod.predicted.status, pod.predicted.message) == (
        "CreateContainerConfigError",
        'configmap "settings" not found',
    )


def test_optional_references_do_not_stop_a_pod(tmp_path):
    spec = """\
containers:
  - name: app
    image: ghcr.io/acme/app:1
    envFrom: [{secretRef: {name: extra, optional: true}}]
    env: [{name: K, valueFrom: {configMapKeyRef: {name: absent, key: k, optional: true}}}]
volumes:
  - {name: certs, secret: {secretName: certs, optional: true}}
  - name: both
    projected:
      sources:
        - configMap: {name: absent, optional: true}"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert pod.predicted.status == "Running" and not pod.predicted.problem


def test_keys_are_checked_where_the_object_is_known(tmp_path):
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {app.yaml: 'a: 1'}\n---\n"
    spec = """\
containers:
  - {name: app, image: 'ghcr.io/acme/app:1'}
volumes:
  - name: config
    configMap:
      name: settings
      items: [{key: application.yaml, path: app.yaml}]"""
    [pod] = pods(simulate(tmp_path, config + deployment(spec)))
    assert (pod.predicted.status, pod.predicted.reason, pod.predicted.cause) == (
        "ContainerCreating",
        "FailedMount",
        "volume-key-missing",
    )
    assert pod.predicted.message.endswith("configmap references non-existent config key: application.yaml")


def test_run_as_non_root_with_user_0_is_refused_by_the_kubelet(tmp_path):
    spec = """\
securityContext: {runAsNonRoot: true}
containers:
  - {name: app, image: 'ghcr.io/acme/app:1', securityContext: {runAsUser: 0}}"""
    [pod] = pods(simulate(tmp_path, deployment(spec)))
    assert pod.predicted.status == "CreateContainerConfigError"
    assert "container's runAsUser breaks non-root policy" in pod.predicted.message


def test_an_operators_secret_exists(tmp_path):
    manifests = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: db-credentials}
  data: [{secretKey: password, remoteRef: {key: db/password}}]
---
""" + deployment("""\
containers:
  - name: app
    image: ghcr.io/acme/app:1
    env:
      - {name: P, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}
      - {name: U, valueFrom: {secretKeyRef: {name: db-credentials, key: user}}}""")
    [pod] = pods(simulate(tmp_path, manifests))
    assert pod.predicted.message == "couldn't find key user in Secret default/db-credentials"
    secret = next(o for o in simulate(tmp_path, manifests).objects if o.kind == "Secret")
    assert secret.ref == "Secret/db-credentials" and secret.created_by.ref == "ExternalSecret/db"


def test_a_paused_deployment_creates_no_replica_set(tmp_path):
    manifests = deployment("containers: [{name: app, image: 'nginx:1.27'}]").replace(
        "spec:\n  replicas", "spec:\n  paused: true\n  replicas"
    )
    result = simulate(tmp_path, manifests)
    assert [o.kind for o in result.objects] == ["Deployment"]
    assert result.objects[0].predicted.status == "Paused" and not result.problems


def test_without_cluster_a_daemon_set_gets_one_pod_and_no_node(tmp_path):
    manifests = (
        deployment("containers: [{name: agent, image: 'grafana/alloy:v1.5.1'}]")
        .replace("kind: Deployment", "kind: DaemonSet")
        .replace("  replicas: 1\n", "")
    )
    [pod] = pods(simulate(tmp_path, manifests))
    assert pod.node is None and pod.predicted.status == "Running"
    assert any("every eligible node" in note for note in pod.notes)


def test_an_autoscaler_sets_the_replicas_within_its_bounds(tmp_path):
    hpa = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
"""
    spec = "containers: [{name: app, image: 'nginx:1.27', resources: {requests: {cpu: 100m}}}]"
    assert len(pods(simulate(tmp_path, deployment(spec, replicas=1) + hpa))) == 2
    assert len(pods(simulate(tmp_path, deployment(spec, replicas=9) + hpa))) == 4
    assert len(pods(simulate(tmp_path, deployment(spec, replicas=0) + hpa))) == 0


def test_a_disruption_budget_rounds_percentages_up(tmp_path):
    budget = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: "50%%"
  selector: {matchLabels: {app: web}}
""" % ()
    spec = "containers: [{name: app, image: 'nginx:1.27'}]"
    one = next(
        o for o in simulate(tmp_path, deployment(spec, 1) + budget).objects if o.kind == "PodDisruptionBudget"
    )
    assert (one.predicted.status, one.predicted.reason) == ("Blocking", "InsufficientPods")
    three = next(
        o for o in simulate(tmp_path, deployment(spec, 3) + budget).objects if o.kind == "PodDisruptionBudget"
    )
    assert three.predicted.message.endswith("1 may be evicted at a time")


def test_a_statefulsets_governing_service_must_be_headless(tmp_path):
    manifests = """\
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: 'postgres:17.2', ports: [{containerPort: 5432}]}]
"""
    stateful_set = next(o for o in simulate(tmp_path, manifests).objects if o.kind == "StatefulSet")
    assert (stateful_set.predicted.status, stateful_set.predicted.reason) == (
        "NoPodDNS",
        "ServiceNotHeadless",
    )
    assert "db-0.db.default.svc" in stateful_set.predicted.message


# --- scheduling ---------------------------------------------------------------------------------------------


def _reporting(tmp_path, version: str) -> str:
    spec = "containers: [{name: r, image: 'acme/reporting:4', resources: {requests: {memory: 20Gi}}}]"
    [pod] = pods(simulate(tmp_path, deployment(spec), version=version, cluster_file=EKS))
    return pod.predicted.message


def test_the_schedulers_message_follows_the_version(tmp_path):
    assert _reporting(tmp_path, "1.31") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 3 Insufficient memory. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims "
        "found for incoming pod."
    )
    assert _reporting(tmp_path, "1.35") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient memory. no new claims to "
        "deallocate, preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No "
        "preemption victims found for incoming pod."
    )


SMALL_CLUSTER = """\
apiVersion: kubelint/v1
kind: Cluster
nodes:
  - name: worker
    count: 2
    allocatable: {cpu: "1", memory: 4Gi, pods: 10}
"""


def test_pods_already_on_the_nodes_take_their_requests(tmp_path):
    existing = """\
---
apiVersion: v1
kind: Pod
metadata: {name: busy, namespace: kube-system}
spec:
  nodeName: %s
  containers: [{name: c, image: busybox, resources: {requests: {cpu: 800m}}}]
status: {phase: Running}
"""
    cluster = SMALL_CLUSTER + existing % "worker-1" + existing.replace("busy", "busier") % "worker-2"
    spec = "containers: [{name: app, image: 'nginx:1.27', resources: {requests: {cpu: 300m}}}]"
    [pod] = pods(simulate(tmp_path, deployment(spec), cluster))
    assert pod.predicted.message.startswith("0/2 nodes are available: 2 Insufficient cpu.")


def test_each_placed_pod_takes_room_from_the_next(tmp_path):
    spec = "containers: [{name: app, image: 'nginx:1.27', resources: {requests: {cpu: 600m, memory: 1Gi}}}]"
    result = simulate(tmp_path, deployment(spec, replicas=3), SMALL_CLUSTER)
    statuses = sorted(p.predicted.status for p in pods(result))
    assert statuses == ["Pending", "Running", "Running"]
    assert sorted(p.node for p in pods(result) if p.node) == ["worker-1", "worker-2"]


def test_sidecars_add_to_the_pods_requests_and_init_containers_peak(tmp_path):
    spec = """\
initContainers:
  - {name: setup, image: busybox, resources: {requests: {cpu: 900m}}}
  - {name: proxy, image: 'envoyproxy/envoy:v1.32.3', restartPolicy: Always, resources: {requests: {cpu: 400m}}}
containers:
  - {name: app, image: 'nginx:1.27', resources: {requests: {cpu: 500m}}}"""
    [pod] = pods(simulate(tmp_path, deployment(spec), SMALL_CLUSTER))
    # 500m + 400m running together fits a 1-CPU node; the 900m init step alone does too.
    assert pod.predicted.status == "Running"
    heavier = spec.replace("cpu: 500m", "cpu: 700m")
    [pod] = pods(simulate(tmp_path, deployment(heavier), SMALL_CLUSTER))
    assert pod.predicted.message.startswith("0/2 nodes are available: 2 Insufficient cpu.")


def test_node_affinity_operators(tmp_path):
    cluster = SMALL_CLUSTER.replace(
        "    count: 2\n", "    count: 2\n    labels: {generation: '5', pool: general}\n"
    )
    spec = """\
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: generation, operator: Gt, values: ['%s']}
            - {key: pool, operator: NotIn, values: [spot]}
            - {key: gpu, operator: DoesNotExist}
containers: [{name: app, image: 'nginx:1.27'}]"""
    [pod] = pods(simulate(tmp_path, deployment(spec % "4"), cluster))
    assert pod.predicted.status == "Running"
    [pod] = pods(simulate(tmp_path, deployment(spec % "5"), cluster))
    assert pod.predicted.message.startswith(
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
    )


def test_a_daemon_set_pod_that_does_not_fit_its_node(tmp_path):
    cluster = SMALL_CLUSTER.replace("count: 2", "count: 3")
    manifests = (
        deployment(
            "containers: [{name: a, image: 'grafana/alloy:v1.5.1', resources: {requests: {cpu: 1500m}}}]"
        )
        .replace("kind: Deployment", "kind: DaemonSet")
        .replace("  replicas: 1\n", "")
    )
    result = simulate(tmp_path, manifests, cluster)
    assert [p.node for p in pods(result)] == [None, None, None]
    assert pods(result)[0].predicted.message.startswith(
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_a_daemon_set_no_node_takes(tmp_path):
    manifests = (
        deployment("nodeSelector: {pool: gpu}\ncontainers: [{name: a, image: 'nvidia/dcgm:3'}]")
        .replace("kind: Deployment", "kind: DaemonSet")
        .replace("  replicas: 1\n", "")
    )
    result = simulate(tmp_path, manifests, SMALL_CLUSTER)
    assert not pods(result)
    assert (result.objects[0].predicted.status, result.objects[0].predicted.reason) == (
        "NoPods",
        "NoEligibleNodes",
    )


def test_a_claim_without_class_in_a_cluster_without_default_class(tmp_path):
    cluster = (
        SMALL_CLUSTER + "storageClasses:\n  - {name: local, provisioner: kubernetes.io/no-provisioner}\n"
    )
    manifests = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
""" + deployment(
        "containers: [{name: a, image: 'nginx:1.27'}]\nvolumes: [{name: d, persistentVolumeClaim: {claimName: data}}]"
    )
    result = simulate(tmp_path, manifests, cluster)
    claim = result.objects[0]
    assert (claim.predicted.status, claim.predicted.reason, claim.predicted.cause) == (
        "Pending",
        "FailedBinding",
        "no-storageclass",
    )
    [pod] = pods(result)
    assert pod.predicted.message.startswith(
        "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    )


def test_a_free_volume_of_the_input_binds_the_claim(tmp_path):
    manifests = """\
apiVersion: v1
kind: PersistentVolume
metadata: {name: nfs-share}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteMany]
  storageClassName: ""
  nfs: {server: 10.0.0.5, path: /exports/share}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: share}
spec:
  storageClassName: ""
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 5Gi}}
"""
    cluster = SMALL_CLUSTER + "storageClasses: []\n"
    claim = simulate(tmp_path, manifests, cluster).objects[1]
    assert (claim.predicted.status, claim.predicted.message) == (
        "Bound",
        "bound to the PersistentVolume nfs-share",
    )


# --- the model shared with diagnose ------------------------------------------------------------------------


def _observed(obj: dict, predicted) -> list[dict]:
    """What the cluster would show for a predicted failure: the pod (or controller) and its events."""
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "type": "Warning",
        "count": 4,
        "involvedObject": {"kind": obj["kind"], "name": obj["name"], "namespace": obj["namespace"]},
        "lastTimestamp": "2025-03-01T09:35:00Z",
    }
    if obj["kind"] != "Pod":
        return [dict(event, reason="FailedCreate", message=predicted["message"])]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": obj["name"], "namespace": obj["namespace"]},
        "spec": {"containers": [{"name": "app", "image": "example"}]},
        "status": {"phase": "Pending"},
    }
    status, reason, message = predicted["status"], predicted["reason"], predicted["message"]
    if status == "Pending":
        pod["status"]["conditions"] = [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
        ]
        return [pod, dict(event, reason="FailedScheduling", message=message)]
    waiting = (
        {"reason": "ContainerCreating"} if reason == "FailedMount" else {"reason": reason, "message": message}
    )
    pod["status"]["containerStatuses"] = [
        {"name": "app", "ready": False, "restartCount": 0, "image": "example", "state": {"waiting": waiting}}
    ]
    event_reason = {"FailedMount": "FailedMount", "InvalidImageName": "InspectFailed"}.get(reason, "Failed")
    return [
        pod,
        dict(
            event,
            reason=event_reason,
            message=message if reason != "CreateContainerConfigError" else f"Error: {message}",
        ),
    ]


def test_diagnose_reads_every_predicted_failure_as_the_same_cause(kubelint, tmp_path):
    """One model: what simulate predicts, diagnose recognises from what the cluster would then show."""
    checked = set()
    for fixture, args in (
        ("payments.yaml", ()),
        ("scheduling.yaml", ("--cluster", EKS)),
        ("platform.yaml", ("--cluster", str(SIMULATE / "clusters" / "planned.yaml"))),
        ("kind-dev.yaml", ("--cluster", str(SIMULATE / "clusters" / "kind-dev.json"))),
    ):
        result = simulate_json(kubelint, fixture, *args)
        objects = json.loads(result)["objects"]
        causes = _causes(fixture, args)
        for obj in objects:
            predicted = obj["predicted"]
            if not predicted or obj["kind"] not in ("Pod", "ReplicaSet") or not predicted["reason"]:
                continue
            cause = causes[(obj["kind"], obj["name"])]
            observed = tmp_path / f"{obj['name']}.json"
            observed.write_text(
                json.dumps({"apiVersion": "v1", "kind": "List", "items": _observed(obj, predicted)})
            )
            entries = [e for e in diagnose([str(observed)]).entries if e.name == obj["name"]]
            assert entries and entries[0].diagnoses, (obj["name"], predicted)
            assert entries[0].diagnoses[0].cause.id == cause, (
                obj["name"],
                predicted,
                entries[0].diagnoses[0].cause.id,
            )
            checked.add(cause)
    assert len(checked) >= 10, checked
    assert checked <= set(catalogue())


def simulate_json(kubelint, fixture: str, *args: str) -> str:
    return kubelint(
        "simulate", SIMULATE / fixture, "--now", "2025-03-01T09:30:00Z", "-f", "json", *args
    ).stdout


def _causes(fixture: str, args: tuple) -> dict:
    cluster = args[1] if args else None
    result = run([str(SIMULATE / fixture)], Options("1.37", NOW, cluster))
    return {(o.kind, o.name): o.predicted.cause for o in result.objects if o.predicted and o.predicted.cause}


# --- Pod Security admission --------------------------------------------------------------------------------


def test_pod_security_speaks_like_the_admission_controller(tmp_path):
    """The message a stock nginx Deployment meets in a restricted namespace, as clusters print it."""
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels: {pod-security.kubernetes.io/enforce: restricted}\n---\n"
    spec = "containers:\n  - {name: nginx, image: 'nginx:1.27', securityContext: {runAsUser: 0}}"
    replica_set = next(
        o for o in simulate(tmp_path, namespace + deployment(spec)).objects if o.kind == "ReplicaSet"
    )
    assert replica_set.predicted.message.split(" is forbidden: ")[1] == (
        'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set '
        'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set '
        'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set '
        'securityContext.runAsNonRoot=true), runAsUser=0 (container "nginx" must not set runAsUser=0), '
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost")'
    )


def test_pod_security_levels_and_versions(tmp_path):
    from kubelint_py.simulate.pod_security import violations

    spec = {
        "hostNetwork": True,
        "containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "CHOWN"]}}},
            {"name": "b", "securityContext": {"capabilities": {"add": ["SYS_TIME"]}, "privileged": True}},
        ],
    }
    assert violations(spec, {}) is None
    assert violations(spec, {"pod-security.kubernetes.io/enforce": "privileged"}) is None
    assert violations(
        spec,
        {
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "v1.30",
        },
    ) == (
        'violates PodSecurity "baseline:v1.30": non-default capabilities (containers "a", "b" must not include '
        '"NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add), host namespaces (hostNetwork=true), '
        'privileged (container "b" must not set securityContext.privileged=true)'
    )
    compliant = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "nfs", "nfs": {"server": "x", "path": "/"}}],
        "containers": [
            {
                "name": "app",
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }
        ],
    }
    assert violations(compliant, {"pod-security.kubernetes.io/enforce": "restricted"}) == (
        'violates PodSecurity "restricted:latest": restricted volume types (volume "nfs" uses restricted volume '
        'type "nfs")'
    )


def test_a_missing_pull_secret_is_a_remark_not_a_failure(tmp_path, kubelint):
    spec = "imagePullSecrets: [{name: regcred}]\ncontainers: [{name: app, image: 'registry.acme.io/app:1'}]"
    path = tmp_path / "app.yaml"
    path.write_text(deployment(spec))
    result = kubelint("simulate", path, "-f", "json")
    [pod] = [o for o in json.loads(result.stdout)["objects"] if o["kind"] == "Pod"]
    assert result.exit_code == 0
    assert pod["predicted"]["status"] == "Running" and pod["predicted"]["reason"] is None
    assert 'imagePullSecrets names the Secret "regcred", which does not exist' in pod["predicted"]["message"]


def test_namespace_flag_places_objects_and_refuses_others(kubelint):
    moved = json.loads(kubelint("simulate", SIMULATE / "kind-dev.yaml", "-n", "dev", "-f", "json").stdout)[
        "objects"
    ]
    assert {o["namespace"] for o in moved} == {"dev"}
    refused = json.loads(kubelint("simulate", SIMULATE / "batch.yaml", "-n", "ops", "-f", "json").stdout)[
        "objects"
    ]
    cron_job = next(o for o in refused if o["kind"] == "CronJob")
    assert (
        cron_job["predicted"]["status"] == "Rejected"
        and "apply/namespace-mismatch" in cron_job["predicted"]["message"]
    )
    assert not any(o["createdBy"] == "CronJob/invoice-run" for o in refused)
