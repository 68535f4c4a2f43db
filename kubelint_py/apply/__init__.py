"""The simulated apply: what the kube-apiserver would reject or warn about beyond the JSON schema.

`check(document, context)` runs every object-level rule on one object; `check_set(documents, context)`
runs the rules that need the whole input (duplicates, namespaces, order). `RULES` documents them all.
Defaults the apiserver applies on create are in `defaults`, controller naming in `naming`.

The rules are Kubernetes' own (pkg/apis/*/validation, apimachinery's util/validation and
resource.Quantity in kubernetes/kubernetes, Apache-2.0), with the apiserver's wording.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kubelint_py import schemas, workloads
from kubelint_py.apply import (  # noqa: F401  (importing a module registers its rules)
    config,
    containers,
    controllers,
    deprecations,
    env,
    generic,
    jobs,
    metadata,
    networking,
    pods,
    policy,
    probes,
    rbac,
    resources,
    scheduling,
    security,
    selectors,
    services,
    set_checks,
    storage,
    volumes,
)
from kubelint_py.apply.rule import RULES as _RULES
from kubelint_py.apply.rule import Container, Context, Job, Obj, Pod, Rule
from kubelint_py.model import Document, Problem, RuleInfo, Severity

__all__ = ["Context", "check", "check_set", "RULES"]

RULES: list[RuleInfo] = list({rule.id: rule.info for rule in _RULES}.values())

_BY_SCOPE: dict[str, list[Rule]] = {}
for _rule in _RULES:
    _BY_SCOPE.setdefault(_rule.scope, []).append(_rule)

# Before 1.34 the apiserver did not validate a StatefulSet's pod template: the controller fails instead.
_STATEFULSET_TEMPLATE_VALIDATED = 34


def check(document: Document, context: Context) -> Iterator[Problem]:
    """Problems of one object whose apiVersion and kind are strings."""
    api_version, kind = document.body["apiVersion"], document.body["kind"]
    obj = Obj(document, context, context.is_built_in(api_version, kind))
    if not obj.built_in and obj.group in schemas.built_in_groups():
        return  # a removed or unknown built-in kind: the schema stage says so, nothing else applies
    yield from _run(_BY_SCOPE["object"], obj)
    if not obj.built_in:
        return
    yield from _run(_BY_SCOPE.get(obj.kind, ()), obj)
    found = workloads.pod_spec(obj.body)
    if found is not None:
        late = obj.kind == "StatefulSet" and context.minor < _STATEFULSET_TEMPLATE_VALIDATED
        problems = _pod(Pod(obj, found[1], found[0]))
        yield from (_accepted_before_1_34(problem) for problem in problems) if late else problems
    if obj.kind == "Job":
        yield from _run(_BY_SCOPE["job"], Job(obj, obj.spec, ("spec",)))
    elif obj.kind == "CronJob":
        spec = workloads.get(obj.body, ("spec", "jobTemplate", "spec"))
        if isinstance(spec, dict):
            yield from _run(_BY_SCOPE["job"], Job(obj, spec, ("spec", "jobTemplate", "spec")))


def check_set(documents: Iterable[Document], context: Context) -> Iterator[tuple[Document, Problem]]:
    """Problems of the input as a whole: call once every document has been read."""
    objects = [
        d
        for d in documents
        if isinstance(d.body, dict)
        and isinstance(d.body.get("kind"), str)
        and isinstance(d.body.get("apiVersion"), str)
    ]
    yield from set_checks.check(objects, context)


def _pod(pod: Pod) -> Iterator[Problem]:
    yield from _run(_BY_SCOPE["pod"], pod)
    container_rules = _BY_SCOPE["container"]
    for path, body in pod.containers():
        yield from _run(container_rules, Container(pod, body, path, path[-2]))


def _run(rules: Iterable[Rule], subject: object) -> Iterator[Problem]:
    for rule in rules:
        for problem in rule.check(subject):
            yield Problem(
                problem.path,
                problem.message,
                problem.fix,
                problem.rule or rule.id,
                problem.severity or rule.info.severity,
            )


def _accepted_before_1_34(problem: Problem) -> Problem:
    if problem.severity != Severity.ERROR:
        return problem
    return Problem(
        problem.path,
        problem.message + " (accepted by the apiserver before Kubernetes 1.34: the "
        "StatefulSet controller then fails to create the pods)",
        problem.fix,
        problem.rule,
        Severity.WARNING,
    )
