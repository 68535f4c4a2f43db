"""Roles, ClusterRoles and their bindings (RBAC: pkg/apis/rbac/validation). Paths have no `spec.`."""

from __future__ import annotations

from typing import Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import invalid, required, unsupported
from kubelint_py.apply.rule import ERROR, Obj, empty, items, mapping, rule
from kubelint_py.model import Problem

GROUP = "rbac.authorization.k8s.io"
_BINDINGS = ("RoleBinding", "ClusterRoleBinding")


def _rbac_v1(obj: Obj) -> bool:
    return obj.api_version == f"{GROUP}/v1"


@rule(
    "apply/rbac-rule",
    ERROR,
    ("Role", "ClusterRole"),
    "rbac",
    "A Role or ClusterRole rule without verbs, without apiGroups or resources, mixing resources with "
    "nonResourceURLs, or with nonResourceURLs in a namespaced Role.",
    why='The apiserver rejects the role. `apiGroups: [""]` is the core group; leaving apiGroups out is not the same.',
    example="rules:\n  - resources: [pods]\n    verbs: [get, list]",
    fix='Add apiGroups: [""] for core resources such as pods.',
)
def rbac_rule(obj: Obj) -> Iterator[Problem]:
    if not _rbac_v1(obj):
        return
    for index, policy in enumerate(items(obj.body.get("rules"))):
        policy = mapping(policy)
        at = ("rules", index)
        if policy.get("verbs") == []:  # missing verbs are schema/required
            yield Problem(
                at + ("verbs",),
                required("verbs must contain at least one value"),
                "List the verbs, e.g. [get, list, watch].",
            )
        if items(policy.get("nonResourceURLs")):
            urls = policy["nonResourceURLs"]
            if obj.kind == "Role":
                yield Problem(
                    at + ("nonResourceURLs",),
                    invalid(urls, "namespaced rules cannot apply to non-resource URLs"),
                    "Move the rule to a ClusterRole.",
                )
            if any(items(policy.get(key)) for key in ("apiGroups", "resources", "resourceNames")):
                yield Problem(
                    at + ("nonResourceURLs",),
                    invalid(urls, "rules cannot apply to both regular resources and non-resource URLs"),
                    "Split it into two rules.",
                )
            continue
        if empty(policy.get("apiGroups")):
            yield Problem(
                at + ("apiGroups",),
                required("resource rules must supply at least one api group"),
                'Add apiGroups: [""] for the core group (pods, services, ...), or the resources\' group.',
            )
        if empty(policy.get("resources")):
            yield Problem(
                at + ("resources",),
                required("resource rules must supply at least one resource"),
                "List the resources, e.g. [pods].",
            )


@rule(
    "apply/role-ref",
    ERROR,
    _BINDINGS,
    "rbac",
    "A binding's roleRef with an apiGroup other than rbac.authorization.k8s.io, a kind other than Role or "
    "ClusterRole (only ClusterRole for a ClusterRoleBinding), or an invalid name.",
    why="The apiserver rejects the binding; a ClusterRoleBinding cannot grant a namespaced Role.",
    example="kind: ClusterRoleBinding\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: reader",
    fix="Reference a ClusterRole, or use a RoleBinding.",
)
def role_ref(obj: Obj) -> Iterator[Problem]:
    ref = obj.body.get("roleRef")
    if not _rbac_v1(obj) or not isinstance(ref, dict):
        return
    group, kind, name = ref.get("apiGroup"), ref.get("kind"), ref.get("name")
    if isinstance(group, str) and group != GROUP:
        yield Problem(("roleRef", "apiGroup"), unsupported(group, (GROUP,)), f"Write apiGroup: {GROUP}.")
    allowed = ("ClusterRole",) if obj.kind == "ClusterRoleBinding" else ("Role", "ClusterRole")
    if isinstance(kind, str) and kind not in allowed:
        yield Problem(
            ("roleRef", "kind"),
            unsupported(kind, allowed),
            "Use a RoleBinding to grant a Role." if kind == "Role" else f"Use {' or '.join(allowed)}.",
        )
    if name == "":
        yield Problem(("roleRef", "name"), required(), "Name the role.")
    elif isinstance(name, str) and (messages := formats.is_path_segment(name)):
        yield Problem(("roleRef", "name"), invalid(name, *messages), "Use the role's name.")


@rule(
    "apply/rbac-subject",
    ERROR,
    _BINDINGS,
    "rbac",
    "A binding subject with an unknown kind, a ServiceAccount with apiGroup rbac.authorization.k8s.io (or without a "
    "namespace in a ClusterRoleBinding), a User or Group with another apiGroup, or no name.",
    why='The apiserver rejects the binding. ServiceAccounts belong to the core group (apiGroup ""); Users and '
    "Groups to rbac.authorization.k8s.io.",
    example="subjects:\n  - kind: ServiceAccount\n    name: deployer\n    apiGroup: rbac.authorization.k8s.io",
    fix="Remove apiGroup from ServiceAccount subjects and give them a namespace.",
)
def rbac_subject(obj: Obj) -> Iterator[Problem]:
    if not _rbac_v1(obj):
        return
    for index, subject in enumerate(items(obj.body.get("subjects"))):
        subject = mapping(subject)
        at = ("subjects", index)
        kind, name, group = subject.get("kind"), subject.get("name"), subject.get("apiGroup")
        if name == "":
            yield Problem(at + ("name",), required(), "Name the subject.")
        if kind == "ServiceAccount":
            if isinstance(name, str) and name and (messages := formats.is_dns1123_subdomain(name)):
                yield Problem(at + ("name",), invalid(name, *messages), "Use the ServiceAccount's name.")
            if group:
                yield Problem(
                    at + ("apiGroup",),
                    unsupported(group, ("",)),
                    "Remove apiGroup (ServiceAccounts are in the core group).",
                )
            if obj.kind == "ClusterRoleBinding" and not subject.get("namespace"):
                yield Problem(at + ("namespace",), required(), "Add the ServiceAccount's namespace.")
        elif kind in ("User", "Group"):
            if isinstance(group, str) and group and group != GROUP:
                yield Problem(
                    at + ("apiGroup",),
                    unsupported(group, (GROUP,)),
                    f"Write apiGroup: {GROUP}, or remove it.",
                )
        elif isinstance(kind, str):
            close = {"serviceaccount": "ServiceAccount", "user": "User", "group": "Group"}.get(kind.lower())
            yield Problem(
                at + ("kind",),
                unsupported(kind, ("ServiceAccount", "User", "Group")),
                f"Write {close!r}." if close else "Use ServiceAccount, User or Group.",
            )
