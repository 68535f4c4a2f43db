"""Services (CORE ValidateService, validateServicePort; the node port allocator in pkg/registry/core/service)."""

from __future__ import annotations

from typing import Any, Iterator

from kubelint_py.apply import defaults, formats
from kubelint_py.apply.formats import (
    PORT_RANGE_MSG,
    duplicate,
    forbidden,
    invalid,
    is_int,
    required,
)
from kubelint_py.apply.rule import (
    ERROR,
    WARNING,
    Obj,
    empty,
    items,
    mapping,
    rule,
    text,
)
from kubelint_py.model import Problem

NODE_PORT_RANGE = (30000, 32767)  # the apiserver's default --service-node-port-range
_EXTERNAL_TYPES = ("NodePort", "LoadBalancer")


def _ports(obj: Obj) -> Iterator[tuple[tuple, dict]]:
    for index, port in enumerate(items(obj.spec.get("ports"))):
        if isinstance(port, dict):
            yield ("spec", "ports", index), port


def _headless(obj: Obj) -> bool:
    return obj.spec.get("clusterIP") == "None"


@rule(
    "apply/service-ports-required",
    ERROR,
    "Service",
    "services",
    "A Service (not headless, not ExternalName) without ports.",
    why="A ClusterIP, NodePort or LoadBalancer Service forwards ports; the apiserver rejects one without any.",
    example="kind: Service\nspec:\n  selector: {app: web}",
    fix="Add ports, e.g. [{name: http, port: 80, targetPort: 8080}].",
)
def service_ports_required(obj: Obj) -> Iterator[Problem]:
    if (
        empty(obj.spec.get("ports"))
        and not _headless(obj)
        and obj.spec.get("type") != "ExternalName"
        and "spec" in obj.body
    ):
        yield Problem(("spec", "ports"), required(), "Add the ports the Service forwards.")


@rule(
    "apply/service-port-name",
    ERROR,
    "Service",
    "services",
    "A Service port without a name while the Service has several ports, or with a name that is not a DNS-1123 "
    "label, or the same name twice.",
    why="With more than one port, names tell them apart (Endpoints, Ingress backends, named targetPorts); the "
    "apiserver requires them.",
    example="ports:\n  - port: 80\n  - port: 443",
    fix="Name every port: [{name: http, port: 80}, {name: https, port: 443}].",
)
def service_port_name(obj: Obj) -> Iterator[Problem]:
    ports = list(_ports(obj))
    seen: set[str] = set()
    for at, port in ports:
        name = port.get("name")
        if len(ports) > 1 and not name:
            number = port.get("port")
            guess = {80: "http", 443: "https", 8080: "http", 53: "dns", 9090: "metrics"}.get(
                number if is_int(number) else 0, "port-name"
            )
            yield Problem(
                at + ("name",), required(), f"Name each port of a multi-port Service, e.g. name: {guess}."
            )
        elif isinstance(name, str) and name:
            if messages := formats.is_dns1123_label(name):
                yield Problem(
                    at + ("name",), invalid(name, *messages), f"Use e.g. {formats.suggest_dns_label(name)!r}."
                )
            elif name in seen:
                yield Problem(at + ("name",), duplicate(name), "Give each port its own name.")
            seen.add(name)


@rule(
    "apply/duplicate-service-port",
    ERROR,
    "Service",
    "services",
    "A Service lists the same port and protocol twice.",
    why="The apiserver rejects it (`Duplicate value`). The same port with TCP and UDP (DNS on 53) is fine.",
    example="ports:\n  - {name: http, port: 80, targetPort: 8080}\n  - {name: web, port: 80, targetPort: 8081}",
    fix="Use distinct ports, or different protocols.",
)
def duplicate_service_port(obj: Obj) -> Iterator[Problem]:
    seen: set[tuple] = set()
    for at, port in _ports(obj):
        key = (str(port.get("protocol") or "TCP"), port.get("port"))
        if is_int(key[1]):
            if key in seen:
                yield Problem(at, duplicate(f"{key[1]}/{key[0]}"), "Remove the duplicate or change its port.")
            seen.add(key)


def port_number_or_name(value: Any, at: tuple) -> Iterator[Problem]:
    """A port given as a number (1-65535) or as an IANA service name; a quoted number is an invalid name."""
    if is_int(value) and value != 0 and not formats.is_port_number(value):
        yield Problem(at, invalid(value, PORT_RANGE_MSG), "Use a port from 1 to 65535.")
    elif isinstance(value, str) and value and (messages := formats.is_port_name(value)):
        yield Problem(
            at,
            invalid(value, *messages),
            f"Remove the quotes: {value}."
            if value.isdigit()
            else "Use the container's port name (at most 15 characters) or its number.",
        )


@rule(
    "apply/invalid-service-port",
    ERROR,
    "Service",
    "services",
    "A Service port outside 1-65535, or a targetPort that is neither such a number nor a valid port name "
    '(a quoted number such as "8080" is a name, and an invalid one).',
    why="The apiserver rejects the Service.",
    example='ports:\n  - port: 80\n    targetPort: "8080"',
    fix="Write targetPort: 8080 without quotes.",
)
def invalid_service_port(obj: Obj) -> Iterator[Problem]:
    for at, port in _ports(obj):
        number = port.get("port")
        if is_int(number) and not formats.is_port_number(number):
            yield Problem(at + ("port",), invalid(number, PORT_RANGE_MSG), "Use a port from 1 to 65535.")
        yield from port_number_or_name(port.get("targetPort"), at + ("targetPort",))


@rule(
    "apply/node-port-not-allowed",
    ERROR,
    "Service",
    "services",
    "A ClusterIP Service (the default type) sets nodePort.",
    why="Node ports exist only for NodePort and LoadBalancer Services: `may not be used when type is 'ClusterIP'`.",
    example="spec:\n  ports:\n    - port: 80\n      nodePort: 30080",
    fix="Set type: NodePort, or remove nodePort.",
)
def node_port_not_allowed(obj: Obj) -> Iterator[Problem]:
    if defaults.service_type(obj.spec) == "ClusterIP":
        for at, port in _ports(obj):
            if port.get("nodePort") not in (None, 0):
                yield Problem(
                    at + ("nodePort",),
                    forbidden("may not be used when `type` is 'ClusterIP'"),
                    "Add type: NodePort (or LoadBalancer), or remove nodePort.",
                )


@rule(
    "apply/node-port-range",
    WARNING,
    "Service",
    "services",
    "A nodePort outside the default node port range 30000-32767.",
    why="The node port allocator rejects it on a real apply (`provided port is not in the valid range`) unless the "
    "cluster runs with a wider --service-node-port-range; `--dry-run=server` does not notice.",
    example="spec:\n  type: NodePort\n  ports:\n    - port: 80\n      nodePort: 8080",
    fix="Use a port from 30000 to 32767, or leave nodePort out to get one.",
)
def node_port_range(obj: Obj) -> Iterator[Problem]:
    if defaults.service_type(obj.spec) not in _EXTERNAL_TYPES:
        return
    low, high = NODE_PORT_RANGE
    for at, port in _ports(obj):
        node_port = port.get("nodePort")
        if is_int(node_port) and node_port and not low <= node_port <= high:
            yield Problem(
                at + ("nodePort",),
                invalid(
                    node_port,
                    f"provided port is not in the valid range. The range of valid ports is {low}-{high}",
                ),
                "Use a port from 30000 to 32767, or remove nodePort to have one allocated.",
            )


@rule(
    "apply/duplicate-node-port",
    ERROR,
    "Service",
    "services",
    "A Service uses the same nodePort twice for one protocol.",
    why="The apiserver rejects it (`Duplicate value`).",
    example="ports:\n  - {name: a, port: 80, nodePort: 30080}\n  - {name: b, port: 81, nodePort: 30080}",
    fix="Give each port its own nodePort.",
)
def duplicate_node_port(obj: Obj) -> Iterator[Problem]:
    seen: set[tuple] = set()
    for at, port in _ports(obj):
        key = (str(port.get("protocol") or "TCP"), port.get("nodePort"))
        if is_int(key[1]) and key[1]:
            if key in seen:
                yield Problem(at + ("nodePort",), duplicate(key[1]), "Use another nodePort.")
            seen.add(key)


@rule(
    "apply/headless-service-type",
    ERROR,
    "Service",
    "services",
    "A NodePort or LoadBalancer Service with `clusterIP: None`.",
    why="Headless Services have no virtual IP to expose on nodes or a load balancer; the apiserver rejects them.",
    example="spec:\n  type: LoadBalancer\n  clusterIP: None",
    fix="Remove clusterIP: None, or use type ClusterIP for a headless Service.",
)
def headless_service_type(obj: Obj) -> Iterator[Problem]:
    kind = defaults.service_type(obj.spec)
    if _headless(obj) and kind in _EXTERNAL_TYPES:
        yield Problem(
            ("spec", "clusterIP"),
            invalid("None", f"may not be set to 'None' for {kind} services"),
            "Remove clusterIP: None.",
        )


@rule(
    "apply/external-name",
    ERROR,
    "Service",
    "services",
    "An ExternalName Service without externalName, with one that is not a DNS name, or with a clusterIP.",
    why="An ExternalName Service is a DNS CNAME: it needs a valid name and has no cluster IP.",
    example="spec:\n  type: ExternalName\n  externalName: https://db.example.com",
    fix="Use a host name: externalName: db.example.com.",
)
def external_name(obj: Obj) -> Iterator[Problem]:
    if obj.spec.get("type") != "ExternalName":
        return
    name = obj.spec.get("externalName")
    if not name:
        yield Problem(("spec", "externalName"), required(), "Set externalName to the DNS name to alias.")
    elif isinstance(name, str) and (messages := formats.is_dns1123_subdomain(name.removesuffix("."))):
        host = name.split("://")[-1].split("/")[0].split(":")[0]
        yield Problem(
            ("spec", "externalName"), invalid(name, *messages), f"Use a host name only, e.g. {host!r}."
        )
    if obj.spec.get("clusterIP"):
        yield Problem(
            ("spec", "clusterIP"), forbidden("may not be set for ExternalName services"), "Remove clusterIP."
        )


@rule(
    "apply/invalid-cluster-ip",
    ERROR,
    "Service",
    "services",
    "A clusterIP or clusterIPs entry that is neither `None` nor an IP address.",
    why="The apiserver rejects it (and an IP outside the cluster's service range on a real apply).",
    example="spec:\n  clusterIP: 10.96.0.300",
    fix="Remove clusterIP to have one allocated, or use `None` for a headless Service.",
)
def invalid_cluster_ip(obj: Obj) -> Iterator[Problem]:
    values = [(("spec", "clusterIP"), obj.spec.get("clusterIP"))]
    values += [(("spec", "clusterIPs", i), ip) for i, ip in enumerate(items(obj.spec.get("clusterIPs")))]
    for at, value in values:
        if isinstance(value, str) and value not in ("", "None") and formats.parse_ip(value) is None:
            yield Problem(
                at, invalid(value, formats.IP_MSG), "Remove it to have an IP allocated, or use None."
            )


@rule(
    "apply/session-affinity-config",
    ERROR,
    "Service",
    "services",
    "sessionAffinityConfig without `sessionAffinity: ClientIP`, or a ClientIP timeout outside 1-86400 seconds.",
    why="The apiserver rejects it.",
    example="spec:\n  sessionAffinityConfig:\n    clientIP: {timeoutSeconds: 3600}",
    fix="Add sessionAffinity: ClientIP, or remove sessionAffinityConfig.",
)
def session_affinity_config(obj: Obj) -> Iterator[Problem]:
    config = obj.spec.get("sessionAffinityConfig")
    if config is None:
        return
    if obj.spec.get("sessionAffinity", "None") in ("None", ""):
        yield Problem(
            ("spec", "sessionAffinityConfig"),
            forbidden("must not be set when session affinity is None"),
            "Add sessionAffinity: ClientIP, or remove sessionAffinityConfig.",
        )
    timeout = mapping(mapping(config).get("clientIP")).get("timeoutSeconds")
    if is_int(timeout) and not 0 < timeout <= 86400:
        yield Problem(
            ("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"),
            invalid(timeout, "must be greater than 0 and less than 86400"),
            "Use 1 to 86400 seconds.",
        )


@rule(
    "apply/load-balancer-only-field",
    ERROR,
    "Service",
    "services",
    "loadBalancerSourceRanges, allocateLoadBalancerNodePorts or healthCheckNodePort on a Service that is not a "
    "LoadBalancer (healthCheckNodePort: one with externalTrafficPolicy Local), or a source range that is no CIDR.",
    why="These only configure cloud load balancers; the apiserver rejects them elsewhere.",
    example="spec:\n  type: ClusterIP\n  loadBalancerSourceRanges: [10.0.0.0/8]",
    fix="Set type: LoadBalancer, or remove the field.",
)
def load_balancer_only_field(obj: Obj) -> Iterator[Problem]:
    balanced = defaults.service_type(obj.spec) == "LoadBalancer"
    ranges = items(obj.spec.get("loadBalancerSourceRanges"))
    if ranges and not balanced:
        yield Problem(
            ("spec", "loadBalancerSourceRanges"),
            forbidden("may only be used when `type` is 'LoadBalancer'"),
            "Set type: LoadBalancer, or remove loadBalancerSourceRanges.",
        )
    for index, cidr in enumerate(ranges):
        if isinstance(cidr, str) and formats.parse_cidr(cidr.strip()) is None:
            yield Problem(
                ("spec", "loadBalancerSourceRanges", index),
                invalid(cidr, formats.CIDR_MSG),
                "Use a CIDR, e.g. 203.0.113.0/24.",
            )
    if obj.spec.get("allocateLoadBalancerNodePorts") is not None and not balanced:
        yield Problem(
            ("spec", "allocateLoadBalancerNodePorts"),
            forbidden("may only be used when `type` is 'LoadBalancer'"),
            "Remove allocateLoadBalancerNodePorts.",
        )
    if obj.spec.get("healthCheckNodePort") and not (
        balanced and obj.spec.get("externalTrafficPolicy") == "Local"
    ):
        yield Problem(
            ("spec", "healthCheckNodePort"),
            invalid(
                obj.spec["healthCheckNodePort"],
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ),
            "Remove healthCheckNodePort.",
        )


@rule(
    "apply/external-traffic-policy",
    ERROR,
    "Service",
    "services",
    "externalTrafficPolicy on a Service that is not reachable from outside (ClusterIP without externalIPs, ExternalName).",
    why="The policy decides how external traffic reaches pods; the apiserver rejects it where there is none.",
    example="spec:\n  type: ClusterIP\n  externalTrafficPolicy: Local",
    fix="Remove it, or use type NodePort or LoadBalancer.",
)
def external_traffic_policy(obj: Obj) -> Iterator[Problem]:
    policy = obj.spec.get("externalTrafficPolicy")
    external = defaults.service_type(obj.spec) in _EXTERNAL_TYPES or (
        defaults.service_type(obj.spec) == "ClusterIP" and items(obj.spec.get("externalIPs"))
    )
    if isinstance(policy, str) and policy and not external:
        yield Problem(
            ("spec", "externalTrafficPolicy"),
            invalid(policy, "may only be set for externally-accessible services"),
            "Remove externalTrafficPolicy, or use type NodePort or LoadBalancer.",
        )


@rule(
    "apply/invalid-external-ip",
    ERROR,
    "Service",
    "services",
    "A Service externalIPs entry that is not an IP address.",
    why="The apiserver rejects it.",
    example="spec:\n  externalIPs: [lb.example.com]",
    fix="Use IP addresses.",
)
def invalid_external_ip(obj: Obj) -> Iterator[Problem]:
    for index, ip in enumerate(items(obj.spec.get("externalIPs"))):
        if isinstance(ip, str) and formats.parse_ip(ip) is None:
            yield Problem(("spec", "externalIPs", index), invalid(ip, formats.IP_MSG), "Use an IP address.")


@rule(
    "apply/invalid-app-protocol",
    ERROR,
    "Service",
    "services",
    "A Service port appProtocol that is not a qualified name.",
    why="The apiserver rejects it; standard values are plain (http, h2c, grpc) or domain-prefixed (kubernetes.io/ws).",
    example="ports:\n  - port: 80\n    appProtocol: HTTP/1.1",
    fix="Use e.g. http, https, grpc, or kubernetes.io/h2c.",
)
def invalid_app_protocol(obj: Obj) -> Iterator[Problem]:
    for at, port in _ports(obj):
        value = text(port.get("appProtocol"))
        if value and (messages := formats.is_qualified_name(value)):
            yield Problem(
                at + ("appProtocol",),
                invalid(value, *messages),
                "Use e.g. http, https, grpc or kubernetes.io/h2c.",
            )
