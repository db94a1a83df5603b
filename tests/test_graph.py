"""The dependency graph (build + four export formats) and the project-level rules PTM501–PTM503."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptm_lint.catalog import CatalogError, default_catalog
from ptm_lint.check.engine import Selection, run_checks
from ptm_lint.check.rulebook import default_rules
from ptm_lint.check.context import Context
from ptm_lint.cli import main
from ptm_lint.core import Reference
from ptm_lint.discover.project import read_project
from ptm_lint.graph import licenses
from ptm_lint.graph.build import EDGE_KINDS, NODE_KINDS, build_graph
from ptm_lint.graph.keys import expand_lineage
from ptm_lint.graph.export import mermaid_label, render, render_dot, render_graphml, render_json, render_mermaid
from ptm_lint.check.registry import implementation
from ptm_lint.hub.model import ModelMeta
from ptm_lint.pipeline import scan_paths

from conftest import TESTDATA, check_files

DEMO = TESTDATA / "demo-app"
SHA_A = "86b5e0934494bd15c9632b12f734a8a67f723594"
SHA_B = "714eb0fa89d2f80546fda750413ed43d93601a13"


@pytest.fixture(scope="module")
def demo_result():
    return scan_paths([DEMO], root=DEMO)


@pytest.fixture(scope="module")
def demo_graph(demo_result):
    return build_graph(demo_result, project=read_project(DEMO))


def _edges(graph, kind):
    return [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == kind]


def _ref(**kw) -> Reference:
    base = dict(path="app.py", cell=None, line=1, column=1, end_line=1, end_column=10,
                api="transformers.AutoModel.from_pretrained", hub="huggingface", role="model",
                model="org/model", canonical="org/model", resolution="literal", provenance=None,
                revision=None, pin="mutable", options={}, library="transformers", scope="<module>")
    base.update(kw)
    return Reference(**base)


def _meta(repo, license=None, base=(), revision=None, **kw) -> ModelMeta:
    return ModelMeta(repo_id=repo, requested=repo, revision=revision, source="ptm-cache", license=license,
                     base_models=tuple(base), **kw)


# -- the graph ------------------------------------------------------------------------------------
def test_demo_graph_has_every_node_and_edge_kind(demo_graph):
    node_kinds = {d["kind"] for _, d in demo_graph.nodes(data=True)}
    edge_kinds = {d["kind"] for *_, d in demo_graph.edges(data=True)}
    assert node_kinds == set(NODE_KINDS)
    assert {"contains", "loads", "at_revision", "has_revision", "uses_library", "depends_on",
            "pairs_with"} <= edge_kinds <= set(EDGE_KINDS)
    for node, data in demo_graph.nodes(data=True):
        assert data["kind"] in NODE_KINDS and data["label"], node
        assert node.startswith(data["kind"].replace("callsite", "call") + ":") or data["kind"] == "revision"


def test_demo_graph_structure(demo_graph, demo_result):
    g = demo_graph
    assert g.graph["project"] == "demo-app" and g.graph["schema"] == "ptm-lint/graph/1"
    assert g.has_edge("project:demo-app", "file:app/train.py", "contains")
    call = "call:app/train.py:55:17"
    assert g.nodes[call]["role"] == "tokenizer" and g.nodes[call]["scope"] == "main"
    assert g.has_edge("file:app/train.py", call, "contains")
    model = "model:huggingface:distilbert/distilbert-base-uncased"
    assert g.has_edge(call, model, "loads") and g.edges[call, model, "loads"]["role"] == "tokenizer"
    rev = "revision:huggingface:distilbert/distilbert-base-uncased@main"
    assert g.has_edge(call, rev, "at_revision") and g.has_edge(model, rev, "has_revision")
    assert g.has_edge(call, "library:transformers", "uses_library")
    assert g.has_edge("project:demo-app", "library:transformers", "depends_on")
    assert g.nodes["library:transformers"]["declared"]
    # Datasets and models of the same name are different nodes; local paths are `local` nodes.
    assert g.nodes["dataset:huggingface:acme-ml/support-tickets"]["kind"] == "dataset"
    assert g.nodes["revision:dataset:huggingface:acme-ml/support-tickets@default"]["default"] is True
    assert g.nodes["local:./checkpoints/last"]["kind"] == "local"
    # Notebook call sites carry their cell; the tokenizer/model pair in one cell scope is linked.
    nb = "call:notebooks/explore.ipynb:cell6:1:13"
    assert g.nodes[nb]["cell"] == 6
    assert g.has_edge(nb, "call:notebooks/explore.ipynb:cell6:2:9", "pairs_with")
    # Tokenizer at 'main' vs model at a sha: linked, flagged as a revision mismatch.
    pair = g.edges["call:app/batch.py:18:17", "call:app/batch.py:19:13", "pairs_with"]
    assert pair == {"kind": "pairs_with", "relation": "tokenizer", "same_repo": True, "same_revision": False}
    assert g.edges["call:app/vision.py:64:17", "call:app/vision.py:65:13", "pairs_with"]["same_revision"] is True
    # Every reference is a call site, reachable from the project.
    calls = [n for n, d in g.nodes(data=True) if d["kind"] == "callsite"]
    assert len(calls) == len(demo_result.references)
    reachable = nx.descendants(g, "project:demo-app")
    assert set(calls) <= reachable
    # Unresolvable ids stand alone (no model node is invented).
    unknown = [n for n in calls if g.nodes[n].get("model") is None and g.nodes[n]["hub"] != "local"]
    assert unknown and all(not _loads(g, n) for n in unknown)


def _loads(g, node):
    return [v for _, v, k in g.out_edges(node, keys=True) if k == "loads"]


def test_graph_from_plain_references_and_findings():
    refs = (_ref(), _ref(line=2, role="tokenizer", api="transformers.AutoTokenizer.from_pretrained",
                         revision=SHA_A, pin="immutable"))
    g = build_graph(refs, "p")
    assert set(g.nodes) >= {"project:p", "file:app.py", "call:app.py:1:1", "model:huggingface:org/model",
                            "revision:huggingface:org/model@default", f"revision:huggingface:org/model@{SHA_A}"}
    assert g.nodes[f"revision:huggingface:org/model@{SHA_A}"]["sha"] == SHA_A


def test_metadata_adds_lineage_licenses_and_datasets():
    refs = (_ref(model="acme/lora", canonical="acme/lora", role="adapter", api="peft.PeftModel.from_pretrained",
                 library="peft", revision=SHA_A, pin="immutable"),
            _ref(line=3, model="acme/chat", canonical="acme/chat", revision="v1", pin="weak"))
    metadata = {
        ("huggingface", "acme/lora", SHA_A): _meta("acme/lora", "mit", ["acme/chat"], SHA_A, library_name="peft"),
        ("huggingface", "acme/chat", "v1"): _meta("acme/chat", "apache-2.0", ["meta-llama/Llama-3.1-8B"], "v1",
                                                   sha=SHA_B, datasets=("acme/tickets",)),
        ("huggingface", "acme/chat", None): _meta("acme/chat", "apache-2.0", ["meta-llama/Llama-3.1-8B"]),
        ("huggingface", "meta-llama/Llama-3.1-8B", None): _meta("meta-llama/Llama-3.1-8B", "llama3.1",
                                                                ["acme/lora"], gated="manual"),  # a cycle
    }
    g = build_graph(refs, "p", metadata)
    lora, chat, llama = ("model:huggingface:acme/lora", "model:huggingface:acme/chat",
                         "model:huggingface:meta-llama/Llama-3.1-8B")
    assert g.has_edge(lora, chat, "adapter_of")
    assert g.has_edge(chat, llama, "base_model")
    assert g.has_edge(chat, "dataset:huggingface:acme/tickets", "trained_on")
    assert g.nodes[llama]["referenced"] is False and g.nodes[chat]["referenced"] is True
    assert g.nodes[llama]["license_class"] == licenses.classify("llama3.1").id
    assert g.nodes[llama]["gated"] == "manual"
    assert g.nodes[chat]["license"] == "apache-2.0"
    assert g.nodes["revision:huggingface:acme/chat@v1"]["sha"] == SHA_B
    assert g.has_edge("call:app.py:1:1", "call:app.py:3:1", "pairs_with")  # adapter → its base in scope
    for fmt in ("json", "dot", "mermaid", "graphml"):
        assert render(g, fmt)


def test_expand_lineage_fetches_ancestors_generation_by_generation():
    cards = {"org/ft": ("mit", ["org/mid"]), "org/mid": ("mit", ["bert-base-uncased"]),
             "google-bert/bert-base-uncased": ("apache-2.0", ["org/ft"])}
    calls = []

    def lookup(refs):
        calls.append(sorted(r.canonical for r in refs))
        return {("huggingface", r.canonical, None): _meta(r.canonical, *cards[r.canonical]) for r in refs
                if r.canonical in cards}

    start = {("huggingface", "org/ft", SHA_A): _meta("org/ft", "mit", ["org/mid"], SHA_A)}
    out = expand_lineage(start, lookup)
    assert calls == [["org/mid"], ["google-bert/bert-base-uncased"], ["org/ft"]]
    assert ("huggingface", "google-bert/bert-base-uncased", None) in out and len(out) == 4
    assert expand_lineage(start, lookup, max_depth=1).keys() == {*start, ("huggingface", "org/mid", None)}
    assert expand_lineage(None, lookup) == {}


# -- exports --------------------------------------------------------------------------------------
def test_json_is_node_link_data_and_round_trips(demo_graph):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = render_json(demo_graph)
        data = json.loads(text)
        back = nx.node_link_graph(data, edges="edges")
    assert data["directed"] and data["multigraph"] and "edges" in data and "links" not in data
    assert all("kind" in n for n in data["nodes"]) and all("kind" in e for e in data["edges"])
    assert set(back.nodes) == set(demo_graph.nodes)
    assert sorted(back.edges(keys=True)) == sorted(demo_graph.edges(keys=True))
    assert back.nodes["call:app/train.py:55:17"] == demo_graph.nodes["call:app/train.py:55:17"]


def test_graphml_round_trips(demo_graph):
    back = nx.read_graphml(io.BytesIO(render_graphml(demo_graph).encode("utf-8")), force_multigraph=True)
    assert set(back.nodes) == set(demo_graph.nodes)
    assert sorted((u, v, d["kind"]) for u, v, d in back.edges(data=True)) == \
        sorted((u, v, d["kind"]) for u, v, d in demo_graph.edges(data=True))
    node = "call:app/train.py:55:17"
    assert back.nodes[node]["line"] == 55 and back.nodes[node]["kind"] == "callsite"
    with_options = [n for n, d in demo_graph.nodes(data=True) if d.get("options")]
    assert with_options
    assert json.loads(back.nodes[with_options[0]]["options"]) == demo_graph.nodes[with_options[0]]["options"]


# A tiny DOT reader for exactly what render_dot writes: quoted ids, `[k="v", ...]` lists.
_DOT_STRING = r'"(?:[^"\\]|\\.)*"'
_DOT_ATTRS = rf'(?: \[((?:[A-Za-z_]\w*={_DOT_STRING}(?:, )?)*)\])?'
_DOT_NODE = re.compile(rf"  ({_DOT_STRING}){_DOT_ATTRS};")
_DOT_EDGE = re.compile(rf"  ({_DOT_STRING}) -> ({_DOT_STRING}){_DOT_ATTRS};")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), text[1:-1])


def _dot_attrs(text: str | None) -> dict[str, str]:
    return {k: _unquote(v) for k, v in re.findall(rf"([A-Za-z_]\w*)=({_DOT_STRING})", text or "")}


def parse_dot(text: str):
    lines = text.splitlines()
    assert re.fullmatch(rf"digraph {_DOT_STRING} \{{", lines[0]) and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if re.fullmatch(r"  (graph|node|edge) \[.*\];", line):
            continue
        if m := _DOT_EDGE.fullmatch(line):
            edges.append((_unquote(m.group(1)), _unquote(m.group(2)), _dot_attrs(m.group(3))))
        elif m := _DOT_NODE.fullmatch(line):
            nodes[_unquote(m.group(1))] = _dot_attrs(m.group(2))
        else:
            raise AssertionError(f"not a DOT statement render_dot writes: {line!r}")
    return nodes, edges


def test_dot_parses_back(demo_graph):
    nodes, edges = parse_dot(render_dot(demo_graph))
    assert set(nodes) == set(demo_graph.nodes)
    assert sorted((u, v, a["kind"]) for u, v, a in edges) == \
        sorted((u, v, d["kind"]) for u, v, d in demo_graph.edges(data=True))
    assert nodes["call:app/train.py:55:17"]["label"] == demo_graph.nodes["call:app/train.py:55:17"]["label"]


# -- Mermaid: a strict validator for the subset render_mermaid writes --------------------------------
_MM_ID = r"[A-Za-z][A-Za-z0-9_]*"
_MM_LABEL = r'"((?:[^"\n\r<>&`|;#\x00-\x1f]|#[A-Za-z]+;|#\d+;)*)"'
_MM_SHAPES = [("[[", "]]"), ("([", "])"), ("[(", ")]"), ("{{", "}}"), ("[/", "/]"), ("[", "]"), ("(", ")")]
_MM_NODE = re.compile("    (" + _MM_ID + ")(?:" + "|".join(
    re.escape(o) + _MM_LABEL + re.escape(c) for o, c in _MM_SHAPES) + ")")
_MM_EDGE = re.compile(rf"    ({_MM_ID}) (-->|-\.->)\|{_MM_LABEL}\| ({_MM_ID})")
_MM_CLASSDEF = re.compile(r"    classDef ([A-Za-z][A-Za-z0-9_]*) ([a-z-]+:#?[A-Za-z0-9]+(?:,[a-z-]+:#?[A-Za-z0-9]+)*)")
_MM_CLASS = re.compile(rf"    class ({_MM_ID}(?:,{_MM_ID})*) ([A-Za-z][A-Za-z0-9_]*)")
_MM_KEYWORDS = {"end", "graph", "flowchart", "subgraph", "class", "classdef", "style", "linkstyle", "click",
                "direction", "default", "call", "href"}


def validate_mermaid(text: str) -> tuple[set[str], int]:
    """Raise AssertionError unless `text` is a well-formed flowchart in render_mermaid's subset."""
    assert text.endswith("\n") and "\r" not in text
    lines = text[:-1].split("\n")
    assert lines[0] == "flowchart LR", lines[0]
    declared: set[str] = set()
    classes: set[str] = set()
    edges = 0
    for line in lines[1:]:
        if m := _MM_NODE.fullmatch(line):
            node = m.group(1)
            assert node.lower() not in _MM_KEYWORDS, node
            assert node not in declared, f"node {node} declared twice"
            declared.add(node)
        elif m := _MM_EDGE.fullmatch(line):
            assert m.group(1) in declared and m.group(4) in declared, line
            edges += 1
        elif m := _MM_CLASSDEF.fullmatch(line):
            assert m.group(1).lower() != "default"
            classes.add(m.group(1))
        elif m := _MM_CLASS.fullmatch(line):
            assert m.group(2) in classes, line
            assert all(n in declared for n in m.group(1).split(",")), line
        else:
            raise AssertionError(f"not valid in the emitted Mermaid subset: {line!r}")
    return declared, edges


def test_mermaid_demo_is_valid(demo_graph):
    declared, edges = validate_mermaid(render_mermaid(demo_graph))
    assert len(declared) == demo_graph.number_of_nodes() and edges == demo_graph.number_of_edges()


HOSTILE = [
    'org/"quoted"', "org/<script>alert(1)</script>", "org/[brackets](parens){braces}", "org/模型-ünï",
    "org/line\nbreak\r\nand\ttab", "org/pipe|semi;hash#35;amp&", "org/`markdown`", "end", "org/end",
    "org/%%comment", "org/back\\slash", "org/-->|x| y", "org/\x00nul\x1b", "org/\u2028sep",
]


def _hostile_graph():
    refs = tuple(
        _ref(path=f'dir "{n}"/<f>.py' if n % 2 else f"p{n}\n.py", line=n + 1, model=text, canonical=text,
             revision=text if n % 3 == 0 else None, scope=text)
        for n, text in enumerate(HOSTILE)
    )
    return build_graph(refs, 'proj "x" <y>\n')


def test_exports_survive_hostile_labels():
    g = _hostile_graph()
    declared, edges = validate_mermaid(render_mermaid(g))
    assert len(declared) == g.number_of_nodes() and edges == g.number_of_edges()
    nodes, dot_edges = parse_dot(render_dot(g))
    def dot_text(text):  # what survives DOT quoting: line breaks as \n, other control characters as spaces
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return re.sub("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]", " ", text)

    assert set(nodes) == {dot_text(n) for n in g.nodes}
    assert {a["label"] for a in nodes.values()} == {dot_text(d["label"]) for _, d in g.nodes(data=True)}
    assert len(dot_edges) == g.number_of_edges()
    assert "<script>" not in render_mermaid(g) and '"quoted"' not in render_mermaid(g)
    back = nx.read_graphml(io.BytesIO(render_graphml(g).encode("utf-8")), force_multigraph=True)
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    data = json.loads(render_json(g))
    assert nx.node_link_graph(data, edges="edges").number_of_nodes() == g.number_of_nodes()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_mermaid_label_is_always_safe(text):
    label = mermaid_label(text)
    assert re.fullmatch(_MM_LABEL, f'"{label}"'), label


_MERMAID_JS = """
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, maxEdges: 1000000, maxTextSize: 100000000 });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try { await mermaid.parse(readFileSync(file, "utf8")); }
  catch (e) { failed++; console.log(file + ": " + String((e && e.message) || e)); }
}
process.exit(failed ? 1 : 0);
"""


def test_mermaid_real_parser(tmp_path, demo_graph):
    """With PTM_LINT_MERMAID_DIR pointing at a directory where `npm install mermaid jsdom` ran, parse the
    output with Mermaid's own parser; skipped otherwise (no network in tests)."""
    where = os.environ.get("PTM_LINT_MERMAID_DIR")
    node = shutil.which("node")
    if not where or not node or not (Path(where) / "node_modules" / "mermaid").is_dir():
        pytest.skip("set PTM_LINT_MERMAID_DIR to a directory with node_modules/{mermaid,jsdom} to run")
    (tmp_path / "node_modules").symlink_to(Path(where).resolve() / "node_modules")
    script = tmp_path / "parse.mjs"
    script.write_text(_MERMAID_JS)
    demo, hostile = tmp_path / "demo.mmd", tmp_path / "hostile.mmd"
    demo.write_text(render_mermaid(demo_graph))
    hostile.write_text(render_mermaid(_hostile_graph()))
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart LR\n    a["x"y"] --> b\n')
    ok = subprocess.run([node, str(script), str(demo), str(hostile)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert subprocess.run([node, str(script), str(bad)], capture_output=True, timeout=120).returncode == 1


# -- CLI ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "dot", "mermaid", "graphml"])
def test_cli_graph_exports_demo(tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", str(DEMO), "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        g = nx.node_link_graph(json.loads(text), edges="edges")
        assert "project:demo-app" in g and g.number_of_nodes() > 100
    elif fmt == "graphml":
        assert "file:app/train.py" in nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)
    elif fmt == "dot":
        assert "file:app/train.py" in parse_dot(text)[0]
    else:
        validate_mermaid(text)


def test_cli_graph_name_and_stdout(capsys):
    assert main(["graph", str(DEMO / "app" / "train.py"), "--root", str(DEMO), "--name", "x", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {n["id"] for n in data["nodes"] if n["kind"] == "project"} == {"project:x"}
    assert {n["kind"] for n in data["nodes"]} >= {"file", "callsite", "model", "library"}


def test_check_does_not_import_networkx(tmp_path):
    (tmp_path / "a.py").write_text('from transformers import AutoModel\nAutoModel.from_pretrained("gpt2")\n')
    code = ("import sys; from ptm_lint.cli import main; "
            f"rc = main(['check', {str(tmp_path)!r}, '--exit-zero', '-o', {str(tmp_path / 'out.txt')!r}]); "
            "assert rc == 0; assert 'networkx' not in sys.modules, 'networkx imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# -- PTM501 / PTM502 ------------------------------------------------------------------------------
def _rules(findings, *ids):
    return [f for f in findings if f.rule in ids]


def test_ptm501_across_files_and_not_within_one_function(tmp_path):
    files = {
        "train.py": f'from transformers import AutoModel\n\ndef train():\n    return AutoModel.from_pretrained("org/m", revision="{SHA_A}")\n',
        "serve.py": 'from transformers import AutoModel\n\ndef serve():\n    return AutoModel.from_pretrained("org/m", revision="v2")\n',
        "nb_like.py": 'from transformers import AutoModel\nx = AutoModel.from_pretrained("org/M", revision="main")\n',
        "compare.py": ('from transformers import AutoModel\n\ndef compare():\n'
                       f'    a = AutoModel.from_pretrained("org/other", revision="{SHA_A}")\n'
                       f'    b = AutoModel.from_pretrained("org/other", revision="{SHA_B}")\n'),
    }
    hits = _rules(check_files(tmp_path, files), "PTM501")
    # The pinned revision is the reference: the tag and the branch (case-insensitive id) are reported.
    assert sorted((f.path, f.line) for f in hits) == [("nb_like.py", 2), ("serve.py", 4)]
    assert "train.py:4" in hits[0].message and SHA_A[:12] in hits[0].message


def test_ptm501_unknown_revisions_and_repo_types_are_kept_apart(tmp_path):
    files = {"a.py": ('import os\nfrom datasets import load_dataset\nfrom transformers import AutoModel\n\n'
                      'def f():\n    return load_dataset("org/x")\n\n'
                      f'def g():\n    return AutoModel.from_pretrained("org/x", revision="{SHA_A}")\n\n'
                      'def h():\n    return AutoModel.from_pretrained("org/x", revision=os.environ["REV"])\n')}
    assert not _rules(check_files(tmp_path, files), "PTM501")


def test_ptm502_pairs(check):
    src = ("from transformers import AutoModel, AutoTokenizer, AutoConfig\n\n"
           "def a():\n"
           f'    t = AutoTokenizer.from_pretrained("org/m", revision="{SHA_B}")\n'
           f'    c = AutoConfig.from_pretrained("org/m", revision="{SHA_A}")\n'
           f'    return t, c, AutoModel.from_pretrained("org/m", revision="{SHA_A}")\n\n'
           "def b():\n"
           '    t = AutoTokenizer.from_pretrained("org/m")\n'
           '    return t, AutoModel.from_pretrained("org/m", revision="main")\n\n'
           "def c():\n"
           '    t = AutoTokenizer.from_pretrained("google-bert/bert-base-multilingual-cased")\n'
           '    return t, AutoModel.from_pretrained("google-bert/bert-base-multilingual-uncased")\n\n'
           "def d():\n"
           '    t = AutoTokenizer.from_pretrained("org/base")\n'
           '    return t, AutoModel.from_pretrained("org/finetuned")\n')
    hits = _rules(check(src, select=("PTM502",)), "PTM502")
    assert [(f.line, f.message.split()[0]) for f in hits] == [(4, "tokenizer"), (13, "tokenizer")]
    assert "cased/uncased" in hits[1].message


def test_metadata_makes_refs_to_one_commit_equal(tmp_path):
    src = ("from transformers import AutoModel, AutoTokenizer\n\n"
           'def load():\n    t = AutoTokenizer.from_pretrained("org/m", revision="v1.4")\n'
           f'    return t, AutoModel.from_pretrained("org/m", revision="{SHA_A}")\n')
    (tmp_path / "a.py").write_text(src)
    result = scan_paths([tmp_path], root=tmp_path)
    meta = {("huggingface", "org/m", "v1.4"): _meta("org/m", revision="v1.4", sha=SHA_A)}

    def run(metadata):
        ctx = Context(project=None, catalog=default_catalog(), references=result.references, metadata=metadata)
        findings, _ = run_checks(result.references, result.by_path, default_rules(),
                                 Selection(select=("PTM502",)), ctx)
        return findings

    assert len(run(None)) == 1
    assert run(meta) == []


def test_project_findings_honour_suppressions_ignores_and_selection(tmp_path):
    files = {
        "a.py": f'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", revision="{SHA_A}")\n',
        "b.py": 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m")  # ptm-lint: ignore[PTM501]\n',
        "c.py": 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", revision="v1")  # noqa: PTM501\n',
        "d.py": 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", revision="v2")\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = scan_paths([tmp_path], root=tmp_path)
    ctx = Context(project=None, catalog=default_catalog(), references=result.references)

    def run(selection):
        return run_checks(result.references, result.by_path, default_rules(), selection, ctx)

    findings, unused = run(Selection(select=("PTM5",)))
    by_path = {f.path: f.suppressed for f in findings if f.rule == "PTM501"}
    assert by_path == {"b.py": True, "c.py": True, "d.py": False}
    assert not [u for u in unused if u[0] in ("b.py", "c.py")]
    assert all(f.reference is not None and result.references[f.reference].path == f.path for f in findings)
    # Per-file ignores drop the file from the rule's input: d.py's 'v2' is no longer "elsewhere".
    findings, _ = run(Selection(select=("PTM501",), per_file_ignores=(("d.py", ("PTM501",)),)))
    assert {f.path for f in findings} == {"b.py", "c.py"}
    assert "v2" not in " ".join(f.message for f in findings)
    # Selection: ignored, or not selected, the rule does not run; by default PTM501/502 run, PTM503 not.
    assert not [f for f in run(Selection(select=("PTM1",)))[0] if f.rule.startswith("PTM5")]
    assert not [f for f in run(Selection(ignore=("PTM501",)))[0] if f.rule == "PTM501"]
    default = {r.id for r in Selection().enabled(default_rules())}
    assert {"PTM501", "PTM502"} <= default and "PTM503" not in default
    assert "PTM503" in {r.id for r in Selection(extend_select=("PTM503",)).enabled(default_rules())}


def test_cli_check_reports_project_rules(tmp_path, capsys):
    (tmp_path / "a.py").write_text(
        "from transformers import AutoModel, AutoTokenizer\n"
        f'tok = AutoTokenizer.from_pretrained("org/m")\nm = AutoModel.from_pretrained("org/m", revision="{SHA_A}")\n')
    assert main(["check", str(tmp_path), "--select", "PTM502", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["line"], f["name"]) for f in data["findings"]] == \
        [("PTM502", 2, "mismatched-tokenizer-revision")]


# -- PTM503 and the license classes ---------------------------------------------------------------
_CARD = re.compile(r"# model card of (\S+): license ([^\s,]+)(?:, base_model (\S+))?(.*)")


def _example_metadata(code: str, references) -> dict:
    cards = {}
    for m in _CARD.finditer(code):
        repo, lic, base, rest = m.groups()
        cards[repo] = dict(license=lic, base=[base] if base else [],
                           library_name="peft" if "peft" in rest else None)
    metadata = {}
    for repo, card in cards.items():
        metadata[("huggingface", repo, None)] = _meta(repo, card["license"], card["base"],
                                                      library_name=card["library_name"])
    for ref in references:
        if ref.canonical in cards:
            card = cards[ref.canonical]
            metadata[("huggingface", ref.canonical, ref.revision)] = _meta(
                ref.canonical, card["license"], card["base"], ref.revision, library_name=card["library_name"])
    return metadata


PTM503 = next(r for r in default_rules() if r.id == "PTM503")


@pytest.mark.parametrize(("kind", "n"), [("bad", n) for n in range(len(PTM503.bad))]
                         + [("good", n) for n in range(len(PTM503.good))])
def test_ptm503_examples_with_their_metadata(tmp_path, kind, n):
    example = getattr(PTM503, kind)[n]
    (tmp_path / "example.py").write_text(example.code)
    result = scan_paths([tmp_path], root=tmp_path)
    metadata = _example_metadata(example.code, result.references)
    assert metadata
    ctx = Context(project=None, catalog=default_catalog(), references=result.references, metadata=metadata)
    findings, _ = run_checks(result.references, result.by_path, default_rules(), Selection(select=("PTM503",)), ctx)
    if kind == "bad":
        assert findings and all(f.name == "license-lineage-conflict" for f in findings)
    else:
        assert not findings, [f.message for f in findings]
    # Offline the same code is silent.
    offline = Context(project=None, catalog=default_catalog(), references=result.references)
    assert not run_checks(result.references, result.by_path, default_rules(), Selection(select=("PTM503",)),
                          offline)[0]


def test_ptm503_walks_the_lineage():
    refs = (_ref(model="a/quant", canonical="a/quant"),)
    metadata = {
        ("huggingface", "a/quant", None): _meta("a/quant", "mit", ["a/ft"]),
        ("huggingface", "a/ft", None): _meta("a/ft", "mit", ["bert-base-uncased"]),
        ("huggingface", "google-bert/bert-base-uncased", None): _meta("google-bert/bert-base-uncased",
                                                                     "cc-by-nc-sa-4.0", ["a/quant"]),
    }
    ctx = Context(project=None, catalog=default_catalog(), references=refs, metadata=metadata)
    hits = list(implementation("PTM503").check(refs, ctx))
    assert len(hits) == 1 and "google-bert/bert-base-uncased" in hits[0][1].message
    assert "2 levels up" in hits[0][1].message


def test_license_classes():
    table = licenses.default_licenses()
    assert table.classify("Apache-2.0").id == "permissive"
    assert table.classify("other") is None and table.classify(None) is None
    assert licenses.derivative_conflict("llama3.1", "apache-2.0")
    assert licenses.derivative_conflict("cc-by-nc-4.0", "mit")
    assert licenses.derivative_conflict("openrail", "apache-2.0")
    assert licenses.derivative_conflict("cc-by-sa-4.0", "mit")
    assert licenses.derivative_conflict("cc-by-nd-4.0", "cc-by-nd-4.0")
    assert not licenses.derivative_conflict("apache-2.0", "cc-by-nc-4.0")
    assert not licenses.derivative_conflict("llama3", "llama3.1")
    assert not licenses.derivative_conflict("gemma", "other")
    for cls in table.classes.values():
        assert cls.commercial_use in licenses.COMMERCIAL


@pytest.mark.parametrize("data", [
    {},
    {"classes": {"a": {"commercial_use": "maybe", "licenses": ["x"]}}},
    {"classes": {"a": {"commercial_use": "yes", "licenses": ["x"]}, "b": {"commercial_use": "no", "licenses": ["X"]}}},
    {"classes": {"a": {"commercial_use": "yes", "derivatives": ["nope"]}}},
    {"classes": {"a": {"commercial_use": "yes", "colour": "red"}}},
])
def test_license_data_is_validated(data):
    with pytest.raises(CatalogError):
        licenses.parse_licenses(data)
