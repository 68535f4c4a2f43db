"""ConfigMaps and Secrets (CORE ValidateConfigMap, ValidateSecret; base64 decoding of Secret.data)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import invalid, required
from kubelint_py.apply.rule import ERROR, Obj, mapping, rule, text
from kubelint_py.model import Problem

MAX_SIZE = 1024 * 1024  # core.MaxSecretSize, for ConfigMaps too
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
# Secret types and the keys they require: (keys, all required?)
_TYPED_KEYS = {
    "kubernetes.io/tls": (("tls.crt", "tls.key"), True),
    "kubernetes.io/dockerconfigjson": ((".dockerconfigjson",), True),
    "kubernetes.io/dockercfg": ((".dockercfg",), True),
    "kubernetes.io/basic-auth": (("username", "password"), False),
    "kubernetes.io/ssh-auth": (("ssh-privatekey",), True),
}
SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"


def base64_error(value: str) -> int | None:
    """The offset Go's strict base64 decoder reports as illegal, or None for valid data (newlines are skipped)."""
    stripped = value.replace("\r", "").replace("\n", "")
    if _BASE64.match(stripped) and len(stripped) % 4 == 0:
        return None
    for index, char in enumerate(value):
        if char not in "\r\n" and not (char.isascii() and (char.isalnum() or char in "+/=")):
            return index
    if len(stripped) % 4:  # an incomplete last group of 4: Go reports where it starts
        return len(value) - len(value) % 4
    return max(value.find("="), 0)  # padding in the middle


def secret_data(obj: Obj) -> dict[str, Any]:
    """The keys the apiserver validates: data, with stringData merged in."""
    return {**mapping(obj.body.get("data")), **mapping(obj.body.get("stringData"))}


def _decoded(obj: Obj, key: str) -> bytes | None:
    string_data = mapping(obj.body.get("stringData"))
    if isinstance(string_data.get(key), str):
        return string_data[key].encode()
    value = mapping(obj.body.get("data")).get(key)
    if isinstance(value, str) and base64_error(value) is None:
        return base64.b64decode(value.replace("\n", "").replace("\r", ""))
    return None


@rule(
    "apply/invalid-config-key",
    ERROR,
    ("ConfigMap", "Secret"),
    "config",
    "A ConfigMap or Secret key with characters other than letters, digits, '-', '_' and '.' (a '/' most often), or "
    "`.`/`..`.",
    why="Keys become file names in volumes and must be portable; the apiserver rejects others.",
    example="data:\n  config/app.yaml: |\n    port: 8080",
    fix="Use a flat key such as app.yaml; choose the file path with items[].path when mounting.",
)
def invalid_config_key(obj: Obj) -> Iterator[Problem]:
    fields = ("data", "binaryData") if obj.kind == "ConfigMap" else ("data", "stringData")
    for field in fields:
        for key in mapping(obj.body.get(field)):
            if isinstance(key, str) and (messages := formats.is_config_key(key)):
                flat = re.sub(r"[^-._a-zA-Z0-9]+", "-", key).strip(".") or "key"
                yield Problem((field, key), invalid(key, *messages), f"Use a key like {flat!r}.")


@rule(
    "apply/configmap-duplicate-key",
    ERROR,
    "ConfigMap",
    "config",
    "A ConfigMap key present in both data and binaryData.",
    why="Both become files or variables of the same name; the apiserver rejects it.",
    example="data:\n  logo.png: ...\nbinaryData:\n  logo.png: iVBORw0KGgo=",
    fix="Keep the key in one of the two.",
)
def configmap_duplicate_key(obj: Obj) -> Iterator[Problem]:
    binary = mapping(obj.body.get("binaryData"))
    for key in mapping(obj.body.get("data")):
        if key in binary:
            yield Problem(
                ("data", key),
                invalid(key, "duplicate of key present in binaryData"),
                "Remove it from data or binaryData.",
            )


def _size(value: Any, encoded: bool) -> int:
    if not isinstance(value, str):
        return 0
    if encoded:
        return len(value.replace("\n", "").replace("\r", "")) * 3 // 4
    return len(value.encode())


@rule(
    "apply/config-too-large",
    ERROR,
    ("ConfigMap", "Secret"),
    "config",
    "A ConfigMap or Secret holding more than 1 MiB of data.",
    why="The apiserver rejects it: objects live in etcd, which is not a blob store.",
    example="data:\n  GeoLite2-City.mmdb: ... 60 MiB ...",
    fix="Put large files in the image, a volume, or object storage.",
)
def config_too_large(obj: Obj) -> Iterator[Problem]:
    if obj.kind == "ConfigMap":
        total = sum(_size(v, False) for v in mapping(obj.body.get("data")).values())
        total += sum(_size(v, True) for v in mapping(obj.body.get("binaryData")).values())
        path: tuple = ("data",) if "data" in obj.body else ()
    else:
        total = sum(_size(v, True) for v in mapping(obj.body.get("data")).values())
        total += sum(_size(v, False) for v in mapping(obj.body.get("stringData")).values())
        path = ("data",)
    if total > MAX_SIZE:
        yield Problem(
            path,
            formats.too_long(MAX_SIZE, obj.minor),
            f"It holds about {total // 1024} KiB: move large data to a volume or object storage, or split it.",
        )


@rule(
    "apply/secret-type-keys",
    ERROR,
    "Secret",
    "config",
    "A typed Secret without the keys its type requires: kubernetes.io/tls needs tls.crt and tls.key, "
    "dockerconfigjson needs .dockerconfigjson, basic-auth username or password, ssh-auth ssh-privatekey, "
    "service-account-token the kubernetes.io/service-account.name annotation.",
    why="The apiserver rejects the Secret (stringData counts: it is merged into data first).",
    example="type: kubernetes.io/tls\ndata:\n  cert.pem: LS0t...",
    fix="Use the key names the type defines, e.g. tls.crt and tls.key.",
)
def secret_type_keys(obj: Obj) -> Iterator[Problem]:
    kind = text(obj.body.get("type"))
    if kind == "kubernetes.io/service-account-token":
        if not mapping(obj.meta.get("annotations")).get(SERVICE_ACCOUNT_NAME):
            yield Problem(
                ("metadata", "annotations", SERVICE_ACCOUNT_NAME),
                required(),
                f"Add the annotation {SERVICE_ACCOUNT_NAME}: <the ServiceAccount's name>.",
            )
        return
    if kind not in _TYPED_KEYS:
        return
    keys, all_required = _TYPED_KEYS[kind]
    data = secret_data(obj)
    missing = [key for key in keys if key not in data]
    if kind == "kubernetes.io/ssh-auth" and not missing and _decoded(obj, "ssh-privatekey") == b"":
        missing = ["ssh-privatekey"]  # this type needs a non-empty key
    if missing and (all_required or len(missing) == len(keys)):
        present = ", ".join(sorted(map(str, data))) or "none"
        # Point at the data the author wrote; the apiserver reports data[key] (stringData is merged into it).
        where = "data" if "data" in obj.body or "stringData" not in obj.body else "stringData"
        for key in missing:
            yield Problem(
                (where, key), required(), f"A {kind} Secret needs the key {key!r} (keys present: {present})."
            )


@rule(
    "apply/invalid-base64",
    ERROR,
    ("Secret", "ConfigMap"),
    "config",
    "A Secret data value (or ConfigMap binaryData value) that is not base64, usually plain text put in data instead "
    "of stringData.",
    why="The apiserver decodes these values before anything else and refuses the whole request: `illegal base64 "
    "data at input byte N`. Schema validators do not check base64.",
    example="kind: Secret\ndata:\n  password: hunter2",
    fix="Put plain text under stringData, or base64-encode it: `echo -n hunter2 | base64`.",
)
def invalid_base64(obj: Obj) -> Iterator[Problem]:
    field = "data" if obj.kind == "Secret" else "binaryData"
    for key, value in mapping(obj.body.get(field)).items():
        if isinstance(value, str) and (offset := base64_error(value)) is not None:
            fix = (
                f"Move {key!r} to stringData (plain text), or encode it with base64."
                if obj.kind == "Secret"
                else "Encode the value with base64, or move it to data if it is text."
            )
            yield Problem((field, key), f"illegal base64 data at input byte {offset}", fix)


@rule(
    "apply/invalid-docker-config",
    ERROR,
    "Secret",
    "config",
    "A kubernetes.io/dockerconfigjson or dockercfg Secret whose config is not a JSON object.",
    why="The apiserver parses it and rejects the Secret; the kubelet could not use it to pull images.",
    example='type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "{auths: {}}"',
    fix="Generate it: kubectl create secret docker-registry NAME --docker-server=... --dry-run=client -o yaml.",
)
def invalid_docker_config(obj: Obj) -> Iterator[Problem]:
    key = {
        "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
        "kubernetes.io/dockercfg": ".dockercfg",
    }.get(text(obj.body.get("type")) or "")
    raw = _decoded(obj, key) if key else None
    if raw is None:
        return
    try:
        parsed = json.loads(raw.decode("utf-8", errors="replace"))
        problem = (
            None
            if isinstance(parsed, dict)
            else (
                f"json: cannot unmarshal {type(parsed).__name__.replace('list', 'array').replace('str', 'string')} into Go "
                "value of type map[string]interface {}"
            )
        )
    except ValueError as error:
        problem = "unexpected end of JSON input" if not raw.strip() else f"invalid JSON: {error}"
    if problem:
        where = "stringData" if key in mapping(obj.body.get("stringData")) else "data"
        yield Problem(
            (where, key),
            invalid("<secret contents redacted>", problem),
            "Generate it with `kubectl create secret docker-registry --dry-run=client -o yaml`.",
        )
