"""The apiserver's primitive formats: names, label keys and values, port names, env names, IPs, paths.

Each `is_*` function returns the apiserver's messages for a bad value (an empty list when it is
good), worded like k8s.io/apimachinery/pkg/util/validation (kubernetes/kubernetes, Apache-2.0).
`message` helpers format a whole field error body: `Invalid value: "x": ...`, `Required value`, ...
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Iterable

# --- field error bodies (k8s.io/apimachinery/pkg/util/validation/field/errors.go) -----------------


def go_value(value: Any) -> str:
    """A value the way the apiserver prints it: strings quoted, numbers and booleans bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def invalid(value: Any, *details: str) -> str:
    return f"Invalid value: {go_value(value)}: {'; '.join(details)}"


def required(detail: str = "") -> str:
    return f"Required value: {detail}" if detail else "Required value"


def unsupported(value: Any, supported: Iterable[str]) -> str:
    return f"Unsupported value: {go_value(value)}: supported values: " + ", ".join(
        f'"{s}"' for s in supported
    )


def duplicate(value: Any) -> str:
    return f"Duplicate value: {go_value(value)}"


def forbidden(detail: str) -> str:
    return f"Forbidden: {detail}"


def not_found(value: Any) -> str:
    return f"Not found: {go_value(value)}"


def too_long(limit: int, minor: int) -> str:
    # The wording changed in Kubernetes 1.32.
    return (
        f"Too long: may not be more than {limit} bytes"
        if minor >= 32
        else f"Too long: must have at most {limit} bytes"
    )


# --- formats (k8s.io/apimachinery/pkg/util/validation/validation.go) ------------------------------


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len(limit: int) -> str:
    return f"must be no more than {limit} characters"


_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_LABEL = re.compile(f"^{_LABEL_FMT}$")
_SUBDOMAIN = re.compile(f"^{_SUBDOMAIN_FMT}$")
_DNS1035 = re.compile(f"^{_DNS1035_FMT}$")

LABEL_MSG = _regex_error(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character",
    _LABEL_FMT,
    "my-name",
    "123-abc",
)
SUBDOMAIN_MSG = _regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character",
    _SUBDOMAIN_FMT,
    "example.com",
)
DNS1035_MSG = _regex_error(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character",
    _DNS1035_FMT,
    "my-name",
    "abc-123",
)


def is_dns1123_label(value: str) -> list[str]:
    errors = [max_len(63)] if len(value) > 63 else []
    if not _LABEL.match(value):
        errors.append("must not contain dots" if _SUBDOMAIN.match(value) else LABEL_MSG)
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    errors = [max_len(253)] if len(value) > 253 else []
    if not _SUBDOMAIN.match(value):
        errors.append(SUBDOMAIN_MSG)
    return errors


def is_dns1035_label(value: str) -> list[str]:
    errors = [max_len(63)] if len(value) > 63 else []
    if not _DNS1035.match(value):
        errors.append(DNS1035_MSG)
    return errors


def is_path_segment(value: str) -> list[str]:
    """RBAC object names: anything usable as one URL path segment."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME = re.compile(f"^{_QNAME_FMT}$")
_QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
_QNAME_REGEX_MSG = _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")


def is_qualified_name(value: str) -> list[str]:
    """Label and annotation keys: an optional DNS subdomain prefix and '/', then a name of ≤63 characters."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [
            "a qualified name "
            + _QNAME_REGEX_MSG
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + message for message in is_dns1123_subdomain(prefix))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + max_len(63))
    if not _QNAME.match(name):
        errors.append("name part " + _QNAME_REGEX_MSG)
    return errors


_LABEL_VALUE_MSG = _regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', "
    "'_' or '.', and must start and end with an alphanumeric character",
    f"({_QNAME_FMT})?",
    "MyValue",
    "my_value",
    "12345",
)


def is_label_value(value: str) -> list[str]:
    errors = [max_len(63)] if len(value) > 63 else []
    if value and not _QNAME.match(value):
        errors.append(_LABEL_VALUE_MSG)
    return errors


_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")


def is_port_name(value: str) -> list[str]:
    """IANA_SVC_NAME: what container port names and named target ports must be."""
    errors = [max_len(15)] if len(value) > 15 else []
    if not _PORT_NAME_CHARS.match(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"


def is_port_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _dot_prefix(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"must not be '{value}'"]
    return ["must not start with '..'"] if value.startswith("..") else []


_ENV_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV = re.compile(f"^{_ENV_FMT}$")
_ENV_MSG = _regex_error(
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "
    "'-', or '.', and must not start with a digit",
    _ENV_FMT,
    "my.env-name",
    "MY_ENV.NAME",
    "MyEnvName1",
)


def is_env_var_name(value: str, minor: int) -> list[str]:
    """Strict names before Kubernetes 1.32; from 1.32 (RelaxedEnvironmentVariableValidation) any printable ASCII but '='."""
    if minor >= 32:
        if all(32 <= ord(ch) <= 126 and ch != "=" for ch in value):
            return []
        return [
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        ]
    return ([] if _ENV.match(value) else [_ENV_MSG]) + _dot_prefix(value)


_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY = re.compile(f"^{_CONFIG_KEY_FMT}$")
_CONFIG_KEY_MSG = _regex_error(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    _CONFIG_KEY_FMT,
    "key.name",
    "KEY_NAME",
    "key-name",
)


def is_config_key(value: str) -> list[str]:
    errors = [max_len(253)] if len(value) > 253 else []
    if not _CONFIG_KEY.match(value):
        errors.append(_CONFIG_KEY_MSG)
    return errors + _dot_prefix(value)


_PERCENT = re.compile(r"^[0-9]+%$")
PERCENT_MSG = _regex_error(
    "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%"
)


def is_percent(value: str) -> bool:
    return bool(_PERCENT.match(value))


_HEADER = re.compile(r"^[-A-Za-z0-9]+$")
HEADER_MSG = _regex_error(
    "a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name"
)


def is_http_header_name(value: str) -> list[str]:
    return [] if _HEADER.match(value) else [HEADER_MSG]


IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def parse_ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def parse_cidr(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR as the apiserver reads it: host bits may be set (10.0.0.1/8 is accepted)."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def is_relative_path(value: str) -> list[str]:
    """Paths inside volumes (items[].path, subPath): relative and without '..' elements."""
    errors = ["must be a relative path"] if value.startswith("/") else []
    if ".." in value.split("/"):
        errors.append("must not contain '..'")
    return errors


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def suggest_dns_label(value: str) -> str:
    """The nearest valid DNS-1123 label, for fixes: 'My_App' → 'my-app'."""
    text = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return text[:63].rstrip("-") or "name"


def suggest_subdomain(value: str) -> str:
    text = re.sub(r"[^a-z0-9.-]+", "-", value.lower()).strip("-.")
    text = re.sub(r"-*\.-*", ".", text)
    return text[:253].rstrip("-.") or "name"
