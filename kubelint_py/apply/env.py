"""Environment variables (CORE ValidateEnv, ValidateEnvFrom, validateObjectFieldSelector)."""

from __future__ import annotations

import re
from typing import Iterator

from kubelint_py.apply import formats, quantity
from kubelint_py.apply.formats import forbidden, invalid, required, unsupported
from kubelint_py.apply.rule import ERROR, WARNING, Container, items, mapping, rule, text
from kubelint_py.model import Problem

RELAXED_ENV_NAMES_SINCE = 32
_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
FILE_KEY_REF_SINCE = 34  # EnvFiles: env values read from a file in a volume
FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")
RESOURCE_FIELDS = (
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
)
_CPU_DIVISORS = ("1m", "1")
_BYTE_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei")


def _env(container: Container) -> Iterator[tuple[tuple, dict]]:
    for index, variable in enumerate(items(container.body.get("env"))):
        if isinstance(variable, dict):
            yield container.at("env", index), variable


@rule(
    "apply/invalid-env-name",
    ERROR,
    "container",
    "env",
    "An environment variable name (or envFrom prefix) the target Kubernetes version rejects: empty, or before 1.32 "
    "anything but letters, digits, '_', '-' and '.' not starting with a digit; from 1.32 '=' or non-printable "
    "characters.",
    why="The apiserver rejects the pod. Kubernetes 1.32 relaxed the rule (RelaxedEnvironmentVariableValidation), so a "
    "manifest valid on 1.32 can fail on an older cluster.",
    example='env:\n  - name: 1ST_RUN\n    value: "yes"',
    fix="Start with a letter or '_' and use letters, digits, '_', '-' and '.'.",
)
def invalid_env_name(container: Container) -> Iterator[Problem]:
    minor = container.pod.obj.minor
    for at, variable in _env(container):
        name = variable.get("name")
        if name == "":
            yield Problem(at + ("name",), required(), "Name the variable.")
        elif isinstance(name, str) and (messages := formats.is_env_var_name(name, minor)):
            yield Problem(at + ("name",), invalid(name, *messages), _env_fix(name, minor))
    for index, source in enumerate(items(container.body.get("envFrom"))):
        prefix = text(mapping(source).get("prefix"))
        if prefix and (messages := formats.is_env_var_name(prefix, minor)):
            yield Problem(
                container.at("envFrom", index, "prefix"), invalid(prefix, *messages), _env_fix(prefix, minor)
            )


def _env_fix(name: str, minor: int) -> str:
    if minor >= RELAXED_ENV_NAMES_SINCE:
        return "Remove '=' and non-printable characters from the name."
    suggestion = re.sub(r"[^-._a-zA-Z0-9]", "_", name)
    suggestion = "_" + suggestion if suggestion[:1].isdigit() else suggestion
    return f"Use e.g. {suggestion!r} (names like this are accepted from Kubernetes 1.32 on)."


@rule(
    "apply/env-value-source",
    ERROR,
    "container",
    "env",
    "An env entry with both value and valueFrom, or a valueFrom with no source or with more than one.",
    why="The apiserver rejects it: a variable takes one value from one place.",
    example="env:\n  - name: PASSWORD\n    value: changeme\n    valueFrom:\n      secretKeyRef: {name: db, key: password}",
    fix="Keep value or valueFrom; give valueFrom exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef.",
)
def env_value_source(container: Container) -> Iterator[Problem]:
    sources = _SOURCES + (("fileKeyRef",) if container.pod.obj.minor >= FILE_KEY_REF_SINCE else ())
    for at, variable in _env(container):
        value_from = variable.get("valueFrom")
        if not isinstance(value_from, dict):
            continue
        if variable.get("value"):
            yield Problem(
                at + ("valueFrom",),
                invalid("", "may not be specified when `value` is not empty"),
                "Remove value, or valueFrom.",
            )
        present = [name for name in sources if value_from.get(name) is not None]
        if not present:
            yield Problem(
                at + ("valueFrom",),
                invalid(
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                ),
                "Add a source, e.g. secretKeyRef: {name: app, key: password}.",
            )
        elif len(present) > 1:
            yield Problem(
                at + ("valueFrom", present[1]),
                invalid("", "may not have more than one field specified at a time"),
                f"Keep only {present[0]}; define another variable for the other source.",
            )


@rule(
    "apply/invalid-field-ref",
    ERROR,
    "container",
    "env",
    "An env fieldRef.fieldPath that the downward API does not offer.",
    why="The apiserver rejects the pod. Labels and annotations need a key: metadata.labels['app'].",
    example="valueFrom:\n  fieldRef:\n    fieldPath: status.podIp",
    fix="Use one of the supported paths the message lists (case-sensitive).",
)
def invalid_field_ref(container: Container) -> Iterator[Problem]:
    for at, variable in _env(container):
        ref = mapping(mapping(variable.get("valueFrom")).get("fieldRef"))
        path = text(ref.get("fieldPath"))
        where = at + ("valueFrom", "fieldRef", "fieldPath")
        if path is None or path in FIELD_PATHS:
            continue
        subscript = _SUBSCRIPT.match(path)
        if subscript:
            if messages := formats.is_qualified_name(subscript.group(2).lower()):
                yield Problem(
                    where, invalid(subscript.group(2), *messages), "Use the label's or annotation's key."
                )
            continue
        by_case = {option.lower(): option for option in FIELD_PATHS}
        close = by_case.get(path.lower())
        yield Problem(
            where,
            unsupported(path, FIELD_PATHS),
            f"Write {close!r}."
            if close
            else "Use a supported path, or metadata.labels['key'] / metadata.annotations['key'].",
        )


@rule(
    "apply/invalid-resource-field-ref",
    ERROR,
    "container",
    "env",
    "An env resourceFieldRef naming an unsupported resource, or with a divisor the resource does not allow.",
    why="The apiserver rejects the pod. CPU divisors are 1 or 1m; byte divisors 1, 1k..1E or 1Ki..1Ei.",
    example="valueFrom:\n  resourceFieldRef:\n    resource: limits.gpu",
    fix="Use limits.cpu, limits.memory, requests.cpu, ...",
)
def invalid_resource_field_ref(container: Container) -> Iterator[Problem]:
    for at, variable in _env(container):
        ref = mapping(mapping(variable.get("valueFrom")).get("resourceFieldRef"))
        resource = text(ref.get("resource"))
        where = at + ("valueFrom", "resourceFieldRef")
        if not resource:
            continue
        if resource not in RESOURCE_FIELDS and not resource.split(".", 1)[-1].startswith("hugepages-"):
            yield Problem(
                where + ("resource",),
                unsupported(resource, RESOURCE_FIELDS),
                "Use one of the listed resources.",
            )
            continue
        divisor = ref.get("divisor")
        parsed = quantity.parse_or_none(divisor) if divisor is not None else None
        if parsed is None:
            continue
        allowed = _CPU_DIVISORS if resource.endswith(".cpu") else _BYTE_DIVISORS
        if parsed not in {quantity.parse(option) for option in allowed}:
            name = "cpu" if resource.endswith(".cpu") else resource.split(".", 1)[-1]
            yield Problem(
                where + ("divisor",),
                invalid(
                    str(divisor),
                    f"only divisor's values {', '.join(allowed)} are supported with the {name} resource",
                ),
                f"Use one of {', '.join(allowed)}.",
            )


@rule(
    "apply/invalid-key-ref",
    ERROR,
    "container",
    "env",
    "An env configMapKeyRef or secretKeyRef without a name or key, or with a key that cannot exist.",
    why="ConfigMap and Secret keys are letters, digits, '-', '_' and '.'; the apiserver rejects other references.",
    example="valueFrom:\n  secretKeyRef:\n    name: db\n    key: db/password",
    fix="Use the key exactly as it appears in the ConfigMap or Secret data.",
)
def invalid_key_ref(container: Container) -> Iterator[Problem]:
    for at, variable in _env(container):
        value_from = mapping(variable.get("valueFrom"))
        for kind in ("configMapKeyRef", "secretKeyRef"):
            ref = value_from.get(kind)
            if not isinstance(ref, dict):
                continue
            where = at + ("valueFrom", kind)
            name, key = ref.get("name"), ref.get("key")
            if not name:
                yield Problem(where + ("name",), required(), f"Name the {kind[:-6]}.")
            elif isinstance(name, str) and (messages := formats.is_dns1123_subdomain(name)):
                yield Problem(where + ("name",), invalid(name, *messages), "Use the object's real name.")
            if key == "":
                yield Problem(where + ("key",), required(), "Name the key to read.")
            elif isinstance(key, str) and (messages := formats.is_config_key(key)):
                yield Problem(
                    where + ("key",), invalid(key, *messages), "Use the key as it appears in the data."
                )


@rule(
    "apply/env-from-source",
    ERROR,
    "container",
    "env",
    "An envFrom entry with neither configMapRef nor secretRef, or with both.",
    why="The apiserver rejects it.",
    example="envFrom:\n  - prefix: APP_",
    fix="Add configMapRef or secretRef (one per entry).",
)
def env_from_source(container: Container) -> Iterator[Problem]:
    for index, source in enumerate(items(container.body.get("envFrom"))):
        source = mapping(source)
        at = container.at("envFrom", index)
        present = [name for name in ("configMapRef", "secretRef") if source.get(name) is not None]
        if not present:
            yield Problem(
                at,
                invalid("", "must specify one of: `configMapRef` or `secretRef`"),
                "Add configMapRef: {name: ...} or secretRef: {name: ...}.",
            )
        elif len(present) > 1:
            yield Problem(
                at + ("secretRef",),
                forbidden("may not have more than one field specified at a time"),
                "Split into two envFrom entries.",
            )
        for name in present:
            if not mapping(source.get(name)).get("name"):
                yield Problem(at + (name, "name"), required(), f"Name the {name[:-3]}.")


@rule(
    "apply/duplicate-env",
    WARNING,
    "container",
    "env",
    "A container defines the same environment variable twice.",
    why="The last one wins in the container, but `kubectl apply` merges env by name: the earlier value can be "
    "dropped or resurrected on later applies. The apiserver warns: `hides previous definition`.",
    example="env:\n  - {name: LOG_LEVEL, value: info}\n  - {name: LOG_LEVEL, value: debug}",
    fix="Keep one definition.",
)
def duplicate_env(container: Container) -> Iterator[Problem]:
    seen: set[str] = set()
    for at, variable in _env(container):
        name = text(variable.get("name"))
        if name:
            if name in seen:
                yield Problem(
                    at,
                    f"hides previous definition of {formats.go_value(name)}, which may be dropped when using apply",
                    "Remove one of the two definitions.",
                )
            seen.add(name)
