"""`kubelint diagnose`: from kubectl's text about broken pods to the likely cause, offline.

    inputs ─ detect (which output is it?) ─ describe | tables | objects ─ Parsed
      └─ reason (facts; state: open stages; causes from causes.yaml; root cause) ─ links (cross-links)
          └─ manifests (--manifests: the line to change) ─ render (text | json)

`explain_cause(id)` documents a cause; `catalogue.cause(id)` gives its status, stage, summary and fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelint_py.diagnose.catalogue import explain_cause, list_causes
from kubelint_py.diagnose.model import STAGES, Parsed
from kubelint_py.diagnose.reason import Entry

__all__ = ["STAGES", "Result", "explain_cause", "list_causes", "run"]


@dataclass
class Result:
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # inputs (or parts) that could not be read
    inputs: int = 0

    @property
    def problems(self) -> int:
        return sum(1 for e in self.entries if not e.healthy)


def run(paths: list[str], manifests: list[str] | None = None, max_bytes: int | None = None) -> Result:
    """Diagnose every input ("-" is stdin); link causes to `manifests` when given."""
    from kubelint_py import reading
    from kubelint_py.diagnose import detect, links, reason

    parsed = Parsed()
    result = Result()
    for path in paths:
        result.inputs += 1
        text, problem = reading.read_input(path, max_bytes or reading.MAX_FILE_BYTES)
        display = "<stdin>" if path == reading.STDIN else path
        if text is None:
            parsed.errors.append(f"{display}: {problem.message}" + (f" ({problem.fix})" if problem.fix else ""))
            continue
        detect.read(text, display, parsed)
    detect.gather(parsed)
    result.entries = reason.diagnose(parsed)
    links.link(result.entries)
    result.errors = parsed.errors
    if manifests:
        from kubelint_py.diagnose.manifests import link_manifests

        result.errors.extend(link_manifests(result.entries, manifests))
    return result
