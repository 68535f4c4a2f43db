"""RBAC rules: what a Role or ClusterRole grants, read with the apiserver's wildcard semantics
("*" verbs, groups and resources; "*/subresource"), and bindings to roles that grant everything.

Kubernetes' own roles (system:*, and the bootstrap cluster-admin, admin, edit, view) are left alone:
they are part of every cluster and cannot be changed by a manifest.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kubelint_py.lint.checks.references import BOOTSTRAP_CLUSTER_ROLES
from kubelint_py.lint.inventory import Inventory, as_list, name_of, namespace_of
from kubelint_py.lint.targets import Target
from kubelint_py.model import Document, Problem

# Read, write and delete: with these on every resource a role is as good as cluster-admin.
ALL_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete"}


def _own_role(target: Target) -> bool:
    name = name_of(target.value) or ""
    return not (name.startswith("system:") or target.value.get("kind") == "ClusterRole"
                and name in BOOTSTRAP_CLUSTER_ROLES)


def _rules(target: Target) -> Iterator[tuple[int, dict]]:
    if _own_role(target):
        for index, rule in enumerate(as_list(target.value.get("rules"))):
            if isinstance(rule, dict) and not rule.get("nonResourceURLs"):
                yield index, rule


def _strings(rule: dict, field: str) -> list[str]:
    return [v for v in as_list(rule.get(field)) if isinstance(v, str)]


def _resource_matches(pattern: str, resource: str) -> bool:
    if pattern in ("*", resource):
        return True
    sub = resource.partition("/")[2]
    return bool(sub) and pattern == f"*/{sub}"


def allows(rule: dict, verbs: Iterable[str], groups: Iterable[str], resources: Iterable[str]) -> list[int]:
    """Indexes in `resources:` of the entries by which `rule` grants one of `verbs` on one of `resources`
    in one of `groups` (empty when it does not)."""
    rule_verbs, rule_groups = _strings(rule, "verbs"), _strings(rule, "apiGroups")
    if not ("*" in rule_verbs or set(rule_verbs) & set(verbs)):
        return []
    if not ("*" in rule_groups or set(rule_groups) & set(groups)):
        return []
    return [i for i, pattern in enumerate(as_list(rule.get("resources")))
            if isinstance(pattern, str) and any(_resource_matches(pattern, r) for r in resources)]


def _grant(target: Target, verbs: set[str], groups: set[str], resources: set[str], what: str,
           fix: str) -> Iterator[Problem]:
    for index, rule in _rules(target):
        entries = allows(rule, verbs, groups, resources)
        if entries:
            granted = sorted(v for v in _strings(rule, "verbs") if v == "*" or v in verbs)
            resource = rule["resources"][entries[0]]
            yield Problem(("rules", index, "resources", entries[0]),
                          f"{target.value.get('kind')} {name_of(target.value)} lets its subjects {what} "
                          f"({', '.join(granted)} on {resource})", fix)


def secret_access(target: Target, params: dict) -> Iterator[Problem]:
    yield from _grant(target, {"get", "list", "watch"}, {""}, {"secrets"}, "read Secrets",
                      "Grant get on the named Secrets it needs (resourceNames), or mount them into the pod instead.")


def pod_exec(target: Target, params: dict) -> Iterator[Problem]:
    yield from _grant(target, {"get", "create"}, {""}, {"pods/exec", "pods/attach", "nodes/proxy"},
                      "run commands in pods", "Remove pods/exec, pods/attach and nodes/proxy from the role; give "
                      "people break-glass access through a separate, audited role.")


def pod_create(target: Target, params: dict) -> Iterator[Problem]:
    yield from _grant(target, {"create"}, {""}, {"pods"}, "create pods, with any ServiceAccount in the namespace",
                      "Let a controller create the pods; remove create on pods unless this role is for one.")


def privilege_escalation(target: Target, params: dict) -> Iterator[Problem]:
    yield from _grant(target, {"escalate", "bind"}, {"rbac.authorization.k8s.io"}, {"roles", "clusterroles"},
                      "grant permissions they do not hold themselves",
                      "Remove the escalate and bind verbs; grant bind with resourceNames limited to the roles "
                      "it may hand out.")
    yield from _grant(target, {"impersonate"}, {"", "authentication.k8s.io"},
                      {"users", "groups", "serviceaccounts", "uids", "userextras/scopes"},
                      "act as other users", "Remove impersonate, or limit it with resourceNames.")


def webhook_control(target: Target, params: dict) -> Iterator[Problem]:
    yield from _grant(target, {"create", "update", "patch", "delete"}, {"admissionregistration.k8s.io"},
                      {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"},
                      "change admission webhooks, which see or rewrite every object sent to the API",
                      "Grant only get, list and watch on webhook configurations; let the webhook's installer own them.")


def csr_approval(target: Target, params: dict) -> Iterator[Problem]:
    """Approving needs both: update on certificatesigningrequests/approval and approve on a signer."""
    group = {"certificates.k8s.io"}
    rules = list(_rules(target))
    if not any(allows(rule, {"approve"}, group, {"signers"}) for _, rule in rules):
        return
    for index, rule in rules:
        entries = allows(rule, {"update", "patch"}, group, {"certificatesigningrequests/approval"})
        if entries:
            yield Problem(("rules", index, "resources", entries[0]),
                          f"{target.value.get('kind')} {name_of(target.value)} lets its subjects approve certificate "
                          "signing requests, i.e. mint client certificates for any user or node",
                          "Leave CSR approval to the controller manager; if needed, restrict the signers with "
                          "resourceNames.")
            return


def _grants_everything(role: dict) -> bool:
    for rule in as_list(role.get("rules")):
        if not isinstance(rule, dict):
            continue
        verbs = set(_strings(rule, "verbs"))
        if ("*" in verbs or ALL_VERBS <= verbs) and "*" in _strings(rule, "apiGroups") \
                and "*" in _strings(rule, "resources"):
            return True
    return False


def cluster_admin_binding(inventory: Inventory, params: dict) -> Iterator[tuple[Document, Problem]]:
    for document in inventory.of_kind("ClusterRoleBinding", "RoleBinding"):
        body = document.body
        ref = body.get("roleRef")
        if (name_of(body) or "").startswith("system:") or not isinstance(ref, dict):
            continue
        name, kind = ref.get("name"), ref.get("kind")
        if kind == "ClusterRole" and name == "cluster-admin":
            why = "cluster-admin"
        else:
            role = inventory.find(kind, name, namespace_of(body)) if kind in ("Role", "ClusterRole") else None
            if role is None or not _grants_everything(role.body):
                continue
            why = f"{kind} {name}, which grants every verb on every resource"
        scope = "in its namespace" if body.get("kind") == "RoleBinding" else "in the whole cluster"
        subjects = ", ".join(f"{s.get('kind')} {s.get('name')}" for s in as_list(body.get("subjects"))
                             if isinstance(s, dict)) or "its subjects"
        yield document, Problem(("roleRef", "name"), f"binds {subjects} to {why}: full control {scope}",
                                "Bind a role that grants only the verbs and resources the subjects use.")

