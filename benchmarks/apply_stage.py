#!/usr/bin/env python3
"""CPU time of the apply stage alone: per-object rules and set-wide rules over a set of manifests.

    python benchmarks/apply_stage.py [PATH ...]   (default: ../shared/corpus)

Loads every file once, then times `apply.check` on every object and `apply.check_set` on the whole input,
a few times each, and prints the best run (the machine is shared: the minimum is the least noisy figure).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kubelint_py import apply, discovery, loader
from kubelint_py.schemas import resolve_version

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


def main(paths: list[str]) -> None:
    paths = paths or [str(ROOT.parent / "shared" / "corpus")]
    if not all(Path(path).exists() for path in paths):
        sys.exit(f"usage: {sys.argv[0]} [PATH ...]: {', '.join(paths)} not found")
    documents = []
    for path in discovery.discover(paths):
        loaded = loader.load_path(path)
        documents += [
            d
            for d in loaded.documents
            if isinstance(d.body, dict)
            and isinstance(d.body.get("kind"), str)
            and isinstance(d.body.get("apiVersion"), str)
        ]
    context = apply.Context(resolve_version(None))
    list(apply.check(documents[0], context))  # warm the caches (schemas, rule tables) outside the timing
    per_object, whole, found = [], [], 0
    for _ in range(REPEATS):
        start = time.process_time()
        found = sum(1 for document in documents for _ in apply.check(document, context))
        per_object.append(time.process_time() - start)
        start = time.process_time()
        found += sum(1 for _ in apply.check_set(documents, context))
        whole.append(time.process_time() - start)
    print(f"{len(documents)} objects, {found} problems")
    print(f"per-object rules: {min(per_object):.3f} s CPU (best of {REPEATS})")
    print(f"set-wide rules:   {min(whole):.3f} s CPU (best of {REPEATS}; includes locating reported objects)")


if __name__ == "__main__":
    main(sys.argv[1:])
