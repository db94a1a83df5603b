"""Edge-case fixtures (testdata/fixtures) against the expectations written inline in them.

A loader call carries `# expect: key=value ...` on its first line (keys: api hub role model
canonical revision resolution pin column; `null` is JSON null). Only the keys written are checked,
and a line without an annotation must not be reported at all. Broken inputs must each give exactly
one entry in the inventory's `errors` without costing any other file its references.

The scan runs on a copy of the fixtures in a temporary directory (its own scan root thanks to the
fixtures' pyproject.toml). Inputs that may crash a parser outright (very deep nesting) are scanned
in a subprocess so that a crash fails one test instead of killing the session.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import textwrap
import tokenize
from io import BytesIO
from pathlib import Path

import pytest

from ptm_lint.core import HUBS, PINS, RESOLUTIONS, ROLES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "testdata" / "fixtures"

EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<body>.*?)\s*$")
EXPECT_KEYS = {"api", "hub", "role", "model", "canonical", "revision", "resolution", "pin", "column", "detection"}
ENUMS = {"hub": HUBS, "role": ROLES, "pin": PINS, "resolution": RESOLUTIONS}

# Inputs that cannot be analysed: exactly one error each. Broken .py files yield no references.
BROKEN = {
    "broken/syntax_error.py",
    "broken/python2.py",
    "broken/undecodable.py",
    "broken/nul_byte.py",
    "broken/wrong_cookie.py",
    "broken/invalid_json.ipynb",
    "nb_syntax_error.ipynb",  # one bad cell; the other cells' references must still be reported
}
# Odd but tolerable: at most one error (missing `source` is outside nbformat), references still reported.
TOLERATED = {"nb_odd_cells.ipynb"}


# --------------------------------------------------------------------------- reading expectations


def parse_expect(body: str) -> dict:
    expected: dict = {}
    for token in body.split():
        key, sep, value = token.partition("=")
        if not sep or key not in EXPECT_KEYS:
            raise ValueError(f"bad expectation token {token!r}")
        if key == "column":
            expected[key] = int(value)
        else:
            expected[key] = None if value == "null" else value
    if not expected:
        raise ValueError("empty expectation")
    return expected


def _python_text(path: Path) -> str:
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)  # honours cookies and the BOM
    return data.decode(encoding)


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else (source or "")


def expectations(path: Path) -> dict[tuple[int | None, int], dict]:
    """(cell, line) -> expected keys, for one valid fixture file."""
    found: dict[tuple[int | None, int], dict] = {}
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        chunks = [(i, _cell_source(c)) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    else:
        chunks = [(None, _python_text(path))]
    for cell, text in chunks:
        for number, line in enumerate(text.splitlines(), start=1):
            match = EXPECT_RE.search(line)
            if match:
                found[(cell, number)] = parse_expect(match.group("body"))
    return found


def _relative(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def _valid_files() -> list[str]:
    files = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix not in (".py", ".ipynb") or not path.is_file():
            continue
        rel = _relative(path)
        if rel in BROKEN and rel != "nb_syntax_error.ipynb":
            continue
        files.append(rel)
    return files


VALID = _valid_files()


# --------------------------------------------------------------------------- checks on the fixtures


def test_fixture_annotations_are_well_formed():
    total = 0
    for rel in VALID:
        for (cell, line), expected in expectations(FIXTURES / rel).items():
            total += 1
            for key, allowed in ENUMS.items():
                if key in expected:
                    assert expected[key] in allowed, f"{rel}:{cell}:{line}: {key}={expected[key]}"
    assert total >= 120


@pytest.mark.parametrize("rel", [r for r in VALID if r.endswith(".py")])
def test_valid_python_fixtures_parse(rel):
    ast.parse((FIXTURES / rel).read_bytes())


def test_broken_python_fixtures_do_not_parse():
    for rel in sorted(r for r in BROKEN if r.endswith(".py")):
        with pytest.raises((SyntaxError, ValueError, UnicodeDecodeError)):
            ast.parse((FIXTURES / rel).read_bytes())


def test_byte_level_fixtures_have_their_bytes():
    assert b"\r\n" in (FIXTURES / "encodings/crlf.py").read_bytes()
    assert (FIXTURES / "encodings/utf8_bom.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\xe8" in (FIXTURES / "encodings/latin1_cookie.py").read_bytes()
    assert b"\x00" in (FIXTURES / "broken/nul_byte.py").read_bytes()
    with pytest.raises(json.JSONDecodeError):
        json.loads((FIXTURES / "broken/invalid_json.ipynb").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the scanner


def _as_dict(ref) -> dict:
    keys = ("path", "cell", "line", "column", *sorted(EXPECT_KEYS - {"column"}))
    return {k: getattr(ref, k) for k in keys}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    from ptm_lint.pipeline import run_inventory

    root = tmp_path_factory.mktemp("fixtures") / "fixtures"
    shutil.copytree(FIXTURES, root)
    report = run_inventory([root])
    refs = [_as_dict(r) for r in report.references]
    errors = [{"path": e.path, "message": e.message} for e in report.errors]
    return refs, errors


@pytest.mark.parametrize("rel", VALID)
def test_fixture_references_match_annotations(inventory, rel):
    refs, _ = inventory
    expected = expectations(FIXTURES / rel)
    mine = [r for r in refs if r["path"] == rel]
    problems = []
    for (cell, line), keys in sorted(expected.items(), key=lambda kv: (kv[0][0] or -1, kv[0][1])):
        at = [r for r in mine if r["cell"] == cell and r["line"] == line]
        where = f"{rel}" + (f" cell {cell}" if cell is not None else "") + f" line {line}"
        if len(at) != 1:
            problems.append(f"{where}: expected 1 reference, got {len(at)}")
            continue
        for key, value in keys.items():
            if at[0][key] != value:
                problems.append(f"{where}: {key} expected {value!r}, got {at[0][key]!r}")
    for r in mine:
        if (r["cell"], r["line"]) not in expected:
            problems.append(
                f"{rel}" + (f" cell {r['cell']}" if r["cell"] is not None else "")
                + f" line {r['line']}: unexpected reference {r['api']} model={r['model']!r}"
            )
    assert not problems, "\n".join(problems)


def _check_message(error: dict) -> None:
    message = error["message"]
    assert isinstance(message, str) and message.strip(), error
    assert "Traceback" not in message and len(message) < 500, error


@pytest.mark.parametrize("rel", sorted(BROKEN))
def test_broken_input_gives_exactly_one_error(inventory, rel):
    refs, errors = inventory
    mine = [e for e in errors if e["path"] == rel]
    assert len(mine) == 1, f"{rel}: errors {mine}"
    _check_message(mine[0])
    if rel.endswith(".py"):
        assert not [r for r in refs if r["path"] == rel]


def test_no_errors_for_valid_inputs(inventory):
    _, errors = inventory
    unexpected = [e for e in errors if e["path"] not in BROKEN | TOLERATED]
    assert not unexpected
    for rel in TOLERATED:
        mine = [e for e in errors if e["path"] == rel]
        assert len(mine) <= 1, mine
        for error in mine:
            _check_message(error)


def test_nothing_reported_in_negatives(inventory):
    refs, _ = inventory
    assert not [r for r in refs if r["path"] == "negatives.py"]


# --------------------------------------------------------------------------- pathological nesting

_RUNNER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from ptm_lint.pipeline import run_inventory
    report = run_inventory([Path(sys.argv[1])])
    print(json.dumps({
        "references": [{"path": r.path, "line": r.line, "model": r.model} for r in report.references],
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }))
    """
)

_LOAD = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/{name}")\n'


def _scan_in_subprocess(root: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(root)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"scanner crashed (rc={proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def _project_with(tmp_path: Path, name: str, body: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "deep"\nversion = "0"\n', encoding="utf-8")
    (root / "ok.py").write_text(_LOAD.format(name="ok"), encoding="utf-8")
    (root / name).write_text(_LOAD.format(name="deep") + body, encoding="utf-8")
    return root


@pytest.mark.parametrize("depth", [1000, 5000])
def test_deeply_nested_parentheses(tmp_path, depth):
    # CPython rejects more than 200 nested parentheses ("too many nested parentheses").
    root = _project_with(tmp_path, "deep_nesting.py", "x = " + "(" * depth + "1" + ")" * depth + "\n")
    result = _scan_in_subprocess(root)
    mine = [e for e in result["errors"] if e["path"] == "deep_nesting.py"]
    assert len(mine) == 1, result["errors"]
    _check_message(mine[0])
    assert [r["model"] for r in result["references"] if r["path"] == "ok.py"] == ["org/ok"]
    assert not [r for r in result["references"] if r["path"] == "deep_nesting.py"]


def test_very_long_operator_chain(tmp_path):
    # Valid syntax, but deep enough to exhaust recursive tree walkers: either scanned or one error.
    root = _project_with(tmp_path, "long_chain.py", "x = " + " + ".join(["a"] * 5000) + "\n")
    result = _scan_in_subprocess(root)
    assert [r["model"] for r in result["references"] if r["path"] == "ok.py"] == ["org/ok"]
    mine = [e for e in result["errors"] if e["path"] == "long_chain.py"]
    found = [r["model"] for r in result["references"] if r["path"] == "long_chain.py"]
    assert (len(mine) == 1 and not found) or (not mine and found == ["org/deep"]), result
