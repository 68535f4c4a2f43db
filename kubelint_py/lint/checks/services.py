"""Set-wide rules about traffic: Services and their pods and ports, Ingress backends, NetworkPolicies,
ServiceMonitors and StatefulSets' governing Services.

A "missing" object is only reported when its referrer's bundle (inventory.py) defines objects of its
kind: otherwise it is most likely managed elsewhere, and saying so about every reference would be noise.
"""

from __future__ import annotations

from typing import Iterator

from kubelint_py.lint.inventory import (Inventory, PodTemplate, as_list, digits, labels_of, matches_selector, name_of, namespace_of, same_namespace)
from kubelint_py.model import Document, Problem
from kubelint_py.workloads import get

Found = Iterator[tuple[Document, Problem]]


def _pairs(labels: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items())


def _closest(templates: list[PodTemplate], selector: dict) -> str:
    """A fix for a selector that matches nothing: name the template that shares the most of it."""

    def score(template: PodTemplate) -> tuple[int, int]:
        labels = template.labels
        return (sum(1 for k, v in selector.items() if k in labels and str(labels[k]) == str(v)),
                sum(1 for k in selector if k in labels))

    best = max(templates, key=score, default=None)
    if best is None or score(best) == (0, 0):
        return "Make the selector match the labels of the pod template it is meant for."
    return (f"The closest pod template is {best.kind} {best.name} with labels {_pairs(best.labels)}; make the "
            "selector and the template's labels agree.")


def _services(inventory: Inventory) -> Iterator[tuple[Document, dict, dict]]:
    """(document, spec, selector) of each built-in Service that selects pods."""
    for document in inventory.of_kind("Service"):
        spec = document.body.get("spec")
        if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
            continue
        selector = spec.get("selector")
        if isinstance(selector, dict) and selector:
            yield document, spec, selector


def service_selects_no_pods(inventory: Inventory, params: dict) -> Found:
    for document, spec, selector in _services(inventory):
        namespace = namespace_of(document.body)
        if not inventory.expects_pods(document) or inventory.pods_matching(namespace, labels=selector):
            continue
        yield document, Problem(("spec", "selector"),
                                f"Service {name_of(document.body)} selects no pods: no pod template in the input "
                                f"has the labels {_pairs(selector)}", _closest(inventory.pods_matching(namespace),
                                                                              selector))


def _target_ports(inventory: Inventory) -> Iterator[tuple[Document, tuple, object, list[PodTemplate]]]:
    """(Service, path of its target port, target port, pod templates it selects) for each Service port."""
    for document, spec, selector in _services(inventory):
        selected = inventory.pods_matching(namespace_of(document.body), labels=selector)
        ports = spec.get("ports")
        if not selected or not isinstance(ports, list):
            continue
        for index, port in enumerate(ports):
            if isinstance(port, dict):
                key = "targetPort" if "targetPort" in port else "port"
                yield document, ("spec", "ports", index, key), port.get(key), selected


def _container_ports(templates: list[PodTemplate]) -> tuple[set, set, bool]:
    """Port names, port numbers, and whether every container of every template declares its ports."""
    names, numbers, all_declared = set(), set(), True
    for template in templates:
        for _, container in template.containers():
            ports = container.get("ports")
            if not isinstance(ports, list) or not ports:
                all_declared = False
                continue
            for port in ports:
                if isinstance(port, dict):
                    names.add(port.get("name") if isinstance(port.get("name"), str) else None)
                    numbers.add(port.get("containerPort") if isinstance(port.get("containerPort"), int) else None)
    return names, numbers, all_declared


def service_target_port_missing(inventory: Inventory, params: dict) -> Found:
    for document, path, target, selected in _target_ports(inventory):
        if not isinstance(target, str) or digits(target):
            continue
        names, _, _ = _container_ports(selected)
        if target not in names:
            known = ", ".join(sorted(n for n in names if isinstance(n, str))) or "none"
            workloads = ", ".join(f"{t.kind} {t.name}" for t in selected)
            yield document, Problem(path, f"targetPort {target!r} is not a port name of any container the Service "
                                          f"selects ({workloads}); traffic to it has nowhere to go",
                                    f"Use one of the named container ports ({known}) or a port number.")


def service_target_port_undeclared(inventory: Inventory, params: dict) -> Found:
    for document, path, target, selected in _target_ports(inventory):
        number = int(target) if isinstance(target, str) and digits(target) else target
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        _, numbers, all_declared = _container_ports(selected)
        if all_declared and number not in numbers:
            known = ", ".join(str(n) for n in sorted(n for n in numbers if isinstance(n, int)))
            yield document, Problem(path, f"targetPort {number} is not a containerPort of the pods the Service selects "
                                    f"(they declare {known})",
                                    f"Point targetPort at the port the container listens on ({known}), or declare "
                                    f"containerPort: {number}.")


def _ingress_backends(body: dict) -> Iterator[tuple[tuple, dict]]:
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return
    service = get(spec, ("defaultBackend", "service"))
    if isinstance(service, dict):
        yield ("spec", "defaultBackend", "service"), service
    for r, rule in enumerate(as_list(spec.get("rules"))):
        for p, path in enumerate(as_list(get(rule, ("http", "paths")))):
            service = get(path, ("backend", "service"))
            if isinstance(service, dict):
                yield ("spec", "rules", r, "http", "paths", p, "backend", "service"), service


def ingress_backend_missing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("Ingress"):
        namespace = namespace_of(document.body)
        if not inventory.expects("Service", document):
            continue
        for path, service in _ingress_backends(document.body):
            name = service.get("name")
            if isinstance(name, str) and inventory.find("Service", name, namespace) is None:
                yield document, Problem(path + ("name",), f"backend Service {name} is not in the input",
                                        f"Add Service {name}, or point the backend at an existing Service.")


def ingress_backend_port_missing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("Ingress"):
        namespace = namespace_of(document.body)
        for path, service in _ingress_backends(document.body):
            port = service.get("port")
            found = inventory.find("Service", service.get("name"), namespace)
            ports = get(found.body, ("spec", "ports")) if found else None
            if not isinstance(port, dict) or not isinstance(ports, list):
                continue
            ports = [p for p in ports if isinstance(p, dict)]
            offered_numbers = [p.get("port") for p in ports]
            offered_names = [p.get("name") for p in ports]
            if "number" in port and port["number"] not in offered_numbers:
                wrong = ("number", f"port {port['number']}")
            elif "name" in port and port["name"] not in offered_names:
                wrong = ("name", f"port {port['name']!r}")
            else:
                continue
            offered = ", ".join(f"{p.get('name')}:{p.get('port')}" if p.get("name") else str(p.get("port"))
                                for p in ports)
            yield document, Problem(path + ("port", wrong[0]),
                                    f"Service {service['name']} has no {wrong[1]}; it offers {offered}",
                                    f"Use one of the Service's ports: {offered}.")


def networkpolicy_selects_nothing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("NetworkPolicy"):
        selector = get(document.body, ("spec", "podSelector"))
        namespace = namespace_of(document.body)
        if not isinstance(selector, dict) or not selector or not inventory.expects_pods(document):
            continue  # {} selects every pod in the namespace
        if not inventory.pods_matching(namespace, selector=selector):
            labels = selector.get("matchLabels") if isinstance(selector.get("matchLabels"), dict) else {}
            yield document, Problem(("spec", "podSelector"),
                                    f"NetworkPolicy {name_of(document.body)} selects no pod template in the input, "
                                    "so it isolates nothing", _closest(inventory.pods_matching(namespace), labels))


def _policy_types(spec: dict) -> set[str]:
    types = spec.get("policyTypes")
    if isinstance(types, list):
        return {t for t in types if isinstance(t, str)}
    return {"Ingress"} | ({"Egress"} if "egress" in spec else set())


def network_policy_missing(inventory: Inventory, params: dict) -> Found:
    policies = [d for d in inventory.of_kind("NetworkPolicy") if isinstance(d.body.get("spec"), dict)]
    for template in inventory.pod_templates:
        if not inventory.expects("NetworkPolicy", template.document):
            continue  # its bundle does not use NetworkPolicies: nothing to hold it to
        covered: set[str] = set()
        for policy in (p for p in policies if same_namespace(namespace_of(p.body), template.namespace)):
            spec = policy.body["spec"]
            if matches_selector(spec.get("podSelector", {}), template.labels, template.generated):
                covered |= _policy_types(spec)
        missing = [t for t in ("Ingress", "Egress") if t not in covered]
        if missing:
            what = " and ".join(t.lower() for t in missing)
            yield template.document, Problem(
                template.spec_path[:-1] + ("metadata",),
                f"{template.kind} {template.name}: no NetworkPolicy in the input restricts its {what} traffic",
                f"Select its pods ({_pairs(template.labels) or 'it has no labels'}) with a NetworkPolicy whose "
                f"policyTypes include {', '.join(missing)}.")


def servicemonitor_selects_nothing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("ServiceMonitor", built_in=False):
        if not document.body.get("apiVersion", "").startswith("monitoring.coreos.com/"):
            continue
        spec = document.body.get("spec")
        selector = spec.get("selector") if isinstance(spec, dict) else None
        if not isinstance(selector, dict) or not selector:
            continue
        if inventory.operator_managed(document):
            continue
        namespaces = get(spec, ("namespaceSelector", "matchNames"))
        services = [s for s in inventory.directory(document)
                    if s.body["kind"] == "Service" and inventory.is_built_in(s.body)]
        if get(spec, ("namespaceSelector", "any")) is True:
            scoped = services
        elif isinstance(namespaces, list):  # Services of other namespaces (kube-system's) are rarely in the input
            scoped = [s for s in services if namespace_of(s.body) in namespaces]
        else:
            scoped = [s for s in services if same_namespace(namespace_of(s.body), namespace_of(document.body))]
        if scoped and not any(matches_selector(selector, labels_of(s.body.get("metadata"))) for s in scoped):
            yield document, Problem(("spec", "selector"),
                                    f"ServiceMonitor {name_of(document.body)} selects no Service in the input, so "
                                    "nothing is scraped", "Make the selector match the labels of the Service "
                                    "(metadata.labels, not the Service's own selector) in the namespaces it watches.")


def statefulset_service_missing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("StatefulSet"):
        name = get(document.body, ("spec", "serviceName"))
        namespace = namespace_of(document.body)
        if not isinstance(name, str) or not name or not inventory.expects("Service", document):
            continue
        service = inventory.find("Service", name, namespace)
        if service is None:
            yield document, Problem(("spec", "serviceName"), f"governing Service {name} is not in the input",
                                    f"Add a headless Service {name} (clusterIP: None) selecting the StatefulSet's "
                                    "pods.")
        elif get(service.body, ("spec", "clusterIP")) != "None":
            yield document, Problem(("spec", "serviceName"),
                                    f"governing Service {name} is not headless, so the pods get no stable DNS names",
                                    f"Set clusterIP: None on Service {name} (or add a separate headless Service).")
