"""The pre-commit hook, run for real with `pre-commit try-repo` on a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A copy of this repository as a git repo (try-repo needs one), without venvs and caches."""
    if not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit or git is not installed")
    dest = tmp_path_factory.mktemp("hookrepo") / "ptm-lint"
    ignore = shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".pytest_cache", "*.egg-info", ".hypothesis")
    shutil.copytree(REPO, dest, ignore=ignore)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "snapshot")
    return dest


def _try_repo(project: Path, hook_repo: Path, hook: str = "ptm-lint") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "NO_COLOR": "1"}
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(hook_repo), hook, "--all-files"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_fails_on_unpinned_load_and_passes_when_suppressed(tmp_path, hook_repo):
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    app = project / "app.py"
    app.write_text('from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("google-bert/bert-base-uncased")\n')
    _git(project, "add", "-A")
    result = _try_repo(project, hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PTM101" in result.stdout

    app.write_text(app.read_text().replace('uncased")', 'uncased")  # ptm-lint: ignore[PTM101]'))
    _git(project, "add", "-A")
    result = _try_repo(project, hook_repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lock_hook_runs_lock_check_on_the_whole_project(tmp_path, hook_repo):
    from ptm_lint.cli import main

    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    sha = "0123456789abcdef0123456789abcdef01234567"
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    (project / "app.py").write_text(f'from transformers import AutoModel\n\nm = AutoModel.from_pretrained("acme/m", revision="{sha}")\n')
    (project / "other.py").write_text("import os\n")
    assert main(["lock", str(project)]) == 0  # pinned in code: nothing to look up
    _git(project, "add", "-A")
    result = _try_repo(project, hook_repo, "ptm-lint-lock")
    assert result.returncode == 0, result.stdout + result.stderr

    (project / "other.py").write_text('from transformers import AutoModel\n\nAutoModel.from_pretrained("acme/new")\n')
    _git(project, "add", "-A")
    result = _try_repo(project, hook_repo, "ptm-lint-lock")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "other.py:3:1: acme/new (huggingface model) is loaded here but is not in ptm-lint.lock" in result.stdout
