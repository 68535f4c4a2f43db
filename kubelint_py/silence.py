"""Silencing findings where they occur: an annotation on the object, or a comment on the line.

    metadata:
      annotations:
        kubelint.io/ignore: "host-network,run-as-non-root"
        kubelint.io/ignore-reason: "the CNI agent needs the host's network"

    hostNetwork: true  # kubelint: ignore[host-network]

    # kubelint: ignore[host-network] -- a comment on its own line covers the next line
    hostNetwork: true

Comments are found by scanning each file's text (kept by the loader), not by a round-trip parser.
Every rule id of every stage can be silenced; ids nobody knows, and silencings that silence nothing,
are reported themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from kubelint_py.loader import Loaded
from kubelint_py.model import Document, Finding, ObjectRef, RuleInfo, Severity

IGNORE = "kubelint.io/ignore"
REASON = "kubelint.io/ignore-reason"
_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*kubelint:\s*ignore\[([^\]]*)\]")
_ONLY_COMMENT = re.compile(r"^\s*(#.*)?$")

RULES = [
    RuleInfo("ignore/unknown-rule", "silencing", Severity.WARNING,
             "A kubelint.io/ignore annotation or a `# kubelint: ignore[...]` comment names a rule that does not exist.",
             "## What it does\nReports rule ids in silencing annotations and comments that no stage knows.\n\n"
             "## Why it matters\nA typo in a silencing silences nothing: the finding it was meant for still fails "
             "the build, or, worse, the misspelt id outlives a rename and hides nothing while looking deliberate.\n\n"
             "## Example\n```yaml\nmetadata:\n  annotations:\n    kubelint.io/ignore: host-netwrok\n```\n\n"
             "## Fix\nUse an id that `kubelint rules` lists; the message suggests the closest one.\n"),
    RuleInfo("ignore/unused", "silencing", Severity.INFO,
             "A silencing annotation or comment silences nothing: the rule no longer finds anything there.",
             "## What it does\nReports silencings whose rule ran but found nothing on that line or object.\n\n"
             "## Why it matters\nStale silencings pile up and hide the next real problem on the same line or object.\n\n"
             "## Example\n```yaml\n# kubelint: ignore[run-as-non-root]\nsecurityContext:\n  runAsNonRoot: true\n```\n\n"
             "## Fix\nRemove the id from the annotation or comment.\n"),
]


@dataclass(eq=False)
class _Silencing:
    rule: str
    file: str
    line: int
    column: int
    document: int
    object: ObjectRef
    path: str = ""
    used: bool = False


class Silencer:
    """Collects silencings while files are read; filters the findings at the end of the run."""

    def __init__(self, known: frozenset[str]):
        self.known = known
        self.by_line: dict[tuple[str, int], list[_Silencing]] = {}
        self.by_object: dict[tuple[str, int, ObjectRef], list[_Silencing]] = {}
        self.findings: list[Finding] = []  # unknown ids

    def absorb(self, other: "Silencer") -> None:
        """Take over the silencings a worker process read."""
        for key, silencings in other.by_line.items():
            self.by_line.setdefault(key, []).extend(silencings)
        for key, silencings in other.by_object.items():
            self.by_object.setdefault(key, []).extend(silencings)
        self.findings.extend(other.findings)

    def scan(self, loaded: Loaded) -> None:
        """Read the silencings of one file; call before its documents' parse trees are released."""
        for document in loaded.documents:
            if isinstance(document.body, dict):
                self._annotations(document)
        if "kubelint:" in loaded.text:
            self._comments(loaded)

    def _annotations(self, document: Document) -> None:
        from kubelint_py import workloads

        body = document.body
        places = [("metadata",)]
        template = workloads.pod_template(body)
        if template is not None and template[0]:
            places.append(template[0] + ("metadata",))
        for place in places:
            annotations = workloads.get(body, place + ("annotations",))
            value = annotations.get(IGNORE) if isinstance(annotations, dict) else None
            if not isinstance(value, str):
                continue
            path = place + ("annotations", IGNORE)
            line, column = document.locate(path)
            for rule in _ids(value):
                silencing = _Silencing(rule, document.file, line, column, document.index, document.ref,
                                       _path_text(path))
                if self._check(silencing):
                    self.by_object.setdefault((document.file, document.index, document.ref), []).append(silencing)

    def _comments(self, loaded: Loaded) -> None:
        lines = loaded.text.splitlines()
        starts = sorted((d.locate(())[0], d.index, d.ref) for d in loaded.documents)
        for number, text in enumerate(lines, start=1):
            match = _COMMENT.search(text)
            if match is None:
                continue
            target = number
            if not text[: match.start()].strip():  # a comment on its own line covers the next line of YAML
                target = next((n for n in range(number + 1, len(lines) + 1) if not _ONLY_COMMENT.match(lines[n - 1])),
                              number)
            document, ref = 0, ObjectRef()
            for start, index, object_ref in starts:
                if start <= target:
                    document, ref = index, object_ref
            for rule in _ids(match.group(1)):
                silencing = _Silencing(rule, loaded.file, number, match.start() + 1, document, ref)
                if self._check(silencing):
                    self.by_line.setdefault((loaded.file, target), []).append(silencing)

    def _check(self, silencing: _Silencing) -> bool:
        if silencing.rule in self.known:
            return True
        from difflib import get_close_matches
        close = get_close_matches(silencing.rule, list(self.known), n=1, cutoff=0.6)
        self.findings.append(Finding(
            "ignore/unknown-rule", Severity.WARNING, f"no rule {silencing.rule!r} to silence",
            f"Did you mean {close[0]}?" if close else "Use an id from `kubelint rules`.",
            silencing.file, silencing.line, silencing.column, silencing.document, silencing.object, silencing.path))
        return False

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings nobody silenced, plus the silencings that name unknown rules."""
        kept = []
        for finding in findings:
            silenced = False
            for silencing in (*self.by_line.get((finding.file, finding.line), ()),
                              *self.by_object.get((finding.file, finding.document, finding.object), ())):
                if silencing.rule == finding.rule:
                    silencing.used = silenced = True
            if not silenced:
                kept.append(finding)
        return kept + self.findings

    def unused(self, ran: frozenset[str]) -> list[Finding]:
        """Silencings of rules that ran in this run and found nothing where the silencing points."""
        found = []
        for silencings in (*self.by_line.values(), *self.by_object.values()):
            for s in silencings:
                if not s.used and s.rule in ran:
                    found.append(Finding("ignore/unused", Severity.INFO, f"{s.rule} finds nothing to silence here",
                                         f"Remove {s.rule} from this silencing.", s.file, s.line, s.column,
                                         s.document, s.object, s.path))
        return found


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _path_text(path: tuple) -> str:
    from kubelint_py.model import format_path

    return format_path(path)
