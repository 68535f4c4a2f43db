"""Where one entry explains another, say so in both: a webhook refusing pods and its crashing backend,
a Pending pod and its claim, a Job and its failed pods, pods and their node."""

from __future__ import annotations

from kubelint_py.diagnose.reason import Diagnosis, Entry

def _problem(entry: Entry) -> Diagnosis | None:
    return entry.diagnoses[0] if entry.diagnoses and not entry.healthy else None


def _say(diagnosis: Diagnosis, sentence: str) -> None:
    if sentence not in diagnosis.summary:
        diagnosis.summary = f"{diagnosis.summary} {sentence}"


def _ref(entry: Entry) -> str:
    return f"{entry.kind}/{entry.namespace + '/' if entry.namespace else ''}{entry.name}"


def link(entries: list[Entry]) -> None:
    """Where one entry explains another, say so in both."""
    pods = [e for e in entries if e.kind == "Pod"]
    for entry in entries:
        root = _problem(entry)
        if root is None:
            continue
        values = root.values
        if root.cause.id == "webhook-unavailable" and values.get("service"):
            for pod in pods:
                cause = _problem(pod)
                if cause and pod.namespace == values.get("service_namespace") and \
                        pod.name.startswith(values["service"]):
                    _say(root, f"Its backend pod {_ref(pod)} is {pod.status} ({cause.cause.id}): fix that first.")
                    _say(cause, f"This pod backs the webhook {values.get('webhook')}, which blocks pod creation "
                                f"for {_ref(entry)}.")
        elif root.cause.id == "pvc-unbound":
            for claim in entries:
                cause = _problem(claim)
                if claim.kind == "PersistentVolumeClaim" and cause and claim.namespace == entry.namespace:
                    _say(root, f"The claim {_ref(claim)} explains why: {cause.cause.id}.")
                    _say(cause, f"It keeps {_ref(entry)} Pending.")
        elif root.cause.id == "job-backoff-limit":
            for pod in pods:
                cause = _problem(pod)
                owner = pod.subject.controlled_by if pod.subject else ""
                if cause and owner == f"Job/{entry.name}" and pod.namespace == entry.namespace:
                    _say(root, f"Its pod {_ref(pod)} failed with {cause.cause.id}.")
        if entry.kind == "Node":
            for pod in pods:
                cause = _problem(pod)
                if cause and pod.subject and pod.subject.node == entry.name and \
                        cause.cause.stage in ("eviction-node", "termination", "container-create", "image-pull"):
                    _say(cause, f"Its node {entry.name} is {entry.status} (see the Node entry: {root.cause.id}).")
