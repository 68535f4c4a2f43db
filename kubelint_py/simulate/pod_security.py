"""Pod Security admission: a namespace labelled `pod-security.kubernetes.io/enforce: baseline` or
`restricted` refuses pods that break that level, with the admission controller's wording
(`violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must
set securityContext.allowPrivilegeEscalation=false), ...`).

The checks and their texts follow k8s.io/pod-security-admission/policy (Apache-2.0), in its order:
the baseline checks, then the restricted ones. Covered: host namespaces, hostPath volumes, host ports,
privileged, added capabilities, /proc mount, seccomp, sysctls; and for restricted also privilege
escalation, dropped capabilities, volume types, runAsNonRoot, runAsUser 0 and the seccomp profile.
Not covered: AppArmor, SELinux options and Windows host processes, and exemptions configured in the
apiserver, which no manifest shows.
"""

from __future__ import annotations

from typing import Callable

from kubelint_py import workloads
from kubelint_py.simulate.model import items, mapping, text

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"
_BASELINE_CAPABILITIES = frozenset(
    (
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    )
)
_SAFE_SYSCTLS = frozenset(
    (
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    )
)
_RESTRICTED_VOLUME_SOURCES = frozenset(
    (
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    )
)

Check = Callable[[dict], "tuple[str, str] | None"]


def violations(spec: dict, namespace_labels: dict) -> str | None:
    """`violates PodSecurity "<level>:<version>": ...` for a pod the namespace's level refuses, or None."""
    level = namespace_labels.get(ENFORCE)
    if level not in ("baseline", "restricted"):
        return None
    checks = _BASELINE if level == "baseline" else _RESTRICTED
    found = [result for check in checks if (result := check(spec)) is not None]
    if not found:
        return None
    version = namespace_labels.get(ENFORCE_VERSION) or "latest"
    return f'violates PodSecurity "{level}:{version}": ' + ", ".join(
        f"{reason} ({detail})" for reason, detail in found
    )


# --- helpers ---------------------------------------------------------------------------------------------


def _containers(spec: dict) -> list[dict]:
    return [c for _, c in workloads.containers(spec)]


def _context(container: dict) -> dict:
    return mapping(container.get("securityContext"))


def _quoted(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


def _containers_phrase(names: list[str]) -> str:
    return f"{_plural('container', 'containers', len(names))} {_quoted(names)}"


# --- baseline ------------------------------------------------------------------------------------------------


def _capabilities_baseline(spec: dict) -> tuple[str, str] | None:
    bad, added = [], set()
    for container in _containers(spec):
        extra = {
            str(c) for c in items(mapping(_context(container).get("capabilities")).get("add"))
        } - _BASELINE_CAPABILITIES
        if extra:
            bad.append(text(container.get("name")))
            added |= extra
    if not bad:
        return None
    return "non-default capabilities", (
        f"{_containers_phrase(bad)} must not include {_quoted(sorted(added))} "
        "in securityContext.capabilities.add"
    )


def _host_namespaces(spec: dict) -> tuple[str, str] | None:
    used = [f"{key}=true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key) is True]
    return ("host namespaces", ", ".join(used)) if used else None


def _host_path_volumes(spec: dict) -> tuple[str, str] | None:
    names = [text(mapping(v).get("name")) for v in items(spec.get("volumes")) if "hostPath" in mapping(v)]
    return (
        ("hostPath volumes", f"{_plural('volume', 'volumes', len(names))} {_quoted(names)}")
        if names
        else None
    )


def _host_ports(spec: dict) -> tuple[str, str] | None:
    bad, ports = [], set()
    for container in _containers(spec):
        used = {
            str(p.get("hostPort")) for p in map(mapping, items(container.get("ports"))) if p.get("hostPort")
        }
        if used:
            bad.append(text(container.get("name")))
            ports |= used
    if not bad:
        return None
    return "hostPort", (
        f"{_containers_phrase(bad)} {_plural('uses', 'use', len(bad))} "
        f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}"
    )


def _privileged(spec: dict) -> tuple[str, str] | None:
    bad = [text(c.get("name")) for c in _containers(spec) if _context(c).get("privileged") is True]
    return (
        ("privileged", f"{_containers_phrase(bad)} must not set securityContext.privileged=true")
        if bad
        else None
    )


def _proc_mount(spec: dict) -> tuple[str, str] | None:
    bad = [
        text(c.get("name"))
        for c in _containers(spec)
        if _context(c).get("procMount") not in (None, "Default")
    ]
    if not bad:
        return None
    return "procMount", f'{_containers_phrase(bad)} must not set securityContext.procMount to "Unmasked"'


def _seccomp_baseline(spec: dict) -> tuple[str, str] | None:
    setters = []
    if mapping(mapping(spec.get("securityContext")).get("seccompProfile")).get("type") == "Unconfined":
        setters.append("pod")
    bad = [
        text(c.get("name"))
        for c in _containers(spec)
        if mapping(_context(c).get("seccompProfile")).get("type") == "Unconfined"
    ]
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return (
        "seccompProfile",
        f'{" and ".join(setters)} must not set securityContext.seccompProfile.type to "Unconfined"',
    )


def _sysctls(spec: dict) -> tuple[str, str] | None:
    names = [text(mapping(s).get("name")) for s in items(mapping(spec.get("securityContext")).get("sysctls"))]
    bad = [n for n in names if n not in _SAFE_SYSCTLS]
    return (_plural("forbidden sysctl", "forbidden sysctls", len(bad)), ", ".join(bad)) if bad else None


# --- restricted ----------------------------------------------------------------------------------------------


def _privilege_escalation(spec: dict) -> tuple[str, str] | None:
    bad = [
        text(c.get("name"))
        for c in _containers(spec)
        if _context(c).get("allowPrivilegeEscalation") is not False
    ]
    if not bad:
        return None
    return "allowPrivilegeEscalation != false", (
        f"{_containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false"
    )


def _capabilities_restricted(spec: dict) -> tuple[str, str] | None:
    no_drop, adding, added = [], [], set()
    for container in _containers(spec):
        capabilities = mapping(_context(container).get("capabilities"))
        if "ALL" not in items(capabilities.get("drop")):
            no_drop.append(text(container.get("name")))
        extra = {str(c) for c in items(capabilities.get("add"))} - {"NET_BIND_SERVICE"}
        if extra:
            adding.append(text(container.get("name")))
            added |= extra
    details = []
    if no_drop:
        details.append(f'{_containers_phrase(no_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(
            f"{_containers_phrase(adding)} must not include {_quoted(sorted(added))} in "
            "securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def _volume_types(spec: dict) -> tuple[str, str] | None:
    bad, kinds = [], set()
    for volume in map(mapping, items(spec.get("volumes"))):
        sources = [key for key in volume if key != "name"]
        if sources and not any(s in _RESTRICTED_VOLUME_SOURCES for s in sources):
            bad.append(text(volume.get("name")))
            kinds.update(sources)
    if not bad:
        return None
    return "restricted volume types", (
        f"{_plural('volume', 'volumes', len(bad))} {_quoted(bad)} {_plural('uses', 'use', len(bad))} "
        f"{_plural('restricted volume type', 'restricted volume types', len(kinds))} {_quoted(sorted(kinds))}"
    )


def _run_as_non_root(spec: dict) -> tuple[str, str] | None:
    pod_value = mapping(spec.get("securityContext")).get("runAsNonRoot")
    explicit = ["pod"] if pod_value is False else []
    explicit_containers = [
        text(c.get("name")) for c in _containers(spec) if _context(c).get("runAsNonRoot") is False
    ]
    if explicit_containers:
        explicit.append(_containers_phrase(explicit_containers))
    if explicit:
        return (
            "runAsNonRoot != true",
            f"{' and '.join(explicit)} must not set securityContext.runAsNonRoot=false",
        )
    implicit = [
        text(c.get("name"))
        for c in _containers(spec)
        if pod_value is not True and _context(c).get("runAsNonRoot") is not True
    ]
    if implicit:
        return (
            "runAsNonRoot != true",
            f"pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true",
        )
    return None


def _run_as_user(spec: dict) -> tuple[str, str] | None:
    setters = ["pod"] if mapping(spec.get("securityContext")).get("runAsUser") == 0 else []
    bad = [text(c.get("name")) for c in _containers(spec) if _context(c).get("runAsUser") == 0]
    if bad:
        setters.append(_containers_phrase(bad))
    return ("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0") if setters else None


def _seccomp_restricted(spec: dict) -> tuple[str, str] | None:
    allowed = ("RuntimeDefault", "Localhost")
    pod_type = mapping(mapping(spec.get("securityContext")).get("seccompProfile")).get("type")
    setters, values = [], set()
    if pod_type is not None and pod_type not in allowed:
        setters.append("pod")
        values.add(str(pod_type))
    bad = []
    for container in _containers(spec):
        own = mapping(_context(container).get("seccompProfile")).get("type")
        if own is not None and own not in allowed:
            bad.append(text(container.get("name")))
            values.add(str(own))
    if bad:
        setters.append(_containers_phrase(bad))
    if setters:
        return "seccompProfile", (
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
            f"{_quoted(sorted(values))}"
        )
    if pod_type in allowed:
        return None
    unset = [text(c.get("name")) for c in _containers(spec) if "seccompProfile" not in _context(c)]
    if not unset:
        return None
    return "seccompProfile", (
        f"pod or {_containers_phrase(unset)} must set securityContext.seccompProfile.type to "
        '"RuntimeDefault" or "Localhost"'
    )


_BASELINE: tuple[Check, ...] = (
    _capabilities_baseline,
    _host_namespaces,
    _host_path_volumes,
    _host_ports,
    _privileged,
    _proc_mount,
    _seccomp_baseline,
    _sysctls,
)
# Restricted replaces the baseline checks of capabilities and seccomp with its own.
_RESTRICTED: tuple[Check, ...] = (
    _host_namespaces,
    _host_path_volumes,
    _host_ports,
    _privileged,
    _proc_mount,
    _sysctls,
    _privilege_escalation,
    _capabilities_restricted,
    _volume_types,
    _run_as_non_root,
    _run_as_user,
    _seccomp_restricted,
)
