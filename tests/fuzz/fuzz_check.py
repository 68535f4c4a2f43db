"""Fuzz `kubelint check` for a fixed time with the property tests' generators, at high example counts.

    .venv/bin/python tests/fuzz/fuzz_check.py --seconds 600 [--seed N] [--save-crashes DIR]

Each example is one to three generated files plus, now and then, stdin: valid objects, objects broken
in their data, text or bytes, and random bytes. Every promise of tests/properties.py is checked:
no exception, valid JSON, the same output twice, every document accounted for, nothing unsafe
printed. A failure does not stop the run: it is counted by where it happened and, with
--save-crashes, the input is written there to reproduce it. Prints the figures at the end.
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

from properties import check_well_behaved, hostile_inputs  # noqa: E402


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
    @given(st.lists(hostile_inputs(), min_size=1, max_size=3), hostile_inputs() | st.none())
    def one(files, stdin):
        if time.monotonic() > deadline:
            raise _OutOfTime
        started = time.monotonic()
        try:
            check_well_behaved(files, stdin)
        except Exception as error:  # noqa: BLE001 - every failure is a finding of the fuzzer
            where = _where(error)
            failures[where] += 1
            if save_to and failures[where] == 1:
                _save(save_to, len(failures), files, stdin, where, error)
        figures["slowest"] = max(figures["slowest"], time.monotonic() - started)
        figures["inputs"] += 1
        figures["files"] += len(files) + (stdin is not None)
        figures["bytes"] += sum(map(len, files)) + len(stdin or b"")

    try:
        one()
    except _OutOfTime:
        pass
    return {**figures, "failures": dict(failures)}


def _save(directory: Path, number: int, files: list[bytes], stdin: bytes | None, where: str, error: Exception) -> None:
    case = directory / f"failure-{number}"
    case.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(files):
        (case / f"input-{index}.yaml").write_bytes(data)
    if stdin is not None:
        (case / "stdin").write_bytes(stdin)
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
    print(f"{figures['inputs']:,} inputs ({figures['files']:,} files, {figures['bytes'] / 1e6:.1f} MB) "
          f"in {elapsed:.0f} s, seed {args.seed}; slowest input {figures['slowest']:.2f} s")
    print(f"{sum(figures['failures'].values())} failing inputs, {len(figures['failures'])} distinct:")
    for where, count in sorted(figures["failures"].items(), key=lambda item: -item[1]):
        print(f"  {count:6,}  {where}")
    sys.exit(1 if figures["failures"] else 0)


if __name__ == "__main__":
    main()
