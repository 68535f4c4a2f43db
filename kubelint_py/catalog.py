"""Every rule of every stage in one list: for `kubelint rules`, `kubelint explain` and docs/rules.md.

The engine's own stages document their rules as RuleInfo lists; the lint rules come from rules/.
"""

from __future__ import annotations

import re

from kubelint_py.model import RuleInfo


def stage_rules() -> list[RuleInfo]:
    """The rules the loader, the schema stage, the apply simulation and silencing report."""
    from kubelint_py import core_rules, silence

    # The apply simulation's rules (apply/*) join this list when that stage lands: `apply.RULES`.
    return [*core_rules.RULES, *silence.RULES]


def default_policy():
    """The policy of a run without configuration: every rule at its default."""
    from kubelint_py.config import Config, policy

    return policy(Config(), stage_rules())


def markdown(listed: list[tuple[RuleInfo, bool]]) -> str:
    """docs/rules.md: an index table, then each rule's documentation."""
    lines = ["# Rules", "",
             "Generated from `rules/*.yaml` and the engine's stages by `scripts/generate_rules_doc.py`; "
             "do not edit by hand.", "",
             "Rules marked *off* are opt-in: enable them in configuration. "
             "`kubelint explain RULE` prints any of these pages in the terminal.", "",
             "| rule | category | severity | what it finds |", "|---|---|---|---|"]
    for info, enabled in listed:
        state = "" if enabled else " (off)"
        summary = info.summary.replace("|", "\\|")
        lines.append(f"| [`{info.id}`](#{_anchor(info.id)}) | {info.category} | {info.severity}{state} | {summary} |")
    for info, _ in listed:
        lines += ["", f"## {info.id}", "", re.sub(r"^## ", "### ", info.docs, flags=re.M).rstrip()]
    return "\n".join(lines) + "\n"


def _anchor(rule_id: str) -> str:
    return rule_id.replace("/", "").lower()
