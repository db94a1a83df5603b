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

from example_project import write_example_project

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "testdata"


# --- fuzzing profile (tests/test_fuzz.py) ------------------------------------------------------
# Default: a few dozen examples per fuzz test, so CI stays fast. A long run on request:
#   pytest tests/test_fuzz.py --fuzz-long     (or HYPOTHESIS_PROFILE=long)
def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the fuzz tests with thousands of examples (hypothesis profile 'long')")


def pytest_configure(config):
    import os

    config.addinivalue_line("markers", "slow: takes more than a few seconds (still run by default)")
    if config.getoption("--fuzz-long"):
        os.environ["HYPOTHESIS_PROFILE"] = "long"


def check_files(root: Path, files: dict[str, str], *, requirements: str | None = None,
                select: tuple[str, ...] | None = ("ALL",)) -> list[Finding]:
    """Write `files` under root (a project with pyproject.toml), scan and check them."""
    write_example_project(root, files, requirements)
    result = scan_paths([root], root=root)
    ctx = Context(project=read_project(root), catalog=default_catalog(), references=result.references)
    findings, _ = run_checks(result.references, result.by_path, default_rules(), Selection(select=select), ctx)
    return findings


@pytest.fixture
def check(tmp_path):
    def run(source: str, *, requirements: str | None = None, path: str = "example.py", select=("ALL",)):
        return check_files(tmp_path, {path: source}, requirements=requirements, select=select)

    return run


@pytest.fixture(autouse=True)
def _isolated_hub_metadata(tmp_path_factory, monkeypatch):
    """No test sees the developer's Hugging Face cache, ptm-lint's metadata cache, a real Hub endpoint or
    token: offline runs are reproducible (a test that wants them sets them itself)."""
    base = tmp_path_factory.mktemp("isolated-hub")  # per test: no test sees another's metadata cache
    monkeypatch.setenv("HF_HUB_CACHE", str(base / "empty-hf-cache"))
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(base / "ptm-lint-cache"))
    for name in ("HUGGINGFACE_HUB_CACHE", "HF_HOME", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
