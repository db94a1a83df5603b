"""Autofix: `ptm-lint check --fix / --diff / --unsafe-fixes`, pins from the local HF cache, notebooks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import fix_tree
from fake_hub import _fake_hub_server, fake_hub  # noqa: F401 - fixtures
from ptm_lint.cli import main
from ptm_lint.core import Reference
from ptm_lint.fix.edits import compute_edits, edit_offsets, apply_offsets, unified_diff
from ptm_lint.fix.notebook import replace_sources
from ptm_lint.fix.pins import Pin, hf_cached_sha, kaggle_cached_version

SHA_GPT2 = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
SHA_BERT = "86b5e0934494bd15c9632b12f734a8a67f723594"
SHA_TAG = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def hermetic(tmp_path, monkeypatch):
    """No cache of the machine running the tests can leak in: every cache root points into tmp."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kaggle-cache"))
    for name in ("HF_HOME", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def hf_cache(tmp_path: Path, repo: str, refs: dict[str, str], repo_type: str = "model") -> Path:
    """A Hugging Face cache entry as huggingface_hub writes it: refs/<rev> (no newline) + snapshots/<sha>/."""
    folder = tmp_path / "hf-cache" / (f"{repo_type}s--" + repo.replace("/", "--"))
    for rev, sha in refs.items():
        ref = folder / "refs" / rev
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(sha)
        snapshot = folder / "snapshots" / sha
        snapshot.mkdir(parents=True, exist_ok=True)
        (snapshot / "config.json").write_text("{}")
    return folder


def project(tmp_path: Path, files: dict[str, str | bytes], requirements: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    if requirements:
        (root / "requirements.txt").write_text(requirements + "\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str, capsys=None) -> tuple[int, str]:
    code = main(["check", str(root), "--root", str(root), "--no-cache", "--color", "never", *args])
    out = capsys.readouterr().out if capsys is not None else ""
    return code, out


# -- pinning from the local Hugging Face cache ----------------------------------------------------
APP = '''\
from transformers import AutoModel, AutoTokenizer

MODEL = "openai-community/gpt2"

# a comment that stays
model = AutoModel.from_pretrained(MODEL)   # keep me
tokenizer = AutoTokenizer.from_pretrained(
    "openai-community/gpt2",  # the tokenizer
    use_fast=True,
)
'''
APP_FIXED = f'''\
from transformers import AutoModel, AutoTokenizer

MODEL = "openai-community/gpt2"

# a comment that stays
model = AutoModel.from_pretrained(MODEL, revision="{SHA_GPT2}")   # keep me
tokenizer = AutoTokenizer.from_pretrained(
    "openai-community/gpt2",  # the tokenizer
    use_fast=True,
    revision="{SHA_GPT2}",
)
'''


def test_unpinned_load_is_pinned_offline_to_the_cached_sha(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    root = project(tmp_path, {"app.py": APP})
    code, out = run(root, "--select", "PTM101", capsys=capsys)
    assert code == 1
    assert out.count("PTM101 [*]") == 2
    assert "2 fixable with `ptm-lint --fix`" in out
    code, out = run(root, "--select", "PTM101", "--fix", capsys=capsys)
    assert code == 0, out
    assert "Found 2 findings (2 fixed, 0 remaining)." in out
    assert (root / "app.py").read_text() == APP_FIXED


def test_fix_is_idempotent(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    root = project(tmp_path, {"app.py": APP, "nb.ipynb": NOTEBOOK})
    run(root, "--fix", "--unsafe-fixes", capsys=capsys)
    first = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code, out = run(root, "--fix", "--unsafe-fixes", capsys=capsys)
    assert "All checks passed!" in out
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == first
    code, out = run(root, "--diff", "--unsafe-fixes", capsys=capsys)
    assert code == 0 and out == ""


def test_legacy_id_cache_folder_and_canonical_folder_are_both_read(tmp_path):
    hf_cache(tmp_path, "gpt2", {"main": SHA_GPT2})  # downloaded under the id as written
    pin = hf_cached_sha(["openai-community/gpt2", "gpt2"], None)
    assert pin is not None and pin.value == SHA_GPT2 and "models--gpt2/refs/main" in pin.source
    root = project(tmp_path, {"app.py": 'from transformers import AutoModel\nm = AutoModel.from_pretrained("gpt2")\n'})
    outcome = fix_tree(root, select=("PTM101", "PTM305"))
    assert outcome.changed["app.py"][1].decode() == (
        f'from transformers import AutoModel\nm = AutoModel.from_pretrained("openai-community/gpt2", revision="{SHA_GPT2}")\n')


def test_no_sha_is_ever_invented(tmp_path, capsys):
    root = project(tmp_path, {"app.py": APP})
    code, out = run(root, "--select", "PTM101", capsys=capsys)
    assert "[*]" not in out
    assert "hf download openai-community/gpt2" in out and "--online" in out
    code, out = run(root, "--select", "PTM101", "--fix", capsys=capsys)
    assert code == 1 and "Found 2 findings (0 fixed, 2 remaining)." in out
    assert (root / "app.py").read_text() == APP
    # A ref file that is not a 40-hex sha is not evidence either.
    hf_cache(tmp_path, "openai-community/gpt2", {})
    (tmp_path / "hf-cache" / "models--openai-community--gpt2" / "refs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "hf-cache" / "models--openai-community--gpt2" / "refs" / "main").write_text("not-a-sha")
    assert hf_cached_sha(["openai-community/gpt2"], None) is None


def test_id_from_a_parameter_default_is_pinned_at_the_call_site_as_an_unsafe_fix(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    source = ('from transformers import AutoModel\n\n'
              'def load(name="openai-community/gpt2"):\n    return AutoModel.from_pretrained(name)\n')
    root = project(tmp_path, {"app.py": source})
    code, out = run(root, "--select", "PTM101", "--fix", capsys=capsys)
    assert (root / "app.py").read_text() == source  # callers may pass another id: not safe
    assert "1 unsafe fix available with `ptm-lint --fix --unsafe-fixes`." in out
    run(root, "--select", "PTM101", "--fix", "--unsafe-fixes", capsys=capsys)
    assert f'AutoModel.from_pretrained(name, revision="{SHA_GPT2}")' in (root / "app.py").read_text()


@pytest.mark.parametrize(("before", "after"), [
    ('m = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="main")\n',
     f'm = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{SHA_BERT}")  # was: "main"\n'),
    ("m = AutoModel.from_pretrained('google-bert/bert-base-uncased', revision='v1.0')  # noqa: E501\n",
     f"m = AutoModel.from_pretrained('google-bert/bert-base-uncased', revision='{SHA_TAG}')  # noqa: E501  # was: 'v1.0'\n"),
    ('m = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="main",\n    num_labels=2,\n)\n',
     f'm = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="{SHA_BERT}",  # was: "main"\n    num_labels=2,\n)\n'),
    ('m = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="86b5e09"\n)\n',
     f'm = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="{SHA_BERT}"  # was: "86b5e09"\n)\n'),
], ids=["inline", "tag-existing-comment", "multiline", "short-sha-last-arg"])
def test_branch_tag_or_short_sha_is_replaced_and_kept_in_a_comment(tmp_path, before, after):
    hf_cache(tmp_path, "google-bert/bert-base-uncased", {"main": SHA_BERT, "v1.0": SHA_TAG})
    head = "from transformers import AutoModel\n"
    root = project(tmp_path, {"app.py": head + before})
    outcome = fix_tree(root, select=("PTM102",))
    assert outcome.changed["app.py"][1].decode() == head + after
    assert not [f for f in outcome.report.findings if f.rule == "PTM102"]


@pytest.mark.parametrize(("before", "after"), [
    ('m = AutoModel.from_pretrained("google-bert/bert-base-uncased")\n',
     'm = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="{sha}")\n'),
    ('m = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased"\n)\n',
     'm = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",\n    revision="{sha}"\n)\n'),
    ('m = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",  # id\n    num_labels=2  # two\n)\n',
     'm = AutoModel.from_pretrained(\n    "google-bert/bert-base-uncased",  # id\n    num_labels=2,  # two\n    revision="{sha}"\n)\n'),
    ('m = AutoModel.from_pretrained(\n        "google-bert/bert-base-uncased",\n        num_labels=2,  # two\n    )\n',
     'm = AutoModel.from_pretrained(\n        "google-bert/bert-base-uncased",\n        num_labels=2,  # two\n        revision="{sha}",\n    )\n'),
    ('m = AutoModel.from_pretrained("google-bert/bert-base-uncased",\n                              num_labels=2)\n',
     'm = AutoModel.from_pretrained("google-bert/bert-base-uncased",\n                              num_labels=2,\n                              revision="{sha}")\n'),
], ids=["inline", "one-arg-multiline", "comments-no-trailing-comma", "trailing-comma", "hanging"])
def test_revision_is_added_in_the_call_layout_keeping_comments(tmp_path, before, after):
    hf_cache(tmp_path, "google-bert/bert-base-uncased", {"main": SHA_BERT})
    head = "from transformers import AutoModel\n"
    root = project(tmp_path, {"app.py": head + before})
    outcome = fix_tree(root, select=("PTM101",))
    assert outcome.changed["app.py"][1].decode() == head + after.format(sha=SHA_BERT)


def test_dataset_pins_read_the_dataset_cache_folder(tmp_path):
    hf_cache(tmp_path, "stanfordnlp/imdb", {"main": SHA_TAG}, repo_type="dataset")
    root = project(tmp_path, {"d.py": 'import datasets\nds = datasets.load_dataset("stanfordnlp/imdb")\n'})
    outcome = fix_tree(root, select=("PTM101",))
    assert f'load_dataset("stanfordnlp/imdb", revision="{SHA_TAG}")' in outcome.changed["d.py"][1].decode()


def test_kaggle_handle_gets_the_cached_version(tmp_path):
    (tmp_path / "kaggle-cache" / "models" / "google" / "bert" / "tensorFlow2" / "en-uncased" / "2").mkdir(parents=True)
    (tmp_path / "kaggle-cache" / "models" / "google" / "bert" / "tensorFlow2" / "en-uncased" / "3").mkdir()
    assert kaggle_cached_version("google/bert/tensorFlow2/en-uncased").value == "3"
    root = project(tmp_path, {"k.py": 'import kagglehub\np = kagglehub.model_download("google/bert/tensorFlow2/en-uncased")\n'})
    outcome = fix_tree(root, select=("PTM104",))
    assert 'model_download("google/bert/tensorFlow2/en-uncased/3")' in outcome.changed["k.py"][1].decode()


def test_torch_hub_ref_is_pinned_only_when_known_and_only_as_unsafe(tmp_path):
    source = 'import torch\nm = torch.hub.load("pytorch/vision:main", "resnet50")\n'
    root = project(tmp_path, {"h.py": source})
    assert fix_tree(root, select=("PTM103",), unsafe=True).changed == {}  # offline: nothing known

    def pin(ref: Reference, revision):
        assert ref.hub == "torch_hub" and ref.canonical == "pytorch/vision" and revision == "main"
        return Pin(SHA_TAG, "GitHub API", "main", offline=False)

    assert fix_tree(root, select=("PTM103",), pin=pin).changed == {}  # unsafe only
    outcome = fix_tree(root, select=("PTM103",), unsafe=True, pin=pin)
    assert outcome.changed["h.py"][1].decode() == (
        f'import torch\nm = torch.hub.load("pytorch/vision:{SHA_TAG}", "resnet50")  # was: "pytorch/vision:main"\n')


def test_online_pin_comes_from_the_hub_when_the_caches_do_not_know(tmp_path, monkeypatch, fake_hub, capsys):
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    source = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("google-bert/bert-base-uncased")\n'
    root = project(tmp_path, {"app.py": source})
    run(root, "--select", "PTM101", "--fix", capsys=capsys)
    assert (root / "app.py").read_text() == source  # offline: nothing known, nothing invented
    code, out = run(root, "--select", "PTM101", "--fix", "--online", capsys=capsys)
    assert code == 0, out
    assert (root / "app.py").read_text() == source.replace(
        '"google-bert/bert-base-uncased")', f'"google-bert/bert-base-uncased", revision="{SHA_BERT}")')
    assert any("/api/models/google-bert/bert-base-uncased" in path for path in fake_hub.paths())


# -- other fixes ----------------------------------------------------------------------------------
def test_safe_and_unsafe_fixes_are_told_apart(tmp_path, capsys):
    source = ('import os\nimport torch\nfrom transformers import AutoModel\n'
              'm = AutoModel.from_pretrained("openai-community/gpt2", revision="%s", use_auth_token=os.environ["T"])\n'
              'sd = torch.load("w.pt")\n' % SHA_GPT2)
    root = project(tmp_path, {"app.py": source}, requirements="transformers>=4.31,<5")
    code, out = run(root, "--select", "PTM202,PTM301", capsys=capsys)
    assert "PTM301 [*]" in out and "PTM202 [*]" not in out
    assert "1 fixable with `ptm-lint --fix` (1 unsafe fix available with `ptm-lint --fix --unsafe-fixes`)." in out
    code, out = run(root, "--select", "PTM202,PTM301", "--unsafe-fixes", capsys=capsys)
    assert "PTM202 [*]" in out and "2 fixable with `ptm-lint --fix --unsafe-fixes`" in out
    code, out = run(root, "--select", "PTM202,PTM301", "--fix", capsys=capsys)
    assert code == 1 and "Found 2 findings (1 fixed, 1 remaining)." in out
    # ruff's wording: nothing says "no safe fixes" right after one was applied
    assert "No safe fixes" not in out and "1 unsafe fix available with `ptm-lint --fix --unsafe-fixes`." in out
    assert 'token=os.environ["T"]' in (root / "app.py").read_text()
    assert 'torch.load("w.pt")\n' in (root / "app.py").read_text()
    code, out = run(root, "--select", "PTM202,PTM301", "--fix", "--unsafe-fixes", capsys=capsys)
    assert code == 0 and 'torch.load("w.pt", weights_only=True)' in (root / "app.py").read_text()


@pytest.mark.parametrize(("requirements", "applicability", "why"), [
    ("transformers>=4.31,<5", "safe", None),
    ("transformers>=4.20,<5", "unsafe", "and releases before 4.31.0 lack it"),
    (None, "unsafe", "the project declares no transformers version"),
])
def test_a_rename_is_safe_only_when_every_allowed_release_has_the_new_name(tmp_path, requirements, applicability, why):
    source = ('import os\nfrom transformers import AutoModel\n'
              'm = AutoModel.from_pretrained("openai-community/gpt2", revision="%s", use_auth_token=os.environ["T"])\n'
              % SHA_GPT2)
    root = project(tmp_path, {"app.py": source}, requirements=requirements)
    outcome = fix_tree(root, select=("PTM301",), unsafe=True)
    assert 'token=os.environ["T"]' in outcome.changed["app.py"][1].decode()
    first = api_check_findings(root, "PTM301")[0]
    assert first.fix.applicability == applicability
    assert (why in first.fix.description) if why else "unsafe" not in first.fix.description


def api_check_findings(root: Path, *select: str):
    from conftest import settings_for
    from ptm_lint import api

    return api.check(settings_for(root, select=select)).report.findings


def test_weights_only_is_not_added_with_pickle_module_or_kwargs(tmp_path):
    source = ('import dill, torch\nkw = {}\n'
              'a = torch.load("a.pt", pickle_module=dill)\nb = torch.load("b.pt", **kw)\n')
    root = project(tmp_path, {"app.py": source})
    assert fix_tree(root, select=("PTM202",), unsafe=True).changed == {}


def test_torchvision_get_model_and_pretrained_false(tmp_path):
    source = ('import torchvision\nfrom torchvision import models\n'
              'a = torchvision.models.get_model("resnet50", pretrained=True)\n'
              'b = models.resnet50(pretrained=False, weights_backbone=None)\n')
    root = project(tmp_path, {"app.py": source})
    new = fix_tree(root, select=("PTM302",)).changed["app.py"][1].decode()
    assert 'get_model("resnet50", weights="ResNet50_Weights.IMAGENET1K_V1")' in new


def test_formatting_encoding_bom_and_crlf_are_preserved(tmp_path):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    text = ('# -*- coding: utf-8 -*-\r\nfrom transformers import AutoModel  # ünïcödé\r\n\r\n'
            'x = {  "odd" :1 }\r\nm = AutoModel.from_pretrained( "gpt2" )\r\n')
    data = b"\xef\xbb\xbf" + text.encode("utf-8")
    root = project(tmp_path, {"app.py": data})
    code = main(["check", str(root), "--root", str(root), "--fix", "--select", "PTM101,PTM305"])
    assert code == 0  # both findings fixed: nothing left to report
    new = (root / "app.py").read_bytes()
    assert new.startswith(b"\xef\xbb\xbf")
    assert new == data.replace(b'( "gpt2" )', b'( "openai-community/gpt2", revision="%s" )' % SHA_GPT2.encode())


# -- notebooks ------------------------------------------------------------------------------------
NOTEBOOK = json.dumps({
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Démo\n", "text"]},
        {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["keep"]},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["héllo\n"]}],
         "source": ["%pip install transformers\n", "from transformers import AutoModel\n",
                    'm = AutoModel.from_pretrained("openai-community/gpt2")  # ünï\n', "!ls"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": "import torch\nx = torch.load('a.pt')"},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}, indent=1, ensure_ascii=False) + "\n"


def test_notebook_is_fixed_in_place_only_changed_sources_change(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    root = project(tmp_path, {"nb.ipynb": NOTEBOOK})
    code, out = run(root, "--select", "PTM101,PTM202", "--fix", "--unsafe-fixes", capsys=capsys)
    assert code == 0, out
    expected = NOTEBOOK.replace(
        '"m = AutoModel.from_pretrained(\\"openai-community/gpt2\\")  # ünï\\n"',
        f'"m = AutoModel.from_pretrained(\\"openai-community/gpt2\\", revision=\\"{SHA_GPT2}\\")  # ünï\\n"',
    ).replace("x = torch.load('a.pt')\"", "x = torch.load('a.pt', weights_only=True)\"")
    assert expected != NOTEBOOK
    assert (root / "nb.ipynb").read_text(encoding="utf-8") == expected


def test_notebook_layouts_are_kept():
    for indent in (1, 2, 4, None):
        doc = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"], "outputs": []},
                         {"cell_type": "code", "source": ["c = 3"], "outputs": []}], "metadata": {}}
        text = json.dumps(doc, indent=indent)
        new = replace_sources(text, {0: "a = 1\nb = 22\n"})
        doc["cells"][0]["source"] = ["a = 1\n", "b = 22\n"]
        assert new == json.dumps(doc, indent=indent)
    escaped = json.dumps({"cells": [{"cell_type": "code", "source": ["x = 'é'\n", "y"]}]}, indent=1)
    assert "\\u00e9" in replace_sources(escaped, {0: "x = 'é'\ny = 1"})


# -- --diff ---------------------------------------------------------------------------------------
def _diff(root: Path, *extra: str) -> bytes:
    proc = subprocess.run([sys.executable, "-m", "ptm_lint", "check", ".", "--no-cache", "--diff", "--unsafe-fixes",
                           *extra], cwd=root, capture_output=True, env=None)
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"Would fix" in proc.stderr
    return proc.stdout


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("patch") is None, reason="needs git and patch")
def test_diff_applies_with_git_apply_and_patch(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    no_newline = 'import torch\nsd = torch.load("w.pt")'  # no final newline
    files = {"app.py": APP, "sub dir/nb.ipynb": NOTEBOOK, "sub dir/tail.py": no_newline,
             "crlf.py": 'import torch\r\nsd = torch.load("w.pt")\r\n'}
    root = project(tmp_path, files)
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True)
    original = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    patch_git = _diff(root)
    patch_p0 = _diff(root, "--no-diff-prefix")
    assert patch_git.startswith(b"--- a/") and patch_p0.startswith(b"--- ") and b"--- a/" not in patch_p0
    assert {p.relative_to(root): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.parts} == original  # --diff writes nothing
    (tmp_path / "g.patch").write_bytes(patch_git)
    (tmp_path / "p0.patch").write_bytes(patch_p0)
    subprocess.run(["git", "apply", "--check", str(tmp_path / "g.patch")], cwd=root, check=True)
    subprocess.run(["patch", "-p1", "--dry-run", "-i", str(tmp_path / "g.patch")], cwd=root, check=True,
                   capture_output=True)
    subprocess.run(["patch", "-p0", "--dry-run", "-i", str(tmp_path / "p0.patch")], cwd=root, check=True,
                   capture_output=True)
    # Applying the patch gives exactly what --fix writes.
    subprocess.run(["git", "apply", str(tmp_path / "g.patch")], cwd=root, check=True)
    patched = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    for rel, data in original.items():
        (root / rel).write_bytes(data)
    run(root, "--fix", "--unsafe-fixes", capsys=capsys)
    fixed = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert patched == fixed
    assert fixed[Path("sub dir/tail.py")] == b'import torch\nsd = torch.load("w.pt", weights_only=True)'
    assert fixed[Path("crlf.py")] == b'import torch\r\nsd = torch.load("w.pt", weights_only=True)\r\n'


def test_unified_diff_marks_a_missing_final_newline():
    diff = unified_diff("x.py", b"a\nb", b"a\nc")
    assert diff.endswith(b"+c\n\\ No newline at end of file\n")


# -- outputs --------------------------------------------------------------------------------------
def test_json_and_sarif_carry_the_fix(tmp_path, capsys):
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    root = project(tmp_path, {"app.py": APP})
    run(root, "--select", "PTM101", "--format", "json", capsys=None)
    doc = json.loads(capsys.readouterr().out)
    fix = doc["findings"][0]["fix"]
    assert fix["applicability"] == "safe" and SHA_GPT2 in fix["description"]
    assert fix["edits"] == [{"line": 6, "column": 40, "end_line": 6, "end_column": 40,
                             "content": f', revision="{SHA_GPT2}"'}]
    assert doc["summary"]["fixable"] == 2
    run(root, "--select", "PTM101", "--format", "sarif", capsys=None)
    sarif = json.loads(capsys.readouterr().out)
    result = sarif["runs"][0]["results"][0]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == f', revision="{SHA_GPT2}"'
    assert replacement["deletedRegion"]["startLine"] == 6


def test_a_hard_coded_token_is_never_printed_in_a_fix_or_a_diff(tmp_path, capsys):
    hf_cache(tmp_path, "google-bert/bert-base-uncased", {"main": SHA_BERT})
    token = "hf_" + "Zq7" * 12
    source = ('from transformers import AutoModel\n'
              f'm = AutoModel.from_pretrained("google-bert/bert-base-uncased", revision="main", token="{token}")\n')
    root = project(tmp_path, {"app.py": source})
    run(root, "--select", "PTM102", "--format", "json", capsys=None)
    out = capsys.readouterr().out
    assert token not in out
    fix = json.loads(out)["findings"][0]["fix"]
    assert [e["content"] for e in fix["edits"]] == [SHA_BERT, '  # was: "main"']
    code, out = run(root, "--select", "PTM102", "--diff", capsys=None)
    captured = capsys.readouterr()
    assert code == 1 and token not in captured.out + captured.err and captured.out == ""
    assert "app.py: diff not shown" in captured.err
    run(root, "--select", "PTM102", "--fix", capsys=capsys)
    assert f'revision="{SHA_BERT}", token="{token}")  # was: "main"' in (root / "app.py").read_text()


def test_edits_round_trip():
    old = "a = f(1)\r\nb = g(\n    2,\n)\n"
    new = "a = f(1, x=2)\r\nb = g(\n    2,\n    y=3,\n)\n"
    edits = compute_edits(old, new)
    assert len(edits) == 2
    assert apply_offsets(old, edit_offsets(old, edits)) == new


# -- robustness -----------------------------------------------------------------------------------
try:
    import hypothesmith
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    hypothesmith = None

if hypothesmith is not None:
    LOADS = ('import torch\nfrom transformers import AutoModel\n'
             'AutoModel.from_pretrained("gpt2", use_auth_token="x")\ntorch.load("w.pt")\n')

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(source=hypothesmith.from_grammar(), where=st.booleans())
    def test_fixing_generated_programs_never_crashes_and_always_parses(tmp_path_factory, source, where):
        import ast

        tmp = tmp_path_factory.mktemp("fuzz")
        hf_cache(tmp, "openai-community/gpt2", {"main": SHA_GPT2})
        text = LOADS + source if where else source + "\n" + LOADS
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        root = project(tmp, {"f.py": text})
        import os

        old = os.environ.get("HF_HUB_CACHE")
        os.environ["HF_HUB_CACHE"] = str(tmp / "hf-cache")
        try:
            outcome = fix_tree(root, unsafe=True)
        finally:
            if old is not None:
                os.environ["HF_HUB_CACHE"] = old
        for before, after in outcome.changed.values():
            ast.parse(after.decode("utf-8"))
        assert 'token="x"' in outcome.changed["f.py"][1].decode("utf-8")


# -- the fix-suggestion cache (fix/suggest.py) --------------------------------------------------------
def _cached_run(root: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["check", str(root), "--root", str(root), "--color", "never", "--format", "json", "--exit-zero", *args])
    return code, capsys.readouterr().out


def _no_engine(monkeypatch) -> None:
    """From here on, computing a fix is a test failure: the fix cache must answer."""
    from ptm_lint.fix import engine

    def boom(*args, **kwargs):
        raise AssertionError("a fix was computed again instead of being read from the fix cache")

    monkeypatch.setattr(engine, "fixes_for_file", boom)


def test_fix_suggestions_are_cached_and_follow_the_pin_source(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(tmp_path / "ptm-cache"))
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_GPT2})
    root = project(tmp_path, {"app.py": APP, "load.py": "import torch\nstate = torch.load('w.pt')\n"})
    _, plain = _cached_run(root, capsys, "--no-cache")
    _, cold = _cached_run(root, capsys)
    assert cold == plain and SHA_GPT2 in cold and "weights_only=True" in cold
    with monkeypatch.context() as patch:
        _no_engine(patch)
        _, warm = _cached_run(root, capsys)
    assert warm == plain
    # the local cache now resolves main to another commit: the stored suggestion is stale
    hf_cache(tmp_path, "openai-community/gpt2", {"main": SHA_TAG})
    _, moved = _cached_run(root, capsys)
    assert SHA_TAG in moved and SHA_GPT2 not in moved
    assert moved == _cached_run(root, capsys, "--no-cache")[1]


def test_a_corrupt_fix_entry_is_recomputed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(tmp_path / "ptm-cache"))
    root = project(tmp_path, {"load.py": "import torch\nstate = torch.load('w.pt')\n"})
    _, plain = _cached_run(root, capsys, "--no-cache")
    _cached_run(root, capsys)
    entries = list((tmp_path / "ptm-cache" / "fix").rglob("*.json"))
    assert entries
    for garbage in (b"{", b'{"schema": 1, "key": "x", "value": 1}', b"[]"):
        for entry in entries:
            entry.write_bytes(garbage)
        assert _cached_run(root, capsys)[1] == plain
    for entry in entries:  # the right key, a malformed answer
        body = json.loads(entry.read_text()) if entry.read_bytes().startswith(b"{\"schema\"") else None
        if body:
            body["value"]["out"] = [["msg", ["safe", "d", [[1, "x", 1, 1, "t"]]]]]
            entry.write_text(json.dumps(body))
    assert _cached_run(root, capsys)[1] == plain


def test_whether_a_rule_is_fixable_is_known_without_libcst():
    """The registry answers `fixable` from the rule's module alone: checking never imports libcst."""
    code = ("import sys\nfrom ptm_lint.check.rulebook import default_rules\nfrom ptm_lint.check.registry import fixable\n"
            "print(sorted(r.id for r in default_rules() if fixable(r.id)))\nprint('libcst' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[1] == "False"
    assert eval(out[0]) == ["PTM101", "PTM102", "PTM103", "PTM104", "PTM202", "PTM203", "PTM205", "PTM301",
                            "PTM302", "PTM303", "PTM305"]
