"""Security settings of pods and containers (CORE ValidatePodSecurityContext, ValidateSecurityContext):
user and group ids, sysctls, seccomp and AppArmor profiles, host namespaces, OS-specific fields."""

from __future__ import annotations

import re
from typing import Iterator

from kubelint_py.apply.formats import duplicate, forbidden, invalid, is_int, required
from kubelint_py.apply.rule import ERROR, Container, Pod, items, mapping, rule, text
from kubelint_py.model import Problem

MAX_ID = 4294967295


_IDS = ("runAsUser", "runAsGroup", "fsGroup")


def _id_problems(context: dict, at: tuple, fields: tuple[str, ...]) -> Iterator[Problem]:
    for field in fields:
        value = context.get(field)
        if is_int(value) and not 0 <= value <= MAX_ID:
            yield Problem(
                at + (field,),
                invalid(value, f"must be between 0 and {MAX_ID}, inclusive"),
                "Use a user or group id from 0 to 4294967295.",
            )


@rule(
    "apply/invalid-id",
    ERROR,
    ("pod", "container"),
    "security",
    "runAsUser, runAsGroup, fsGroup or a supplemental group outside 0 to 4294967295.",
    why="The schema only says int64; the apiserver accepts Unix user and group ids only.",
    example="securityContext:\n  runAsUser: -1",
    fix="Use a non-negative id, e.g. 10001.",
)
def invalid_id(subject: Pod | Container) -> Iterator[Problem]:
    if isinstance(subject, Container):
        yield from _id_problems(
            mapping(subject.body.get("securityContext")),
            subject.at("securityContext"),
            ("runAsUser", "runAsGroup"),
        )
        return
    context = mapping(subject.spec.get("securityContext"))
    at = subject.at("securityContext")
    yield from _id_problems(context, at, _IDS)
    for index, group in enumerate(items(context.get("supplementalGroups"))):
        if is_int(group) and not 0 <= group <= MAX_ID:
            yield Problem(
                at + ("supplementalGroups", index),
                invalid(group, f"must be between 0 and {MAX_ID}, inclusive"),
                "Use a group id from 0 to 4294967295.",
            )


@rule(
    "apply/host-pid-share-process-namespace",
    ERROR,
    "pod",
    "security",
    "A pod sets both hostPID and shareProcessNamespace.",
    why="A pod cannot share the host's process namespace and have its own shared one; the apiserver rejects it.",
    example="spec:\n  hostPID: true\n  shareProcessNamespace: true",
    fix="Keep one of the two (usually neither).",
)
def host_pid_share_process_namespace(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostPID") is True and pod.spec.get("shareProcessNamespace") is True:
        yield Problem(
            pod.at("shareProcessNamespace"),
            invalid(True, "ShareProcessNamespace and HostPID cannot both be enabled"),
            "Remove shareProcessNamespace or hostPID.",
        )


_SYSCTL = re.compile(r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")
_SYSCTL_MSG = (
    "must have at most 253 characters and match regex "
    r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"
)


@rule(
    "apply/sysctl",
    ERROR,
    "pod",
    "security",
    "A sysctl name that is not a sysctl name, appears twice, or is a net.* sysctl on a hostNetwork pod.",
    why="The apiserver rejects the pod. net.* sysctls are per network namespace, and a hostNetwork pod would change "
    "the node's.",
    example='securityContext:\n  sysctls:\n    - name: net.core.somaxconn\n      value: "1024"\n    - name: net.core.somaxconn\n      value: "2048"',
    fix="List each sysctl once, with its dotted name.",
)
def sysctl(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    host_network = pod.spec.get("hostNetwork") is True
    for index, entry in enumerate(items(mapping(pod.spec.get("securityContext")).get("sysctls"))):
        name = text(mapping(entry).get("name"))
        at = pod.at("securityContext", "sysctls", index, "name")
        if name is None:
            continue
        if not name:
            yield Problem(at, required(), "Name the sysctl.")
        elif len(name) > 253 or not _SYSCTL.match(name):
            yield Problem(at, invalid(name, _SYSCTL_MSG), "Use a sysctl name like net.core.somaxconn.")
        elif name in seen:
            yield Problem(at, duplicate(name), "Set each sysctl once.")
        elif host_network and name.startswith("net."):
            yield Problem(
                at,
                invalid(name, "may not be specified when 'hostNetwork' is true"),
                "Remove the net.* sysctl, or do not use hostNetwork.",
            )
        seen.add(name)


def _profile_problems(context: dict, at: tuple) -> Iterator[Problem]:
    for field, path_field in (
        ("seccompProfile", "localhostProfile"),
        ("appArmorProfile", "localhostProfile"),
    ):
        profile = context.get(field)
        if not isinstance(profile, dict):
            continue
        kind, local = profile.get("type"), profile.get(path_field)
        if kind == "":  # a missing type is schema/required
            yield Problem(
                at + (field, "type"),
                required(f"type is required when {field} is set"),
                "Set type: RuntimeDefault (or Localhost with localhostProfile).",
            )
        elif kind == "Localhost" and not local:
            yield Problem(
                at + (field, path_field),
                required(f"must be set when {field.removesuffix('Profile')} type is Localhost"),
                "Name the profile file on the node, or use type: RuntimeDefault.",
            )
        elif kind != "Localhost" and local:
            yield Problem(
                at + (field, path_field),
                invalid(local, f"can only be set when {field.removesuffix('Profile')} type is Localhost"),
                "Remove localhostProfile, or set type: Localhost.",
            )


@rule(
    "apply/security-profile",
    ERROR,
    ("pod", "container"),
    "security",
    "A seccompProfile or appArmorProfile without type, Localhost without localhostProfile, or localhostProfile with "
    "another type.",
    why="The apiserver rejects the pod: a Localhost profile needs the file it loads, other types cannot use one.",
    example="securityContext:\n  seccompProfile:\n    type: Localhost",
    fix="Add localhostProfile, or use type: RuntimeDefault.",
)
def security_profile(subject: Pod | Container) -> Iterator[Problem]:
    source = subject.body if isinstance(subject, Container) else subject.spec
    yield from _profile_problems(mapping(source.get("securityContext")), subject.at("securityContext"))


@rule(
    "apply/host-namespaces-with-user-namespace",
    ERROR,
    "pod",
    "security",
    "`hostUsers: false` (a user namespace) together with hostNetwork, hostPID or hostIPC.",
    why="A pod in its own user namespace cannot join the host's namespaces; the apiserver rejects it.",
    example="spec:\n  hostUsers: false\n  hostNetwork: true",
    fix="Drop hostUsers: false, or the host namespaces.",
)
def host_namespaces_with_user_namespace(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostUsers") is False:
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.spec.get(field) is True:
                yield Problem(
                    pod.at(field),
                    forbidden("when `pod.Spec.HostUsers` is false"),
                    f"Remove {field}, or hostUsers: false.",
                )


_WINDOWS_FORBIDDEN = (
    "seLinuxOptions",
    "seccompProfile",
    "appArmorProfile",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "fsGroupChangePolicy",
    "sysctls",
    "supplementalGroups",
    "privileged",
    "allowPrivilegeEscalation",
    "procMount",
    "readOnlyRootFilesystem",
    "capabilities",
)


@rule(
    "apply/os-specific-fields",
    ERROR,
    "pod",
    "security",
    "A pod whose spec.os says linux sets Windows options, or one that says windows sets Linux-only security fields.",
    why="The apiserver rejects settings that cannot apply to the declared operating system.",
    example="spec:\n  os: {name: windows}\n  securityContext:\n    runAsUser: 1000",
    fix="Use windowsOptions on Windows pods and Linux fields on Linux pods.",
)
def os_specific_fields(pod: Pod) -> Iterator[Problem]:
    os_name = mapping(pod.spec.get("os")).get("name")
    if os_name not in ("linux", "windows"):
        return
    contexts = [(pod.at("securityContext"), mapping(pod.spec.get("securityContext")))]
    contexts += [
        (path + ("securityContext",), mapping(container.get("securityContext")))
        for path, container in pod.containers()
    ]
    for at, context in contexts:
        if os_name == "linux" and "windowsOptions" in context:
            yield Problem(
                at + ("windowsOptions",),
                forbidden("windows options cannot be set for a linux pod"),
                "Remove windowsOptions, or set spec.os.name: windows.",
            )
        if os_name == "windows":
            for field in _WINDOWS_FORBIDDEN:
                if context.get(field) not in (None, False, [], {}):
                    yield Problem(
                        at + (field,),
                        forbidden("cannot be set for a windows pod"),
                        f"Remove {field}, or set spec.os.name: linux.",
                    )


@rule(
    "apply/privileged-without-escalation",
    ERROR,
    "container",
    "security",
    "`allowPrivilegeEscalation: false` together with `privileged: true` or the CAP_SYS_ADMIN capability.",
    why="A privileged container, or one with CAP_SYS_ADMIN, can always escalate; the apiserver rejects the "
    "contradiction.",
    example="securityContext:\n  privileged: true\n  allowPrivilegeEscalation: false",
    fix="Drop privileged (preferred), or allowPrivilegeEscalation: false.",
)
def privileged_without_escalation(container: Container) -> Iterator[Problem]:
    context = mapping(container.body.get("securityContext"))
    if context.get("allowPrivilegeEscalation") is not False:
        return
    at = container.at("securityContext")
    if context.get("privileged") is True:
        yield Problem(
            at,
            invalid(
                "allowPrivilegeEscalation: false, privileged: true",
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ),
            "Remove privileged: true (preferred) or allowPrivilegeEscalation: false.",
        )
    # The apiserver compares the literal "CAP_SYS_ADMIN" (the runtime also accepts "SYS_ADMIN").
    if "CAP_SYS_ADMIN" in items(mapping(context.get("capabilities")).get("add")):
        yield Problem(
            at,
            invalid(
                "allowPrivilegeEscalation: false, capabilities.add: CAP_SYS_ADMIN",
                "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
            ),
            "Drop the CAP_SYS_ADMIN capability (preferred) or allowPrivilegeEscalation: false.",
        )
