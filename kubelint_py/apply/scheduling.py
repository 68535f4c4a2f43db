"""Scheduling constraints of a pod spec (CORE ValidatePodSpec): nodeSelector, topology spread
constraints, node and pod affinity, tolerations."""

from __future__ import annotations

from typing import Any, Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import duplicate, forbidden, invalid, is_int, required
from kubelint_py.apply.rule import ERROR, Pod, items, mapping, rule
from kubelint_py.model import Problem


@rule(
    "apply/invalid-node-selector",
    ERROR,
    "pod",
    "pods",
    "A nodeSelector key or value is not a valid label key or value.",
    why="nodeSelector matches node labels, so it follows the label syntax; the apiserver rejects other keys and values.",
    example="nodeSelector:\n  disk type: ssd",
    fix="Use a label key like `disktype` or `node.kubernetes.io/instance-type`.",
)
def invalid_node_selector(pod: Pod) -> Iterator[Problem]:
    for key, value in mapping(pod.spec.get("nodeSelector")).items():
        if messages := formats.is_qualified_name(str(key)):
            yield Problem(pod.at("nodeSelector", key), invalid(key, *messages), "Use the node label's key.")
        elif isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(
                pod.at("nodeSelector", key), invalid(value, *messages), "Use the node label's value."
            )


@rule(
    "apply/topology-spread-constraint",
    ERROR,
    "pod",
    "pods",
    "A topologySpreadConstraint with maxSkew below 1, no topologyKey, minDomains with ScheduleAnyway, or the same "
    "topologyKey and whenUnsatisfiable twice.",
    why="The apiserver rejects the pod.",
    example="topologySpreadConstraints:\n  - maxSkew: 0\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: DoNotSchedule",
    fix="Use maxSkew ≥ 1, a topologyKey, and one constraint per key and mode.",
)
def topology_spread_constraint(pod: Pod) -> Iterator[Problem]:
    constraints = items(pod.spec.get("topologySpreadConstraints"))
    seen: set[tuple] = set()
    for index, constraint in enumerate(constraints):
        if not isinstance(constraint, dict):
            continue
        at = pod.at("topologySpreadConstraints", index)
        skew, key, mode = (
            constraint.get("maxSkew"),
            constraint.get("topologyKey"),
            constraint.get("whenUnsatisfiable"),
        )
        if is_int(skew) and skew <= 0:
            yield Problem(
                at + ("maxSkew",), invalid(skew, "must be greater than zero"), "Use maxSkew: 1 or more."
            )
        if key == "":
            yield Problem(
                at + ("topologyKey",),
                required("can not be empty"),
                "Use a node label, e.g. topology.kubernetes.io/zone or kubernetes.io/hostname.",
            )
        elif isinstance(key, str) and (messages := formats.is_qualified_name(key)):
            yield Problem(at + ("topologyKey",), invalid(key, *messages), "Use a node label key.")
        min_domains = constraint.get("minDomains")
        if is_int(min_domains) and min_domains < 1:
            yield Problem(
                at + ("minDomains",),
                invalid(min_domains, "must be greater than 0"),
                "Use 1 or more, or remove it.",
            )
        elif min_domains is not None and mode == "ScheduleAnyway":
            yield Problem(
                at + ("minDomains",),
                invalid(
                    min_domains,
                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                ),
                "Remove minDomains, or use whenUnsatisfiable: DoNotSchedule.",
            )
        pair = (str(key), str(mode))
        if pair in seen:
            yield Problem(
                at,
                duplicate(f"{key}, {mode}"),
                "Merge the constraints: one per topologyKey and whenUnsatisfiable.",
            )
        seen.add(pair)


def _node_requirement(requirement: Any, at: tuple) -> Iterator[Problem]:
    if not isinstance(requirement, dict):
        return
    operator, values = requirement.get("operator"), requirement.get("values")
    count = len(values) if isinstance(values, list) else 0
    if operator in ("In", "NotIn") and count == 0:
        yield Problem(
            at + ("values",),
            required("must be specified when `operator` is 'In' or 'NotIn'"),
            "Add the label values to match.",
        )
    elif operator in ("Exists", "DoesNotExist") and count:
        yield Problem(
            at + ("values",),
            forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
            "Remove values, or use operator In.",
        )
    elif operator in ("Gt", "Lt") and count != 1:
        yield Problem(
            at + ("values",),
            required("must be specified single value when `operator` is 'Lt' or 'Gt'"),
            "Give exactly one integer value.",
        )
    elif isinstance(operator, str) and operator not in ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"):
        yield Problem(
            at + ("operator",),
            invalid(operator, "not a valid selector operator"),
            "Use In, NotIn, Exists, DoesNotExist, Gt or Lt.",
        )
    key = requirement.get("key")
    if isinstance(key, str) and (messages := formats.is_qualified_name(key)):
        yield Problem(at + ("key",), invalid(key, *messages), "Use a node label key.")


def _node_term(term: Any, at: tuple) -> Iterator[Problem]:
    term = mapping(term)
    for index, requirement in enumerate(items(term.get("matchExpressions"))):
        yield from _node_requirement(requirement, at + ("matchExpressions", index))
    for index, requirement in enumerate(items(term.get("matchFields"))):
        requirement = mapping(requirement)
        where = at + ("matchFields", index)
        if requirement.get("key") not in (None, "metadata.name"):
            yield Problem(
                where + ("key",),
                invalid(requirement["key"], "not a valid field selector key"),
                "matchFields supports only metadata.name.",
            )
        if requirement.get("operator") in ("In", "NotIn") and len(items(requirement.get("values"))) != 1:
            yield Problem(
                where + ("values",),
                required("must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
                "Give exactly one node name.",
            )


def _weight(term: Any, at: tuple) -> Iterator[Problem]:
    weight = mapping(term).get("weight")
    if is_int(weight) and not 1 <= weight <= 100:
        yield Problem(
            at + ("weight",), invalid(weight, "must be in the range 1-100"), "Use a weight from 1 to 100."
        )


@rule(
    "apply/node-affinity",
    ERROR,
    "pod",
    "pods",
    "Node affinity that the apiserver rejects: no nodeSelectorTerms, In/NotIn without values, Exists with values, "
    "Gt/Lt without exactly one value, an unknown operator, a weight outside 1-100.",
    why="The pod is rejected; schema validation cannot see how operator and values belong together.",
    example="nodeSelectorTerms:\n  - matchExpressions:\n      - key: disktype\n        operator: In",
    fix="Give In/NotIn a list of values, Exists/DoesNotExist none, Gt/Lt exactly one.",
)
def node_affinity(pod: Pod) -> Iterator[Problem]:
    affinity = mapping(mapping(pod.spec.get("affinity")).get("nodeAffinity"))
    at = pod.at("affinity", "nodeAffinity")
    required_terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if isinstance(required_terms, dict):
        terms = required_terms.get("nodeSelectorTerms")
        where = at + ("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
        if terms == [] or (terms is None and "nodeSelectorTerms" not in required_terms):
            yield Problem(
                where,
                required("must have at least one node selector term"),
                "Add a nodeSelectorTerm, or remove requiredDuringSchedulingIgnoredDuringExecution.",
            )
        for index, term in enumerate(items(terms)):
            yield from _node_term(term, where + (index,))
    for index, preferred in enumerate(items(affinity.get("preferredDuringSchedulingIgnoredDuringExecution"))):
        where = at + ("preferredDuringSchedulingIgnoredDuringExecution", index)
        yield from _weight(preferred, where)
        yield from _node_term(mapping(preferred).get("preference"), where + ("preference",))


def _affinity_term(term: Any, at: tuple) -> Iterator[Problem]:
    term = mapping(term)
    key = term.get("topologyKey")
    if key == "":  # a missing one is schema/required
        yield Problem(
            at + ("topologyKey",),
            required("can not be empty"),
            "Add topologyKey, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone.",
        )
    elif isinstance(key, str) and (messages := formats.is_qualified_name(key)):
        yield Problem(at + ("topologyKey",), invalid(key, *messages), "Use a node label key.")
    for index, namespace in enumerate(items(term.get("namespaces"))):
        if isinstance(namespace, str) and (messages := formats.is_dns1123_label(namespace)):
            yield Problem(
                at + ("namespaces", index), invalid(namespace, *messages), "Use a namespace's name."
            )


@rule(
    "apply/pod-affinity",
    ERROR,
    "pod",
    "pods",
    "A podAffinity or podAntiAffinity term without topologyKey, with an invalid one, or with a weight outside 1-100.",
    why="The apiserver rejects the pod: 'near other pods' means nothing without the node label that defines near.",
    example="podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    - labelSelector:\n        matchLabels: {app: web}",
    fix="Add topologyKey: kubernetes.io/hostname (per node) or topology.kubernetes.io/zone (per zone).",
)
def pod_affinity(pod: Pod) -> Iterator[Problem]:
    affinity = mapping(pod.spec.get("affinity"))
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = mapping(affinity.get(kind))
        at = pod.at("affinity", kind)
        for index, term in enumerate(items(terms.get("requiredDuringSchedulingIgnoredDuringExecution"))):
            yield from _affinity_term(term, at + ("requiredDuringSchedulingIgnoredDuringExecution", index))
        for index, weighted in enumerate(items(terms.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            where = at + ("preferredDuringSchedulingIgnoredDuringExecution", index)
            yield from _weight(weighted, where)
            yield from _affinity_term(mapping(weighted).get("podAffinityTerm"), where + ("podAffinityTerm",))


@rule(
    "apply/toleration",
    ERROR,
    "pod",
    "pods",
    "A toleration the apiserver rejects: no key without `operator: Exists`, a value with Exists, tolerationSeconds "
    "without `effect: NoExecute`, or a value that is not a label value.",
    why="An empty key means 'every taint', which only makes sense with Exists; tolerationSeconds only applies to "
    "eviction (NoExecute).",
    example="tolerations:\n  - effect: NoSchedule",
    fix="Add a key, or use `operator: Exists` to tolerate every taint.",
)
def toleration(pod: Pod) -> Iterator[Problem]:
    for index, item in enumerate(items(pod.spec.get("tolerations"))):
        if not isinstance(item, dict):
            continue
        at = pod.at("tolerations", index)
        key, operator, value = item.get("key") or "", item.get("operator") or "", item.get("value") or ""
        if isinstance(key, str) and key and (messages := formats.is_qualified_name(key)):
            yield Problem(at + ("key",), invalid(key, *messages), "Use the taint's key.")
        if not key and operator != "Exists":
            yield Problem(
                at + ("operator",),
                invalid(
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all values and all keys"',
                ),
                "Add the taint's key, or set operator: Exists to tolerate every taint.",
            )
        if item.get("tolerationSeconds") is not None and item.get("effect") != "NoExecute":
            yield Problem(
                at + ("effect",),
                invalid(
                    item.get("effect") or "", "effect must be 'NoExecute' when `tolerationSeconds` is set"
                ),
                "Set effect: NoExecute, or remove tolerationSeconds.",
            )
        if operator == "Exists" and value:
            yield Problem(
                at + ("operator",),
                invalid(value, "value must be empty when `operator` is 'Exists'"),
                "Remove value, or use operator: Equal.",
            )
        elif (
            operator in ("", "Equal")
            and isinstance(value, str)
            and (messages := formats.is_label_value(value))
        ):
            yield Problem(at + ("operator",), invalid(value, ";".join(messages)), "Use the taint's value.")
