"""A pod's way from creation to running, as the apiserver's admission and the kubelet walk it, for
what can be told from the manifests alone. The stages and their fixes are the failure catalogue's
(kubelint_py/diagnose/causes.yaml), the same model `kubelint diagnose` reads pods against.

The kubelet's order decides what a pod shows when several things are wrong: volumes are mounted
before any container starts (a missing ConfigMap volume keeps the pod ContainerCreating, or Init:0/N
with init containers); then the containers start one by one, init containers first and each one only
after the previous finished, and for each the image is resolved before its configuration
(environment, user) is built. `kubectl get pods` shows the first container that is stuck.

Messages are Kubernetes' (pkg/kubelet, pkg/volume/{secret,configmap,projected}, plugin/pkg/admission;
kubernetes/kubernetes, Apache-2.0).
"""

from __future__ import annotations

from typing import Iterator

from kubelint_py import workloads
from kubelint_py.simulate import images, pod_security
from kubelint_py.simulate.cluster import Node
from kubelint_py.simulate.inventory import Inventory
from kubelint_py.simulate.model import ClusterObject, Prediction, items, mapping, predicted, text

# --- admission -------------------------------------------------------------------------------------


def admit(spec: dict, namespace: str, pod_name: str, inventory: Inventory) -> Prediction | None:
    """Why the apiserver's admission plugins would refuse to create the pod, or None.

    `pod_name` is what the refusal names: a controller's pods have only their generateName prefix yet."""
    account = text(spec.get("serviceAccountName")) or text(spec.get("serviceAccount")) or "default"
    if inventory.get("ServiceAccount", namespace, account) is None:
        return predicted(
            "FailedCreate",
            "FailedCreate",
            f'pods "{pod_name}" is forbidden: error looking up service account {namespace}/{account}: '
            f'serviceaccount "{account}" not found',
            "serviceaccount-missing",
            sa=account,
            namespace=namespace,
        )
    priority_class = text(spec.get("priorityClassName"))
    if priority_class and inventory.get("PriorityClass", None, priority_class) is None:
        return predicted(
            "FailedCreate",
            "FailedCreate",
            f'pods "{pod_name}" is forbidden: no PriorityClass with name {priority_class} was found',
            "priorityclass-missing",
            priorityclass=priority_class,
        )
    known = inventory.get("Namespace", None, namespace)
    labels = mapping(mapping(mapping(known.body if known else None).get("metadata")).get("labels"))
    refused = pod_security.violations(spec, labels)
    if refused is not None:
        return predicted(
            "FailedCreate",
            "FailedCreate",
            f'pods "{pod_name}" is forbidden: {refused}',
            "pod-security-violation",
            namespace=namespace,
        )
    return None


# --- the kubelet -------------------------------------------------------------------------------------


def start(pod: ClusterObject, inventory: Inventory, node: Node | None, minor: int) -> Prediction:
    """What the pod shows once it is on a node: the first stage that holds it up, or Running."""
    spec = pod.spec
    for secret in items(spec.get("imagePullSecrets")):
        name = text(mapping(secret).get("name"))
        if name and inventory.get("Secret", pod.namespace, name) is None:
            # The kubelet pulls without it (FailedToRetrieveImagePullSecret): fine for a public image.
            pod.notes.append(
                f'imagePullSecrets names the Secret "{name}", which does not exist: the image is '
                "pulled without credentials, which a private registry refuses (ErrImagePull)"
            )
    init_count = len(items(spec.get("initContainers")))
    for problem in _volumes(pod, inventory):
        status = f"Init:0/{init_count}" if init_count else "ContainerCreating"
        return Prediction(status, *_fields(problem))
    for (list_name, _), container in workloads.containers(spec, ("initContainers", "containers")):
        problem = _container(pod, container, inventory, node, minor)
        if problem is not None:
            if list_name == "initContainers":
                problem.status = f"Init:{problem.status}"
            return problem
    return Prediction("Running")


def _fields(problem: Prediction) -> tuple:
    return problem.reason, problem.message, problem.cause, problem.fix


def _volumes(pod: ClusterObject, inventory: Inventory) -> Iterator[Prediction]:
    """FailedMount for each Secret or ConfigMap volume (or projected source) that cannot be set up."""
    for volume in items(pod.spec.get("volumes")):
        volume = mapping(volume)
        name = text(volume.get("name"))
        sources = []
        if "secret" in volume:
            source = mapping(volume["secret"])
            sources.append(("Secret", text(source.get("secretName")), source))
        if "configMap" in volume:
            source = mapping(volume["configMap"])
            sources.append(("ConfigMap", text(source.get("name")), source))
        for projected in items(mapping(volume.get("projected")).get("sources")):
            for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
                if key in mapping(projected):
                    source = mapping(projected[key])
                    sources.append((kind, text(source.get("name")), source))
        for kind, ref, source in sources:
            problem = _mount_problem(pod, name, kind, ref, source, inventory)
            if problem is not None:
                yield problem


def _mount_problem(
    pod: ClusterObject, volume: str, kind: str, ref: str, source: dict, inventory: Inventory
) -> Prediction | None:
    if source.get("optional") is True or not ref:
        return None
    setup = f'MountVolume.SetUp failed for volume "{volume}" : '
    found = inventory.get(kind, pod.namespace, ref)
    if found is None:
        cause = "secret-missing" if kind == "Secret" else "configmap-missing"
        return predicted(
            "ContainerCreating",
            "FailedMount",
            f'{setup}{kind.lower()} "{ref}" not found',
            cause,
            ref=ref,
            namespace=pod.namespace or "",
        )
    for item in items(source.get("items")):
        key = text(mapping(item).get("key"))
        if found.keys is not None and key and key not in found.keys:
            detail = (
                "configmap references non-existent config key"
                if kind == "ConfigMap"
                else "references non-existent secret key"
            )
            return predicted(
                "ContainerCreating",
                "FailedMount",
                f"{setup}{detail}: {key}",
                "volume-key-missing",
                key=key,
                volume=volume,
            )
    return None


def _container(
    pod: ClusterObject, container: dict, inventory: Inventory, node: Node | None, minor: int
) -> Prediction | None:
    image = text(container.get("image"))
    error = images.parse_error(image, minor)
    if error is not None:
        return predicted("InvalidImageName", "InvalidImageName", error, "invalid-image-name", image=image)
    if container.get("imagePullPolicy") == "Never" and not _on_node(image, node):
        problem = predicted(
            "ErrImageNeverPull",
            "ErrImageNeverPull",
            f'Container image "{image}" is not present with pull policy of Never',
            "image-never-pull",
            image=image,
        )
        if node is None or not node.images_known:
            pod.notes.append(
                "unless the image was loaded onto the node: --cluster with the nodes' status.images tells"
            )
        return problem
    error = _environment_error(pod, container, inventory)
    if error is not None:
        return error
    if _runs_as_root_against_policy(pod.spec, container):
        return predicted(
            "CreateContainerConfigError",
            "CreateContainerConfigError",
            f'container\'s runAsUser breaks non-root policy (pod: "{pod.name}_{pod.namespace}(<uid>)", '
            f"container: {text(container.get('name'))})",
            "run-as-non-root",
        )
    return None


def _on_node(image: str, node: Node | None) -> bool:
    """Is the image known to be on the pod's node? Only --cluster's status.images can say so."""
    return node is not None and node.images_known and bool(images.names(image) & node.images)


def _environment_error(pod: ClusterObject, container: dict, inventory: Inventory) -> Prediction | None:
    """The kubelet builds the environment from envFrom first, then env; the first reference it
    cannot resolve is a CreateContainerConfigError."""
    namespace = pod.namespace or ""
    references = []
    for source in items(container.get("envFrom")):
        source = mapping(source)
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in source:
                ref = mapping(source[key])
                references.append((kind, text(ref.get("name")), None, ref.get("optional") is True))
    for variable in items(container.get("env")):
        value_from = mapping(mapping(variable).get("valueFrom"))
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if key in value_from:
                ref = mapping(value_from[key])
                references.append(
                    (kind, text(ref.get("name")), text(ref.get("key")), ref.get("optional") is True)
                )
    for kind, name, key, optional in references:
        if optional or not name:
            continue
        found = inventory.get(kind, namespace, name)
        if found is None:
            cause = "secret-missing" if kind == "Secret" else "configmap-missing"
            return predicted(
                "CreateContainerConfigError",
                "CreateContainerConfigError",
                f'{kind.lower()} "{name}" not found',
                cause,
                ref=name,
                namespace=namespace,
            )
        if key and found.keys is not None and key not in found.keys:
            return predicted(
                "CreateContainerConfigError",
                "CreateContainerConfigError",
                f"couldn't find key {key} in {kind} {namespace}/{name}",
                "config-key-missing",
                key=key,
                refkind=kind,
                ref=name,
                namespace=namespace,
            )
    return None


def _runs_as_root_against_policy(spec: dict, container: dict) -> bool:
    """runAsNonRoot with runAsUser 0 given outright: the kubelet refuses without looking at the image."""
    pod_context, own = mapping(spec.get("securityContext")), mapping(container.get("securityContext"))
    non_root = own.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
    user = own.get("runAsUser", pod_context.get("runAsUser"))
    return non_root is True and user == 0
