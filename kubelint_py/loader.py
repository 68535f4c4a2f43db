"""Reading manifests: files, directories and stdin into Documents that know where each field sits.

YAML is composed into nodes by libyaml (ruamel.yaml's C parser; pure Python when it is missing) with
no tag resolution; scalars are then typed the way the apiserver's YAML decoder (go-yaml v2 behind
sigs.k8s.io/yaml) types them, so `yes` is a boolean and `0777` an octal integer, as kubectl sees them.
Node marks give every key its line and column. Only plain data comes out: no Python object tags.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

from kubelint_py.model import Document, Finding, NO_OBJECT, Severity

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 256  # nesting levels in one document; real objects stay under ~60
MAX_FLOW_DEPTH = 1000  # libyaml recurses in C; deeper flow nesting would overflow its stack
ALIAS_BUDGET = 100_000  # nodes an alias may expand to per document; stops "billion laughs" early
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"

try:  # the C parser: ~15x faster than the pure-Python one
    from ruamel.yaml.cyaml import CParser as _Parser

    C_PARSER = True
except ImportError:  # pragma: no cover - exercised where no C extension can be built
    from ruamel.yaml.loader import BaseLoader as _Parser

    C_PARSER = False
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.tag import Tag

# Shared tag objects: nodes keep the very object the resolver returns, so conversion can test tags by
# identity instead of through ruamel's Tag.__str__, which decodes the URI on every call.
_PLAIN = Tag(suffix="?plain")  # an untagged plain scalar, typed later by _plain_value
_STR, _SEQ, _MAP = (Tag(suffix=f"tag:yaml.org,2002:{t}") for t in ("str", "seq", "map"))
_DEFAULT_TAGS = {ScalarNode: _STR, SequenceNode: _SEQ, MappingNode: _MAP}


class _Composer(_Parser):
    """libyaml's composer with tag resolution left to us (ruamel's resolver is the slow part)."""

    max_depth = None  # pure-Python composer option; depth is bounded by MAX_FLOW_DEPTH and MAX_DEPTH

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Tag:
        return _PLAIN if kind is ScalarNode and implicit[0] else _DEFAULT_TAGS[kind]


class LoadError(Exception):
    """A document that cannot be read; carries the rule id and a 0-based position in its chunk."""

    def __init__(self, rule: str, message: str, fix: str | None, line: int = 0, column: int = 0):
        super().__init__(message)
        self.rule, self.message, self.fix, self.line, self.column = rule, message, fix, line, column


# --- scalars, typed like go-yaml v2 ------------------------------------------------------------------

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT_PREFIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def _plain_value(text: str) -> Any:
    if text in _NULLS:
        return None
    first = text[0]
    if first in "yYnNtTfFoO":
        return _BOOLS.get(text, text)
    if first in "0123456789+-":
        number = _number(text.replace("_", ""))
        return text if number is None else number
    if first == ".":
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        return float(text) if _FLOAT.match(text) else text
    return text


def _number(text: str) -> int | float | None:
    """strconv.ParseInt(s, 0, 64), then the YAML float pattern (what go-yaml v2 tries in turn)."""
    digits = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    if digits[:1].isdigit():
        base = _INT_PREFIX.get(digits[:2], 8 if len(digits) > 1 and digits[0] == "0" else 10)
        body = digits[2:] if digits[:2] in _INT_PREFIX else digits
        try:
            if body and (base != 8 or digits[:2] in _INT_PREFIX or body.isdigit()):
                value = sign * int(body, base)
                if -(2**63) <= value < 2**64:
                    return value
        except ValueError:
            pass
    if _FLOAT.match(text):
        return float(text)
    return None


def _key_text(value: Any) -> str:
    """Map keys become strings, as in the JSON the apiserver decodes."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return str(int(value))
    return str(value)


# --- nodes to values --------------------------------------------------------------------------------


class _Converter:
    """Turns one composed document into plain data, bounding depth and alias expansion."""

    def __init__(self, problems: list[tuple[int, int, str, str]]):
        self.problems = problems  # (line, column, rule, message) found along the way: duplicate keys
        self.seen: set[int] = set()  # collection nodes converted so far
        self.inside_alias = 0
        self.alias_nodes = 0

    def value(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise LoadError("yaml/too-deep", f"nesting deeper than {MAX_DEPTH} levels",
                            "Flatten the document; no Kubernetes object nests this deep.", *_mark(node))
        if self.inside_alias:
            self.alias_nodes += 1
            if self.alias_nodes > ALIAS_BUDGET:
                raise LoadError("yaml/alias-limit", f"aliases expand to more than {ALIAS_BUDGET:,} nodes (an alias bomb?)",
                                "Replace the nested anchors and aliases with the data itself.", *_mark(node))
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node)
        revisit = id(node) in self.seen  # the same collection node again: an alias
        if revisit:
            self.inside_alias += 1
        else:
            self.seen.add(id(node))
        try:
            if cls is MappingNode:
                return self.mapping(node, depth)
            return [self.value(item, depth + 1) for item in node.value]
        finally:
            if revisit:
                self.inside_alias -= 1

    def scalar(self, node: Any) -> Any:
        tag = node.ctag
        if tag is _PLAIN:
            return _plain_value(node.value)
        if tag is _STR:
            return node.value
        return _tagged_scalar(str(tag), node)

    def mapping(self, node: Any, depth: int) -> dict:
        result: dict = {}
        explicit: dict[str, Any] = {}
        merges = []
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                merges.append(value_node)
                continue
            if key_node.__class__ is ScalarNode:
                key = _key_text(self.scalar(key_node))
            else:  # a complex key: the apiserver's JSON cannot hold it; keep its text form
                key = _key_text(self.value(key_node, depth + 1))
            if key in explicit:
                first = explicit[key].start_mark
                self.problems.append(
                    (*_mark(key_node), "yaml/duplicate-key", f"duplicate key {key!r} (first at line {first.line + 1})")
                )
            explicit[key] = key_node
            result[key] = self.value(value_node, depth + 1)
        for merge in merges:  # explicit keys win over merged ones; earlier merges win over later ones
            sources = merge.value if merge.__class__ is SequenceNode else [merge]
            for source in sources:
                merged = self.value(source, depth + 1)
                if not isinstance(merged, dict):
                    raise LoadError("yaml/syntax", "a merge key (<<) needs a mapping", None, *_mark(source))
                for key, value in merged.items():
                    result.setdefault(key, value)
        return result


def _tagged_scalar(tag: str, node: Any) -> Any:
    """A scalar with an explicit tag (!!int "3", !Ref x); local tags keep the text, as the apiserver does."""
    text = node.value
    if tag == "tag:yaml.org,2002:str" or not tag.startswith("tag:yaml.org,2002:"):
        return text
    kind = tag[18:]
    if kind == "int" or kind == "float":
        number = _number(text.replace("_", "")) if text else None
        if number is None:
            raise LoadError("yaml/syntax", f"!!{kind} {text!r} is not a number", None, *_mark(node))
        return float(number) if kind == "float" else number
    if kind == "bool":
        if text not in _BOOLS:
            raise LoadError("yaml/syntax", f"!!bool {text!r} is not a boolean", None, *_mark(node))
        return _BOOLS[text]
    if kind == "null":
        return None
    return text  # !!binary, !!timestamp: the apiserver sees the text


def _is_merge_key(node: Any) -> bool:
    if node.__class__ is not ScalarNode or node.value != "<<":
        return False
    return node.ctag is _PLAIN or str(node.ctag) == "tag:yaml.org,2002:merge"


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line, node.start_mark.column


# --- positions ---------------------------------------------------------------------------------------


def _find(node: Any, path: Iterable) -> tuple[int, int]:
    """0-based position of the key at `path` (or of the deepest ancestor that exists)."""
    line, column = node.start_mark.line, node.start_mark.column
    for part in path:
        found = None
        if node.__class__ is MappingNode and isinstance(part, str):
            found = _find_key(node, part)
        elif node.__class__ is SequenceNode and isinstance(part, int) and 0 <= part < len(node.value):
            item = node.value[part]
            found = (item, item)
        if found is None:
            break
        key_node, node = found
        line, column = key_node.start_mark.line, key_node.start_mark.column
    return line, column


def _find_key(node: Any, key: str) -> tuple[Any, Any] | None:
    merges = []
    for key_node, value_node in node.value:
        if _is_merge_key(key_node):
            merges.append(value_node)
        elif key_node.__class__ is ScalarNode and _may_be_key(key_node.value, key) \
                and _key_text(_scalar_for_key(key_node)) == key:
            return key_node, value_node
    for merge in merges:
        for source in merge.value if merge.__class__ is SequenceNode else [merge]:
            if source.__class__ is MappingNode:
                found = _find_key(source, key)
                if found:
                    return found
    return None


def _may_be_key(text: str, key: str) -> bool:
    """Could a key written as `text` mean `key`? Typing a scalar is slow; most keys are their own text."""
    return text == key or text in _BOOLS or text in _NULLS or text[:1] in "0123456789+-."


def _scalar_for_key(node: Any) -> Any:
    try:
        return _Converter([]).scalar(node)
    except LoadError:
        return node.value


# --- splitting, composing, converting ---------------------------------------------------------------

# kubectl splits a stream on lines that hold only "---" (k8s.io/apimachinery's YAMLReader); splitting
# first lets one broken document be reported while the others are still checked.
_SEPARATOR = re.compile(r"^---[ \t\r]*$", re.M)
_HELM = re.compile(
    r"\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|include\b|template\b|if\b|"
    r"else\b|end\b|range\b|with\b|define\b|toYaml\b|tpl\b|required\b|default\b|\$)|\{\{/\*|\s-\}\}"
)
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.M)
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.M)
_FLOW_OPENERS = re.compile(r"[\[\]{}]")


class Chunk:
    """The text of one `---`-separated part of a file; composes (again) on demand for positions."""

    __slots__ = ("text", "first_line", "_nodes")

    def __init__(self, text: str, first_line: int):
        self.text, self.first_line, self._nodes = text, first_line, None

    def compose(self) -> list:
        if self._nodes is None:
            parser = _Composer(self.text)
            try:
                nodes = []
                while parser.check_node():
                    nodes.append(parser.get_node())
            finally:
                if C_PARSER:
                    parser.dispose()
            self._nodes = nodes
        return self._nodes

    def release(self) -> None:
        self._nodes = None


@dataclass(slots=True)
class Locator:
    """Answers 'where is this field?' for one YAML document, composing its text again if released."""

    chunk: Chunk
    number: int  # which document within the chunk

    def __call__(self, path: tuple) -> tuple[int, int]:
        line, column = _find(self.chunk.compose()[self.number], path)
        return self.chunk.first_line + line + 1, column + 1

    def release(self) -> None:
        self.chunk.release()


@dataclass
class Loaded:
    """What reading one input produced."""

    file: str
    text: str = ""
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    read: int = 0  # YAML documents read (non-empty), or 1 for a file that could not be read at all
    unreadable: int = 0  # of those, how many could not be checked
    rendered_by: str | None = None  # for a Kustomize directory: the command that rendered it


def load_text(text: str, file: str) -> Loaded:
    """Split, compose and convert one file's text. Never raises for bad input: it reports it."""
    result = Loaded(file, text)
    if file.endswith(".json"):
        text = text.replace("\t", " ")  # valid JSON has tabs only as white space, which YAML forbids
    index, start, line = 0, 0, 0
    for match in _SEPARATOR.finditer(text):
        index = _load_chunk(Chunk(text[start : match.start()], line), index, result)
        line += text.count("\n", start, match.end() + 1)
        start = match.end() + 1
    _load_chunk(Chunk(text[start:], line), index, result)
    if result.read == 0 and not result.findings:
        result.findings.append(
            Finding("input/empty", Severity.WARNING, "no Kubernetes object in this file (it is empty or only comments)",
                    "Add a manifest or remove the file from the checked paths.", file, 1, 1)
        )
    return result


def _load_chunk(chunk: Chunk, index: int, result: Loaded) -> int:
    text = chunk.text
    if not text.strip() or _only_comments(text):
        return index
    origin_match = _HELM_SOURCE.search(text)
    origin = origin_match.group(1) if origin_match else None
    try:
        _check_flow_depth(text)
        nodes = chunk.compose()
    except (MarkedYAMLError, LoadError) as error:
        result.read += 1
        result.unreadable += 1
        result.findings.append(_syntax_finding(error, chunk, index + 1, result.file))
        return index + 1
    except RecursionError:
        result.read += 1
        result.unreadable += 1
        result.findings.append(_error(result.file, chunk.first_line + 1, 1, index + 1, "yaml/too-deep",
                                      "nesting too deep to parse", "Flatten the document."))
        return index + 1
    for number, node in enumerate(nodes):
        index += 1
        if node.__class__ is ScalarNode and node.value == "" and node.ctag is _PLAIN:
            index -= 1  # an empty document ("---" twice): nothing to check, nothing lost
            continue
        result.read += 1
        problems: list = []
        try:
            body = _Converter(problems).value(node)
        except LoadError as error:
            result.unreadable += 1
            result.findings.append(_error(result.file, chunk.first_line + error.line + 1, error.column + 1,
                                          index, error.rule, error.message, error.fix))
            continue
        for line, column, rule, message in problems:
            result.findings.append(Finding(
                rule, Severity.ERROR, message, "Remove one of the two keys; the apiserver's strict decoding rejects "
                "duplicates and other tools keep only the last one.", result.file, chunk.first_line + line + 1,
                column + 1, index, NO_OBJECT, ""))
        locator = Locator(chunk, number)
        _add_objects(body, index, locator, origin, result)
    return index


def _add_objects(body: Any, index: int, locator: Locator, origin: str | None, result: Loaded) -> None:
    """A document is one object, or a List whose items are objects (`kind: List`, `*List`)."""
    kind = body.get("kind") if isinstance(body, dict) else None
    items = body.get("items") if isinstance(body, dict) else None
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):  # an empty List holds nothing to check
            result.documents.append(Document(result.file, index, item, locator, ("items", i), origin))
        return
    result.documents.append(Document(result.file, index, body, locator, (), origin))


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _check_flow_depth(text: str) -> None:
    if text.count("[") + text.count("{") < MAX_FLOW_DEPTH:
        return
    depth = 0
    for match in _FLOW_OPENERS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_FLOW_DEPTH:
            line = text.count("\n", 0, match.start())
            raise LoadError("yaml/too-deep", f"flow collections nested deeper than {MAX_FLOW_DEPTH} levels",
                            "Flatten the document; no Kubernetes object nests this deep.", line, 0)
        depth = max(depth, 0)


def _syntax_finding(error: Exception, chunk: Chunk, index: int, file: str) -> Finding:
    if isinstance(error, LoadError):
        return _error(file, chunk.first_line + error.line + 1, error.column + 1, index, error.rule, error.message,
                      error.fix)
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    last_line = chunk.text.rstrip().count("\n")
    if line > last_line:  # libyaml reports "unexpected end" past the text; point at its last line instead
        line, column = last_line, 0
    problem = error.problem or "invalid YAML"
    if error.context:
        problem = f"{problem} ({error.context})"
    conflict = _CONFLICT.search(chunk.text)
    helm = _HELM.search(chunk.text)
    if conflict:
        line, column = chunk.text.count("\n", 0, conflict.start()), 0
        return _error(file, chunk.first_line + line + 1, 1, index, "yaml/merge-conflict",
                      "unresolved merge conflict marker", "Resolve the merge conflict and remove the markers.")
    if helm:
        line = chunk.text.count("\n", 0, helm.start())
        return _error(file, chunk.first_line + line + 1, 1, index, "yaml/helm-template",
                      "this is a Helm template, not a manifest",
                      "Render it first: helm template CHART | kubelint check -")
    fix = "Indent with spaces; YAML does not allow tabs." if "tab" in problem else "Fix the YAML syntax here."
    return _error(file, chunk.first_line + line + 1, column + 1, index, "yaml/syntax", f"invalid YAML: {problem}", fix)


def _error(file: str, line: int, column: int, index: int, rule: str, message: str, fix: str | None) -> Finding:
    return Finding(rule, Severity.ERROR, message, fix, file, line, column, index)


# --- files and bytes --------------------------------------------------------------------------------


def decode(data: bytes, file: str) -> tuple[str | None, Finding | None]:
    """Bytes to text, or the one finding that says why not."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, _error(file, 1, 1, 0, "input/encoding", "not valid UTF-16 despite its byte-order mark",
                                "Save the file as UTF-8.")
        return text, Finding("input/encoding", Severity.WARNING, "file is UTF-16; kubectl and most tools expect UTF-8",
                             "Save the file as UTF-8.", file, 1, 1)
    if b"\0" in data[:8192]:
        return None, _error(file, 1, 1, 0, "input/binary", "binary file (it contains NUL bytes), not a manifest",
                            "Remove it from the checked paths, or exclude it with --exclude.")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, _error(file, line, column, 0, "input/encoding",
                            f"not valid UTF-8 (byte 0x{data[error.start]:02x})", "Save the file as UTF-8.")


def read_input(path: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, Finding | None]:
    """Read a path (or stdin for "-") into text, or the one finding that says why it could not be."""
    display = "<stdin>" if path == STDIN else path
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
                return None, _error(display, 1, 1, 0, "input/unreadable", "not a regular file (a FIFO, socket or device)",
                                    "Name manifest files, directories or - for stdin.")
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return None, _error(display, 1, 1, 0, "input/not-found", "no such file or directory",
                            "Check the path.")
    except PermissionError:
        return None, _error(display, 1, 1, 0, "input/unreadable", "permission denied", "Make the file readable.")
    except OSError as error:
        return None, _error(display, 1, 1, 0, "input/unreadable", error.strerror or str(error), "Check the path.")
    if len(data) > max_bytes:
        return None, _error(display, 1, 1, 0, "input/too-large", f"larger than {max_bytes // (1024 * 1024)} MiB",
                            "Split the file, or raise the limit with --max-file-size.")
    return decode(data, display)


def load_path(path: str, max_bytes: int = MAX_FILE_BYTES) -> Loaded:
    if path != STDIN and os.path.isdir(path):
        return _load_rendered(path, max_bytes)
    text, problem = read_input(path, max_bytes)
    display = "<stdin>" if path == STDIN else path
    if text is None:
        return Loaded(display, findings=[problem], read=1, unreadable=1)
    loaded = load_text(text, display)
    if problem:
        loaded.findings.insert(0, problem)
    return loaded


def _load_rendered(directory: str, max_bytes: int) -> Loaded:
    """A Kustomize directory: what it renders to, under the directory's name."""
    from kubelint_py import kustomize

    try:
        text, renderer = kustomize.render(directory)
    except kustomize.RenderError as error:
        return Loaded(directory, findings=[_error(directory, 1, 1, 0, "input/kustomize", error.message, error.fix)],
                      read=1, unreadable=1)
    if len(text) > max_bytes:
        return Loaded(directory, read=1, unreadable=1, findings=[_error(
            directory, 1, 1, 0, "input/too-large", f"renders to more than {max_bytes // (1024 * 1024)} MiB",
            "Check its parts separately, or raise the limit with --max-file-size.")])
    loaded = load_text(text, directory)
    loaded.rendered_by = renderer
    return loaded
