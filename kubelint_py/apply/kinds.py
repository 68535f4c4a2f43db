"""Facts about built-in kinds the schemas do not carry: scope and the format of their names.

Taken from the registry strategies and validation in kubernetes/kubernetes (Apache-2.0).
"""

from __future__ import annotations

from typing import Callable

from kubelint_py.apply import formats

# (API group, kind) of every built-in cluster-scoped kind; every other built-in kind is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("policy", "PodSecurityPolicy"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
    }
)

WELL_KNOWN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def is_cluster_scoped(api_version: str, kind: str) -> bool:
    return (group_of(api_version), kind) in CLUSTER_SCOPED


NameCheck = Callable[[str], list[str]]

# kind -> (check, what it is called in fixes); built-in kinds not listed are DNS subdomains.
_NAME_FORMATS: dict[str, tuple[NameCheck, str]] = {
    "Namespace": (formats.is_dns1123_label, "a DNS-1123 label"),
    "StatefulSet": (
        formats.is_dns1123_label,
        "a DNS-1123 label",
    ),  # since 1.27; pods and hostnames derive from it
    "Service": (formats.is_dns1035_label, "a DNS-1035 label"),
    "Role": (formats.is_path_segment, "a path segment"),
    "ClusterRole": (formats.is_path_segment, "a path segment"),
    "RoleBinding": (formats.is_path_segment, "a path segment"),
    "ClusterRoleBinding": (formats.is_path_segment, "a path segment"),
    "FlowSchema": (formats.is_path_segment, "a path segment"),
    "PriorityLevelConfiguration": (formats.is_path_segment, "a path segment"),
    "CertificateSigningRequest": (formats.is_path_segment, "a path segment"),
    "APIService": (formats.is_path_segment, "a path segment"),
}
_SUBDOMAIN = (formats.is_dns1123_subdomain, "a DNS-1123 subdomain")


def name_format(kind: str) -> tuple[NameCheck, str]:
    """The check for metadata.name of a kind, and its description; custom resources are DNS subdomains."""
    return _NAME_FORMATS.get(kind, _SUBDOMAIN)
