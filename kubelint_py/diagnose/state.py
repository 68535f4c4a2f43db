"""A pod's state as kubectl and the kubelet define it: the STATUS `kubectl get pods` prints, readiness,
the container holding the pod up, and from these the stages of the pipeline it may be stuck at."""

from __future__ import annotations

from kubelint_py.diagnose.model import Container, Node, Subject

PRE_START = frozenset(("image-pull", "volume-config", "container-create"))
IMAGE_WAITING = frozenset(("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                           "ImageInspectError", "ErrImageNotEnsured"))
START_FAILED = frozenset(("StartError", "ContainerCannotRun"))
EVICTION_REASONS = frozenset(("Evicted", "NodeLost", "Preempting", "Terminated", "Shutdown", "NodeShutdown",
                              "NodeAffinity", "UnexpectedAdmissionError", "NodePorts", "NodeSelectorMismatching"))


def _terminated_label(container: Container) -> str:
    t = container.terminated
    if t is None:
        return container.reason or "Error"
    if t.reason:
        return t.reason
    return f"Signal:{t.signal}" if t.signal else f"ExitCode:{t.exit_code}"


def display_status(subject: Subject) -> str:
    """STATUS as `kubectl get pods` prints it (printPod in kubectl's printers)."""
    if subject.table_status:
        return subject.table_status
    if subject.kind != "Pod":
        return subject.phase
    if not subject.has_state:
        return ""
    status = subject.reason or subject.phase
    if subject.conditions.get("PodScheduled", ("", ""))[:2] == ("False", "SchedulingGated"):
        status = "SchedulingGated"
    initializing = False
    for i, container in enumerate(subject.init_containers):
        if container.state == "terminated" and container.terminated and container.terminated.exit_code == 0:
            continue
        if container.sidecar and container.state == "running":
            continue
        initializing = True
        if container.state == "terminated":
            status = "Init:" + _terminated_label(container)
        elif container.state == "waiting" and container.reason and container.reason != "PodInitializing":
            status = "Init:" + container.reason
        else:
            status = f"Init:{i}/{len(subject.init_containers)}"
        break
    if not initializing:
        has_running = False
        for container in reversed(subject.containers):
            if container.state == "waiting" and container.reason:
                status = container.reason
            elif container.state == "terminated":
                status = _terminated_label(container)
            elif container.state == "running" and container.ready:
                has_running = True
        if status == "Completed" and has_running:
            status = "Running"
    if subject.deleting:
        status = "Unknown" if subject.reason == "NodeLost" else "Terminating"
    return status


def readiness(subject: Subject) -> bool | None:
    if subject.table_ready:
        done, _, total = subject.table_ready.partition("/")
        return done == total if total else None
    condition = subject.conditions.get("Ready")
    if condition:
        return condition[0] == "True"
    known = [c.ready for c in subject.containers if c.ready is not None]
    if subject.kind != "Pod" or not known:
        return None
    return all(known)


def focus_container(subject: Subject) -> Container | None:
    """The container holding the pod up: the first unfinished init container, else the first app
    container that is not running and ready."""
    for container in subject.init_containers:
        done = container.state == "terminated" and container.terminated and container.terminated.exit_code == 0
        if not done and not (container.sidecar and container.state == "running"):
            return container
    for container in subject.containers:
        if container.state != "running" or container.ready is False:
            return container
    return subject.containers[0] if subject.containers else None


def open_stages(subject: Subject, status: str, node_down: bool) -> set[str] | None:
    """The stages a pod may be stuck at, from its state; None when the state is unknown."""
    if subject.kind != "Pod" or not subject.has_state:
        return None
    stages = {"eviction-node"} if node_down else set()
    if subject.conditions.get("DisruptionTarget", ("",))[0] == "True":
        stages.add("eviction-node")  # evicted, preempted or deleted by the taint manager (1.26+)
    if subject.deleting:
        return stages | {"termination", "eviction-node"}
    if subject.reason in EVICTION_REASONS or subject.reason.startswith("OutOf") or status in ("Unknown", "Evicted"):
        return stages | {"eviction-node"}
    if subject.reason == "DeadlineExceeded":
        return stages | {"termination"}
    if status == "Completed" or subject.phase == "Succeeded":
        return stages | {"completed-ok"}
    if status == "SchedulingGated" or subject.conditions.get("PodScheduled", ("",))[0] == "False" or \
            (subject.phase == "Pending" and not subject.node and not any(c.state for c in subject.all_containers)):
        return stages | {"scheduling"}
    container = focus_container(subject)
    if container is None or not container.state:
        return stages | PRE_START
    last_start_failed = container.last is not None and container.last.reason in START_FAILED
    if container.state == "waiting":
        reason = container.reason
        if reason in IMAGE_WAITING:
            return stages | {"image-pull"}
        if reason == "CreateContainerConfigError":
            return stages | {"volume-config", "container-create"}
        if reason == "CrashLoopBackOff":
            return stages | {"runtime", "probes"} | ({"container-create"} if last_start_failed else set())
        if reason in ("ContainerCreating", "PodInitializing", ""):
            return stages | PRE_START
        return stages | {"container-create"}
    if container.state == "terminated":
        if container.terminated and container.terminated.reason in START_FAILED:
            return stages | {"container-create"}
        if status == "ContainerStatusUnknown":
            return stages | {"eviction-node"}
        return stages | {"runtime", "probes"}
    if container.init:  # an init container still running
        return stages | {"runtime"}
    if container.ready is False:
        return stages | {"probes"} | ({"runtime"} if container.restarts else set())
    if any(c.last and c.last.reason == "OOMKilled" for c in subject.containers):
        stages |= {"runtime"}  # running again, but the next OOM kill is only a matter of time
    if container.restarts:
        stages |= {"probes"}  # liveness kills in the (hour-long) event history are still going on
    return stages | {"completed-ok"}


def node_down(node: Node | None, subject: Subject) -> bool:
    if node is not None and node.conditions.get("Ready", ("True",))[0] != "True":
        return True
    return any(e.reason in ("NodeNotReady", "TaintManagerEviction", "NodeControllerEviction") for e in subject.events)
