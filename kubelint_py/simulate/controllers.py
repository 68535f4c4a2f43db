"""What the controllers make of the input: every object they create, named as they name it, each pod
taken through admission, the scheduler and the kubelet as soon as it is created.

Deployment → ReplicaSet `<name>-<pod-template-hash>` → Pods `<replicaset>-<5 chars>`; StatefulSet →
claims `<template>-<name>-<ordinal>` and Pods `<name>-<ordinal>`; DaemonSet → a Pod per eligible node;
Job → Pods `<name>-<5 chars>` (`<name>-<index>-<5 chars>` when Indexed); CronJob → the Job
`<name>-<minutes since the epoch>` of its next run; a Namespace → its `default` ServiceAccount and the
`kube-root-ca.crt` ConfigMap; a pod's ephemeral volume → the claim `<pod>-<volume>`; cert-manager's
Certificate, External Secrets' ExternalSecret and Bitnami's SealedSecret → their Secret. Hashes and
random suffixes are deterministic stand-ins (apply/naming.py). A HorizontalPodAutoscaler keeps its
target's replicas within minReplicas..maxReplicas from the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from kubelint_py.apply import defaults, naming
from kubelint_py.simulate import cron, kubelet
from kubelint_py.simulate.cluster import Node
from kubelint_py.simulate.inventory import Inventory
from kubelint_py.simulate.model import ClusterObject, Prediction, items, mapping, text
from kubelint_py.simulate.predicates import facts, node_matches, tolerates
from kubelint_py.simulate.scheduling import Scheduler
from kubelint_py.simulate.storage import Storage

# Tolerations the DaemonSet controller gives its pods (pkg/controller/daemon/util), so that they run
# on nodes under pressure and on cordoned ones; network-unavailable only with hostNetwork.
_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
# Operators that create a Secret from a resource of their own: (group, kind) -> where its name is.
SECRET_MAKERS = {
    ("cert-manager.io", "Certificate"): ("spec", "secretName"),
    ("external-secrets.io", "ExternalSecret"): ("spec", "target", "name"),
    ("bitnami.com", "SealedSecret"): ("metadata", "name"),
}
_CERTIFICATE_KEYS = frozenset(("tls.crt", "tls.key", "ca.crt"))


@dataclass
class World:
    """Everything a controller needs to know while it creates objects."""

    version: str
    now: datetime
    inventory: Inventory
    storage: Storage
    scheduler: Scheduler
    nodes: list[Node] | None  # --cluster's nodes, None without --cluster
    claims: dict[tuple[str, str], ClusterObject] = field(default_factory=dict)  # (namespace, name) -> claim
    replicas: dict[tuple[str, str | None, str], tuple[int, int]] = field(default_factory=dict)  # HPA bounds

    @property
    def minor(self) -> int:
        return int(self.version.split(".")[1])


# --- before any pod: what exists ---------------------------------------------------------------------------


def register(top: ClusterObject, world: World) -> list[ClusterObject]:
    """Record an accepted object of the input as existing; returns what exists because of it at once
    (a namespace's ServiceAccount, an operator's Secret). Runs for the whole input before any pod."""
    world.inventory.add(top.kind, top.namespace, top.name, top.body)
    created: list[ClusterObject] = []
    group = top.api_version.rpartition("/")[0]
    if top.kind == "Namespace" and not group:
        created = [
            _child(top, "v1", "ServiceAccount", top.name, "default"),
            _child(top, "v1", "ConfigMap", top.name, "kube-root-ca.crt"),
        ]
    elif (group, top.kind) in SECRET_MAKERS:
        path = SECRET_MAKERS[(group, top.kind)]
        name = text(_get(top.body, path)) or (top.name if top.kind == "ExternalSecret" else "")
        if name:
            secret = _child(top, "v1", "Secret", top.namespace, name)
            world.inventory.add("Secret", top.namespace, name, keys=_secret_keys(top), created_by=top.ref)
            created = [secret]
    elif top.kind == "PersistentVolumeClaim" and not group:
        world.claims[(top.namespace or "", top.name)] = top
        top.predicted = world.storage.bind(top)
    elif top.kind == "HorizontalPodAutoscaler":
        target = mapping(top.spec.get("scaleTargetRef"))
        minimum, maximum = top.spec.get("minReplicas", 1), top.spec.get("maxReplicas")
        if isinstance(minimum, int) and isinstance(maximum, int):
            world.replicas[(text(target.get("kind")), top.namespace, text(target.get("name")))] = (
                minimum,
                maximum,
            )
    return created


def _secret_keys(maker: ClusterObject) -> frozenset[str] | None:
    if maker.kind == "Certificate":
        return _CERTIFICATE_KEYS
    if maker.kind == "SealedSecret":
        return frozenset(mapping(maker.spec.get("encryptedData")))
    if maker.kind == "ExternalSecret" and not maker.spec.get("dataFrom"):
        return frozenset(text(mapping(d).get("secretKey")) for d in items(maker.spec.get("data")))
    return None


def _get(body: dict, path: tuple):
    for part in path:
        body = mapping(body).get(part)
    return body


def _child(
    creator: ClusterObject,
    api_version: str,
    kind: str,
    namespace: str | None,
    name: str,
    body: dict | None = None,
    stand_in: bool = False,
) -> ClusterObject:
    return ClusterObject(
        api_version, kind, namespace, name, created_by=creator, stand_in=stand_in, body=body or {}
    )


# --- the controllers ------------------------------------------------------------------------------------


def expand(top: ClusterObject, world: World) -> list[ClusterObject]:
    """The objects controllers create from an accepted object of the input, pods predicted."""
    make = _CONTROLLERS.get((top.api_version.rpartition("/")[0], top.kind))
    return make(top, world) if make else []


def _deployment(deployment: ClusterObject, world: World) -> list[ClusterObject]:
    if deployment.spec.get("paused") is True:
        deployment.predicted = Prediction(
            "Paused", message="spec.paused: no ReplicaSet is created until it is resumed"
        )
        return []
    template = mapping(deployment.spec.get("template"))
    template_hash = naming.pod_template_hash(template)
    name = naming.replica_set_name(deployment.name, template_hash)
    labels = {**_labels(template), "pod-template-hash": template_hash}
    replica_set = _child(
        deployment,
        "apps/v1",
        "ReplicaSet",
        deployment.namespace,
        name,
        {
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "replicas": _replicas(deployment, world),
                "template": {**template, "metadata": {**mapping(template.get("metadata")), "labels": labels}},
            },
        },
        stand_in=True,
    )
    return [replica_set] + _replica_set(replica_set, world)


def _replica_set(owner: ClusterObject, world: World) -> list[ClusterObject]:
    count = _replicas(owner, world)
    names = [
        naming.generated_name(f"{owner.name}-", naming.stand_in_suffix(f"{owner.name}/{i}"))
        for i in range(count)
    ]
    return _pods(
        owner, mapping(owner.spec.get("template")), names, world, f"{owner.name}-", "Error creating: "
    )


def _daemon_set(daemon_set: ClusterObject, world: World) -> list[ClusterObject]:
    template = mapping(daemon_set.spec.get("template"))
    spec = dict(mapping(template.get("spec")))
    tolerations = list(items(spec.get("tolerations")))
    tolerations += [
        {"key": key, "operator": "Exists", "effect": effect} for key, effect in _DAEMON_TOLERATIONS
    ]
    if spec.get("hostNetwork") is True:
        tolerations.append(
            {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"}
        )
    spec["tolerations"] = tolerations
    template = {**template, "spec": spec}
    name = daemon_set.name
    if world.nodes is None:
        pods = _pods(
            daemon_set,
            template,
            [naming.generated_name(f"{name}-", naming.stand_in_suffix(name))],
            world,
            f"{name}-",
            "Error creating: ",
        )
        for pod in pods:
            pod.notes.append("one such pod on every eligible node (--cluster tells which)")
        return pods
    wanted = _daemon_facts(daemon_set, template)
    eligible = [node for node in world.nodes if _runs_daemon_pod(wanted, node)]
    if not eligible:
        daemon_set.predicted = Prediction(
            "NoPods",
            "NoEligibleNodes",
            f"none of the {len(world.nodes)} nodes matches its nodeSelector, node "
            "affinity and tolerations: the DaemonSet creates no pod",
            fix="Fix the nodeSelector/affinity, or add tolerations for the nodes' taints.",
        )
        return []
    names = [
        naming.generated_name(f"{name}-", naming.stand_in_suffix(f"{name}/{node.name}")) for node in eligible
    ]
    pinned = [node.name for node in eligible]
    return _pods(daemon_set, template, names, world, f"{name}-", "Error creating: ", pinned)


def _daemon_facts(daemon_set: ClusterObject, template: dict):
    return facts(
        {"spec": mapping(template.get("spec"))},
        daemon_set.namespace or "default",
        _labels(template),
        daemon_set.ref,
    )


def _runs_daemon_pod(wanted, node: Node) -> bool:
    """The DaemonSet controller's nodeShouldRunDaemonPod: selector and affinity, and taints."""
    return node_matches(wanted, node) and all(
        tolerates(wanted.tolerations, taint)
        for taint in node.taints
        if taint.effect in ("NoSchedule", "NoExecute")
    )


def _stateful_set(stateful_set: ClusterObject, world: World) -> list[ClusterObject]:
    spec = stateful_set.spec
    template = mapping(spec.get("template"))
    start = mapping(spec.get("ordinals")).get("start", 0)
    start = start if isinstance(start, int) else 0
    count = _replicas(stateful_set, world)
    ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    created: list[ClusterObject] = []
    for ordinal in range(start, start + count):
        pod_name = naming.stateful_set_pod_name(stateful_set.name, ordinal)
        pod_spec = dict(mapping(template.get("spec")))
        volumes = [v for v in items(pod_spec.get("volumes"))]
        for claim_template in items(spec.get("volumeClaimTemplates")):
            claim_template = mapping(claim_template)
            volume = text(mapping(claim_template.get("metadata")).get("name"))
            claim_name = naming.stateful_set_claim_name(volume, stateful_set.name, ordinal)
            claim = _child(
                stateful_set,
                "v1",
                "PersistentVolumeClaim",
                stateful_set.namespace,
                claim_name,
                {"metadata": {"name": claim_name}, "spec": mapping(claim_template.get("spec"))},
            )
            _add_claim(claim, world)
            created.append(claim)
            volumes = [v for v in volumes if mapping(v).get("name") != volume]
            volumes.append({"name": volume, "persistentVolumeClaim": {"claimName": claim_name}})
        pod_spec["volumes"] = volumes
        labels = {
            "statefulset.kubernetes.io/pod-name": pod_name,
            "apps.kubernetes.io/pod-index": str(ordinal),
        }
        pods = _pods(
            stateful_set,
            {**template, "spec": pod_spec},
            [pod_name],
            world,
            "",
            f"create Pod {pod_name} in StatefulSet {stateful_set.name} failed error: ",
            extra_labels=labels,
        )
        created.extend(pods)
        if not pods:
            break  # refused at admission: the controller retries the same ordinal
        remaining = start + count - ordinal - 1
        if ordered and remaining and pods[0].predicted and pods[0].predicted.problem:
            stateful_set.predicted = Prediction(
                "Stalled",
                "OrderedReady",
                f"{pod_name} would not become Ready, so the {remaining} pod(s) after it "
                "are not created (podManagementPolicy OrderedReady)",
                fix=f"Fix {pod_name} first, or set podManagementPolicy: Parallel if the pods need no order.",
            )
            break
    return created


def _job(job: ClusterObject, world: World) -> list[ClusterObject]:
    spec = job.spec
    if spec.get("suspend") is True:
        job.predicted = Prediction("Suspended", message="spec.suspend: no pod is created until it is resumed")
        return []
    parallelism, completions = spec.get("parallelism", 1), spec.get("completions")
    parallelism = parallelism if isinstance(parallelism, int) else 1
    count = min(parallelism, completions) if isinstance(completions, int) else parallelism
    indexed = spec.get("completionMode") == "Indexed"
    names = []
    for i in range(max(count, 0)):
        prefix = f"{job.name}-{i}-" if indexed else f"{job.name}-"
        names.append(naming.generated_name(prefix, naming.stand_in_suffix(f"{job.name}/{i}")))
    uid = naming.stand_in_suffix(f"uid/{job.namespace}/{job.name}", 8)
    labels = {
        "batch.kubernetes.io/job-name": job.name,
        "job-name": job.name,
        "batch.kubernetes.io/controller-uid": uid,
        "controller-uid": uid,
    }
    return _pods(
        job,
        mapping(spec.get("template")),
        names,
        world,
        f"{job.name}-",
        "Error creating: ",
        extra_labels=labels,
    )


def _cron_job(cron_job: ClusterObject, world: World) -> list[ClusterObject]:
    spec = cron_job.spec
    if spec.get("suspend") is True:
        cron_job.predicted = Prediction(
            "Suspended", message="spec.suspend: no Job is created until it is resumed"
        )
        return []
    schedule, zone = text(spec.get("schedule")), text(spec.get("timeZone")) or None
    when = cron.next_run(schedule, world.now, zone)
    if when is None:
        cron_job.predicted = Prediction(
            "NeverRuns",
            "NoScheduleTime",
            f'the schedule "{schedule}" matches no time in the next {cron.SEARCH_YEARS} years',
            fix="Fix the schedule (e.g. a day of month the month does not have).",
        )
        return []
    name = naming.cron_job_job_name(cron_job.name, cron.job_minutes(when))
    job_template = mapping(spec.get("jobTemplate"))
    job = _child(
        cron_job,
        "batch/v1",
        "Job",
        cron_job.namespace,
        name,
        {
            "metadata": {**mapping(job_template.get("metadata")), "name": name},
            "spec": mapping(job_template.get("spec")),
        },
    )
    in_zone = f" ({zone})" if zone else " (UTC: no spec.timeZone, so the controller manager's zone)"
    job.predicted = Prediction(
        "Scheduled",
        message=f"created at {when:%Y-%m-%dT%H:%M:%SZ}, the first time "
        f'"{schedule}"{in_zone} fires after {world.now:%Y-%m-%dT%H:%M:%SZ}',
    )
    return [job] + _job(job, world)


def _pod(pod: ClusterObject, world: World) -> list[ClusterObject]:
    refused = kubelet.admit(pod.spec, pod.namespace or "default", pod.name, world.inventory)
    if refused is not None:
        refused.status, refused.reason = "Rejected", "Forbidden"
        pod.predicted = refused
        return []
    claims = _ephemeral_claims(pod, world)
    pod.predicted = _run(pod, world, None)
    return claims


def _replicas(owner: ClusterObject, world: World) -> int:
    replicas = owner.spec.get("replicas", 1)
    replicas = replicas if isinstance(replicas, int) and replicas >= 0 else 1
    bounds = world.replicas.get((owner.kind, owner.namespace, owner.name))
    if bounds and replicas:  # 0 replicas switch the autoscaler off
        replicas = min(max(replicas, bounds[0]), bounds[1])
    return replicas


# --- pods --------------------------------------------------------------------------------------------------


def _labels(template: dict) -> dict:
    return dict(mapping(mapping(template.get("metadata")).get("labels")))


def _pods(
    creator: ClusterObject,
    template: dict,
    names: list[str],
    world: World,
    prefix: str,
    event: str,
    pinned: list[str] | None = None,
    extra_labels: dict | None = None,
) -> list[ClusterObject]:
    """Pods from one template: refused as a whole at admission, else each scheduled and started."""
    namespace = creator.namespace or "default"
    labels = {**_labels(template), **(extra_labels or {})}
    base = defaults.default_object(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"labels": labels},
            "spec": mapping(template.get("spec")),
        },
        world.version,
    )
    if not names:
        return []
    refused = kubelet.admit(base["spec"], namespace, prefix or names[0], world.inventory)
    if refused is not None:
        refused.message = event + (refused.message or "")
        creator.predicted = refused
        return []
    created = []
    for i, name in enumerate(names):
        pod = ClusterObject(
            "v1",
            "Pod",
            namespace,
            name,
            created_by=creator,
            stand_in=creator.kind != "StatefulSet",
            body={
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": base["spec"],
            },
        )
        created.append(pod)
        created.extend(_ephemeral_claims(pod, world))
        pod.predicted = _run(pod, world, pinned[i] if pinned else None)
    return created


def _run(pod: ClusterObject, world: World, pinned: str | None) -> Prediction:
    pending = world.scheduler.schedule(pod, pinned)
    if pending is not None:
        return pending
    node = next((n for n in world.nodes or () if n.name == pod.node), None)
    return kubelet.start(pod, world.inventory, node, world.minor)


def _ephemeral_claims(pod: ClusterObject, world: World) -> list[ClusterObject]:
    """The claims the ephemeral volume controller creates for the pod, named `<pod>-<volume>`."""
    claims = []
    for volume in items(pod.spec.get("volumes")):
        template = mapping(mapping(mapping(volume).get("ephemeral")).get("volumeClaimTemplate"))
        if template:
            name = f"{pod.name}-{text(mapping(volume).get('name'))}"
            claim = _child(
                pod,
                "v1",
                "PersistentVolumeClaim",
                pod.namespace,
                name,
                {"metadata": {"name": name}, "spec": mapping(template.get("spec"))},
                stand_in=pod.stand_in,
            )
            _add_claim(claim, world)
            claims.append(claim)
    return claims


def _add_claim(claim: ClusterObject, world: World) -> None:
    world.inventory.add("PersistentVolumeClaim", claim.namespace, claim.name, claim.body)
    world.claims[(claim.namespace or "", claim.name)] = claim
    claim.predicted = world.storage.bind(claim)


_CONTROLLERS: dict[tuple[str, str], Callable[[ClusterObject, World], list[ClusterObject]]] = {
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("", "ReplicationController"): _replica_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("", "Pod"): _pod,
}
