"""The pipeline entry (ptm_lint.api): one Settings resolves the cache, --no-cache, online mode and the
token once, and every command honours them (sbom, report, check --fix included)."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from fake_hub import _fake_hub_server, fake_hub  # noqa: F401 - fixtures
from ptm_lint import api
from ptm_lint.cli import main
from ptm_lint.config import Config



def write_app(root: Path, source: str, pyproject_extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "app"\nversion = "1"\n{pyproject_extra}')
    (root / "app.py").write_text(textwrap.dedent(source))
    return root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


BERT = '''
from transformers import AutoModel
bert = AutoModel.from_pretrained("google-bert/bert-base-uncased")
'''


def _store_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json")) if folder.exists() else []


# -- Settings -------------------------------------------------------------------------------------
def test_settings_resolve_the_cache_folder_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config_file = tmp_path / "proj" / "pyproject.toml"
    config = Config(path=config_file, cache_dir="cachy")
    # The configuration's folder is relative to the configuration file, not the working directory.
    assert api.load_settings([tmp_path], config=config).cache_dir == (tmp_path / "proj" / "cachy").resolve()
    # The command line's is relative to the working directory, and wins.
    assert api.load_settings([tmp_path], config=config, cache_dir="cli").cache_dir == (tmp_path / "cli").resolve()
    assert api.load_settings([tmp_path], config=Config()).cache_dir is None  # the default folder
    settings = api.load_settings([tmp_path], config=Config(online=True), env={"HF_TOKEN": "hf_" + "x" * 34})
    assert settings.online and settings.token and "hf_" not in repr(settings)  # the token is never shown
    assert not api.load_settings([tmp_path], config=Config(online=True), online=False).online


# -- the bugs the single entry fixed ----------------------------------------------------------------
def test_sbom_no_cache_never_opens_the_metadata_store(fake_hub, tmp_path, capsys, monkeypatch):
    root = write_app(tmp_path / "app", BERT)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    default = Path(os.environ["PTM_LINT_CACHE_DIR"])
    code, out, _ = run(capsys, "sbom", root, "--online", "--no-cache")
    assert code == 0 and fake_hub.log and json.loads(out)["components"]
    assert _store_files(default) == []
    fake_hub.reset()
    run(capsys, "sbom", root, "--online")
    assert fake_hub.log and _store_files(default)  # without --no-cache the store is written


def test_sbom_config_cache_dir_is_relative_to_the_config_file(fake_hub, tmp_path, capsys, monkeypatch):
    root = write_app(tmp_path / "app", BERT, '\n[tool.ptm-lint]\ncache-dir = "cachy"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    run(capsys, "sbom", root, "--online")
    assert _store_files(root / "cachy") and not (elsewhere / "cachy").exists()


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_report_metadata_honours_no_cache_and_cache_dir(fake_hub, tmp_path, capsys, monkeypatch, fmt):
    root = write_app(tmp_path / "app", BERT)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    cache = tmp_path / "cache"
    argv = ("report", root, "-o", tmp_path / "r.html") if fmt == "html" else ("check", root, "--format", "markdown")
    run(capsys, *argv, "--online", "--cache-dir", cache)
    assert _store_files(cache)  # the readable report's licence lookup used --cache-dir
    default = Path(os.environ["PTM_LINT_CACHE_DIR"])
    run(capsys, *argv, "--online", "--no-cache", "--cache-dir", tmp_path / "third")
    assert not (tmp_path / "third").exists() and _store_files(default) == []


def test_fix_keeps_the_metadata_findings_of_fixed_files(fake_hub, tmp_path, capsys, monkeypatch):
    """After --fix the changed files are re-checked with the run's hub metadata: findings that need
    it (PTM4xx) do not vanish from the post-fix report."""
    source = '''
    import torch
    from transformers import AutoModel
    nllb = AutoModel.from_pretrained("facebook/nllb-200-distilled-600M", revision="f060e9010f8d9bd95a76e39638252e4f56dc9ad1")
    sd = torch.load("w.pt")
    '''
    root = write_app(tmp_path / "app", source)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    code, before, _ = run(capsys, "check", root, "--online", "--format", "json", "--select", "PTM2,PTM4")
    rules_before = {f["rule"] for f in json.loads(before)["findings"]}
    metadata_rules = {r for r in rules_before if r.startswith("PTM4")}
    assert metadata_rules and "PTM202" in rules_before
    code, after, _ = run(capsys, "check", root, "--online", "--format", "json", "--select", "PTM2,PTM4",
                         "--fix", "--unsafe-fixes")
    assert "weights_only=True" in (root / "app.py").read_text()
    rules_after = {f["rule"] for f in json.loads(after)["findings"]}
    assert "PTM202" not in rules_after and metadata_rules <= rules_after


def test_check_through_the_api_equals_the_cli(tmp_path, capsys):
    root = write_app(tmp_path / "app", BERT)
    settings = api.load_settings([root], config=Config(select=("ALL",)), use_cache=False)
    outcome = api.check(settings)
    code, out, _ = run(capsys, "check", root, "--select", "ALL", "--format", "json", "--no-cache")
    assert [f.to_json() for f in outcome.report.findings] == json.loads(out)["findings"]
    assert outcome.checked and code == 1
