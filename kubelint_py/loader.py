"""Manifests into Documents that know where each field sits: files, stdin and Kustomize renderings.

A file is split into documents on `---` lines the way kubectl splits it, so one broken document is
reported while the others are still checked. Each part is composed into nodes by libyaml (ruamel.yaml's
C parser; pure Python when it is missing) with no tag resolution; yamlvalues turns the nodes into plain
values, typed as the apiserver sees them, and finds the line and column of any key on demand.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from kubelint_py.model import Document, Finding, NO_OBJECT, Severity
from kubelint_py.reading import MAX_FILE_BYTES, STDIN, error_finding, read_input
from kubelint_py.yamlvalues import (DEFAULT_TAGS, MAX_DEPTH, PLAIN, Converter, LoadError, helm_template,
                                    locate_key, mark, too_deep)

# libyaml's composer recurses in C, one stack frame per level: near 25,000 levels it overflows an
# 8 MiB stack and kills the process. Documents that might nest deeper than this are measured first.
SAFE_PARSE_DEPTH = 5000
RELEASE_ABOVE = 1024 * 1024  # files larger than this keep no parse tree between loading and checking
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

try:  # the C parser: ~15x faster than the pure-Python one
    from ruamel.yaml.cyaml import CParser as _Parser

    C_PARSER = True
except ImportError:  # pragma: no cover - exercised where no C extension can be built
    from ruamel.yaml.loader import BaseLoader as _Parser

    C_PARSER = False
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent,
                                StreamEndEvent)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.tag import Tag


class _Composer(_Parser):
    """libyaml's composer with tag resolution left to us (ruamel's resolver is the slow part)."""

    max_depth = None  # pure-Python composer option; depth is bounded by _check_depth and MAX_DEPTH

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Tag:
        return PLAIN if kind is ScalarNode and implicit[0] else DEFAULT_TAGS[kind]


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
        line, column = locate_key(self.chunk.compose()[self.number], path) if path else self.start
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
        if node.__class__ is ScalarNode and node.value == "" and node.ctag is PLAIN:
            index -= 1  # an empty document ("---" twice): nothing to check, nothing lost
            continue
        result.read += 1
        problems: list = []
        try:
            body = Converter(problems).value(node)
        except LoadError as error:
            result.unreadable += 1
            result.findings.append(error_finding(result.file, chunk.first_line + error.line + 1, error.column + 1,
                                          index, error.rule, error.message, error.fix))
            continue
        for line, column, rule, message in problems:
            result.findings.append(Finding(
                rule, Severity.ERROR, message, "Remove one of the two keys; the apiserver's strict decoding rejects "
                "duplicates and other tools keep only the last one.", result.file, chunk.first_line + line + 1,
                column + 1, index, NO_OBJECT, ""))
        locator = Locator(chunk, number, mark(node))
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
                    raise too_deep(event.start_mark.line, event.start_mark.column)
            elif cls is SequenceEndEvent or cls is MappingEndEvent:
                depth -= 1
            elif cls is StreamEndEvent:
                return
    finally:
        if C_PARSER:
            parser.dispose()


def _syntax_finding(error: Exception, chunk: Chunk, index: int, file: str) -> Finding:
    if isinstance(error, LoadError):
        return error_finding(file, chunk.first_line + error.line + 1, error.column + 1, index, error.rule, error.message,
                      error.fix)
    if isinstance(error, RecursionError):  # the pure-Python composer, on nesting _check_depth let through
        return error_finding(file, chunk.first_line + 1, 1, index, "yaml/too-deep", "nesting too deep to parse",
                      "Flatten the document; no Kubernetes object nests this deep.")
    text = chunk.text
    conflict = _CONFLICT.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start())
        return error_finding(file, chunk.first_line + line + 1, 1, index, "yaml/merge-conflict",
                      "unresolved merge conflict marker", "Resolve the merge conflict and remove the markers.")
    helm = next((match for match in _HELM.finditer(text) if not _in_comment(text, match.start())), None)
    if helm:
        template = helm_template(text.count("\n", 0, helm.start()), 0)
        return error_finding(file, chunk.first_line + template.line + 1, 1, index, template.rule, template.message,
                      template.fix)
    if isinstance(error, ReaderError):
        return _unacceptable_character(error, chunk, index, file)
    if not isinstance(error, MarkedYAMLError):
        problem = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return error_finding(file, chunk.first_line + 1, 1, index, "yaml/syntax", f"invalid YAML: {problem}",
                      "Fix the YAML syntax here.")
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    last_line = text.rstrip().count("\n")
    if line > last_line:  # libyaml reports "unexpected end" past the text; point at its last line instead
        line, column = last_line, 0
    line, column, problem, fix = _explain(error, text, line, column, chunk.first_line)
    return error_finding(file, chunk.first_line + line + 1, column + 1, index, "yaml/syntax", f"invalid YAML: {problem}", fix)


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
    return error_finding(file, chunk.first_line + line + 1, column + 1, index, "yaml/syntax", f"invalid YAML: {what}",
                  f'Remove it, or write it as "{escape}" inside a double-quoted string.')


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
        return Loaded(directory, findings=[error_finding(directory, 1, 1, 0, "input/kustomize", error.message, error.fix)],
                      read=1, unreadable=1)
    if len(text) > max_bytes:
        return Loaded(directory, read=1, unreadable=1, findings=[error_finding(
            directory, 1, 1, 0, "input/too-large", f"renders to more than {max_bytes // (1024 * 1024)} MiB",
            "Check its parts separately, or raise the limit with --max-file-size.")])
    loaded = load_text(text, directory)
    loaded.rendered_by = renderer
    return loaded
