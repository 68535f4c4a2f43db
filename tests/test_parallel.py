"""Worker processes (--jobs): the same output as one process, and a failing worker stops the run
instead of hanging it."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from conftest import FIXTURES
from kubelint_py import engine
from kubelint_py.schemas import resolve_version

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the tests patch the worker code, which only forked workers inherit")


def _inputs(tmp_path, count=60):
    """Copies of the check fixtures (each file's findings differ) under a long header comment, so
    that they make several tasks."""
    sources = sorted((FIXTURES / "check").glob("*.yaml"))
    header = "".join(f"# {n:03} Licensed under the Apache License, Version 2.0.\n" for n in range(64))
    for n in range(count):
        text = sources[n % len(sources)].read_text()
        (tmp_path / f"app-{n:02}.yaml").write_text(header + text.replace("name: web", f"name: web-{n}"))
    return tmp_path


def test_workers_give_the_output_of_one_process(kubelint, tmp_path):
    _inputs(tmp_path)
    files = sorted(str(p) for p in tmp_path.iterdir())
    assert len(engine._tasks(files, 2)[0]) > 4  # several tasks, so both processes take some
    one = kubelint("check", tmp_path, "--format", "json", "--jobs", "1")
    two = kubelint("check", tmp_path, "--format", "json", "--jobs", "2")
    assert one.stdout == two.stdout and len(json.loads(one.stdout)["findings"]) > 60


@needs_fork
def test_workers_take_tasks_and_findings_are_unchanged(tmp_path, monkeypatch):
    _inputs(tmp_path)
    monkeypatch.setattr(engine, "MIN_TASK_BYTES", 1)  # a task per file or so
    here = []
    check_task = engine._check_task

    def counted(options, schemas, paths):
        here.append(paths)  # a worker appends to its own copy of the list
        return check_task(options, schemas, paths)

    monkeypatch.setattr(engine, "_check_task", counted)

    def findings(jobs):
        here.clear()
        report = engine.check([str(tmp_path)], engine.Options(resolve_version(None), jobs=jobs))
        return report.findings, report.documents, report.checked

    alone = findings(1)
    assert alone == findings(3)
    assert 0 < len(here) < len(engine._tasks(sorted(str(p) for p in tmp_path.iterdir()), 3)[0])


@needs_fork
@pytest.mark.parametrize("failure", ["raise", "exit"])
def test_a_failing_worker_stops_the_run(tmp_path, monkeypatch, failure):
    _inputs(tmp_path)
    monkeypatch.setattr(engine, "MIN_TASK_BYTES", 1)
    parent = os.getpid()
    check_task = engine._check_task

    def failing(options, schemas, paths):
        if os.getpid() != parent:
            if failure == "exit":
                os._exit(3)
            raise ValueError("broken in the worker")
        return check_task(options, schemas, paths)

    monkeypatch.setattr(engine, "_check_task", failing)
    with pytest.raises(RuntimeError) as raised:
        engine.check([str(tmp_path)], engine.Options(resolve_version(None), jobs=2))
    expected = "ValueError: broken in the worker" if failure == "raise" else "a worker process died"
    assert expected in str(raised.value)


@needs_fork
def test_custom_resources_wait_for_a_crd_in_any_file(tmp_path, monkeypatch):
    """Custom resources in the first files, their CRD in the last one and in UTF-16 (its bytes do not
    spell the kind): the same findings with workers as without."""
    _inputs(tmp_path)
    crds = FIXTURES / "check" / "crd"
    for n in range(3):
        (tmp_path / f"a-backups-{n}.yaml").write_text((crds / "backups.yaml").read_text())
    (tmp_path / "z-crd.yaml").write_bytes((crds / "crd.yaml").read_text().encode("utf-16"))
    monkeypatch.setattr(engine, "MIN_TASK_BYTES", 1)

    def findings(jobs):
        report = engine.check([str(tmp_path)], engine.Options(resolve_version(None), jobs=jobs))
        return [(f.file, f.line, f.rule) for f in report.findings]

    alone = findings(1)
    assert sum(rule == "schema/unknown-field" and "backups" in file for file, _, rule in alone) == 3
    assert findings(2) == alone


@needs_fork
def test_bad_inputs_through_workers_are_all_reported(tmp_path, monkeypatch):
    """The catalogue of broken files, twice over, each file its own task: every document read is
    checked or reported, and the report is the one a single process gives."""
    for copy in range(2):
        for path in sorted((FIXTURES / "bad").glob("*.yaml")):
            (tmp_path / f"{copy}-{path.name}").write_bytes(path.read_bytes())
    assert len(list(tmp_path.iterdir())) >= engine.PARALLEL_MIN_FILES
    monkeypatch.setattr(engine, "MIN_TASK_BYTES", 1)

    def report(jobs):
        found = engine.check([str(tmp_path)], engine.Options(resolve_version(None), jobs=jobs))
        return found.findings, found.documents, found.checked, found.unreadable

    alone = report(1)
    findings, documents, checked, unreadable = alone
    assert documents == checked + unreadable and unreadable > 20
    assert report(2) == alone
