"""Helpers shared by the text parsers: tabwriter tables, kubectl ages, `Key:  value` lines.

kubectl prints through Go's text/tabwriter: every cell of a column starts at the same offset within
a block of consecutive lines, padded with at least two spaces. Tables are therefore cut at the
offsets of their header's cells; a row that does not line up (hand-edited, re-indented by a chat
client) falls back to splitting on runs of two or more spaces. Nothing here backtracks: every
pattern is anchored or linear, so a 50 MB input costs a linear scan.
"""

from __future__ import annotations

import re

_CELL = re.compile(r"\S+(?: \S+)*")  # header cells are separated by 2+ spaces; "LAST SEEN" is one cell
_GAP = re.compile(r" {2,}|\t")
_AGE_PART = re.compile(r"(\d+)([smhdy])")
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}
_AGE = re.compile(r"^(?:\d+[smhdy])+$")
_COUNTED = re.compile(r"^(?P<last>\S+)\s+\(x(?P<count>\d+) over (?P<first>\S+)\)$")
# "Key:  value" as describe prints it; keys are words with single spaces ("Restart Count", "QoS Class").
FIELD = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z][\w./()#-]*(?: [\w./()#-]+)*):(?:[ \t]+(?P<value>.*?))?[ \t]*$")


def columns(header: str) -> list[tuple[str, int]]:
    """(lower-cased name, start offset) of each header cell."""
    return [(m.group().lower(), m.start()) for m in _CELL.finditer(header)]


def split_row(row: str, cols: list[tuple[str, int]], last_takes_rest: bool = True) -> dict[str, str]:
    """A table row as {column name: cell}, cut at the header's offsets when the row lines up with them."""
    row = row.rstrip()
    starts = [start for _, start in cols]
    if all(start == 0 or start >= len(row) or row[start - 1] == " " for start in starts) and \
            (starts[0] >= len(row) or not row[:starts[0]].strip()):
        cells = {}
        for i, (name, start) in enumerate(cols):
            end = starts[i + 1] if i + 1 < len(starts) else len(row)
            cells[name] = row[start:end].strip()
        return cells
    parts = _GAP.split(row.strip(), maxsplit=len(cols) - 1 if last_takes_rest else -1)
    return {name: (parts[i].strip() if i < len(parts) else "") for i, (name, _) in enumerate(cols)}


def age_seconds(text: str) -> int | None:
    """kubectl's HumanDuration back to seconds: "95s", "3m12s", "5h20m", "3d4h", "2y45d"; None otherwise."""
    text = text.strip()
    if not _AGE.match(text):
        return None
    return sum(int(n) * _AGE_UNITS[unit] for n, unit in _AGE_PART.findall(text))


def parse_age(text: str) -> tuple[int | None, int, int | None]:
    """An events Age cell: "117s (x4 over 3m19s)" -> (last seen, count, first seen), seconds ago."""
    text = text.strip()
    counted = _COUNTED.match(text)
    if counted:
        return age_seconds(counted["last"]), int(counted["count"]), age_seconds(counted["first"])
    seconds = age_seconds(text)
    return seconds, 1, seconds


def join_wrapped(text: str, previous_line: str, continuation: str) -> str:
    """Append a continuation line to `text`. A terminal cuts at its width, possibly inside a word: when
    the previous line filled a terminal (80 columns or more) and the next starts at column 0, the two
    are joined without a space; otherwise they met at a word boundary."""
    stripped = continuation.strip()
    if not stripped:
        return text
    if continuation[:1] not in (" ", "\t") and len(previous_line.rstrip("\n")) >= 80:
        return text + stripped
    return f"{text} {stripped}" if text else stripped


def to_int(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None
