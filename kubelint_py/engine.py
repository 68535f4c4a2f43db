"""One `kubelint check` run: load → documents → schema → (apply simulation, rules) → sorted findings.

Files are handled one at a time and each document's parse tree is released once it is checked, so
parse trees never pile up; only the plain objects are kept. What needs the whole input (custom
resources, whose CRD may come later; set-wide checks) runs once every file has been read.
"""

from __future__ import annotations

import gc
import itertools
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from kubelint_py import apply, discovery, loader, reading
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
    max_file_bytes: int = reading.MAX_FILE_BYTES
    jobs: int = 1  # worker processes for the per-file stages
    gitignore: bool = True  # skip what .gitignore files ignore when walking directories
    kustomize: bool = True  # render directories holding a kustomization instead of reading their files
    assume_namespaces: tuple[str, ...] = ()  # namespaces that exist in the cluster already
    namespace: str | None = None  # the namespace given to `kubectl apply --namespace`
    policy: Any = None  # config.Policy: which rules run and how severe; None for the defaults


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
    # Inputs that are no file on disk (stdin, rendered Kustomize directories): their text, for showing
    # offending lines, and the command that rendered each Kustomize directory.
    sources: dict[str, str] = field(default_factory=dict)
    rendered_by: dict[str, str] = field(default_factory=dict)
    # every document read, in input order (a List's items one by one), with its object: for per-document
    # reports; set by Run.finish
    read: list[Document] = field(default_factory=list)
    max_file_bytes: int = reading.MAX_FILE_BYTES  # the limit the files were read with, for reading them again

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


class Run:
    def __init__(self, options: Options, schemas: Schemas | None = None):
        if options.policy is None:
            from kubelint_py.catalog import default_policy

            options = replace(options, policy=default_policy())
        self.options = options
        self.schemas = schemas or Schemas(options.kubernetes_version, options.strict, options.schema_dirs)
        self.report = Report(options.kubernetes_version, max_file_bytes=options.max_file_bytes)
        self.documents: list[Document] = []
        self.deferred: list[Document] = []  # objects whose schema may come from a CRD read later
        self.apply = apply.Context(options.kubernetes_version, frozenset(options.assume_namespaces), options.namespace)
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
        if path == reading.STDIN or loaded.rendered_by:
            report.sources[loaded.file] = loaded.text
        if loaded.rendered_by:
            report.rendered_by[loaded.file] = loaded.rendered_by
        self.silencer.scan(loaded)  # before the parse trees are released
        report.checked += loaded.empty_lists
        documents = loaded.documents
        for position, document in enumerate(documents):
            document.extra["line"] = document.locate(())[0]  # where the object starts, for `kubelint simulate`
            is_object = self._is_object(document)
            if is_object:
                self._check_object(document)
            if not document.base and not is_object:
                report.unreadable += 1
            elif document.base in ((), ("items", 0)):  # a List is checked once, broken items and all
                report.checked += 1
            if position + 1 == len(documents) or documents[position + 1].index != document.index:
                document.locate_fn.release()  # its YAML document is checked: free the parse tree
            if position % CYCLES_EVERY == CYCLES_EVERY - 1:
                _collect_cycles()
        self.documents.extend(documents)
        _collect_cycles()

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
                what = "empty" if value in ("", None) else f"{_kind_of_value(value)}, not a string"
                self._emit(document, Problem((key,), f"{key} is {what}", f"Set {key} to a string, e.g. {example}.",
                                             rule))
        return shaped

    def _check_object(self, document: Document) -> None:
        self.report.objects += 1
        api_version, kind = document.body["apiVersion"], document.body["kind"]
        if (api_version, kind) == CRD_KIND:
            self.schemas.add_crd(document.body, document.file)
        served = self.schemas.is_built_in(api_version, kind)
        if served:
            self._validate(document)
        else:
            self.deferred.append(document)
        for problem in apply.check(document, self.apply):
            self._emit(document, problem)
        # A built-in kind under an apiVersion this Kubernetes does not serve is left to the schema stage
        # (schema/removed-api): it has to be rewritten before anything else about it matters.
        if served or api_version.rpartition("/")[0] not in self.linter.built_in_groups:
            for problem in self.linter.check(document):
                self._emit(document, problem)

    def _validate(self, document: Document) -> None:
        for problem in self.schemas.validate(document.body, document.file):
            if problem.rule == "schema/missing-schema" and self.options.ignore_missing_schemas:
                continue
            self._emit(document, problem)

    def validate_deferred(self, documents: list[Document]) -> None:
        """Validate custom resources that waited for every CRD of the input to be known."""
        for document in documents:
            self._validate(document)
            document.locate_fn.release()
        documents.clear()

    def finish(self) -> Report:
        self.validate_deferred(self.deferred)
        # Placing a finding parses its document again; placed together, each is parsed once and freed.
        found: dict[int, tuple[Document, list[Problem]]] = {}
        for document, problem in itertools.chain(apply.check_set(self.documents, self.apply),
                                                 self.linter.finish(self.documents)):
            found.setdefault(id(document), (document, []))[1].append(problem)
        for document, problems in found.values():
            for problem in problems:
                self._emit(document, problem)
            document.locate_fn.release()
        self.report.findings = self._configured(self.silencer.filter(self.report.findings))
        self.report.findings.sort(key=Finding.sort_key)
        self.report.read = self.documents
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


    def absorb(self, part: tuple[Report, list[Document], list[Document], Silencer]) -> None:
        """Take over what a worker process found in its files."""
        report, documents, deferred, silencer = part
        self.silencer.absorb(silencer)
        self.report.files += report.files
        self.report.documents += report.documents
        self.report.checked += report.checked
        self.report.unreadable += report.unreadable
        self.report.objects += report.objects
        self.report.findings.extend(report.findings)
        self.report.sources.update(report.sources)
        self.report.rendered_by.update(report.rendered_by)
        self.documents.extend(documents)
        self.deferred.extend(deferred)

    def add_crds(self, documents: list[Document]) -> None:
        for document in documents:
            body = document.body
            if isinstance(body, dict) and (body.get("apiVersion"), body.get("kind")) == CRD_KIND:
                self.schemas.add_crd(body, document.file)


def _kind_of_value(value: object) -> str:
    if value in ("", None):
        return "empty"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), f"a {type(value).__name__}")


CYCLES_EVERY = 500  # objects of one file between two collections of cyclic garbage


def _collect_cycles() -> None:
    """A run keeps the cyclic garbage collector off (it would scan millions of live, acyclic objects
    again and again for nothing). The little cyclic garbage checking leaves (jsonschema's nested
    errors) is collected after each file, and every few hundred objects of a large one; what is still
    alive is then frozen, so that the next collection looks at new objects only."""
    gc.collect()
    gc.freeze()


def check(paths: list[str], options: Options, progress: Callable[[int, int], None] | None = None) -> Report:
    """Check every manifest under `paths` ("-" is stdin); `progress(done, total)` hears of finished files."""
    # A run allocates millions of short-lived, acyclic objects (nodes, values): the cyclic garbage
    # collector would scan them over and over and find nothing, for a third of the run time.
    # _collect_cycles() takes its place at the end of each file; what existed before the run is
    # frozen first, so that those collections never look at it.
    collecting = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        found = list(discovery.discover(paths, options.exclude, options.gitignore, options.kustomize))
        files = [item for item in found if isinstance(item, str)]
        run = Run(options)
        for problem in (item for item in found if isinstance(item, Finding)):
            run.walk_problem(problem)
        if options.jobs > 1 and len(files) >= PARALLEL_MIN_FILES and reading.STDIN not in files:
            _check_in_parallel(run, files, progress)
        else:
            for done, path in enumerate(files, start=1):
                run.check_file(path)
                if progress:
                    progress(done, len(files))
        # what little cyclic garbage finishing leaves is the collector's once it is back on
        return run.finish()
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


# --- worker processes --------------------------------------------------------------------------------

PARALLEL_MIN_FILES = 48  # below this, starting processes costs more than it saves
MIN_TASK_BYTES = 32 * 1024
WORKER_POLL_SECONDS = 1.0  # how often waiting for results looks whether a worker process died

Part = tuple[Report, list[Document], list[Document], Silencer]  # what checking one task's files found


def _check_in_parallel(run: Run, files: list[str], progress: Callable[[int, int], None] | None) -> None:
    """Per-file stages shared by this process and `jobs - 1` worker processes: each takes the next task
    from one shared counter when it is free, so nobody waits on a slow task of another, and what this
    process checks itself is never pickled. The files that may define CustomResourceDefinitions come
    first; once every CRD is known, this process validates the custom resources left to it. Results
    are taken over in task order: the output is the same as with one process."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    tasks, first = _tasks(files, run.options.jobs, run.options.max_file_bytes)
    counter = context.Value("i", 0)  # the next task to take
    results = context.Queue()
    workers = [context.Process(target=_work, args=(run.options, tasks, counter, results, number), daemon=True)
               for number in range(min(run.options.jobs, len(tasks)) - 1)]
    for worker in workers:
        worker.start()
    parts: list[Part | None] = [None] * len(tasks)
    finished: set[int] = set()  # workers that found no task left
    first_done = done = 0

    def take(index: int, part: Part, here: bool) -> None:
        nonlocal first_done, done
        parts[index] = part
        if not here:
            gc.freeze()  # unpickled objects hold no cycles: keep later collections from walking them
        if index < first:
            first_done += 1
            if not here:  # CRDs read here went into run.schemas as they were read
                run.add_crds(part[1])
        if first_done == first:  # every CRD is known: validate what waited for one
            for waiting in parts:
                if waiting is not None:
                    run.validate_deferred(waiting[2])  # empties the list
        done += len(tasks[index])
        if progress:
            progress(done, len(files))

    try:
        while (index := _take(counter)) < len(tasks):
            take(index, _check_task(run.options, run.schemas, tasks[index]), here=True)
            for index, part in _received(results, workers, finished, block=False):
                take(index, part, here=False)
        for index, part in _received(results, workers, finished, block=True):
            take(index, part, here=False)
    finally:
        for worker in workers:  # all done, or this process failed: nothing left to wait for
            worker.terminate()
            worker.join()
    order = {path: position for position, path in enumerate(files)}
    for part in parts:
        run.absorb(part)
    run.documents.sort(key=lambda document: order[document.file])


def _received(results: Any, workers: list[Any], finished: set[int],
              block: bool) -> Iterator[tuple[int, Part]]:
    """(task, part) pairs sent by the workers: those waiting already, or all that are to come when `block`."""
    import queue

    while len(finished) < len(workers):
        try:
            message = results.get(timeout=WORKER_POLL_SECONDS) if block else results.get_nowait()
        except queue.Empty:
            if not block:
                return
            if any(worker.exitcode not in (None, 0) for worker in workers):
                raise RuntimeError("a worker process died; run again with --jobs 1 to see why") from None
            continue
        if isinstance(message, int):
            finished.add(message)
        elif isinstance(message[1], str):
            raise RuntimeError(f"a worker process failed:\n{message[1]}")
        else:
            yield message


def _take(counter: Any) -> int:
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    return index


def _work(options: Options, tasks: list[list[str]], counter: Any, results: Any, number: int) -> None:
    """A worker process: checks tasks until none is left, then sends its number."""
    gc.disable()
    # one Schemas per process: it compiles each validator once
    schemas = Schemas(options.kubernetes_version, options.strict, options.schema_dirs)
    try:
        while (index := _take(counter)) < len(tasks):
            results.put((index, _check_task(options, schemas, tasks[index])))
    except BaseException:  # the parent raises it again
        import traceback

        results.put((-1, traceback.format_exc()))
    results.put(number)


def _check_task(options: Options, schemas: Schemas, paths: list[str]) -> Part:
    run = Run(options, schemas)
    for path in paths:
        run.check_file(path)
    return run.report, run.documents, run.deferred, run.silencer


def _tasks(files: list[str], jobs: int,
           max_file_bytes: int = reading.MAX_FILE_BYTES) -> tuple[list[list[str]], int]:
    """The tasks, and how many of them come first because their files may define CRDs."""
    surveyed = [(path, *_survey(path, max_file_bytes)) for path in files]
    defining = [(path, size) for path, crds, size in surveyed if crds]
    others = [(path, size) for path, crds, size in surveyed if not crds]
    first = _batches(defining, jobs, later=sum(size for _, size in others))
    return first + _batches(others, jobs), len(first)


def _batches(files: list[tuple[str, int]], jobs: int, later: int = 0) -> list[list[str]]:
    """Consecutive (file, size) in tasks that shrink as the work left does (a task holds about 1/(2 jobs)
    of the bytes still to check, `later` counting those of tasks to come after these): large tasks
    early, small ones at the end, so that nobody is left with a long task while the others idle."""
    left = sum(size for _, size in files) + later
    batches: list[list[str]] = [[]]
    filled = 0
    for path, size in files:
        if filled >= max(left / (2 * jobs), MIN_TASK_BYTES):
            batches.append([])
            left -= filled
            filled = 0
        batches[-1].append(path)
        filled += size
    return [batch for batch in batches if batch]


def _survey(path: str, max_file_bytes: int) -> tuple[bool, int]:
    """(could this input hold a CustomResourceDefinition, its size): its bytes name the kind if it does
    (what lies beyond the size limit is never read)."""
    if not os.path.isfile(path):
        return True, 0  # a Kustomize directory, or something the loader will report
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(descriptor).st_size
            data = os.read(descriptor, min(size, max_file_bytes) + 1)
            utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))  # its bytes cannot tell
            return utf16 or b"CustomResourceDefinition" in data, size
        finally:
            os.close(descriptor)
    except OSError:
        return True, 0
