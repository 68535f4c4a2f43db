"""What `kubelint simulate` produces: the objects that would exist after the apply, who creates each
one, and what is predicted to become of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Prediction:
    """What the cluster would make of an object, in Kubernetes' own words.

    `status` is what `kubectl get` shows (Running, Pending, CreateContainerConfigError, ...), `reason`
    the reason Kubernetes records (Unschedulable, FailedMount, ...) and is None exactly when nothing is
    wrong, `message` Kubernetes' message. `cause` names the entry of the failure catalogue that
    `kubelint diagnose` shares, whose fix `fix` holds; neither goes into the JSON.
    """

    status: str
    reason: str | None = None
    message: str | None = None
    cause: str | None = None
    fix: str | None = None

    @property
    def problem(self) -> bool:
        return self.reason is not None

    def to_json(self) -> dict:
        return {"status": self.status, "reason": self.reason, "message": self.message}


@dataclass(eq=False)
class ClusterObject:
    """One object that would exist: from the input, or created by a controller from another one."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    source: tuple[str, int] | None = None  # (file, line) for objects of the input
    created_by: ClusterObject | None = None
    predicted: Prediction | None = None
    stand_in: bool = False  # the name holds a hash or random suffix the cluster would choose
    body: dict = field(default_factory=dict)  # the object as the apiserver would store it
    node: str | None = None  # a pod's node, when --cluster says which
    notes: list[str] = field(default_factory=list)  # remarks for people, beside the prediction

    @property
    def top(self) -> ClusterObject:
        """The object of the input this one comes from (itself for objects of the input)."""
        found = self
        while found.created_by is not None:
            found = found.created_by
        return found

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def labels(self) -> dict:
        labels = (
            self.body.get("metadata", {}).get("labels")
            if isinstance(self.body.get("metadata"), dict)
            else None
        )
        return labels if isinstance(labels, dict) else {}

    @property
    def spec(self) -> dict:
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}

    def to_json(self) -> dict:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "source": {"file": self.source[0], "line": self.source[1]} if self.source else None,
            "createdBy": self.created_by.ref if self.created_by else None,
            "predicted": self._predicted_json(),
        }

    def _predicted_json(self) -> dict | None:
        if self.predicted is None:
            return None
        found = self.predicted.to_json()
        if found["message"] is None and self.notes:  # a remark on something predicted to go well
            found["message"] = "; ".join(self.notes)
        return found


def predicted(status: str, reason: str, message: str, cause_id: str, **values: str) -> Prediction:
    """A problem, with the fix the failure catalogue gives for its cause filled in."""
    from kubelint_py.diagnose import catalogue

    cause = catalogue.cause(cause_id)
    fix = catalogue.fill(cause.fix, values) if cause else None
    return Prediction(status, reason, message, cause_id, fix)


def mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""
