"""Probes and lifecycle hooks (CORE validateProbe, validateHandler, validateLifecycle)."""

from __future__ import annotations

from typing import Any, Iterator

from kubelint_py.apply import defaults, formats
from kubelint_py.apply.formats import (
    PORT_RANGE_MSG,
    forbidden,
    go_value,
    invalid,
    is_int,
    required,
)
from kubelint_py.apply.rule import ERROR, WARNING, Container, items, mapping, rule, text
from kubelint_py.model import Problem

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
SLEEP_ZERO_SINCE = 33  # PodLifecycleSleepActionAllowZero on by default


def handlers(container: Container) -> Iterator[tuple[tuple, dict, tuple[str, ...]]]:
    """(path, handler, the handler types it may use) of every probe and lifecycle hook of a container."""
    for probe in PROBES:
        if isinstance(container.body.get(probe), dict):
            yield container.at(probe), container.body[probe], _PROBE_HANDLERS
    lifecycle = mapping(container.body.get("lifecycle"))
    for hook in HOOKS:
        if isinstance(lifecycle.get(hook), dict):
            yield container.at("lifecycle", hook), lifecycle[hook], _HOOK_HANDLERS


@rule(
    "apply/probe-handler",
    ERROR,
    "container",
    "probes",
    "A probe or lifecycle hook with no handler (exec, httpGet, tcpSocket, grpc; sleep for hooks) or with more than one.",
    why="The kubelet runs exactly one handler: the apiserver rejects `must specify a handler type` and `may not "
    "specify more than 1 handler type`.",
    example="livenessProbe:\n  periodSeconds: 10",
    fix="Give the probe exactly one of exec, httpGet, tcpSocket or grpc.",
)
def probe_handler(container: Container) -> Iterator[Problem]:
    for at, handler, allowed in handlers(container):
        present = [name for name in allowed if handler.get(name) is not None]
        if not present:
            yield Problem(
                at,
                required("must specify a handler type"),
                f"Add one of: {', '.join(allowed)} (e.g. httpGet: {{path: /healthz, port: 8080}}).",
            )
        for extra in present[1:]:
            yield Problem(
                at + (extra,),
                forbidden("may not specify more than 1 handler type"),
                f"Keep only {present[0]}, or split into separate probes.",
            )


@rule(
    "apply/probe-success-threshold",
    ERROR,
    "container",
    "probes",
    "A liveness or startup probe with successThreshold other than 1.",
    why="One success is what ends a liveness or startup failure; the apiserver rejects other values (`must be 1`).",
    example="livenessProbe:\n  httpGet: {path: /healthz, port: 8080}\n  successThreshold: 3",
    fix="Remove successThreshold or set it to 1.",
)
def probe_success_threshold(container: Container) -> Iterator[Problem]:
    for probe in ("livenessProbe", "startupProbe"):
        value = mapping(container.body.get(probe)).get("successThreshold")
        if is_int(value) and value not in (0, 1):  # 0 is defaulted to 1
            yield Problem(
                container.at(probe, "successThreshold"),
                invalid(value, "must be 1"),
                "Remove successThreshold (it defaults to 1).",
            )


@rule(
    "apply/probe-termination-grace-period",
    ERROR,
    "container",
    "probes",
    "terminationGracePeriodSeconds on a readiness probe, or a non-positive one on a liveness or startup probe.",
    why="The probe-level grace period only applies when a failing probe kills the container; readiness probes never do.",
    example="readinessProbe:\n  httpGet: {path: /ready, port: 8080}\n  terminationGracePeriodSeconds: 30",
    fix="Remove it from readiness probes; use a positive value elsewhere.",
)
def probe_termination_grace_period(container: Container) -> Iterator[Problem]:
    for probe in PROBES:
        value = mapping(container.body.get(probe)).get("terminationGracePeriodSeconds")
        if value is None:
            continue
        at = container.at(probe, "terminationGracePeriodSeconds")
        if probe == "readinessProbe":
            yield Problem(
                at,
                invalid(value, "must not be set for readinessProbes"),
                "Remove it from the readiness probe.",
            )
        elif is_int(value) and value <= 0:
            yield Problem(at, invalid(value, "must be greater than 0"), "Use a positive number of seconds.")


def _ports(container: Container) -> Iterator[tuple[tuple, Any]]:
    for at, handler, _ in handlers(container):
        for kind in ("httpGet", "tcpSocket", "grpc"):
            action = handler.get(kind)
            if isinstance(action, dict) and "port" in action:
                yield at + (kind, "port"), action["port"]


@rule(
    "apply/probe-port",
    ERROR,
    "container",
    "probes",
    "A probe or hook port that is neither a port number (1-65535) nor a valid port name.",
    why="The apiserver rejects the pod.",
    example="readinessProbe:\n  tcpSocket:\n    port: 0",
    fix="Use the container's port number or port name.",
)
def probe_port(container: Container) -> Iterator[Problem]:
    for at, port in _ports(container):
        if is_int(port) and not formats.is_port_number(port):
            yield Problem(at, invalid(port, PORT_RANGE_MSG), "Use a port from 1 to 65535.")
        elif isinstance(port, str) and (messages := formats.is_port_name(port)):
            # A quoted number is a string, hence a port name, and no valid one.
            fix = (
                f"Remove the quotes: port: {port}."
                if port.isdigit()
                else "Use a port name the container declares, or its number."
            )
            yield Problem(at, invalid(port, *messages), fix)


@rule(
    "apply/probe-port-not-found",
    WARNING,
    "container",
    "probes",
    "A probe or hook refers to a named port that the container does not declare.",
    why="The apiserver accepts it, but the kubelet cannot resolve the name: the probe fails every time and a "
    "liveness probe restarts the container forever.",
    example="ports:\n  - {name: http, containerPort: 8080}\nlivenessProbe:\n  httpGet: {path: /healthz, port: htpp}",
    fix="Use a port name from the container's ports, or the number.",
)
def probe_port_not_found(container: Container) -> Iterator[Problem]:
    names = {text(mapping(port).get("name")) for port in items(container.body.get("ports"))}
    for at, port in _ports(container):
        if isinstance(port, str) and not formats.is_port_name(port) and port not in names:
            known = ", ".join(sorted(n for n in names if n)) or "none"
            yield Problem(
                at,
                f"port {go_value(port)} is not a named port of container {go_value(container.body.get('name'))}: the "
                "kubelet cannot resolve it and the probe fails",
                f"Use one of the container's port names ({known}) or a port number.",
            )


@rule(
    "apply/invalid-http-header",
    ERROR,
    "container",
    "probes",
    "An httpGet probe or hook sends a header whose name is not a valid HTTP header name.",
    why="The apiserver rejects the pod.",
    example="httpHeaders:\n  - name: X Forwarded Proto\n    value: https",
    fix="Use letters, digits and '-', e.g. X-Forwarded-Proto.",
)
def invalid_http_header(container: Container) -> Iterator[Problem]:
    for at, handler, _ in handlers(container):
        for index, header in enumerate(items(mapping(handler.get("httpGet")).get("httpHeaders"))):
            name = text(mapping(header).get("name"))
            if name is not None and (messages := formats.is_http_header_name(name)):
                yield Problem(
                    at + ("httpGet", "httpHeaders", index, "name"),
                    invalid(name, *messages),
                    f"Use e.g. {'-'.join(name.split()) or 'X-Header'!r}.",
                )


@rule(
    "apply/exec-command-required",
    ERROR,
    "container",
    "probes",
    "An exec probe or hook without a command.",
    why="The apiserver rejects it: there is nothing to run.",
    example="livenessProbe:\n  exec: {}",
    fix='Add command, e.g. ["pg_isready", "-U", "postgres"].',
)
def exec_command_required(container: Container) -> Iterator[Problem]:
    for at, handler, _ in handlers(container):
        action = handler.get("exec")
        if isinstance(action, dict) and not action.get("command"):
            yield Problem(at + ("exec", "command"), required(), "Add the command to run, as a list.")


@rule(
    "apply/lifecycle-sleep",
    ERROR,
    "container",
    "probes",
    "A lifecycle sleep action that is not positive or is longer than the pod's terminationGracePeriodSeconds.",
    why="The pod would be killed before the sleep ends; the apiserver rejects it (zero is allowed from 1.33).",
    example="lifecycle:\n  preStop:\n    sleep: {seconds: 60}",
    fix="Sleep less than terminationGracePeriodSeconds (30 by default), or raise it.",
)
def lifecycle_sleep(container: Container) -> Iterator[Problem]:
    grace = container.pod.spec.get("terminationGracePeriodSeconds", defaults.TERMINATION_GRACE_PERIOD)
    if not is_int(grace):
        return
    allow_zero = container.pod.obj.minor >= SLEEP_ZERO_SINCE
    lifecycle = mapping(container.body.get("lifecycle"))
    for hook in HOOKS:
        seconds = mapping(mapping(lifecycle.get(hook)).get("sleep")).get("seconds")
        if not is_int(seconds):
            continue
        too_small = seconds < 0 if allow_zero else seconds <= 0
        if too_small or seconds > grace:
            detail = (
                f"must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                if allow_zero
                else f"must be greater than 0 and less than terminationGracePeriodSeconds ({grace})"
            )
            yield Problem(
                container.at("lifecycle", hook, "sleep", "seconds"),
                invalid(seconds, detail),
                f"Sleep at most {grace} seconds, or raise the pod's terminationGracePeriodSeconds.",
            )
