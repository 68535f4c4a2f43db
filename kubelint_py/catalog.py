"""Every rule of every stage in one list: for `kubelint rules`, `kubelint explain` and docs/rules.md.

The engine's own stages document their rules as RuleInfo lists; the lint rules come from rules/.
"""

from __future__ import annotations

import re

from kubelint_py.model import RuleInfo


def stage_rules() -> list[RuleInfo]:
    """The rules the loader, the schema stage, the apply simulation and silencing report."""
    from kubelint_py import apply, core_rules, silence

    return [*core_rules.RULES, *apply.RULES, *silence.RULES]


def built_in_rules() -> list[RuleInfo]:
    """Every rule that ships with kubelint, of every stage, at its defaults."""
    from kubelint_py.lint.rules import built_in

    return [*stage_rules(), *(rule.info() for rule in built_in())]


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
