"""Monorepos: each file is judged by the dependency declarations of its nearest enclosing project
(discover.project.Projects, check.rules.Context.project_for), so a sub-project gets the same
version-aware findings (PTM202, PTM301, PTM302) whether the monorepo is scanned from its root or
the sub-project on its own."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ptm_lint.cli import main
from ptm_lint.discover.project import Projects, read_project

SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"

# The same serving code in two sub-projects that declare different torch / transformers ranges.
MODEL_CODE = f'''\
"""Load the classifier and its fine-tuned head."""
import os

import torch
from transformers import AutoModelForSequenceClassification


def load(checkpoint: str):
    model = AutoModelForSequenceClassification.from_pretrained(
        "acme-ml/ticket-router",
        revision="{SHA}",
        use_auth_token=os.environ.get("HF_TOKEN"),
    )
    head = torch.load(checkpoint, map_location="cpu")
    model.classifier.load_state_dict(head)
    return model
'''

TREE = {
    ".git/HEAD": "ref: refs/heads/main\n",
    # The workspace root declares only its tooling.
    "pyproject.toml": """\
        [tool.ruff]
        line-length = 100
        """,
    "requirements-dev.txt": "pytest>=8\nruff\n",
    # A current service: torch >= 2.6 (weights_only defaults to True), transformers 5 (use_auth_token gone).
    "services/router/pyproject.toml": """\
        [project]
        name = "ticket-router"
        version = "1.4.0"
        dependencies = [
            "torch>=2.6,<2.8",
            "transformers>=5.0,<6",
            "fastapi>=0.110",
        ]
        """,
    "services/router/src/router/model.py": MODEL_CODE,
    "services/router/src/router/__init__.py": "",
    # An older research project pinned by a requirements file: torch 2.1, transformers 4.3x.
    "research/trainer/requirements.txt": """\
        # pinned for the 2023 experiments
        torch==2.1.2
        transformers>=4.36,<4.40
        datasets==2.16.1
        """,
    "research/trainer/experiments/model.py": MODEL_CODE,
    # A scripts folder with no declarations of its own: the root project decides (nothing declared).
    "scripts/export.py": MODEL_CODE,
}


def write_tree(root: Path, tree: dict[str, str]) -> Path:
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not name.endswith(".py") else text, encoding="utf-8")
    return root


def findings(target: Path, capsys, prefix: str = "") -> list[tuple[str, str, int, str, str]]:
    """(rule, path under the monorepo, line, level, message) of a JSON `check`, version-aware rules only."""
    main(["check", str(target), "--format", "json", "--no-cache", "--select", "PTM202,PTM301,PTM302"])
    data = json.loads(capsys.readouterr().out)
    # (the scan root is the nearest folder with a project marker: the sub-project, or the monorepo
    # for one declared only by a requirements file)
    return sorted((f["rule"], f["path"] if f["path"].startswith(prefix) else prefix + f["path"], f["line"],
                   f["level"], f["message"]) for f in data["findings"])


@pytest.fixture
def monorepo(tmp_path) -> Path:
    return write_tree(tmp_path / "mono", TREE)


def test_each_sub_project_is_judged_by_its_own_declarations(monorepo, capsys):
    got = findings(monorepo, capsys)
    by_file: dict[str, list[tuple[str, str]]] = {}
    for rule, path, _, level, message in got:
        by_file.setdefault(path, []).append((rule, level, message))
    router = by_file["services/router/src/router/model.py"]
    trainer = by_file["research/trainer/experiments/model.py"]
    scripts = by_file["scripts/export.py"]
    # torch >= 2.6: torch.load is safe by default; transformers 5 removed use_auth_token (an error).
    assert [(r, lv) for r, lv, _ in router] == [("PTM301", "error")]
    assert "removed in transformers 5.0.0" in router[0][2]
    # torch 2.1: torch.load unpickles; transformers 4.36-4.39: use_auth_token deprecated (a warning).
    assert [(r, lv) for r, lv, _ in trainer] == [("PTM202", "warning"), ("PTM301", "warning")]
    assert "the project allows torch ==2.1.2" in trainer[0][2]
    # No declarations above scripts/ but the root's: neither torch nor transformers is declared.
    assert [r for r, _, _ in scripts] == ["PTM202", "PTM301"]
    assert "the project does not declare a torch version" in scripts[0][2]


@pytest.mark.parametrize("sub", ["services/router", "research/trainer"])
def test_a_sub_project_gets_the_same_verdict_from_the_root_and_on_its_own(monorepo, capsys, sub):
    from_root = [f for f in findings(monorepo, capsys) if f[1].startswith(sub + "/")]
    on_its_own = findings(monorepo / sub, capsys, prefix=sub + "/")
    assert from_root and from_root == on_its_own


def test_the_nearest_project_wins_and_a_setup_py_is_a_boundary(tmp_path):
    root = write_tree(tmp_path / "mono", {
        "pyproject.toml": '[project]\nname = "workspace"\ndependencies = ["torch>=2.6"]\n',
        "libs/core/setup.py": "from setuptools import setup\nsetup(name='core')\n",  # not read: no versions
        "libs/core/core/io.py": "",
        "libs/api/Pipfile": '[packages]\ntorch = "==2.0.1"\n',
        "apps/web/requirements/base.txt": "torch~=2.2.0\n",
        "apps/web/app/deep/er/views.py": "",
        "docs/conf.py": "",
    })
    projects = Projects(read_project(root))
    assert str(projects.for_path("apps/web/app/deep/er/views.py").specifier("torch")) == "~=2.2.0"
    assert projects.for_path("libs/core/core/io.py").specifier("torch") is None  # its own project
    assert str(projects.for_path("libs/api/x.py").specifier("torch")) == "==2.0.1"  # pipenv
    assert str(projects.for_path("docs/conf.py").specifier("torch")) == ">=2.6"  # the root project
    assert str(projects.for_path("top.py").specifier("torch")) == ">=2.6"
    assert [p.root for p in projects.read()] == [root / "apps/web", root / "libs/api", root / "libs/core"]


def test_a_sub_project_declaration_error_is_reported_with_its_path_from_the_root(monorepo, capsys):
    (monorepo / "research/trainer/pyproject.toml").write_text('[project\nname = "trainer"\n')
    main(["check", str(monorepo), "--format", "json", "--no-cache", "--select", "PTM202"])
    data = json.loads(capsys.readouterr().out)
    errors = [(e["path"], e["kind"]) for e in data["errors"]]
    assert ("research/trainer/pyproject.toml", "parse") in errors
    # The requirements file beside it is still read: torch 2.1 keeps PTM202 on the trainer.
    assert any(f["path"] == "research/trainer/experiments/model.py" for f in data["findings"])
