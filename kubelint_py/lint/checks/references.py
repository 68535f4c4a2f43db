"""Set-wide rules about what pods and bindings refer to by name: ServiceAccounts, ConfigMaps and Secrets
(and the keys taken from them), PersistentVolumeClaims, Roles.

`optional: true` references are never reported. A missing object is only reported when the referrer's
bundle defines objects of its kind (inventory.py); a missing key is reported whenever the object is in
the input, because then the input says exactly what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator
from weakref import WeakKeyDictionary

from kubelint_py.lint.inventory import Inventory, PodTemplate, as_list, namespace_of, same_namespace
from kubelint_py.model import Document, Problem
from kubelint_py.workloads import get

Found = Iterator[tuple[Document, Problem]]
# Roles every cluster has (kube-apiserver bootstraps them, and every system:* one): a binding to them is
# never dangling.
BOOTSTRAP_CLUSTER_ROLES = frozenset({"cluster-admin", "admin", "edit", "view"})
BOOTSTRAP_ROLES = frozenset({"extension-apiserver-authentication-reader"})  # in kube-system


@dataclass(frozen=True)
class Reference:
    kind: str  # ConfigMap, Secret, PersistentVolumeClaim, ServiceAccount
    name: str
    path: tuple  # of the name, in the object
    keys: tuple[tuple[str, tuple], ...] = ()  # (key, path of the key) taken from it
    optional: bool = False
    what: str = ""  # how it is used, for messages


def pod_references(template: PodTemplate) -> Iterator[Reference]:
    spec, base = template.spec, template.spec_path
    account = spec.get("serviceAccountName")
    if isinstance(account, str) and account and account != "default":
        yield Reference("ServiceAccount", account, base + ("serviceAccountName",), what="serviceAccountName")
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        if isinstance(volume, dict):
            yield from _volume_references(volume, base + ("volumes", i))
    for i, secret in enumerate(as_list(spec.get("imagePullSecrets"))):
        if isinstance(secret, dict) and isinstance(secret.get("name"), str):
            yield Reference("Secret", secret["name"], base + ("imagePullSecrets", i, "name"), what="imagePullSecrets")
    for path, container in template.containers():
        yield from _container_references(container, path)


def _volume_references(volume: dict, path: tuple) -> Iterator[Reference]:
    what = f"volume {volume.get('name')}"
    yield from _sources(volume, path, "secretName", what)
    for i, source in enumerate(as_list(get(volume, ("projected", "sources")))):
        if isinstance(source, dict):
            yield from _sources(source, path + ("projected", "sources", i), "name", what)
    claim = get(volume, ("persistentVolumeClaim", "claimName"))
    if isinstance(claim, str):
        yield Reference("PersistentVolumeClaim", claim, path + ("persistentVolumeClaim", "claimName"), what=what)


def _sources(source: dict, path: tuple, secret_name: str, what: str) -> Iterator[Reference]:
    """A volume's (or a projected source's) configMap and secret; volumes name a Secret by secretName."""
    for kind, key, field in (("ConfigMap", "configMap", "name"), ("Secret", "secret", secret_name)):
        item = source.get(key)
        name = item.get(field) if isinstance(item, dict) else None
        if isinstance(name, str):
            keys = tuple((i.get("key"), path + (key, "items", n, "key"))
                         for n, i in enumerate(as_list(item.get("items"))) if isinstance(i, dict))
            yield Reference(kind, name, path + (key, field), keys, item.get("optional") is True, what)


def _container_references(container: dict, path: tuple) -> Iterator[Reference]:
    what = f"container {container.get('name')}"
    for i, variable in enumerate(as_list(container.get("env"))):
        for kind, ref in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            item = get(variable, ("valueFrom", ref))
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                where = path + ("env", i, "valueFrom", ref)
                yield Reference(kind, item["name"], where + ("name",), ((item.get("key"), where + ("key",)),),
                                item.get("optional") is True, what)
    for i, source in enumerate(as_list(container.get("envFrom"))):
        for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            item = source.get(ref) if isinstance(source, dict) else None
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                yield Reference(kind, item["name"], path + ("envFrom", i, ref, "name"), (),
                                item.get("optional") is True, what)


# Six rules ask for the references of one run's pod templates: each template is walked once.
_FOUND: WeakKeyDictionary[Inventory, list[tuple[PodTemplate, Reference]]] = WeakKeyDictionary()


def _references(inventory: Inventory, kinds: tuple[str, ...]) -> Iterator[tuple[PodTemplate, Reference]]:
    """The references to objects of these kinds that the pods cannot do without."""
    if inventory not in _FOUND:
        _FOUND[inventory] = [(template, reference) for template in inventory.pod_templates
                             for reference in _required(template)]
    return ((template, reference) for template, reference in _FOUND[inventory] if reference.kind in kinds)


def _required(template: PodTemplate) -> Iterator[Reference]:
    claims = _claim_templates(template)
    for reference in pod_references(template):
        if not reference.optional and not (reference.kind == "PersistentVolumeClaim" and reference.name in claims):
            yield reference


def _claim_templates(template: PodTemplate) -> set[str]:
    """A StatefulSet makes a claim per pod from each volumeClaimTemplate; a volume of the same name is
    replaced by it, whatever claimName it gives."""
    if template.kind != "StatefulSet":
        return set()
    claims = get(template.document.body, ("spec", "volumeClaimTemplates"))
    names = (get(claim, ("metadata", "name")) for claim in as_list(claims))
    return {name for name in names if isinstance(name, str)}


def _missing(inventory: Inventory, kind: str) -> Found:
    for template, reference in _references(inventory, (kind,)):
        if not inventory.expects(kind, template.document):
            continue
        if inventory.find(kind, reference.name, template.namespace) is None:
            yield template.document, Problem(reference.path,
                                             f"{kind} {reference.name} ({reference.what}) is not in the input; "
                                             "the pod will not start without it",
                                             f"Add {kind} {reference.name}, fix the name, or mark the reference "
                                             "optional: true if the pod can run without it."
                                             if kind in ("ConfigMap", "Secret") else
                                             f"Add {kind} {reference.name}, or fix the name.")


def configmap_missing(inventory: Inventory, params: dict) -> Found:
    return _missing(inventory, "ConfigMap")


def secret_missing(inventory: Inventory, params: dict) -> Found:
    return _missing(inventory, "Secret")


def service_account_missing(inventory: Inventory, params: dict) -> Found:
    return _missing(inventory, "ServiceAccount")


def pvc_missing(inventory: Inventory, params: dict) -> Found:
    return _missing(inventory, "PersistentVolumeClaim")


def _key_missing(inventory: Inventory, kind: str, fields: tuple[str, ...]) -> Found:
    for template, reference in _references(inventory, (kind,)):
        found = inventory.find(kind, reference.name, template.namespace)
        if found is None or not reference.keys:
            continue
        held = set()
        for field in fields:
            data = found.body.get(field)
            if isinstance(data, dict):
                held |= set(data)
        for key, path in reference.keys:
            if isinstance(key, str) and key not in held:
                offered = ", ".join(sorted(held)) or "no keys"
                yield template.document, Problem(path, f"{kind} {reference.name} has no key {key!r} "
                                                       f"({reference.what}); it holds {offered}",
                                                 f"Use one of its keys ({offered}), add {key} to the {kind}, or mark "
                                                 "the reference optional: true.")


def configmap_key_missing(inventory: Inventory, params: dict) -> Found:
    return _key_missing(inventory, "ConfigMap", ("data", "binaryData"))


def secret_key_missing(inventory: Inventory, params: dict) -> Found:
    return _key_missing(inventory, "Secret", ("data", "stringData"))


def role_ref_missing(inventory: Inventory, params: dict) -> Found:
    for document in inventory.of_kind("RoleBinding", "ClusterRoleBinding"):
        ref = get(document.body, ("roleRef",))
        if not isinstance(ref, dict) or ref.get("kind") not in ("Role", "ClusterRole"):
            continue
        kind, name = ref["kind"], ref.get("name")
        if not isinstance(name, str) or (kind == "ClusterRole" and _bootstrap(name)) or (
                kind == "Role" and (name in BOOTSTRAP_ROLES or name.startswith("system:"))):
            continue
        namespace = namespace_of(document.body)
        if inventory.expects(kind, document) and inventory.find(kind, name, namespace) is None:
            yield document, Problem(("roleRef", "name"), f"{kind} {name} is not in the input, so the binding "
                                                         "grants nothing", f"Add {kind} {name}, or fix roleRef.name.")


def _bootstrap(name: str) -> bool:
    return name in BOOTSTRAP_CLUSTER_ROLES or name.startswith("system:")


def _bound_accounts(inventory: Inventory) -> list[tuple[str, str | None]]:
    """(name, namespace) of the ServiceAccounts the input's bindings grant a role to."""
    bound = []
    for binding in inventory.of_kind("RoleBinding", "ClusterRoleBinding"):
        for subject in as_list(binding.body.get("subjects")):
            if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount":
                namespace = subject.get("namespace") or namespace_of(binding.body)
                bound.append((subject.get("name"), namespace))
    return bound


def automount_service_account_token(inventory: Inventory, params: dict) -> Found:
    bound = _bound_accounts(inventory)
    for template in inventory.pod_templates:
        spec, base = template.spec, template.spec_path
        own = spec.get("automountServiceAccountToken")
        if own is False:
            continue
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        if name != "default" and any(name == n and same_namespace(namespace, template.namespace)
                                     for n, namespace in bound):
            continue  # the input grants its ServiceAccount a role: the pods use the API and need the token
        account = inventory.find("ServiceAccount", name, template.namespace) if isinstance(name, str) else None
        if own is None and account is not None and account.body.get("automountServiceAccountToken") is False:
            continue
        path = base + ("automountServiceAccountToken",) if own is not None else base
        yield template.document, Problem(path, f"{template.kind} {template.name}: pods get a Kubernetes API token "
                                               f"(ServiceAccount {name}) mounted, whether they use it or not",
                                         "Set automountServiceAccountToken: false in the pod spec (or on the "
                                         "ServiceAccount); pods that call the API can mount a projected token.")
