"""Reading manifests: files, directories and stdin into Documents that know where each field sits.

YAML is composed into nodes by libyaml (ruamel.yaml's C parser; pure Python when it is missing) with
no tag resolution; scalars are then typed the way the apiserver's YAML decoder (go-yaml v2 behind
sigs.k8s.io/yaml) types them, so `yes` is a boolean and `0777` an octal integer, as kubectl sees them.
Node marks give every key its line and column. Only plain data comes out: no Python object tags.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

from kubelint_py.model import Document, Finding, NO_OBJECT, Severity

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 256  # collections nested in one document; real objects stay under ~60
# libyaml's composer recurses in C, one stack frame per level: near 25,000 levels it overflows an
# 8 MiB stack and kills the process. Documents that might nest deeper than this are measured first.
SAFE_PARSE_DEPTH = 5000
RELEASE_ABOVE = 1024 * 1024  # files larger than this keep no parse tree between loading and checking
ALIAS_BUDGET = 100_000  # nodes an alias may expand to per document; stops "billion laughs" early
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"

try:  # the C parser: ~15x faster than the pure-Python one
    from ruamel.yaml.cyaml import CParser as _Parser

    C_PARSER = True
except ImportError:  # pragma: no cover - exercised where no C extension can be built
    from ruamel.yaml.loader import BaseLoader as _Parser

    C_PARSER = False
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent,
                                StreamEndEvent)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.tag import Tag

# Shared tag objects: nodes keep the very object the resolver returns, so conversion can test tags by
# identity instead of through ruamel's Tag.__str__, which decodes the URI on every call.
_PLAIN = Tag(suffix="?plain")  # an untagged plain scalar, typed later by _plain_value
_STR, _SEQ, _MAP = (Tag(suffix=f"tag:yaml.org,2002:{t}") for t in ("str", "seq", "map"))
_DEFAULT_TAGS = {ScalarNode: _STR, SequenceNode: _SEQ, MappingNode: _MAP}


class _Composer(_Parser):
    """libyaml's composer with tag resolution left to us (ruamel's resolver is the slow part)."""

    max_depth = None  # pure-Python composer option; depth is bounded by _check_depth and MAX_DEPTH

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
        self.outermost_alias: Any = None  # the anchored node whose alias is being expanded

    def value(self, node: Any, depth: int = 0) -> Any:
        """`depth` counts the collections around `node`."""
        if self.inside_alias:
            self.alias_nodes += 1
            if self.alias_nodes > ALIAS_BUDGET:
                raise _alias_limit(self.outermost_alias)
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise _too_deep(*_mark(node))
        revisit = id(node) in self.seen  # the same collection node again: an alias
        if revisit:
            if not self.inside_alias:
                self.outermost_alias = node
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
            elif _is_template_action(key_node):  # `{{ .Values.x }}` parses as a mapping inside a mapping
                raise _helm_template(*_mark(node))
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


# What follows `{{` in a Go template action: a field or variable, or one of Helm's usual words
_TEMPLATE_ACTION = re.compile(r"(?:[.$]|(?:include|template|toYaml|tpl|required|default|printf|quote|lookup|if|"
                              r"else|end|range|with|define)\b)")


def _is_template_action(node: Any) -> bool:
    """`{X}` used as a key, where X reads like a template action: the inner braces of `{{ X }}`."""
    if node.__class__ is not MappingNode or len(node.value) != 1:
        return False
    key, value = node.value[0]
    if key.__class__ is not ScalarNode or value.__class__ is not ScalarNode or value.value != "":
        return False
    return key.ctag is _PLAIN and _TEMPLATE_ACTION.match(key.value) is not None


def _helm_template(line: int, column: int) -> LoadError:
    return LoadError("yaml/helm-template", "this is a Helm template, not a manifest",
                     "Render it first: helm template CHART | kubelint check -", line, column)


def _too_deep(line: int, column: int) -> LoadError:
    return LoadError("yaml/too-deep", f"nesting deeper than {MAX_DEPTH} levels",
                     "Flatten the document; no Kubernetes object nests this deep.", line, column)


def _alias_limit(anchored: Any) -> LoadError:
    # A composed alias is the anchored node itself, so the anchor is the place to point at.
    return LoadError("yaml/alias-limit", f"aliases of the anchor here expand to more than {ALIAS_BUDGET:,} nodes "
                     "(an alias bomb?)", "Write the data out instead of nesting aliases of aliases.", *_mark(anchored))


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
    merges, found = [], None
    for key_node, value_node in node.value:
        if _is_merge_key(key_node):
            merges.append(value_node)
        elif key_node.__class__ is ScalarNode and _may_be_key(key_node.value, key) \
                and _key_text(_scalar_for_key(key_node)) == key:
            found = key_node, value_node  # the last of duplicate keys is the value that was checked
    if found:
        return found
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
    r"\{\{-?\s{0,8}(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|include\b|template\b|if\b|"
    r"else\b|end\b|range\b|with\b|define\b|toYaml\b|tpl\b|required\b|default\b|\$)|\{\{/\*|\s-\}\}"
)
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.M)
_HELM_SOURCE = re.compile(r"^# Source: (\S[^\n]*)", re.M)


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
    start: tuple[int, int]  # 0-based position of the document's root in the chunk: needs no parse tree

    def __call__(self, path: tuple) -> tuple[int, int]:
        line, column = _find(self.chunk.compose()[self.number], path) if path else self.start
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
    empty_lists: int = 0  # of those, Lists without items: nothing to check but the warning about it
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
    origin = origin_match.group(1).rstrip() if origin_match else None
    try:
        _check_depth(text)
        nodes = chunk.compose()
    except (YAMLError, LoadError, RecursionError) as error:
        result.read += 1
        result.unreadable += 1
        result.findings.append(_syntax_finding(error, chunk, index + 1, result.file))
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
        locator = Locator(chunk, number, _mark(node))
        _add_objects(body, index, locator, origin, result)
    if len(result.text) > RELEASE_ABOVE:  # a big file: keep no parse tree; positions compose it again
        chunk.release()
    return index


def _add_objects(body: Any, index: int, locator: Locator, origin: str | None, result: Loaded) -> None:
    """A document is one object, or a List whose items are objects (`kind: List`, `*List`)."""
    kind = body.get("kind") if isinstance(body, dict) else None
    items = body.get("items") if isinstance(body, dict) else None
    if isinstance(kind, str) and kind.endswith("List") and (items is None or isinstance(items, list)):
        items = items or []
        for i, item in enumerate(items):
            result.documents.append(Document(result.file, index, item, locator, ("items", i), origin))
        if not items:
            line, column = locator(("items",))
            result.empty_lists += 1
            result.findings.append(Finding("input/empty", Severity.WARNING, f"this {kind} has no items",
                                           "Add the objects, or remove the empty List.", result.file, line, column,
                                           index))
        return
    result.documents.append(Document(result.file, index, body, locator, (), origin))


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


_DEEP_INDENT = " " * 1000


def _check_depth(text: str) -> None:
    """Refuse a document nesting deeper than MAX_DEPTH before libyaml composes it (see SAFE_PARSE_DEPTH).

    Each level of nesting needs an indicator (`- `, `? `, `[`, `{`; a flow pair `[a: b]` adds a mapping
    inside a bracket) or one more space of indentation, so counting them bounds the depth cheaply. Only
    a document whose bound is high is measured, on libyaml's event stream, which does not recurse.
    """
    indicators = (2 * (text.count("[") + text.count("{")) + text.count("?") + text.count("- ") + text.count("-\n")
                  + text.count("-\t") + text.count("-\r") + 1)
    deep_indent = text.startswith(_DEEP_INDENT) or ("\n" + _DEEP_INDENT) in text
    if indicators + len(_DEEP_INDENT) < SAFE_PARSE_DEPTH and not deep_indent:
        return
    parser = _Parser(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            cls = event.__class__
            if cls is SequenceStartEvent or cls is MappingStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(event.start_mark.line, event.start_mark.column)
            elif cls is SequenceEndEvent or cls is MappingEndEvent:
                depth -= 1
            elif cls is StreamEndEvent:
                return
    finally:
        if C_PARSER:
            parser.dispose()


def _syntax_finding(error: Exception, chunk: Chunk, index: int, file: str) -> Finding:
    if isinstance(error, LoadError):
        return _error(file, chunk.first_line + error.line + 1, error.column + 1, index, error.rule, error.message,
                      error.fix)
    if isinstance(error, RecursionError):  # the pure-Python composer, on nesting _check_depth let through
        return _error(file, chunk.first_line + 1, 1, index, "yaml/too-deep", "nesting too deep to parse",
                      "Flatten the document; no Kubernetes object nests this deep.")
    text = chunk.text
    conflict = _CONFLICT.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start())
        return _error(file, chunk.first_line + line + 1, 1, index, "yaml/merge-conflict",
                      "unresolved merge conflict marker", "Resolve the merge conflict and remove the markers.")
    helm = next((match for match in _HELM.finditer(text) if not _in_comment(text, match.start())), None)
    if helm:
        template = _helm_template(text.count("\n", 0, helm.start()), 0)
        return _error(file, chunk.first_line + template.line + 1, 1, index, template.rule, template.message,
                      template.fix)
    if isinstance(error, ReaderError):
        return _unacceptable_character(error, chunk, index, file)
    if not isinstance(error, MarkedYAMLError):
        problem = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return _error(file, chunk.first_line + 1, 1, index, "yaml/syntax", f"invalid YAML: {problem}",
                      "Fix the YAML syntax here.")
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    last_line = text.rstrip().count("\n")
    if line > last_line:  # libyaml reports "unexpected end" past the text; point at its last line instead
        line, column = last_line, 0
    line, column, problem, fix = _explain(error, text, line, column, chunk.first_line)
    return _error(file, chunk.first_line + line + 1, column + 1, index, "yaml/syntax", f"invalid YAML: {problem}", fix)


def _explain(error: Any, text: str, line: int, column: int, first_line: int) -> tuple[int, int, str, str]:
    """libyaml's complaint in the words of the usual mistake behind it, and where that mistake is."""
    problem, context, context_mark = error.problem or "invalid YAML", error.context, error.context_mark
    if context == "while scanning a quoted scalar" and context_mark and "unexpected" in problem:
        return context_mark.line, context_mark.column, "quoted string never closed", "Add the closing quote."
    quote = _quote_spanning_to(text, line)
    if quote:  # a closing quote is missing: the string ran on to the next quote, and the YAML broke there
        return (*quote, f"the quote opened here closes only at line {first_line + line + 1} (is a closing quote "
                "missing?)", "Close the quote on this line.")
    if _character_at(text, line, column) == "\t":
        return line, column, "tab character; YAML indents with spaces only", "Replace the tab with spaces."
    fix = "Fix the YAML syntax here."
    if problem in _INDENTATION_PROBLEMS or problem.startswith("expected <block end>"):
        fix = "Check the indentation of this line against the lines above it."
    if context:
        where = f" at line {first_line + context_mark.line + 1}" if context_mark and context_mark.line != line else ""
        problem = f"{problem} ({context}{where})"
    return line, column, problem, fix


_INDENTATION_PROBLEMS = {"did not find expected key", "mapping values are not allowed here",
                         "did not find expected '-' indicator"}


def _in_comment(text: str, offset: int) -> bool:
    return text[text.rfind("\n", 0, offset) + 1 : offset].lstrip().startswith("#")


def _quote_spanning_to(text: str, line: int) -> tuple[int, int] | None:
    """Where a quoted string starts if it spans several lines and ends on `line`, where parsing failed."""
    parser = _Parser(text)
    last = None
    try:
        while True:
            event = parser.get_event()
            if event.__class__ is ScalarEvent:
                last = event
            elif event.__class__ is StreamEndEvent:
                return None
    except YAMLError:
        pass
    finally:
        if C_PARSER:
            parser.dispose()
    if last is None or last.style not in ("'", '"') or not last.start_mark.line < last.end_mark.line == line:
        return None
    return last.start_mark.line, last.start_mark.column


def _character_at(text: str, line: int, column: int) -> str:
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    return text[start + column : start + column + 1]


def _unacceptable_character(error: Any, chunk: Chunk, index: int, file: str) -> Finding:
    """libyaml refuses control characters (NUL, ESC, ...) anywhere in a stream, even inside quotes."""
    offset = error.position
    if C_PARSER:  # libyaml counts UTF-8 bytes
        offset = len(chunk.text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    before = chunk.text[:offset]
    line, column = before.count("\n"), offset - (before.rfind("\n") + 1)
    code = ord(chunk.text[offset]) if offset < len(chunk.text) else 0
    escape = f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    what = "NUL byte (binary data?)" if code == 0 else f"control character U+{code:04X} is not allowed"
    return _error(file, chunk.first_line + line + 1, column + 1, index, "yaml/syntax", f"invalid YAML: {what}",
                  f'Remove it, or write it as "{escape}" inside a double-quoted string.')


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


class _Unreadable(Exception):
    """An input that exists but cannot be read as a manifest; the message says why."""

    def __init__(self, message: str, fix: str, rule: str = "input/unreadable"):
        super().__init__(message)
        self.message, self.fix, self.rule = message, fix, rule


def read_input(path: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, Finding | None]:
    """Read a path (or stdin for "-") into text, or the one finding that says why it could not be."""
    display = "<stdin>" if path == STDIN else path
    try:
        data = _read_stdin(max_bytes) if path == STDIN else _read_file(path, max_bytes)
    except _Unreadable as error:
        return None, _error(display, 1, 1, 0, error.rule, error.message, error.fix)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, _error(display, 1, 1, 0, "input/not-found", "broken symbolic link (its target does not exist)",
                                "Fix or remove the link.")
        return None, _error(display, 1, 1, 0, "input/not-found", "no such file or directory", "Check the path.")
    except PermissionError:
        return None, _error(display, 1, 1, 0, "input/unreadable", "permission denied", "Make the file readable.")
    except OSError as error:
        message = "symbolic link loop" if error.errno == errno.ELOOP else (error.strerror or str(error)).lower()
        return None, _error(display, 1, 1, 0, "input/unreadable", message, "Check the path.")
    if len(data) > max_bytes:  # stdin or a pipe, whose size is only known by reading
        return None, _error(display, 1, 1, 0, "input/too-large", _too_large_message(None, max_bytes), _TOO_LARGE_FIX)
    return decode(data, display)


def _read_stdin(max_bytes: int) -> bytes:
    if sys.stdin is None:  # started with standard input closed
        raise _Unreadable("standard input is closed", "Pipe the manifests in, or name files instead of -.")
    return sys.stdin.buffer.read(max_bytes + 1)


def _read_file(path: str, max_bytes: int) -> bytes:
    # O_NONBLOCK: opening a FIFO that no process writes to would otherwise wait forever.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            size = os.fstat(fd).st_size
            if size > max_bytes:  # say so without reading it
                raise _Unreadable(_too_large_message(size, max_bytes), _TOO_LARGE_FIX, "input/too-large")
            os.set_blocking(fd, True)
            return _read_up_to(handle, max_bytes + 1)
        if stat.S_ISFIFO(mode):  # a named pipe, or a shell's <(command)
            try:
                first = os.read(fd, 65536)
            except BlockingIOError:  # a writer, nothing written yet
                first = None
            if first == b"":
                raise _Unreadable("a FIFO with nothing to read (no process writes to it)",
                                  "Start the process that writes to it first, or exclude it with --exclude.")
            os.set_blocking(fd, True)
            return (first or b"") + _read_up_to(handle, max_bytes + 1 - len(first or b""))
        if stat.S_ISDIR(mode):
            raise _Unreadable("is a directory", "Name the directory itself; its manifest files are found.")
        raise _Unreadable("not a regular file (a socket or device)", "Name manifest files, directories or - for stdin.")


def _read_up_to(handle: Any, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        chunk = handle.read(min(limit - total, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


_TOO_LARGE_FIX = "Split the file, or raise the limit with --max-file-size."


def _too_large_message(size: int | None, max_bytes: int) -> str:
    limit = f"the {max_bytes / (1024 * 1024):g} MiB limit"
    return f"{size / (1024 * 1024):.1f} MiB, larger than {limit}" if size else f"larger than {limit}"


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
