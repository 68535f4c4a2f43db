"""Silencing: the kubelint.io/ignore annotation and `# kubelint: ignore[...]` comments, for every stage's
rules; unknown ids and silencings that silence nothing are reported."""

from __future__ import annotations

from conftest import FIXTURES, expected_markers
from kubelint_py import catalog, engine
from kubelint_py.config import Config, policy
from kubelint_py.lint.rules import CATEGORIES
from kubelint_py.schemas import resolve_version

RULES = ["host-network", "host-pid", "image-tag-latest", "privileged-container", "read-only-root-filesystem"]


def _check(path, rules=RULES):
    only = policy(Config(rules={rule: True for rule in rules}, categories={c: False for c in CATEGORIES}),
                  catalog.stage_rules())
    options = engine.Options(resolve_version(None), policy=only, assume_namespaces=("monitoring",))
    return engine.check([str(path)], options)


def test_annotations_and_comments_silence_exactly_what_they_name():
    path = FIXTURES / "silence" / "node-agent.yaml"
    report = _check(path)
    assert {(f.line, f.rule) for f in report.findings} == expected_markers(path)


def test_unknown_ids_are_reported_with_the_closest_rule():
    report = _check(FIXTURES / "silence" / "node-agent.yaml")
    unknown = sorted((f.line, f.message, f.fix) for f in report.findings if f.rule == "ignore/unknown-rule")
    assert unknown == [
        (9, "no rule 'host-netwrok' to silence", "Did you mean host-network?"),
        (27, "no rule 'privilged-container' to silence", "Did you mean privileged-container?"),
    ]


def test_a_comment_on_its_own_line_covers_the_next_line_only(tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
        "    - name: a\n      # kubelint: ignore[image-tag-latest]\n\n      # (two comment lines above the key)\n"
        "      image: nginx:latest\n"
        "    - name: b\n      image: nginx:latest\n")
    assert [(f.line, f.rule) for f in _check(manifest, ["image-tag-latest"]).findings] == [(13, "image-tag-latest")]


def test_silencing_a_rule_that_is_switched_off_is_not_reported_as_unused(tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
                        "  annotations:\n    kubelint.io/ignore: cpu-limit-missing\n"
                        "spec:\n  containers:\n    - name: a\n      image: nginx:1.27.2\n")
    assert _check(manifest, ["image-tag-latest"]).findings == []


def test_pod_template_annotations_silence_the_workload(tmp_path):
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
        "      annotations:\n        kubelint.io/ignore: host-pid\n"
        "    spec:\n      hostPID: true\n      containers:\n        - name: web\n          image: nginx:1.27.2\n")
    assert _check(manifest, ["host-pid"]).findings == []


def test_silencings_read_by_worker_processes_count(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "MIN_TASK_BYTES", 1)  # several tasks, some checked by the worker
    text = (FIXTURES / "silence" / "node-agent.yaml").read_text()
    for n in range(engine.PARALLEL_MIN_FILES + 2):
        (tmp_path / f"agent-{n:02d}.yaml").write_text(text)
    only = policy(Config(rules={rule: True for rule in RULES}, categories={c: False for c in CATEGORIES}),
                  catalog.stage_rules())

    def findings(jobs):
        options = engine.Options(resolve_version(None), policy=only, assume_namespaces=("monitoring",), jobs=jobs)
        return [(f.file, f.line, f.rule) for f in engine.check([str(tmp_path)], options).findings]

    in_parallel = findings(2)
    assert in_parallel == findings(1)
    assert {(line, rule) for _, line, rule in in_parallel} == expected_markers(FIXTURES / "silence" / "node-agent.yaml")
