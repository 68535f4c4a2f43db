"""`kubectl get ... -o yaml|json` objects (a Pod, Node, Event, controller, or a List of them) into the
diagnosis model. Evidence quotes the field path and its value, e.g.
`status.containerStatuses[app].lastState.terminated.reason: OOMKilled`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubelint_py.diagnose.model import Container, Event, Node, Subject, Terminated
from kubelint_py.workloads import get


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _read_conditions(status: dict, into: Any) -> None:
    """status.conditions into `into.conditions` (type -> status, reason, message) and its quotes."""
    for condition in _list(status.get("conditions")):
        condition = _dict(condition)
        kind = _text(condition.get("type"))
        into.conditions[kind] = (_text(condition.get("status")), _text(condition.get("reason")),
                                 _text(condition.get("message")))
        into.quotes[f"condition:{kind}"] = (f"status.conditions[{kind}]: {condition.get('status')}"
                                            + (f" {condition.get('reason')}" if condition.get("reason") else "")
                                            + (f": {condition.get('message')}" if condition.get("message") else ""))


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def epoch(stamp: Any) -> float | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def read(body: dict, file: str) -> Subject | Node | Event | None:
    """One object; None for kinds the diagnosis has no use for (ConfigMaps, Services, ...)."""
    kind = body.get("kind")
    if kind == "Pod":
        return _pod(body, file)
    if kind == "Node":
        return _node(body, file)
    if kind == "Event":
        return event(body)
    if isinstance(kind, str) and isinstance(body.get("status"), dict):
        return _other(body, kind, file)
    return None


def _meta(body: dict) -> tuple[str, str | None]:
    meta = _dict(body.get("metadata"))
    return _text(meta.get("name")), meta.get("namespace") if isinstance(meta.get("namespace"), str) else None


def _controller(meta: dict) -> str:
    for owner in _list(meta.get("ownerReferences")):
        owner = _dict(owner)
        if owner.get("controller"):
            return f"{owner.get('kind')}/{owner.get('name')}"
    return ""


def _pod(body: dict, file: str) -> Subject:
    name, namespace = _meta(body)
    meta, spec, status = _dict(body.get("metadata")), _dict(body.get("spec")), _dict(body.get("status"))
    pod = Subject("Pod", namespace, name, "object", file, has_state=True)
    pod.phase = _text(status.get("phase"))
    pod.reason, pod.message = _text(status.get("reason")), _text(status.get("message"))
    pod.node = _text(spec.get("nodeName"))
    pod.controlled_by = _controller(meta)
    pod.deleting = bool(meta.get("deletionTimestamp"))
    pod.finalizers = [_text(f) for f in _list(meta.get("finalizers"))]
    for key, value in (("status", f"status.phase: {pod.phase}"), ("reason", f"status.reason: {pod.reason}"),
                       ("message", f"status.message: {pod.message}"), ("node", f"spec.nodeName: {pod.node}")):
        pod.quotes[key] = value
    if pod.deleting:
        pod.quotes["status"] = f"metadata.deletionTimestamp: {meta.get('deletionTimestamp')}"
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is not None:
            pod.quotes["grace"] = f"metadata.deletionGracePeriodSeconds: {grace}"
    if pod.finalizers:
        pod.quotes["finalizers"] = f"metadata.finalizers: [{', '.join(pod.finalizers)}]"
    _read_conditions(status, pod)
    statuses = {("initContainers", _text(s.get("name"))): _dict(s) for s in _list(status.get("initContainerStatuses"))
                if isinstance(s, dict)}
    statuses.update({("containers", _text(s.get("name"))): _dict(s) for s in _list(status.get("containerStatuses"))
                     if isinstance(s, dict)})
    for list_name in ("initContainers", "containers"):
        for spec_container in _list(spec.get(list_name)):
            spec_container = _dict(spec_container)
            cname = _text(spec_container.get("name"))
            container = _container(spec_container, statuses.get((list_name, cname), {}), list_name)
            (pod.init_containers if list_name == "initContainers" else pod.containers).append(container)
    for volume in _list(spec.get("volumes")):
        volume = _dict(volume)
        for vtype, ref_key in (("ConfigMap", ("configMap", "name")), ("Secret", ("secret", "secretName")),
                               ("PersistentVolumeClaim", ("persistentVolumeClaim", "claimName"))):
            ref = get(volume, ref_key)
            if ref:
                pod.volumes.append((_text(volume.get("name")), vtype, _text(ref)))
    return pod


def _container(spec: dict, status: dict, list_name: str) -> Container:
    name = _text(spec.get("name"))
    where = f"status.{'initContainerStatuses' if list_name == 'initContainers' else 'containerStatuses'}[{name}]"
    container = Container(name, init=list_name == "initContainers", image=_text(spec.get("image")))
    container.sidecar = container.init and spec.get("restartPolicy") == "Always"
    container.quotes["image"] = f"spec.{list_name}[{name}].image: {container.image}"
    resources = _dict(spec.get("resources"))
    for attribute, key in (("limits", "limits"), ("requests", "requests")):
        for resource, value in _dict(resources.get(key)).items():
            getattr(container, attribute)[resource] = _text(value)
            container.quotes[f"{attribute}.{resource}"] = f"spec.{list_name}[{name}].resources.{key}.{resource}: {value}"
    for probe in ("liveness", "readiness", "startup"):
        found = _dict(spec.get(f"{probe}Probe"))
        if found:
            container.probes[probe] = _probe(found)
            container.quotes[probe] = f"spec.{list_name}[{name}].{probe}Probe: {container.probes[probe]}"
    if not status:
        return container
    container.ready = status.get("ready") if isinstance(status.get("ready"), bool) else None
    container.started = status.get("started") if isinstance(status.get("started"), bool) else None
    container.restarts = status.get("restartCount") if isinstance(status.get("restartCount"), int) else None
    container.quotes["ready"] = f"{where}.ready: {str(container.ready).lower()}"
    container.quotes["restarts"] = f"{where}.restartCount: {container.restarts}"
    state = _dict(status.get("state"))
    for kind in ("waiting", "running", "terminated"):
        if kind in state:
            container.state = kind
            detail = _dict(state[kind])
            container.reason, container.message = _text(detail.get("reason")), _text(detail.get("message"))
            container.quotes["state"] = f"{where}.state.{kind}" + (f".reason: {container.reason}" if container.reason else "")
            if container.message:
                container.quotes["state.Message"] = f"{where}.state.{kind}.message: {container.message}"
            if kind == "terminated":
                container.terminated = _terminated(detail)
                container.quotes["state.Exit Code"] = f"{where}.state.terminated.exitCode: {detail.get('exitCode')}"
            break
    last = _dict(_dict(status.get("lastState")).get("terminated"))
    if last:
        container.last = _terminated(last)
        container.quotes["last"] = f"{where}.lastState.terminated.reason: {container.last.reason}"
        container.quotes["last.Exit Code"] = f"{where}.lastState.terminated.exitCode: {container.last.exit_code}"
        if container.last.message:
            container.quotes["last.Message"] = f"{where}.lastState.terminated.message: {container.last.message}"
    return container


def _terminated(detail: dict) -> Terminated:
    code, signal = detail.get("exitCode"), detail.get("signal")
    return Terminated(_text(detail.get("reason")), _text(detail.get("message")),
                      code if isinstance(code, int) else None, signal if isinstance(signal, int) else None,
                      _text(detail.get("startedAt")), _text(detail.get("finishedAt")))


def _probe(probe: dict) -> str:
    """A probe in describe's words: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`."""
    if "httpGet" in probe:
        http = _dict(probe["httpGet"])
        action = f"http-get {_text(http.get('scheme') or 'HTTP').lower()}://{_text(http.get('host'))}:{http.get('port')}{_text(http.get('path'))}"
    elif "tcpSocket" in probe:
        action = f"tcp-socket :{_dict(probe['tcpSocket']).get('port')}"
    elif "exec" in probe:
        action = f"exec [{' '.join(_text(c) for c in _list(_dict(probe['exec']).get('command')))}]"
    elif "grpc" in probe:
        action = f"grpc <pod>:{_dict(probe['grpc']).get('port')}"
    else:
        action = "unknown"
    return (f"{action} delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
            f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
            f"#failure={probe.get('failureThreshold', 3)}")


def _node(body: dict, file: str) -> Node:
    name, _ = _meta(body)
    spec, status = _dict(body.get("spec")), _dict(body.get("status"))
    node = Node(name, "object", file)
    for taint in _list(spec.get("taints")):
        taint = _dict(taint)
        value = f"={taint['value']}" if taint.get("value") else ""
        node.taints.append(f"{taint.get('key')}{value}:{taint.get('effect')}")
    if node.taints:
        node.quotes["taints"] = f"spec.taints: {', '.join(node.taints)}"
    node.unschedulable = spec.get("unschedulable") is True
    node.quotes["unschedulable"] = f"spec.unschedulable: {str(node.unschedulable).lower()}"
    _read_conditions(status, node)
    node.allocatable = {k: _text(v) for k, v in _dict(status.get("allocatable")).items()}
    return node


def event(body: dict) -> Event:
    """A core/v1 or events.k8s.io/v1 Event."""
    regarding = _dict(body.get("involvedObject") or body.get("regarding"))
    source = _dict(body.get("source"))
    series = _dict(body.get("series"))
    count = series.get("count") or body.get("count") or body.get("deprecatedCount") or 1
    when = (epoch(body.get("lastTimestamp")) or epoch(body.get("deprecatedLastTimestamp"))
            or epoch(series.get("lastObservedTime")) or epoch(body.get("eventTime")))
    message = _text(body.get("message") or body.get("note"))
    component = _text(source.get("component") or body.get("reportingController") or body.get("reportingComponent"))
    reason, kind = _text(body.get("reason")), _text(regarding.get("kind"))
    return Event(_text(body.get("type")), reason, message, component, _text(source.get("host")),
                 count if isinstance(count, int) else 1, when, kind,
                 regarding.get("namespace") if isinstance(regarding.get("namespace"), str) else None,
                 _text(regarding.get("name")), _text(regarding.get("fieldPath")),
                 f"{body.get('type')}  {reason}  {kind.lower()}/{regarding.get('name')}  {message}")


def _other(body: dict, kind: str, file: str) -> Subject:
    """A controller or claim: its phase and conditions say why it cannot make progress."""
    name, namespace = _meta(body)
    status = _dict(body.get("status"))
    subject = Subject(kind, namespace, name, "object", file)
    subject.phase = _text(status.get("phase"))
    if subject.phase:
        subject.quotes["status"] = f"status.phase: {subject.phase}"
    _read_conditions(status, subject)
    return subject
