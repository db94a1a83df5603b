"""Bandit's own example files for B614 / B615, run through ptm-lint.

Bandit 1.9.4 ships `examples/huggingface_unsafe_download.py` (B615) and `examples/pytorch_load.py`
(B614). The lines Bandit flags are recorded in shared/reference/peers.md §1.3; §1.1, §1.2 and §1.4
list where Bandit is wrong or blind. These tests check that ptm-lint finds a reference on every
line Bandit flags, reports a finding on every one of them, and is right where Bandit is not.

The sdist is downloaded once with `pip download` into ~/.cache/ptm-lint-tests (or
$PTM_LINT_TEST_CACHE) and reused; without network the tests are skipped. Nothing from it is
imported or executed: the two example files are only read.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import check_files
from ptm_lint.pipeline import run_inventory, scan_paths

BANDIT = "bandit==1.9.4"
SDIST = "bandit-1.9.4.tar.gz"
HF_FILE = "huggingface_unsafe_download.py"
TORCH_FILE = "pytorch_load.py"

# peers.md §1.3: the lines Bandit 1.9.4 reports in its own examples.
B615_LINES = (10, 13, 19, 28, 31, 37, 46, 49, 52, 58, 64, 71, 81, 84, 90)
B614_LINES = (10, 18, 22)
# The "SAFE USAGE" half of the HF example: pinned to a 40-hex sha, or a local path.
HF_SAFE_LINES = (103, 109, 110, 115, 121, 127, 136, 146)
HF_SHA_LINES = (103, 115, 127, 136, 146)
# torch.load(..., weights_only=True) and torch.utils.cpp_extension.load (not a pickle loader).
TORCH_SAFE_LINES = (14, 26, 30)

SHA40 = re.compile(r"[0-9a-f]{40}")
PINNING_RULES = {"PTM101", "PTM102"}


def _cache_dir() -> Path:
    return Path(os.environ.get("PTM_LINT_TEST_CACHE", Path.home() / ".cache" / "ptm-lint-tests"))


@pytest.fixture(scope="session")
def bandit_examples(tmp_path_factory) -> Path:
    """A folder holding Bandit's two example files (downloaded once, then read from the cache)."""
    cache = _cache_dir()
    archive = cache / SDIST
    if not archive.is_file():
        try:
            cache.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "--disable-pip-version-check", BANDIT, "-d", str(cache)],
                capture_output=True, text=True, timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"cannot download {BANDIT} with pip (offline?): {exc}")
        if proc.returncode != 0 or not archive.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"cannot download {BANDIT} with pip (offline?): {last[0]}")
    out = tmp_path_factory.mktemp("bandit-examples")
    wanted = {f"bandit-1.9.4/examples/{name}": name for name in (HF_FILE, TORCH_FILE)}
    try:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if member.name in wanted and member.isfile():
                    handle = tf.extractfile(member)
                    assert handle is not None
                    (out / wanted[member.name]).write_bytes(handle.read())
    except tarfile.TarError as exc:
        pytest.skip(f"the cached {SDIST} is unreadable ({exc}); delete it from {cache}")
    missing = [name for name in wanted.values() if not (out / name).is_file()]
    assert not missing, f"{SDIST} does not contain {missing}"
    return out


def _text(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def _lines(findings, rules=None, path=None) -> set[int]:
    return {f.line for f in findings
            if (rules is None or f.rule in rules) and (path is None or f.path == path) and not f.suppressed}


# ---------------------------------------------------------------------------------------------
# (a) an inventory reference on every line Bandit flags


def test_inventory_has_a_reference_on_every_line_bandit_flags(bandit_examples):
    report = run_inventory([bandit_examples], root=bandit_examples)
    assert not report.errors
    lines = {(ref.path, ref.line) for ref in report.references}
    missing_hf = [n for n in B615_LINES if (HF_FILE, n) not in lines]
    missing_torch = [n for n in B614_LINES if (TORCH_FILE, n) not in lines]
    assert not missing_hf, f"B615 lines without a reference: {missing_hf}"
    assert not missing_torch, f"B614 lines without a reference: {missing_torch}"


def test_inventory_apis_and_ids_of_the_hf_example(bandit_examples):
    refs = {r.line: r for r in scan_paths([bandit_examples], root=bandit_examples).references if r.path == HF_FILE}
    expected_api = {
        10: "transformers.AutoModel.from_pretrained", 28: "transformers.AutoTokenizer.from_pretrained",
        46: "datasets.load_dataset", 58: "huggingface_hub.hf_hub_download",
        81: "huggingface_hub.snapshot_download",
    }
    for line, api in expected_api.items():
        assert refs[line].api == api
    for line in B615_LINES:
        assert refs[line].hub == "huggingface"
        assert refs[line].model in ("org/model_name", "org_dataset")
    assert refs[46].role == refs[49].role == refs[52].role == "dataset"
    assert refs[28].role == "tokenizer"
    # Local paths, positional or keyword, are local.
    for line in (109, 110, 121):
        assert (refs[line].hub, refs[line].pin) == ("local", "local")


# ---------------------------------------------------------------------------------------------
# (b) only a 40-hex lowercase revision is immutable


def test_only_a_full_lowercase_sha_is_immutable(bandit_examples):
    refs = [r for r in scan_paths([bandit_examples], root=bandit_examples).references
            if r.path == HF_FILE and r.hub == "huggingface"]
    assert refs
    for ref in refs:
        is_sha = ref.revision is not None and SHA40.fullmatch(ref.revision) is not None
        assert (ref.pin == "immutable") == is_sha, (ref.line, ref.revision, ref.pin)
    assert sorted(r.line for r in refs if r.pin == "immutable") == list(HF_SHA_LINES)
    by_line = {r.line: r for r in refs}
    assert by_line[13].revision == "main" and by_line[13].pin == "mutable"
    assert by_line[19].revision == "v1.0.0" and by_line[19].pin == "weak"
    assert by_line[10].revision is None and by_line[10].pin == "mutable"
    # Example #24 / #25: resolved through the constant / the dict, and only a short sha.
    assert (by_line[154].revision, by_line[154].pin) == ("548fc3543a", "weak")
    assert (by_line[161].revision, by_line[161].pin) == ("abc1234567", "weak")


@pytest.mark.parametrize("revision", [
    "deadbeef", "1234567", "ABCDEF0", "548fc3543a",
    "5D0F2E8A7F1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D",   # 40 hex, but upper case
    "5d0f2e8a7f1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d0",  # 41 hex
    "main", "v1.0.0", "refs/pr/1",
])
def test_revisions_bandit_accepts_or_that_look_pinned_are_not_immutable(tmp_path, revision):
    source = f'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", revision="{revision}")\n'
    (tmp_path / "probe.py").write_text(source)
    (ref,) = scan_paths([tmp_path], root=tmp_path).references
    assert ref.revision == revision
    assert ref.pin != "immutable"


# ---------------------------------------------------------------------------------------------
# (c) ptm-lint's findings cover every line Bandit reports


def test_pinning_findings_cover_every_b615_line(bandit_examples, tmp_path):
    findings = check_files(tmp_path, {HF_FILE: _text(bandit_examples, HF_FILE)})
    flagged = _lines(findings, PINNING_RULES, HF_FILE)
    assert not set(B615_LINES) - flagged, f"B615 lines without PTM101/PTM102: {sorted(set(B615_LINES) - flagged)}"
    # No revision -> PTM101; a branch or tag -> PTM102.
    by_rule = {f.line: f.rule for f in findings if f.rule in PINNING_RULES}
    assert {by_rule[n] for n in (10, 28, 46, 58, 81)} == {"PTM101"}
    assert {by_rule[n] for n in (13, 19, 31, 37, 49, 52, 64, 71, 84, 90)} == {"PTM102"}
    # The safe half stays quiet: pinned to a full sha, or a local path.
    assert not flagged & set(HF_SAFE_LINES), sorted(flagged & set(HF_SAFE_LINES))


@pytest.mark.parametrize("requirements", ["torch<2.6", None], ids=["torch<2.6", "undeclared"])
def test_ptm202_covers_every_b614_line(bandit_examples, tmp_path, requirements):
    findings = check_files(tmp_path, {TORCH_FILE: _text(bandit_examples, TORCH_FILE)}, requirements=requirements)
    flagged = _lines(findings, {"PTM202"}, TORCH_FILE)
    assert flagged == set(B614_LINES)
    assert not flagged & set(TORCH_SAFE_LINES)


def test_ptm202_knows_the_torch_2_6_default(bandit_examples, tmp_path):
    """Bandit is version-unaware (peers.md §1.2): from torch 2.6 weights_only defaults to True, so
    only the explicit weights_only=False is still unsafe."""
    findings = check_files(tmp_path, {TORCH_FILE: _text(bandit_examples, TORCH_FILE)}, requirements="torch>=2.6")
    assert _lines(findings, {"PTM202"}, TORCH_FILE) == {18}


# ---------------------------------------------------------------------------------------------
# (d) where Bandit is wrong, ptm-lint is right


def test_revision_variables_are_judged_on_their_values(bandit_examples, tmp_path):
    """Bandit 1.9.4 trusts every non-literal revision (#24 MODEL_REVISION = "548fc3543a",
    #25 config["revision"] = "abc1234567"); both are short shas that huggingface_hub treats as ref
    names, so ptm-lint reports them."""
    text = _text(bandit_examples, HF_FILE)
    lines = text.splitlines()
    line_24 = next(i for i, s in enumerate(lines, 1) if "revision=MODEL_REVISION" in s)
    line_25 = next(i for i, s in enumerate(lines, 1) if 'revision=config["revision"]' in s)
    findings = check_files(tmp_path, {HF_FILE: text})
    calls = {f.line: f for f in findings if f.rule in PINNING_RULES}
    # The finding sits on the call, which starts two lines above the revision= argument.
    assert calls[line_24 - 2].rule == "PTM102" and "548fc3543a" in calls[line_24 - 2].message
    assert calls[line_25 - 2].rule == "PTM102" and "abc1234567" in calls[line_25 - 2].message


def test_a_full_sha_in_a_constant_is_not_reported(tmp_path):
    source = (
        "from transformers import AutoModel\n"
        'MODEL_REVISION = "5d0f2e8a7f1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"\n'
        'config = {"revision": MODEL_REVISION}\n'
        'a = AutoModel.from_pretrained("org/model_name", revision=MODEL_REVISION)\n'
        'b = AutoModel.from_pretrained("org/model_name", revision=config["revision"])\n'
    )
    findings = check_files(tmp_path, {"probe.py": source})
    assert not _lines(findings, PINNING_RULES)


def test_weights_only_flag_constant_true_is_not_reported(tmp_path):
    """Bandit flags weights_only=WO with WO = True, and **{"weights_only": True} (peers.md §1.2)."""
    source = (
        "import torch\n"
        "FLAG = True\n"
        'a = torch.load("model_weights.pth", weights_only=FLAG)\n'
        'b = torch.load("model_weights.pth", **{"weights_only": True})\n'
        'c = torch.load("model_weights.pth", weights_only=not FLAG)\n'
    )
    findings = check_files(tmp_path, {"probe.py": source})
    assert _lines(findings, {"PTM202"}) == {5}


def test_local_path_by_keyword_is_not_unpinned(tmp_path):
    """Bandit only checks the first positional argument for a local path (peers.md §1.1 step 5)."""
    source = (
        "from transformers import AutoModel, AutoTokenizer\n"
        'a = AutoModel.from_pretrained(pretrained_model_name_or_path="./local")\n'
        'b = AutoTokenizer.from_pretrained(pretrained_model_name_or_path="/models/tok")\n'
    )
    (tmp_path / "probe.py").write_text(source)
    refs = scan_paths([tmp_path / "probe.py"], root=tmp_path).references
    assert [(r.line, r.hub, r.pin) for r in refs] == [(2, "local", "local"), (3, "local", "local")]
    findings = check_files(tmp_path, {"probe.py": source})
    assert not _lines(findings, PINNING_RULES)


def test_local_dataset_builder_is_not_unpinned(tmp_path):
    """Bandit flags load_dataset("csv", data_files=...), a local builder (peers.md §1.4)."""
    source = 'from datasets import load_dataset\nd = load_dataset("csv", data_files="x.csv")\n'
    findings = check_files(tmp_path, {"probe.py": source})
    assert not _lines(findings, PINNING_RULES)


def test_os_path_join_is_a_local_path(tmp_path):
    source = 'import os\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained(os.path.join("a", "b"))\n'
    findings = check_files(tmp_path, {"probe.py": source})
    assert not _lines(findings, PINNING_RULES)


# ---------------------------------------------------------------------------------------------
# what Bandit misses (peers.md §1.4), ptm-lint reports

SHA = "5d0f2e8a7f1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"
TF_HANDLE = "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector"
AUTO = "from transformers import AutoModel"
# (id, source lines: the call to judge is the last one, expected rules on it)
_PROBES = [
    ("pipeline", ["from transformers import pipeline",
                  'x = pipeline("text-classification", model="org/m")'], {"PTM101"}),
    ("diffusers", ["from diffusers import DiffusionPipeline",
                   'x = DiffusionPipeline.from_pretrained("org/m")'], {"PTM101"}),
    ("sentence-transformers", ["from sentence_transformers import SentenceTransformer",
                               'x = SentenceTransformer("org/m")'], {"PTM101"}),
    ("timm-hf-hub", ["import timm", 'x = timm.create_model("hf-hub:org/m", pretrained=True)'], {"PTM106"}),
    ("short-sha-deadbeef", [AUTO, 'x = AutoModel.from_pretrained("org/m", revision="deadbeef")'], {"PTM102"}),
    ("short-sha-1234567", [AUTO, 'x = AutoModel.from_pretrained("org/m", revision="1234567")'], {"PTM102"}),
    ("upper-hex", [AUTO, 'x = AutoModel.from_pretrained("org/m", revision="ABCDEF0")'], {"PTM102"}),
    ("REV-main", [AUTO, 'REV = "main"', 'x = AutoModel.from_pretrained("org/m", revision=REV)'], {"PTM102"}),
    ("fstring-REV", [AUTO, 'REV = "main"', 'x = AutoModel.from_pretrained("org/m", revision=f"{REV}")'],
     {"PTM102"}),
    ("HfApi-method", ["from huggingface_hub import HfApi",
                      'x = HfApi().hf_hub_download("org/m", "config.json")'], {"PTM101"}),
    ("class-alias", [AUTO, "cls = AutoModel", 'x = cls.from_pretrained("org/m")'], {"PTM101"}),
    ("from-torch-import-load", ["from torch import load", 'x = load("model.pt")'], {"PTM202"}),
    ("torch.serialization.load", ["import torch.serialization",
                                  'x = torch.serialization.load("model.pt")'], {"PTM202"}),
    ("load_state_dict_from_url", ["import torch",
                                  'x = torch.hub.load_state_dict_from_url("https://example.com/w.pth")'],
     {"PTM202", "PTM205"}),
    ("torch.hub.load", ["import torch",
                        'x = torch.hub.load("pytorch/vision", "resnet18", pretrained=True)'], {"PTM103"}),
    ("hub.KerasLayer", ["import tensorflow_hub as hub", f'x = hub.KerasLayer("{TF_HANDLE}")'], {"PTM104"}),
    ("trust_remote_code", [AUTO, f'x = AutoModel.from_pretrained("org/m", revision="{SHA}", '
                                 "trust_remote_code=True)"], {"PTM201"}),
    ("use_safetensors-False", [AUTO, f'x = AutoModel.from_pretrained("org/m", revision="{SHA}", '
                                     "use_safetensors=False)"], {"PTM203"}),
]
MISSED_BY_BANDIT = [pytest.param("\n".join(lines) + "\n", rules, id=name) for name, lines, rules in _PROBES]


@pytest.mark.parametrize(("source", "rules"), MISSED_BY_BANDIT)
def test_ptm_lint_reports_what_bandit_misses(tmp_path, source, rules):
    findings = check_files(tmp_path, {"probe.py": source})
    last = source.rstrip("\n").count("\n") + 1
    got = {f.rule for f in findings if f.line == last and not f.suppressed}
    assert rules <= got, f"expected {sorted(rules)} on line {last}, got {sorted(got)}"
