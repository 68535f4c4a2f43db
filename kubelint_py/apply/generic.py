"""Rules driven by tables: enumerated values, non-negative numbers, and quantity syntax everywhere.

The schemas carry no enums and no minimums for built-in kinds, so a misspelt `protocol: tcp` or a
`replicas: -1` pass schema validation and fail only on the server. Quantity fields are found from the
schemas themselves: every property whose type is resource.Quantity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

from kubelint_py import schemas
from kubelint_py.apply import quantity
from kubelint_py.apply.formats import go_value, invalid, is_int, unsupported
from kubelint_py.apply.rule import ERROR, Container, Obj, Pod, rule, walk
from kubelint_py.model import Problem

_PROTOCOLS = ("SCTP", "TCP", "UDP")
_PROFILE_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
_HANDLERS = ("postStart", "preStop")
_DIRECTIONS = ("scaleUp", "scaleDown")

# (pattern, supported values): patterns start at the container, the pod spec, or the object's root.
CONTAINER_ENUMS: list[tuple[tuple, tuple[str, ...]]] = [
    (("imagePullPolicy",), ("Always", "IfNotPresent", "Never")),
    (("terminationMessagePolicy",), ("File", "FallbackToLogsOnError")),
    (("ports", "*", "protocol"), _PROTOCOLS),
    (("securityContext", "procMount"), ("Default", "Unmasked")),
    (("securityContext", "seccompProfile", "type"), _PROFILE_TYPES),
    (("securityContext", "appArmorProfile", "type"), _PROFILE_TYPES),
    (("volumeMounts", "*", "mountPropagation"), ("Bidirectional", "HostToContainer", "None")),
    (("volumeMounts", "*", "recursiveReadOnly"), ("Disabled", "Enabled", "IfPossible")),
    (("resizePolicy", "*", "resourceName"), ("cpu", "memory")),
    (("resizePolicy", "*", "restartPolicy"), ("NotRequired", "RestartContainer")),
    *(
        ((probe, "httpGet", "scheme"), ("HTTP", "HTTPS"))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe")
    ),
    *((("lifecycle", hook, "httpGet", "scheme"), ("HTTP", "HTTPS")) for hook in _HANDLERS),
]
POD_ENUMS: list[tuple[tuple, tuple[str, ...]]] = [
    (("restartPolicy",), ("Always", "OnFailure", "Never")),
    (("dnsPolicy",), ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")),
    (("preemptionPolicy",), ("Never", "PreemptLowerPriority")),
    (("os", "name"), ("linux", "windows")),
    (("tolerations", "*", "operator"), ("Equal", "Exists")),
    (("tolerations", "*", "effect"), ("NoExecute", "NoSchedule", "PreferNoSchedule")),
    (("topologySpreadConstraints", "*", "whenUnsatisfiable"), ("DoNotSchedule", "ScheduleAnyway")),
    (("topologySpreadConstraints", "*", "nodeAffinityPolicy"), ("Honor", "Ignore")),
    (("topologySpreadConstraints", "*", "nodeTaintsPolicy"), ("Honor", "Ignore")),
    (("securityContext", "seccompProfile", "type"), _PROFILE_TYPES),
    (("securityContext", "appArmorProfile", "type"), _PROFILE_TYPES),
    (("securityContext", "fsGroupChangePolicy"), ("Always", "OnRootMismatch")),
    (
        ("volumes", "*", "hostPath", "type"),
        ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"),
    ),
]
_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
_VOLUME_MODES = ("Block", "Filesystem")
_WEBHOOK_ENUMS = [
    (("webhooks", "*", "failurePolicy"), ("Fail", "Ignore")),
    (("webhooks", "*", "matchPolicy"), ("Equivalent", "Exact")),
    (("webhooks", "*", "sideEffects"), ("None", "NoneOnDryRun")),
    (("webhooks", "*", "rules", "*", "operations", "*"), ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")),
    (("webhooks", "*", "rules", "*", "scope"), ("*", "Cluster", "Namespaced")),
]
KIND_ENUMS: dict[str, list[tuple[tuple, tuple[str, ...]]]] = {
    "Service": [
        (("spec", "type"), ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")),
        (("spec", "sessionAffinity"), ("ClientIP", "None")),
        (("spec", "externalTrafficPolicy"), ("Cluster", "Local")),
        (("spec", "internalTrafficPolicy"), ("Cluster", "Local")),
        (("spec", "ipFamilyPolicy"), ("PreferDualStack", "RequireDualStack", "SingleStack")),
        (("spec", "ipFamilies", "*"), ("IPv4", "IPv6")),
        (("spec", "ports", "*", "protocol"), _PROTOCOLS),
    ],
    "Deployment": [(("spec", "strategy", "type"), ("Recreate", "RollingUpdate"))],
    "DaemonSet": [(("spec", "updateStrategy", "type"), ("OnDelete", "RollingUpdate"))],
    "StatefulSet": [
        (("spec", "updateStrategy", "type"), ("OnDelete", "RollingUpdate")),
        (("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"), ("Delete", "Retain")),
        (("spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"), ("Delete", "Retain")),
    ],
    "Job": [
        (("spec", "completionMode"), ("Indexed", "NonIndexed")),
        (("spec", "podReplacementPolicy"), ("Failed", "TerminatingOrFailed")),
        (("spec", "podFailurePolicy", "rules", "*", "action"), ("Count", "FailIndex", "FailJob", "Ignore")),
    ],
    "CronJob": [
        (("spec", "concurrencyPolicy"), ("Allow", "Forbid", "Replace")),
        (("spec", "jobTemplate", "spec", "completionMode"), ("Indexed", "NonIndexed")),
    ],
    "PersistentVolumeClaim": [
        (("spec", "accessModes", "*"), _ACCESS_MODES),
        (("spec", "volumeMode"), _VOLUME_MODES),
    ],
    "PersistentVolume": [
        (("spec", "accessModes", "*"), _ACCESS_MODES),
        (("spec", "volumeMode"), _VOLUME_MODES),
        (("spec", "persistentVolumeReclaimPolicy"), ("Delete", "Recycle", "Retain")),
    ],
    "StorageClass": [
        (("reclaimPolicy",), ("Delete", "Retain")),
        (("volumeBindingMode",), ("Immediate", "WaitForFirstConsumer")),
    ],
    "PriorityClass": [(("preemptionPolicy",), ("Never", "PreemptLowerPriority"))],
    "Ingress": [
        (
            ("spec", "rules", "*", "http", "paths", "*", "pathType"),
            ("Exact", "ImplementationSpecific", "Prefix"),
        )
    ],
    "NetworkPolicy": [
        (("spec", "policyTypes", "*"), ("Egress", "Ingress")),
        (("spec", "ingress", "*", "ports", "*", "protocol"), _PROTOCOLS),
        (("spec", "egress", "*", "ports", "*", "protocol"), _PROTOCOLS),
    ],
    "PodDisruptionBudget": [(("spec", "unhealthyPodEvictionPolicy"), ("AlwaysAllow", "IfHealthyBudget"))],
    "HorizontalPodAutoscaler": [
        (("spec", "metrics", "*", "type"), ("ContainerResource", "External", "Object", "Pods", "Resource")),
        *(
            (("spec", "behavior", direction, "selectPolicy"), ("Disabled", "Max", "Min"))
            for direction in _DIRECTIONS
        ),
        *(
            (("spec", "behavior", direction, "policies", "*", "type"), ("Percent", "Pods"))
            for direction in _DIRECTIONS
        ),
    ],
    "MutatingWebhookConfiguration": _WEBHOOK_ENUMS
    + [(("webhooks", "*", "reinvocationPolicy"), ("IfNeeded", "Never"))],
    "ValidatingWebhookConfiguration": _WEBHOOK_ENUMS,
}


def _enum_problems(body: dict, table: list, prefix: tuple = ()) -> Iterator[Problem]:
    for pattern, allowed in table:
        for path, value in walk(body, pattern):
            # An empty value is defaulted before validation; other types are the schema's concern.
            if isinstance(value, str) and value and value not in allowed:
                yield Problem(prefix + path, unsupported(value, allowed), _enum_fix(value, allowed))


def _enum_fix(value: str, allowed: tuple[str, ...]) -> str:
    by_case = {option.lower(): option for option in allowed}
    from difflib import get_close_matches
    close = by_case.get(value.lower()) or next(
        iter(get_close_matches(value, allowed, n=1, cutoff=0.6)), None
    )
    choices = ", ".join(option for option in allowed if option)
    return f"Use {close!r} (values are case-sensitive)." if close else f"Use one of: {choices}."


@rule(
    "apply/unsupported-value",
    ERROR,
    ("container", "pod", "object"),
    "values",
    "A field that takes one of a fixed set of values has another: `protocol: tcp`, `imagePullPolicy: always`, "
    "`type: Loadbalancer`.",
    why="The bundled schemas carry no enums for built-in kinds, so a misspelt value passes schema validation; the "
    "apiserver rejects it with `Unsupported value`. Values are case-sensitive.",
    example="ports:\n  - containerPort: 8080\n    protocol: tcp",
    fix="Use one of the values the message lists, spelt exactly.",
)
def unsupported_value(subject: Container | Pod | Obj) -> Iterator[Problem]:
    if isinstance(subject, Container):
        yield from _enum_problems(subject.body, CONTAINER_ENUMS, subject.path)
    elif isinstance(subject, Pod):
        yield from _enum_problems(subject.spec, POD_ENUMS, subject.path)
    elif subject.built_in and subject.kind in KIND_ENUMS:
        yield from _enum_problems(subject.body, KIND_ENUMS[subject.kind])


_PROBE_FIELDS = (
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
)
CONTAINER_NON_NEGATIVE = [
    (probe, field) for probe in ("livenessProbe", "readinessProbe", "startupProbe") for field in _PROBE_FIELDS
]
KIND_NON_NEGATIVE: dict[str, list[tuple]] = {
    "Deployment": [
        ("spec", "replicas"),
        ("spec", "minReadySeconds"),
        ("spec", "revisionHistoryLimit"),
        ("spec", "progressDeadlineSeconds"),
    ],
    "ReplicaSet": [("spec", "replicas"), ("spec", "minReadySeconds")],
    "ReplicationController": [("spec", "replicas"), ("spec", "minReadySeconds")],
    "DaemonSet": [("spec", "minReadySeconds"), ("spec", "revisionHistoryLimit")],
    "StatefulSet": [
        ("spec", "replicas"),
        ("spec", "minReadySeconds"),
        ("spec", "revisionHistoryLimit"),
        ("spec", "updateStrategy", "rollingUpdate", "partition"),
    ],
    "CronJob": [
        ("spec", "startingDeadlineSeconds"),
        ("spec", "successfulJobsHistoryLimit"),
        ("spec", "failedJobsHistoryLimit"),
    ],
}
JOB_NON_NEGATIVE = [
    ("parallelism",),
    ("completions",),
    ("activeDeadlineSeconds",),
    ("backoffLimit",),
    ("ttlSecondsAfterFinished",),
    ("backoffLimitPerIndex",),
    ("maxFailedIndexes",),
]


def negative(value: Any) -> bool:
    return is_int(value) and value < 0


def _negative_problems(body: dict, fields: list[tuple], prefix: tuple = ()) -> Iterator[Problem]:
    for path in fields:
        for found, value in walk(body, path):
            if negative(value):
                yield Problem(
                    prefix + found,
                    invalid(value, "must be greater than or equal to 0"),
                    f"Use 0 or a positive number; remove {found[-1]} to get the default.",
                )


@rule(
    "apply/negative-value",
    ERROR,
    ("container", "object"),
    "values",
    "A count or duration that must not be negative is: replicas, revisionHistoryLimit, probe periods, Job "
    "backoffLimit, CronJob history limits, ...",
    why="The schemas only say 'integer'; the apiserver rejects negative values with `must be greater than or equal "
    "to 0`.",
    example="spec:\n  replicas: -1",
    fix="Use 0 or a positive number.",
)
def negative_value(subject: Container | Obj) -> Iterator[Problem]:
    if isinstance(subject, Container):
        yield from _negative_problems(subject.body, CONTAINER_NON_NEGATIVE, subject.path)
    elif subject.built_in:
        yield from _negative_problems(subject.body, KIND_NON_NEGATIVE.get(subject.kind, []))
        if subject.kind == "Job":
            yield from _negative_problems(subject.spec, JOB_NON_NEGATIVE, ("spec",))
        elif subject.kind == "CronJob":
            job = subject.spec.get("jobTemplate")
            spec = job.get("spec") if isinstance(job, dict) else None
            if isinstance(spec, dict):
                yield from _negative_problems(spec, JOB_NON_NEGATIVE, ("spec", "jobTemplate", "spec"))


# --- quantities --------------------------------------------------------------------------------------

_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_LEAF = "quantity"


@lru_cache(maxsize=None)
def quantity_paths(version: str, api_version: str, kind: str) -> dict | None:
    """A trie of the paths where a kind holds quantities ("[]": any list item, "{}": any map value), from its schema."""
    bundle = schemas.bundle(version)
    name = bundle["kinds"].get(api_version, {}).get(kind)
    return _definition_trie(bundle["$defs"], name, {}) if name else None


def _definition_trie(definitions: dict, name: str, memo: dict) -> Any:
    if name == _QUANTITY:
        return _LEAF
    if name not in memo:
        memo[name] = None  # recursive definitions (JSONSchemaProps) hold no quantities
        memo[name] = _schema_trie(definitions, definitions.get(name, {}), memo)
    return memo[name]


def _schema_trie(definitions: dict, schema: Any, memo: dict) -> Any:
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return _definition_trie(definitions, schema["$ref"].rsplit("/", 1)[-1], memo)
    trie: dict = {}
    for key, sub in schema.get("properties", {}).items():
        if (found := _schema_trie(definitions, sub, memo)) is not None:
            trie[key] = found
    for key, marker in (("items", "[]"), ("additionalProperties", "{}")):
        if (found := _schema_trie(definitions, schema.get(key), memo)) is not None:
            trie[marker] = found
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, ()):
            if (found := _schema_trie(definitions, sub, memo)) is not None:
                return found if found == _LEAF else {**trie, **found}
    return trie or None


def quantities(body: Any, trie: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every quantity in an object, following the trie."""
    if trie == _LEAF:
        if body is not None:
            yield path, body
        return
    for key, sub in trie.items():
        if key == "[]" or key == "{}":
            pairs = (
                enumerate(body)
                if key == "[]" and isinstance(body, list)
                else body.items()
                if key == "{}" and isinstance(body, dict)
                else ()
            )
            for child_key, child in pairs:
                yield from quantities(child, sub, path + (child_key,))
        elif isinstance(body, dict) and key in body:
            yield from quantities(body[key], sub, path + (key,))


@rule(
    "apply/invalid-quantity",
    ERROR,
    "object",
    "resources",
    "A resource quantity that the apiserver cannot parse: `500mi`, `2GB`, `1 Gi`, `1K`, anywhere a quantity goes "
    "(container resources, PVC storage, emptyDir sizeLimit, ResourceQuota, LimitRange, HPA targets, ...).",
    why="Quantities are case-sensitive: `Mi` is mebibytes, `m` is thousandths, `M` is megabytes, and `mi`, `GB` or "
    "`K` are nothing. The apiserver refuses the whole request when it decodes the body (`unable to parse "
    "quantity's suffix`), and schema validators accept any string.",
    example="resources:\n  limits:\n    memory: 500mi",
    fix="Use a valid suffix: Ki Mi Gi Ti (powers of 1024), k M G T (powers of 1000), m (1/1000).",
)
def invalid_quantity(obj: Obj) -> Iterator[Problem]:
    if not obj.built_in:
        return
    trie = quantity_paths(obj.context.version, obj.api_version, obj.kind)
    if trie is None:
        return
    for path, value in quantities(obj.body, trie):
        try:
            quantity.parse(value)
        except quantity.QuantityError as error:
            suggestion = quantity.suggest(value)
            fix = (
                f"Write {suggestion!r}."
                if suggestion
                else "Write a number with an optional suffix: Ki Mi Gi Ti, k M G T, or m, e.g. 512Mi or 250m."
            )
            yield Problem(path, f"Invalid value: {go_value(value)}: {error}", fix)
