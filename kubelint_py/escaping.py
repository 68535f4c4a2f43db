"""Input text made safe to print: every report quotes file names, keys and values from its input.

A terminal obeys the escape sequences in what it prints (clear the screen, set the title, rewrite a
line), and a viewer reorders text around bidirectional controls; so the characters that can do that
are shown as visible escapes in text, and as \\u escapes in JSON.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

# C0 and C1 controls (ESC starts terminal escape sequences), DEL, line and paragraph separators,
# bidirectional overrides and isolates, and the lone surrogates that stand for the undecodable bytes
# of a file name. Tab is harmless and kept.
_UNSAFE = "\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE}]")
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")  # json escapes C0


def printable(text: str) -> str:
    """`text` on one line, every unsafe character written as a visible escape: \\x1b, \\u202e."""
    return _UNSAFE_TEXT.sub(_visible_escape, text)


def printable_lines(text: str) -> str:
    """printable() for text whose line breaks are the report's own (JUnit, GitHub annotations)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _visible_escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte: show the byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def dump_json(document: dict, indent: bool = False) -> str:
    """JSON with one key of `document` per line and one item of each of its lists per line (findings,
    pods, objects), or fully indented; every string from the input is escaped, so printing it is safe.

    Items are encoded compactly by json's C encoder (`indent=` would switch to its pure-Python one,
    ten times slower on a report of thousands of findings), one at a time: a list may be given as an
    iterator, so that a large report never holds every item as a dict and as text at once."""
    if indent:
        return _escape_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    lines = ["{"]
    for number, (key, value) in enumerate(document.items()):
        comma = "," if number < len(document) - 1 else ""
        if isinstance(value, (list, Iterator)):
            start = len(lines)
            lines.extend(f"    {_escape_json(encode(item))}," for item in value)
            if len(lines) == start:
                lines.append(f"  {encode(key)}: []{comma}")
                continue
            lines[-1] = lines[-1][:-1]
            lines.insert(start, f"  {encode(key)}: [")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {encode(key)}: {_escape_json(encode(value))}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape_json(text: str) -> str:
    # These characters appear only inside JSON strings, so escaping them there keeps the JSON valid.
    return _UNSAFE_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
