"""What exists once the apply is done: the input's accepted objects, what the cluster already holds
(--cluster) and what controllers create (a namespace's `default` ServiceAccount, a StatefulSet's
claims, the Secret of a cert-manager Certificate). Pods look their references up here."""

from __future__ import annotations

from dataclasses import dataclass

from kubelint_py.simulate.model import mapping

# Created in every namespace by the namespace controllers (pkg/controller/serviceaccount, and the
# root CA publisher), so a pod may always name them.
PER_NAMESPACE = {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}
# PriorityClasses every cluster has (pkg/apis/scheduling: SystemPriorityClasses).
SYSTEM_PRIORITY_CLASSES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


@dataclass(frozen=True)
class Known:
    body: dict | None  # None when only the name is known (--cluster's short form)
    keys: frozenset[str] | None  # a Secret's or ConfigMap's keys; None when unknown
    created_by: str = ""  # for objects a controller creates: what creates them ("Certificate/web-tls")


def data_keys(kind: str, body: dict) -> frozenset[str] | None:
    """The keys a Secret or ConfigMap holds (stringData and binaryData included)."""
    if kind == "Secret":
        return frozenset(mapping(body.get("data"))) | frozenset(mapping(body.get("stringData")))
    if kind == "ConfigMap":
        return frozenset(mapping(body.get("data"))) | frozenset(mapping(body.get("binaryData")))
    return None


class Inventory:
    def __init__(self) -> None:
        self._known: dict[tuple[str, str | None, str], Known] = {}

    def add(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        body: dict | None = None,
        keys: frozenset[str] | None = None,
        created_by: str = "",
    ) -> None:
        if keys is None and body is not None:
            keys = data_keys(kind, body)
        self._known[(kind, namespace, name)] = Known(body, keys, created_by)

    def get(self, kind: str, namespace: str | None, name: str) -> Known | None:
        found = self._known.get((kind, namespace, name))
        if found is None and (kind, name) in PER_NAMESPACE and namespace:
            return Known(None, None, f"Namespace/{namespace}")
        if found is None and kind == "PriorityClass" and name in SYSTEM_PRIORITY_CLASSES:
            return Known({"value": SYSTEM_PRIORITY_CLASSES[name]}, None, "the apiserver")
        return found

    def of_kind(self, kind: str) -> list[tuple[str | None, str, Known]]:
        return [(namespace, name, known) for (k, namespace, name), known in self._known.items() if k == kind]
