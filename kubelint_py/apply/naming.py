"""How controllers name what they create, and the length limits that follow from it.

From pkg/controller/{deployment,replicaset,statefulset,daemon,job,cronjob} and apiserver's name
generation in kubernetes/kubernetes (Apache-2.0). The hash a Deployment puts in its ReplicaSet's name
is computed over Go's dump of the defaulted template, which cannot be reproduced exactly outside Go:
`pod_template_hash` gives a deterministic stand-in of the same alphabet and length.
"""

from __future__ import annotations

import json
from typing import Any

# k8s.io/apimachinery/pkg/util/rand: no vowels (no words) and no 0, 1, 3 (no look-alikes).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX = 5
MAX_GENERATED_PREFIX = 58  # 63 - 5: generated names stay valid DNS labels
LABEL_VALUE_LIMIT = 63
CRONJOB_NAME_LIMIT = (
    52  # 63 minus "-" and the 8-10 digits of the scheduled time in minutes, rounded down to 52
)
REVISION_HASH_LENGTH = 10


def safe_encode(text: str) -> str:
    """apimachinery's SafeEncodeString: every byte mapped into SAFE_ALPHABET."""
    return "".join(SAFE_ALPHABET[byte % len(SAFE_ALPHABET)] for byte in text.encode())


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def pod_template_hash(template: Any, collision_count: int = 0) -> str:
    """A stand-in for a Deployment's pod-template-hash: stable for equal templates, same alphabet as the real one."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str).encode()
    if collision_count:
        data += collision_count.to_bytes(8, "little")
    return safe_encode(str(fnv32a(data)))


def stand_in_suffix(seed: str, length: int = GENERATED_SUFFIX) -> str:
    """A deterministic stand-in for the random suffix the apiserver appends to a generateName: the
    same alphabet and length, derived from `seed` so that a run always gives the same names."""
    number = fnv32a(seed.encode())
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(SAFE_ALPHABET))
        chars.append(SAFE_ALPHABET[index])
    return "".join(chars)


def generated_name(prefix: str, suffix: str) -> str:
    """The name the apiserver gives an object with generateName: the prefix cut to 58 characters, then 5 random ones."""
    return prefix[:MAX_GENERATED_PREFIX] + suffix[:GENERATED_SUFFIX]


def replica_set_name(deployment: str, template_hash: str) -> str:
    return f"{deployment}-{template_hash}"


def controller_revision_name(owner: str, revision_hash: str) -> str:
    """StatefulSet and DaemonSet revisions; a StatefulSet's pods carry it as label controller-revision-hash."""
    return f"{owner}-{revision_hash}"


def stateful_set_pod_name(stateful_set: str, ordinal: int) -> str:
    return f"{stateful_set}-{ordinal}"


def stateful_set_claim_name(claim_template: str, stateful_set: str, ordinal: int) -> str:
    return f"{claim_template}-{stateful_set}-{ordinal}"


def indexed_job_hostname(job: str, index: int) -> str:
    return f"{job}-{index}"


def cron_job_job_name(cron_job: str, scheduled_minutes: int) -> str:
    """A CronJob's Job for one run: its name and the scheduled time in minutes since the epoch."""
    return f"{cron_job}-{scheduled_minutes}"
