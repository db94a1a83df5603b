"""Hub metadata against the fake hub (tests/fake_hub.py): the real huggingface_hub client over HTTP."""

from __future__ import annotations

import json
import logging
import socket
import textwrap
import time
from pathlib import Path

import pytest

from ptm_lint.cli import main
from ptm_lint.hub.client import HubClient
from ptm_lint.hub.resolver import lookup_all
from ptm_lint.pipeline import scan_text

from fake_hub import _fake_hub_server, check_with_hub, closed_port_url, fake_hub  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[1]
HF_CACHE = REPO / "testdata" / "hf-cache"
DEMO = REPO / "testdata" / "demo-app"
TOKEN = "hf_FakeTokenForTests0123456789abcdefXY"
BERT_MAIN = "86b5e0934494bd15c9632b12f734a8a67f723594"
BERT_OLD = "1dbc166cf8765166998eff31ade2eb64c8a40076"


def refs(source: str):
    return scan_text(textwrap.dedent(source))


def lookup(hub, source: str, tmp_path, **kw):
    kw.setdefault("retries", 0)
    kw.setdefault("hf_cache_roots", [])
    return lookup_all(refs(source), online=True, endpoint=hub.url, cache_dir=tmp_path / "cache", **kw)


def only(result, model: str):
    [meta] = [m for (_, canonical, _), m in result.by_key.items() if canonical == model]
    return meta


# -- the client against the fake hub ----------------------------------------------------------------
def test_real_client_request_paths(fake_hub, tmp_path):
    result = lookup(fake_hub, f'''
        from transformers import AutoModel
        AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="v1.0")
        AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{BERT_MAIN}")
    ''', tmp_path)
    assert fake_hub.paths() == [
        "/api/models/google-bert/bert-base-uncased",  # model_info(files_metadata=True) at main
        "/api/models/google-bert/bert-base-uncased/refs",  # list_repo_refs: "v1.0" is a tag
        "/api/models/google-bert/bert-base-uncased/revision/v1.0",
        "/api/models/google-bert/bert-base-uncased/commits/main",  # how far behind, bounded pages
    ]
    assert all(r.query.get("blobs") == ["true"] for r in fake_hub.log if "/commits/" not in r.path and
               not r.path.endswith("/refs"))
    tag = result.by_key[("huggingface", "google-bert/bert-base-uncased", "v1.0")]
    assert (tag.sha, tag.default_sha, tag.ref_kind, tag.commits_behind) == (BERT_OLD, BERT_MAIN, "tag", 3)
    assert tag.sha_date.startswith("2023-01-16") and tag.default_date.startswith("2024-02-19")
    assert tag.has_safetensors is False and tag.license == "apache-2.0" and tag.source == "hub"
    head = result.by_key[("huggingface", "google-bert/bert-base-uncased", BERT_MAIN)]
    assert head.commits_behind == 0 and head.has_safetensors is True
    lfs = next(f for f in head.files if f.path == "model.safetensors")
    assert lfs.size == 440449768 and len(lfs.sha256) == 64


def test_deleted_repo(fake_hub, tmp_path):
    source = '''
        from diffusers import StableDiffusionPipeline
        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")
    '''
    meta = only(lookup(fake_hub, source, tmp_path), "runwayml/stable-diffusion-v1-5")
    assert meta.status == "not_found" and "404" in meta.message
    (tmp_path / "p").mkdir()
    findings = check_with_hub(tmp_path / "p", fake_hub, {"app.py": textwrap.dedent(source)})
    [hit] = [f for f in findings if f.rule == "PTM401"]
    assert hit.level == "error" and "does not exist" in hit.message


def test_gated_repo_without_and_with_token(fake_hub, tmp_path):
    source = '''
        from transformers import AutoModelForCausalLM
        AutoModelForCausalLM.from_pretrained("meta-llama/Meta-Llama-3-8B")
        AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
    '''
    anonymous = lookup(fake_hub, source, tmp_path / "a", token=None)
    assert sorted(r.status for r in fake_hub.log) == [200, 401]  # one thread per repo: any order
    assert not any(r.authorized for r in fake_hub.log)
    locked = only(anonymous, "meta-llama/Meta-Llama-3-8B")
    assert locked.status == "gated" and "HTTP 401" in locked.message
    manual = only(anonymous, "meta-llama/Llama-2-7b-hf")
    assert manual.status == "ok" and manual.gated == "manual" and manual.license == "llama2"

    fake_hub.reset()
    with_token = lookup(fake_hub, source, tmp_path / "b", token=TOKEN)
    assert fake_hub.sent_token(TOKEN)  # compared by hash: the token itself is never shown
    assert only(with_token, "meta-llama/Meta-Llama-3-8B").message.count("HTTP 403") == 1
    assert TOKEN not in repr(with_token)

    (tmp_path / "p").mkdir()
    findings = check_with_hub(tmp_path / "p", fake_hub, {"app.py": textwrap.dedent(source)})
    gated = sorted(f.message.split(" is gated")[0] for f in findings if f.rule == "PTM403")
    assert gated == ["'meta-llama/Llama-2-7b-hf'", "'meta-llama/Meta-Llama-3-8B'"]


def test_renamed_repo(fake_hub, tmp_path):
    source = '''
        from transformers import AutoModelForSequenceClassification
        AutoModelForSequenceClassification.from_pretrained("acme-ai/sentiment-roberta")
    '''
    result = lookup(fake_hub, source, tmp_path)
    meta = result.by_key[("huggingface", "acme-ai/sentiment-roberta", None)]  # keyed by the id in the code
    assert meta.repo_id == meta.renamed_to == "acme-research/sentiment-roberta" and meta.status == "ok"
    assert [(r.path, r.status) for r in fake_hub.log] == [
        ("/api/models/acme-ai/sentiment-roberta", 307), ("/api/models/acme-research/sentiment-roberta", 200)]
    (tmp_path / "p").mkdir()
    [hit] = [f for f in check_with_hub(tmp_path / "p", fake_hub, {"a.py": textwrap.dedent(source)})
             if f.rule == "PTM401"]
    assert hit.level == "warning" and "renamed to 'acme-research/sentiment-roberta'" in hit.message


def test_private_repo_is_only_visible_with_a_token(fake_hub, tmp_path):
    source = '''
        from transformers import AutoModel
        AutoModel.from_pretrained("acme-ai/internal-model")
    '''
    assert only(lookup(fake_hub, source, tmp_path / "a"), "acme-ai/internal-model").status == "not_found"
    meta = only(lookup(fake_hub, source, tmp_path / "b", token=TOKEN), "acme-ai/internal-model")
    assert meta.status == "ok" and meta.private is True
    (tmp_path / "p").mkdir()
    hits = [f for f in check_with_hub(tmp_path / "p", fake_hub, {"a.py": textwrap.dedent(source)}, token=TOKEN)
            if f.rule == "PTM401"]
    assert [h.level for h in hits] == ["warning"] and "private" in hits[0].message


def test_server_error_is_retried_a_bounded_number_of_times(fake_hub):
    sleeps = []
    client = HubClient(fake_hub.url, retries=2, backoff=0.01, sleep=sleeps.append)
    out = client.lookup("model", "acme-ai/flaky-model", [None])
    assert out[None].status == "error" and "HTTP 500" in out[None].message
    assert [r.status for r in fake_hub.log] == [500, 500, 500]
    assert sleeps == [0.01, 0.02]  # exponential backoff
    assert client.unreachable is None  # a server error is not a connection failure


def test_timeout(fake_hub):
    client = HubClient(fake_hub.url, timeout=0.3, retries=0)
    start = time.monotonic()
    out = client.lookup("model", "acme-ai/slow-model", [None])
    assert time.monotonic() - start < 1.5
    assert out[None].status == "error" and "within 0.3 s" in out[None].message


def test_network_failure_fails_fast_with_a_clean_message(tmp_path):
    url = closed_port_url()
    source = "".join(f'from transformers import AutoModel\nAutoModel.from_pretrained("acme/m{i}")\n' for i in range(6))
    start = time.monotonic()
    result = lookup_all(scan_text(source), online=True, endpoint=url, cache_dir=tmp_path, retries=1,
                        hf_cache_roots=[])
    assert time.monotonic() - start < 10
    assert len(result.unchecked) == 6 and not result.by_key
    assert result.errors and result.errors[0].startswith(f"cannot reach the Hub at {url}")
    assert result.summary_note().startswith("6 models could not be checked against the hub (cannot reach")
    assert not list(tmp_path.rglob("*.json"))  # failures are not cached


# -- the command line -------------------------------------------------------------------------------
APP = textwrap.dedent(f'''
    from transformers import AutoModel, pipeline

    bert = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{BERT_OLD}")
    nllb = pipeline("translation", model="facebook/nllb-200-distilled-600M")
    gone = AutoModel.from_pretrained("runwayml/stable-diffusion-v1-5")
    phi = AutoModel.from_pretrained("microsoft/Phi-3-mini-4k-instruct", trust_remote_code=True)
    locked = AutoModel.from_pretrained("meta-llama/Meta-Llama-3-8B")
    echo = AutoModel.from_pretrained("acme-ai/echo-auth")
    hubconf = __import__("torch").hub.load("pytorch/vision:v0.10.0", "resnet18")
''')


def write_app(root: Path, source: str = APP) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
    (root / "app.py").write_text(source)
    return root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_network_failure_keeps_cached_results_and_exit_code_is_as_configured(tmp_path, capsys, monkeypatch):
    root = write_app(tmp_path / "app")
    url = closed_port_url()
    monkeypatch.setenv("HF_HUB_CACHE", str(HF_CACHE))
    monkeypatch.setenv("HF_ENDPOINT", url)
    args = ["check", root, "--online", "--format", "json", "--cache-dir", tmp_path / "cache"]
    code, out, err = run(capsys, *args)
    doc = json.loads(out)
    rules = {(f["rule"], f["model"]) for f in doc["findings"]}
    # From the local Hugging Face cache, although the Hub cannot be reached:
    assert ("PTM404", "facebook/nllb-200-distilled-600M") in rules
    assert ("PTM406", "microsoft/Phi-3-mini-4k-instruct") in rules
    [note] = [n for n in doc["notes"] if "could not be checked" in n]
    assert f"cannot reach the Hub at {url}" in note and "results from the caches were kept" in note
    assert f"ptm-lint: hub: cannot reach the Hub at {url}" in err and "Traceback" not in err
    assert code == 1  # findings at or above the failing level: the network failure does not change that
    assert run(capsys, *args, "--exit-zero")[0] == 0
    assert run(capsys, *args, "--ignore", "PTM2", "--fail-on", "error")[0] == 0  # no error-level finding left
    assert run(capsys, *args, "--errors-fatal")[0] == 2


def test_hf_token_never_appears_in_any_output_log_or_cache(fake_hub, tmp_path, capsys, monkeypatch, caplog):
    root = write_app(tmp_path / "app")
    cache = tmp_path / "cache"
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    # Everything ptm-lint and huggingface_hub log, and the HTTP client's request log. (httpcore's DEBUG
    # wire trace prints response headers verbatim: a server that echoes credentials is beyond any client.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="huggingface_hub")
    caplog.set_level(logging.DEBUG, logger="ptm_lint")
    texts = []
    for fmt in ("text", "json", "sarif", "github"):
        out_file = tmp_path / f"out.{fmt}"
        code, out, err = run(capsys, "check", root, "--online", "--format", fmt, "-o", out_file, "--cache-dir", cache)
        assert code == 1
        texts += [out, err, out_file.read_text()]
    for fmt in ("text", "json"):
        code, out, err = run(capsys, "outdated", root, "--online", "--format", fmt, "--cache-dir", cache)
        assert code == 0
        texts += [out, err]
    texts.append(caplog.text)
    cached = [p for p in cache.rglob("*") if p.is_file()]
    assert cached, "the online run should have filled the cache"
    texts += [p.read_text(errors="replace") for p in cached]
    assert fake_hub.sent_token(TOKEN)  # the token was used (and only sent to the endpoint)...
    leaked = [i for i, text in enumerate(texts) if TOKEN in text or TOKEN[3:] in text]
    assert not leaked  # ...and is nowhere in stdout, stderr, reports, logs or cache files
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert "PTM401" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert any("hf_****" in t or "****" in t for t in texts)  # the echoed header was masked, not dropped


def test_offline_without_cache_is_unchanged_plus_one_note(tmp_path, capsys, monkeypatch):
    """No network, no cache: exactly the findings and SARIF of a run without metadata rules, plus the note."""
    def no_network(*args, **kwargs):
        raise AssertionError("an offline run opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    from ptm_lint.check.rulebook import default_rules

    offline_rules = ",".join(r.id for r in default_rules() if not r.needs_metadata)
    outputs = {}
    for name, extra in (("default", []), ("without", ["--select", offline_rules])):
        for fmt in ("json", "sarif"):
            out = tmp_path / f"{name}.{fmt}"
            run(capsys, "check", DEMO, "--format", fmt, "-o", out, "--exit-zero", *extra)
            outputs[name, fmt] = json.loads(out.read_text())
    assert outputs["default", "sarif"] == outputs["without", "sarif"]
    default, without = outputs["default", "json"], outputs["without", "json"]
    assert {k: v for k, v in default.items() if k != "notes"} == {k: v for k, v in without.items() if k != "notes"}
    extra_notes = [n for n in default["notes"] if n not in without["notes"]]
    assert len(extra_notes) == 1
    assert extra_notes[0].endswith("models could not be checked against the hub; run with --online or populate "
                                   "the Hugging Face cache")
    assert not any(f["rule"].startswith("PTM4") for f in default["findings"])


def test_store_serves_repeat_runs_and_offline_runs(fake_hub, tmp_path, capsys, monkeypatch):
    root = write_app(tmp_path / "app", textwrap.dedent(f'''
        from transformers import AutoModel
        bert = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{BERT_OLD}")
    '''))
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    cache = tmp_path / "cache"
    run(capsys, "check", root, "--online", "--cache-dir", cache)
    assert fake_hub.log
    fake_hub.reset()
    code, out, _ = run(capsys, "check", root, "--online", "--cache-dir", cache)
    assert not fake_hub.log  # answered from ptm-lint's cache
    assert "PTM407" in out and "PTM405" in out
    # Offline (the default) the cached metadata is used too, and the metadata rules run.
    code, out, _ = run(capsys, "check", root, "--cache-dir", cache)
    assert not fake_hub.log and "PTM407" in out and "could not be checked" not in out
    # With the config's cache-dir and online = true, no flags needed.
    (root / "pyproject.toml").write_text(f'[project]\nname = "app"\nversion = "1"\n\n[tool.ptm-lint]\n'
                                         f'online = true\ncache-dir = "{tmp_path / "other"}"\n')
    run(capsys, "check", root)
    assert fake_hub.log and list((tmp_path / "other").rglob("*.json"))
    # --no-cache: neither read nor written.
    fake_hub.reset()
    run(capsys, "check", root, "--no-cache", "--cache-dir", tmp_path / "third")
    assert fake_hub.log and not (tmp_path / "third").exists()


def test_store_ttl_expiry_refetches(fake_hub, tmp_path):
    source = '''
        from transformers import AutoModel
        AutoModel.from_pretrained("acme-ai/legacy-classifier")
    '''
    lookup(fake_hub, source, tmp_path)
    n = len(fake_hub.log)
    assert n and only(lookup(fake_hub, source, tmp_path), "acme-ai/legacy-classifier").source == "ptm-cache"
    assert len(fake_hub.log) == n
    assert only(lookup(fake_hub, source, tmp_path, ttl=0), "acme-ai/legacy-classifier").source == "hub"
    assert len(fake_hub.log) == 2 * n


def test_hf_hub_offline_wins_over_online(fake_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = lookup(fake_hub, 'from transformers import AutoModel\nAutoModel.from_pretrained("acme-ai/x")\n', tmp_path)
    assert not fake_hub.log and result.notes and "HF_HUB_OFFLINE" in result.notes[0]
    assert result.summary_note().endswith("run with --online or populate the Hugging Face cache")


def test_outdated_command(fake_hub, tmp_path, capsys, monkeypatch):
    root = write_app(tmp_path / "app", textwrap.dedent(f'''
        import torch
        from transformers import AutoModel
        from sentence_transformers import SentenceTransformer

        a = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="v1.0")
        b = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{BERT_MAIN}")
        c = AutoModel.from_pretrained("google-bert/bert-base-uncased")
        d = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2", revision="c9745ed1d9f207416be6d2e6f8de32d1f16199bf")
        e = AutoModel.from_pretrained("runwayml/stable-diffusion-v1-5", revision="{BERT_OLD}")
        f = torch.hub.load("pytorch/vision:v0.10.0", "resnet18")
    '''))
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    code, out, _ = run(capsys, "outdated", root, "--online", "--cache-dir", tmp_path / "c")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["MODEL", "PINNED", "RESOLVES", "TO", "MAIN", "NOW", "STATUS", "WHERE"]
    by_line = {line.rsplit(":", 1)[-1]: line for line in lines[1:] if "app.py:" in line}
    assert "1dbc166cf876" in by_line["6"] and "86b5e0934494" in by_line["6"] and "3 commits ahead" in by_line["6"]
    assert "up to date" in by_line["7"]
    assert "unpinned: follows main" in by_line["8"]
    assert "2 commits ahead" in by_line["9"]
    assert "not found on the hub" in by_line["10"]
    assert "GitHub refs are not looked up" in by_line["11"]
    assert "2 of 6 references pinned behind main." in out

    fake_hub.reset()
    code, out, _ = run(capsys, "outdated", root, "--format", "json", "--cache-dir", tmp_path / "c")  # offline: cache
    assert not fake_hub.log
    doc = json.loads(out)
    assert doc["schema"] == "ptm-lint/outdated/1"
    first = doc["references"][0]
    assert (first["model"], first["revision"], first["pinned_sha"], first["current_sha"], first["moved"],
            first["commits_behind"], first["source"]) == (
        "google-bert/bert-base-uncased", "v1.0", BERT_OLD, BERT_MAIN, True, 3, "ptm-cache")


def test_outdated_offline_from_the_hf_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(HF_CACHE))
    root = write_app(tmp_path / "app", textwrap.dedent('''
        from transformers import AutoModel
        a = AutoModel.from_pretrained("gpt2", revision="v0.1")
        b = AutoModel.from_pretrained("acme/unknown-model", revision="v1")
    '''))
    code, out, _ = run(capsys, "outdated", root)
    assert code == 0
    assert "main moved (as last seen locally on" in out and "607a30d783df" in out
    assert "not in any cache (use --online)" in out
    assert "1 model could not be checked against the hub; run with --online" in out


def test_metadata_rules_join_the_default_selection_only_with_metadata(capsys):
    from ptm_lint.check.engine import Selection
    from ptm_lint.check.rulebook import default_rules

    rules = default_rules()
    offline = {r.id for r in Selection().enabled(rules)}
    online = {r.id for r in Selection().enabled(rules, metadata_available=True)}
    assert not any(i.startswith("PTM40") for i in offline)
    assert {f"PTM40{i}" for i in range(1, 8)} <= online
    assert {r.id for r in Selection(ignore=("PTM4",)).enabled(rules, True)} == online - {f"PTM40{i}" for i in range(1, 8)}
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "PTM401" in out and "PTM407" in out


@pytest.mark.parametrize("license_id, level", [
    ("cc-by-nc-4.0", "warning"), ("openrail++", "warning"), ("bigscience-bloom-rail-1.0", "warning"),
    ("llama3.1", "warning"), ("gemma", "warning"), ("other", "note"), ("unknown", "note"),
    ("apache-2.0", None), ("mit", None), ("gpl-3.0", None),
])
def test_license_levels(license_id, level):
    from ptm_lint.checks.ptm404 import license_finding

    found = license_finding(license_id)
    assert (found[1] if found else None) == level


def test_not_found_ids_that_may_be_local_directories(fake_hub, tmp_path):
    root = tmp_path / "p"
    (root / "models" / "bert-finetuned").mkdir(parents=True)
    source = textwrap.dedent('''
        from transformers import AutoModel
        a = AutoModel.from_pretrained("models/bert-finetuned")  # a directory of the project: not the Hub
        c = AutoModel.from_pretrained("acme/never-existed")
    ''')
    hits = {f.line: f for f in check_with_hub(root, fake_hub, {"app.py": source}) if f.rule == "PTM401"}
    assert set(hits) == {4} and hits[4].level == "error"
