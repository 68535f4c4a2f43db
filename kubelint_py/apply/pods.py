"""Pod spec rules (CORE ValidatePodSpec): containers as a set, DNS, scheduling, security context."""

from __future__ import annotations

import re
from typing import Any, Iterator

from kubelint_py.apply import formats
from kubelint_py.apply.formats import duplicate, forbidden, invalid, is_int, required
from kubelint_py.apply.rule import ERROR, Container, Pod, items, mapping, rule, text
from kubelint_py.model import Problem

# Controllers whose pod template may not set activeDeadlineSeconds (see controllers.py).
_NO_ACTIVE_DEADLINE = frozenset({"Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "StatefulSet"})
MAX_INT32 = 2147483647
MAX_ID = 4294967295


@rule("apply/no-containers", ERROR, "pod", "pods", "A pod spec has an empty list of containers.",
      why="The schema accepts `containers: []`; the apiserver rejects it: a pod needs at least one container.",
      example="spec:\n  containers: []", fix="Add a container with a name and an image.")
def no_containers(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("containers") == []:
        yield Problem(pod.at("containers"), required(), "Add at least one container (name and image).")


@rule("apply/duplicate-container-name", ERROR, "pod", "pods",
      "Two containers of a pod share a name; init, regular and ephemeral containers share one namespace.",
      why="The apiserver rejects the pod (`Duplicate value`); logs, exec and probes address containers by name.",
      example="initContainers:\n  - name: app\ncontainers:\n  - name: app", fix="Give each container a unique name.")
def duplicate_container_name(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    # Regular containers are validated first, so a clash is reported on the init or ephemeral container.
    for lists in (("containers",), ("initContainers",), ("ephemeralContainers",)):
        for path, container in pod.containers(lists):
            name = container.get("name")
            if isinstance(name, str) and name:
                if name in seen:
                    yield Problem(path + ("name",), duplicate(name), f"Rename one of the containers named {name!r}.")
                seen.add(name)


@rule("apply/dns-config", ERROR, "pod", "pods",
      "`dnsPolicy: None` without dnsConfig nameservers, or a dnsConfig the apiserver refuses (more than 3 nameservers, "
      "an address that is no IP, bad search domains).",
      why="With dnsPolicy None the pod gets only what dnsConfig gives; the apiserver rejects a pod that would have "
          "no resolver at all, or an invalid resolv.conf.",
      example="spec:\n  dnsPolicy: None", fix="Add dnsConfig.nameservers (1 to 3 IP addresses), or use dnsPolicy ClusterFirst.")
def dns_config(pod: Pod) -> Iterator[Problem]:
    config = pod.spec.get("dnsConfig")
    if pod.spec.get("dnsPolicy") == "None":
        if not isinstance(config, dict):  # reported at dnsPolicy: there is no dnsConfig line to point at
            yield Problem(pod.at("dnsPolicy"), required("must provide `dnsConfig` when `dnsPolicy` is None"),
                          "Add dnsConfig with nameservers, or use dnsPolicy: ClusterFirst.")
            return
        if not config.get("nameservers"):
            yield Problem(pod.at("dnsConfig", "nameservers"),
                          required("must provide at least one DNS nameserver when `dnsPolicy` is None"),
                          "Add dnsConfig.nameservers, e.g. [10.96.0.10].")
            return
    config = mapping(config)
    nameservers = items(config.get("nameservers"))
    if len(nameservers) > 3:
        yield Problem(pod.at("dnsConfig", "nameservers"), invalid(nameservers, "must not have more than 3 nameservers"),
                      "Keep at most 3 nameservers (the resolver ignores the rest).")
    for index, server in enumerate(nameservers):
        if isinstance(server, str) and formats.parse_ip(server) is None:
            yield Problem(pod.at("dnsConfig", "nameservers", index), invalid(server, formats.IP_MSG),
                          "Use an IP address; names cannot be resolved before there is a resolver.")
    searches = [s for s in items(config.get("searches")) if isinstance(s, str)]
    if len(searches) > 32:
        yield Problem(pod.at("dnsConfig", "searches"), invalid(searches, "must not have more than 32 search paths"),
                      "Keep at most 32 search domains.")
    if len(" ".join(searches)) > 2048:
        yield Problem(pod.at("dnsConfig", "searches"),
                      invalid(searches, "must not have more than 2048 characters (including spaces) in the search list"),
                      "Shorten the search list.")
    for index, search in enumerate(items(config.get("searches"))):
        if isinstance(search, str) and (messages := formats.is_dns1123_subdomain(search.removesuffix("."))):
            yield Problem(pod.at("dnsConfig", "searches", index), invalid(search, *messages), "Use a DNS domain name.")
    for index, option in enumerate(items(config.get("options"))):
        if isinstance(option, dict) and not option.get("name"):
            yield Problem(pod.at("dnsConfig", "options", index), required("Option.Name must not be empty"),
                          "Give the option a name, e.g. {name: ndots, value: \"2\"}.")


@rule("apply/invalid-active-deadline", ERROR, "pod", "pods", "activeDeadlineSeconds of a pod is 0 or negative.",
      why="The apiserver accepts only 1 to 2147483647 seconds.",
      example="spec:\n  activeDeadlineSeconds: 0", fix="Use a positive number of seconds, or remove the field for no deadline.")
def invalid_active_deadline(pod: Pod) -> Iterator[Problem]:
    value = pod.spec.get("activeDeadlineSeconds")
    if pod.obj.kind not in _NO_ACTIVE_DEADLINE and is_int(value) and not 1 <= value <= MAX_INT32:
        yield Problem(pod.at("activeDeadlineSeconds"), invalid(value, f"must be between 1 and {MAX_INT32}, inclusive"),
                      "Use a positive number of seconds, or remove the field for no deadline.")


@rule("apply/invalid-hostname", ERROR, "pod", "pods", "spec.hostname or spec.subdomain is not a DNS-1123 label.",
      why="They become the pod's hostname and DNS name; the apiserver rejects other values.",
      example="spec:\n  hostname: db_primary", fix="Use lower case letters, digits and '-', at most 63 characters.")
def invalid_hostname(pod: Pod) -> Iterator[Problem]:
    for field in ("hostname", "subdomain"):
        value = text(pod.spec.get(field))
        if value and (messages := formats.is_dns1123_label(value)):
            yield Problem(pod.at(field), invalid(value, *messages), f"Use e.g. {formats.suggest_dns_label(value)!r}.")


_REFERENCES = ("serviceAccountName", "serviceAccount", "priorityClassName", "runtimeClassName", "nodeName")


@rule("apply/invalid-reference-name", ERROR, "pod", "pods",
      "A pod names a ServiceAccount, PriorityClass, RuntimeClass or Node with a name no such object could have.",
      why="These names must be DNS subdomains; the apiserver rejects the pod instead of leaving it unschedulable.",
      example="spec:\n  serviceAccountName: Build_Bot", fix="Use the object's real name: lower case, digits, '-' and '.'.")
def invalid_reference_name(pod: Pod) -> Iterator[Problem]:
    for field in _REFERENCES:
        value = text(pod.spec.get(field))
        if value and (messages := formats.is_dns1123_subdomain(value)):
            yield Problem(pod.at(field), invalid(value, *messages),
                          f"Use the object's real name, e.g. {formats.suggest_subdomain(value)!r}.")


@rule("apply/invalid-node-selector", ERROR, "pod", "pods", "A nodeSelector key or value is not a valid label key or value.",
      why="nodeSelector matches node labels, so it follows the label syntax; the apiserver rejects other keys and values.",
      example="nodeSelector:\n  disk type: ssd", fix="Use a label key like `disktype` or `node.kubernetes.io/instance-type`.")
def invalid_node_selector(pod: Pod) -> Iterator[Problem]:
    for key, value in mapping(pod.spec.get("nodeSelector")).items():
        if messages := formats.is_qualified_name(str(key)):
            yield Problem(pod.at("nodeSelector", key), invalid(key, *messages), "Use the node label's key.")
        elif isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(pod.at("nodeSelector", key), invalid(value, *messages), "Use the node label's value.")


@rule("apply/ephemeral-containers", ERROR, "pod", "pods", "A manifest sets ephemeralContainers.",
      why="Ephemeral containers are added to running pods by `kubectl debug` only: a pod cannot be created with them "
          "and a template cannot hold them.",
      example="spec:\n  ephemeralContainers:\n    - name: debug\n      image: busybox", fix="Remove them; use `kubectl debug` on the running pod.")
def ephemeral_containers(pod: Pod) -> Iterator[Problem]:
    if items(pod.spec.get("ephemeralContainers")):
        detail = "ephemeral containers not allowed in pod template" if pod.is_template else "cannot be set on create"
        yield Problem(pod.at("ephemeralContainers"), forbidden(detail), "Remove ephemeralContainers; use `kubectl debug`.")


@rule("apply/topology-spread-constraint", ERROR, "pod", "pods",
      "A topologySpreadConstraint with maxSkew below 1, no topologyKey, minDomains with ScheduleAnyway, or the same "
      "topologyKey and whenUnsatisfiable twice.",
      why="The apiserver rejects the pod.",
      example="topologySpreadConstraints:\n  - maxSkew: 0\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: DoNotSchedule",
      fix="Use maxSkew ≥ 1, a topologyKey, and one constraint per key and mode.")
def topology_spread_constraint(pod: Pod) -> Iterator[Problem]:
    constraints = items(pod.spec.get("topologySpreadConstraints"))
    seen: set[tuple] = set()
    for index, constraint in enumerate(constraints):
        if not isinstance(constraint, dict):
            continue
        at = pod.at("topologySpreadConstraints", index)
        skew, key, mode = constraint.get("maxSkew"), constraint.get("topologyKey"), constraint.get("whenUnsatisfiable")
        if is_int(skew) and skew <= 0:
            yield Problem(at + ("maxSkew",), invalid(skew, "must be greater than zero"), "Use maxSkew: 1 or more.")
        if key == "":
            yield Problem(at + ("topologyKey",), required("can not be empty"),
                          "Use a node label, e.g. topology.kubernetes.io/zone or kubernetes.io/hostname.")
        elif isinstance(key, str) and (messages := formats.is_qualified_name(key)):
            yield Problem(at + ("topologyKey",), invalid(key, *messages), "Use a node label key.")
        min_domains = constraint.get("minDomains")
        if is_int(min_domains) and min_domains < 1:
            yield Problem(at + ("minDomains",), invalid(min_domains, "must be greater than 0"), "Use 1 or more, or remove it.")
        elif min_domains is not None and mode == "ScheduleAnyway":
            yield Problem(at + ("minDomains",), invalid(min_domains, "can only use minDomains if "
                                                        "whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"),
                          "Remove minDomains, or use whenUnsatisfiable: DoNotSchedule.")
        pair = (key, mode)
        if pair in seen:
            yield Problem(at, duplicate(f"{key}, {mode}"), "Merge the constraints: one per topologyKey and whenUnsatisfiable.")
        seen.add(pair)


def _node_requirement(requirement: Any, at: tuple) -> Iterator[Problem]:
    if not isinstance(requirement, dict):
        return
    operator, values = requirement.get("operator"), requirement.get("values")
    count = len(values) if isinstance(values, list) else 0
    if operator in ("In", "NotIn") and count == 0:
        yield Problem(at + ("values",), required("must be specified when `operator` is 'In' or 'NotIn'"),
                      "Add the label values to match.")
    elif operator in ("Exists", "DoesNotExist") and count:
        yield Problem(at + ("values",), forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
                      "Remove values, or use operator In.")
    elif operator in ("Gt", "Lt") and count != 1:
        yield Problem(at + ("values",), required("must be specified single value when `operator` is 'Lt' or 'Gt'"),
                      "Give exactly one integer value.")
    elif isinstance(operator, str) and operator not in ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"):
        yield Problem(at + ("operator",), invalid(operator, "not a valid selector operator"),
                      "Use In, NotIn, Exists, DoesNotExist, Gt or Lt.")
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
            yield Problem(where + ("key",), invalid(requirement["key"], "not a valid field selector key"),
                          "matchFields supports only metadata.name.")
        if requirement.get("operator") in ("In", "NotIn") and len(items(requirement.get("values"))) != 1:
            yield Problem(where + ("values",), required("must be only one value when `operator` is 'In' or 'NotIn' "
                                                        "for node field selector"), "Give exactly one node name.")


def _weight(term: Any, at: tuple) -> Iterator[Problem]:
    weight = mapping(term).get("weight")
    if is_int(weight) and not 1 <= weight <= 100:
        yield Problem(at + ("weight",), invalid(weight, "must be in the range 1-100"), "Use a weight from 1 to 100.")


@rule("apply/node-affinity", ERROR, "pod", "pods",
      "Node affinity that the apiserver rejects: no nodeSelectorTerms, In/NotIn without values, Exists with values, "
      "Gt/Lt without exactly one value, an unknown operator, a weight outside 1-100.",
      why="The pod is rejected; schema validation cannot see how operator and values belong together.",
      example="nodeSelectorTerms:\n  - matchExpressions:\n      - key: disktype\n        operator: In",
      fix="Give In/NotIn a list of values, Exists/DoesNotExist none, Gt/Lt exactly one.")
def node_affinity(pod: Pod) -> Iterator[Problem]:
    affinity = mapping(mapping(pod.spec.get("affinity")).get("nodeAffinity"))
    at = pod.at("affinity", "nodeAffinity")
    required_terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if isinstance(required_terms, dict):
        terms = required_terms.get("nodeSelectorTerms")
        where = at + ("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
        if terms == [] or (terms is None and "nodeSelectorTerms" not in required_terms):
            yield Problem(where, required("must have at least one node selector term"),
                          "Add a nodeSelectorTerm, or remove requiredDuringSchedulingIgnoredDuringExecution.")
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
        yield Problem(at + ("topologyKey",), required("can not be empty"),
                      "Add topologyKey, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone.")
    elif isinstance(key, str) and (messages := formats.is_qualified_name(key)):
        yield Problem(at + ("topologyKey",), invalid(key, *messages), "Use a node label key.")
    for index, namespace in enumerate(items(term.get("namespaces"))):
        if isinstance(namespace, str) and (messages := formats.is_dns1123_label(namespace)):
            yield Problem(at + ("namespaces", index), invalid(namespace, *messages), "Use a namespace's name.")


@rule("apply/pod-affinity", ERROR, "pod", "pods",
      "A podAffinity or podAntiAffinity term without topologyKey, with an invalid one, or with a weight outside 1-100.",
      why="The apiserver rejects the pod: 'near other pods' means nothing without the node label that defines near.",
      example="podAntiAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    - labelSelector:\n        matchLabels: {app: web}",
      fix="Add topologyKey: kubernetes.io/hostname (per node) or topology.kubernetes.io/zone (per zone).")
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


@rule("apply/toleration", ERROR, "pod", "pods",
      "A toleration the apiserver rejects: no key without `operator: Exists`, a value with Exists, tolerationSeconds "
      "without `effect: NoExecute`, or a value that is not a label value.",
      why="An empty key means 'every taint', which only makes sense with Exists; tolerationSeconds only applies to "
          "eviction (NoExecute).",
      example="tolerations:\n  - effect: NoSchedule", fix="Add a key, or use `operator: Exists` to tolerate every taint.")
def toleration(pod: Pod) -> Iterator[Problem]:
    for index, item in enumerate(items(pod.spec.get("tolerations"))):
        if not isinstance(item, dict):
            continue
        at = pod.at("tolerations", index)
        key, operator, value = item.get("key") or "", item.get("operator") or "", item.get("value") or ""
        if isinstance(key, str) and key and (messages := formats.is_qualified_name(key)):
            yield Problem(at + ("key",), invalid(key, *messages), "Use the taint's key.")
        if not key and operator != "Exists":
            yield Problem(at + ("operator",), invalid(operator, 'operator must be Exists when `key` is empty, which '
                                                      'means "match all values and all keys"'),
                          "Add the taint's key, or set operator: Exists to tolerate every taint.")
        if item.get("tolerationSeconds") is not None and item.get("effect") != "NoExecute":
            yield Problem(at + ("effect",), invalid(item.get("effect") or "", "effect must be 'NoExecute' when "
                                                    "`tolerationSeconds` is set"),
                          "Set effect: NoExecute, or remove tolerationSeconds.")
        if operator == "Exists" and value:
            yield Problem(at + ("operator",), invalid(value, "value must be empty when `operator` is 'Exists'"),
                          "Remove value, or use operator: Equal.")
        elif operator in ("", "Equal") and isinstance(value, str) and (messages := formats.is_label_value(value)):
            yield Problem(at + ("operator",), invalid(value, ";".join(messages)), "Use the taint's value.")


_IDS = ("runAsUser", "runAsGroup", "fsGroup")


def _id_problems(context: dict, at: tuple, fields: tuple[str, ...]) -> Iterator[Problem]:
    for field in fields:
        value = context.get(field)
        if is_int(value) and not 0 <= value <= MAX_ID:
            yield Problem(at + (field,), invalid(value, f"must be between 0 and {MAX_ID}, inclusive"),
                          "Use a user or group id from 0 to 4294967295.")


@rule("apply/invalid-id", ERROR, ("pod", "container"), "security",
      "runAsUser, runAsGroup, fsGroup or a supplemental group outside 0 to 4294967295.",
      why="The schema only says int64; the apiserver accepts Unix user and group ids only.",
      example="securityContext:\n  runAsUser: -1", fix="Use a non-negative id, e.g. 10001.")
def invalid_id(subject: Pod | Container) -> Iterator[Problem]:
    if isinstance(subject, Container):
        yield from _id_problems(mapping(subject.body.get("securityContext")), subject.at("securityContext"),
                                ("runAsUser", "runAsGroup"))
        return
    context = mapping(subject.spec.get("securityContext"))
    at = subject.at("securityContext")
    yield from _id_problems(context, at, _IDS)
    for index, group in enumerate(items(context.get("supplementalGroups"))):
        if is_int(group) and not 0 <= group <= MAX_ID:
            yield Problem(at + ("supplementalGroups", index), invalid(group, f"must be between 0 and {MAX_ID}, inclusive"),
                          "Use a group id from 0 to 4294967295.")


@rule("apply/host-pid-share-process-namespace", ERROR, "pod", "security",
      "A pod sets both hostPID and shareProcessNamespace.",
      why="A pod cannot share the host's process namespace and have its own shared one; the apiserver rejects it.",
      example="spec:\n  hostPID: true\n  shareProcessNamespace: true", fix="Keep one of the two (usually neither).")
def host_pid_share_process_namespace(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostPID") is True and pod.spec.get("shareProcessNamespace") is True:
        yield Problem(pod.at("shareProcessNamespace"), invalid(True, "ShareProcessNamespace and HostPID cannot both be enabled"),
                      "Remove shareProcessNamespace or hostPID.")


_SYSCTL = re.compile(r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")
_SYSCTL_MSG = ("must have at most 253 characters and match regex "
               r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")


@rule("apply/sysctl", ERROR, "pod", "security",
      "A sysctl name that is not a sysctl name, appears twice, or is a net.* sysctl on a hostNetwork pod.",
      why="The apiserver rejects the pod. net.* sysctls are per network namespace, and a hostNetwork pod would change "
          "the node's.",
      example="securityContext:\n  sysctls:\n    - name: net.core.somaxconn\n      value: \"1024\"\n    - name: net.core.somaxconn\n      value: \"2048\"",
      fix="List each sysctl once, with its dotted name.")
def sysctl(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    host_network = pod.spec.get("hostNetwork") is True
    for index, entry in enumerate(items(mapping(pod.spec.get("securityContext")).get("sysctls"))):
        name = text(mapping(entry).get("name"))
        at = pod.at("securityContext", "sysctls", index, "name")
        if name is None:
            continue
        if not name:
            yield Problem(at, required(), "Name the sysctl.")
        elif len(name) > 253 or not _SYSCTL.match(name):
            yield Problem(at, invalid(name, _SYSCTL_MSG), "Use a sysctl name like net.core.somaxconn.")
        elif name in seen:
            yield Problem(at, duplicate(name), "Set each sysctl once.")
        elif host_network and name.startswith("net."):
            yield Problem(at, invalid(name, "may not be specified when 'hostNetwork' is true"),
                          "Remove the net.* sysctl, or do not use hostNetwork.")
        seen.add(name)


def _profile_problems(context: dict, at: tuple) -> Iterator[Problem]:
    for field, path_field in (("seccompProfile", "localhostProfile"), ("appArmorProfile", "localhostProfile")):
        profile = context.get(field)
        if not isinstance(profile, dict):
            continue
        kind, local = profile.get("type"), profile.get(path_field)
        if not kind:
            yield Problem(at + (field, "type"), required(f"type is required when {field} is set"),
                          "Set type: RuntimeDefault (or Localhost with localhostProfile).")
        elif kind == "Localhost" and not local:
            yield Problem(at + (field, path_field), required(f"must be set when {field.removesuffix('Profile')} type "
                                                             "is Localhost"),
                          "Name the profile file on the node, or use type: RuntimeDefault.")
        elif kind != "Localhost" and local:
            yield Problem(at + (field, path_field), invalid(local, f"can only be set when {field.removesuffix('Profile')} "
                                                                   "type is Localhost"),
                          "Remove localhostProfile, or set type: Localhost.")


@rule("apply/security-profile", ERROR, ("pod", "container"), "security",
      "A seccompProfile or appArmorProfile without type, Localhost without localhostProfile, or localhostProfile with "
      "another type.",
      why="The apiserver rejects the pod: a Localhost profile needs the file it loads, other types cannot use one.",
      example="securityContext:\n  seccompProfile:\n    type: Localhost", fix="Add localhostProfile, or use type: RuntimeDefault.")
def security_profile(subject: Pod | Container) -> Iterator[Problem]:
    source = subject.body if isinstance(subject, Container) else subject.spec
    yield from _profile_problems(mapping(source.get("securityContext")), subject.at("securityContext"))


@rule("apply/host-namespaces-with-user-namespace", ERROR, "pod", "security",
      "`hostUsers: false` (a user namespace) together with hostNetwork, hostPID or hostIPC.",
      why="A pod in its own user namespace cannot join the host's namespaces; the apiserver rejects it.",
      example="spec:\n  hostUsers: false\n  hostNetwork: true", fix="Drop hostUsers: false, or the host namespaces.")
def host_namespaces_with_user_namespace(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostUsers") is False:
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.spec.get(field) is True:
                yield Problem(pod.at(field), forbidden("when `pod.Spec.HostUsers` is false"),
                              f"Remove {field}, or hostUsers: false.")


def _host_ports(pod: Pod) -> Iterator[tuple[tuple, dict, dict]]:
    for path, container in pod.containers(("containers", "initContainers")):
        for index, port in enumerate(items(container.get("ports"))):
            if isinstance(port, dict):
                yield path + ("ports", index), port, container


@rule("apply/duplicate-host-port", ERROR, "pod", "pods",
      "Two containers of a pod claim the same hostPort with the same protocol and hostIP.",
      why="A host port can be bound once per node; the apiserver rejects the pod.",
      example="containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 8080}]\n  - name: b\n    ports: [{containerPort: 81, hostPort: 8080}]",
      fix="Use different hostPorts, or drop hostPort and use a Service.")
def duplicate_host_port(pod: Pod) -> Iterator[Problem]:
    seen: set[str] = set()
    for path, port, container in _host_ports(pod):
        host_port = port.get("hostPort")
        if not is_int(host_port) or host_port == 0 or path[-3] == "initContainers":
            continue
        key = f"{port.get('protocol') or 'TCP'}/{port.get('hostIP') or ''}/{host_port}"
        if key in seen:
            yield Problem(path + ("hostPort",), duplicate(key), "Use another hostPort.")
        seen.add(key)


@rule("apply/host-network-host-port", ERROR, "pod", "pods", "A hostNetwork pod declares a hostPort different from its containerPort.",
      why="With hostNetwork the container listens on the node itself, so the two ports are the same port; the apiserver "
          "rejects a mismatch.",
      example="spec:\n  hostNetwork: true\n  containers:\n    - ports: [{containerPort: 80, hostPort: 8080}]",
      fix="Remove hostPort (it defaults to containerPort) or make them equal.")
def host_network_host_port(pod: Pod) -> Iterator[Problem]:
    if pod.spec.get("hostNetwork") is not True:
        return
    for path, port, _ in _host_ports(pod):
        host_port, container_port = port.get("hostPort"), port.get("containerPort")
        if is_int(host_port) and host_port != 0 and is_int(container_port) and host_port != container_port:
            yield Problem(path + ("hostPort",), invalid(host_port, "must match `containerPort` when `hostNetwork` is true"),
                          f"Remove hostPort or set it to {container_port}.")


_WINDOWS_FORBIDDEN = ("seLinuxOptions", "seccompProfile", "appArmorProfile", "runAsUser", "runAsGroup", "fsGroup",
                      "fsGroupChangePolicy", "sysctls", "supplementalGroups", "privileged", "allowPrivilegeEscalation",
                      "procMount", "readOnlyRootFilesystem", "capabilities")


@rule("apply/os-specific-fields", ERROR, "pod", "security",
      "A pod whose spec.os says linux sets Windows options, or one that says windows sets Linux-only security fields.",
      why="The apiserver rejects settings that cannot apply to the declared operating system.",
      example="spec:\n  os: {name: windows}\n  securityContext:\n    runAsUser: 1000",
      fix="Use windowsOptions on Windows pods and Linux fields on Linux pods.")
def os_specific_fields(pod: Pod) -> Iterator[Problem]:
    os_name = mapping(pod.spec.get("os")).get("name")
    if os_name not in ("linux", "windows"):
        return
    contexts = [(pod.at("securityContext"), mapping(pod.spec.get("securityContext")))]
    contexts += [(path + ("securityContext",), mapping(container.get("securityContext")))
                 for path, container in pod.containers()]
    for at, context in contexts:
        if os_name == "linux" and "windowsOptions" in context:
            yield Problem(at + ("windowsOptions",), forbidden("windows options cannot be set for a linux pod"),
                          "Remove windowsOptions, or set spec.os.name: windows.")
        if os_name == "windows":
            for field in _WINDOWS_FORBIDDEN:
                if context.get(field) not in (None, False, [], {}):
                    yield Problem(at + (field,), forbidden("cannot be set for a windows pod"),
                                  f"Remove {field}, or set spec.os.name: linux.")


@rule("apply/host-alias", ERROR, "pod", "pods", "A hostAliases entry whose ip is not an IP address or whose hostnames are not DNS names.",
      why="The kubelet writes them to /etc/hosts; the apiserver rejects entries that could not work.",
      example="hostAliases:\n  - ip: db.internal\n    hostnames: [db]", fix="Use an IP address and DNS names.")
def host_alias(pod: Pod) -> Iterator[Problem]:
    for index, alias in enumerate(items(pod.spec.get("hostAliases"))):
        alias = mapping(alias)
        at = pod.at("hostAliases", index)
        ip = alias.get("ip")
        if isinstance(ip, str) and formats.parse_ip(ip) is None:
            yield Problem(at + ("ip",), invalid(ip, formats.IP_MSG), "Use an IP address.")
        for number, hostname in enumerate(items(alias.get("hostnames"))):
            if isinstance(hostname, str) and (messages := formats.is_dns1123_subdomain(hostname)):
                yield Problem(at + ("hostnames", number), invalid(hostname, *messages), "Use a DNS name.")
