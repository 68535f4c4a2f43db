"""Generated input and the promises every run keeps, whatever it is given.

Shared by tests/test_properties.py (a few hundred examples in CI) and tests/fuzz/fuzz.py (long
runs). The strategies build valid Kubernetes objects, render them as YAML or JSON the way people
write them, then break them: in their data, in their text and in their bytes.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import strategies as st
from typer.testing import CliRunner

from kubelint_py.cli import app

# --- valid objects --------------------------------------------------------------------------------------

NAME = st.from_regex(r"[a-z]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
LABEL_KEY = st.from_regex(r"([a-z]{1,8}\.example\.com/)?[a-z]([a-z0-9.-]{0,10}[a-z0-9])?", fullmatch=True)
LABEL_VALUE = st.from_regex(r"([A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?)?", fullmatch=True)
# any text YAML can carry (a double-quoted string escapes what it cannot show); no lone surrogates
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
IMAGE = st.from_regex(r"(ghcr\.io/[a-z]{1,8}/)?[a-z]{1,10}(:[0-9]{1,2}\.[0-9]{1,2})?", fullmatch=True)


def metadata(namespaced: bool = True) -> st.SearchStrategy[dict]:
    optional = {"labels": st.dictionaries(LABEL_KEY, LABEL_VALUE, max_size=3),
                "annotations": st.dictionaries(LABEL_KEY, TEXT, max_size=2)}
    if namespaced:
        optional["namespace"] = NAME
    return st.fixed_dictionaries({"name": NAME}, optional=optional)


def containers() -> st.SearchStrategy[list]:
    port = st.fixed_dictionaries({"containerPort": st.integers(1, 65535)},
                                 optional={"protocol": st.sampled_from(["TCP", "UDP"])})
    env = st.fixed_dictionaries({"name": st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True), "value": TEXT})
    container = st.fixed_dictionaries(
        {"name": NAME, "image": IMAGE},
        optional={"ports": st.lists(port, max_size=2), "env": st.lists(env, max_size=3),
                  "args": st.lists(TEXT, max_size=3),
                  "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent", "Never"])},
    )
    return st.lists(container, min_size=1, max_size=2, unique_by=lambda c: c["name"])


def _pod_template(labels: dict) -> st.SearchStrategy[dict]:
    return containers().map(lambda cs: {"metadata": {"labels": labels}, "spec": {"containers": cs}})


@st.composite
def _workload(draw, kind: str) -> dict:
    labels = {"app": draw(NAME)}
    spec = {"selector": {"matchLabels": labels}, "template": draw(_pod_template(labels))}
    if kind != "DaemonSet":
        spec["replicas"] = draw(st.integers(0, 10))
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": draw(metadata()), "spec": spec}


def objects() -> st.SearchStrategy[dict]:
    """Valid objects of the kinds repositories hold most."""
    def obj(api_version: str, kind: str, namespaced: bool = True, **fields) -> st.SearchStrategy[dict]:
        return st.fixed_dictionaries({"apiVersion": st.just(api_version), "kind": st.just(kind),
                                      "metadata": metadata(namespaced), **fields})

    service_port = st.fixed_dictionaries({"port": st.integers(1, 65535)},
                                         optional={"name": NAME, "targetPort": st.integers(1, 65535) | NAME})
    return st.one_of(
        obj("v1", "ConfigMap", data=st.dictionaries(st.from_regex(r"[-._a-zA-Z0-9]{1,20}", fullmatch=True), TEXT,
                                                     max_size=4)),
        obj("v1", "Namespace", namespaced=False),
        obj("v1", "ServiceAccount"),
        obj("v1", "Service", spec=st.fixed_dictionaries(
            {"selector": st.dictionaries(LABEL_KEY, LABEL_VALUE, max_size=2),
             "ports": st.lists(service_port, min_size=1, max_size=2)},
            optional={"type": st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"])})),
        obj("v1", "Pod", spec=containers().map(lambda cs: {"containers": cs})),
        _workload("Deployment"), _workload("StatefulSet"), _workload("DaemonSet"),
        obj("batch/v1", "Job", spec=_pod_template({}).map(
            lambda t: {"template": {**t, "spec": {**t["spec"], "restartPolicy": "Never"}}})),
    )


# --- rendering ------------------------------------------------------------------------------------------

# Plain scalars that go-yaml would read as something other than a string, or YAML as syntax
_NOT_PLAIN = re.compile(r"(?i:y|n|yes|no|on|off|true|false|null|~)|[-+.0-9?<=].*|.*[:#{}\[\],&*!|>'\"%@`].*|.*\s.*|",
                        re.S)
# What libyaml refuses to see unescaped, even inside a double-quoted string (all of it in the BMP)
_UNPRINTABLE = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def as_json(value) -> str:
    """JSON that libyaml reads too: the characters it refuses are written as escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def scalar(value) -> str:
    if isinstance(value, str) and not _NOT_PLAIN.fullmatch(value) and not _UNPRINTABLE.search(value):
        return value
    return as_json(value)


def block(value, indent: int = 0, compact_lists: bool = True) -> str:
    """Block-style YAML with quotes only where needed, the way people write manifests."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                nested = indent if isinstance(item, list) and compact_lists else indent + 2
                lines.append(f"{pad}{scalar(key)}:\n{block(item, nested, compact_lists)}")
            else:
                lines.append(f"{pad}{scalar(key)}: {block(item)}")
        return "\n".join(lines)
    if isinstance(value, list) and value:
        items = []
        for item in value:
            text = block(item, indent + 2, compact_lists)
            items.append(f"{pad}- {text[indent + 2:]}" if isinstance(item, (dict, list)) and item
                         else f"{pad}- {text}")
        return "\n".join(items)
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return scalar(value)


@st.composite
def rendered(draw, documents: list) -> str:
    """A stream of documents as YAML (block or flow) or, for one object, JSON."""
    if len(documents) == 1 and draw(st.booleans()):
        return as_json(documents[0])
    parts = []
    for document in documents:
        style = draw(st.sampled_from(["block", "block-indented-lists", "flow"]))
        if style == "flow":
            parts.append(as_json(document))
        else:
            parts.append(block(document, compact_lists=style == "block"))
    start = draw(st.sampled_from(["", "---\n", "# generated\n"]))
    return start + "\n---\n".join(parts) + "\n"


def streams() -> st.SearchStrategy[tuple[list, str]]:
    return st.lists(objects(), min_size=1, max_size=3).flatmap(
        lambda documents: st.tuples(st.just(documents), rendered(documents)))


# --- breaking them --------------------------------------------------------------------------------------

# Names that try to drive a terminal: an escape sequence, a title change, a C1 CSI, a bidi override
HOSTILE_NAME = st.tuples(NAME, st.sampled_from(["\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\u202e", "\u2028", "\r"]),
                         NAME).map("".join)
ANY_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                         max_leaves=10)


def value_paths(value, prefix=()):
    """Every path in a value, the root first: the places a test may break."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from value_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from value_paths(item, prefix + (index,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


def _delete(value, path):
    if len(path) == 1:
        copy = dict(value) if isinstance(value, dict) else list(value)
        del copy[path[0]]
        return copy
    return _replace(value, path[:1], _delete(value[path[0]], path[1:]))


@st.composite
def broken_object(draw) -> object:
    """A valid object with its data changed: a value of another type, a key lost, a typo, deep nesting,
    a name built to drive a terminal."""
    document = draw(objects())
    for _ in range(draw(st.integers(1, 3))):
        paths = list(value_paths(document))
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "delete", "typo", "deep", "list", "hostile-name"]))
        if how == "hostile-name" and isinstance(document, dict) and isinstance(document.get("metadata"), dict):
            field = draw(st.sampled_from(["name", "namespace"]))
            document = _replace(document, ("metadata",), {**document["metadata"], field: draw(HOSTILE_NAME)})
        elif how == "replace":
            document = _replace(document, path, draw(ANY_VALUE))
        elif how == "delete" and path:
            document = _delete(document, path)
        elif how == "typo" and path and isinstance(path[-1], str):
            parent = _get(document, path[:-1])
            renamed = {key + "x" if key == path[-1] else key: item for key, item in parent.items()}
            document = _replace(document, path[:-1], renamed)
        elif how == "deep":
            depth = draw(st.integers(1, 400))
            document = _replace(document, path, json.loads("[" * depth + "]" * depth))
        elif how == "list":
            document = {"apiVersion": "v1", "kind": "List", "items": [document, draw(ANY_VALUE)]}
    return document


def _get(value, path):
    for part in path:
        value = value[part]
    return value


TOKENS = ["\t", "\0", "\x1b[31m", "\x85", "\u202e", "\ufeff", "\r", "\n", " ", "  ", ":", ": ", "- ", "---", "...",
          "#", "'", '"', "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!python/object:os.system ", "!!binary ",
          "!!int ", "? ", "|", ">-", "%YAML 1.1", "{{ .Values.x }}", "{{- if .Values.on }}", "<<<<<<< HEAD",
          "=======", ">>>>>>> main", "yes", "0777", "1e3", ".inf", "~", "\\", "\\x", "\\u12", "&", "*", "!"]


@st.composite
def broken_text(draw, text: str) -> str:
    """The text with a few edits: tokens people (or attackers) insert, cuts, swapped and re-indented lines."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "insert-random", "cut", "truncate", "indent", "swap", "repeat"]))
        if how == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif how == "insert-random":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif how == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif how == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if how == "indent":
                lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
            elif how == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            else:  # a repeated line: duplicate keys, a second list item
                lines.insert(j, lines[i])
            text = "\n".join(lines)
    return text


@st.composite
def broken_bytes(draw, data: bytes) -> bytes:
    """The encoded text with bytes flipped, cut, or the whole of it in another encoding."""
    how = draw(st.sampled_from(["flip", "cut", "utf-16", "latin-1", "bom"]))
    if how == "utf-16":
        return data.decode("utf-8").encode("utf-16")
    if how == "latin-1":
        return data.decode("utf-8").encode("latin-1", "replace")
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    at = draw(st.integers(0, max(0, len(data) - 1)))
    if how == "cut":  # may split a multi-byte character
        return data[:at]
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]


def hostile_inputs() -> st.SearchStrategy[bytes]:
    """One input file of any kind: valid, broken in data, text or bytes, or random bytes."""
    valid = streams().map(lambda stream: stream[1])
    data = st.lists(broken_object(), min_size=1, max_size=2).flatmap(rendered)
    text = (valid | data).flatmap(broken_text)
    return st.one_of(valid.map(str.encode), data.map(str.encode), text.map(lambda t: t.encode("utf-8", "replace")),
                     valid.map(str.encode).flatmap(broken_bytes), st.binary(max_size=300))


# --- the promises ---------------------------------------------------------------------------------------

# Input characters that must never reach the output as they are (see escaping.printable)
UNSAFE_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def run(*args: str, stdin: bytes | None = None):
    """kubelint in-process; any exception escaping the command fails the caller."""
    return CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)


def check_well_behaved(inputs: list[bytes], stdin: bytes | None = None) -> dict:
    """Check `inputs` as files (and `stdin`) in one run; assert every promise; return the JSON report.

    JSON goes to stdout; SARIF, JUnit and GitHub annotations to files, all from the same run.
    """
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for number, data in enumerate(inputs):
            path = Path(directory) / f"input-{number}.yaml"
            path.write_bytes(data)
            paths.append(str(path))
        args = [*paths, *(["-"] if stdin is not None else [])]
        out = Path(directory) / "out"
        out.mkdir()
        reports = {"sarif": out / "report.sarif", "junit": out / "report.xml", "github": out / "annotations"}
        outputs = [option for name, path in reports.items() for option in ("--format", name, "--output", str(path))]
        first = run("check", *outputs, "--format", "json", *args, stdin=stdin)
        first_files = {name: path.read_text(encoding="utf-8") for name, path in reports.items()}
        again = run("check", *outputs, "--format", "json", *args, stdin=stdin)
        again_files = {name: path.read_text(encoding="utf-8") for name, path in reports.items()}
        text = run("check", *args, stdin=stdin)
    assert first.exit_code in (0, 1, 2), first.output
    report = json.loads(first.stdout)  # valid JSON, whatever the input
    summary = report["summary"]
    assert summary["documents"] == summary["checked"] + summary["unreadable"], summary
    assert summary["files"] == len(args)
    # the same input, the same output
    assert (again.exit_code, again.stdout, again_files) == (first.exit_code, first.stdout, first_files)
    assert text.exit_code == first.exit_code
    json.loads(first_files["sarif"])
    ElementTree.fromstring(first_files["junit"])
    for output in (text.stdout, first.stdout, *first_files.values()):
        assert not UNSAFE_OUTPUT.search(output)
    for finding in report["findings"]:
        assert "\n" not in finding["message"] and finding["line"] >= 1 and finding["column"] >= 1, finding
    return report


# --- kubelint diagnose --------------------------------------------------------------------------------

DIAGNOSE_FIXTURES = sorted(p for p in (Path(__file__).resolve().parent.parent / "fixtures" / "diagnose").rglob("*")
                           if p.is_file() and p.suffix in (".txt", ".yaml", ".json"))


@st.composite
def kubectl_output(draw) -> bytes:
    """Real kubectl output (describe, get -o yaml/json, events, tables), whole, cut short, edited or mixed."""
    text = draw(st.sampled_from(DIAGNOSE_FIXTURES)).read_text(encoding="utf-8")
    how = draw(st.sampled_from(["whole", "truncated", "edited", "joined"]))
    if how == "truncated":
        text = text[:draw(st.integers(0, len(text)))]
    elif how == "edited":
        text = draw(broken_text(text))
    elif how == "joined":
        text += "\n" + draw(st.sampled_from(DIAGNOSE_FIXTURES)).read_text(encoding="utf-8")
    return text.encode("utf-8", "replace")


def check_diagnose_well_behaved(inputs: list[bytes]) -> None:
    """`kubelint diagnose` on `inputs`: exit 0, 1 or 2, one line per error, valid JSON, safe text, stable."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for number, data in enumerate(inputs):
            path = Path(directory) / f"output-{number}.txt"
            path.write_bytes(data)
            paths.append(str(path))
        as_json = run("diagnose", "--format", "json", *paths)
        again = run("diagnose", "--format", "json", *paths)
        text = run("diagnose", *paths)
    assert as_json.exit_code in (0, 1, 2), as_json.output
    assert (again.exit_code, again.stdout, again.stderr) == (as_json.exit_code, as_json.stdout, as_json.stderr)
    assert text.exit_code == as_json.exit_code
    if as_json.stdout:
        json.loads(as_json.stdout)
    assert as_json.exit_code == 2 or as_json.stdout
    for line in text.stderr.splitlines():
        assert line.startswith("kubelint: error: "), line
    for output in (text.stdout, text.stderr, as_json.stdout):
        assert not UNSAFE_OUTPUT.search(output)


# --- kubelint simulate --------------------------------------------------------------------------------


def check_simulate_well_behaved(inputs: list[bytes]) -> None:
    """`kubelint simulate` on `inputs`: exit 0, 1 or 2, one line per error, valid JSON, safe text, stable."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for number, data in enumerate(inputs):
            path = Path(directory) / f"input-{number}.yaml"
            path.write_bytes(data)
            paths.append(str(path))
        now = ("--now", "2025-03-01T09:30:00Z")  # a CronJob's next run depends on it
        as_json = run("simulate", *now, "--format", "json", *paths)
        again = run("simulate", *now, "--format", "json", *paths)
        text = run("simulate", *now, *paths)
    assert as_json.exit_code in (0, 1, 2), as_json.output
    assert (again.exit_code, again.stdout, again.stderr) == (as_json.exit_code, as_json.stdout, as_json.stderr)
    assert text.exit_code == as_json.exit_code
    json.loads(as_json.stdout)
    for line in text.stderr.splitlines():
        assert line.startswith("kubelint: error: "), line
    for output in (text.stdout, text.stderr, as_json.stdout):
        assert not UNSAFE_OUTPUT.search(output)
