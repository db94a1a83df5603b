"""Shared test helpers: run the whole check pipeline on in-memory sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptm_lint import api
from ptm_lint.config import Config
from ptm_lint.core import Finding

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


def settings_for(root: Path, *, select: tuple[str, ...] | None = ("ALL",), paths=None, **changes) -> api.Settings:
    """api.Settings for a test project at `root`: the given selection, no ptm-lint cache, offline."""
    return api.load_settings(list(paths) if paths else [root], config=Config(select=select), root=root,
                             use_cache=False, **changes)


def check_files(root: Path, files: dict[str, str], *, requirements: str | None = None,
                select: tuple[str, ...] | None = ("ALL",)) -> list[Finding]:
    """Write `files` under root (a project with pyproject.toml), scan and check them (no fixes attached)."""
    write_example_project(root, files, requirements)
    return list(api.check(settings_for(root, select=select), suggest_fixes=False).report.findings)


def fix_tree(root: Path, paths=None, *, select: tuple[str, ...] | None = ("ALL",), unsafe: bool = False,
             pin=None) -> api.CheckOutcome:
    """`ptm-lint check --fix [--unsafe-fixes]` on root, in memory (nothing written: see `.changed`)."""
    return api.check(settings_for(root, select=select, paths=paths), fix="apply", unsafe_fixes=unsafe, pin=pin)


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
    monkeypatch.setenv("MODELSCOPE_CACHE", str(base / "empty-modelscope-cache"))
    for name in ("HUGGINGFACE_HUB_CACHE", "HF_HOME", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
