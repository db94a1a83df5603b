"""The real-world scorer (scripts/score_realworld.py): label validation, matching and the figures, offline."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _load_scorer():
    sys.path.insert(0, str(SCRIPTS))  # the scorer imports its sibling realworld_fetch
    try:
        spec = importlib.util.spec_from_file_location("score_realworld", SCRIPTS / "score_realworld.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["score_realworld"] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


sr = _load_scorer()

LABELS = '''
[source]
kind = "github"
repo = "acme/chat-demo"
commit = "0123456789abcdef0123456789abcdef01234567"
scope = ["app/", "notebooks/demo.ipynb"]
kind_of_code = "app"
hubs = ["huggingface", "torch_hub"]
labelled_by = "hand, test"

[[load]]                       # 1: found, right id, right pin
path = "app/serve.py"
line = 12
api = "transformers.AutoTokenizer.from_pretrained"
hub = "huggingface"
role = "tokenizer"
model = "bert-base-uncased"
knowable = true
pin = "mutable"

[[load]]                       # 2: same line as 1, told apart by the api suffix; tool gives the canonical id
path = "app/serve.py"
line = 12
api = "transformers.AutoModel.from_pretrained"
hub = "huggingface"
role = "model"
model = "google-bert/bert-base-uncased"
knowable = true
pin = "mutable"

[[load]]                       # 3: found, wrong id (tool has none) and wrong pin
path = "app/serve.py"
line = 30
api = "torch.hub.load"
hub = "torch_hub"
role = "model"
model = "pytorch/vision"
revision = "v0.10.0"
knowable = true
pin = "weak"

[[load]]                       # 4: helper called with two ids (and by a CLI with a value from outside);
                               #    the tool lists both ids as candidates, plus an unknown one
path = "app/helpers.py"
line = 5
api = "sentence_transformers.SentenceTransformer"
hub = "huggingface"
role = "model"
models = ["org/a", "org/b"]
knowable = true
pin = "mutable"

[[load]]                       # 5: id from the user: not counted in id resolution
path = "app/helpers.py"
line = 9
api = "transformers.pipeline"
hub = "huggingface"
role = "pipeline"
knowable = false
pin = "unknown"

[[load]]                       # 6: missed
path = "notebooks/demo.ipynb"
cell = 3
line = 2
api = "diffusers.DiffusionPipeline.from_pretrained"
hub = "huggingface"
role = "pipeline"
model = "stabilityai/sdxl-turbo"
knowable = true
pin = "mutable"
'''


def _ref(path, line, api, *, cell=None, model=None, canonical=None, pin="mutable", candidates=None):
    return {"path": path, "cell": cell, "line": line, "column": 1, "api": api, "hub": "huggingface",
            "model": model, "canonical": canonical, "pin": pin, "candidates": candidates}


INVENTORY = {
    "schema": "ptm-lint/inventory/1",
    "references": [
        # the tool lists the model call first: matching must not depend on order
        _ref("app/serve.py", 12, "transformers.AutoModel.from_pretrained", model="bert-base-uncased",
             canonical="google-bert/bert-base-uncased"),
        _ref("app/serve.py", 12, "transformers.AutoTokenizer.from_pretrained", model="bert-base-uncased",
             canonical="google-bert/bert-base-uncased"),
        _ref("app/serve.py", 30, "torch.hub.load", pin="unknown"),
        _ref("app/helpers.py", 5, "sentence_transformers.SentenceTransformer", model=None, pin="unknown", candidates=[
            {"model": "org/b", "revision": None, "pin": "mutable", "path": "app/main.py", "line": 3},
            {"model": "org/a", "revision": None, "pin": "mutable", "path": "app/main.py", "line": 4},
            {"model": None, "revision": None, "pin": "unknown", "path": "app/cli.py", "line": 9},
        ]),
        _ref("app/helpers.py", 9, "transformers.pipeline", pin="unknown"),
        _ref("app/helpers.py", 20, "transformers.AutoConfig.from_pretrained", model="./out"),  # false positive
        _ref("tests/test_app.py", 3, "transformers.AutoModel.from_pretrained", model="x/y"),  # out of scope
    ],
    "models": [],
    "errors": [],
}


@pytest.fixture()
def labelled(tmp_path):
    path = tmp_path / "chat-demo.toml"
    path.write_text(LABELS, encoding="utf-8")
    return sr.read_labels(path)


def test_figures_of_a_labelled_source(labelled):
    score = sr.score_source("chat-demo", labelled.loads, sr.refs_from_inventory(INVENTORY), labelled.source.scope)
    assert (score.loads, score.refs, score.matched) == (6, 6, 5)
    assert score.recall == pytest.approx(5 / 6)
    assert score.precision == pytest.approx(5 / 6)
    # knowable and matched: loads 1, 2, 3, 4; load 3 has no id from the tool
    assert (score.ids_ok, score.knowable) == (3, 4)
    # pins: load 3 labelled weak, tool says unknown; load 4 is judged on its known candidates' pins
    assert (score.pins_ok, score.matched) == (4, 5)
    assert [m.where for m in score.misses] == ["notebooks/demo.ipynb:2 [cell 3]"]
    assert [r.where for r in score.false_positives] == ["app/helpers.py:20"]
    assert [m.load.line for m in score.wrong_ids] == [30]
    assert [(m.load.pin, m.ref.pin) for m in score.wrong_pins] == [("weak", "unknown")]


def test_same_line_loads_are_paired_by_api_suffix(labelled):
    matches, _, _ = sr.match(labelled.loads, sr.refs_from_inventory(INVENTORY))
    on_line_12 = {m.load.api: m.ref.api for m in matches if m.load.line == 12}
    assert on_line_12 == {
        "transformers.AutoTokenizer.from_pretrained": "transformers.AutoTokenizer.from_pretrained",
        "transformers.AutoModel.from_pretrained": "transformers.AutoModel.from_pretrained",
    }


def test_id_matching_rules():
    load = sr.Load(path="a.py", line=1, api="x", hub="huggingface", role="model", knowable=True, pin="mutable",
                   models=("gpt2",))
    as_written = sr.Ref(path="a.py", line=1, api="x", pin="mutable", model="gpt2",
                        canonical="openai-community/gpt2")
    assert sr.id_ok(sr.Match(load, as_written))
    other_case = sr.Ref(path="a.py", line=1, api="x", pin="mutable", model="GPT2")
    assert not sr.id_ok(sr.Match(load, other_case))  # case-sensitive on the id as written
    # an extra unknown candidate (a caller outside the repo) is tolerated; unknown alone or another id is not
    assert sr.id_ok(sr.Match(load, sr.Ref(path="a.py", line=1, api="x", pin="mutable", candidates=("gpt2", None))))
    assert not sr.id_ok(sr.Match(load, sr.Ref(path="a.py", line=1, api="x", pin="mutable", candidates=(None,))))
    assert not sr.id_ok(sr.Match(load, sr.Ref(path="a.py", line=1, api="x", pin="mutable",
                                              candidates=("gpt2", "distilgpt2"))))
    assert not sr.id_ok(sr.Match(load, sr.Ref(path="a.py", line=1, api="x", pin="mutable", model=None)))


def test_pin_of_a_reference_with_candidates():
    load = sr.Load(path="a.py", line=1, api="x", hub="huggingface", role="model", knowable=True, pin="mutable",
                   models=("org/a", "org/b"))
    both = sr.Ref(path="a.py", line=1, api="x", pin="unknown", candidates=("org/a", "org/b", None),
                  candidate_pins=("mutable", "mutable", "unknown"))
    assert sr.pin_ok(sr.Match(load, both))
    # the label's one pin is the least safe of its ids', like the reference's own pin
    one_pinned = sr.Ref(path="a.py", line=1, api="x", pin="mutable", candidates=("org/a", "org/b"),
                        candidate_pins=("mutable", "immutable"))
    assert sr.pin_ok(sr.Match(load, one_pinned))
    both_pinned = sr.Ref(path="a.py", line=1, api="x", pin="immutable", candidates=("org/a", "org/b"),
                         candidate_pins=("immutable", "immutable"))
    assert not sr.pin_ok(sr.Match(load, both_pinned))
    # an unknown candidate only where the label lists the known ids: theirs decide, not the extra one
    pinned_and_unknown = sr.Ref(path="a.py", line=1, api="x", pin="unknown", candidates=("org/a", "org/b", None),
                                candidate_pins=("immutable", "immutable", "unknown"))
    assert not sr.pin_ok(sr.Match(load, pinned_and_unknown))
    # an unknowable load is unknown: the reference's pin says so whatever its known candidates are
    unknowable = sr.Load(path="a.py", line=1, api="x", hub="huggingface", role="model", knowable=False,
                         pin="unknown")
    some_known = sr.Ref(path="a.py", line=1, api="x", pin="unknown", candidates=("csv", None),
                        candidate_pins=("local", "unknown"))
    assert sr.pin_ok(sr.Match(unknowable, some_known))
    assert not sr.pin_ok(sr.Match(unknowable, sr.Ref(path="a.py", line=1, api="x", pin="local", model="csv")))


def test_totals_and_outputs(labelled):
    one = sr.score_source("chat-demo", labelled.loads, sr.refs_from_inventory(INVENTORY), labelled.source.scope)
    tot = sr.total([one, one])
    assert (tot.loads, tot.refs, tot.matched, tot.knowable, tot.ids_ok, tot.pins_ok) == (12, 12, 10, 8, 6, 8)
    table = sr.markdown([(labelled.source, one), (None, tot)])
    assert "| chat-demo (acme/chat-demo@0123456789) | app | 6 | 6 | 5/6 (83.3 %) | 5/6 (83.3 %) | 3/4 (75.0 %) |" in table
    assert table.splitlines()[-1].startswith("| **total** |")
    data = sr.as_json([(labelled.source, one), (None, tot)], {})
    json.dumps(data)  # serialisable
    assert data["sources"][0]["misses"] == [{"path": "notebooks/demo.ipynb", "cell": 3, "line": 2,
                                             "api": "diffusers.DiffusionPipeline.from_pretrained"}]
    assert data["total"]["recall"] == pytest.approx(10 / 12)
    text = sr.details("chat-demo", one)
    assert "- miss: notebooks/demo.ipynb:2 [cell 3]" in text
    assert "- false positive: app/helpers.py:20" in text
    assert "- wrong pin: app/serve.py:30 torch.hub.load: labelled weak, got unknown" in text


def test_scope_matching():
    assert sr.in_scope("app/x.py", ["app/"]) and sr.in_scope("app/x.py", ["app"])
    assert not sr.in_scope("application/x.py", ["app"])
    assert sr.in_scope("anything.py", [""])
    assert sr.in_scope("notebooks/demo.ipynb", ["notebooks/demo.ipynb"])


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('kind = "github"', 'kind = "gitlab"'), "`kind` must be"),
    (lambda t: t.replace('commit = "0123456789abcdef0123456789abcdef01234567"', 'commit = "main"'), "40-hex"),
    (lambda t: t.replace('pin = "weak"', 'pin = "pinned"'), "`pin` must be one of"),
    (lambda t: t.replace('line = 30', 'line = "30"'), "`line` must be int"),
    (lambda t: t.replace('line = 30', 'line = 0'), "`line` out of range"),
    (lambda t: t.replace('path = "app/helpers.py"\nline = 5', 'path = "lib/helpers.py"\nline = 5'), "outside the source's scope"),
    (lambda t: t.replace('cell = 3\n', ''), "`cell` is required for a notebook"),
    (lambda t: t.replace('models = ["org/a", "org/b"]', 'models = ["org/a"]'), "at least two distinct ids"),
    (lambda t: t.replace('role = "pipeline"\nknowable = false', 'role = "pipeline"\nmodel = "x/y"\nknowable = false'),
     "knowable = false must not name a model"),
    (lambda t: t.replace('pin = "mutable"\n', 'pin = "mutable"\ncolour = "red"\n', 1), "unknown key `colour`"),
    (lambda t: t + '\n[[load]]\npath = "app/serve.py"\nline = 12\napi = "transformers.AutoModel.from_pretrained"\n'
               'hub = "huggingface"\nrole = "model"\nknowable = false\npin = "unknown"\n', "same site and api as #2"),
    (lambda t: t.replace("[source]", "[sauce]"), "missing [source] table"),
    (lambda t: t.replace('scope = ["app/", "notebooks/demo.ipynb"]', 'scope = ["../etc"]'), "relative posix path"),
])
def test_invalid_label_files_are_rejected_with_a_clear_message(tmp_path, edit, message):
    path = tmp_path / "bad.toml"
    path.write_text(edit(LABELS), encoding="utf-8")
    with pytest.raises(sr.LabelError, match=re.escape(message)):
        sr.read_labels(path)


def test_a_toml_syntax_error_is_a_label_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[source\n", encoding="utf-8")
    with pytest.raises(sr.LabelError, match="cannot read"):
        sr.read_labels(path)


def test_every_committed_label_file_is_valid():
    files = sorted((SCRIPTS.parent / "testdata" / "realworld").glob("*.toml"))
    assert files, "no label files"
    for f in files:
        labels = sr.read_labels(f)
        assert labels.loads


def test_invalid_labels_stop_the_run_before_any_scan(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text(LABELS.replace('pin = "weak"', 'pin = "solid"'), encoding="utf-8")
    assert sr.main(["--labels", str(tmp_path), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: invalid label file" in err and "`pin` must be one of" in err
    assert not (tmp_path / "cache").exists()


def test_a_boolean_is_not_a_line_number(tmp_path):
    path = tmp_path / "bool.toml"
    path.write_text(LABELS.replace("line = 30", "line = true"), encoding="utf-8")
    with pytest.raises(sr.LabelError, match=re.escape("`line` must be int, got bool True")):
        sr.read_labels(path)
