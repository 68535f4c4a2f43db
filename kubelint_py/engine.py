"""One `kubelint check` run: load → documents → schema → (apply simulation, rules) → sorted findings.

Files are handled one at a time and their parse trees released afterwards, so memory follows the
largest file rather than the whole input. What needs the whole input (custom resources, whose CRD
may come later; set-wide checks) runs once every file has been read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from kubelint_py import loader
from kubelint_py.lint.linter import Linter
from kubelint_py.model import Document, Finding, Problem, Severity
from kubelint_py.schemas import Schemas, built_in_groups
from kubelint_py.silence import Silencer

CRD_KIND = ("apiextensions.k8s.io/v1", "CustomResourceDefinition")


@dataclass(frozen=True)
class Options:
    kubernetes_version: str
    strict: bool = True
    schema_dirs: tuple[str, ...] = ()
    ignore_missing_schemas: bool = False
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = loader.MAX_FILE_BYTES
    policy: Any = None  # config.Policy: which rules run and how severe; None for the defaults


@dataclass
class Report:
    kubernetes_version: str
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    documents: int = 0  # YAML documents read
    unreadable: int = 0  # documents reported instead of checked: unparsable, not an object, no kind
    objects: int = 0  # objects checked (a List document holds several)
    stdin: str | None = None  # the text read from stdin, for showing offending lines

    @property
    def checked(self) -> int:
        return self.documents - self.unreadable

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


class Run:
    def __init__(self, options: Options):
        self.options = options
        self.schemas = Schemas(options.kubernetes_version, options.strict, options.schema_dirs)
        self.report = Report(options.kubernetes_version)
        self.documents: list[Document] = []
        self.deferred: list[Document] = []  # objects whose schema may come from a CRD read later
        if options.policy is None:
            from kubelint_py.catalog import default_policy

            options = replace(options, policy=default_policy())
            self.options = options
        self.policy = options.policy
        self.linter = Linter(list(self.policy.active), frozenset(built_in_groups()))
        self.silencer = Silencer(self.policy.known)

    def check_file(self, path: str) -> None:
        loaded = loader.load_path(path, self.options.max_file_bytes)
        report = self.report
        report.files += 1
        report.documents += loaded.read
        report.unreadable += loaded.unreadable
        report.findings.extend(loaded.findings)
        if path == loader.STDIN:
            report.stdin = loaded.text
        for document in loaded.documents:
            if self._is_object(document):
                self._check_object(document)
            elif not document.base:  # a List's broken item is reported, the List itself was checked
                report.unreadable += 1
        self.silencer.scan(loaded)
        for document in loaded.documents:
            document.locate_fn.release()
        self.documents.extend(loaded.documents)

    def _is_object(self, document: Document) -> bool:
        """Does it have the shape of a Kubernetes object? Reports what it lacks."""
        body = document.body
        if not isinstance(body, dict):
            what = {list: "a list", str: "a string", type(None): "empty"}.get(type(body), f"a {type(body).__name__}")
            self._emit(document, Problem((), f"document is {what}, not a Kubernetes object",
                                         "Each document must be a mapping with apiVersion, kind and metadata.",
                                         "schema/not-an-object"))
            return False
        shaped = True
        for key, rule, example in (("apiVersion", "schema/missing-api-version", "apiVersion: apps/v1"),
                                   ("kind", "schema/missing-kind", "kind: Deployment")):
            value = body.get(key)
            if isinstance(value, str) and value:
                continue
            shaped = False
            if key not in body:
                self._emit(document, Problem((), f"{key} is missing", f"Add {example}.", rule))
            else:
                what = "empty" if value in ("", None) else f"a {type(value).__name__}, not a string"
                self._emit(document, Problem((key,), f"{key} is {what}", f"Set {example}.", rule))
        return shaped

    def _check_object(self, document: Document) -> None:
        self.report.objects += 1
        api_version, kind = document.body["apiVersion"], document.body["kind"]
        if (api_version, kind) == CRD_KIND:
            self.schemas.add_crd(document.body, document.file)
        if self.schemas.is_built_in(api_version, kind):
            self._validate(document)
        else:
            self.deferred.append(document)
        for problem in self.linter.check(document):
            self._emit(document, problem)

    def _validate(self, document: Document) -> None:
        for problem in self.schemas.validate(document.body, document.file):
            if problem.rule == "schema/missing-schema" and self.options.ignore_missing_schemas:
                continue
            self._emit(document, problem)

    def finish(self) -> Report:
        for document in self.deferred:
            self._validate(document)
        for document, problem in self.linter.finish(self.documents):
            self._emit(document, problem)
        for document in self.documents:
            document.locate_fn.release()
        self.report.findings = self._configured(self.silencer.filter(self.report.findings))
        self.report.findings.sort(key=Finding.sort_key)
        return self.report

    def _configured(self, findings: list[Finding]) -> list[Finding]:
        """Findings of rules switched off in configuration dropped, configured severities applied."""
        policy = self.policy
        kept = [replace(f, severity=policy.severities[f.rule]) if f.rule in policy.severities else f
                for f in findings if f.rule not in policy.disabled]
        ran = frozenset(a.rule.id for a in policy.active) | (policy.known - policy.disabled
                                                             - {r.id for r in policy.lint_rules})
        return kept + [f for f in self.silencer.unused(ran) if f.rule not in policy.disabled]

    def _emit(self, document: Document, problem: Problem) -> None:
        self.report.findings.append(document.finding(
            problem.rule or "", problem.severity or Severity.ERROR, problem.message, problem.fix, problem.path))


def check(paths: list[str], options: Options) -> Report:
    """Check every manifest under `paths` ("-" is stdin)."""
    run = Run(options)
    for path in loader.discover(paths, options.exclude):
        run.check_file(path)
    return run.finish()
