"""Compare ptm-lint's reading of notebook code cells with IPython's own input transformations.

For every code cell of every notebook under the given directories, IPython's
`TransformerManager().transform_cell()` says what the kernel runs; ptm-lint's
`scan.ipython.transform_cell()` must read every cell IPython turns into parseable Python, with the
same names and calls, and map each of them back to its own line and column of the cell.

    python scripts/notebook_differential.py DIR [DIR...] [--show N] [--json]
    python scripts/notebook_differential.py --fetch SCRATCH   # the pinned corpus of docs/real-world.md

`--fetch` downloads the notebooks of the pinned repositories below with git (one shallow fetch of
the pinned commit each, only the .ipynb files extracted) into SCRATCH, outside the repository (no
third-party notebook is ever committed here), then compares them. IPython is a test-only dependency
(`pip install -e '.[test]'`); ptm-lint never imports it.
"""

from __future__ import annotations

import argparse
import ast
import getopt
import json
import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ptm_lint.scan.ipython import PYTHON_CELL_MAGICS, Code, transform_cell

# The corpus of docs/real-world.md ("Notebooks as Jupyter runs them"): repository, pinned commit.
CORPUS = (
    ("huggingface/notebooks", "5068b1142e8ed1e691c8b1e9f98e4473ebe55790"),
    ("huggingface/cookbook", "ed2c6467015cee5bd962606a5caa0ece10483982"),
    ("NielsRogge/Transformers-Tutorials", "1140198d259d5d9e205ba45a5c3b456261fe2491"),
    ("unslothai/notebooks", "bdda2efc7ad5ae129ea63cd2065d23c391406283"),
    ("GoogleCloudPlatform/generative-ai", "23b75dab2c25248f352d4c39e3c5984398b4b448"),
    ("jakevdp/PythonDataScienceHandbook", "d66231454ef753818dc9213c9b5942e067266966"),
    ("ageron/handson-ml3", "e3f3f9e66d58cfa1d068a498433063a1d3fba9ef"),
)

# IPython's own option specs of the line magics whose argument is Python (IPython/core/magics/execution.py).
_LINE_MAGIC_OPTIONS = {"time": ("", ["no-raise-error"]), "timeit": ("n:r:tcp:qov:", []), "prun": ("D:l:rs:T:q", [])}


@dataclass
class Tally:
    notebooks: int = 0
    unreadable: int = 0
    cells: int = 0
    ipython_syntax: int = 0  # cells IPython's transformations change (magics, shell, help, indentation...)
    ipython_parses: int = 0
    ptm_parses: int = 0
    both: int = 0
    missed: list[tuple[str, int, str]] = field(default_factory=list)  # IPython parses, ptm-lint does not
    different: list[tuple[str, int, str]] = field(default_factory=list)  # both parse, names/calls differ
    misplaced: list[tuple[str, int, str]] = field(default_factory=list)  # a name mapped to the wrong column
    writefile: int = 0
    writefile_parses: int = 0

    @property
    def disagreements(self) -> int:
        return len(self.missed) + len(self.different) + len(self.misplaced)

    def figures(self) -> dict[str, int]:
        return {"notebooks": self.notebooks, "unreadable notebooks": self.unreadable, "code cells": self.cells,
                "cells IPython transforms": self.ipython_syntax,
                "cells IPython parses": self.ipython_parses, "cells ptm-lint parses": self.ptm_parses,
                "missed (IPython parses, ptm-lint not)": len(self.missed),
                "names/calls differ": len(self.different), "mapped to a wrong column": len(self.misplaced),
                "%%writefile *.py cells": self.writefile, "... whose file parses": self.writefile_parses}


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def ipython_python(manager, source: str, text: str | None = None) -> ast.Module | None:
    """What IPython runs for a cell, with the Python that its magics run put back in place of the
    strings IPython passes them (`%%time` bodies, `%time` statements); None if it does not parse."""
    if text is None:
        text = ipython_text(manager, source)
    if text is None:
        return None
    tree = _parse(text)
    if tree is None:
        return None
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                new = []
                for item in value:
                    expanded = _expand(manager, item)
                    if expanded is False:
                        return None
                    new.extend(expanded if expanded is not None else [item])
                setattr(node, name, new)
            elif isinstance(value, ast.expr):
                expanded = _expand_expr(manager, value)
                if expanded is False:
                    return None
                if expanded is not None:
                    setattr(node, name, expanded)
    return tree


def ipython_text(manager, source: str) -> str | None:
    try:
        return manager.transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython raises on some malformed input: then it runs nothing
        return None


def _magic_call(node: ast.AST) -> tuple[str, str, list[str]] | None:
    """(method, magic, string args) of `get_ipython().run_cell_magic/run_line_magic(...)`."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"):
        return None
    args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(node.args) or not args:
        return None
    return node.func.attr, args[0], args[1:]


def _expand(manager, stmt: ast.AST):
    """Statements replacing a magic statement: None = keep it, False = its Python does not parse."""
    if not isinstance(stmt, ast.Expr):
        return None
    call = _magic_call(stmt.value)
    if call is None:
        return None
    method, magic, args = call
    if method == "run_cell_magic" and magic in PYTHON_CELL_MAGICS and len(args) == 2:
        inner = ipython_python(manager, args[1])
        return False if inner is None else inner.body
    statement = _line_statement(method, magic, args)
    if statement is None:
        return None
    inner = ipython_python(manager, statement)
    return None if inner is None else inner.body


def _expand_expr(manager, expr: ast.expr):
    """`x = %time f()`: the expression IPython evaluates in place of the magic call."""
    call = _magic_call(expr)
    if call is None:
        return None
    statement = _line_statement(*call)
    if statement is None:
        return None
    inner = ipython_python(manager, statement)
    if inner is None or len(inner.body) != 1 or not isinstance(inner.body[0], ast.Expr):
        return None
    return inner.body[0].value


def _line_statement(method: str, magic: str, args: list[str]) -> str | None:
    if method != "run_line_magic" or magic not in _LINE_MAGIC_OPTIONS or len(args) != 1:
        return None
    short, long = _LINE_MAGIC_OPTIONS[magic]
    try:
        _, rest = getopt.getopt(args[0].split(), short, long)
    except getopt.GetoptError:
        return None
    return " ".join(rest) if rest else None


def features(tree: ast.AST) -> Counter:
    """Names and calls of a module (what the scanner resolves and matches), without positions."""
    out: Counter = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            out["call " + ast.unparse(node.func)] += 1
        elif isinstance(node, ast.Name):
            out[f"name {node.id} {type(node.ctx).__name__}"] += 1
        elif isinstance(node, ast.Attribute):
            out[f"attr {node.attr}"] += 1
    return out


def misplaced(code: Code, source: str, tree: ast.Module) -> list[str]:
    """Names and calls whose mapped (line, column) does not show the same text in the cell's source."""
    source_lines = source.splitlines() or [""]
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Name, ast.Call)):
            continue
        text = node.id if isinstance(node, ast.Name) else ast.unparse(node.func)
        python_line = code.lines[node.lineno - 1]
        column = len(python_line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace"))
        mapped = code.source_column(node.lineno, column, strict=True)
        if mapped is None:
            if "get_ipython" not in text and not _generated_autocall(python_line):
                problems.append(f"line {node.lineno}: {text} is in generated text")
            continue
        written = python_line[column:column + len(text)]
        if written == text and source_lines[node.lineno - 1][mapped:mapped + len(text)] != text:
            problems.append(f"line {node.lineno} col {column + 1}: {text!r} maps to column {mapped + 1}")
    return problems


def _generated_autocall(line: str) -> bool:
    return "(" in line  # `/f a b` -> `f(a, b)`: the call is generated, mapped to the escape


def compare(manager, source: str, tally: Tally, where: tuple[str, int]) -> None:
    tally.cells += 1
    text = ipython_text(manager, source)
    tally.ipython_syntax += text is not None and text != (source if source.endswith("\n") else source + "\n")
    reference = ipython_python(manager, source, text)
    ours = transform_cell(source)
    tree = _parse(ours.kernel.text)
    if ours.file is not None:
        tally.writefile += 1
        tally.writefile_parses += _parse(ours.file.text) is not None
    tally.ipython_parses += reference is not None
    tally.ptm_parses += tree is not None
    label = (where[0], where[1], source)
    if reference is None:
        return
    if tree is None:
        tally.missed.append(label)
        return
    tally.both += 1
    if features(reference) != features(tree):
        tally.different.append(label)
    if misplaced(ours.kernel, source, tree):
        tally.misplaced.append(label)


def code_cells(path: Path) -> Iterator[tuple[int, str]] | None:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return None
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    language = (meta.get("kernelspec") or {}).get("language") if isinstance(meta.get("kernelspec"), dict) else None
    if isinstance(language, str) and language.lower() != "python":
        return None

    def gen() -> Iterator[tuple[int, str]]:
        for index, cell in enumerate(cells):
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                if isinstance(source, list) and all(isinstance(s, str) for s in source):
                    source = "".join(source)
                if isinstance(source, str):
                    yield index, source
    return gen()


def run(paths: Iterable[Path]) -> Tally:
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()
    tally = Tally()
    for root in paths:
        files = sorted(root.rglob("*.ipynb")) if root.is_dir() else [root]
        for path in files:
            cells = code_cells(path)
            if cells is None:
                tally.unreadable += 1
                continue
            tally.notebooks += 1
            for index, source in cells:
                compare(manager, source, tally, (str(path), index))
    return tally


def fetch(scratch: Path) -> list[Path]:
    """The pinned corpus's notebooks under scratch/<owner>+<name>/ (fetched once, then reused)."""
    import io
    import subprocess
    import tarfile

    out = []
    for repo, commit in CORPUS:
        target = scratch / repo.replace("/", "+")
        out.append(target)
        if (target / ".complete").is_file():
            continue
        git_dir = scratch / ".git" / repo.replace("/", "+")
        git_dir.mkdir(parents=True, exist_ok=True)
        git = ["git", f"--git-dir={git_dir}"]
        subprocess.run([*git, "init", "-q", "--bare"], check=True)
        subprocess.run([*git, "fetch", "-q", "--depth", "1", f"https://github.com/{repo}.git", commit], check=True)
        names = subprocess.run([*git, "ls-tree", "-r", "--name-only", commit], check=True, capture_output=True,
                               text=True).stdout.splitlines()
        wanted = [n for n in names if n.endswith(".ipynb")]
        archive = subprocess.run([*git, "archive", "--format=tar", commit, "--", *wanted], check=True,
                                 capture_output=True).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        (target / ".complete").write_text(commit + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--fetch", type=Path, metavar="SCRATCH",
                        help="fetch the pinned corpus into SCRATCH (outside the repository) and compare it")
    parser.add_argument("--show", type=int, default=5, help="cells to print per kind of disagreement")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    paths = list(args.paths) + (fetch(args.fetch) if args.fetch else [])
    if not paths:
        parser.error("give notebook directories, or --fetch SCRATCH")
    tally = run(paths)
    if args.json:
        print(json.dumps(tally.figures(), indent=2))
    else:
        for key, value in tally.figures().items():
            print(f"{key:40} {value}")
        for kind in ("missed", "different", "misplaced"):
            for path, index, source in getattr(tally, kind)[: args.show]:
                print(f"\n--- {kind}: {path} cell {index + 1}\n{source}")
    return 1 if tally.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
