"""Fixes computed from the finding's call alone (CallUnit) equal those computed from the whole module."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import libcst
import pytest

from ptm_lint.discover.project import read_project
from ptm_lint.fix import cst_tools, engine
from ptm_lint.fix.cst_tools import CallUnit, CodeMap, NeedsModule, append_arg, in_code, keyword_arg
from ptm_lint.fix.edits import _diff, apply_offsets, compute_edits, edit_offsets, line_starts, split_lines
from conftest import settings_for
from ptm_lint.api import recheck as make_recheck
from ptm_lint.fix.engine import FixOptions, fixes_for_file
from ptm_lint.fix.pins import Pin

SHA = "0123456789abcdef0123456789abcdef01234567"
PINNED = "86b5e0934494bd15c9632b12f734a8a67f723594"

IMPORTS = ("import os\nimport kagglehub\nimport tensorflow_hub as hub\nimport torch\n"
           "from huggingface_hub import hf_hub_download\nfrom torchvision import models\n"
           "from transformers import AutoModel\n")

# One call per fixable rule (and shape of fix): (rule, callee, arguments).
CALLS = [
    ("PTM101", "AutoModel.from_pretrained", ['"openai-community/gpt2"', "num_labels=2"]),
    ("PTM102", "AutoModel.from_pretrained", ['"google-bert/bert-base-uncased"', 'revision="main"']),
    ("PTM103", "torch.hub.load", ['"pytorch/vision:main"', '"resnet50"']),
    ("PTM104", "kagglehub.model_download", ['"google/bert/tensorFlow2/en-uncased"']),
    ("PTM202", "torch.load", ['"w.pt"', 'map_location="cpu"']),
    ("PTM203", "AutoModel.from_pretrained", ['"google-bert/bert-base-uncased"', f'revision="{PINNED}"',
                                             "use_safetensors=False"]),
    ("PTM205", "torch.hub.load_state_dict_from_url",
     ['"http://download.pytorch.org/models/resnet18-5c106cde.pth"', "check_hash=True", "weights_only=True"]),
    ("PTM301", "AutoModel.from_pretrained", ['"openai-community/gpt2"', f'revision="{PINNED}"',
                                             'use_auth_token=os.environ["T"]']),
    ("PTM301", "hf_hub_download", ['"openai-community/gpt2"', '"model.safetensors"', f'revision="{PINNED}"',
                                   "resume_download=True"]),
    ("PTM302", "models.resnet50", ["pretrained=True"]),
    ("PTM302", "models.resnet18", ["pretrained=False"]),
    ("PTM303", "hub.KerasLayer", ['"https://tfhub.dev/google/universal-sentence-encoder/4"', "trainable=False"]),
    ("PTM305", "AutoModel.from_pretrained", ['"gpt2"', f'revision="{PINNED}"']),
]
RULES = {rule for rule, _, _ in CALLS}


def _chain(func: str, args: str) -> str:
    owner, _, attr = func.rpartition(".")
    return f"({owner}\n    .{attr}({args})\n)" if owner else f"{func}({args})"


# Where and how a call is written: (index, callee, arguments) -> statement(s) at module level.
SHAPES = {
    "inline": lambda i, f, a: f"v{i} = {f}({', '.join(a)})\n",
    "comments-trailing-comma": lambda i, f, a: (
        f"v{i} = {f}(  # opening\n" + "".join(f"    {x},  # arg {n}\n    # between\n" for n, x in enumerate(a))
        + ")  # closing\n"),
    "hanging": lambda i, f, a: f"v{i} = {f}({a[0]}" + "".join(f",\n{' ' * (len(f) + 6)}{x}" for x in a[1:]) + ")\n",
    "extra-parens": lambda i, f, a: f"v{i} = ((\n    {f}(\n        {', '.join(a)})))\n",
    "chain": lambda i, f, a: f"v{i} = {_chain(f, ', '.join(a))}\n",
    "non-ascii": lambda i, f, a: f's{i} = "ünïcödé 🤗 日本"; v{i} = {f}({", ".join(a)})  # ça\n',
    "tabs": lambda i, f, a: (f"def load{i}():\n\tif True:\n\t\tv = {f}(\n" + "".join(f"\t\t\t{x},\n" for x in a)
                             + "\t\t)\n\t\treturn v\n"),
    "nested": lambda i, f, a: (f"v{i} = list(map(str, [\n    {f}({', '.join(a)}),  # inner\n    1,\n]))\n"
                               f"w{i} = print(len({f}({', '.join(a)})), {f}({a[0]}))\n"),
    "in-method": lambda i, f, a: (f"class Loader{i}:\n    def load(self):\n        return self.wrap(\n"
                                  f"            {f}(\n" + "".join(f"                {x},\n" for x in a)
                                  + "            ),\n        )\n"),
    "backslash": lambda i, f, a: f"v{i} = 1 and \\\n    {f}({', '.join(a)}) \\\n    or 2\n",
    "eof": lambda i, f, a: f"v{i} = {f}({', '.join(a)})",  # no final newline (the last call only)
}


def _source(shape: str) -> str:
    render = SHAPES[shape]
    if shape == "eof":
        body = "".join(SHAPES["inline"](i, f, a) for i, (_, f, a) in enumerate(CALLS[:-1]))
        return IMPORTS + body + render(99, CALLS[-1][1], CALLS[-1][2])
    return IMPORTS + "".join(render(i, f, a) for i, (_, f, a) in enumerate(CALLS))


def _pin(ref, revision):
    return Pin("3" if ref.hub == "kaggle" else SHA, "test pins", revision or "main")


@pytest.fixture
def module_units(monkeypatch):
    """The texts every whole-module Unit the engine builds was made from."""
    made: list[str] = []

    class Counting(engine.Unit):
        def __init__(self, text: str) -> None:
            made.append(text)
            super().__init__(text)

    monkeypatch.setattr(engine, "Unit", Counting)
    return made


def _both(tmp_path: Path, rel: str, data: bytes, module_units: list[str]):
    """(findings via call units, findings via whole modules, whole-module Units the first built)."""
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (root / rel).write_bytes(data)
    recheck = make_recheck(settings_for(root), root, read_project(root))
    refs, findings = recheck(rel, data)
    module_units.clear()
    local = fixes_for_file(rel, data, findings, refs, FixOptions(pin=_pin))
    built = len(module_units)
    whole = fixes_for_file(rel, data, findings, refs, FixOptions(pin=_pin), whole_module=True)
    return local, whole, built


def _key(findings):
    return [(f.rule, f.cell, f.line, f.column, f.message, f.fix) for f in findings]


def _fixed_rules(findings) -> set[str]:
    return {f.rule for f in findings if f.fix is not None and f.fix.edits}


@pytest.mark.parametrize("newline", ["lf", "crlf", "mixed"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_call_unit_fixes_equal_whole_module_fixes(tmp_path, module_units, shape, newline):
    source = _source(shape)
    if newline == "crlf":
        source = source.replace("\n", "\r\n")
    elif newline == "mixed":  # libcst renders new line breaks with the file's first newline
        source = IMPORTS + source[len(IMPORTS):].replace("\n", "\r\n")
    local, whole, built = _both(tmp_path, "app.py", source.encode("utf-8"), module_units)
    assert _key(local) == _key(whole)
    assert _fixed_rules(local) >= RULES
    assert built == 0  # every one of these fixes needs only its call
    for finding in local:  # none of them was parsed whole: each still gives code that parses
        if finding.fix is not None:
            ast.parse(apply_offsets(source, edit_offsets(source, finding.fix.edits)))


def test_notebook_cells_use_call_units_too(tmp_path, module_units):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Démo ü\n"]}]
    for shape in ("inline", "comments-trailing-comma", "non-ascii", "nested"):
        source = ["%pip install transformers\n", *IMPORTS.splitlines(keepends=True)]
        for i, (_, f, a) in enumerate(CALLS):
            source.extend(SHAPES[shape](i, f, a).splitlines(keepends=True))
        source.append("!ls")
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                      "source": source})
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    data = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
    local, whole, built = _both(tmp_path, "nb.ipynb", data, module_units)
    assert _key(local) == _key(whole)
    assert {f.cell for f in local if f.fix} == {1, 2, 3, 4}
    assert _fixed_rules(local) >= RULES
    assert built == 0


def test_fixes_that_need_the_module_fall_back_to_it(tmp_path, module_units):
    source = IMPORTS + (
        'MODEL = "gpt2"\n'
        f'a = AutoModel.from_pretrained(MODEL, revision="{PINNED}")\n'
        'def load(name="gpt2"):\n'
        f'    return AutoModel.from_pretrained(name, revision="{PINNED}")\n'
        'URL = "http://download.pytorch.org/models/resnet18-5c106cde.pth"\n'
        "sd = torch.hub.load_state_dict_from_url(URL, check_hash=True, weights_only=True)\n"
        "from torchvision.models import resnet50\n"
        "r = resnet50(pretrained=True)\n"
    )
    local, whole, built = _both(tmp_path, "app.py", source.encode(), module_units)
    assert _key(local) == _key(whole)
    assert built == 1  # parsed once, for all the findings of the file
    fixes = {(f.rule, f.line): f.fix for f in local if f.fix is not None}
    lines = source.splitlines()
    constant = lines.index('MODEL = "gpt2"') + 1
    assert [span.line for span, _ in fixes[("PTM305", constant + 1)].edits] == [constant]
    assert "constant MODEL" in fixes[("PTM305", constant + 1)].description
    default = lines.index('def load(name="gpt2"):') + 1
    assert [span.line for span, _ in fixes[("PTM305", default + 1)].edits] == [default]
    url = lines.index(next(line for line in lines if line.startswith("URL = "))) + 1
    assert [span.line for span, _ in fixes[("PTM205", url + 1)].edits] == [url]
    resnet = lines.index("r = resnet50(pretrained=True)") + 1
    fix = fixes[("PTM302", resnet)]
    assert "importing ResNet50_Weights" in fix.description
    assert {span.line for span, _ in fix.edits} == {resnet - 1, resnet}


@pytest.mark.parametrize("source", [
    'v = f"{torch.load(\'w.pt\')}"\n',  # in an f-string: the call is not code to the tokenizer
    "v = f'''\n{AutoModel.from_pretrained(\"google-bert/bert-base-uncased\", revision=\"main\")}\n'''  # c\n",
    'v = torch.load("w.pt")\rw = torch.load("x.pt")\n',  # a lone \r ends a line
], ids=["f-string", "f-string-multiline", "lone-cr"])
def test_calls_the_call_unit_cannot_vouch_for_use_the_module(tmp_path, module_units, source):
    local, whole, built = _both(tmp_path, "app.py", (IMPORTS + source).encode(), module_units)
    assert _key(local) == _key(whole)
    assert built == 1


@pytest.mark.parametrize("surroundings", [
    "v = {call}\n",
    "v = {call}  # noqa: E501\n",
    "v = {call}",
    "v = ({call}, '''\nmore\n''')  # tail\n",
    "v = wrap({call})  # tail\n",
    "v = wrap({call},\n         1)\n",
    "v = [{call}, 1] \\\n    + x  # after a continuation\n",
    "if True:\n    v = {call}\n\n# end\n",
    "v = {call}\n\n\n",
    "v = '''a string\nthat ends here''' and {call}  # tail\n",
], ids=["plain", "existing-comment", "eof", "string-after", "nested", "nested-multiline", "backslash",
        "block", "blank-lines", "string-before"])
@pytest.mark.parametrize("call", [
    'AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="main")',
    'AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="main"  # rev\n)',
    'AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased", revision="main",\n    num_labels=2)',
    'torch.hub.load("pytorch/vision:main",\n               "resnet50")',
], ids=["inline", "multiline-comment", "middle", "torch-hub"])
def test_was_comments_land_where_they_did(tmp_path, module_units, monkeypatch, surroundings, call):
    source = IMPORTS + surroundings.format(call=call)
    local, whole, built = _both(tmp_path, "app.py", source.encode(), module_units)
    assert _key(local) == _key(whole)
    assert any(f.fix and any("# was:" in text for _, text in f.fix.edits) for f in local)
    assert built == 0


def test_a_call_local_fix_in_a_huge_file_parses_only_the_call(tmp_path, module_units, monkeypatch):
    parsed: list[int] = []
    parse_module = libcst.parse_module

    def recording(source, *args, **kwargs):
        parsed.append(len(source))
        return parse_module(source, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the whole text was parsed or tokenized")

    monkeypatch.setattr(libcst, "parse_module", recording)
    monkeypatch.setattr(cst_tools, "add_trailing_comment", forbidden)
    monkeypatch.setattr(engine, "_parses", forbidden)
    filler = "".join(f"x_{i} = {{'k': [{i}, \"{i}\"]}}  # {i}\n" for i in range(20000))
    source = (IMPORTS + filler + 'sd = torch.load("w.pt")\n'
              'm = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="main")\n'
              f'd = hf_hub_download("openai-community/gpt2", "a.bin", revision="{PINNED}", resume_download=True)\n')
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    recheck = make_recheck(settings_for(root), root, read_project(root))
    refs, findings = recheck("big.py", source.encode())
    fixed = fixes_for_file("big.py", source.encode(), findings, refs, FixOptions(pin=_pin))
    fixes = {f.rule: f.fix for f in fixed if f.fix is not None}
    last = source.count("\n")

    def fixed_line(rule: str, line: int) -> str:
        return apply_offsets(source, edit_offsets(source, fixes[rule].edits)).splitlines()[line - 1]

    assert fixed_line("PTM202", last - 2) == 'sd = torch.load("w.pt", weights_only=True)'
    assert fixed_line("PTM102", last - 1) == (
        f'm = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{SHA}")  # was: "main"')
    assert fixed_line("PTM301", last) == f'd = hf_hub_download("openai-community/gpt2", "a.bin", revision="{PINNED}")'
    assert module_units == []
    assert parsed and max(parsed) < 200


def test_a_call_unit_vouches_only_for_calls_that_parse():
    text = 'x = "f(a)"\ny = f(a for a in b)  # c\n'
    starts = line_starts(split_lines(text))
    assert CallUnit.cut(text, starts, 1, 6, 1, 10, trusted=True) is None  # in a string
    unit = CallUnit.cut(text, starts, 2, 5, 2, 20, trusted=True)
    assert unit is not None and unit.code(unit.call) == "(f(a for a in b))"
    wider = unit.replace(unit.call, append_arg(unit.call, keyword_arg("k", libcst.Name("True"))))
    assert wider == 'x = "f(a)"\ny = f(a for a in b, k=True)  # c\n'
    assert not unit.verified(wider)  # a generator argument must stand alone: the engine parses it all
    renamed = unit.replace(unit.call.args[0].value.elt, libcst.Name("z"))
    assert renamed == 'x = "f(a)"\ny = f(z for a in b)  # c\n' and unit.verified(renamed)
    assert not unit.verified("".join(renamed))  # only the unit's own outputs
    assert unit.positions[unit.call.args[0].value.elt].start == libcst.metadata.CodePosition(2, 6)
    with pytest.raises(NeedsModule):
        unit.scopes  # noqa: B018
    with pytest.raises(NeedsModule):
        unit.replace(libcst.parse_expression("a"), libcst.Name("z"))
    cell = CallUnit.cut(text, starts, 2, 5, 2, 20, trusted=False)
    assert not cell.verified(cell.replace(cell.call.args[0].value.elt, libcst.Name("z")))


# -- in_code --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "marker", "expected"), [
    ("x = f(1)", "f(1)", True),
    ('s = "f(1)"', "f(1)", False),
    ("s = '''\nf(1)\n'''", "f(1)", False),
    ("# f(1)\ng(1)", "f(1)", False),
    ("# f(1)\ng(1)", "g(1)", True),
    ('s = "a\\"b#"; g(1)', "g(1)", True),
    ("s = 'a\\\nb'; g(1)", "g(1)", True),  # a backslash continues a one-quote string
    ('s = """a""" "b" \'\'; g(1)', "g(1)", True),
    ("s = r'\\'' + g(1)", "g(1)", True),  # a raw string still escapes its quote
    ('x = f"{g(1)}"', "g(1)", False),
    ("x = f\"{d['k']}\" + g(1)", "g(1)", True),
    ('x = f"{d["k"]}" + g(1)', "g(1)", False),  # Python 3.12 quote reuse: not understood, so not sure
    ("x = f\"{f'{a}'}\" + g(1)", "g(1)", True),  # a nested f-string
    ('x = f"{f"{a}"}" + g(1)', "g(1)", False),  # Python 3.12 nesting with the same quote: not sure
    ('x = f"""{a  # }\n}""" + g(1)', "g(1)", False),  # Python 3.12 comment in a field: not sure
    ('x = f"{a:#o} {b[1:2]:>{w}} { {1: 2}[1] }" + g(1)', "g(1)", True),  # `#` and `:` of format specs
    ('x = rf"{a:{w}}" + F"{{b}}" + g(1)', "g(1)", True),
    ('x = f"{{g(1)}}"', "g(1)", False),
    ('if a:\n    pass\nelif"{"== b: g(1)', "g(1)", True),  # `elif` is no string prefix
    ('x = "unterminated\ng(1)', "g(1)", False),
])
def test_in_code(text, marker, expected):
    assert in_code(text, text.rindex(marker)) is expected


def test_in_code_agrees_with_the_tokenizer_on_real_code():
    import io
    import tokenize

    repo = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted([*(repo / "src" / "ptm_lint").rglob("*.py"), *(repo / "tests").glob("*.py")]):
        text = path.read_text(encoding="utf-8")
        if "\r" in text:
            continue
        starts = [0]
        for line in text.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        expected = {starts[t.start[0] - 1] + t.start[1]: True
                    for t in [t for t in tokens if t.type == tokenize.NAME][::60]}
        for tok in [t for t in tokens if t.type in (tokenize.STRING, tokenize.COMMENT)][::15]:
            expected[starts[tok.end[0] - 1] + tok.end[1] - 1] = False  # a closing quote, a comment's end
        code = CodeMap(text)
        for offset, is_code in sorted(expected.items()):  # resumed scans
            assert code(offset) is is_code, (path, offset)
        for offset, is_code in expected.items():  # fresh scans, and scans that go back
            assert in_code(text, offset) is is_code and code(offset) is is_code, (path, offset)
        checked += len(expected)
    assert checked > 1000


hypothesmith = pytest.importorskip("hypothesmith")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(code=st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()), shape=st.sampled_from(sorted(SHAPES)),
       first=st.booleans(), crlf=st.booleans())
def test_generated_programs_get_the_same_fixes_either_way(tmp_path_factory, code, shape, first, crlf):
    import warnings

    calls = _source(shape)
    text = code + "\n" + calls if first else calls + "\n" + code
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        if libcst.parse_module(text).code != text:
            return  # the whole-module path would rewrite more than the call (a libcst round trip quirk)
    except Exception:  # noqa: BLE001 - not a program both parsers take
        return
    local, whole, _ = _both(tmp_path_factory.mktemp("gen"), "app.py", text.encode("utf-8", "surrogatepass"), [])
    assert _key(local) == _key(whole)


# -- compute_edits --------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new"), [
    ("a = f(1)\nb = 2\n", "a = f(1, x=2)\nb = 2\n"),
    ("a\nb\nc\nd\n", "a\nb\nX\nd\n"),
    ("a\nb\nc\nd\n", "a\nc\nd\n"),
    ("a\nb\n", "a\nb\nc\n"),
    ("a\nb", "a\nbc"),
    ("a\nb", "a\nb\n"),
    ("", "x\n"),
    ("x\n", ""),
    ("a = f(1)\r\nb = g(\r\n    2,\r\n)\r\n", "a = f(1, x=2)\r\nb = g(\r\n    2,\r\n    y=3,\r\n)\r\n"),
    ("a\r\nb\r\n", "a\nb\r\n"),
    ("a\rb\rc\r", "a\rB\rc\r"),
    ("a\r\nb", "a\rb"),
    ("x = 1\ny = f(a, b)  # c\nz = 3\n", "x = 1\ny = f(a, b, c=1)  # c, was\nz = 3\n"),
    ("f(a)\nmid\ng(b)\n", "f(a, 1)\nmid\ng(b, 2)\n"),
    ("same\n", "same\n"),
])
def test_compute_edits_matches_the_whole_text_diff(old, new):
    assert compute_edits(old, new) == tuple(_diff(old, new))
    assert apply_offsets(old, edit_offsets(old, compute_edits(old, new))) == new
