"""A run keeps the cyclic garbage collector off for speed, so it must not let cyclic garbage pile up:
one cycle left per object checked adds up to gigabytes on a large input."""

from __future__ import annotations

import gc

from conftest import FIXTURES
from kubelint_py import engine
from kubelint_py.schemas import resolve_version


def test_each_file_leaves_no_cyclic_garbage():
    run = engine.Run(engine.Options(resolve_version(None), jobs=1))
    run.check_file(str(FIXTURES / "examples" / "web.yaml"))  # compiled validators and caches stay
    collecting = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for path in sorted((FIXTURES / "apply").rglob("*.yaml")) + sorted((FIXTURES / "check").rglob("*.yaml")):
            run.check_file(str(path))
            assert gc.collect() == 0, path
        assert len(run.report.findings) > 100
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


def test_a_run_leaves_the_collector_as_it_found_it():
    assert gc.isenabled()
    engine.check([str(FIXTURES / "check")], engine.Options(resolve_version(None), jobs=1))
    assert gc.isenabled() and gc.get_freeze_count() == 0
