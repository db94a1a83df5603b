"""ModelScope is a hub of its own: ids, revision semantics (master, tags, commits), rules, graph and SBOM."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import check_files, settings_for
from example_project import write_example_project
from ptm_lint import api
from ptm_lint.cli import main

COMMIT = "2b7a2e1e5c4f1d2a9e8b7c6d5f4e3a2b1c0d9e8f"

# In the style of the Qwen / FunASR / ModelScope tutorials, where these calls come from.
APP = f'''
import os

import torch
from modelscope import AutoModelForCausalLM, AutoTokenizer, snapshot_download
from modelscope.hub.file_download import model_file_download
from modelscope.msdatasets import MsDataset
from modelscope.pipelines import pipeline
from modelscope.utils.constant import Tasks

MODEL_ID = "qwen/Qwen2-7B-Instruct"
CACHE = "/root/autodl-tmp"

model_dir = snapshot_download(MODEL_ID, cache_dir=CACHE, revision="master")
tokenizer = AutoTokenizer.from_pretrained("qwen/Qwen1.5-7B-Chat", revision="v1.0.5", trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained("qwen/Qwen1.5-7B-Chat", revision="{COMMIT}",
                                             torch_dtype=torch.bfloat16, device_map="auto")
local = AutoModelForCausalLM.from_pretrained("/root/autodl-tmp/qwen/Qwen2-7B-Instruct")
ocr = pipeline(Tasks.ocr_recognition, model="cv_convnextTiny_ocr-recognition-general_damo",
               model_revision="v1.0.1")
sentiment = pipeline(task=Tasks.text_classification,
                     model="damo/nlp_structbert_sentiment-classification_chinese-base")
train = MsDataset.load("clue", subset_name="afqmc", split="train")
poems = MsDataset.load("chinese-poetry-collection", namespace="modelscope", version="v1.0.0")
imdb = MsDataset.load("stanfordnlp/imdb", hub="huggingface")
config = model_file_download(model_id="AI-ModelScope/bert-base-uncased", file_path="config.json")
'''


@pytest.fixture
def references(tmp_path):
    write_example_project(tmp_path, {"app.py": APP})
    return {ref.line: ref for ref in api.scan(settings_for(tmp_path)).references}


@pytest.mark.parametrize(("line", "hub", "role", "canonical", "revision", "pin"), [
    (14, "modelscope", "model", "qwen/Qwen2-7B-Instruct", "master", "mutable"),
    (15, "modelscope", "tokenizer", "qwen/Qwen1.5-7B-Chat", "v1.0.5", "weak"),
    (16, "modelscope", "model", "qwen/Qwen1.5-7B-Chat", COMMIT, "immutable"),
    (18, "local", "model", None, None, "local"),
    (19, "modelscope", "pipeline", "damo/cv_convnextTiny_ocr-recognition-general_damo", "v1.0.1", "weak"),
    (21, "modelscope", "pipeline", "damo/nlp_structbert_sentiment-classification_chinese-base", None, "mutable"),
    (23, "modelscope", "dataset", "modelscope/clue", None, "mutable"),
    (24, "modelscope", "dataset", "modelscope/chinese-poetry-collection", "v1.0.0", "weak"),
    (25, "huggingface", "dataset", "stanfordnlp/imdb", None, "mutable"),
    (26, "modelscope", "model", "AI-ModelScope/bert-base-uncased", None, "mutable"),
])
def test_modelscope_loads_are_classified(references, line, hub, role, canonical, revision, pin):
    ref = references[line]
    assert (ref.hub, ref.role, ref.canonical, ref.revision, ref.pin) == (hub, role, canonical, revision, pin)


def test_unpinned_modelscope_loads_are_reported(tmp_path):
    findings = check_files(tmp_path, {"app.py": APP}, select=("PTM108", "PTM201"))
    by_line = {(f.line, f.rule): f for f in findings}
    assert by_line[(14, "PTM108")].level == "warning" and "'master' is a branch" in by_line[(14, "PTM108")].message
    assert by_line[(15, "PTM108")].level == "note"  # a tag: weak
    assert (16, "PTM108") not in by_line  # a commit
    assert (18, "PTM108") not in by_line  # a local folder
    assert "model_revision=" in by_line[(21, "PTM108")].message
    assert "version=" in by_line[(23, "PTM108")].message and "'modelscope/clue'" in by_line[(23, "PTM108")].message
    assert (25, "PTM108") not in by_line  # MsDataset.load(hub="huggingface") is a Hugging Face load
    assert "from ModelScope" in by_line[(15, "PTM201")].message and by_line[(15, "PTM201")].level == "error"


def test_master_and_no_revision_are_the_same_revision(tmp_path):
    """PTM501 compares revisions per hub: ModelScope's default branch is master, not main."""
    a = 'from modelscope import snapshot_download\nd = snapshot_download("qwen/Qwen2-7B-Instruct")\n'
    b = 'from modelscope import snapshot_download\nd = snapshot_download("qwen/Qwen2-7B-Instruct", revision="master")\n'
    c = f'from modelscope import snapshot_download\nd = snapshot_download("qwen/Qwen2-7B-Instruct", revision="{COMMIT}")\n'
    (tmp_path / "same").mkdir()
    (tmp_path / "differ").mkdir()
    assert [f for f in check_files(tmp_path / "same", {"a.py": a, "b.py": b}, select=("PTM501",))] == []
    assert {f.path for f in check_files(tmp_path / "differ", {"a.py": a, "c.py": c}, select=("PTM501",))} == {"a.py"}


def test_sbom_names_modelscope_components(tmp_path, capsys):
    write_example_project(tmp_path, {"app.py": APP})
    assert main(["sbom", str(tmp_path), "--no-cache"]) == 0
    components = {c["bom-ref"]: c for c in json.loads(capsys.readouterr().out)["components"]}
    pinned = f"pkg:generic/qwen/Qwen1.5-7B-Chat@{COMMIT}?repository_url=https://www.modelscope.cn/models"
    assert components[pinned]["version"] == COMMIT
    assert components["modelscope:qwen/Qwen2-7B-Instruct@master"]["purl"] == (
        "pkg:generic/qwen/Qwen2-7B-Instruct?repository_url=https://www.modelscope.cn/models")
    data = components["modelscope-dataset:modelscope/clue"]
    assert data["type"] == "data" and data["data"][0]["contents"]["url"] == "https://www.modelscope.cn/datasets/modelscope/clue"
    assert any(c.get("purl", "").startswith("pkg:huggingface/stanfordnlp/imdb") for c in components.values())


def test_inventory_json_names_the_hub(tmp_path, capsys):
    write_example_project(tmp_path, {"app.py": textwrap.dedent('''
        from modelscope import snapshot_download
        path = snapshot_download("damo/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch")
    ''')})
    main(["inventory", str(tmp_path), "--format", "json", "--no-cache"])
    [ref] = json.loads(capsys.readouterr().out)["references"]
    assert ref["hub"] == "modelscope" and ref["pin"] == "mutable" and ref["api"] == "modelscope.snapshot_download"


# -- metadata from the local ModelScope cache --------------------------------------------------------
def _write(path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_local_modelscope_cache_answers_for_exactly_the_revision_asked(tmp_path, monkeypatch):
    from ptm_lint.hub.modelscope_cache import ModelScopeCache

    base = tmp_path / "ms"
    # modelscope_hub layout: one snapshot folder per requested revision.
    snap = base / "models" / "qwen--Qwen1.5-7B-Chat" / "snapshots"
    config = json.dumps({"auto_map": {"AutoModel": "modeling_qwen.QWenModel"}})
    _write(snap / "master" / "config.json", config)
    _write(snap / "master" / "model-00001-of-00002.safetensors", "w" * 10)
    _write(snap / COMMIT / "config.json", "{}")
    # modelscope <= 1.37 layout: files in one folder, the revision in the plain-text .mv file.
    legacy = base / "hub" / "models" / "damo" / "nlp_structbert_base___v2"
    _write(legacy / ".mv", "Revision:v1.0.2,CreatedAt:1690000000")
    _write(legacy / ".msc", "\x80\x04not to be unpickled")
    _write(legacy / "pytorch_model.bin", "p" * 5)
    cache = ModelScopeCache(base)
    head = cache.lookup("model", "qwen/Qwen1.5-7B-Chat", None)
    assert head is not None and head.source == "modelscope-cache" and head.requires_remote_code is True
    assert {f.path: f.size for f in head.cached_files} == {"config.json": len(config), "model-00001-of-00002.safetensors": 10}
    pinned = cache.lookup("model", "qwen/Qwen1.5-7B-Chat", COMMIT)
    assert pinned.sha == COMMIT and pinned.requires_remote_code is False
    assert cache.lookup("model", "qwen/Qwen1.5-7B-Chat", "v1.0.0") is None  # never another revision's files
    old = cache.lookup("model", "damo/nlp_structbert_base.v2", "v1.0.2")
    assert old is not None and [f.path for f in old.cached_files] == ["pytorch_model.bin"]
    assert cache.lookup("model", "damo/nlp_structbert_base.v2", None) is None  # the cache holds v1.0.2, not master
    assert cache.lookup("model", "../etc", None) is None


def test_metadata_rules_read_the_modelscope_cache(tmp_path, monkeypatch):
    base = tmp_path / "ms"
    snap = base / "models" / "qwen--Qwen1.5-7B-Chat" / "snapshots" / "master"
    _write(snap / "config.json", json.dumps({"auto_map": {"AutoModelForCausalLM": "modeling_qwen.QWenLMHeadModel"}}))
    monkeypatch.setenv("MODELSCOPE_CACHE", str(base))
    source = ('from modelscope import AutoModelForCausalLM\n'
              'model = AutoModelForCausalLM.from_pretrained("qwen/Qwen1.5-7B-Chat", trust_remote_code=True)\n')
    (tmp_path / "app").mkdir()
    [finding] = check_files(tmp_path / "app", {"app.py": source}, select=("PTM406",))
    assert "ships its own Python code" in finding.message and finding.level == "warning"


def test_funasr_automodel_downloads_from_modelscope_unless_told_otherwise(tmp_path):
    source = textwrap.dedent('''
        from funasr import AutoModel

        asr = AutoModel(model="iic/SenseVoiceSmall", vad_model="fsmn-vad", model_revision="v2.0.4", hub="ms")
        punc = AutoModel(model="ct-punc")
        hf = AutoModel(model="FunAudioLLM/SenseVoiceSmall", hub="hf")
        whisper = AutoModel(model="Whisper-large-v3-turbo", hub="openai", device="cuda:0")
    ''')
    write_example_project(tmp_path, {"demo.py": source})
    refs = {r.line: r for r in api.scan(settings_for(tmp_path)).references}
    assert (refs[4].hub, refs[4].canonical, refs[4].revision, refs[4].pin) == ("modelscope", "iic/SenseVoiceSmall", "v2.0.4", "weak")
    assert (refs[5].hub, refs[5].model, refs[5].canonical, refs[5].pin) == ("modelscope", "ct-punc", None, "mutable")
    assert (refs[6].hub, refs[6].canonical) == ("huggingface", "FunAudioLLM/SenseVoiceSmall")
    # openai-whisper's alias: the library fetches it from a URL holding its sha256
    assert (refs[7].hub, refs[7].model, refs[7].pin) == ("url", "Whisper-large-v3-turbo", "library")
