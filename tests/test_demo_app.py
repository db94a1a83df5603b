"""The bundled demo app against its hand-labelled inventory (tests/expected/demo-app.inventory.json).

The expected file was written by reading testdata/demo-app, not by running ptm-lint. Every key below
is compared exactly, in order; the optional "why" key explains a label and is ignored here.
The first group of tests checks the labels themselves (they need no scanner); the second group
runs the scanner (`ptm_lint.pipeline.run_inventory`) and the CLI (`ptm-lint inventory`).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ptm_lint.core import HUBS, PINS, RESOLUTIONS, ROLES

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "testdata" / "demo-app"
EXPECTED = ROOT / "tests" / "expected" / "demo-app.inventory.json"
KEYS = (
    "path", "cell", "line", "column", "api", "hub", "role", "model", "canonical", "revision",
    "resolution", "pin",
)

from ptm_lint import tomlcompat as tomllib


def _expected() -> list[dict]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def _project(entry) -> dict:
    """The compared keys of a reference (a core.Reference or an inventory JSON object)."""
    if isinstance(entry, dict):
        return {k: entry.get(k, "<missing>") for k in KEYS}
    return {k: getattr(entry, k, "<missing>") for k in KEYS}


def _position(entry: dict) -> tuple:
    return (entry["path"], -1 if entry["cell"] is None else entry["cell"], entry["line"], entry["column"])


def _diff(actual: list[dict], expected: list[dict]) -> str:
    """A readable account of how two inventories differ, matched by position."""
    exp_by_pos = {_position(e): e for e in expected}
    act_by_pos = {_position(a): a for a in actual}
    lines = []
    seen: dict[tuple, int] = {}
    for a in actual:
        seen[_position(a)] = seen.get(_position(a), 0) + 1
    for pos, count in sorted(seen.items()):
        if count > 1:
            lines.append(f"DUPLICATE {pos}: reported {count} times")
    for pos in sorted(set(exp_by_pos) - set(act_by_pos)):
        e = exp_by_pos[pos]
        lines.append(f"MISSING  {pos}: {e['api']} model={e['model']!r}")
    for pos in sorted(set(act_by_pos) - set(exp_by_pos)):
        a = act_by_pos[pos]
        lines.append(f"EXTRA    {pos}: {a['api']} model={a['model']!r}")
    for pos in sorted(set(exp_by_pos) & set(act_by_pos)):
        e, a = exp_by_pos[pos], act_by_pos[pos]
        bad = [f"{k}: expected {e[k]!r}, got {a[k]!r}" for k in KEYS if e[k] != a[k]]
        if bad:
            lines.append(f"DIFFERS  {pos}: " + "; ".join(bad))
    if not lines and actual != expected:
        lines.append("same entries, different order (expected sorted by path, cell, line, column)")
    return "\n".join(lines)


def _neutralize_magics(source: str) -> str:
    """Blank IPython magic / shell lines (keeps line numbers), for the label self-checks only."""
    out = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        out.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(out)


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


# --------------------------------------------------------------------------- the labels themselves


def test_expected_inventory_is_well_formed():
    expected = _expected()
    assert 40 <= len(expected) <= 70
    for entry in expected:
        assert set(KEYS) <= set(entry), entry
        assert set(entry) <= set(KEYS) | {"why"}, entry
        assert entry["hub"] in HUBS and entry["role"] in ROLES, entry
        assert entry["pin"] in PINS and entry["resolution"] in RESOLUTIONS, entry
        assert entry["line"] >= 1 and entry["column"] >= 1
        assert (entry["cell"] is None) == entry["path"].endswith(".py"), entry
        if entry["resolution"] == "unknown":
            assert entry["model"] is None and entry["pin"] == "unknown", entry
        if entry["pin"] == "local":
            assert entry["hub"] == "local" and entry["canonical"] is None, entry
    positions = [_position(e) for e in expected]
    assert positions == sorted(positions), "entries must be ordered by (path, cell, line, column)"
    assert len(set(positions)) == len(positions), "duplicate positions"


def test_expected_inventory_covers_every_hub_resolution_and_pin():
    expected = _expected()
    assert {e["hub"] for e in expected} >= set(HUBS) - {"unknown"}
    assert {e["resolution"] for e in expected} == set(RESOLUTIONS)
    assert {e["pin"] for e in expected} == set(PINS)
    roles = {e["role"] for e in expected}
    assert {"model", "tokenizer", "config", "processor", "pipeline", "weights", "dataset"} <= roles


def test_expected_positions_point_at_real_calls():
    """Each label sits on a call whose callee ends with the api's last name (catches stale labels)."""
    notebook = json.loads((DEMO / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    problems = []
    for entry in _expected():
        if entry["cell"] is None:
            source = (DEMO / entry["path"]).read_text(encoding="utf-8")
        else:
            source = _neutralize_magics(_cell_source(notebook["cells"][entry["cell"]]))
        found = []
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and (node.lineno, node.col_offset + 1) == (entry["line"], entry["column"]):
                found.append(ast.get_source_segment(source, node.func) or "")
        last = entry["api"].rsplit(".", 1)[-1]
        if not any(seg.rsplit(".", 1)[-1] == last for seg in found):
            problems.append(f"{_position(entry)} {entry['api']}: calls there: {found}")
    assert not problems, "\n".join(problems)


def test_demo_notebook_is_valid_nbformat4_with_magics():
    nb = json.loads((DEMO / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4 and isinstance(nb["cells"], list)
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert "markdown" in kinds and "code" in kinds
    code = "\n".join(_cell_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    for magic in ("%matplotlib inline", "!pip install", "%%time"):
        assert magic in code
    for cell in nb["cells"]:
        assert isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert "outputs" in cell and "execution_count" in cell


def test_demo_project_declares_dependency_ranges():
    project = tomllib.loads((DEMO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "demo-app"
    deps = " ".join(project["dependencies"])
    for spec in ("torch>=2.1,<2.6", "transformers>=4.30,<4.50", "huggingface_hub>=0.20,<0.30"):
        assert spec in deps
    assert (DEMO / "requirements.txt").is_file()


# --------------------------------------------------------------------------- the scanner


@pytest.fixture(scope="module")
def report():
    from ptm_lint.pipeline import run_inventory

    return run_inventory([DEMO])


def test_demo_app_scans_without_errors(report):
    assert not report.errors, [f"{e.path}: {e.message}" for e in report.errors]


def test_demo_app_inventory_matches_hand_labels(report):
    actual = [_project(r) for r in report.references]
    expected = [_project(e) for e in _expected()]
    assert actual == expected, "\n" + _diff(actual, expected)


def _cli() -> list[str]:
    script = shutil.which("ptm-lint", path=str(Path(sys.executable).parent)) or shutil.which("ptm-lint")
    if script:
        return [script]
    return [sys.executable, "-c", "import sys; from ptm_lint.cli import main; sys.exit(main())"]


def test_cli_inventory_json_matches_hand_labels():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    proc = subprocess.run(
        [*_cli(), "inventory", "testdata/demo-app", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "ptm-lint/inventory/1"
    assert doc["errors"] == []
    actual = [_project(r) for r in doc["references"]]
    expected = [_project(e) for e in _expected()]
    assert actual == expected, "\n" + _diff(actual, expected)
