"""One numbering of notebook cells everywhere (docs/faq.md#are-notebooks-checked).

Human output says `cell N` as ruff does (1-based over all cells, markdown included): check in every
format, inventory text, outdated, parse errors, unused suppressions, provenance, SBOM text. JSON keeps
`cell` as the contract defines it: the 0-based index into the notebook's `cells` array.
"""

from __future__ import annotations

import json
import re

import pytest

from ptm_lint.cli import main

# Cells 0-3 come first (two markdown, two code); the load is in cell index 4 ("cell 5"), the id it
# uses is defined in cell index 2 ("cell 3"), and cell index 6 ("cell 7") does not parse.
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Sentiment demo\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["!pip install -q transformers \\\n", "    accelerate\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["from transformers import AutoModel\n", "MODEL_ID = \"openai-community/gpt2\"\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Load it (timed):\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["x = 1  # ptm-lint: ignore[PTM305]\n", "%time model = AutoModel.from_pretrained(MODEL_ID)\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Work in progress:\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["def broken(:\n", "    pass\n"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}
LOAD_CELL, DEFINED_CELL, BROKEN_CELL = 4, 2, 6
LOAD_LINE, LOAD_COLUMN = 2, 15  # `%time model = ` is 14 characters


@pytest.fixture()
def project(tmp_path, monkeypatch):
    for name in ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (root / "nb.ipynb").write_text(json.dumps(NOTEBOOK, indent=1) + "\n")
    return root


def run(capsys, *argv: str) -> str:
    main([*argv, "--no-cache"])
    return capsys.readouterr().out


def test_every_output_names_the_same_cell(project, capsys, tmp_path):
    root = str(project)
    shown = f"cell {LOAD_CELL + 1}"
    outputs: dict[str, str] = {}

    text = outputs["check text"] = run(capsys, "check", root, "--report-unused-suppressions")
    assert f"nb.ipynb:{shown}:{LOAD_LINE}:{LOAD_COLUMN}: PTM101" in text
    assert f"nb.ipynb:cell {BROKEN_CELL + 1}:1:1: error: syntax error" in text
    assert f"nb.ipynb:{shown}:1: unused suppression (PTM305)" in text

    github = outputs["check github"] = run(capsys, "check", root, "--format", "github")
    assert f"::{shown}, line {LOAD_LINE}: model 'openai-community/gpt2'" in github.replace("::warning", "")
    assert f"cell {BROKEN_CELL + 1}, line 1: syntax error" in github

    findings = json.loads(run(capsys, "check", root, "--format", "json"))
    assert {f["cell"] for f in findings["findings"]} == {LOAD_CELL}
    assert {(f["line"], f["column"]) for f in findings["findings"]} == {(LOAD_LINE, LOAD_COLUMN)}
    assert [(e["cell"], e["line"]) for e in findings["errors"]] == [(BROKEN_CELL, 1)]

    sarif = json.loads(run(capsys, "check", root, "--format", "sarif"))["runs"][0]
    result = sarif["results"][0]
    assert result["properties"]["cell"] == LOAD_CELL
    raw = (project / "nb.ipynb").read_text().splitlines()
    region = result["locations"][0]["physicalLocation"]["region"]
    assert "%time model = AutoModel" in raw[region["startLine"] - 1]  # the line of the .ipynb as stored
    assert raw[region["startLine"] - 1][region["startColumn"] - 1:].startswith("AutoModel.from_pretrained")
    notes = [n["message"]["text"] for n in sarif["invocations"][0]["toolExecutionNotifications"]]
    assert any(n.startswith(f"cell {BROKEN_CELL + 1}, line 1: syntax error") for n in notes), notes

    markdown = outputs["check markdown"] = run(capsys, "check", root, "--format", "markdown")
    assert f"nb.ipynb:{shown}:{LOAD_LINE}:{LOAD_COLUMN}" in markdown
    assert f"nb.ipynb:cell {BROKEN_CELL + 1}:1" in markdown

    html_path = tmp_path / "report.html"
    run(capsys, "report", root, "-o", str(html_path))
    html = outputs["report html"] = html_path.read_text()
    assert f"nb.ipynb:{shown}:{LOAD_LINE}" in html

    inventory = outputs["inventory text"] = run(capsys, "inventory", root)
    assert f"nb.ipynb:{shown}:{LOAD_LINE}:{LOAD_COLUMN}: openai-community/gpt2" in inventory
    assert f"nb.ipynb:cell {BROKEN_CELL + 1}:1:1: error: syntax error" in inventory

    refs = json.loads(run(capsys, "inventory", root, "--format", "json"))
    (ref,) = refs["references"]
    assert (ref["cell"], ref["line"], ref["column"]) == (LOAD_CELL, LOAD_LINE, LOAD_COLUMN)
    assert f"nb.ipynb:cell {DEFINED_CELL + 1}:2" in ref["provenance"]  # MODEL_ID = ... in cell 3, line 2
    assert [(e["cell"], e["line"]) for e in refs["errors"]] == [(BROKEN_CELL, 1)]

    outdated = outputs["outdated text"] = run(capsys, "outdated", root)
    assert f"nb.ipynb:{shown}:{LOAD_LINE}" in outdated
    rows = json.loads(run(capsys, "outdated", root, "--format", "json"))
    rows = rows["references"]
    assert {r["cell"] for r in rows} == {LOAD_CELL}

    sbom_path = tmp_path / "bom.json"
    run(capsys, "sbom", root, "-o", str(sbom_path), "--no-metadata")
    sbom = outputs["sbom"] = sbom_path.read_text()
    assert f"{shown}, line {LOAD_LINE}, column {LOAD_COLUMN}" in sbom

    # No human output shows another number for these cells (0-based, or counting code cells only).
    for name, out in outputs.items():
        for wrong in (f"cell {LOAD_CELL}:", f"cell {LOAD_CELL},", "[cell", f"cell {BROKEN_CELL}:",
                      f"cell {BROKEN_CELL},", "cell 3:2:15", "cell 4:2:15"):
            assert wrong not in out, (name, wrong)
        assert not re.search(r"nb\.ipynb:\d+:\d+", out.replace(f"nb.ipynb:{shown}", "")), name


# --------------------------------------------------------------------------- one notebook JSON module
def test_sarif_and_fixes_walk_the_notebook_json_with_one_module():
    import ptm_lint.fix.notebook as fix_notebook
    from ptm_lint import notebook
    from ptm_lint.report import sarif

    assert fix_notebook.source_spans is notebook.source_spans
    assert sarif.cell_spans is notebook.cell_spans and sarif.source_span is notebook.source_span


def test_the_walker_reads_cells_as_json_loads_does():
    from ptm_lint.fix.notebook import replace_sources
    from ptm_lint.notebook import source_spans, source_strings
    from ptm_lint.report.sarif import _Notebook

    deep = "[" * 5000 + "]" * 5000  # outputs nested deeper than any recursive parser goes
    text = ('\ufeff{"cells": [{"source": "old"}], "metadata": {"x": ' + deep + '},\n'
            ' "cells": [{"cell_type": "markdown", "source": []}, {"cell_type": "code", "source": ["a = 1\\n", "b"]}]}')
    spans = source_spans(text)
    assert set(spans) == {0, 1}  # the last "cells" key, as json.loads reads it
    assert [s for _, s in source_strings(text, *spans[1])] == ["a = 1\n", "b"]
    assert _Notebook(text).line(1, 2) == "b"
    assert replace_sources(text, {1: "a = 2\nb"}).endswith('"source": ["a = 2\\n", "b"]}]}')
