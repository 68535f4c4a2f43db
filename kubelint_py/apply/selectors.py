"""Label selectors wherever they appear (METAV1 ValidateLabelSelector), and the selectors of controllers
against their pod templates (APPS, CORE ValidateReplicationControllerSpec)."""

from __future__ import annotations

import json
from typing import Any, Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import forbidden, invalid, required
from kubelint_py.apply.rule import ERROR, Obj, Pod, items, mapping, rule, walk
from kubelint_py.model import Problem

SELECTOR_KINDS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")

# Where objects hold metav1.LabelSelectors, from the object's root ("*": any list item).
_OBJECT_SELECTORS: dict[str, list[tuple]] = {
    **{
        kind: [("spec", "selector")]
        for kind in (
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
            "PodDisruptionBudget",
            "PersistentVolumeClaim",
        )
    },
    "NetworkPolicy": [("spec", "podSelector")]
    + [
        ("spec", direction, "*", peers, "*", selector)
        for direction, peers in (("ingress", "from"), ("egress", "to"))
        for selector in ("podSelector", "namespaceSelector")
    ],
    "MutatingWebhookConfiguration": [
        ("webhooks", "*", "namespaceSelector"),
        ("webhooks", "*", "objectSelector"),
    ],
    "ValidatingWebhookConfiguration": [
        ("webhooks", "*", "namespaceSelector"),
        ("webhooks", "*", "objectSelector"),
    ],
}
# ...and from the pod spec.
_POD_SELECTORS: list[tuple] = (
    [
        ("affinity", kind, "requiredDuringSchedulingIgnoredDuringExecution", "*", selector)
        for kind in ("podAffinity", "podAntiAffinity")
        for selector in ("labelSelector", "namespaceSelector")
    ]
    + [
        (
            "affinity",
            kind,
            "preferredDuringSchedulingIgnoredDuringExecution",
            "*",
            "podAffinityTerm",
            selector,
        )
        for kind in ("podAffinity", "podAntiAffinity")
        for selector in ("labelSelector", "namespaceSelector")
    ]
    + [("topologySpreadConstraints", "*", "labelSelector")]
)
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
            yield Problem(
                at + (key,),
                invalid(key, *messages),
                "Use a valid label key, the same as in the pods' labels.",
            )
        elif isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(
                at + (key,),
                invalid(value, *messages),
                "Use a valid label value, the same as in the pods' labels.",
            )


def _requirement_problems(requirement: dict, at: tuple) -> Iterator[Problem]:
    operator, values = requirement.get("operator"), requirement.get("values")
    count = len(values) if isinstance(values, list) else 0
    if operator in ("In", "NotIn") and count == 0:
        yield Problem(
            at + ("values",),
            required("must be specified when `operator` is 'In' or 'NotIn'"),
            "Add the values to match.",
        )
    elif operator in ("Exists", "DoesNotExist") and count:
        yield Problem(
            at + ("values",),
            forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
            "Remove values, or use operator In.",
        )
    elif isinstance(operator, str) and operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
        yield Problem(
            at + ("operator",),
            invalid(operator, "not a valid selector operator"),
            "Use In, NotIn, Exists or DoesNotExist.",
        )
    key = requirement.get("key")
    if isinstance(key, str) and (messages := formats.is_qualified_name(key)):
        yield Problem(at + ("key",), invalid(key, *messages), "Use a valid label key.")
    for index, value in enumerate(values if isinstance(values, list) else []):
        if isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(at + ("values", index), invalid(value, *messages), "Use a valid label value.")


@rule(
    "apply/invalid-label-selector",
    ERROR,
    ("object", "pod"),
    "selectors",
    "A label selector with an invalid key or value, an unknown operator, In/NotIn without values, or "
    "Exists/DoesNotExist with values (workload and PDB selectors, NetworkPolicy peers, affinity terms, Service "
    "selectors, ...).",
    why="The apiserver rejects the object; a selector that cannot be valid could never select anything either.",
    example="selector:\n  matchExpressions:\n    - key: tier\n      operator: In",
    fix="Give In/NotIn a list of values; Exists/DoesNotExist none.",
)
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
    match_labels = (
        selector.get("matchLabels")
        if "matchLabels" in selector or "matchExpressions" in selector
        else selector
    )
    for key, value in mapping(match_labels).items():
        if labels.get(key) != value:
            return False
    for requirement in items(selector.get("matchExpressions")):
        requirement = mapping(requirement)
        key, operator, values = (
            requirement.get("key"),
            requirement.get("operator"),
            items(requirement.get("values")),
        )
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


@rule(
    "apply/empty-selector",
    ERROR,
    SELECTOR_KINDS,
    "selectors",
    "A Deployment, ReplicaSet, DaemonSet or StatefulSet with `selector: {}`.",
    why="An empty selector would select every pod in the namespace; the apiserver rejects it (`empty selector is "
    "invalid for deployment`).",
    example="spec:\n  selector: {}",
    fix="Select the template's labels: selector: {matchLabels: {app: web}}.",
)
def empty_selector(obj: Obj) -> Iterator[Problem]:
    selector = obj.spec.get("selector")
    if (
        isinstance(selector, dict)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    ):
        name = {"ReplicaSet": "deployment"}.get(obj.kind, obj.kind.lower())
        _, labels = _template_labels(obj)
        example = json.dumps({"matchLabels": labels}) if labels else '{"matchLabels": {"app": "NAME"}}'
        yield Problem(
            ("spec", "selector"),
            invalid(selector, f"empty selector is invalid for {name}"),
            f"Select the pod template's labels: selector: {example}.",
        )


@rule(
    "apply/selector-mismatch",
    ERROR,
    SELECTOR_KINDS + ("ReplicationController", "Job"),
    "selectors",
    "The selector of a Deployment, ReplicaSet, DaemonSet, StatefulSet, ReplicationController or manual-selector Job "
    "does not match its pod template's labels.",
    why="The controller could never find the pods it creates; the apiserver rejects the object: `selector does not "
    "match template labels`.",
    example="spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: frontend}",
    fix="Make the template's labels include everything the selector requires.",
)
def selector_mismatch(obj: Obj) -> Iterator[Problem]:
    selector = obj.spec.get("selector")
    if obj.kind == "Job" and obj.spec.get("manualSelector") is not True:
        return  # the server generates the selector (apply/job-selector reports a hand-written one)
    if not isinstance(selector, dict) or not selector:
        return
    if (
        obj.kind != "ReplicationController"
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    ):
        return
    if next(_selector_problems(selector, ()), None) is not None:
        return  # an invalid selector cannot be compared (apply/invalid-label-selector)
    path, labels = _template_labels(obj)
    if "template" in obj.spec and not matches(selector, labels):
        wanted = mapping(selector.get("matchLabels")) if obj.kind != "ReplicationController" else selector
        missing = {k: v for k, v in wanted.items() if labels.get(k) != v}
        fix = (
            f"Add {json.dumps(missing)} to spec.template.metadata.labels, or change the selector."
            if missing
            else "Make the template's labels satisfy the selector's matchExpressions."
        )
        yield Problem(
            path if labels else path[:-1], invalid(labels, "`selector` does not match template `labels`"), fix
        )


@rule(
    "apply/template-labels-required",
    ERROR,
    ("ReplicationController",),
    "selectors",
    "A ReplicationController whose template has no labels and no selector.",
    why="The selector defaults to the template's labels; with neither, the apiserver rejects the controller.",
    example="kind: ReplicationController\nspec:\n  template:\n    metadata: {}",
    fix="Label the template, e.g. labels: {app: web}.",
)
def template_labels_required(obj: Obj) -> Iterator[Problem]:
    _, labels = _template_labels(obj)
    if "template" in obj.spec and not labels and not obj.spec.get("selector"):
        yield Problem(
            ("spec", "selector"),
            required(),
            "Add labels to spec.template.metadata.labels (the selector defaults to them).",
        )
