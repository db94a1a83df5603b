"""Shared test helpers: run the whole check pipeline on in-memory sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptm_lint.catalog import default_catalog
from ptm_lint.check.engine import Selection, run_checks
from ptm_lint.check.rulebook import default_rules
from ptm_lint.check.rules import Context
from ptm_lint.core import Finding
from ptm_lint.discover.project import read_project
from ptm_lint.pipeline import scan_paths

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "testdata"


def check_files(root: Path, files: dict[str, str], *, requirements: str | None = None,
                select: tuple[str, ...] | None = ("ALL",)) -> list[Finding]:
    """Write `files` under root (a project with pyproject.toml), scan and check them."""
    (root / "pyproject.toml").write_text('[project]\nname = "example"\nversion = "0"\n')
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements + "\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = scan_paths([root], root=root)
    ctx = Context(project=read_project(root), catalog=default_catalog(), references=result.references)
    findings, _ = run_checks(result.references, result.by_path, default_rules(), Selection(select=select), ctx)
    return findings


@pytest.fixture
def check(tmp_path):
    def run(source: str, *, requirements: str | None = None, path: str = "example.py", select=("ALL",)):
        return check_files(tmp_path, {path: source}, requirements=requirements, select=select)

    return run
