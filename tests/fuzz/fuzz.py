"""Fuzz `kubelint check`, `diagnose` and `simulate` for a fixed time with the property tests' generators.

    .venv/bin/python tests/fuzz/fuzz.py --seconds 600 [--seed N] [--save-crashes DIR]

Each example gives `check` one to three generated files plus, now and then, stdin (valid objects,
objects broken in their data, text or bytes, random bytes), gives `simulate` the same files, and
gives `diagnose` one to three inputs (real kubectl output whole, cut short, edited or mixed, or any
of the former). Every promise of
tests/properties.py is checked: no exception, valid JSON, SARIF and JUnit, the same output twice,
every document accounted for, nothing unsafe printed. A failure does not stop the run: it is counted
by where it happened and, with --save-crashes, the inputs are written there to reproduce it.
Prints the figures at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for properties.py

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from properties import (check_diagnose_well_behaved, check_simulate_well_behaved, check_well_behaved,  # noqa: E402
                        hostile_inputs, kubectl_output)


class _OutOfTime(BaseException):
    """Ends the run; a BaseException, so that Hypothesis lets it through instead of shrinking it."""


def _where(error: BaseException) -> str:
    """A failure's signature: the broken promise, or the exception and where in kubelint it escaped."""
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, AssertionError) and frames[-1].filename.endswith("properties.py"):
        return f"broken promise: {frames[-1].line}"
    ours = [f for f in frames if "kubelint_py" in f.filename] or frames
    return f"{type(error).__name__} at {Path(ours[-1].filename).name}:{ours[-1].lineno}"


def fuzz(seconds: float, random_seed: int, save_to: Path | None) -> dict:
    figures = {"inputs": 0, "files": 0, "bytes": 0, "slowest": 0.0}
    failures: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    @seed(random_seed)
    @settings(max_examples=10**9, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(hostile_inputs(), min_size=1, max_size=3), hostile_inputs() | st.none(),
           st.lists(kubectl_output() | hostile_inputs(), min_size=1, max_size=3))
    def one(files, stdin, kubectl):
        if time.monotonic() > deadline:
            raise _OutOfTime
        for command, check, inputs in (("check", lambda: check_well_behaved(files, stdin), [*files, stdin]),
                                       ("simulate", lambda: check_simulate_well_behaved(files), files),
                                       ("diagnose", lambda: check_diagnose_well_behaved(kubectl), kubectl)):
            inputs = [data for data in inputs if data is not None]
            started = time.monotonic()
            try:
                check()
            except Exception as error:  # noqa: BLE001 - every failure is a finding of the fuzzer
                where = f"{command}: {_where(error)}"
                failures[where] += 1
                if save_to and failures[where] == 1:
                    _save(save_to / f"failure-{len(failures)}", inputs, where, error)
            figures["slowest"] = max(figures["slowest"], time.monotonic() - started)
            figures["files"] += len(inputs)
            figures["bytes"] += sum(map(len, inputs))
        figures["inputs"] += 1

    try:
        one()
    except _OutOfTime:
        pass
    return {**figures, "failures": dict(failures)}


def _save(case: Path, inputs: list[bytes], where: str, error: Exception) -> None:
    case.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(inputs):
        (case / f"input-{index}").write_bytes(data)
    (case / "error.txt").write_text(f"{where}\n\n" + "".join(traceback.format_exception(error)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-crashes", type=Path, help="write each distinct failure's input here")
    args = parser.parse_args()
    started = time.monotonic()
    figures = fuzz(args.seconds, args.seed, args.save_crashes)
    elapsed = time.monotonic() - started
    print(f"{figures['inputs']:,} examples ({figures['files']:,} inputs, {figures['bytes'] / 1e6:.1f} MB) "
          f"in {elapsed:.0f} s, seed {args.seed}; slowest run {figures['slowest']:.2f} s")
    print(f"{sum(figures['failures'].values())} failing inputs, {len(figures['failures'])} distinct:")
    for where, count in sorted(figures["failures"].items(), key=lambda item: -item[1]):
        print(f"  {count:6,}  {where}")
    sys.exit(1 if figures["failures"] else 0)


if __name__ == "__main__":
    main()
