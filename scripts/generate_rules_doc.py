"""Write docs/rules.md from the rules of every stage: python scripts/generate_rules_doc.py

tests/test_docs.py fails when the checked-in file differs from what this writes.
"""

from __future__ import annotations

import pathlib

from kubelint_py import catalog

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def render() -> str:
    return catalog.markdown(catalog.default_policy().infos(catalog.stage_rules()))


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
