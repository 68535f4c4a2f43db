"""The lint rules over a corpus: findings per rule, and the CPU time the rule stage adds to a check.

    python benchmarks/rules.py [PATH]     (default: ../shared/corpus)

The stage's cost is the difference between a run with every default rule and a run with the lint
rules switched off, best of three each, with the garbage collector off in both (its pauses scale
with everything the run keeps alive, and would blur the difference).
"""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from pathlib import Path

from kubelint_py import catalog, engine
from kubelint_py.config import Config, policy
from kubelint_py.lint.rules import CATEGORIES
from kubelint_py.schemas import resolve_version

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    corpus = next((p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent)
                   if (p / "shared" / "corpus").is_dir()), None)
    path = sys.argv[1] if len(sys.argv) > 1 else str(corpus)
    if not Path(path).exists():
        sys.exit(f"no corpus at {path}; name one")
    version = resolve_version(None)
    with_rules = catalog.default_policy()
    without = policy(Config(categories={c: False for c in CATEGORIES}), catalog.stage_rules())
    gc.disable()
    times: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(3):
        for name, chosen in (("without", without), ("with", with_rules)):
            start = time.process_time()
            report = engine.check([path], engine.Options(version, policy=chosen))
            times[name].append(time.process_time() - start)
            if name == "with":
                counts = Counter(f.rule for f in report.findings)
    lint_ids = {rule.id for rule in with_rules.lint_rules}
    print(f"{report.documents} documents in {report.files} files")
    for rule, count in counts.most_common():
        if rule in lint_ids:
            print(f"{count:6d}  {rule}")
    best_with, best_without = min(times["with"]), min(times["without"])
    print(f"check without lint rules {best_without:.2f}s CPU, with {best_with:.2f}s: "
          f"the rule stage costs {best_with - best_without:.2f}s")


if __name__ == "__main__":
    main()
