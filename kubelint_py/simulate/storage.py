"""Whether a PersistentVolumeClaim gets a volume: the DefaultStorageClass admission plugin and the
PersistentVolume controller (pkg/controller/volume/persistentvolume, Apache-2.0), as far as the
StorageClasses and free PersistentVolumes of --cluster and the input tell. Without --cluster, or a
--cluster file that says nothing about storage, no claim is judged: the classes are unknown.
"""

from __future__ import annotations

from decimal import Decimal

from kubelint_py.apply import quantity
from kubelint_py.simulate.cluster import DEFAULT_CLASS_ANNOTATIONS, Cluster, StorageClass
from kubelint_py.simulate.model import ClusterObject, Prediction, items, mapping, predicted, text

NO_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


class Storage:
    def __init__(self, cluster: Cluster | None, classes: list[dict], volumes: list[dict]):
        self.known = cluster is not None and cluster.storage_classes is not None
        self.classes: dict[str, StorageClass] = dict(cluster.storage_classes or {}) if cluster else {}
        for body in classes:  # the input's StorageClasses exist once applied
            meta = mapping(body.get("metadata"))
            annotations = mapping(meta.get("annotations"))
            self.classes[text(meta.get("name"))] = StorageClass(
                text(meta.get("name")),
                text(body.get("provisioner")),
                text(body.get("volumeBindingMode")) or "Immediate",
                any(annotations.get(a) == "true" for a in DEFAULT_CLASS_ANNOTATIONS),
            )
        self.free = list(cluster.volumes if cluster else ()) + list(volumes)

    def class_of(self, claim: ClusterObject) -> StorageClass | None:
        """The claim's StorageClass after admission (which gives a claim without one the default)."""
        name = claim.spec.get("storageClassName")
        if name is None:
            return next((c for c in self.classes.values() if c.default), None)
        return self.classes.get(name) if name else None

    def waits_for_consumer(self, claim: ClusterObject) -> bool:
        storage_class = self.class_of(claim)
        return storage_class is not None and storage_class.binding_mode == WAIT_FOR_FIRST_CONSUMER

    def bind(self, claim: ClusterObject) -> Prediction | None:
        """Bound, or Pending with the PersistentVolume controller's reason; None when unknown."""
        if not self.known:
            return None
        name = claim.spec.get("storageClassName")
        storage_class = self.class_of(claim)
        volume = self._take_volume(claim, storage_class.name if storage_class else text(name))
        if volume is not None:
            return Prediction("Bound", message=f"bound to the PersistentVolume {volume}")
        if name and storage_class is None:
            return predicted(
                "Pending",
                "ProvisioningFailed",
                f'storageclass.storage.k8s.io "{name}" not found',
                "storageclass-missing",
                storageclass=name,
            )
        if storage_class is None:
            return predicted(
                "Pending",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
                "no-storageclass",
            )
        if storage_class.provisioner == NO_PROVISIONER:
            return predicted(
                "Pending",
                "FailedBinding",
                "no persistent volumes available for this claim",
                "no-volume-to-bind",
            )
        wait = (
            " once its first pod is scheduled"
            if storage_class.binding_mode == WAIT_FOR_FIRST_CONSUMER
            else ""
        )
        by = f" by {storage_class.provisioner}" if storage_class.provisioner else ""
        return Prediction("Bound", message=f"provisioned{by} (StorageClass {storage_class.name}){wait}")

    def _take_volume(self, claim: ClusterObject, class_name: str) -> str | None:
        """A free PersistentVolume that fits the claim; it is bound to this claim from now on."""
        spec = claim.spec
        wanted = quantity.parse_or_none(
            mapping(mapping(spec.get("resources")).get("requests")).get("storage")
        )
        modes = set(items(spec.get("accessModes")))
        for volume in self.free:
            volume_spec = mapping(volume.get("spec"))
            size = quantity.parse_or_none(mapping(volume_spec.get("capacity")).get("storage")) or Decimal(0)
            if (
                text(volume_spec.get("storageClassName")) == class_name
                and (wanted is None or size >= wanted)
                and modes <= set(items(volume_spec.get("accessModes")))
                and text(volume_spec.get("volumeMode")) in ("", text(spec.get("volumeMode")) or "Filesystem")
            ):
                self.free.remove(volume)
                return text(mapping(volume.get("metadata")).get("name"))
        return None
