"""Broken and hostile input: each gives its one exact finding, never a traceback, and the rest is still checked.

fixtures/bad/EXPECTED.txt holds the catalogue of committed inputs; the inputs that cannot be committed
(huge, special files, permissions) are made here. Every run also keeps the accounting invariant:
documents read = documents checked + documents reported unreadable. The lint rules are off, so that
a new lint rule does not move these expectations (the property tests run with them on).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from conftest import FIXTURES, NO_LINT, ROOT, no_lint_policy

BAD = FIXTURES / "bad"
VALID = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: storefront-settings
data:
  currency: EUR
"""


def read_catalogue() -> dict[str, tuple[int, list[str]]]:
    catalogue: dict[str, tuple[int, list[str]]] = {}
    name = None
    for line in (BAD / "EXPECTED.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("  "):
            catalogue[name][1].append(line.strip())
        else:
            name, _, code = line.split(" ")
            catalogue[name] = (int(code), [])
    return catalogue


CATALOGUE = read_catalogue()


def finding_line(finding: dict, with_file: bool = False) -> str:
    where = f"{finding['file']}:" if with_file else ""
    return (f"{where}{finding['line']}:{finding['column']} {finding['severity']} {finding['rule']}: "
            f"{finding['message']}")


def assert_accounted(summary: dict) -> None:
    assert summary["documents"] == summary["checked"] + summary["unreadable"], summary


def check_json(kubelint, *args, stdin=None) -> tuple[int, dict]:
    result = kubelint("check", "--config", NO_LINT, "--format", "json", *args, stdin=stdin)
    assert result.stderr == "", result.stderr
    data = json.loads(result.stdout)
    assert_accounted(data["summary"])
    return result.exit_code, data


def run_subprocess(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """kubelint in its own process: a hang becomes a timeout, a crash of the C parser an exit signal."""
    return subprocess.run([sys.executable, "-m", "kubelint_py", *args[:1], "--config", str(NO_LINT), *args[1:]],
                          capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, stdin=subprocess.DEVNULL)


# --- the committed catalogue ---------------------------------------------------------------------------


def test_catalogue_lists_every_file():
    on_disk = {p.name for p in BAD.iterdir() if p.name != "EXPECTED.txt"}
    assert on_disk == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_bad_input_gives_its_exact_findings(kubelint, name):
    exit_code, findings = CATALOGUE[name]
    code, data = check_json(kubelint, BAD / name)
    assert [finding_line(f) for f in data["findings"]] == findings
    assert code == exit_code
    assert all(f["file"] == str(BAD / name) for f in data["findings"])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_text_report_says_the_same_in_one_line(kubelint, name):
    result = kubelint("check", "--config", NO_LINT, BAD / name)
    assert result.stderr == ""
    assert "Traceback" not in result.stdout
    for line in CATALOGUE[name][1]:
        where, severity, rest = line.split(" ", 2)
        rule, message = rest.split(": ", 1)
        assert f"  {where:<8} {severity:<7} {message}  {rule}" in result.stdout


def test_all_bad_inputs_in_one_run_leave_the_good_one_checked(kubelint, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    code, data = check_json(kubelint, BAD, good)
    expected = sorted(f"{BAD / name}:{line}" for name, (_, lines) in CATALOGUE.items() for line in lines)
    assert sorted(finding_line(f, with_file=True) for f in data["findings"]) == expected
    assert not any(f["file"] == str(good) for f in data["findings"])
    assert data["summary"]["files"] == len(CATALOGUE) + 1
    assert code == 2


# --- inputs made here ---------------------------------------------------------------------------------


def test_a_100_mb_file_is_refused_by_its_size_without_reading_it(kubelint, tmp_path):
    huge = tmp_path / "release-bundle.yaml"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB by its size, nothing on disk
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    code, data = check_json(kubelint, huge, good)
    # the size in the message can only come from stat: reading stops one byte past the limit
    assert [finding_line(f, True) for f in data["findings"]] == [
        f"{huge}:1:1 error input/too-large: 100.0 MiB, larger than the 32 MiB limit"]
    assert data["summary"] | {"findings": None} == {"files": 2, "documents": 2, "checked": 1, "unreadable": 1,
                                                    "objects": 1, "findings": None}
    assert code == 2


def test_the_size_limit_can_be_raised(kubelint, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(VALID + "# " + "x" * (2 * 1024 * 1024) + "\n")
    code, data = check_json(kubelint, "--max-file-size", "1", big)
    assert [f["message"] for f in data["findings"]] == ["2.0 MiB, larger than the 1 MiB limit"]
    code, data = check_json(kubelint, "--max-file-size", "3", big)
    assert data["findings"] == [] and code == 0


def test_stdin_over_the_limit_is_refused_after_reading_one_byte_past_it(kubelint):
    code, data = check_json(kubelint, "--max-file-size", "1", "-", stdin=VALID + "#" * (1024 * 1024))
    assert [finding_line(f, True) for f in data["findings"]] == [
        "<stdin>:1:1 error input/too-large: larger than the 1 MiB limit"]
    assert code == 2


def test_closed_stdin(kubelint, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    from kubelint_py.reading import read_input

    assert read_input("-")[1].message == "standard input is closed"


def test_path_that_does_not_exist_and_broken_links(kubelint, tmp_path):
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "deleted.yaml")
    (tmp_path / "self.yaml").symlink_to(tmp_path / "self.yaml")
    (tmp_path / "good.yaml").write_text(VALID)
    code, data = check_json(kubelint, tmp_path, tmp_path / "typo.yaml")
    assert [finding_line(f, True) for f in data["findings"]] == [
        f"{tmp_path}/dangling.yaml:1:1 error input/not-found: broken symbolic link (its target does not exist)",
        f"{tmp_path}/self.yaml:1:1 error input/unreadable: symbolic link loop",
        f"{tmp_path / 'typo.yaml'}:1:1 error input/not-found: no such file or directory",
    ]
    assert data["summary"]["checked"] == 1 and data["summary"]["unreadable"] == 3
    assert code == 2


def test_symlink_loop_in_a_directory_is_walked_once(kubelint, tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "good.yaml").write_text(VALID)
    (tmp_path / "base" / "again").symlink_to(tmp_path)  # base/again/base/again/... forever
    code, data = check_json(kubelint, tmp_path)
    assert [finding_line(f, True) for f in data["findings"]] == [
        f"{tmp_path}/base/again:1:1 info input/symlink-loop: symbolic link back to a directory being checked; "
        "not followed"]
    assert data["summary"]["files"] == 1 and data["summary"]["checked"] == 1
    assert code == 0


def test_fifo_without_a_writer_is_reported_not_waited_for(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "good.yaml").write_text(VALID)
    result = run_subprocess("check", "--format", "json", str(tmp_path), timeout=60)
    data = json.loads(result.stdout)
    assert [finding_line(f, True) for f in data["findings"]] == [
        f"{tmp_path}/pipe.yaml:1:1 error input/unreadable: a FIFO with nothing to read (no process writes to it)"]
    assert data["summary"]["checked"] == 1
    assert result.returncode == 2


def test_a_pipe_is_read_like_a_shell_process_substitution(tmp_path):
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, VALID.encode()), os.close(write_end)))
    writer.start()
    try:
        result = subprocess.run([sys.executable, "-m", "kubelint_py", "check", "--config", str(NO_LINT), "--format",
                                 "json", f"/dev/fd/{read_end}"], capture_output=True, text=True, cwd=ROOT,
                                timeout=60, pass_fds=(read_end,), stdin=subprocess.DEVNULL)
    finally:
        writer.join()
        os.close(read_end)
    data = json.loads(result.stdout)
    assert data["findings"] == [] and data["summary"]["checked"] == 1
    assert result.returncode == 0


def test_a_device_is_not_read(kubelint):
    code, data = check_json(kubelint, "/dev/zero")
    assert [finding_line(f, True) for f in data["findings"]] == [
        "/dev/zero:1:1 error input/unreadable: not a regular file (a socket or device)"]
    assert code == 2


def _check_unprivileged(paths: list[str]) -> dict:
    """engine.check in a child process that cannot read what its permission bits forbid, even when the
    tests run as root (as CI does): the child drops to the `nobody` user after the schemas are loaded."""
    from kubelint_py import engine, report, schemas

    version = schemas.resolve_version(None)
    policy = no_lint_policy()
    engine.check([str(BAD / "duplicate-keys.yaml")], engine.Options(version, policy=policy))  # loads what a run
    # needs (schemas, rules) while still allowed to: the checkout itself may be unreadable to `nobody`
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        status = 1
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            result = engine.check(paths, engine.Options(version, policy=policy))
            os.write(write_end, report.render_json(result).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0
    return json.loads(output)


def test_unreadable_file_and_directory():
    top = Path(tempfile.mkdtemp(prefix="kubelint-"))
    try:
        top.chmod(0o755)
        (top / "good.yaml").write_text(VALID)
        (top / "locked.yaml").write_text(VALID)
        (top / "locked.yaml").chmod(0)
        (top / "private").mkdir()
        (top / "private" / "hidden.yaml").write_text(VALID)
        (top / "private").chmod(0)
        data = _check_unprivileged([str(top)])
    finally:
        (top / "private").chmod(0o755)
        (top / "locked.yaml").chmod(0o644)
        for path in sorted(top.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        top.rmdir()
    assert [finding_line(f, True) for f in data["findings"]] == [
        f"{top}/locked.yaml:1:1 error input/unreadable: permission denied",
        f"{top}/private:1:1 error input/unreadable: directory cannot be listed: permission denied",
    ]
    assert_accounted(data["summary"])
    assert data["summary"]["checked"] == 1 and data["summary"]["unreadable"] == 2


def test_nul_byte_past_the_binary_sniffing_window(kubelint, tmp_path):
    late = tmp_path / "late.yaml"
    late.write_text(VALID + "  notes: |\n" + "    padding\n" * 1000 + '  tail: "\0"\n')
    code, data = check_json(kubelint, late)
    assert [finding_line(f) for f in data["findings"]] == [
        "1008:10 error yaml/syntax: invalid YAML: NUL byte (binary data?)"]
    assert code == 2


@pytest.mark.parametrize("shape, text, where", [
    ("block sequences", "- " * 100_000 + "x\n", "1:513"),
    ("flow sequences", "[" * 100_000 + "]" * 100_000 + "\n", "1:257"),
    ("flow mappings", "{a: " * 100_000 + "}" * 100_000 + "\n", "1:1025"),
    ("indentation", "".join(" " * i + "a:\n" for i in range(3000)), "257:257"),
    ("mixed", "- " * 30_000 + "[" * 30_000 + "]" * 30_000 + "\n", "1:513"),
])
def test_nesting_past_libyamls_stack_is_refused_before_parsing(tmp_path, shape, text, where):
    """libyaml composes recursively in C: near 25,000 levels it overflows the stack and kills the process."""
    deep = tmp_path / "deep.yaml"
    deep.write_text(text)
    (tmp_path / "good.yaml").write_text(VALID)
    result = run_subprocess("check", "--format", "json", str(tmp_path))
    assert result.returncode == 2, result.stderr  # a crash would be a negative signal number
    data = json.loads(result.stdout)
    assert [finding_line(f) for f in data["findings"]] == [
        f"{where} error yaml/too-deep: nesting deeper than 256 levels"]
    assert data["summary"]["checked"] == 1


def test_nesting_just_inside_the_limit_is_checked(kubelint, tmp_path):
    """The CRD nests about 250 levels deep: it is composed, converted and used to check its resource."""
    schema = "{type: object, properties: {a: " * 120 + "{type: string}" + "}}" * 120
    crd = f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: deeps.example.com
spec:
  group: example.com
  names: {{kind: Deep, plural: deeps}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {{type: object, properties: {{spec: {schema}}}}}
---
apiVersion: example.com/v1
kind: Deep
metadata: {{name: deep}}
spec: {"{a: " * 120}1{"}" * 120}
"""
    path = tmp_path / "deep.yaml"
    path.write_text(crd)
    code, data = check_json(kubelint, path)
    assert data["summary"]["checked"] == 2
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [("schema/type", "spec" + ".a" * 120)]


REDOS_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                name: {type: string, pattern: '^(a+)+$'}
                labels:
                  type: object
                  additionalProperties: {type: string}
                  patternProperties:  # forbidden in CRDs: ignored, never matched
                    '^(b+)+$': {type: integer}
---
apiVersion: example.com/v1
kind: Thing
metadata: {name: thing}
spec:
  name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!
  labels: {bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb!: "1"}
"""


def test_a_crd_pattern_built_to_backtrack_does_not_stall_the_run(tmp_path):
    """Python's re needs about 2^40 steps for this value; RE2, like the apiserver's Go regexp, needs 40."""
    (tmp_path / "thing.yaml").write_text(REDOS_CRD)
    result = run_subprocess("check", "--format", "json", str(tmp_path), timeout=60)
    messages = [(f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert messages == [(31, "invalid value: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' does not match '^(a+)+$'")]
    assert result.stderr == ""
