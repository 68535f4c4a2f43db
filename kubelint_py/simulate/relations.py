"""Objects that point at others: what a Service selects and where its ports go, where an Ingress
routes, what a HorizontalPodAutoscaler scales, what a PodDisruptionBudget protects, a StatefulSet's
governing Service. Runs once every pod is predicted.

Endpoints follow the EndpointSlice controller: a Service selects the pods of its own namespace whose
labels match its selector, and a named targetPort resolves per pod to the container port of that
name (a pod without one gets no endpoint for that port). Messages are Kubernetes' where it has them
(the HPA's conditions, the disruption controller's NoPods event; kubernetes/kubernetes, Apache-2.0).
"""

from __future__ import annotations

import math
from collections import defaultdict

from kubelint_py import schemas, workloads
from kubelint_py.apply.selectors import matches
from kubelint_py.simulate.inventory import Inventory
from kubelint_py.simulate.model import ClusterObject, Prediction, items, mapping, text

_CERT_MANAGER_ANNOTATIONS = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer")
_SCALE_RESOURCES = {
    "Deployment": "deployments/scale.apps",
    "StatefulSet": "statefulsets/scale.apps",
    "ReplicaSet": "replicasets/scale.apps",
    "ReplicationController": "replicationcontrollers/scale",
}


class Relations:
    def __init__(self, objects: list[ClusterObject], inventory: Inventory):
        self.inventory = inventory
        self.pods: dict[str | None, list[ClusterObject]] = defaultdict(list)
        self.by_key: dict[tuple[str, str | None, str], ClusterObject] = {}
        self.custom: dict[str | None, list[ClusterObject]] = defaultdict(
            list
        )  # custom resources by namespace
        built_in = schemas.built_in_groups()
        for obj in objects:
            if obj.kind == "Pod" and (obj.predicted is None or obj.predicted.status != "Rejected"):
                self.pods[obj.namespace].append(obj)
            self.by_key[(obj.kind, obj.namespace, obj.name)] = obj
            if obj.source and obj.api_version.rpartition("/")[0] not in built_in:
                self.custom[obj.namespace].append(obj)

    def predict(self, objects: list[ClusterObject]) -> None:
        """Predictions for the objects of the input that point at others; Services first, as the
        Ingresses that route to them read their endpoints."""
        for kind, predict in (
            ("Service", self.service),
            ("Ingress", self.ingress),
            ("HorizontalPodAutoscaler", self.autoscaler),
            ("PodDisruptionBudget", self.budget),
            ("StatefulSet", self.governing_service),
        ):
            for obj in objects:
                if obj.kind == kind and obj.source and (obj.predicted is None or not obj.predicted.problem):
                    found = predict(obj)
                    if found is not None:
                        obj.predicted = found

    # --- Service ----------------------------------------------------------------------------------------

    def service(self, service: ClusterObject) -> Prediction | None:
        spec = service.spec
        selector = mapping(spec.get("selector"))
        if spec.get("type") == "ExternalName" or not selector:
            return None  # no selector: endpoints are someone else's business
        selected = [p for p in self.pods[service.namespace] if matches(selector, p.labels)]
        shown = ",".join(f"{k}={v}" for k, v in selector.items())
        if not selected and (maker := self._operator(service.namespace, selector)) is not None:
            return Prediction(
                "Unknown",
                message=f"selects no pod the input creates; {maker} likely makes them "
                "through its operator, which is not simulated",
            )
        if not selected:
            return Prediction(
                "NoEndpoints",
                "SelectorMatchesNothing",
                f"the selector {shown} matches no pod in namespace {service.namespace}"
                + self._closest(service.namespace, selector),
                fix="Make the selector equal to the pod template's labels (or the other way round).",
            )
        owners = _owners(selected)
        mappings, problems = [], []
        for port in items(spec.get("ports")):
            shown_port, problem = self._port(mapping(port), selected)
            mappings.append(shown_port)
            if problem:
                problems.append(problem)
        running = [p for p in selected if p.predicted is not None and not p.predicted.problem]
        plural = "s" if len(selected) != 1 else ""
        summary = f"selects {len(selected)} pod{plural} of {owners}: {'; '.join(mappings)}"
        if problems:
            status = "NoEndpoints" if len(problems) == len(mappings) else ("Ready" if running else "NotReady")
            return Prediction(
                status,
                "TargetPortNotExposed",
                "; ".join(problems) + f" ({summary})",
                fix="Point targetPort at a port the containers declare (its number, or its name), or "
                "declare the port in the containers.",
            )
        if not running:
            return Prediction(
                "NotReady",
                "NoReadyEndpoints",
                f"{summary}; none of them is predicted to run, so no endpoint is ready",
                fix="Fix the pods first.",
            )
        return Prediction("Ready", message=summary)

    def _operator(self, namespace: str | None, selector: dict) -> str | None:
        """A custom resource of the namespace whose operator likely makes the selected pods: it carries
        the selector's labels, or its name is one of the selector's values."""
        values = set(mapping(selector.get("matchLabels", selector)).values())
        for obj in self.custom[namespace]:
            if obj.name in values or matches(selector, obj.labels):
                return f"{obj.ref} ({obj.api_version})"
        return None

    def _port(self, port: dict, selected: list[ClusterObject]) -> tuple[str, str | None]:
        protocol = text(port.get("protocol")) or "TCP"
        node_port = f":{port['nodePort']}" if isinstance(port.get("nodePort"), int) else ""
        target = port.get("targetPort", port.get("port"))
        shown = f"{port.get('port')}{node_port}/{protocol} → {target}"
        declared = [
            mapping(p)
            for pod in selected
            for _, c in workloads.containers(pod.spec, ("containers",))
            for p in items(c.get("ports"))
            if text(mapping(p).get("protocol")) in ("", protocol)
        ]
        if isinstance(target, str):
            numbers = sorted({p.get("containerPort") for p in declared if p.get("name") == target}, key=str)
            if not numbers:
                return shown, (
                    f"port {port.get('port')} targets the port named {target!r}, which no selected "
                    f"container declares: no endpoints for it"
                )
            return f"{shown} ({', '.join(str(n) for n in numbers)})", None
        numbers = {p.get("containerPort") for p in declared}
        if numbers and target not in numbers:
            # Declaring ports is optional, and many processes listen on more than they declare: a remark.
            return f"{shown} (declared by no container: it works only if the process listens there)", None
        return shown, None

    def _closest(self, namespace: str | None, selector: dict) -> str:
        """A hint for a selector that matches nothing: a near miss, or matching pods elsewhere."""
        best = None
        for pod in self.pods[namespace]:
            shared = [k for k in selector if k in pod.labels]
            wrong = [k for k in shared if pod.labels[k] != selector[k]]
            score = (len(shared) - len(wrong), -len(wrong))
            if shared and (best is None or score > best[0]):
                best = (score, pod, wrong, [k for k in selector if k not in pod.labels])
        if best is not None:
            _, pod, wrong, missing = best
            parts = [f"{k}={pod.labels[k]}" for k in wrong] + [f"no label {k}" for k in missing]
            return f"; closest: the pods of {pod.top.ref} have {', '.join(parts)}"
        elsewhere = [
            p
            for ns, pods in self.pods.items()
            if ns != namespace
            for p in pods
            if matches(selector, p.labels)
        ]
        if elsewhere:
            return (
                f"; the pods of {elsewhere[0].top.ref} in namespace {elsewhere[0].namespace} match, but a "
                "Service selects only in its own namespace"
            )
        return ""

    # --- Ingress ----------------------------------------------------------------------------------------

    def ingress(self, ingress: ClusterObject) -> Prediction | None:
        spec = ingress.spec
        routes, problems = [], []
        backends = []
        if spec.get("defaultBackend"):
            backends.append(("(default)", mapping(spec["defaultBackend"])))
        for rule in items(spec.get("rules")):
            rule = mapping(rule)
            for path in items(mapping(rule.get("http")).get("paths")):
                path = mapping(path)
                backends.append(
                    (
                        f"{text(rule.get('host')) or '*'}{text(path.get('path')) or '/'}",
                        mapping(path.get("backend")),
                    )
                )
        for where, backend in backends:
            service = mapping(backend.get("service"))
            if not service:
                continue
            name, port = text(service.get("name")), mapping(service.get("port"))
            port_shown = port.get("number", port.get("name"))
            routes.append(f"{where} → Service {name}:{port_shown}")
            problem = self._backend(ingress.namespace, name, port)
            if problem:
                problems.append(f"{where}: {problem}")
        issued = any(
            a in mapping(mapping(ingress.body.get("metadata")).get("annotations"))
            for a in _CERT_MANAGER_ANNOTATIONS
        )
        for tls in items(spec.get("tls")):
            secret = text(mapping(tls).get("secretName"))
            if secret and not issued and self.inventory.get("Secret", ingress.namespace, secret) is None:
                problems.append(
                    f'the TLS Secret "{secret}" does not exist: the ingress controller serves its '
                    "default certificate, which browsers reject"
                )
        if problems:
            return Prediction(
                "BackendError",
                "BackendNotReady",
                "; ".join(problems),
                fix="Point each backend at an existing Service, a port it has, and pods that run; "
                "create the TLS Secret (or let cert-manager issue it).",
            )
        return Prediction("Ready", message="; ".join(routes)) if routes else None

    def _backend(self, namespace: str | None, name: str, port: dict) -> str | None:
        service = self.by_key.get(("Service", namespace, name))
        if service is None:
            if self.inventory.get("Service", namespace, name) is not None:
                return None  # exists in the cluster: nothing more is known
            return f'the Service "{name}" does not exist: requests get 503'
        ports = [mapping(p) for p in items(service.spec.get("ports"))]
        if "number" in port and not any(p.get("port") == port["number"] for p in ports):
            return f'the Service "{name}" has no port {port["number"]}'
        if "name" in port and not any(p.get("name") == port["name"] for p in ports):
            return f'the Service "{name}" has no port named {port["name"]!r}'
        if service.predicted is not None and service.predicted.status in ("NoEndpoints", "NotReady"):
            return f'the Service "{name}" has no ready endpoints: requests get 503'
        return None

    # --- HorizontalPodAutoscaler ------------------------------------------------------------------------

    def autoscaler(self, hpa: ClusterObject) -> Prediction | None:
        target = mapping(hpa.spec.get("scaleTargetRef"))
        kind, name = text(target.get("kind")), text(target.get("name"))
        found = self.by_key.get((kind, hpa.namespace, name))
        if found is None:
            if self.inventory.get(kind, hpa.namespace, name) is not None:
                return None
            resource = _SCALE_RESOURCES.get(kind, f"{kind.lower()}s/scale")
            return Prediction(
                "Inactive",
                "FailedGetScale",
                f'the HPA controller was unable to get the target\'s current scale: {resource} "{name}" '
                "not found",
                fix="Point scaleTargetRef at the workload (kind, name, apiVersion).",
            )
        pods = [p for p in self.pods[hpa.namespace] if p.top is found]
        for metric in items(hpa.spec.get("metrics")):
            problem = _missing_request(mapping(metric), pods)
            if problem:
                return Prediction(
                    "Inactive",
                    "FailedGetResourceMetric",
                    f"the HPA was unable to compute the replica count: {problem}",
                    fix="Set resources.requests for that resource on every container, or scale on "
                    "AverageValue instead of Utilization.",
                )
        minimum, maximum = hpa.spec.get("minReplicas", 1), hpa.spec.get("maxReplicas")
        return Prediction(
            "Active",
            message=f"scales {found.ref} between {minimum} and {maximum} replicas ({len(pods)} at first)",
        )

    # --- PodDisruptionBudget ----------------------------------------------------------------------------

    def budget(self, budget: ClusterObject) -> Prediction | None:
        spec = budget.spec
        selector = spec.get("selector")
        selected = [
            p
            for p in self.pods[budget.namespace]
            if isinstance(selector, dict) and matches(selector, p.labels)
        ]
        if (
            not selected
            and isinstance(selector, dict)
            and (maker := self._operator(budget.namespace, selector))
        ):
            return Prediction(
                "Unknown",
                message=f"selects no pod the input creates; {maker} likely makes them "
                "through its operator, which is not simulated",
            )
        if not selected:
            return Prediction(
                "NoPods",
                "NoPods",
                "No matching pods found",
                fix="Make the selector match the labels of the pods it should protect.",
            )
        expected = len(selected)
        if "minAvailable" in spec:
            desired, rule = _scaled(spec["minAvailable"], expected), f"minAvailable {spec['minAvailable']}"
        elif "maxUnavailable" in spec:
            desired, rule = (
                expected - _scaled(spec["maxUnavailable"], expected),
                f"maxUnavailable {spec['maxUnavailable']}",
            )
        else:
            return None
        allowed = expected - desired
        covered = f"{expected} pod{'s' if expected != 1 else ''} of {_owners(selected)}"
        if allowed <= 0:
            return Prediction(
                "Blocking",
                "InsufficientPods",
                f"{rule} of {covered}: no pod may ever be evicted, so kubectl drain and node upgrades "
                "wait on these pods forever",
                fix="Allow at least one disruption: lower minAvailable (or raise maxUnavailable), or "
                "run more replicas.",
            )
        return Prediction("Active", message=f"{rule} of {covered}: {allowed} may be evicted at a time")

    # --- StatefulSet --------------------------------------------------------------------------------------

    def governing_service(self, stateful_set: ClusterObject) -> Prediction | None:
        name = text(stateful_set.spec.get("serviceName"))
        if not name:
            return None
        service = self.by_key.get(("Service", stateful_set.namespace, name))
        where = f"{stateful_set.name}-0.{name}.{stateful_set.namespace}.svc"
        if service is None and self.inventory.get("Service", stateful_set.namespace, name) is None:
            return Prediction(
                "NoPodDNS",
                "ServiceNotFound",
                f'serviceName is "{name}", a Service that does not exist: the pods get no DNS names '
                f"such as {where}",
                fix=f"Add a headless Service {name} (clusterIP: None) selecting the pods.",
            )
        if service is not None and service.spec.get("clusterIP") != "None":
            return Prediction(
                "NoPodDNS",
                "ServiceNotHeadless",
                f'serviceName is "{name}", which is not headless (clusterIP: None): the pods get no '
                f"DNS names such as {where}",
                fix=f"Set clusterIP: None on the Service {name}.",
            )
        return None


def _owners(pods: list[ClusterObject]) -> str:
    return ", ".join(dict.fromkeys(p.top.ref for p in pods))


def _scaled(value, expected: int) -> int:
    """An int-or-percent against the expected pod count, rounded up as the disruption controller does."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return math.ceil(int(value[:-1]) * expected / 100)
        except ValueError:
            return 0
    return value if isinstance(value, int) else 0


def _missing_request(metric: dict, pods: list[ClusterObject]) -> str | None:
    """Utilization targets need the resource requested by every container (or by the named one)."""
    kind = metric.get("type")
    source = mapping(
        metric.get("resource")
        if kind == "Resource"
        else metric.get("containerResource")
        if kind == "ContainerResource"
        else None
    )
    if mapping(source.get("target")).get("type") != "Utilization":
        return None
    resource, only = text(source.get("name")), text(source.get("container"))
    for pod in pods:
        for _, container in workloads.containers(pod.spec, ("containers",)):
            cname = text(container.get("name"))
            if only and cname != only:
                continue
            if resource not in mapping(mapping(container.get("resources")).get("requests")):
                return (
                    f"failed to get {resource} utilization: missing request for {resource} "
                    f"in container {cname} of Pod {pod.name}"
                )
    return None
