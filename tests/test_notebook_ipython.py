"""Notebook cells read as the IPython kernel runs them (scan/ipython.py), checked against IPython itself.

IPython is a test-only dependency: the differential test runs IPython's own
`TransformerManager().transform_cell()` on every code cell of the notebooks in testdata/ (and, when
PTM_LINT_NOTEBOOK_CORPUS names a directory, on the real notebooks there; see
scripts/notebook_differential.py and docs/real-world.md) and requires that every cell IPython turns
into parseable Python is parsed by ptm-lint too, with the same names and calls, each mapped back to
its own line and column of the cell.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ptm_lint.cli import main
from ptm_lint.scan.ipython import transform_cell

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebook_differential", ROOT / "scripts" / "notebook_differential.py")
differential = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["notebook_differential"] = differential  # dataclasses look their module up there
_spec.loader.exec_module(differential)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def manager():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _problems(tally) -> str:
    out = []
    for kind in ("missed", "different", "misplaced"):
        for path, index, source in getattr(tally, kind):
            out.append(f"{kind}: {path} cell {index + 1}:\n{source}")
    return "\n\n".join(out)


# --------------------------------------------------------------------------- the differential test
def test_every_cell_ipython_runs_is_read_with_the_same_names_and_calls():
    tally = differential.run([ROOT / "testdata"])
    assert tally.notebooks >= 5 and tally.ipython_parses >= 30, tally.figures()
    assert not tally.disagreements, _problems(tally)
    assert tally.writefile >= 1 and tally.writefile_parses == tally.writefile


def test_the_fixture_notebooks_cover_every_ipython_construct(manager):
    """Each transformation IPython knows appears in testdata's notebooks (so the test above tests it)."""
    spelled = set()
    for path in (ROOT / "testdata").rglob("*.ipynb"):
        for _, source in differential.code_cells(path) or ():
            spelled.add(manager.transform_cell(source))
    text = "\n".join(spelled)
    for construct in ("get_ipython().system(", "get_ipython().getoutput(", "run_line_magic('pip'",
                      "run_line_magic('time'", "run_line_magic('timeit'", "run_line_magic('prun'",
                      "run_line_magic('sx'", "run_line_magic('pinfo'", "run_line_magic('pinfo2'",
                      "run_cell_magic('time'", "run_cell_magic('capture'", "run_cell_magic('writefile'",
                      "run_cell_magic('bash'", "run_cell_magic('html'", "= get_ipython().getoutput(",
                      "= get_ipython().run_line_magic(", "print(\"autocall\")"):
        assert construct in text, construct
    sources = [s for p in (ROOT / "testdata").rglob("*.ipynb") for _, s in differential.code_cells(p) or ()]
    assert any(s.startswith(("    ", "\t")) for s in sources)  # a cell whose first line is indented
    assert any(s.startswith(">>> ") for s in sources) and any(s.startswith("In [") for s in sources)
    assert any("\\\n" in s and "!" in s for s in sources)  # a backslash-continued shell command


@pytest.mark.skipif(not os.environ.get("PTM_LINT_NOTEBOOK_CORPUS"), reason="PTM_LINT_NOTEBOOK_CORPUS not set")
def test_real_notebook_corpus():
    tally = differential.run([Path(p) for p in os.environ["PTM_LINT_NOTEBOOK_CORPUS"].split(os.pathsep)])
    assert tally.notebooks, "no notebooks found"
    assert not tally.disagreements, _problems(tally)


CELL_LINES = st.sampled_from([
    "import transformers\n", 'm = transformers.AutoModel.from_pretrained("org/m")\n', "    x = 1\n", "\tx = 2\n",
    "!pip install -q transformers \\\n", "    accelerate\n", "%pip install x\n", "%time y = f(1)\n",
    "%timeit -n 3 g()\n", "z = %time h()\n", "files = !ls\n", "out = !!date\n", "!!echo hi\n", "obj?\n",
    "obj.attr??\n", "?obj\n", "%%time\n", "%%capture out\n", "%%bash\n", "%%writefile t.py\n", "if x:\n",
    "    !nvidia-smi\n", "    pass\n", '"""\n', "'''!not shell'''\n", "# comment?\n", ">>> a = 1\n",
    "... b = 2\n", "In [1]: c = 3\n", "   ...: d = 4\n", "f(\n", "  %notmagic)\n", "x = (1,\n", "   2)\n",
    "\n", "   \n", "\\\n", "/print 1 2\n", ",print a b\n", ";print a b\n", "%%\n", "x = %%time\n",
    "a = b = !ls\n", "y = x?\n", "%time for i in range(2): f(i)\n", "s = 'it\\'s'\n", "\r\n", "x = 1\r\n",
])


def _tokenizer_dependent(lines: list[str]) -> bool:
    """IPython reads a shell/magic line whose text leaves a bracket or quote open, followed later by
    a line ending in `?`, differently on Python 3.11 (the open bracket swallows the following lines
    into one help request) and 3.12+ (the command ends at its line): ptm-lint reads it as 3.12+."""
    for k, line in enumerate(lines):
        if line.lstrip()[:1] not in ("!", "%"):
            continue
        command = line
        while command.rstrip("\r\n").endswith("\\") and k + 1 < len(lines):
            k += 1
            command += lines[k]
        unbalanced = any(command.count(a) != command.count(b) for a, b in ("()", "[]", "{}"))
        if (unbalanced or command.count("'") % 2 or command.count('"') % 2) and any(
                later.rstrip().endswith("?") for later in lines[k + 1:]):
            return True
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CELL_LINES, max_size=8))
def test_generated_cells_agree_with_ipython(manager, lines):
    assume(not _tokenizer_dependent(lines))
    source = "".join(lines)
    tally = differential.Tally()
    differential.compare(manager, source, tally, ("generated", 0))
    assert not tally.disagreements, source
    code = transform_cell(source).kernel
    assert len(code.lines) == len(source.splitlines() or [""])  # one line per line of the cell


# --------------------------------------------------------------------------- positions, exactly
@pytest.mark.parametrize("source, line, python_text, column", [
    ("    tok = AutoTokenizer.from_pretrained('a/b')\n    x = 1\n", 1, "AutoTokenizer", 10),
    ("%time m = AutoModel.from_pretrained('a/b')\n", 1, "AutoModel", 10),
    ("clf = %time pipeline('x', model='a/b')\n", 1, "pipeline", 12),
    ("%timeit -n 1 -r 1 AutoModel.from_pretrained('a')\n", 1, "AutoModel", 18),
    (">>> from transformers import pipeline\n>>> g = pipeline('t', model='a/b')\n", 2, "pipeline", 8),
    ("In [3]: m = AutoModel.from_pretrained('a')\n", 1, "AutoModel", 12),
    ("%%time\n  m = AutoModel.from_pretrained('a')\n", 2, "AutoModel", 6),
    ("!pip install x \\\n  y\nm = AutoModel.from_pretrained('a')\n", 3, "AutoModel", 4),
])
def test_columns_map_back_to_the_cell(source, line, python_text, column):
    code = transform_cell(source).kernel
    at = code.lines[line - 1].index(python_text)
    mapped = code.source_column(line, at, strict=True)
    assert mapped == column
    assert source.splitlines()[line - 1][mapped:].startswith(python_text)
    assert code.python_column(line, mapped) == at


def test_ipython_syntax_inside_strings_and_brackets_is_left_alone():
    source = 'PROMPT = """\n!not shell\n%not magic\nobj?\n"""\nf(1,\n  2)\n'
    assert transform_cell(source).kernel.lines == tuple(source.splitlines())


def test_writefile_cells_are_python_of_their_own():
    cell = transform_cell("%%writefile -a src/train.py\nimport torch\nm = torch.hub.load('a/b', 'c')\n")
    assert cell.file_name == "src/train.py" and cell.magic == "writefile"
    assert cell.kernel.lines[0].startswith("get_ipython().run_cell_magic('writefile', '-a src/train.py', ")
    assert cell.kernel.lines[1:] == ("", "")
    assert cell.file is not None and cell.file.lines == ("", "import torch", "m = torch.hub.load('a/b', 'c')")
    assert transform_cell("%%writefile notes.md\n# hi\n").file is None


def test_crlf_lines_do_not_continue_a_shell_command_as_in_ipython(manager):
    source = "!echo a \\\r\nx = 1\r\n"
    assert manager.transform_cell(source).splitlines()[1] == "x = 1"
    assert transform_cell(source).kernel.lines[1] == "x = 1"


# --------------------------------------------------------------------------- end to end
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Demo"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "!pip install -q transformers \\\n", "    accelerate\n", "from transformers import AutoModel\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "    m = AutoModel.from_pretrained(\"openai-community/gpt2\")\n", "    m.eval()\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "%time m2 = AutoModel.from_pretrained(\"openai-community/gpt2\")\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "%%writefile serve.py\n", "from transformers import AutoModel\n",
            "model = AutoModel.from_pretrained(\"openai-community/gpt2\")\n"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}
SHA = "607a30d783dfa663caf39e06633721c8d4cfcd7e"


def test_fixes_land_in_the_cells_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    refs = tmp_path / "hf-cache" / "models--openai-community--gpt2" / "refs"
    refs.mkdir(parents=True)
    (refs / "main").write_text(SHA)
    (tmp_path / "hf-cache" / "models--openai-community--gpt2" / "snapshots" / SHA).mkdir(parents=True)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    text = json.dumps(NOTEBOOK, indent=1) + "\n"
    (root / "nb.ipynb").write_text(text)
    code = main(["check", str(root), "--select", "PTM101", "--fix", "--no-cache"])
    out = capsys.readouterr().out
    assert code == 0, out
    cells = json.loads((root / "nb.ipynb").read_text())["cells"]
    pinned = f'"openai-community/gpt2", revision="{SHA}")'
    assert cells[2]["source"][0] == f"    m = AutoModel.from_pretrained({pinned}\n"
    assert cells[3]["source"][0] == f"%time m2 = AutoModel.from_pretrained({pinned}\n"
    assert cells[4]["source"][2] == f"model = AutoModel.from_pretrained({pinned}\n"
    assert cells[1] == NOTEBOOK["cells"][1]
