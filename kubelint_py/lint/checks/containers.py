"""Container rules JSON Schema cannot say: comparing fields with each other, and telling secrets from settings."""

from __future__ import annotations

import re
from typing import Iterator

from kubelint_py.lint.targets import Target
from kubelint_py.model import Problem

def probes_identical(target: Target, params: dict) -> Iterator[Problem]:
    container = target.value
    liveness, readiness = container.get("livenessProbe"), container.get("readinessProbe")
    if isinstance(liveness, dict) and liveness and liveness == readiness:
        yield Problem(("livenessProbe",), f"container {target.container}: the liveness probe is the same as the "
                                          "readiness probe, so a slow pod is restarted instead of taken out of rotation")


# A name is secret-looking when one of its words (split at _ . -) is one of these...
_SECRET_WORDS = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PASSPHRASE"}
_SECRET_PAIRS = {("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY"), ("KEY", "CONTENT")}
# ...unless its last word says it holds something about the secret rather than the secret itself.
_ABOUT_A_SECRET = {"FILE", "PATH", "DIR", "NAME", "NAMES", "URL", "URI", "ENDPOINT", "HOST", "PORT", "ENABLED",
                   "DISABLED", "ENABLE", "TTL", "TIMEOUT", "LENGTH", "SIZE", "ID", "TYPE", "MODE", "HEADER", "FIELD",
                   "PARAM", "REF", "LOCATION", "PREFIX", "SUFFIX", "EXPIRY", "EXPIRATION", "DURATION", "INTERVAL",
                   "ALGORITHM", "ISSUER", "AUDIENCE", "SECONDS", "COUNT", "LIMIT", "KIND", "FORMAT", "VERSION",
                   "REFRESH", "ROTATION", "PERIOD", "MOUNT", "VOLUME", "REQUIRED", "POLICY", "PROVIDER", "SOURCE"}
_ORDINARY_KEYS = {"CACHE", "SORT", "PARTITION", "PRIMARY", "ROUTING", "PUBLIC", "LOOKUP", "HASH", "GROUP"}
_PRIVATE_KEY = re.compile(r"-{3,}\s*BEGIN [A-Z ]*PRIVATE KEY")
_PLACEHOLDER = re.compile(r"^\s*(\$\(|\$\{|\{\{|<)|^(true|false|yes|no|none|null|)$", re.I)


def looks_secret(name: str) -> bool:
    words = [w for w in re.split(r"[_.\-]+", name.upper()) if w]
    if not words:
        return False
    last, pairs = words[-1], set(zip(words, words[1:]))
    if last in _ABOUT_A_SECRET and not (len(words) > 1 and (words[-2], last) in _SECRET_PAIRS):
        return False
    if any(w in _SECRET_WORDS for w in words) or pairs & _SECRET_PAIRS:
        return True
    return last == "KEY" and len(words) > 1 and words[-2] not in _ORDINARY_KEYS


def literal_secret(name: str, value: object) -> bool:
    if not isinstance(value, str):
        return False
    if _PRIVATE_KEY.search(value):
        return True
    return looks_secret(name) and not _PLACEHOLDER.search(value) and not value.startswith(("/", "./"))


def secret_in_env(target: Target, params: dict) -> Iterator[Problem]:
    env = target.value.get("env")
    if not isinstance(env, list):
        return
    for index, variable in enumerate(env):
        if not isinstance(variable, dict) or not isinstance(variable.get("name"), str):
            continue
        name = variable["name"]
        if literal_secret(name, variable.get("value")):
            yield Problem(("env", index, "value"),
                          f"container {target.container}: env {name} holds a literal secret in the manifest",
                          f"Move the value into a Secret and reference it: valueFrom: {{secretKeyRef: {{name: SECRET, "
                          f"key: {name.lower()}}}}}; then rotate it, since it has been committed.")


def sensitive_configmap(target: Target, params: dict) -> Iterator[Problem]:
    data = target.value.get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if literal_secret(key, value):
            yield Problem(("data", key), f"ConfigMap key {key} looks like a credential; ConfigMaps are not secret",
                          "Move it into a Secret (and mount or reference that); then rotate it, since it has been "
                          "committed.")


def image_registry_not_allowed(target: Target, params: dict) -> Iterator[Problem]:
    image = target.value.get("image")
    allowed = params["registries"]
    if not isinstance(image, str) or not allowed:
        return
    if not any(image == prefix or image.startswith(prefix.rstrip("/") + "/") for prefix in allowed):
        yield Problem(("image",), f"container {target.container}: image {image} is not from an allowed registry",
                      f"Use an image from {', '.join(allowed)} (mirror it there if needed).")


def writable_host_mount(target: Target, params: dict) -> Iterator[Problem]:
    volumes = target.pod_spec.get("volumes") if target.pod_spec else None
    host_paths = {}
    for volume in volumes if isinstance(volumes, list) else ():
        if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict) \
                and isinstance(volume.get("name"), str):
            host_paths[volume["name"]] = volume["hostPath"].get("path")
    mounts = target.value.get("volumeMounts")
    for index, mount in enumerate(mounts if isinstance(mounts, list) else ()):
        name = mount.get("name") if isinstance(mount, dict) else None
        if isinstance(name, str) and name in host_paths and mount.get("readOnly") is not True:
            yield Problem(("volumeMounts", index),
                          f"container {target.container} can write to the host's {host_paths[name]}",
                          "Add readOnly: true to the volume mount, unless the container must write to the host.")
