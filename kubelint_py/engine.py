"""One `kubelint check` run: load → documents → schema → (apply simulation, rules) → sorted findings.

Files are handled one at a time and each document's parse tree is released once it is checked, so
parse trees never pile up; only the plain objects are kept. What needs the whole input (custom
resources, whose CRD may come later; set-wide checks) runs once every file has been read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelint_py import loader
from kubelint_py.model import Document, Finding, Problem, Severity
from kubelint_py.schemas import Schemas

CRD_KIND = ("apiextensions.k8s.io/v1", "CustomResourceDefinition")


@dataclass(frozen=True)
class Options:
    kubernetes_version: str
    strict: bool = True
    schema_dirs: tuple[str, ...] = ()
    ignore_missing_schemas: bool = False
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = loader.MAX_FILE_BYTES


@dataclass
class Report:
    kubernetes_version: str
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    # Counted apart, so that a document lost on the way shows: documents == checked + unreadable.
    documents: int = 0  # YAML documents read (an input that could not be read at all counts as one)
    checked: int = 0  # documents that went through the checks
    unreadable: int = 0  # documents reported instead of checked: unparsable, not an object, no kind
    objects: int = 0  # objects checked (a List document holds several)
    stdin: str | None = None  # the text read from stdin, for showing offending lines
    max_file_bytes: int = loader.MAX_FILE_BYTES  # the limit the files were read with, for reading them again

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


class Run:
    def __init__(self, options: Options):
        self.options = options
        self.schemas = Schemas(options.kubernetes_version, options.strict, options.schema_dirs)
        self.report = Report(options.kubernetes_version, max_file_bytes=options.max_file_bytes)
        self.documents: list[Document] = []
        self.deferred: list[Document] = []  # objects whose schema may come from a CRD read later

    def check_file(self, path: str) -> None:
        loaded = loader.load_path(path, self.options.max_file_bytes)
        report = self.report
        report.files += 1
        report.documents += loaded.read
        report.unreadable += loaded.unreadable
        report.findings.extend(loaded.findings)
        if path == loader.STDIN:
            report.stdin = loaded.text
        report.checked += loaded.empty_lists
        documents = loaded.documents
        for position, document in enumerate(documents):
            is_object = self._is_object(document)
            if is_object:
                self._check_object(document)
            if not document.base and not is_object:
                report.unreadable += 1
            elif document.base in ((), ("items", 0)):  # a List is checked once, broken items and all
                report.checked += 1
            if position + 1 == len(documents) or documents[position + 1].index != document.index:
                document.locate_fn.release()  # its YAML document is checked: free the parse tree
        self.documents.extend(documents)

    def walk_problem(self, finding: Finding) -> None:
        """What walking a directory found: one that cannot be listed counts as an input not read."""
        self.report.findings.append(finding)
        if finding.severity == Severity.ERROR:
            self.report.files += 1
            self.report.documents += 1
            self.report.unreadable += 1

    def _is_object(self, document: Document) -> bool:
        """Does it have the shape of a Kubernetes object? Reports what it lacks."""
        body = document.body
        what = "List item" if document.base else "document"
        if not isinstance(body, dict):
            self._emit(document, Problem((), f"{what} is {_kind_of_value(body)}, not a Kubernetes object",
                                         "Each document must be a mapping with apiVersion, kind and metadata.",
                                         "schema/not-an-object"))
            return False
        if "apiVersion" not in body and "kind" not in body:  # some other YAML: Helm values, a config file
            self._emit(document, Problem((), f"{what} has neither apiVersion nor kind: not a Kubernetes object",
                                         "Exclude files that are not manifests with --exclude.",
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
                self._emit(document, Problem((), f"{key} is missing", f"Add {key}, e.g. {example}.", rule))
            else:
                self._emit(document, Problem((key,), f"{key} is {_kind_of_value(value)}, not a string",
                                             f"Set {key} to a string, e.g. {example}.", rule))
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

    def _validate(self, document: Document) -> None:
        for problem in self.schemas.validate(document.body, document.file):
            if problem.rule == "schema/missing-schema" and self.options.ignore_missing_schemas:
                continue
            self._emit(document, problem)

    def finish(self) -> Report:
        for document in self.deferred:
            self._validate(document)
        self.report.findings.sort(key=Finding.sort_key)
        return self.report

    def _emit(self, document: Document, problem: Problem) -> None:
        self.report.findings.append(document.finding(
            problem.rule or "", problem.severity or Severity.ERROR, problem.message, problem.fix, problem.path))


def _kind_of_value(value: object) -> str:
    if value in ("", None):
        return "empty"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), f"a {type(value).__name__}")


def check(paths: list[str], options: Options) -> Report:
    """Check every manifest under `paths` ("-" is stdin)."""
    run = Run(options)
    for item in loader.discover(paths, options.exclude):
        if isinstance(item, Finding):
            run.walk_problem(item)
        else:
            run.check_file(item)
    return run.finish()
