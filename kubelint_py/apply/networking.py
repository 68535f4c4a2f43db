"""Ingress, IngressClass and NetworkPolicy (NET: pkg/apis/networking/validation), networking.k8s.io/v1."""

from __future__ import annotations

import re
from typing import Any, Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import (
    PORT_RANGE_MSG,
    forbidden,
    invalid,
    is_int,
    required,
)
from kubelint_py.apply.rule import ERROR, Obj, empty, items, mapping, rule, text
from kubelint_py.model import Problem

_BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")
_BAD_PATH_ENDS = ("/..", "/.")
_WILDCARD = re.compile(r"^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_WILDCARD_MSG = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
    "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. "
    r"'*.example.com', regex used for validation is '\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def _v1(obj: Obj) -> bool:
    return obj.api_version == "networking.k8s.io/v1"


def _paths(obj: Obj) -> Iterator[tuple[tuple, dict]]:
    for index, rule_ in enumerate(items(obj.spec.get("rules"))):
        http = mapping(rule_).get("http")
        for number, path in enumerate(items(mapping(http).get("paths"))):
            if isinstance(path, dict):
                yield ("spec", "rules", index, "http", "paths", number), path


def _backends(obj: Obj) -> Iterator[tuple[tuple, dict]]:
    if isinstance(obj.spec.get("defaultBackend"), dict):
        yield ("spec", "defaultBackend"), obj.spec["defaultBackend"]
    for at, path in _paths(obj):
        if isinstance(path.get("backend"), dict):
            yield at + ("backend",), path["backend"]


def _host_problems(host: str, at: tuple) -> Iterator[Problem]:
    if formats.parse_ip(host) is not None:
        yield Problem(
            at,
            invalid(host, "must be a DNS name, not an IP address"),
            "Remove host to match any address, or use a DNS name.",
        )
    elif "*" in host:
        if len(host) > 253 or not _WILDCARD.match(host):
            yield Problem(
                at,
                invalid(host, _WILDCARD_MSG),
                "Use a wildcard only as the whole leftmost label: *.example.com.",
            )
    elif messages := formats.is_dns1123_subdomain(host):
        yield Problem(
            at,
            invalid(host, *messages),
            f"Use a lower case host name without scheme or port, e.g. "
            f"{host.split('://')[-1].split('/')[0].split(':')[0].lower()!r}.",
        )


@rule(
    "apply/ingress-rules-or-backend",
    ERROR,
    "Ingress",
    "networking",
    "An Ingress with neither rules nor a defaultBackend.",
    why="It would route nothing; the apiserver rejects it.",
    example="kind: Ingress\nspec:\n  ingressClassName: nginx",
    fix="Add rules, or a defaultBackend.",
)
def ingress_rules_or_backend(obj: Obj) -> Iterator[Problem]:
    if (
        _v1(obj)
        and "spec" in obj.body
        and empty(obj.spec.get("rules"))
        and obj.spec.get("defaultBackend") is None
    ):
        yield Problem(
            ("spec",),
            invalid(items(obj.spec.get("rules")), "either `defaultBackend` or `rules` must be specified"),
            "Add rules with paths, or a defaultBackend.",
        )


@rule(
    "apply/ingress-path",
    ERROR,
    "Ingress",
    "networking",
    "An Ingress path that is not absolute, contains '//', '/./', '/../' or an encoded slash, ends with '/.' or "
    "'/..', or an http rule with no paths.",
    why="Exact and Prefix paths must be clean absolute paths; the apiserver rejects others.",
    example="paths:\n  - path: api\n    pathType: Prefix",
    fix="Start the path with '/', e.g. /api.",
)
def ingress_path(obj: Obj) -> Iterator[Problem]:
    if not _v1(obj):
        return
    for index, rule_ in enumerate(items(obj.spec.get("rules"))):
        http = mapping(rule_).get("http")
        if isinstance(http, dict) and empty(http.get("paths")):
            yield Problem(
                ("spec", "rules", index, "http", "paths"), required(), "Add a path, or remove http."
            )
    for at, path in _paths(obj):
        value, kind = path.get("path"), path.get("pathType")
        if not isinstance(value, str):
            value = ""
        if kind in ("Exact", "Prefix") or (kind == "ImplementationSpecific" and value):
            if not value.startswith("/"):
                yield Problem(
                    at + ("path",), invalid(value, "must be an absolute path"), f"Write {'/' + value!r}."
                )
        if kind in ("Exact", "Prefix") and value:
            for part in _BAD_PATH_PARTS:
                if part in value:
                    yield Problem(
                        at + ("path",), invalid(value, f"must not contain '{part}'"), "Normalise the path."
                    )
            for end in _BAD_PATH_ENDS:
                if value.endswith(end):
                    yield Problem(
                        at + ("path",), invalid(value, f"cannot end with '{end}'"), "Normalise the path."
                    )


@rule(
    "apply/ingress-host",
    ERROR,
    "Ingress",
    "networking",
    "An Ingress rule or TLS host that is an IP address, not a lower case DNS name, or a wildcard anywhere but as the "
    "whole first label.",
    why="Hosts are matched against the HTTP Host header and TLS SNI; the apiserver rejects IPs, ports, schemes and "
    "upper case.",
    example="rules:\n  - host: https://Shop.example.com",
    fix="Use the bare host name: shop.example.com.",
)
def ingress_host(obj: Obj) -> Iterator[Problem]:
    if not _v1(obj):
        return
    for index, rule_ in enumerate(items(obj.spec.get("rules"))):
        host = text(mapping(rule_).get("host"))
        if host:
            yield from _host_problems(host, ("spec", "rules", index, "host"))
    for index, tls in enumerate(items(obj.spec.get("tls"))):
        for number, host in enumerate(items(mapping(tls).get("hosts"))):
            if isinstance(host, str) and host:
                yield from _host_problems(host, ("spec", "tls", index, "hosts", number))
        secret = text(mapping(tls).get("secretName"))
        if secret and (messages := formats.is_dns1123_subdomain(secret)):
            yield Problem(
                ("spec", "tls", index, "secretName"), invalid(secret, *messages), "Use the TLS Secret's name."
            )


@rule(
    "apply/ingress-backend",
    ERROR,
    "Ingress",
    "networking",
    "An Ingress backend with neither service nor resource (or both), a service port with both name and number or "
    "neither, an invalid port, or an invalid Service name.",
    why="The apiserver rejects it. Note that backend port names follow the container rule (IANA, at most 15 "
    "characters) even though Service port names may be longer.",
    example="backend:\n  service:\n    name: web\n    port: {}",
    fix="Give service.port exactly one of number or name.",
)
def ingress_backend(obj: Obj) -> Iterator[Problem]:
    if not _v1(obj):
        return
    for at, backend in _backends(obj):
        service, resource = backend.get("service"), backend.get("resource")
        if service is not None and resource is not None:
            yield Problem(
                at, invalid("", "cannot set both resource and service backends"), "Keep service or resource."
            )
        elif resource is None and not isinstance(service, dict):
            yield Problem(
                at,
                invalid("", "resource or service backend is required"),
                "Add service: {name: ..., port: {number: 80}}.",
            )
        elif isinstance(service, dict):
            yield from _service_backend(service, at)


def _service_backend(service: dict, at: tuple) -> Iterator[Problem]:
    name = service.get("name")
    if isinstance(name, str) and name and (messages := formats.is_dns1035_label(name)):
        yield Problem(at + ("service", "name"), invalid(name, *messages), "Use the Service's name.")
    port = mapping(service.get("port"))
    port_name, number = port.get("name"), port.get("number")
    if port_name and number:
        yield Problem(
            at, invalid("", "cannot set both port name & port number"), "Keep port.name or port.number."
        )
    elif isinstance(port_name, str) and port_name:
        if messages := formats.is_port_name(port_name):
            yield Problem(
                at + ("service", "port", "name"),
                invalid(port_name, *messages),
                "Use the port number, or a Service port name of at most 15 characters.",
            )
    elif is_int(number) and number:
        if not formats.is_port_number(number):
            yield Problem(
                at + ("service", "port", "number"),
                invalid(number, PORT_RANGE_MSG),
                "Use a port from 1 to 65535.",
            )
    elif not port_name and not number:
        yield Problem(
            at, required("port name or number is required"), "Add service.port.number (or service.port.name)."
        )


@rule(
    "apply/ingress-class-conflict",
    ERROR,
    "Ingress",
    "networking",
    "An Ingress that sets both spec.ingressClassName and the kubernetes.io/ingress.class annotation.",
    why="The annotation is the deprecated form of the field; the apiserver refuses new Ingresses that set both.",
    example="metadata:\n  annotations:\n    kubernetes.io/ingress.class: nginx\nspec:\n  ingressClassName: nginx",
    fix="Remove the annotation and keep spec.ingressClassName.",
)
def ingress_class_conflict(obj: Obj) -> Iterator[Problem]:
    annotation = mapping(obj.meta.get("annotations")).get(CLASS_ANNOTATION)
    if _v1(obj) and annotation is not None and obj.spec.get("ingressClassName") is not None:
        yield Problem(
            ("metadata", "annotations", CLASS_ANNOTATION),
            invalid(annotation, "can not be set when the class field is also set"),
            "Remove the kubernetes.io/ingress.class annotation.",
        )


@rule(
    "apply/ingress-class-controller",
    ERROR,
    "IngressClass",
    "networking",
    "An IngressClass spec.controller that is not a domain-prefixed path such as example.com/ingress-controller.",
    why="The apiserver rejects it.",
    example="spec:\n  controller: nginx",
    fix="Use the controller's documented name, e.g. k8s.io/ingress-nginx.",
)
def ingress_class_controller(obj: Obj) -> Iterator[Problem]:
    controller = obj.spec.get("controller")
    if not isinstance(controller, str) or not controller:
        return
    host, _, rest = controller.partition("/")
    if not host or not rest:
        yield Problem(
            ("spec", "controller"),
            invalid(controller, 'must be a domain-prefixed path (such as "acme.io/foo")'),
            "Use the controller name its documentation gives, e.g. k8s.io/ingress-nginx.",
        )
    elif messages := formats.is_dns1123_subdomain(host):
        yield Problem(
            ("spec", "controller"), invalid(host, *messages), "Use a DNS domain before the first '/'."
        )
    elif len(controller) > 250:
        yield Problem(("spec", "controller"), invalid(controller, formats.max_len(250)), "Shorten it.")


def _peers(obj: Obj) -> Iterator[tuple[tuple, dict]]:
    for direction, field in (("ingress", "from"), ("egress", "to")):
        for index, rule_ in enumerate(items(obj.spec.get(direction))):
            for number, peer in enumerate(items(mapping(rule_).get(field))):
                if isinstance(peer, dict):
                    yield ("spec", direction, index, field, number), peer


@rule(
    "apply/network-policy-peer",
    ERROR,
    "NetworkPolicy",
    "networking",
    "A NetworkPolicy peer that is empty, or that combines ipBlock with a pod or namespace selector.",
    why="ipBlock selects addresses, selectors select pods: one peer cannot be both, and the apiserver rejects it. "
    "To allow several sources, list several peers.",
    example="from:\n  - ipBlock: {cidr: 10.0.0.0/8}\n    namespaceSelector: {}",
    fix="Split into two peers: `- ipBlock: ...` and `- namespaceSelector: ...`.",
)
def network_policy_peer(obj: Obj) -> Iterator[Problem]:
    for at, peer in _peers(obj):
        present = [
            key for key in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(key) is not None
        ]
        if not present:
            yield Problem(
                at, required("must specify a peer"), "Add podSelector, namespaceSelector or ipBlock."
            )
        elif len(present) > 1 and "ipBlock" in present:
            yield Problem(
                at,
                forbidden("may not specify both ipBlock and another peer"),
                "Make ipBlock a separate list entry from the selectors.",
            )


@rule(
    "apply/network-policy-ip-block",
    ERROR,
    "NetworkPolicy",
    "networking",
    "A NetworkPolicy ipBlock whose cidr is missing or not a CIDR, or whose except entries are not strictly inside it.",
    why="The apiserver rejects it.",
    example="ipBlock:\n  cidr: 10.0.0.0/8\n  except: [192.168.0.0/16]",
    fix="Use CIDRs, and except ranges inside cidr.",
)
def network_policy_ip_block(obj: Obj) -> Iterator[Problem]:
    for at, peer in _peers(obj):
        block = peer.get("ipBlock")
        if not isinstance(block, dict):
            continue
        cidr = block.get("cidr")
        network = formats.parse_cidr(cidr)
        if cidr == "":  # a missing one is schema/required
            yield Problem(at + ("ipBlock", "cidr"), required(), "Set cidr, e.g. 10.0.0.0/8.")
        elif network is None:
            yield Problem(
                at + ("ipBlock", "cidr"), invalid(cidr, formats.CIDR_MSG), "Use a CIDR such as 10.0.0.0/8."
            )
        for index, excepted in enumerate(items(block.get("except"))):
            inner = formats.parse_cidr(excepted)
            where = at + ("ipBlock", "except", index)
            if inner is None:
                yield Problem(where, invalid(excepted, formats.CIDR_MSG), "Use a CIDR.")
            elif network is not None and not _strict_subnet(inner, network):
                yield Problem(
                    where,
                    invalid(excepted, "must be a strict subset of `cidr`"),
                    f"Use a range inside {cidr}.",
                )


def _strict_subnet(inner: Any, outer: Any) -> bool:
    return (
        inner.version == outer.version
        and outer.prefixlen < inner.prefixlen
        and inner.network_address in outer
    )


@rule(
    "apply/network-policy-port",
    ERROR,
    "NetworkPolicy",
    "networking",
    "A NetworkPolicy port that is not a valid number or name, or an endPort below port, with a named port, or without a port.",
    why="The apiserver rejects it; port ranges need numeric bounds.",
    example="ports:\n  - port: 8080\n    endPort: 8000",
    fix="Make endPort ≥ port and give numeric ports for ranges.",
)
def network_policy_port(obj: Obj) -> Iterator[Problem]:
    for direction in ("ingress", "egress"):
        for index, rule_ in enumerate(items(obj.spec.get(direction))):
            for number, port in enumerate(items(mapping(rule_).get("ports"))):
                yield from _policy_port(mapping(port), ("spec", direction, index, "ports", number))


def _policy_port(port: dict, at: tuple) -> Iterator[Problem]:
    value, end = port.get("port"), port.get("endPort")
    if is_int(value):
        if not formats.is_port_number(value):
            yield Problem(at + ("port",), invalid(value, PORT_RANGE_MSG), "Use a port from 1 to 65535.")
        if is_int(end):
            if end < value:
                yield Problem(
                    at + ("endPort",),
                    invalid(value, "must be greater than or equal to `port`"),
                    f"Use an endPort of at least {value}.",
                )
            if not formats.is_port_number(end):
                yield Problem(at + ("endPort",), invalid(end, PORT_RANGE_MSG), "Use a port from 1 to 65535.")
    elif isinstance(value, str):
        if end is not None:
            yield Problem(
                at + ("endPort",),
                invalid(end, "may not be specified when `port` is non-numeric"),
                "Use a numeric port with endPort.",
            )
        if messages := formats.is_port_name(value):
            yield Problem(
                at + ("port",),
                invalid(value, *messages),
                f"Remove the quotes: {value}." if value.isdigit() else "Use the pods' port name or number.",
            )
    elif value is None and end is not None:
        yield Problem(
            at + ("endPort",), invalid(end, "may not be specified when `port` is not specified"), "Add port."
        )


@rule(
    "apply/network-policy-types",
    ERROR,
    "NetworkPolicy",
    "networking",
    "A NetworkPolicy listing more than two policyTypes.",
    why="There are two: Ingress and Egress; the apiserver rejects more.",
    example="policyTypes: [Ingress, Egress, Ingress]",
    fix="List each of Ingress and Egress at most once.",
)
def network_policy_types(obj: Obj) -> Iterator[Problem]:
    types = items(obj.spec.get("policyTypes"))
    if len(types) > 2:
        yield Problem(
            ("spec", "policyTypes"),
            invalid(types, "may not specify more than two policyTypes"),
            "Keep at most Ingress and Egress.",
        )
