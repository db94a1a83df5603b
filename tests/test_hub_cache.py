"""The offline metadata layers: the local Hugging Face cache (testdata/hf-cache) and ptm-lint's own cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ptm_lint.hub.hf_cache import HFCache, cache_roots, front_matter, hub_cache_root
from ptm_lint.hub.model import FileInfo, ModelMeta, meta_from_json, meta_to_json
from ptm_lint.hub.store import SCHEMA, MetaStore, default_cache_dir, endpoint_slug

REPO = Path(__file__).resolve().parents[1]
HF_CACHE = REPO / "testdata" / "hf-cache"
BERT_OLD = "1dbc166cf8765166998eff31ade2eb64c8a40076"
GPT2_MAIN = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
ENDPOINT = "https://huggingface.co"


@pytest.fixture
def cache() -> HFCache:
    return HFCache([HF_CACHE])


# -- the Hugging Face cache -------------------------------------------------------------------------
def test_cache_root_follows_huggingface_hub_precedence(tmp_path):
    env = {"HF_HUB_CACHE": "/a", "HF_HOME": "/b", "XDG_CACHE_HOME": "/c"}
    assert hub_cache_root(env) == Path("/a")
    assert hub_cache_root({"HUGGINGFACE_HUB_CACHE": "/l", "HF_HOME": "/b"}) == Path("/l")
    assert hub_cache_root({"HF_HOME": "/b", "XDG_CACHE_HOME": "/c"}) == Path("/b/hub")
    assert hub_cache_root({"XDG_CACHE_HOME": "/c"}) == Path("/c/huggingface/hub")
    assert hub_cache_root({}) == Path("~/.cache/huggingface/hub").expanduser()
    # Only existing roots; a call's own cache_dir= comes first.
    assert cache_roots({"HF_HUB_CACHE": str(tmp_path / "missing")}) == []
    assert cache_roots({"HF_HUB_CACHE": str(HF_CACHE)}, extra=[tmp_path]) == [tmp_path, HF_CACHE]


def test_default_branch_resolves_offline_with_full_tree_listing(cache):
    meta = cache.lookup("model", ["google-bert/bert-base-uncased"], None)
    assert meta is not None and meta.source == "hf-cache" and meta.status == "ok"
    assert meta.sha == meta.default_sha == BERT_OLD
    assert meta.ref_kind == "branch" and meta.default_date  # when refs/main was last written
    # trees/<sha>.json is the full listing of the commit: the file list is complete.
    assert meta.files is not None and "pytorch_model.bin" in {f.path for f in meta.files}
    assert meta.has_safetensors is False
    lfs = next(f for f in meta.files if f.path == "pytorch_model.bin")
    assert lfs.sha256 and len(lfs.sha256) == 64 and lfs.size == 440473133
    # The snapshot's symlinks name their blobs: sha256 for LFS files, git blob ids for the rest.
    cached = {f.path: f for f in meta.cached_files}
    assert set(cached) == {"README.md", "config.json", "pytorch_model.bin"}
    assert len(cached["pytorch_model.bin"].sha256 or "") == 64 and len(cached["config.json"].blob_id or "") == 40
    assert meta.license == "apache-2.0" and meta.datasets == ("bookcorpus", "wikipedia")
    assert meta.requires_remote_code is False


def test_partial_snapshot_and_no_exist_markers(cache):
    meta = cache.lookup("model", ["acme-ai/legacy-classifier"], None)
    assert meta is not None
    assert meta.files is None  # no tree listing: only what was downloaded is known
    assert {f.path for f in meta.cached_files} == {"README.md", "config.json", "pytorch_model.bin"}
    assert "model.safetensors" in meta.missing_files  # transformers recorded the 404
    assert meta.license == "mit" and meta.pipeline_tag == "text-classification"


def test_remote_code_and_license_from_cached_files(cache):
    phi = cache.lookup("model", ["microsoft/Phi-3-mini-4k-instruct"], None)
    assert phi.requires_remote_code is True and phi.license == "mit"
    nllb = cache.lookup("model", ["facebook/nllb-200-distilled-600M"], None)
    assert nllb.license == "cc-by-nc-4.0" and nllb.requires_remote_code is None  # no config.json cached
    imdb = cache.lookup("dataset", ["stanfordnlp/imdb"], None)
    assert imdb.repo_type == "dataset" and imdb.license == "other"
    assert cache.lookup("model", ["stanfordnlp/imdb"], None) is None  # models-- and datasets-- differ


def test_legacy_id_folder_and_tag_refs(cache):
    # The cache folder is keyed on the id as written in code: models--gpt2, not models--openai-community--gpt2.
    meta = cache.lookup("model", ["openai-community/gpt2", "gpt2"], None)
    assert meta is not None and meta.repo_id == "gpt2" and meta.requested == "openai-community/gpt2"
    assert meta.sha == GPT2_MAIN
    tagged = cache.lookup("model", ["openai-community/gpt2", "gpt2"], "v0.1")
    assert tagged.sha != GPT2_MAIN and tagged.default_sha == GPT2_MAIN
    assert tagged.cached_files == ()  # that commit was never downloaded


def test_unknown_revisions_are_not_guessed(cache):
    assert cache.lookup("model", ["google-bert/bert-base-uncased"], "v2.0") is None
    assert cache.lookup("model", ["acme/never-downloaded"], None) is None
    # A ref name never walks out of refs/.
    assert cache.lookup("model", ["google-bert/bert-base-uncased"], "../../models--gpt2/refs/main") is None
    # A 40-hex pin is a commit: comparable with refs/main even if that commit is not cached.
    other = "f" * 40
    meta = cache.lookup("model", ["google-bert/bert-base-uncased"], other)
    assert meta.sha == other and meta.default_sha == BERT_OLD and meta.ref_kind == "commit"


def test_front_matter_is_parsed_safely():
    assert front_matter("---\nlicense: mit\ntags: [a, b]\n---\n# card") == {"license": "mit", "tags": ["a", "b"]}
    assert front_matter("# no front matter") is None
    assert front_matter("---\nlicense: [unclosed\n---\n") is None
    assert front_matter("---\n!!python/object/apply:os.system ['echo pwned']\n---\n") is None  # safe_load
    assert front_matter("---\njust a string\n---\n") is None


def test_cache_layer_does_not_import_huggingface_hub():
    code = textwrap.dedent(f"""
        import sys
        from ptm_lint.hub.resolver import lookup_all
        from ptm_lint.pipeline import scan_text
        refs = scan_text('from transformers import AutoModel\\nAutoModel.from_pretrained("gpt2")\\n')
        result = lookup_all(refs, hf_cache_roots=[{str(HF_CACHE)!r}], use_store=False)
        assert result.by_key, result
        print("huggingface_hub" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- ptm-lint's own cache ---------------------------------------------------------------------------
def _meta(**kw) -> ModelMeta:
    base = ModelMeta(repo_id="org/model", requested="org/model", revision=None, source="hub", sha="a" * 40,
                     default_sha="a" * 40, license="mit", files=(FileInfo("model.safetensors", 10, "b" * 64),),
                     tags=("x",), fetched_at=time.time())
    return replace(base, **kw)


def test_store_round_trip_and_layout(tmp_path):
    store = MetaStore(tmp_path, ENDPOINT)
    meta = _meta(revision="refs/pr/3")
    assert store.put(meta)
    path = store.path("model", "org/model", "refs/pr/3")
    assert path == tmp_path / "hub" / "huggingface.co" / "models--org--model" / "rev-refs%2Fpr%2F3.json"
    doc = json.loads(path.read_text())
    assert doc["schema"] == SCHEMA and doc["key"]["endpoint"] == ENDPOINT
    got = store.get("model", "org/model", "refs/pr/3")
    assert got == replace(meta, source="ptm-cache")
    assert meta_from_json(meta_to_json(meta)) == meta
    # Entries from another endpoint (a mirror, a test server) live elsewhere and never mix.
    assert MetaStore(tmp_path, "http://127.0.0.1:8080").get("model", "org/model", "refs/pr/3") is None
    assert endpoint_slug("http://127.0.0.1:8080/") == "127.0.0.1_8080"
    # Failures are not cached.
    assert not store.put(_meta(status="error", message="boom"))
    # Nothing that is not a repo id becomes a path.
    assert store.path("model", "../etc", None) is None and store.path("model", "a/b/c", None) is None


def test_store_ttl(tmp_path):
    now = [1_000_000.0]
    store = MetaStore(tmp_path, ENDPOINT, ttl=60, now=lambda: now[0])
    store.put(_meta(fetched_at=now[0]))
    assert store.get("model", "org/model", None) is not None
    now[0] += 61
    assert store.get("model", "org/model", None) is None  # expired
    now[0] -= 1000  # an entry from the future (clock skew, tampering) is not trusted either
    assert store.get("model", "org/model", None) is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "schema", "key", "types", "status", "list"])
def test_corrupt_or_tampered_entries_are_ignored(tmp_path, damage):
    store = MetaStore(tmp_path, ENDPOINT)
    store.put(_meta())
    path = store.path("model", "org/model", None)
    doc = json.loads(path.read_text())
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif damage == "truncated":
        path.write_text(path.read_text()[:40])
    elif damage == "schema":
        doc["schema"] = "ptm-lint/hub-meta/0"
        path.write_text(json.dumps(doc))
    elif damage == "key":
        doc["key"]["repo_id"] = "evil/model"
        path.write_text(json.dumps(doc))
    elif damage == "types":
        doc["meta"]["files"] = [{"path": 3}]
        path.write_text(json.dumps(doc))
    elif damage == "status":
        doc["meta"]["status"] = "pwned"
        path.write_text(json.dumps(doc))
    elif damage == "list":
        path.write_text("[]")
    assert store.get("model", "org/model", None) is None
    assert store.put(_meta())  # and the next write repairs it
    assert store.get("model", "org/model", None) is not None


def test_store_never_writes_a_token(tmp_path):
    token = "hf_" + "Q" * 34
    store = MetaStore(tmp_path, ENDPOINT, secrets=[token])
    assert not store.put(_meta(message=f"server said Bearer {token}"))
    assert not store.put(_meta(license_name="hf_" + "abcdefghij" * 3))  # anything token-shaped
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_default_cache_dir(monkeypatch):
    assert default_cache_dir({"PTM_LINT_CACHE_DIR": "/x"}) == Path("/x")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/ptm-lint")
    assert default_cache_dir({}) == Path.home() / ".cache" / "ptm-lint"
    # The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored.
    assert default_cache_dir({"XDG_CACHE_HOME": "rel"}) == Path.home() / ".cache" / "ptm-lint"
    # The same folder as the scan cache's and the run memo's (one place to delete, one to configure).
    from ptm_lint.cachedir import default_cache_dir as shared

    monkeypatch.setenv("PTM_LINT_CACHE_DIR", "/nonexistent-ptm-lint-test")
    assert default_cache_dir() == Path(shared()) == Path("/nonexistent-ptm-lint-test")
    monkeypatch.delenv("PTM_LINT_CACHE_DIR")
    assert default_cache_dir() == Path(shared())


WRITER = textwrap.dedent("""
    import sys, time
    from ptm_lint.hub.model import ModelMeta
    from ptm_lint.hub.store import MetaStore
    store = MetaStore(sys.argv[1], "https://huggingface.co")
    for i in range(150):
        store.put(ModelMeta(repo_id="org/model", requested="org/model", revision=None, source="hub",
                            sha=sys.argv[2] * 40, license="x" * (i % 50), fetched_at=time.time()))
""")


def test_concurrent_writers_never_leave_a_broken_entry(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), c]) for c in ("a", "b")]
    store = MetaStore(tmp_path, ENDPOINT)
    seen = set()
    while any(p.poll() is None for p in procs):
        meta = store.get("model", "org/model", None)
        if meta is not None:
            seen.add(meta.sha[0])
    assert all(p.wait() == 0 for p in procs)
    final = store.get("model", "org/model", None)
    assert final is not None and final.sha in ("a" * 40, "b" * 40)
    folder = store.path("model", "org/model", None).parent
    assert [p.name for p in folder.iterdir()] == ["default.json"]  # no temporary files left behind
    assert seen <= {"a", "b"}
    assert os.stat(folder / "default.json").st_size > 0


def test_offline_check_does_not_import_huggingface_hub(tmp_path):
    """A pre-commit run stays fast: offline, the metadata stage reads files and never imports the client."""
    (tmp_path / "a.py").write_text('from transformers import AutoModel\n'
                                   'AutoModel.from_pretrained("facebook/nllb-200-distilled-600M")\n')
    code = ("import sys; from ptm_lint.cli import main; "
            f"rc = main(['check', {str(tmp_path)!r}, '--exit-zero', '-o', {str(tmp_path / 'out.txt')!r}]); "
            "assert rc == 0; assert 'huggingface_hub' not in sys.modules, 'huggingface_hub imported'")
    env = {**os.environ, "HF_HUB_CACHE": str(HF_CACHE)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "PTM404" in (tmp_path / "out.txt").read_text()  # the metadata rules ran, from the local cache


def test_metadata_rules_offline_from_the_hf_cache(tmp_path, monkeypatch, capsys):
    from ptm_lint.cli import main

    monkeypatch.setenv("HF_HUB_CACHE", str(HF_CACHE))
    (tmp_path / "app.py").write_text(textwrap.dedent('''
        from transformers import AutoModel, AutoModelForCausalLM
        legacy = AutoModel.from_pretrained("acme-ai/legacy-classifier")
        gpt2 = AutoModel.from_pretrained("gpt2", revision="v0.1")
        phi = AutoModelForCausalLM.from_pretrained("microsoft/Phi-3-mini-4k-instruct")
    '''))
    main(["check", str(tmp_path), "--format", "json", "-o", str(tmp_path / "out.json"), "--cache-dir", str(tmp_path / "c")])
    doc = json.loads((tmp_path / "out.json").read_text())
    hits = {f["rule"]: f for f in doc["findings"] if f["rule"].startswith("PTM4")}
    assert set(hits) == {"PTM405", "PTM406", "PTM407"}
    assert "model.safetensors does not exist" in hits["PTM405"]["message"]  # .no_exist evidence
    assert "as last seen in the local Hugging Face cache" in hits["PTM407"]["message"]
    assert hits["PTM406"]["level"] == "note"  # custom code, but trust_remote_code is not enabled
    assert not any("could not be checked" in n for n in doc["notes"])
    assert not (tmp_path / "c" / "hub").exists()  # offline runs never write ptm-lint's metadata cache
