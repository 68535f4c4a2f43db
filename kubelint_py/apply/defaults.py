"""The defaults the apiserver fills in on create: what `kubectl apply --dry-run=server -o yaml` shows.

`defaulted(document, version)` returns a defaulted copy of an object (computed once and cached in
`Document.extra`; the document's body is never changed). The small helpers (`image_pull_policy`,
`rolling_update`, ...) are what rules use when they only need one defaulted value.

From pkg/apis/{core,apps,batch,networking,rbac,...}/v1/defaults.go, the registry strategies and the
ServiceAccount and DefaultTolerationSeconds admission plugins (kubernetes/kubernetes, Apache-2.0).
Cluster-dependent values (allocated IPs and node ports, uids, a default StorageClass, LimitRange
defaults) are left out.
"""

from __future__ import annotations

import base64
from typing import Any

from kubelint_py import workloads
from kubelint_py.model import Document

TERMINATION_GRACE_PERIOD = 30
REVISION_HISTORY_LIMIT = 10
PROGRESS_DEADLINE_SECONDS = 600
JOB_BACKOFF_LIMIT = 6
DEFAULT_SURGE = DEFAULT_UNAVAILABLE = "25%"
PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
FILE_MODE = 420  # 0644
_NOT_READY_TOLERATIONS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_VOLUME_SOURCES_WITH_MODE = ("secret", "configMap", "downwardAPI", "projected")


# --- single values ---------------------------------------------------------------------------------


def image_tag(image: str) -> str:
    """The tag of an image reference: 'latest' when it has neither tag nor digest, '' when it has only a digest."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    return tag or ("" if digest else "latest")


def image_pull_policy(image: Any) -> str:
    """Always for ':latest' or an untagged image, IfNotPresent otherwise (also for digest-only references)."""
    return "Always" if isinstance(image, str) and image_tag(image) == "latest" else "IfNotPresent"


def rolling_update(kind: str, spec: dict) -> tuple[Any, Any] | None:
    """(maxSurge, maxUnavailable) after defaulting, or None when the strategy is not a rolling update."""
    strategy_field = "strategy" if kind == "Deployment" else "updateStrategy"
    strategy = spec.get(strategy_field)
    strategy = strategy if isinstance(strategy, dict) else {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    rolling = strategy.get("rollingUpdate")
    rolling = rolling if isinstance(rolling, dict) else {}
    if kind == "Deployment":
        return rolling.get("maxSurge", DEFAULT_SURGE), rolling.get("maxUnavailable", DEFAULT_UNAVAILABLE)
    if kind == "DaemonSet":
        return rolling.get("maxSurge", 0), rolling.get("maxUnavailable", 1)
    return None


def service_type(spec: dict) -> str:
    value = spec.get("type")
    return value if isinstance(value, str) and value else "ClusterIP"


# --- the whole object ------------------------------------------------------------------------------


def defaulted(document: Document, version: str) -> dict:
    """A copy of the object with the apiserver's defaults applied; cached per document."""
    cached = document.extra.get("defaulted")
    if cached is None or cached[0] != version:
        cached = (version, default_object(document.body, version))
        document.extra["defaulted"] = cached
    return cached[1]


def default_object(body: dict, version: str) -> dict:
    """Defaults for an object given as a plain mapping; returns a new mapping."""
    obj = _copy(body)
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("kind")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else None
    minor = int(version.split(".")[1])
    if spec is not None and kind in _SPEC_DEFAULTS:
        _SPEC_DEFAULTS[kind](obj, spec, minor)
    elif kind in _OBJECT_DEFAULTS:
        _OBJECT_DEFAULTS[kind](obj)
    found = workloads.pod_spec(obj)
    if found is not None:
        _pod_spec(found[1], is_pod=kind == "Pod")
    return obj


def _copy(value: Any) -> Any:
    # Plain JSON-like data only: much faster than copy.deepcopy.
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


def _child(parent: dict, key: str) -> dict:
    """parent[key] as a mapping, created when missing."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = parent[key] = {}
    return value


def _list(parent: dict, key: str) -> list:
    value = parent.get(key)
    return value if isinstance(value, list) else []


def _pod_spec(spec: dict, is_pod: bool) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", TERMINATION_GRACE_PERIOD)
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for volume in _list(spec, "volumes"):
        if isinstance(volume, dict):
            _volume(volume)
    for _, container in workloads.containers(spec):
        _container(container, is_pod, spec.get("hostNetwork") is True)
    if is_pod:
        spec.setdefault("enableServiceLinks", True)
        # Admission, which runs on a dry run too: the ServiceAccount and DefaultTolerationSeconds plugins.
        spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
        tolerations = spec.setdefault("tolerations", [])
        if isinstance(tolerations, list):
            keys = {t.get("key") for t in tolerations if isinstance(t, dict)}
            for key in _NOT_READY_TOLERATIONS:
                if key not in keys:
                    tolerations.append(
                        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                    )
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def _container(container: dict, is_pod: bool, host_network: bool) -> None:
    if "image" in container:
        container.setdefault("imagePullPolicy", image_pull_policy(container.get("image")))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    for port in _list(container, "ports"):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if is_pod and host_network and not port.get("hostPort"):
                port["hostPort"] = port.get("containerPort")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(probe), dict):
            for key, value in PROBE_DEFAULTS.items():
                container[probe].setdefault(key, value)
            _http_get(container[probe])
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), dict):
                _http_get(lifecycle[hook])
    for env in _list(container, "env"):
        field_ref = (
            env.get("valueFrom", {}).get("fieldRef")
            if isinstance(env, dict) and isinstance(env.get("valueFrom"), dict)
            else None
        )
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    resources = container.get("resources")
    if is_pod and isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
        # A Pod's missing request for a limited resource equals the limit (templates keep them unset).
        requests = _child(resources, "requests")
        for name, value in resources["limits"].items():
            requests.setdefault(name, value)


def _http_get(handler: dict) -> None:
    action = handler.get("httpGet")
    if isinstance(action, dict):
        action.setdefault("path", "/")
        action.setdefault("scheme", "HTTP")


def _volume(volume: dict) -> None:
    sources = [key for key in volume if key != "name"]
    if not sources:
        volume["emptyDir"] = {}
    for source in _VOLUME_SOURCES_WITH_MODE:
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", FILE_MODE)
    if isinstance(volume.get("hostPath"), dict):
        volume["hostPath"].setdefault("type", "")
    projected = volume.get("projected")
    if isinstance(projected, dict):
        for source in _list(projected, "sources"):
            token = source.get("serviceAccountToken") if isinstance(source, dict) else None
            if isinstance(token, dict):
                token.setdefault("expirationSeconds", 3600)


# --- per kind --------------------------------------------------------------------------------------


def _deployment(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("replicas", 1)
    strategy = _child(spec, "strategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _child(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", DEFAULT_UNAVAILABLE)
        rolling.setdefault("maxSurge", DEFAULT_SURGE)
    spec.setdefault("revisionHistoryLimit", REVISION_HISTORY_LIMIT)
    spec.setdefault("progressDeadlineSeconds", PROGRESS_DEADLINE_SECONDS)


def _replica_set(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("replicas", 1)


def _replication_controller(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("replicas", 1)
    labels = workloads.get(spec, ("template", "metadata", "labels"))
    if isinstance(labels, dict) and labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        metadata = _child(obj, "metadata")
        if not metadata.get("labels"):
            metadata["labels"] = dict(labels)


def _daemon_set(obj: dict, spec: dict, minor: int) -> None:
    strategy = _child(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _child(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", REVISION_HISTORY_LIMIT)


def _stateful_set(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _child(strategy, "rollingUpdate").setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", REVISION_HISTORY_LIMIT)
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    for claim in _list(spec, "volumeClaimTemplates"):
        if isinstance(claim, dict):
            _claim_spec(_child(claim, "spec"))


def _job_spec(spec: dict, minor: int) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault(
        "backoffLimit", 2147483647 if spec.get("backoffLimitPerIndex") is not None else JOB_BACKOFF_LIMIT
    )
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if minor >= 29:
        spec.setdefault(
            "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
        )


def _job(obj: dict, spec: dict, minor: int) -> None:
    _job_spec(spec, minor)
    labels = workloads.get(spec, ("template", "metadata", "labels"))
    metadata = _child(obj, "metadata")
    if isinstance(labels, dict) and labels and not metadata.get("labels"):
        metadata["labels"] = dict(labels)


def _cron_job(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job = _child(spec, "jobTemplate")
    _job_spec(_child(job, "spec"), minor)


def _service(obj: dict, spec: dict, minor: int) -> None:
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        _child(_child(spec, "sessionAffinityConfig"), "clientIP").setdefault("timeoutSeconds", 10800)
    for port in _list(spec, "ports"):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port")
    if kind != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def _claim_spec(spec: dict) -> None:
    spec.setdefault("volumeMode", "Filesystem")


def _persistent_volume_claim(obj: dict, spec: dict, minor: int) -> None:
    _claim_spec(spec)


def _persistent_volume(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")


def _network_policy(obj: dict, spec: dict, minor: int) -> None:
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    for direction in ("ingress", "egress"):
        for rule in _list(spec, direction):
            for port in _list(rule, "ports") if isinstance(rule, dict) else []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _hpa(obj: dict, spec: dict, minor: int) -> None:
    spec.setdefault("minReplicas", 1)
    if obj.get("apiVersion") == "autoscaling/v2" and not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
            }
        ]


def _secret(obj: dict) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = _child(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _namespace(obj: dict) -> None:
    name = obj.get("metadata", {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    if isinstance(name, str):
        _child(_child(obj, "metadata"), "labels").setdefault("kubernetes.io/metadata.name", name)


def _binding(obj: dict) -> None:
    for subject in _list(obj, "subjects"):
        if isinstance(subject, dict) and "apiGroup" not in subject:
            subject["apiGroup"] = (
                "" if subject.get("kind") == "ServiceAccount" else "rbac.authorization.k8s.io"
            )


def _storage_class(obj: dict) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _priority_class(obj: dict) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


_SPEC_DEFAULTS = {
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "ReplicationController": _replication_controller,
    "DaemonSet": _daemon_set,
    "StatefulSet": _stateful_set,
    "Job": _job,
    "CronJob": _cron_job,
    "Service": _service,
    "PersistentVolumeClaim": _persistent_volume_claim,
    "PersistentVolume": _persistent_volume,
    "NetworkPolicy": _network_policy,
    "HorizontalPodAutoscaler": _hpa,
}
_OBJECT_DEFAULTS = {
    "Secret": _secret,
    "Namespace": _namespace,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
    "StorageClass": _storage_class,
    "PriorityClass": _priority_class,
}
