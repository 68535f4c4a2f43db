"""What the parsers produce and the reasoning reads: subjects (pods and other objects), containers,
events and nodes, whichever kubectl output they came from. No I/O, no parsing."""

from __future__ import annotations

from dataclasses import dataclass, field

# The pipeline a pod goes through, in order. `completed-ok` is where a pod that went through every
# stage without trouble sits: running and ready, or finished with success.
STAGES = ("admission", "scheduling", "image-pull", "volume-config", "container-create", "runtime", "probes",
          "eviction-node", "termination", "completed-ok")


@dataclass
class Event:
    type: str  # Normal | Warning
    reason: str
    message: str
    source: str = ""  # kubelet, default-scheduler, replicaset-controller, ...
    host: str = ""  # the node in old `From` values ("kubelet, node-1")
    count: int = 1
    when: float | None = None  # larger is later: -age in seconds for tables, epoch seconds for objects
    kind: str = ""  # the object the event is about
    namespace: str | None = None
    name: str | None = None
    field_path: str = ""  # spec.containers{app}
    quote: str = ""  # the event as it reads in the input


@dataclass
class Terminated:
    reason: str = ""
    message: str = ""
    exit_code: int | None = None
    signal: int | None = None
    started: str = ""
    finished: str = ""


@dataclass
class Container:
    name: str
    init: bool = False
    image: str = ""
    state: str = ""  # running | waiting | terminated | "" (no status yet)
    reason: str = ""  # the waiting or terminated reason
    message: str = ""  # the waiting message (objects only) or the termination message
    terminated: Terminated | None = None
    last: Terminated | None = None  # Last State
    ready: bool | None = None
    started: bool | None = None
    restarts: int | None = None
    limits: dict[str, str] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    probes: dict[str, str] = field(default_factory=dict)  # liveness | readiness | startup -> description
    sidecar: bool = False  # an init container with restartPolicy: Always
    quotes: dict[str, str] = field(default_factory=dict)  # "state", "last", "ready", "image", ... -> input line


@dataclass
class Subject:
    """A pod, or another object the input speaks of (a ReplicaSet, Job, PVC seen only through events)."""

    kind: str
    namespace: str | None
    name: str
    source: str  # describe | object | events | table
    file: str = ""
    has_state: bool = False  # False when all we know comes from events
    phase: str = ""
    reason: str = ""  # status.reason: Evicted, NodeLost, DeadlineExceeded, ...
    message: str = ""
    deleting: bool = False
    node: str = ""
    controlled_by: str = ""  # Kind/name
    conditions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # type -> (status, reason, message)
    containers: list[Container] = field(default_factory=list)
    init_containers: list[Container] = field(default_factory=list)
    volumes: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, the object it names)
    finalizers: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    table_status: str = ""  # STATUS from `kubectl get pods`
    table_ready: str = ""  # READY from `kubectl get pods`, "0/1"
    truncated: bool = False  # the input ended before this object's Events section
    quotes: dict[str, str] = field(default_factory=dict)  # "status", "reason", "message", "node", ... -> input line

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def all_containers(self) -> list[Container]:
        return self.init_containers + self.containers


@dataclass
class Node:
    name: str
    source: str
    file: str = ""
    conditions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # type -> (status, reason, message)
    taints: list[str] = field(default_factory=list)
    unschedulable: bool = False
    allocatable: dict[str, str] = field(default_factory=dict)
    allocated: dict[str, str] = field(default_factory=dict)  # resource -> "1850m (92%)" (requests)
    pods: list[tuple[str, str]] = field(default_factory=list)  # (namespace, name) of non-terminated pods
    events: list[Event] = field(default_factory=list)
    table_status: str = ""  # STATUS from `kubectl get nodes`
    quotes: dict[str, str] = field(default_factory=dict)


@dataclass
class Parsed:
    """Everything read from the inputs, and what could not be read."""

    subjects: list[Subject] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    loose_events: list[Event] = field(default_factory=list)  # events not yet attached to an object
    errors: list[str] = field(default_factory=list)  # one line each: "FILE:LINE: what was expected"
    notes: list[str] = field(default_factory=list)
