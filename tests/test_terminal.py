"""kubelint in a terminal: --version, shell completion, --quiet, --summary, --color and the progress bar."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import FIXTURES, NO_LINT
from kubelint_py import __version__

KUBELINT = Path(sys.executable).parent / "kubelint"
TYPES = FIXTURES / "check" / "types.yaml"
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{n}\ndata:\n  mode: fast\n"
ANSI = "\x1b["


def run_in_terminal(*args: str, stdout_tty: bool = True, stderr_tty: bool = False,
                    env: dict | None = None) -> tuple[str, str, str]:
    """Run kubelint with stdout and/or stderr on a pseudo-terminal: (terminal, stdout, stderr) text."""
    master, slave = pty.openpty()
    with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([str(KUBELINT), *args], stdin=stdin,
                                   stdout=slave if stdout_tty else out, stderr=slave if stderr_tty else err,
                                   env={**os.environ, "COLUMNS": "100", "TERM": "xterm", **(env or {})})
        os.close(slave)
        chunks = []
        while True:  # read as it comes, or a full terminal buffer would block kubelint
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: kubelint is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
        os.close(master)
        out.seek(0)
        err.seek(0)
        return b"".join(chunks).decode(errors="replace"), out.read().decode(), err.read().decode()


def test_version(kubelint):
    result = kubelint("--version")
    assert result.exit_code == 0 and result.stdout == f"kubelint {__version__}\n"


def test_shell_completion_completes_commands_options_and_values():
    def complete(words: str) -> list[str]:
        env = {**os.environ, "_KUBELINT_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        return subprocess.run([str(KUBELINT)], env=env, capture_output=True, text=True, check=True).stdout.split()

    assert "check" in complete("kubelint ch")
    assert complete("kubelint check --fo") == ["--format"]
    assert complete("kubelint check --format ") == ["text", "json", "sarif", "junit", "github"]
    assert complete("kubelint check --color ") == ["auto", "always", "never"]
    script = subprocess.run([str(KUBELINT), "--show-completion", "bash"], capture_output=True, text=True).stdout
    assert "_KUBELINT_COMPLETE=complete_bash" in script


def test_quiet_prints_findings_only_and_nothing_when_clean(kubelint, tmp_path):
    (tmp_path / "ok.yaml").write_text(CLEAN.format(n=1))
    clean = kubelint("check", tmp_path / "ok.yaml", "--quiet", "--config", NO_LINT)
    assert clean.exit_code == 0 and clean.stdout == "" and clean.stderr == ""
    dirty = kubelint("check", TYPES, "-q", "--config", NO_LINT)
    assert dirty.exit_code == 1
    assert "schema/type" in dirty.stdout and "Kubernetes" not in dirty.stdout  # no summary line


def test_summary_counts_findings_per_rule(kubelint):
    full = kubelint("check", FIXTURES / "check")
    result = kubelint("check", FIXTURES / "check", "--summary")
    assert result.exit_code == full.exit_code
    lines = result.stdout.splitlines()
    assert lines[-1] == full.stdout.splitlines()[-1]  # the same summary line
    counts = {line.split()[2]: int(line.split()[0]) for line in lines[:-2]}
    assert counts["schema/unknown-field"] == full.stdout.count("  schema/unknown-field")
    assert sum(counts.values()) == sum(full.stdout.count(f"  {rule}\n") for rule in counts)
    assert " | " not in result.stdout  # no source lines


def test_quiet_and_summary_exclude_each_other(kubelint):
    result = kubelint("check", TYPES, "--quiet", "--summary")
    assert result.exit_code == 2 and "--quiet and --summary" in result.stderr


def test_color_always_and_never(kubelint):
    assert ANSI in kubelint("check", TYPES, "--color", "always").stdout
    assert ANSI not in kubelint("check", TYPES, "--color", "never").stdout
    assert ANSI not in kubelint("check", TYPES).stdout  # auto: not a terminal


def test_color_auto_colors_a_terminal_unless_no_color():
    terminal, _, _ = run_in_terminal("check", str(TYPES))
    assert ANSI in terminal and "schema/type" in terminal
    terminal, _, _ = run_in_terminal("check", str(TYPES), env={"NO_COLOR": "1"})
    assert ANSI not in terminal and "schema/type" in terminal
    terminal, _, _ = run_in_terminal("check", str(TYPES), "--color", "always", env={"NO_COLOR": "1"})
    assert ANSI in terminal


def test_progress_bar_on_a_terminal_for_big_runs(tmp_path):
    for n in range(300):
        (tmp_path / f"settings-{n:03}.yaml").write_text(CLEAN.format(n=n))
    terminal, stdout, _ = run_in_terminal("check", str(tmp_path), stdout_tty=False, stderr_tty=True)
    assert "checking" in terminal and "300/300" in terminal
    assert stdout.startswith("no problems in 300 files")
    # not on a terminal, or --quiet: no bar
    _, stdout, stderr = run_in_terminal("check", str(tmp_path), stdout_tty=False, stderr_tty=False)
    assert stderr == "" and stdout.startswith("no problems in 300 files")
    terminal, _, _ = run_in_terminal("check", str(tmp_path), "--quiet", stdout_tty=False, stderr_tty=True)
    assert terminal == ""


def test_no_progress_bar_for_small_runs(tmp_path):
    for n in range(20):
        (tmp_path / f"settings-{n:03}.yaml").write_text(CLEAN.format(n=n))
    terminal, stdout, _ = run_in_terminal("check", str(tmp_path), stdout_tty=False, stderr_tty=True)
    assert terminal == "" and stdout.startswith("no problems in 20 files")
