"""A tiny key-value store for precomputed artifacts (embeddings, label maps).

Nothing in here touches a model hub: ``load`` and ``save`` only read and write local JSON files.
"""

from __future__ import annotations

import json
from pathlib import Path

from .settings import ARTIFACTS_DIR


def _path(key: str) -> Path:
    return ARTIFACTS_DIR / "store" / f"{key}.json"


def load(key: str, default=None):
    path = _path(key)
    if not path.exists():
        return default
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def save(key: str, value) -> None:
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(value, fh)
