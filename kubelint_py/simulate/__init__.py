"""`kubelint simulate`: the objects an apply would leave in the cluster, who creates each one, and
what would become of every pod, without a cluster.

    inputs ─ engine (the same reading, schema and apply checks as `kubelint check`): objects the
             apiserver would reject are not created
      └─ inventory (what exists: the input, --cluster, what controllers create at once)
          └─ controllers (ReplicaSets, Pods, claims, Jobs, named as the controllers name them)
              └─ each pod: kubelet.admit → scheduling (--cluster) → kubelet.start
          └─ relations (Services, Ingresses, autoscalers, disruption budgets)
              └─ render (tree | json)

The pod pipeline and its causes are those of `kubelint diagnose` (diagnose/causes.yaml and the
scheduler's messages in diagnose/scheduler.py): one model for what goes wrong before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from kubelint_py import reading
from kubelint_py.model import NO_OBJECT, Document, Finding, Severity
from kubelint_py.simulate.cluster import Cluster
from kubelint_py.simulate.inventory import Inventory
from kubelint_py.simulate.model import ClusterObject, Prediction, mapping, text
from kubelint_py.simulate.storage import Storage

__all__ = ["Options", "Result", "run"]

# Rules whose errors do not stop an object from being created: the later of two definitions wins.
_NOT_A_REJECTION = frozenset(("apply/duplicate-object",))
# How kubectl reports a refusal: a body the apiserver cannot decode is a BadRequest, a kind it does not
# serve never leaves kubectl (no matches for kind), everything else fails validation (Invalid).
_REJECTION_REASONS = {
    "schema/unknown-field": "BadRequest",
    "schema/type": "BadRequest",
    "yaml/duplicate-key": "BadRequest",
    "schema/removed-api": "NoKindMatch",
    "schema/unknown-kind": "NoKindMatch",
}
# Documents that are no object at all: reported as input that could not be read.
_NOT_AN_OBJECT = frozenset(("schema/not-an-object", "schema/missing-kind", "schema/missing-api-version"))


@dataclass(frozen=True)
class Options:
    kubernetes_version: str
    now: datetime  # when the apply happens: a CronJob's next run is counted from it
    cluster: str | None = None  # --cluster FILE
    namespace: str | None = None  # kubectl apply --namespace
    max_file_bytes: int = reading.MAX_FILE_BYTES


@dataclass
class Result:
    objects: list[ClusterObject] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: input that could not be read
    files: int = 0
    options: Options | None = None
    cluster: Cluster | None = None

    @property
    def problems(self) -> list[ClusterObject]:
        return [o for o in self.objects if o.predicted is not None and o.predicted.problem]


def run(paths: list[str], options: Options) -> Result:
    from kubelint_py.simulate import controllers
    from kubelint_py.simulate.cluster import read as read_cluster
    from kubelint_py.simulate.relations import Relations
    from kubelint_py.simulate.scheduling import Scheduler

    result = Result(options=options)
    documents, rejections, built_in = _read(paths, options, result)
    inventory = Inventory()
    if options.cluster:
        result.cluster = read_cluster(options.cluster, options.max_file_bytes)
        result.errors.extend(result.cluster.errors)
        for kind, namespace, name, body in result.cluster.objects:
            inventory.add(kind, namespace, name, body)
    tops = [_top(document, options, built_in, rejections) for document in _last_wins(documents, options)]
    accepted = [top for top in tops if top.predicted is None]  # the others are rejected
    storage = Storage(
        result.cluster,
        [t.body for t in accepted if t.kind == "StorageClass"],
        [t.body for t in accepted if t.kind == "PersistentVolume"],
    )
    claims: dict[tuple[str, str], ClusterObject] = {}
    scheduler = Scheduler(
        result.cluster,
        lambda ns, name: _claim_state(claims, inventory, storage, ns, name),
        lambda ns: _namespace_labels(inventory, ns),
        _minor(options.kubernetes_version),
    )
    world = controllers.World(
        options.kubernetes_version,
        options.now,
        inventory,
        storage,
        scheduler,
        result.cluster.nodes if result.cluster else None,
        claims,
    )
    created_at_once = {id(top): controllers.register(top, world) for top in accepted}
    for top in tops:
        result.objects.append(top)
        if id(top) in created_at_once:
            result.objects.extend(created_at_once[id(top)])
            result.objects.extend(controllers.expand(top, world))
    Relations(result.objects, inventory).predict(result.objects)
    return result


# --- reading the input ------------------------------------------------------------------------------


def _read(paths: list[str], options: Options, result: Result) -> tuple[list[Document], dict, Callable]:
    """The input's objects, checked as `kubelint check` checks them; which ones the apiserver would
    reject; and the input errors (one line each) in `result.errors`."""
    from dataclasses import replace

    from kubelint_py import discovery, engine
    from kubelint_py.catalog import default_policy

    # The apiserver's verdict, not the project's taste: no lint rules, and no configured severities.
    policy = replace(default_policy(), active=())
    run = engine.Run(
        engine.Options(
            kubernetes_version=options.kubernetes_version,
            namespace=options.namespace,
            max_file_bytes=options.max_file_bytes,
            policy=policy,
        )
    )
    for path in discovery.discover(paths):
        run.check_file(path)
    report = run.finish()
    result.files = report.files
    rejections: dict[tuple, list[Finding]] = {}
    for finding in report.findings:
        if finding.severity != Severity.ERROR:
            continue
        if (
            finding.rule.startswith(("input/", "yaml/"))
            and finding.rule != "yaml/duplicate-key"
            or finding.rule in _NOT_AN_OBJECT
        ):
            result.errors.append(f"{finding.file}:{finding.line}: {finding.message}")
        elif finding.rule.startswith(("schema/", "apply/", "yaml/")) and finding.rule not in _NOT_A_REJECTION:
            ref = None if finding.object == NO_OBJECT else finding.object
            rejections.setdefault((finding.file, finding.document, ref), []).append(finding)
    documents = [
        d
        for d in run.documents
        if isinstance(d.body, dict)
        and isinstance(d.body.get("kind"), str)
        and d.body["kind"]
        and isinstance(d.body.get("apiVersion"), str)
        and d.body["apiVersion"]
    ]
    return documents, rejections, run.apply.is_built_in


def _last_wins(documents: list[Document], options: Options) -> list[Document]:
    """The same object twice: `kubectl apply` applies both, and the later one is what exists."""
    last: dict[tuple, int] = {}
    for i, document in enumerate(documents):
        ref = document.ref
        last[(ref.api_version.rpartition("/")[0], ref.kind, ref.namespace or options.namespace, ref.name)] = i
    keep = set(last.values())
    return [d for i, d in enumerate(documents) if i in keep]


def _top(document: Document, options: Options, built_in: Callable, rejections: dict) -> ClusterObject:
    from kubelint_py.apply import defaults, kinds

    body = document.body
    api_version, kind = body["apiVersion"], body["kind"]
    meta = mapping(body.get("metadata"))
    namespace = (
        None
        if kinds.is_cluster_scoped(api_version, kind)
        else (text(meta.get("namespace")) or options.namespace or "default")
    )
    line = document.extra.get("line") or document.locate(())[0]
    is_built_in = built_in(api_version, kind)
    top = ClusterObject(
        api_version,
        kind,
        namespace,
        text(meta.get("name")) or text(meta.get("generateName")),
        (document.file, line),
        body=defaults.defaulted(document, options.kubernetes_version) if is_built_in else body,
    )
    findings = rejections.get((document.file, document.index, document.ref), []) + rejections.get(
        (document.file, document.index, None), []
    )
    if findings:
        top.predicted = _rejected(findings)
    return top


def _rejected(findings: list[Finding]) -> Prediction:
    """What `kubectl apply` answers for an object the apiserver refuses: the first error, with the count."""
    first = min(findings, key=Finding.sort_key)
    more = f" (and {len(findings) - 1} more: kubelint check {first.file})" if len(findings) > 1 else ""
    where = f"{first.path}: " if first.path else ""
    reason = _REJECTION_REASONS.get(first.rule, "Invalid")
    return Prediction("Rejected", reason, f"{where}{first.message} [{first.rule}]{more}", fix=first.fix)


# --- lookups the scheduler makes ---------------------------------------------------------------------


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def _claim_state(
    claims: dict, inventory: Inventory, storage: Storage, namespace: str, name: str
) -> str | None:
    """ "missing", "unbound" (pods wait before scheduling), "waiting" (no volume to bind on any node,
    WaitForFirstConsumer) or None (bound, or unknown without --cluster)."""
    claim = claims.get((namespace, name))
    if claim is None:
        known = inventory.get("PersistentVolumeClaim", namespace, name)
        if known is None:
            return "missing"
        phase = text(mapping(mapping(known.body).get("status")).get("phase"))
        return "unbound" if phase == "Pending" else None
    if claim.predicted is not None and claim.predicted.problem:
        return "waiting" if storage.waits_for_consumer(claim) else "unbound"
    return None


def _namespace_labels(inventory: Inventory, namespace: str) -> dict:
    known = inventory.get("Namespace", None, namespace)
    labels = dict(mapping(mapping(mapping(known.body if known else None).get("metadata")).get("labels")))
    labels.setdefault("kubernetes.io/metadata.name", namespace)
    return labels
