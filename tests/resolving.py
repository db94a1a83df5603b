"""Helpers of the resolver tests: scan a snippet, or a small repository written to a folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ptm_lint.pipeline import run_inventory, scan_text


def refs(source: str) -> list:
    """The references of one Python snippet (dedented), scanned as `example.py`."""
    return list(scan_text(textwrap.dedent(source)))


def project(root: Path, files: dict[str, str]) -> list:
    """Write `files` (relative path -> text; Python dedented, notebooks as given) under `root` and
    return the references of scanning it."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if name.endswith(".ipynb") else textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return list(run_inventory([root], root=root).references)
