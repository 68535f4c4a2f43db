"""Where the data that ships with kubelint lives: schemas/ and rules/ inside the wheel, or the checkout."""

from __future__ import annotations

import os
from functools import lru_cache

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


@lru_cache(maxsize=None)
def _root(top: str) -> str:
    # An installed wheel carries the directories inside the package; a checkout (or an editable
    # install) has them next to it.
    for root in (_PACKAGE, os.path.dirname(_PACKAGE)):
        if os.path.isdir(os.path.join(root, top)):
            return root
    raise FileNotFoundError(f"kubelint's {top}/ directory is missing from the installation")


def data_path(top: str, *parts: str) -> str:
    """Path of a shipped data file, e.g. data_path("schemas", "kubernetes", "index.json")."""
    return os.path.join(_root(top), top, *parts)
