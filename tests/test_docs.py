"""docs/rules.md is generated from the rules; it must not drift from them."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location("generate_rules_doc", ROOT / "scripts" / "generate_rules_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_doc_is_up_to_date():
    generator = _generator()
    assert generator.OUTPUT.read_text(encoding="utf-8") == generator.render(), (
        "docs/rules.md is out of date: run python scripts/generate_rules_doc.py")


def test_rules_doc_documents_every_rule_of_every_stage(kubelint):
    import json

    text = _generator().render()
    ids = [row["id"] for row in json.loads(kubelint("rules", "--format", "json").stdout)]
    assert ids and all(f"\n## {rule_id}\n" in text for rule_id in ids)
