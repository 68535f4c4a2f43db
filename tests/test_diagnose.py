"""`kubelint diagnose` beyond the fixtures: the command line, the JSON shape, the catalogue, the
scheduler messages, --manifests, cross-links and bad input."""

from __future__ import annotations

import json
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from kubelint_py.diagnose import STAGES, explain_cause, list_causes, run, scheduler
from kubelint_py.diagnose.catalogue import catalogue
from kubelint_py.diagnose.detect import read
from kubelint_py.diagnose.model import Parsed
from kubelint_py.diagnose.reason import diagnose
from kubelint_py.diagnose.text import join_wrapped, parse_age, split_row, columns

DIAGNOSE = FIXTURES / "diagnose"
OOM = DIAGNOSE / "runtime" / "oom-killed-crashloop.txt"
HEALTHY = DIAGNOSE / "completed-ok" / "healthy-with-startup-noise.txt"


# --- the command line --------------------------------------------------------------------------


def test_exit_code_is_1_when_a_problem_is_diagnosed(kubelint):
    result = kubelint("diagnose", OOM)
    assert result.exit_code == 1
    assert "oom-killed" in result.stdout and "Limits:  memory:  512Mi" in result.stdout


def test_exit_code_is_0_when_every_pod_is_healthy(kubelint):
    result = kubelint("diagnose", HEALTHY)
    assert result.exit_code == 0
    assert "Running and ready; nothing to fix." in result.stdout
    assert "Running and ready (restarted 2 times, last exit Error 1); nothing to fix." in result.stdout


def test_stdin_is_read(kubelint):
    result = kubelint("diagnose", "-", stdin=OOM.read_text())
    assert result.exit_code == 1 and "oom-killed" in result.stdout


def test_unreadable_input_exits_2_with_one_line_saying_what_was_expected(kubelint, tmp_path):
    log = DIAGNOSE / "errors" / "application-log.txt"
    result = kubelint("diagnose", log)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "unrecognised input" in result.stderr and "kubectl describe pod" in result.stderr
    missing = kubelint("diagnose", tmp_path / "nope.txt")
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_binary_input_is_refused_clearly(kubelint, tmp_path):
    path = tmp_path / "core"
    path.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4096)))
    result = kubelint("diagnose", path)
    assert result.exit_code == 2 and "binary" in result.stderr


def test_a_huge_log_is_refused_before_it_is_read_whole(kubelint, tmp_path):
    path = tmp_path / "huge.log"
    line = b"2024-07-08T10:00:01.123Z INFO request served in 3ms path=/api/v1/orders status=200\n"
    with open(path, "wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    result = kubelint("diagnose", path)
    assert result.exit_code == 2 and "50.0 MiB, larger than the 32 MiB limit" in result.stderr


def test_good_inputs_are_still_diagnosed_next_to_a_bad_one(kubelint):
    result = kubelint("diagnose", DIAGNOSE / "errors" / "truncated-describe.txt", OOM)
    assert result.exit_code == 2
    assert "oom-killed" in result.stdout
    assert "truncated-describe.txt:3: truncated" in result.stderr


def test_json_has_exactly_the_documented_shape(kubelint):
    result = kubelint("diagnose", "--format", "json", OOM, HEALTHY)
    document = json.loads(result.stdout)
    assert list(document) == ["pods"]
    for pod in document["pods"]:
        assert list(pod) == ["kind", "namespace", "name", "status", "ready", "diagnoses"]
        for diagnosis in pod["diagnoses"]:
            assert list(diagnosis) == ["stage", "cause", "summary", "fix", "evidence", "confidence", "manifest"]
            assert diagnosis["stage"] in STAGES and 0 < diagnosis["confidence"] <= 1
    oom = document["pods"][0]
    assert (oom["status"], oom["ready"], oom["diagnoses"][0]["cause"]) == ("CrashLoopBackOff", False, "oom-killed")
    assert "Last State:  Terminated | Reason:  OOMKilled | Exit Code:  137" in oom["diagnoses"][0]["evidence"]


# --- --manifests ---------------------------------------------------------------------------------


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
        - name: cart
          image: ghcr.io/acme/cart:5.8.1
          resources:
            limits:
              memory: 512Mi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sentry-web
  namespace: sentry
spec:
  selector: {matchLabels: {app: sentry}}
  template:
    metadata: {labels: {app: sentry}}
    spec:
      containers:
        - name: sentry-web
          image: getsentry/sentry:22.7.0
          env:
            - name: SENTRY_SECRET_KEY
              valueFrom:
                secretKeyRef:
                  name: sentry-sentry-secret
                  key: key
"""


def test_manifests_link_the_cause_to_the_line_to_change(tmp_path):
    manifests = tmp_path / "app.yaml"
    manifests.write_text(MANIFEST)
    secret = DIAGNOSE / "volume-config" / "secret-missing-env-1.24.txt"
    result = run([str(OOM), str(secret)], manifests=[str(manifests)])
    links = {e.name: e.diagnoses[0].manifest for e in result.entries}
    assert links["cart-7d4b9c8f6-5xk2p"] == {"file": str(manifests), "line": 16}  # memory: 512Mi
    assert links["sentry-web-6b8f9d7c5-2mnq8"] == {"file": str(manifests), "line": 35}  # the secret's name


def test_manifests_of_other_workloads_are_not_linked(tmp_path):
    manifests = tmp_path / "other.yaml"
    manifests.write_text(MANIFEST.replace("name: cart\n  namespace: shop", "name: cart\n  namespace: other"))
    result = run([str(OOM)], manifests=[str(manifests)])
    assert result.entries[0].diagnoses[0].manifest is None


# --- reasoning ---------------------------------------------------------------------------------


def _diagnosed(text: str):
    parsed = Parsed()
    read(text, "<test>", parsed)
    from kubelint_py.diagnose.detect import gather

    gather(parsed)
    return {e.name: e for e in diagnose(parsed)}


def test_webhook_and_its_crashing_backend_point_at_each_other():
    result = run([str(DIAGNOSE / "admission" / "webhook-istiod-down.txt")])
    by_name = {e.name: e.diagnoses[0].summary for e in result.entries}
    assert "Its backend pod Pod/istio-system/istiod-7d4c5b6f8-xv2pl is CrashLoopBackOff" in by_name["reviews-v1-6c8d9f7b5"]
    assert "blocks pod creation for ReplicaSet/default/reviews-v1-6c8d9f7b5" in by_name["istiod-7d4c5b6f8-xv2pl"]


def test_a_failure_a_later_event_resolved_is_ruled_out():
    events = """\
LAST SEEN   TYPE      REASON             OBJECT          MESSAGE
10m         Warning   FailedScheduling   pod/api-1       0/3 nodes are available: 3 Insufficient cpu.
8m          Normal    Scheduled          pod/api-1       Successfully assigned default/api-1 to node-1
2m          Warning   BackOff            pod/api-1       Back-off restarting failed container api in pod api-1_default(1)
"""
    entry = _diagnosed(events)["api-1"]
    assert entry.diagnoses[0].cause.id == "crash-loop"
    assert [(o.cause.id, o.why.split(":")[0]) for o in entry.ruled_out] == [("insufficient-resources", "resolved")]


def test_events_of_a_pod_named_only_in_get_events_carry_the_namespace_of_scheduled():
    entry = _diagnosed(DIAGNOSE.joinpath("admission", "quota-rollout-events.txt").read_text())["checkout-6d5f7b8c9"]
    assert entry.namespace == "shop"


def test_a_node_object_quotes_its_conditions_as_the_pods_do():
    """`get node -o yaml`: the condition quoted as evidence, without an empty reason or message."""
    node = DIAGNOSE.joinpath("eviction-node", "node-disk-pressure.yaml").read_text()
    entry = _diagnosed(node)["worker-9"]
    assert entry.diagnoses[0].evidence == [
        "status.conditions[DiskPressure]: True KubeletHasDiskPressure: kubelet has disk pressure"]
    bare = node.replace("      reason: KubeletHasDiskPressure\n      message: kubelet has disk pressure\n", "")
    assert _diagnosed(bare)["worker-9"].diagnoses[0].evidence == ["status.conditions[DiskPressure]: True"]


def test_wrapped_event_messages_are_joined():
    entry = _diagnosed(DIAGNOSE.joinpath("image-pull", "private-ca-x509.txt").read_text())["portal-0"]
    assert any("failed to verify certificate: x509" in line for line in entry.diagnoses[0].evidence)


def test_terminated_message_continuing_at_column_0_is_kept_with_its_last_line():
    entry = _diagnosed(DIAGNOSE.joinpath("runtime", "python-exit-1-multiline.txt").read_text())["feature-api-5c6d7e8f9-abcde"]
    container = entry.subject.containers[0]
    assert container.last.message.endswith("Field required [type=missing, input_value={}, input_type=dict]")
    assert container.last.exit_code == 1
    assert any(line.endswith("… Field required [type=missing, input_value={}, input_type=dict]")
               for line in entry.diagnoses[0].evidence)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "Name:  x", "Namespace:  y", "Status:  Pending", "Containers:", "  app:", "    State:  Waiting",
    "      Reason:  CrashLoopBackOff", "    Last State:  Terminated", "      Exit Code:  x", "Events:",
    "  Type  Reason  Age  From  Message", "  Warning  Failed  1m (x2 over  kubelet  Error: secret \"",
    "LAST SEEN   TYPE   REASON   OBJECT   MESSAGE", "3m   Warning   BackOff   pod/   ", "NAME  READY  STATUS  RESTARTS  AGE",
    "a  0/1  Init:  ", "apiVersion: v1", "kind: Pod", "status: {phase: [", "{", "\"kind\": \"Pod\"", "", "   ", "\t",
    "Conditions:", "  Ready  ", "Name:  n1", "Roles:  x", "Taints:  a:b", "No nodes are available that match",
]), max_size=40))
def test_arbitrary_fragments_never_raise(lines):
    parsed = Parsed()
    read("\n".join(lines), "<fuzz>", parsed)
    from kubelint_py.diagnose.detect import gather

    gather(parsed)
    for entry in diagnose(parsed):
        assert entry.kind


# --- the catalogue -----------------------------------------------------------------------------


def test_every_cause_is_complete_and_documented():
    for cause in catalogue().values():
        assert cause.stage in STAGES
        assert cause.summary and cause.fix and cause.docs and cause.example and cause.confirm, cause.id
        text = explain_cause(cause.id)
        assert text.startswith(f"# {cause.id}\n") and "## Fix" in text and "## How kubelint recognises it" in text
    assert explain_cause("no-such-cause") is None
    assert {c[0] for c in list_causes()} == set(catalogue())


def test_every_example_message_is_recognised_by_its_own_signs():
    """An example is what Kubernetes writes; the signs of its cause must recognise it."""
    for cause in catalogue().values():
        texts = [s.text for s in cause.signs if s.text is not None and s.on in ("event", "fit", "pod", "waiting")]
        if not texts:
            continue
        example = cause.example
        parsed = scheduler.parse(example)
        candidates = [reason for _, reason in parsed.reasons] if parsed and any(s.on == "fit" for s in cause.signs) \
            else [example]
        assert any(t.search(c) for t in texts for c in candidates), cause.id


def test_every_status_of_the_pod_lifecycle_is_covered_by_a_fixture():
    statuses = set()
    for path in DIAGNOSE.rglob("*"):
        if path.is_file():
            statuses.update(m[1] for m in re.finditer(r"^# expect: \S+\s+(\S+)", path.read_text(), re.M))
    required = {"Pending", "ContainerCreating", "PodInitializing", "Init:0/2", "Init:Error", "Init:CrashLoopBackOff",
                "Running", "Terminating", "Completed", "Error", "Failed", "Unknown", "CrashLoopBackOff",
                "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                "CreateContainerConfigError", "OOMKilled", "Evicted", "ContainerStatusUnknown"}
    assert required <= statuses, required - statuses


# --- the scheduler's message ---------------------------------------------------------------------


def test_fit_errors_of_every_era_are_read():
    newest = scheduler.parse("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/"
                             "control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption "
                             "is not helpful for scheduling, 2 No preemption victims found for incoming pod..")
    assert newest.total == 3
    assert newest.reasons == ((1, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"),
                              (2, "Insufficient cpu"))
    assert newest.preemption.startswith("0/3 nodes are available: 1 Preemption")
    prefilter = scheduler.parse("0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
                                "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    assert prefilter.reasons == ((4, "pod has unbound immediate PersistentVolumeClaims"),)
    legacy = scheduler.parse("No nodes are available that match all of the following predicates:: "
                             "Insufficient cpu (9), MatchNodeSelector (18).")
    assert legacy.total is None and legacy.reasons == ((9, "Insufficient cpu"), (18, "MatchNodeSelector"))
    assert scheduler.parse("Successfully assigned default/x to node-1") is None


def test_fit_error_writes_what_the_scheduler_writes_and_reads_back():
    message = scheduler.fit_error(3, {"Insufficient cpu": 2, scheduler.UNTOLERATED_TAINTS: 1})
    assert message == ("0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. "
                       "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
                       "2 No preemption victims found for incoming pod.")
    assert scheduler.parse(message).reasons == ((1, "node(s) had untolerated taint(s)"), (2, "Insufficient cpu"))
    unbound = scheduler.fit_error(2, {}, prefilter=scheduler.UNBOUND_PVC)
    assert unbound.startswith("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption:")


# --- text helpers --------------------------------------------------------------------------------


def test_ages_and_counts():
    assert parse_age("117s (x4 over 3m19s)") == (117, 4, 199)
    assert parse_age("2y45d") == (2 * 365 * 86400 + 45 * 86400, 1, 2 * 365 * 86400 + 45 * 86400)
    assert parse_age("<unknown>") == (None, 1, None)


def test_rows_are_cut_at_header_offsets_and_empty_cells_survive():
    header = "LAST SEEN   TYPE     REASON   OBJECT    SUBOBJECT   SOURCE    MESSAGE"
    row = "2m          Normal   Pulled   pod/a                 kubelet   Container image \"x\"  already present"
    cells = split_row(row, columns(header))
    assert cells["subobject"] == "" and cells["source"] == "kubelet"
    assert cells["message"] == 'Container image "x"  already present'


def test_misaligned_rows_fall_back_to_gaps():
    cols = columns("  Type     Reason  Age  From     Message")
    cells = split_row("  Warning  Failed     3m (x2 over 5m)  kubelet  Error: ErrImagePull", cols)
    assert (cells["reason"], cells["age"], cells["from"], cells["message"]) == \
        ("Failed", "3m (x2 over 5m)", "kubelet", "Error: ErrImagePull")


def test_terminal_wrapping_inside_a_word_is_undone():
    first = "x" * 70 + " certifi"
    assert join_wrapped(first, "  Warning  Failed  1s  kubelet  " + first, "cate: x509") == first + "cate: x509"
    assert join_wrapped("short", "short", "next") == "short next"


def test_a_controller_with_nothing_wrong_is_left_out(kubelint, tmp_path):
    deployment = """\
Name:                   frontend
Namespace:              web
CreationTimestamp:      Mon, 01 Jul 2024 12:00:00 +0000
Labels:                 app=frontend
Selector:               app=frontend
Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable
StrategyType:           RollingUpdate
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
NewReplicaSet:   frontend-6d5c4b3a2 (2/2 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  7d    deployment-controller  Scaled up replica set frontend-6d5c4b3a2 to 2
"""
    path = tmp_path / "both.txt"
    path.write_text(deployment + "\n" + HEALTHY.read_text())
    result = kubelint("diagnose", "--format", "json", path)
    assert result.exit_code == 0
    assert [p["kind"] for p in json.loads(result.stdout)["pods"]] == ["Pod", "Pod"]
