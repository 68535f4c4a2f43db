#!/usr/bin/env python3
"""Compare kubelint's schema verdict with kubernetes-validate --strict, document by document.

Only built-in kinds count (kubernetes-validate has no schema for custom resources). A document is
"invalid" for kubelint when it draws any input/, yaml/ or schema/ error. Needs kubernetes-validate
importable (pip install kubernetes-validate); installs nothing itself.

    python benchmarks/compare_kubernetes_validate.py ../shared/corpus --kubernetes-version 1.37
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import yaml  # kubernetes-validate's own dependency, used here to read documents the way it does

import kubernetes_validate
from kubelint_py import engine
from kubelint_py.model import Severity

STAGES = ("input/", "yaml/", "schema/")


def their_verdicts(files: list[str], version: str) -> dict[tuple[str, int], str | None]:
    """(file, document number) -> None when valid, else the first error kubernetes-validate gives."""
    verdicts = {}
    for path in files:
        with open(path, encoding="utf-8") as handle:
            documents = [d for d in yaml.load_all(handle, Loader=yaml.SafeLoader) if d is not None]
        for number, document in enumerate(documents, start=1):
            if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
                continue
            try:
                kubernetes_validate.validate(document, version, strict=True)
                verdicts[(path, number)] = None
            except kubernetes_validate.SchemaNotFoundError:
                continue
            except kubernetes_validate.ValidationError as error:
                verdicts[(path, number)] = f"{'.'.join(map(str, error.path))}: {error.message}"
    return verdicts


def our_verdicts(paths: list[str], version: str) -> tuple[list[str], dict[tuple[str, int], list[str]]]:
    report = engine.check(paths, engine.Options(version))
    errors = defaultdict(list)
    for finding in report.findings:
        if finding.severity == Severity.ERROR and finding.rule.startswith(STAGES):
            errors[(finding.file, finding.document)].append(f"{finding.rule} {finding.path}: {finding.message}")
    files = sorted({f for f, _ in errors} | set(_files(paths)))
    return files, errors


def _files(paths: list[str]) -> list[str]:
    from kubelint_py.discovery import discover

    return list(discover(paths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--kubernetes-version", default="1.37")
    args = parser.parse_args()
    files, ours = our_verdicts(args.paths, args.kubernetes_version)
    theirs = their_verdicts(files, args.kubernetes_version)
    agree = 0
    disagreements = []
    for key, their_error in sorted(theirs.items()):
        our_errors = ours.get(key, [])
        if bool(our_errors) == bool(their_error):
            agree += 1
        else:
            disagreements.append((key, their_error, our_errors))
    total = len(theirs)
    print(f"built-in documents compared: {total}; verdicts agree: {agree} ({100 * agree / total:.2f}%)")
    for (path, number), their_error, our_errors in disagreements:
        print(f"\n{path} (document {number})")
        print(f"  kubernetes-validate: {their_error or 'valid'}")
        print(f"  kubelint:            {'; '.join(our_errors) or 'valid'}")
    sys.exit(0)


if __name__ == "__main__":
    main()
