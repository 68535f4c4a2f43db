"""Image references as the kubelet parses them before any pull: what it calls InvalidImageName.

The grammar and error texts are those of the reference parser the kubelet uses
(github.com/distribution/reference, formerly github.com/docker/distribution/reference; Apache-2.0):
`ParseNormalizedNamed` splits off the registry, insists on a lower-case repository, then matches the
whole reference and checks the digest.
"""

from __future__ import annotations

import re

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_NAME = rf"(?:{_HOST}(?::[0-9]+)?/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
_HEX_ID = re.compile(r"^[a-f0-9]{64}$")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
NAME_MAX = 255
# Kubernetes moved to github.com/distribution/reference in 1.30, which names the repository in the
# lower-case error.
_NAMED_LOWERCASE_ERROR_SINCE = 30


def parse_error(image: str, minor: int) -> str | None:
    """The kubelet's message for an image it cannot parse (status InvalidImageName), or None."""
    error = _normalized_named_error(image, minor)
    if error is None:
        return None
    return f'Failed to apply default image tag "{image}": couldn\'t parse image reference "{image}": {error}'


def _normalized_named_error(image: str, minor: int) -> str | None:
    if _HEX_ID.match(image):
        return f"invalid repository name ({image}), cannot specify 64-byte hexadecimal strings"
    domain, remainder = _split_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        if minor >= _NAMED_LOWERCASE_ERROR_SINCE:
            return f"invalid reference format: repository name ({remote}) must be lowercase"
        return "invalid reference format: repository name must be lowercase"
    return _parse_error(f"{domain}/{remainder}")


def _split_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: the first component is a registry when it looks like a host."""
    first, slash, rest = name.partition("/")
    if not slash or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        domain, remainder = "docker.io", name
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    return domain, remainder


def _parse_error(reference: str) -> str | None:
    match = _REFERENCE.match(reference)
    if match is None:
        if reference == "":
            return "repository name must have at least one component"
        if _REFERENCE.match(reference.lower()):
            return "repository name must be lowercase"
        return "invalid reference format"
    if len(match[1]) > NAME_MAX:
        return f"repository name must not be more than {NAME_MAX} characters"
    if match[3]:
        algorithm, _, hex_part = match[3].partition(":")
        if algorithm not in _DIGEST_LENGTHS:
            return "unsupported digest algorithm"
        if len(hex_part) != _DIGEST_LENGTHS[algorithm]:
            return "invalid checksum digest length"
        if hex_part.lower() != hex_part:
            return "invalid checksum digest format"
    return None


def names(image: str) -> set[str]:
    """The names a node lists an image under in status.images: as written, and fully qualified."""
    domain, remainder = _split_domain(image)
    name, _, digest = remainder.partition("@")
    if ":" not in name.rsplit("/", 1)[-1] and not digest:
        name += ":latest"
    full = f"{domain}/{name}" + (f"@{digest}" if digest else "")
    return {image, full}
