#!/usr/bin/env python3
"""Time kubelint against kubernetes-validate on the same inputs, alternating runs (A B A B ...).

Installs nothing. kubelint is taken from KUBELINT (default: `kubelint` on PATH), the peer from
KUBERNETES_VALIDATE (default: `kubernetes-validate` on PATH, skipped when absent; install it with
`pip install kubernetes-validate` in the benchmark's own venv). Each case runs --runs times per tool
(median reported): wall time, CPU time of the whole process tree, peak RSS of the tree, documents/s,
and the peer's wall time over kubelint's.

    python benchmarks/run.py --corpus ../shared/corpus --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

VERSION = "1.37"


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, StopIteration):
            continue
    return total


def measure(command: list[str], stdin: Path | None = None) -> dict:
    """Wall and CPU seconds (the process and every child it waited for) and the tree's peak RSS."""
    before = os.times()
    start = time.perf_counter()
    with open(stdin or os.devnull, "rb") as source:
        process = subprocess.Popen(command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = [0]

        def sample() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], tree_rss_kb(process.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, stderr = process.communicate()
        sampler.join()
    wall = time.perf_counter() - start
    after = os.times()
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(command[:3])} ... failed ({process.returncode}): {stderr.decode()[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu, "rss_mb": peak[0] / 1024}


def replicate(corpus: Path, times: int, into: Path) -> Path:
    """A directory holding `times` copies of the corpus (linear-growth cases)."""
    target = into / f"corpus-x{times}"
    if not target.exists():
        for copy in range(times):
            shutil.copytree(corpus, target / f"copy{copy}")
    return target


def count_documents(kubelint: list[str], path: Path) -> int:
    result = subprocess.run(kubelint + ["check", str(path), "--format", "json", "-k", VERSION],
                            capture_output=True, text=True)
    return json.loads(result.stdout)["summary"]["documents"]


def events_dump(into: Path, megabytes: int = 5) -> Path:
    """A `kubectl get events -A` table of the given size, of the kinds a busy cluster shows."""
    path = into / f"events-{megabytes}mb.txt"
    if path.exists():
        return path
    header = "NAMESPACE     LAST SEEN   TYPE      REASON             OBJECT                                MESSAGE\n"
    rows = [
        ("Normal", "Scheduled", "pod/web-{i}-7d9c5b8f6-x2k4q", "Successfully assigned shop/web-{i}-7d9c5b8f6-x2k4q to node-{n}"),
        ("Normal", "Pulled", "pod/web-{i}-7d9c5b8f6-x2k4q", 'Container image "ghcr.io/example/web:1.{i}" already present on machine'),
        ("Warning", "BackOff", "pod/api-{i}-5f6d7c8b9-q8w7e", "Back-off restarting failed container api in pod api-{i}-5f6d7c8b9-q8w7e_shop"),
        ("Warning", "FailedScheduling", "pod/db-{i}-0", "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."),
        ("Warning", "Unhealthy", "pod/web-{i}-7d9c5b8f6-x2k4q", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        ("Warning", "Failed", "pod/job-{i}-abcde", 'Failed to pull image "ghcr.io/example/job:{i}": rpc error: code = NotFound desc = failed to pull and unpack image'),
    ]
    with open(path, "w") as handle:
        handle.write(header)
        i = 0
        while handle.tell() < megabytes * 1024 * 1024:
            kind, reason, obj, message = rows[i % len(rows)]
            handle.write(f"shop          {i % 59 + 1}m          {kind:<9} {reason:<18} {obj.format(i=i % 97):<37} "
                         f"{message.format(i=i % 97, n=i % 3)}\n")
            i += 1
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small-file", default=None, help="default: a 3-document file from the corpus")
    parser.add_argument("--workdir", default=None, help="where to build the 2x/4x copies (default: a temp dir)")
    args = parser.parse_args()

    corpus = Path(args.corpus).resolve()
    kubelint = (os.environ.get("KUBELINT") or shutil.which("kubelint") or "kubelint").split()
    peer = os.environ.get("KUBERNETES_VALIDATE") or shutil.which("kubernetes-validate")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kubelint-bench-"))
    small = Path(args.small_file or corpus / "microservices-demo" / "kubernetes-manifests" / "cartservice.yaml")

    def files_of(path: Path) -> list[str]:
        return sorted(str(p) for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))

    cases = [("corpus", corpus), ("corpus x2", replicate(corpus, 2, work)), ("corpus x4", replicate(corpus, 4, work)),
             ("one small file", small)]
    rows = []
    for name, path in cases:
        documents = count_documents(kubelint, path)
        tools = {"kubelint": kubelint + ["check", str(path), "--format", "json", "-k", VERSION]}
        if name == "corpus":
            tools["kubelint --jobs 1"] = tools["kubelint"] + ["--jobs", "1"]
        if peer:
            targets = files_of(path) if path.is_dir() else [str(path)]
            tools["kubernetes-validate"] = [peer, "--strict", "--quiet", "-k", VERSION, *targets]
        results: dict[str, list[dict]] = {tool: [] for tool in tools}
        for _ in range(args.runs):
            for tool, command in tools.items():  # alternate: A B A B ...
                results[tool].append(measure(command))
        for tool, samples in results.items():
            median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
            rows.append((name, tool, documents, median))
        print(f"measured: {name}", file=sys.stderr)

    if subprocess.run(kubelint + ["diagnose", "--help"], capture_output=True).returncode == 0:
        diagnose = events_dump(work)
        samples = [measure(kubelint + ["diagnose", str(diagnose), "--format", "json"]) for _ in range(args.runs)]
        rows.append(("diagnose: 5 MB get events -A", "kubelint", 0,
                     {key: statistics.median(s[key] for s in samples) for key in samples[0]}))

    print("\n| case | tool | documents | wall s | CPU s | peak RSS MB | documents/s | kubernetes-validate wall / this wall |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    peer_wall = {name: m["wall"] for name, tool, _, m in rows if tool == "kubernetes-validate"}
    for name, tool, documents, m in rows:
        rate = f"{documents / m['wall']:,.0f}" if documents else "—"
        ratio = f"{peer_wall[name] / m['wall']:.1f}x" if name in peer_wall else "—"
        print(f"| {name} | {tool} | {documents or '—'} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['rss_mb']:.0f} | {rate} | {ratio} |")
    walls = {tool: m["wall"] for name, tool, _, m in rows if name == "corpus"}
    if "kubelint --jobs 1" in walls:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"\ncorpus, kubelint on {cpus} CPUs (one process per CPU) over --jobs 1: "
              f"{walls['kubelint --jobs 1'] / walls['kubelint']:.2f}x")
    print("per-document wall time, kubelint: " + ", ".join(
        f"{name}: {1000 * m['wall'] / documents:.2f} ms" for name, tool, documents, m in rows
        if tool == "kubelint" and name.startswith("corpus")))


if __name__ == "__main__":
    main()
