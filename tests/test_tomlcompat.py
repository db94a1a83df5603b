"""TOML reading on every supported Python (3.10 has no tomllib: ptm_lint.tomlcompat falls back to
tomli). `.ci/run` runs this file on 3.10, the default Python and 3.13."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from ptm_lint import tomlcompat
from ptm_lint.pipeline import ScanOptions, scan_paths

SRC = Path(__file__).resolve().parents[1] / "src" / "ptm_lint"

SERVE = '''\
"""Serving entry point: the model comes from the deployment's TOML settings."""
import tomllib
from pathlib import Path

from transformers import AutoModelForSequenceClassification, AutoTokenizer

SETTINGS = tomllib.loads(Path("configs/serving.toml").read_text())


def load_classifier():
    name = SETTINGS["model"]["name"]
    tokenizer = AutoTokenizer.from_pretrained(name, revision=SETTINGS["model"]["revision"])
    model = AutoModelForSequenceClassification.from_pretrained(name, revision=SETTINGS["model"]["revision"])
    return tokenizer, model
'''

SERVING_TOML = '''\
# Deployment settings
[model]
name = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
revision = "714eb0fa89d2f80546fda750413ed43d93601a13"

[server]
port = 8080
'''


def test_tomlcompat_parses_like_the_standard_library():
    doc = tomlcompat.loads(SERVING_TOML)
    assert doc["model"]["revision"] == "714eb0fa89d2f80546fda750413ed43d93601a13"
    assert doc["server"]["port"] == 8080
    expected = "tomli" if sys.version_info < (3, 11) else "tomllib"
    assert tomlcompat.loads.__module__.split(".")[0] == expected


def test_a_model_id_read_from_a_toml_config_resolves(tmp_path):
    root = tmp_path / "service"
    (root / "configs").mkdir(parents=True)
    (root / "configs" / "serving.toml").write_text(SERVING_TOML)
    (root / "serve.py").write_text(SERVE)
    result = scan_paths([root], ScanOptions(jobs=1, cache=False), root=root)
    got = sorted((r.line, r.model, r.revision) for r in result.references)
    model = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    sha = "714eb0fa89d2f80546fda750413ed43d93601a13"
    assert got == [(12, model, sha), (13, model, sha)], f"on Python {sys.version_info[:2]}"
    assert not result.errors


def test_only_tomlcompat_imports_tomllib_or_tomli():
    """The fallback lives in one place: every other module goes through ptm_lint.tomlcompat."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "tomlcompat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("tomllib", "tomli") for n in names):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []
