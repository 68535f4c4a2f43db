"""Pod spec rules (CORE ValidatePodSpec): containers as a set, DNS, names of referenced objects, host ports.

Scheduling constraints are in scheduling.py, security settings in security.py."""

from __future__ import annotations

from typing import Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import duplicate, forbidden, invalid, is_int, required
from kubelint_py.apply.rule import ERROR, Pod, items, mapping, rule, text
from kubelint_py.model import Problem

# Controllers whose pod template may not set activeDeadlineSeconds (see controllers.py).
_NO_ACTIVE_DEADLINE = frozenset(
    {"Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet"}
)
MAX_INT32 = 2147483647


@rule(
    "apply/no-containers",
    ERROR,
    "pod",
    "pods",
    "A pod spec has an empty list of containers.",
    why="The schema accepts `containers: []`; the apiserver rejects it: a pod needs at least one container.",
    example="spec:\n  containers: []",
    fix="Add a container with a name and an image.",
)
def no_containers(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("containers") == []:
        yield Problem(pod.at("containers"), required(), "Add at least one container (name and image).")


@rule(
    "apply/duplicate-container-name",
    ERROR,
    "pod",
    "pods",
    "Two containers of a pod share a name; init, regular and ephemeral containers share one namespace.",
    why="The apiserver rejects the pod (`Duplicate value`); logs, exec and probes address containers by name.",
    example="initContainers:\n  - name: app\ncontainers:\n  - name: app",
    fix="Give each container a unique name.",
)
def duplicate_container_name(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    # Regular containers are validated first, so a clash is reported on the init or ephemeral container.
    for lists in (("containers",), ("initContainers",), ("ephemeralContainers",)):
        for path, container in pod.containers(lists):
            name = container.get("name")
            if isinstance(name, str) and name:
                if name in seen:
                    yield Problem(
                        path + ("name",), duplicate(name), f"Rename one of the containers named {name!r}."
                    )
                seen.add(name)


@rule(
    "apply/dns-config",
    ERROR,
    "pod",
    "pods",
    "`dnsPolicy: None` without dnsConfig nameservers, or a dnsConfig the apiserver refuses (more than 3 nameservers, "
    "an address that is no IP, bad search domains).",
    why="With dnsPolicy None the pod gets only what dnsConfig gives; the apiserver rejects a pod that would have "
    "no resolver at all, or an invalid resolv.conf.",
    example="spec:\n  dnsPolicy: None",
    fix="Add dnsConfig.nameservers (1 to 3 IP addresses), or use dnsPolicy ClusterFirst.",
)
def dns_config(pod: Pod) -> Iterator[Problem]:
    config = pod.spec.get("dnsConfig")
    if pod.spec.get("dnsPolicy") == "None":
        if not isinstance(config, dict):  # reported at dnsPolicy: there is no dnsConfig line to point at
            yield Problem(
                pod.at("dnsPolicy"),
                required("must provide `dnsConfig` when `dnsPolicy` is None"),
                "Add dnsConfig with nameservers, or use dnsPolicy: ClusterFirst.",
            )
            return
        if not config.get("nameservers"):
            yield Problem(
                pod.at("dnsConfig", "nameservers"),
                required("must provide at least one DNS nameserver when `dnsPolicy` is None"),
                "Add dnsConfig.nameservers, e.g. [10.96.0.10].",
            )
            return
    config = mapping(config)
    nameservers = items(config.get("nameservers"))
    if len(nameservers) > 3:
        yield Problem(
            pod.at("dnsConfig", "nameservers"),
            invalid(nameservers, "must not have more than 3 nameservers"),
            "Keep at most 3 nameservers (the resolver ignores the rest).",
        )
    for index, server in enumerate(nameservers):
        if isinstance(server, str) and formats.parse_ip(server) is None:
            yield Problem(
                pod.at("dnsConfig", "nameservers", index),
                invalid(server, formats.IP_MSG),
                "Use an IP address; names cannot be resolved before there is a resolver.",
            )
    searches = [s for s in items(config.get("searches")) if isinstance(s, str)]
    if len(searches) > 32:
        yield Problem(
            pod.at("dnsConfig", "searches"),
            invalid(searches, "must not have more than 32 search paths"),
            "Keep at most 32 search domains.",
        )
    if len(" ".join(searches)) > 2048:
        yield Problem(
            pod.at("dnsConfig", "searches"),
            invalid(
                searches, "must not have more than 2048 characters (including spaces) in the search list"
            ),
            "Shorten the search list.",
        )
    for index, search in enumerate(items(config.get("searches"))):
        if isinstance(search, str) and (messages := formats.is_dns1123_subdomain(search.removesuffix("."))):
            yield Problem(
                pod.at("dnsConfig", "searches", index), invalid(search, *messages), "Use a DNS domain name."
            )
    for index, option in enumerate(items(config.get("options"))):
        if isinstance(option, dict) and not option.get("name"):
            yield Problem(
                pod.at("dnsConfig", "options", index),
                required("Option.Name must not be empty"),
                'Give the option a name, e.g. {name: ndots, value: "2"}.',
            )


@rule(
    "apply/invalid-active-deadline",
    ERROR,
    "pod",
    "pods",
    "activeDeadlineSeconds of a pod is 0 or negative.",
    why="The apiserver accepts only 1 to 2147483647 seconds.",
    example="spec:\n  activeDeadlineSeconds: 0",
    fix="Use a positive number of seconds, or remove the field for no deadline.",
)
def invalid_active_deadline(pod: Pod) -> Iterator[Problem]:
    value = pod.spec.get("activeDeadlineSeconds")
    if pod.obj.kind not in _NO_ACTIVE_DEADLINE and is_int(value) and not 1 <= value <= MAX_INT32:
        yield Problem(
            pod.at("activeDeadlineSeconds"),
            invalid(value, f"must be between 1 and {MAX_INT32}, inclusive"),
            "Use a positive number of seconds, or remove the field for no deadline.",
        )


@rule(
    "apply/invalid-hostname",
    ERROR,
    "pod",
    "pods",
    "spec.hostname or spec.subdomain is not a DNS-1123 label.",
    why="They become the pod's hostname and DNS name; the apiserver rejects other values.",
    example="spec:\n  hostname: db_primary",
    fix="Use lower case letters, digits and '-', at most 63 characters.",
)
def invalid_hostname(pod: Pod) -> Iterator[Problem]:
    for field in ("hostname", "subdomain"):
        value = text(pod.spec.get(field))
        if value and (messages := formats.is_dns1123_label(value)):
            yield Problem(
                pod.at(field), invalid(value, *messages), f"Use e.g. {formats.suggest_dns_label(value)!r}."
            )


_REFERENCES = ("serviceAccountName", "serviceAccount", "priorityClassName", "runtimeClassName", "nodeName")


@rule(
    "apply/invalid-reference-name",
    ERROR,
    "pod",
    "pods",
    "A pod names a ServiceAccount, PriorityClass, RuntimeClass or Node with a name no such object could have.",
    why="These names must be DNS subdomains; the apiserver rejects the pod instead of leaving it unschedulable.",
    example="spec:\n  serviceAccountName: Build_Bot",
    fix="Use the object's real name: lower case, digits, '-' and '.'.",
)
def invalid_reference_name(pod: Pod) -> Iterator[Problem]:
    for field in _REFERENCES:
        value = text(pod.spec.get(field))
        if value and (messages := formats.is_dns1123_subdomain(value)):
            yield Problem(
                pod.at(field),
                invalid(value, *messages),
                f"Use the object's real name, e.g. {formats.suggest_subdomain(value)!r}.",
            )


@rule(
    "apply/ephemeral-containers",
    ERROR,
    "pod",
    "pods",
    "A manifest sets ephemeralContainers.",
    why="Ephemeral containers are added to running pods by `kubectl debug` only: a pod cannot be created with them "
    "and a template cannot hold them.",
    example="spec:\n  ephemeralContainers:\n    - name: debug\n      image: busybox",
    fix="Remove them; use `kubectl debug` on the running pod.",
)
def ephemeral_containers(pod: Pod) -> Iterator[Problem]:
    if items(pod.spec.get("ephemeralContainers")):
        detail = (
            "ephemeral containers not allowed in pod template"
            if pod.is_template
            else "cannot be set on create"
        )
        yield Problem(
            pod.at("ephemeralContainers"),
            forbidden(detail),
            "Remove ephemeralContainers; use `kubectl debug`.",
        )


def _host_ports(pod: Pod) -> Iterator[tuple[tuple, dict]]:
    """(path, port) of every port of the pod's init and regular containers."""
    for path, container in pod.containers(("containers", "initContainers")):
        for index, port in enumerate(items(container.get("ports"))):
            if isinstance(port, dict):
                yield path + ("ports", index), port


@rule(
    "apply/duplicate-host-port",
    ERROR,
    "pod",
    "pods",
    "Two containers of a pod claim the same hostPort with the same protocol and hostIP.",
    why="A host port can be bound once per node; the apiserver rejects the pod.",
    example="containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 8080}]\n  - name: b\n    ports: [{containerPort: 81, hostPort: 8080}]",
    fix="Use different hostPorts, or drop hostPort and use a Service.",
)
def duplicate_host_port(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    for path, port in _host_ports(pod):
        host_port = port.get("hostPort")
        if not is_int(host_port) or host_port == 0 or path[-3] == "initContainers":
            continue
        key = f"{port.get('protocol') or 'TCP'}/{port.get('hostIP') or ''}/{host_port}"
        if key in seen:
            yield Problem(path + ("hostPort",), duplicate(key), "Use another hostPort.")
        seen.add(key)


@rule(
    "apply/host-network-host-port",
    ERROR,
    "pod",
    "pods",
    "A hostNetwork pod declares a hostPort different from its containerPort.",
    why="With hostNetwork the container listens on the node itself, so the two ports are the same port; the apiserver "
    "rejects a mismatch.",
    example="spec:\n  hostNetwork: true\n  containers:\n    - ports: [{containerPort: 80, hostPort: 8080}]",
    fix="Remove hostPort (it defaults to containerPort) or make them equal.",
)
def host_network_host_port(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostNetwork") is not True:
        return
    for path, port in _host_ports(pod):
        host_port, container_port = port.get("hostPort"), port.get("containerPort")
        if is_int(host_port) and host_port != 0 and is_int(container_port) and host_port != container_port:
            yield Problem(
                path + ("hostPort",),
                invalid(host_port, "must match `containerPort` when `hostNetwork` is true"),
                f"Remove hostPort or set it to {container_port}.",
            )


@rule(
    "apply/host-alias",
    ERROR,
    "pod",
    "pods",
    "A hostAliases entry whose ip is not an IP address or whose hostnames are not DNS names.",
    why="The kubelet writes them to /etc/hosts; the apiserver rejects entries that could not work.",
    example="hostAliases:\n  - ip: db.internal\n    hostnames: [db]",
    fix="Use an IP address and DNS names.",
)
def host_alias(pod: Pod) -> Iterator[Problem]:
    for index, alias in enumerate(items(pod.spec.get("hostAliases"))):
        alias = mapping(alias)
        at = pod.at("hostAliases", index)
        ip = alias.get("ip")
        if isinstance(ip, str) and formats.parse_ip(ip) is None:
            yield Problem(at + ("ip",), invalid(ip, formats.IP_MSG), "Use an IP address.")
        for number, hostname in enumerate(items(alias.get("hostnames"))):
            if isinstance(hostname, str) and (messages := formats.is_dns1123_subdomain(hostname)):
                yield Problem(at + ("hostnames", number), invalid(hostname, *messages), "Use a DNS name.")
