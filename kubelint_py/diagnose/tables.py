"""The table outputs: `kubectl get events` (plain, -A, -o wide, pre-1.14 columns), `kubectl events`,
`kubectl get pods` (-o wide, -A) and `kubectl get nodes`."""

from __future__ import annotations

from kubelint_py.diagnose.describe import quote
from kubelint_py.diagnose.model import Container, Event, Node, Subject, Terminated
from kubelint_py.diagnose.text import columns, join_wrapped, parse_age, split_row, to_int

KINDS = {k.lower(): k for k in (
    "Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Node",
    "PersistentVolumeClaim", "PersistentVolume", "Service", "Endpoints", "EndpointSlice", "Ingress",
    "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret", "Namespace", "ServiceAccount",
    "VolumeAttachment", "StorageClass", "ReplicationController", "Lease", "Certificate",
)}


def kind_name(text: str) -> str:
    """`pod`, `Pod`, `replicaset.apps` -> the Kind as the API spells it."""
    base = text.split(".", 1)[0]
    return KINDS.get(base.lower(), base[:1].upper() + base[1:])


def parse_events(lines: list[str], file: str) -> list[Event]:
    cols = columns(lines[0])
    names = [name for name, _ in cols]
    message_last = names[-1] == "message"
    events: list[Event] = []
    previous = lines[0]
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = split_row(line, cols, last_takes_rest=message_last)
        if cells.get("type") in ("Normal", "Warning"):
            events.append(_event(cells, line))
        elif events and message_last:  # the terminal wrapped a long message
            events[-1].message = join_wrapped(events[-1].message, previous, line)
            events[-1].quote = join_wrapped(events[-1].quote, previous, line)
        previous = line
    return events


def _event(cells: dict[str, str], line: str) -> Event:
    last, count, _ = parse_age(cells.get("last seen", ""))
    count = to_int(cells.get("count")) or count
    if "object" in cells:
        kind, _, name = cells["object"].partition("/")
        kind = kind_name(kind)
    else:  # pre-1.14: NAME is the event's name, "<object>.<hash>"; KIND is separate
        kind, name = kind_name(cells.get("kind", "")), cells.get("name", "").rsplit(".", 1)[0]
    source = cells.get("source", "")
    component, _, host = source.partition(",")
    return Event(cells["type"], cells.get("reason", ""), cells.get("message", ""), component.strip(), host.strip(),
                 count, -last if last is not None else None, kind, cells.get("namespace") or None, name,
                 cells.get("subobject", ""), line.strip())


# STATUS of `kubectl get pods` as the printer derives it (printPod), turned back into the state that
# produces it, so that a table row is reasoned about like a described pod.
_WAITING = frozenset((
    "ContainerCreating", "PodInitializing", "CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff",
    "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
    "RunContainerError", "ImageInspectError", "PreStartHookError", "PostStartHookError", "ContainerCannotRun",
))
_TERMINATED = frozenset(("Error", "OOMKilled", "ContainerStatusUnknown", "StartError", "DeadlineExceeded"))
_POD_REASONS = frozenset(("Evicted", "NodeLost", "NodeAffinity", "OutOfcpu", "OutOfmemory", "Shutdown",
                          "Terminated", "UnexpectedAdmissionError", "Preempting", "SchedulingGated"))


def parse_pods(lines: list[str], file: str) -> list[Subject]:
    cols = columns(lines[0])
    pods = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = split_row(line, cols)
        if not cells.get("name") or not cells.get("status"):
            continue
        pods.append(_pod(cells, line, file))
    return pods


def _pod(cells: dict[str, str], line: str, file: str) -> Subject:
    status, ready = cells["status"], cells.get("ready", "")
    pod = Subject("Pod", cells.get("namespace") or None, cells["name"], "table", file, has_state=True,
                  table_status=status, table_ready=ready)
    pod.quotes["status"] = quote(line)
    node = cells.get("node", "")
    pod.node = "" if node in ("<none>", "") else node
    restarts = to_int(cells.get("restarts", "").split(" ")[0])
    done, _, total = ready.partition("/")
    all_ready = bool(total) and done == total
    container = Container("", restarts=restarts, ready=all_ready, quotes={"state": quote(line)})
    init = status.startswith("Init:")
    reason = status[5:] if init else status
    if init:
        container.init = True
        if "/" in reason:  # Init:1/3: an init container is still running
            container.state = "running"
        elif reason in _WAITING:
            container.state, container.reason = "waiting", reason
        else:
            container.state, container.reason = "terminated", reason
            container.terminated = _terminated(reason)
        pod.init_containers.append(container)
        pod.containers.append(Container("", state="waiting", reason="PodInitializing", ready=False))
        pod.phase = "Pending"
        return pod
    pod.containers.append(container)
    if status in _WAITING:
        container.state, container.reason = "waiting", status
        pod.phase = "Pending" if status in ("ContainerCreating", "PodInitializing") or restarts == 0 else "Running"
    elif status in _TERMINATED or status.startswith(("ExitCode:", "Signal:")):
        container.state, container.reason = "terminated", status
        container.terminated = _terminated(status)
        pod.phase = "Failed"
    elif status == "Completed":
        container.state, container.reason = "terminated", "Completed"
        container.terminated = _terminated("Completed")
        pod.phase = "Succeeded"
    elif status in ("Running", "NotReady"):
        container.state = "running"
        pod.phase = "Running"
    elif status == "Terminating":
        pod.deleting, pod.phase = True, "Running"
        container.state = "running"
    elif status in _POD_REASONS:
        pod.reason = status
        pod.phase = "Pending" if status == "SchedulingGated" else "Failed"
    else:  # Pending, Unknown, Succeeded, Failed
        pod.phase = status
    return pod


def _terminated(reason: str) -> Terminated:
    if reason.startswith("ExitCode:"):
        return Terminated("", exit_code=to_int(reason[9:]))
    if reason.startswith("Signal:"):
        return Terminated("", signal=to_int(reason[7:]))
    return Terminated(reason, exit_code=0 if reason == "Completed" else None)


def parse_nodes(lines: list[str], file: str) -> list[Node]:
    cols = columns(lines[0])
    nodes = []
    for line in lines[1:]:
        cells = split_row(line, cols)
        if not cells.get("name") or not cells.get("status"):
            continue
        node = Node(cells["name"], "table", file, table_status=cells["status"])
        states = cells["status"].split(",")
        node.conditions["Ready"] = ("True" if "Ready" in states else "Unknown" if "Unknown" in states else "False", "", "")
        node.unschedulable = "SchedulingDisabled" in states
        node.quotes["condition:Ready"] = node.quotes["unschedulable"] = quote(line)
        nodes.append(node)
    return nodes
