"""How an apply/ rule is declared, and what a check receives.

A rule is a small generator function decorated with `@rule(...)`, which records its id, default
severity, scope and documentation beside it. The scope says what the check is called with:

- "object": every object (`Obj`), built-in kinds and custom resources alike;
- "pod": every pod spec, of a Pod or of a controller's template (`Pod`);
- "container": every init, regular and ephemeral container (`Container`);
- "job": every Job spec, of a Job or of a CronJob's jobTemplate (`Job`);
- a kind, e.g. "Service": every object of that built-in kind (`Obj`);
- "set": the input as a whole, once every file is read (set_checks.py runs these itself).

Checks yield `Problem`s whose paths start at the object's root; the dispatcher in `__init__` adds the
rule id and severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from kubelint_py import schemas, workloads
from kubelint_py.model import Document, Problem, RuleInfo, Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Context:
    """What one run knows beyond the object itself."""

    version: str  # target Kubernetes version, e.g. "1.33"
    assume_namespaces: frozenset[str] = frozenset()  # namespaces that exist in the cluster already
    namespace: str | None = None  # what `kubectl apply --namespace` would pass: the default, and it exists

    @property
    def minor(self) -> int:
        return int(self.version.split(".")[1])

    def is_built_in(self, api_version: str, kind: str) -> bool:
        """Does the target version serve this apiVersion and kind?"""
        return kind in schemas.bundle(self.version)["kinds"].get(api_version, ())


@dataclass(frozen=True, slots=True)
class Rule:
    info: RuleInfo
    scope: str
    check: Callable[[Any], Iterable[Problem]]

    @property
    def id(self) -> str:
        return self.info.id


RULES: list[Rule] = []


def rule(
    id: str,
    severity: Severity,
    scope: str | tuple[str, ...],
    category: str,
    summary: str,
    *,
    why: str,
    example: str,
    fix: str,
) -> Callable:
    """Declare a check: `example` is a YAML snippet the rule reports, `fix` says what to do instead."""
    docs = (
        f"## What it does\n{summary}\n\n## Why it matters\n{why}\n\n"
        f"## Example\n```yaml\n{example.strip()}\n```\n\n## Fix\n{fix}\n"
    )
    info = RuleInfo(id, category, severity, summary, docs)

    def register(check: Callable) -> Callable:
        for one in (scope,) if isinstance(scope, str) else scope:
            RULES.append(Rule(info, one, check))
        return check

    return register


# --- subjects ------------------------------------------------------------------------------------


def mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list:
    return value if isinstance(value, list) else []


def empty(value: Any) -> bool:
    """A list that is missing or empty; a value of another type is the schema's problem, not emptiness."""
    return value is None or value == []


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(slots=True)
class Obj:
    """One object: its body, kind, metadata and the run's context."""

    document: Document
    context: Context
    built_in: bool
    body: dict = field(init=False)
    kind: str = field(init=False)
    api_version: str = field(init=False)
    meta: dict = field(init=False)
    spec: dict = field(init=False)

    def __post_init__(self) -> None:
        self.body = self.document.body
        self.kind, self.api_version = self.body["kind"], self.body["apiVersion"]
        self.meta = mapping(self.body.get("metadata"))
        self.spec = mapping(self.body.get("spec"))

    @property
    def minor(self) -> int:
        return self.context.minor

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def name(self) -> str | None:
        return text(self.meta.get("name"))

    def metadata_blocks(self) -> Iterator[tuple[tuple, dict]]:
        """(path, metadata) of the object and of the templates it holds, for label and annotation rules."""
        yield ("metadata",), self.meta
        found = workloads.pod_template(self.body)
        if found and found[0]:
            yield found[0] + ("metadata",), mapping(found[1].get("metadata"))
        if self.kind == "CronJob":
            yield (
                ("spec", "jobTemplate", "metadata"),
                mapping(workloads.get(self.body, ("spec", "jobTemplate", "metadata"))),
            )
        if self.kind == "StatefulSet":
            for index, claim in enumerate(items(self.spec.get("volumeClaimTemplates"))):
                yield (
                    ("spec", "volumeClaimTemplates", index, "metadata"),
                    mapping(mapping(claim).get("metadata")),
                )


@dataclass(slots=True)
class Pod:
    """A pod spec: a Pod's own, or the template of a controller."""

    obj: Obj
    spec: dict
    path: tuple  # from the object's root to the pod spec
    _volumes: dict | None = None

    @property
    def is_template(self) -> bool:
        return self.obj.kind != "Pod"

    def at(self, *parts: Any) -> tuple:
        return self.path + parts

    @property
    def template_metadata(self) -> dict:
        return (
            mapping(workloads.get(self.obj.body, self.path[:-1] + ("metadata",)))
            if self.is_template
            else self.obj.meta
        )

    def containers(self, lists: tuple[str, ...] = workloads.CONTAINER_LISTS) -> Iterator[tuple[tuple, dict]]:
        """(path from the object's root, container) for the named container lists."""
        for path, container in workloads.containers(self.spec, lists):
            yield self.path + path, container

    def volumes(self) -> dict[str, dict]:
        """Volumes by name; a StatefulSet's volumeClaimTemplates count as volumes."""
        if self._volumes is None:
            found = {}
            for volume in items(self.spec.get("volumes")):
                if isinstance(volume, dict) and isinstance(volume.get("name"), str):
                    found.setdefault(volume["name"], volume)
            if self.obj.kind == "StatefulSet":
                for claim in items(self.obj.spec.get("volumeClaimTemplates")):
                    name = text(mapping(mapping(claim).get("metadata")).get("name"))
                    if name:
                        found.setdefault(name, {"name": name, "persistentVolumeClaim": {"claimName": name}})
            self._volumes = found
        return self._volumes


@dataclass(slots=True)
class Container:
    pod: Pod
    body: dict
    path: tuple  # from the object's root
    list_name: str  # initContainers, containers or ephemeralContainers

    def at(self, *parts: Any) -> tuple:
        return self.path + parts

    @property
    def is_init(self) -> bool:
        return self.list_name == "initContainers"

    @property
    def is_sidecar(self) -> bool:
        return self.is_init and self.body.get("restartPolicy") == "Always"


@dataclass(slots=True)
class Job:
    """A Job spec: a Job's own, or a CronJob's jobTemplate."""

    obj: Obj
    spec: dict
    path: tuple

    def at(self, *parts: Any) -> tuple:
        return self.path + parts


def walk(value: Any, pattern: tuple, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every existing value matching a pattern; "*" matches any list item or map value."""
    if not pattern:
        yield path, value
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, rest, path + (index,))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, rest, path + (key,))
    elif isinstance(value, dict) and head in value:
        yield from walk(value[head], rest, path + (head,))
