"""YAML nodes to plain values, typed the way the apiserver's YAML decoder types them, and where each
key sits.

kubectl sends the apiserver JSON converted from YAML by sigs.k8s.io/yaml, which reads YAML with go-yaml
v2: `yes` is a boolean, `0777` an octal integer, a key `on:` becomes "true". Plain scalars are typed
here by those rules (the composer resolves no tags); explicit tags are honoured for the YAML core types
and kept as text otherwise, so no Python object is ever built from input.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.tag import Tag

MAX_DEPTH = 256  # collections nested in one document; real objects stay under ~60
ALIAS_BUDGET = 100_000  # nodes an alias may expand to per document; stops "billion laughs" early

# Shared tag objects: nodes keep the very object the resolver returns, so conversion can test tags by
# identity instead of through ruamel's Tag.__str__, which decodes the URI on every call.
PLAIN = Tag(suffix="?plain")  # an untagged plain scalar, typed later by _plain_value
_STR, _SEQ, _MAP = (Tag(suffix=f"tag:yaml.org,2002:{t}") for t in ("str", "seq", "map"))
DEFAULT_TAGS = {ScalarNode: _STR, SequenceNode: _SEQ, MappingNode: _MAP}


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


class Converter:
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
            raise too_deep(*mark(node))
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
        if tag is PLAIN:
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
                raise helm_template(*mark(node))
            else:  # a complex key: the apiserver's JSON cannot hold it; keep its text form
                key = _key_text(self.value(key_node, depth + 1))
            if key in explicit:
                first = explicit[key].start_mark
                self.problems.append(
                    (*mark(key_node), "yaml/duplicate-key", f"duplicate key {key!r} (first at line {first.line + 1})")
                )
            explicit[key] = key_node
            result[key] = self.value(value_node, depth + 1)
        for merge in merges:  # explicit keys win over merged ones; earlier merges win over later ones
            sources = merge.value if merge.__class__ is SequenceNode else [merge]
            for source in sources:
                merged = self.value(source, depth + 1)
                if not isinstance(merged, dict):
                    raise LoadError("yaml/syntax", "a merge key (<<) needs a mapping", None, *mark(source))
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
            raise LoadError("yaml/syntax", f"!!{kind} {text!r} is not a number", None, *mark(node))
        return float(number) if kind == "float" else number
    if kind == "bool":
        if text not in _BOOLS:
            raise LoadError("yaml/syntax", f"!!bool {text!r} is not a boolean", None, *mark(node))
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
    return key.ctag is PLAIN and _TEMPLATE_ACTION.match(key.value) is not None


def helm_template(line: int, column: int) -> LoadError:
    return LoadError("yaml/helm-template", "this is a Helm template, not a manifest",
                     "Render it first: helm template CHART | kubelint check -", line, column)


def too_deep(line: int, column: int) -> LoadError:
    return LoadError("yaml/too-deep", f"nesting deeper than {MAX_DEPTH} levels",
                     "Flatten the document; no Kubernetes object nests this deep.", line, column)


def _alias_limit(anchored: Any) -> LoadError:
    # A composed alias is the anchored node itself, so the anchor is the place to point at.
    return LoadError("yaml/alias-limit", f"aliases of the anchor here expand to more than {ALIAS_BUDGET:,} nodes "
                     "(an alias bomb?)", "Write the data out instead of nesting aliases of aliases.", *mark(anchored))


def _is_merge_key(node: Any) -> bool:
    if node.__class__ is not ScalarNode or node.value != "<<":
        return False
    return node.ctag is PLAIN or str(node.ctag) == "tag:yaml.org,2002:merge"


def mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line, node.start_mark.column


# --- positions ---------------------------------------------------------------------------------------


def locate_key(node: Any, path: Iterable) -> tuple[int, int]:
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
        return Converter([]).scalar(node)
    except LoadError:
        return node.value
