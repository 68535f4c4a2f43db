"""Container rules (CORE validateContainers, validateInitContainers, validateContainerCommon): names,
images, ports, restart policy of init containers, security context."""

from __future__ import annotations

from typing import Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import (
    PORT_RANGE_MSG,
    duplicate,
    forbidden,
    go_value,
    invalid,
    is_int,
    required,
    unsupported,
)
from kubelint_py.apply.rule import ERROR, WARNING, Container, items, mapping, rule, text
from kubelint_py.model import Problem

SIDECARS_SINCE = 29  # SidecarContainers: beta and on by default from Kubernetes 1.29


@rule(
    "apply/invalid-container-name",
    ERROR,
    "container",
    "containers",
    "A container name is not a DNS-1123 label.",
    why="Container names must be lower case letters, digits and '-', at most 63 characters; the apiserver rejects "
    "others.",
    example="containers:\n  - name: webServer",
    fix="Use e.g. `web-server`.",
)
def invalid_container_name(container: Container) -> Iterator[Problem]:
    name = container.body.get("name")
    if isinstance(name, str) and name and (messages := formats.is_dns1123_label(name)):
        yield Problem(
            container.at("name"), invalid(name, *messages), f"Use e.g. {formats.suggest_dns_label(name)!r}."
        )


@rule(
    "apply/missing-image",
    ERROR,
    "container",
    "containers",
    "A container has no image, or an empty one.",
    why="The schema does not require image; the apiserver does, for pods and pod templates alike.",
    example="containers:\n  - name: web",
    fix="Add image, e.g. `image: nginx:1.27`.",
)
def missing_image(container: Container) -> Iterator[Problem]:
    # Ephemeral containers are rejected as a whole (apply/ephemeral-containers).
    if container.list_name != "ephemeralContainers" and not container.body.get("image"):
        yield Problem(
            container.at("image"), required(), "Add the container's image, e.g. `image: nginx:1.27`."
        )


@rule(
    "apply/image-whitespace",
    ERROR,
    "container",
    "containers",
    "A Pod's container image has leading or trailing white space.",
    why="The apiserver rejects a Pod whose image is not trimmed (pod templates are not checked, but their pods "
    "then fail to pull with InvalidImageName).",
    example='containers:\n  - name: web\n    image: " nginx:1.27"',
    fix="Remove the spaces.",
)
def image_whitespace(container: Container) -> Iterator[Problem]:
    image = text(container.body.get("image"))
    if image and image != image.strip():
        fix = f"Write {image.strip()!r}."
        if container.pod.is_template:
            yield Problem(
                container.at("image"),
                f"image {go_value(image)} has leading or trailing whitespace: its pods fail with InvalidImageName",
                fix,
                severity=WARNING,
            )
        else:
            yield Problem(
                container.at("image"), invalid(image, "must not have leading or trailing whitespace"), fix
            )


@rule(
    "apply/invalid-port-name",
    ERROR,
    "container",
    "containers",
    "A container port name is not an IANA service name: at most 15 characters, lower case letters, digits and '-', "
    "at least one letter.",
    why="Services and probes refer to ports by these names; the apiserver rejects other names. 15 characters is the "
    "limit people hit most often.",
    example="ports:\n  - name: metrics-endpoint\n    containerPort: 9090",
    fix="Shorten it, e.g. `metrics`.",
)
def invalid_port_name(container: Container) -> Iterator[Problem]:
    for index, port in enumerate(items(container.body.get("ports"))):
        name = text(mapping(port).get("name"))
        if name and (messages := formats.is_port_name(name)):
            yield Problem(
                container.at("ports", index, "name"), invalid(name, *messages), _port_name_fix(name)
            )


def _port_name_fix(name: str) -> str:
    # Keep whole words that fit: metrics-endpoint -> metrics, not metrics-endpoin.
    suggestion = ""
    for word in (w for w in formats.suggest_dns_label(name).split("-") if w):
        if len(suggestion) + len(word) + bool(suggestion) > 15:
            break
        suggestion = f"{suggestion}-{word}" if suggestion else word
    return (
        f"Use at most 15 lower case letters, digits and single '-', e.g. {suggestion!r}."
        if suggestion and not formats.is_port_name(suggestion)
        else "Use at most 15 lower case letters, digits and single '-', with at least one letter."
    )


@rule(
    "apply/duplicate-port-name",
    ERROR,
    "container",
    "containers",
    "Two ports of one container share a name.",
    why="A named port must identify one port; the apiserver rejects duplicates.",
    example="ports:\n  - {name: http, containerPort: 8080}\n  - {name: http, containerPort: 8443}",
    fix="Give each port its own name.",
)
def duplicate_port_name(container: Container) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, port in enumerate(items(container.body.get("ports"))):
        name = text(mapping(port).get("name"))
        if name:
            if name in seen:
                yield Problem(
                    container.at("ports", index, "name"), duplicate(name), "Rename one of the two ports."
                )
            seen.add(name)


@rule(
    "apply/invalid-port-number",
    ERROR,
    "container",
    "containers",
    "A containerPort or hostPort outside 1-65535 (containerPort 0 is missing).",
    why="The schema only says integer; the apiserver rejects other port numbers.",
    example="ports:\n  - containerPort: 80800",
    fix="Use a port from 1 to 65535.",
)
def invalid_port_number(container: Container) -> Iterator[Problem]:
    for index, port in enumerate(items(container.body.get("ports"))):
        port = mapping(port)
        number = port.get("containerPort")
        if number == 0:
            yield Problem(
                container.at("ports", index, "containerPort"),
                required(),
                "Set the port the process listens on.",
            )
        elif is_int(number) and not formats.is_port_number(number):
            yield Problem(
                container.at("ports", index, "containerPort"),
                invalid(number, PORT_RANGE_MSG),
                "Use a port from 1 to 65535.",
            )
        host = port.get("hostPort")
        if is_int(host) and host != 0 and not formats.is_port_number(host):
            yield Problem(
                container.at("ports", index, "hostPort"),
                invalid(host, PORT_RANGE_MSG),
                "Use a port from 1 to 65535, or remove hostPort.",
            )


@rule(
    "apply/container-restart-policy",
    ERROR,
    "container",
    "containers",
    "restartPolicy on a regular container, a value other than Always on an init container, or a sidecar "
    "(init container with restartPolicy: Always) for a Kubernetes version without sidecar support.",
    why="Only init containers take a restartPolicy, and only Always, which makes them sidecars (Kubernetes 1.29+). "
    "Before 1.29 the apiserver drops the field and the sidecar blocks the pod's start forever.",
    example="containers:\n  - name: web\n    image: nginx:1.27\n    restartPolicy: Always",
    fix="Remove it from regular containers; use `restartPolicy: Always` on init containers only, on 1.29+.",
)
def container_restart_policy(container: Container) -> Iterator[Problem]:
    policy = container.body.get("restartPolicy")
    if policy is None:
        return
    at = container.at("restartPolicy")
    if not container.is_init:
        yield Problem(
            at,
            forbidden("may not be set for non-init containers"),
            "Remove restartPolicy from this container.",
        )
    elif policy != "Always":
        yield Problem(
            at, unsupported(policy, ("Always",)), "Use restartPolicy: Always (a sidecar), or remove it."
        )
    elif container.pod.obj.minor < SIDECARS_SINCE:
        yield Problem(
            at,
            f"sidecar containers need Kubernetes 1.29 (target {container.pod.obj.context.version}): the "
            "field is dropped and this init container must exit before the pod starts",
            "Target Kubernetes 1.29+, or run the sidecar as a regular container.",
            severity=WARNING,
        )


@rule(
    "apply/init-container-lifecycle",
    ERROR,
    "container",
    "containers",
    "An init container (not a sidecar) has probes or lifecycle hooks.",
    why="A plain init container runs to completion before the app starts: probes and hooks cannot apply, and the "
    "apiserver rejects them.",
    example='initContainers:\n  - name: migrate\n    readinessProbe:\n      exec: {command: ["true"]}',
    fix="Remove them, or make it a sidecar with `restartPolicy: Always`.",
)
def init_container_lifecycle(container: Container) -> Iterator[Problem]:
    if not container.is_init or container.is_sidecar:
        return
    for field in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
        if container.body.get(field) is not None:
            yield Problem(
                container.at(field),
                forbidden("may not be set for init containers without restartPolicy=Always"),
                f"Remove {field}, or add restartPolicy: Always to make it a sidecar.",
            )
