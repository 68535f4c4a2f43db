"""Deployments, ReplicaSets, ReplicationControllers, DaemonSets and StatefulSets (APPS, CORE
ValidateReplicationControllerSpec), and label selectors wherever they appear (METAV1)."""

from __future__ import annotations

import json
from typing import Any, Iterator

from kubelint_py.apply import defaults, formats, naming
from kubelint_py.apply.formats import PERCENT_MSG, forbidden, go_value, invalid, is_int, required, unsupported
from kubelint_py.apply.rule import ERROR, WARNING, Obj, Pod, items, mapping, rule, text, walk
from kubelint_py.model import Problem

SELECTOR_KINDS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")
ALWAYS_RESTARTING = ("Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet")
SERVICE_NAME_VALIDATED_SINCE = 33

# --- label selectors ---------------------------------------------------------------------------------

# Where objects hold metav1.LabelSelectors, from the object's root ("*": any list item).
_OBJECT_SELECTORS: dict[str, list[tuple]] = {
    **{kind: [("spec", "selector")] for kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job",
                                                  "PodDisruptionBudget", "PersistentVolumeClaim")},
    "NetworkPolicy": [("spec", "podSelector")] + [
        ("spec", direction, "*", peers, "*", selector)
        for direction, peers in (("ingress", "from"), ("egress", "to"))
        for selector in ("podSelector", "namespaceSelector")
    ],
    "MutatingWebhookConfiguration": [("webhooks", "*", "namespaceSelector"), ("webhooks", "*", "objectSelector")],
    "ValidatingWebhookConfiguration": [("webhooks", "*", "namespaceSelector"), ("webhooks", "*", "objectSelector")],
}
# ...and from the pod spec.
_POD_SELECTORS: list[tuple] = [
    ("affinity", kind, "requiredDuringSchedulingIgnoredDuringExecution", "*", selector)
    for kind in ("podAffinity", "podAntiAffinity") for selector in ("labelSelector", "namespaceSelector")
] + [
    ("affinity", kind, "preferredDuringSchedulingIgnoredDuringExecution", "*", "podAffinityTerm", selector)
    for kind in ("podAffinity", "podAntiAffinity") for selector in ("labelSelector", "namespaceSelector")
] + [("topologySpreadConstraints", "*", "labelSelector")]
# Selectors that are plain label maps.
_MAP_SELECTORS = {"Service": ("spec", "selector"), "ReplicationController": ("spec", "selector")}


def _selector_problems(selector: Any, at: tuple) -> Iterator[Problem]:
    selector = mapping(selector)
    yield from _label_map_problems(mapping(selector.get("matchLabels")), at + ("matchLabels",))
    for index, requirement in enumerate(items(selector.get("matchExpressions"))):
        yield from _requirement_problems(mapping(requirement), at + ("matchExpressions", index))


def _label_map_problems(labels: dict, at: tuple) -> Iterator[Problem]:
    for key, value in labels.items():
        if isinstance(key, str) and (messages := formats.is_qualified_name(key)):
            yield Problem(at + (key,), invalid(key, *messages), "Use a valid label key, the same as in the pods' labels.")
        elif isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(at + (key,), invalid(value, *messages), "Use a valid label value, the same as in the pods' labels.")


def _requirement_problems(requirement: dict, at: tuple) -> Iterator[Problem]:
    operator, values = requirement.get("operator"), requirement.get("values")
    count = len(values) if isinstance(values, list) else 0
    if operator in ("In", "NotIn") and count == 0:
        yield Problem(at + ("values",), required("must be specified when `operator` is 'In' or 'NotIn'"),
                      "Add the values to match.")
    elif operator in ("Exists", "DoesNotExist") and count:
        yield Problem(at + ("values",), forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
                      "Remove values, or use operator In.")
    elif isinstance(operator, str) and operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
        yield Problem(at + ("operator",), invalid(operator, "not a valid selector operator"),
                      "Use In, NotIn, Exists or DoesNotExist.")
    key = requirement.get("key")
    if isinstance(key, str) and (messages := formats.is_qualified_name(key)):
        yield Problem(at + ("key",), invalid(key, *messages), "Use a valid label key.")
    for index, value in enumerate(values if isinstance(values, list) else []):
        if isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(at + ("values", index), invalid(value, *messages), "Use a valid label value.")


@rule("apply/invalid-label-selector", ERROR, ("object", "pod"), "selectors",
      "A label selector with an invalid key or value, an unknown operator, In/NotIn without values, or "
      "Exists/DoesNotExist with values (workload and PDB selectors, NetworkPolicy peers, affinity terms, Service "
      "selectors, ...).",
      why="The apiserver rejects the object; a selector that cannot be valid could never select anything either.",
      example="selector:\n  matchExpressions:\n    - key: tier\n      operator: In", fix="Give In/NotIn a list of values; Exists/DoesNotExist none.")
def invalid_label_selector(subject: Obj | Pod) -> Iterator[Problem]:
    if isinstance(subject, Pod):
        for pattern in _POD_SELECTORS:
            for path, selector in walk(subject.spec, pattern):
                yield from _selector_problems(selector, subject.path + path)
        return
    if not subject.built_in:
        return
    for pattern in _OBJECT_SELECTORS.get(subject.kind, ()):
        for path, selector in walk(subject.body, pattern):
            yield from _selector_problems(selector, path)
    if subject.kind in _MAP_SELECTORS:
        path = _MAP_SELECTORS[subject.kind]
        yield from _label_map_problems(mapping(mapping(subject.spec).get(path[-1])), path)


def matches(selector: Any, labels: dict) -> bool:
    """Does a metav1.LabelSelector (or a plain label map) select these labels?"""
    selector = mapping(selector)
    match_labels = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    for key, value in mapping(match_labels).items():
        if labels.get(key) != value:
            return False
    for requirement in items(selector.get("matchExpressions")):
        requirement = mapping(requirement)
        key, operator, values = requirement.get("key"), requirement.get("operator"), items(requirement.get("values"))
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _template_labels(obj: Obj) -> tuple[tuple, dict]:
    path = ("spec", "template", "metadata", "labels")
    return path, mapping(mapping(mapping(obj.spec.get("template")).get("metadata")).get("labels"))


@rule("apply/empty-selector", ERROR, SELECTOR_KINDS, "selectors",
      "A Deployment, ReplicaSet, DaemonSet or StatefulSet with `selector: {}`.",
      why="An empty selector would select every pod in the namespace; the apiserver rejects it (`empty selector is "
          "invalid for deployment`).",
      example="spec:\n  selector: {}", fix="Select the template's labels: selector: {matchLabels: {app: web}}.")
def empty_selector(obj: Obj) -> Iterator[Problem]:
    selector = obj.spec.get("selector")
    if isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        name = {"ReplicaSet": "deployment"}.get(obj.kind, obj.kind.lower())
        _, labels = _template_labels(obj)
        example = json.dumps({"matchLabels": labels}) if labels else '{"matchLabels": {"app": "NAME"}}'
        yield Problem(("spec", "selector"), invalid(selector, f"empty selector is invalid for {name}"),
                      f"Select the pod template's labels: selector: {example}.")


@rule("apply/selector-mismatch", ERROR, SELECTOR_KINDS + ("ReplicationController", "Job"), "selectors",
      "The selector of a Deployment, ReplicaSet, DaemonSet, StatefulSet, ReplicationController or manual-selector Job "
      "does not match its pod template's labels.",
      why="The controller could never find the pods it creates; the apiserver rejects the object: `selector does not "
          "match template labels`.",
      example="spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: frontend}",
      fix="Make the template's labels include everything the selector requires.")
def selector_mismatch(obj: Obj) -> Iterator[Problem]:
    selector = obj.spec.get("selector")
    if obj.kind == "Job" and obj.spec.get("manualSelector") is not True:
        return  # the server generates the selector (apply/job-selector reports a hand-written one)
    if not isinstance(selector, dict) or not selector:
        return
    if obj.kind != "ReplicationController" and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return
    if next(_selector_problems(selector, ()), None) is not None:
        return  # an invalid selector cannot be compared (apply/invalid-label-selector)
    path, labels = _template_labels(obj)
    if "template" in obj.spec and not matches(selector, labels):
        wanted = mapping(selector.get("matchLabels")) if obj.kind != "ReplicationController" else selector
        missing = {k: v for k, v in wanted.items() if labels.get(k) != v}
        fix = (f"Add {json.dumps(missing)} to spec.template.metadata.labels, or change the selector." if missing else
               "Make the template's labels satisfy the selector's matchExpressions.")
        yield Problem(path if labels else path[:-1], invalid(labels, "`selector` does not match template `labels`"), fix)


@rule("apply/workload-restart-policy", ERROR, ALWAYS_RESTARTING, "workloads",
      "A Deployment, ReplicaSet, ReplicationController, DaemonSet or StatefulSet template with restartPolicy other "
      "than Always.",
      why="These controllers keep pods running: a pod that stops is replaced, so only Always makes sense; the apiserver "
          "rejects other values (`Unsupported value: \"OnFailure\": supported values: \"Always\"`).",
      example="template:\n  spec:\n    restartPolicy: OnFailure", fix="Remove restartPolicy, or use a Job for run-to-completion work.")
def workload_restart_policy(obj: Obj) -> Iterator[Problem]:
    policy = mapping(mapping(obj.spec.get("template")).get("spec")).get("restartPolicy")
    if isinstance(policy, str) and policy and policy != "Always":
        yield Problem(("spec", "template", "spec", "restartPolicy"), unsupported(policy, ("Always",)),
                      "Remove restartPolicy (it defaults to Always); use a Job for work that finishes.")


@rule("apply/active-deadline-in-controller", ERROR, ALWAYS_RESTARTING, "workloads",
      "A Deployment, ReplicaSet, ReplicationController, DaemonSet or StatefulSet template sets activeDeadlineSeconds.",
      why="A deadline would kill long-running pods that the controller then recreates; the apiserver forbids it.",
      example="template:\n  spec:\n    activeDeadlineSeconds: 3600", fix="Remove it; use a Job for work with a deadline.")
def active_deadline_in_controller(obj: Obj) -> Iterator[Problem]:
    if mapping(mapping(obj.spec.get("template")).get("spec")).get("activeDeadlineSeconds") is not None:
        name = "ReplicaSet" if obj.kind == "Deployment" else obj.kind
        yield Problem(("spec", "template", "spec", "activeDeadlineSeconds"),
                      forbidden(f"activeDeadlineSeconds in {name} is not Supported"), "Remove activeDeadlineSeconds.")


def _percent_or_int(value: Any) -> int | None:
    """The number of an int-or-percent ("25%" → 25, 3 → 3), None when it is neither."""
    if is_int(value):
        return value
    if isinstance(value, str):
        number = value[:-1] if value.endswith("%") else value
        return int(number) if number.isdigit() else None
    return None


def _int_or_percent_problems(value: Any, at: tuple, at_most_100: bool) -> Iterator[Problem]:
    if isinstance(value, str) and not formats.is_percent(value):
        fix = f"Write {value}% or the number {value} without quotes." if value.isdigit() else "Use a number or a percentage such as 25%."
        yield Problem(at, invalid(value, PERCENT_MSG), fix)
    elif is_int(value) and value < 0:
        yield Problem(at, invalid(value, "must be greater than or equal to 0"), "Use 0 or more.")
    elif at_most_100 and isinstance(value, str) and _percent_or_int(value) is not None and _percent_or_int(value) > 100:
        yield Problem(at, invalid(value, "must not be greater than 100%"), "Use at most 100%.")


_ROLLING = {"Deployment": ("spec", "strategy", "rollingUpdate"), "DaemonSet": ("spec", "updateStrategy", "rollingUpdate"),
            "StatefulSet": ("spec", "updateStrategy", "rollingUpdate")}


@rule("apply/invalid-int-or-percent", ERROR, ("Deployment", "DaemonSet", "StatefulSet", "PodDisruptionBudget"), "workloads",
      "maxSurge, maxUnavailable or minAvailable given as a string that is not a percentage (\"25\"), as a negative "
      "number, or as more than 100%.",
      why="These fields take a number of pods or a percentage; a quoted number without '%' is neither, and the "
          "apiserver rejects it.",
      example="rollingUpdate:\n  maxUnavailable: \"1\"", fix="Write 1 (a number) or \"25%\" (a percentage).")
def invalid_int_or_percent(obj: Obj) -> Iterator[Problem]:
    if obj.kind == "PodDisruptionBudget":
        for field in ("minAvailable", "maxUnavailable"):
            if field in obj.spec:
                yield from _int_or_percent_problems(obj.spec[field], ("spec", field), True)
        return
    path = _ROLLING[obj.kind]
    rolling = mapping(mapping(obj.spec.get(path[1])).get("rollingUpdate"))
    for field in ("maxSurge", "maxUnavailable"):
        if field in rolling:
            limited = field == "maxUnavailable" or obj.kind == "DaemonSet"
            yield from _int_or_percent_problems(rolling[field], path + (field,), limited)


@rule("apply/rolling-update-zero", ERROR, ("Deployment", "DaemonSet"), "workloads",
      "A rolling update that can make no progress (maxSurge and maxUnavailable both 0), or a DaemonSet that sets both "
      "(maxUnavailable defaults to 1, so `maxSurge: 1` alone is rejected).",
      why="A Deployment needs room to surge or to remove a pod; a DaemonSet takes exactly one of the two. The apiserver "
          "checks this after defaulting (Deployment 25%/25%, DaemonSet maxUnavailable 1, maxSurge 0).",
      example="kind: DaemonSet\nspec:\n  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1",
      fix="Deployment: allow maxSurge or maxUnavailable above 0. DaemonSet: with maxSurge, set maxUnavailable: 0.")
def rolling_update_zero(obj: Obj) -> Iterator[Problem]:
    values = defaults.rolling_update(obj.kind, obj.spec)
    if values is None:
        return
    surge, unavailable = (_percent_or_int(value) or 0 for value in values)
    path = _ROLLING[obj.kind]
    if obj.kind == "Deployment" and surge == 0 and unavailable == 0:
        yield Problem(path + ("maxUnavailable",), invalid(values[1], "may not be 0 when `maxSurge` is 0"),
                      "Let the rollout surge (maxSurge: 1) or remove a pod at a time (maxUnavailable: 1).")
    elif obj.kind == "DaemonSet" and surge and unavailable:
        explicit = "maxUnavailable" in mapping(mapping(obj.spec.get("updateStrategy")).get("rollingUpdate"))
        yield Problem(path + ("maxSurge",), invalid(values[0], "may not be set when maxUnavailable is non-zero"),
                      "Set maxUnavailable: 0 next to maxSurge" + ("" if explicit else " (it defaults to 1)") + ".")
    elif obj.kind == "DaemonSet" and not surge and not unavailable:
        yield Problem(path + ("maxUnavailable",), required("cannot be 0 when maxSurge is 0"),
                      "Set maxUnavailable: 1 or maxSurge: 1.")


@rule("apply/rolling-update-with-other-strategy", ERROR, ("Deployment", "StatefulSet"), "workloads",
      "rollingUpdate parameters with `type: Recreate` (Deployment) or `type: OnDelete` (StatefulSet).",
      why="The parameters only apply to rolling updates; the apiserver rejects the contradiction.",
      example="strategy:\n  type: Recreate\n  rollingUpdate:\n    maxSurge: 1", fix="Remove rollingUpdate, or use type: RollingUpdate.")
def rolling_update_with_other_strategy(obj: Obj) -> Iterator[Problem]:
    field = "strategy" if obj.kind == "Deployment" else "updateStrategy"
    strategy = mapping(obj.spec.get(field))
    kind = strategy.get("type")
    if kind in ("Recreate", "OnDelete") and strategy.get("rollingUpdate") is not None:
        detail = ("may not be specified when strategy `type` is 'Recreate'" if obj.kind == "Deployment" else
                  "only allowed for updateStrategy 'RollingUpdate'")
        yield Problem(("spec", field, "rollingUpdate"), forbidden(detail), "Remove rollingUpdate, or use type: RollingUpdate.")


@rule("apply/progress-deadline", ERROR, "Deployment", "workloads",
      "A Deployment whose progressDeadlineSeconds is not greater than minReadySeconds.",
      why="A rollout could never make progress before its deadline; the apiserver rejects it.",
      example="spec:\n  minReadySeconds: 600\n  progressDeadlineSeconds: 300", fix="Make progressDeadlineSeconds larger than minReadySeconds.")
def progress_deadline(obj: Obj) -> Iterator[Problem]:
    deadline = obj.spec.get("progressDeadlineSeconds", defaults.PROGRESS_DEADLINE_SECONDS)
    ready = obj.spec.get("minReadySeconds", 0)
    if is_int(deadline) and is_int(ready) and deadline <= ready:
        where = "progressDeadlineSeconds" if "progressDeadlineSeconds" in obj.spec else "minReadySeconds"
        yield Problem(("spec", where), invalid(deadline, "must be greater than minReadySeconds"),
                      f"Set progressDeadlineSeconds above {ready} (it defaults to 600).")


@rule("apply/pod-management-policy", ERROR, "StatefulSet", "workloads", "A StatefulSet podManagementPolicy other than OrderedReady or Parallel.",
      why="The apiserver rejects it.", example="spec:\n  podManagementPolicy: parallel", fix="Use OrderedReady or Parallel.")
def pod_management_policy(obj: Obj) -> Iterator[Problem]:
    policy = obj.spec.get("podManagementPolicy")
    if isinstance(policy, str) and policy and policy not in ("OrderedReady", "Parallel"):
        close = {"orderedready": "OrderedReady", "parallel": "Parallel"}.get(policy.lower())
        yield Problem(("spec", "podManagementPolicy"), invalid(policy, "must be 'OrderedReady' or 'Parallel'"),
                      f"Write {close!r}." if close else "Use OrderedReady or Parallel.")


@rule("apply/statefulset-service-name", ERROR, "StatefulSet", "workloads",
      "A StatefulSet serviceName that is not a DNS-1123 label, so no governing Service can have it.",
      why="The pods' DNS names come from the governing Service. Since 1.33 the apiserver rejects an invalid name; "
          "before, it was accepted and the pods got no DNS names.",
      example="spec:\n  serviceName: DB_Headless", fix="Use the name of the headless Service, e.g. db-headless.")
def statefulset_service_name(obj: Obj) -> Iterator[Problem]:
    name = text(obj.spec.get("serviceName"))
    if name and (messages := formats.is_dns1123_label(name)):
        late = obj.minor < SERVICE_NAME_VALIDATED_SINCE
        message = invalid(name, *messages) + (" (accepted before Kubernetes 1.33, but no Service can have this name)"
                                              if late else "")
        yield Problem(("spec", "serviceName"), message, f"Use the headless Service's name, e.g. "
                      f"{formats.suggest_dns_label(name)!r}.", severity=WARNING if late else None)


@rule("apply/statefulset-name-too-long", WARNING, "StatefulSet", "workloads",
      "A StatefulSet name longer than 52 characters.",
      why="Its pods carry the label controller-revision-hash: <name>-<10-character hash>, and label values stop at 63 "
          "characters: the apiserver accepts the StatefulSet, but the controller fails to create any pod.",
      example="metadata:\n  name: analytics-clickhouse-replicated-shard-primary-storage-tier",
      fix="Shorten the name to 52 characters or fewer.")
def statefulset_name_too_long(obj: Obj) -> Iterator[Problem]:
    limit = naming.LABEL_VALUE_LIMIT - naming.REVISION_HASH_LENGTH - 1
    # Names that are no DNS label at all are apply/invalid-name's.
    if obj.name and len(obj.name) > limit and not formats.is_dns1123_label(obj.name):
        yield Problem(("metadata", "name"), f"name has {len(obj.name)} characters: the pods' label "
                      f"controller-revision-hash {go_value(naming.controller_revision_name(obj.name, 'x' * naming.REVISION_HASH_LENGTH))} "
                      "would exceed 63 characters, so the controller cannot create pods",
                      f"Shorten the name to {limit} characters or fewer.")


@rule("apply/template-labels-required", ERROR, ("ReplicationController",), "selectors",
      "A ReplicationController whose template has no labels and no selector.",
      why="The selector defaults to the template's labels; with neither, the apiserver rejects the controller.",
      example="kind: ReplicationController\nspec:\n  template:\n    metadata: {}", fix="Label the template, e.g. labels: {app: web}.")
def template_labels_required(obj: Obj) -> Iterator[Problem]:
    _, labels = _template_labels(obj)
    if "template" in obj.spec and not labels and not obj.spec.get("selector"):
        yield Problem(("spec", "selector"), required(), "Add labels to spec.template.metadata.labels (the selector defaults to them).")
