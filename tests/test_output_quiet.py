"""Output people act on (issue 19): short text lines with each piece of advice once, SARIF line
hashes in one pass, notices that concern the log, a fast strict SBOM validation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptm_lint.cli import main
from ptm_lint.core import Finding, Reference
from ptm_lint.fix.pins import how_to_pin
from ptm_lint.report import text as text_mod
from ptm_lint.report.sarif import LineHashes, line_hashes
from ptm_lint.report.text import split_advice

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "testdata" / "demo-app"
_FINDING = re.compile(r"^\S.*?:\d+:\d+: PTM\d{3} ")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([*argv, "--no-cache"])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "demo-app"
    shutil.copytree(DEMO, root)
    return root


# ---------------------------------------------------------------- text
def test_demo_text_is_short_lines_and_each_hint_once(demo, capsys):
    code, out = run(capsys, "check", str(demo))
    assert code == 1
    lines = out.splitlines()
    findings = [ln for ln in lines if _FINDING.match(ln)]
    assert len(findings) == 89
    assert sum(map(len, findings)) / len(findings) < 200  # the bar (hints and advice moved below)
    assert not any("hf download" in ln or "is known locally" in ln for ln in findings)
    helps = [ln for ln in lines if ln.startswith("help: ")]
    assert len(helps) == len(set(helps))  # no advice repeats
    downloads = [ln.split("#")[0].strip() for ln in lines if ln.startswith("  hf download ")]
    assert len(downloads) == len(set(downloads)) == 17  # one per model the lock does not pin
    # the canonical id, never the id as written (`all-MiniLM-L6-v2`, `all-mpnet-base-v2`)
    assert "hf download sentence-transformers/all-MiniLM-L6-v2" in downloads
    assert "hf download google-bert/bert-base-uncased" not in downloads  # ptm-lint.lock pins it
    assert "hf download sentence-transformers/all-mpnet-base-v2" in downloads
    assert "hf download acme-ml/support-tickets --repo-type dataset" in downloads
    assert not any(d in ("hf download all-MiniLM-L6-v2", "hf download all-mpnet-base-v2") for d in downloads)
    # the summary says nothing the user did not ask about (offline, default rules)
    assert "could not be checked against the hub" not in out
    assert lines[-2:] == ["Found 89 findings (3 errors, 73 warnings, 13 notes).",
                          "[*] 16 fixable with `ptm-lint --fix` (5 unsafe fixes available with "
                          "`ptm-lint --fix --unsafe-fixes`)."]


def test_full_output_format_keeps_whole_messages_and_fixes(demo, capsys):
    _, out = run(capsys, "check", str(demo), "--output-format", "full", "--select", "PTM101,PTM305")
    assert "(no commit sha for 'sentence-transformers/all-MiniLM-L6-v2' is known locally: run " \
           "`hf download sentence-transformers/all-MiniLM-L6-v2` to cache it" in out
    assert "\n  help: Use the namespaced id 'google-bert/bert-base-uncased' (fix)\n" in out
    # the demo's ptm-lint.lock pins bert-base-uncased: its PTM101 fix is the locked commit
    assert "help: Pin revision=\"1dbc166cf8765166998eff31ade2eb64c8a40076\" (what 'main' in the model lock " \
           "(ptm-lint.lock) resolves to) (fix)" in out
    assert not any(ln.startswith("help: ") for ln in out.splitlines())  # nothing grouped


def test_json_keeps_everything_the_text_leaves_out(demo, capsys):
    _, out = run(capsys, "check", str(demo), "--format", "json")
    doc = json.loads(out)
    assert set(doc) == {"schema", "tool", "findings", "references", "errors", "summary", "notes"}
    assert set(doc["findings"][0]) == {"rule", "name", "level", "message", "path", "cell", "line", "column",
                                       "end_line", "end_column", "model", "reference", "fix", "suppressed"}
    messages = [f["message"] for f in doc["findings"]]
    assert any(m.endswith("(no commit sha for 'sentence-transformers/all-MiniLM-L6-v2' is known locally: run "
                          "`hf download sentence-transformers/all-MiniLM-L6-v2` to cache it, or "
                          "`ptm-lint check --fix --online`)") for m in messages)
    assert any("pin revision= to a 40-character commit sha" in m for m in messages)
    assert any("could not be checked against the hub" in n for n in doc["notes"])


def test_hub_note_shown_when_metadata_rules_are_selected(demo, capsys):
    _, out = run(capsys, "check", str(demo), "--select", "PTM404")
    assert "models could not be checked against the hub; run with --online" in out


def test_suppressed_findings_are_marked(tmp_path, capsys):
    (tmp_path / "a.py").write_text('from transformers import AutoModel\n'
                                   'm = AutoModel.from_pretrained("gpt2")  # ptm-lint: ignore[PTM101]\n')
    _, out = run(capsys, "check", str(tmp_path), "--show-suppressed")
    assert re.search(r"^a\.py:2:5: PTM101 \[suppressed\] ", out, re.M)
    assert re.search(r"^a\.py:2:5: PTM305 \[\*\] ", out, re.M)
    assert "1 suppressed." in out
    _, out = run(capsys, "check", str(tmp_path))
    assert "PTM101" not in out.split("help:")[0]


def test_fix_summary_follows_ruff(tmp_path, capsys):
    # the declared range has token= (transformers 4.32+): the use_auth_token= rename is a safe fix
    (tmp_path / "requirements.txt").write_text("transformers>=4.40\ntorch>=2.1\n")
    (tmp_path / "a.py").write_text('import torch\nfrom transformers import AutoModel\n'
                                   'm = AutoModel.from_pretrained("openai-community/gpt2", revision="%s",'
                                   ' use_auth_token="x")\nsd = torch.load("w.pt")\n' % ("a" * 40))
    code, out = run(capsys, "check", str(tmp_path), "--select", "PTM202,PTM301", "--fix")
    assert code == 1
    assert out.splitlines()[-2:] == ["Found 2 findings (1 fixed, 1 remaining).",
                                     "1 unsafe fix available with `ptm-lint --fix --unsafe-fixes`."]
    assert "No safe fixes" not in out and "Fixed 1 finding" not in out


def test_split_advice():
    assert split_advice("model 'a;b' is loaded (x; y); pin it") == ("model 'a;b' is loaded (x; y)", "pin it")
    assert split_advice("no advice here") == ("no advice here", None)
    assert split_advice("a; b; c") == ("a; b", "c")
    assert split_advice("dangling; ") == ("dangling; ", None)
    assert split_advice("the repo's weights are pickles; use the model's safetensors") == \
        ("the repo's weights are pickles", "use the model's safetensors")


def test_download_block_matches_the_hint_pins_writes():
    for role in ("model", "dataset"):
        ref = Reference("a.py", None, 1, 1, 1, 2, "transformers.AutoModel.from_pretrained", "huggingface", role,
                        "bert-base-uncased", "google-bert/bert-base-uncased", "literal", None, None, "mutable", {})
        hint = how_to_pin(ref)
        match = text_mod._HF_DOWNLOAD.fullmatch(hint)
        assert match is not None, hint
        assert match.group(1).startswith("hf download google-bert/bert-base-uncased")
    finding = Finding("PTM101", "x", "warning", "m (h)", "a.py", None, 1, 1, 1, 2, hint="h")
    assert finding.brief == "m" and finding.to_json()["message"] == "m (h)" and "hint" not in finding.to_json()


# ---------------------------------------------------------------- SARIF
def _reference_line_hashes(text: str) -> dict[int, str]:
    """github/codeql-action's fingerprints.ts, transcribed unit by unit (the specification)."""
    mod, block, eof, mask = 37, 100, 65535, (1 << 64) - 1
    first = pow(mod, block, 1 << 64)
    units = list(memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H")) + [eof]
    window, owner = [0] * block, [-1] * block
    h = idx = lineno = 0
    line_start, prev_cr = True, False
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def emit() -> None:
        hv = format(h, "x")
        counts[hv] = counts.get(hv, 0) + 1
        out[owner[idx]] = f"{hv}:{counts[hv]}"
        owner[idx] = -1

    def update(c: int) -> None:
        nonlocal h, idx
        h = (mod * h + c - first * window[idx]) & mask
        window[idx] = c
        idx = (idx + 1) % block

    for c in units:
        if c in (0x20, 0x09) or (prev_cr and c == 0x0A):
            prev_cr = False
            continue
        prev_cr = c == 0x0D
        c = 0x0A if c == 0x0D else c
        if owner[idx] != -1:
            emit()
        if line_start:
            line_start = False
            lineno += 1
            owner[idx] = lineno
        line_start = c == 0x0A
        update(c)
    for _ in range(block):
        if owner[idx] != -1:
            emit()
        update(0)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "\t", "\r", "\n", "\r\n", "é", "😀", "\udcff", "x" * 7]),
                max_size=400).map("".join))
def test_line_hashes_equal_the_rolling_hash(text):
    assert line_hashes(text) == _reference_line_hashes(text)


def test_line_hashes_on_notebook_shaped_text():
    # A notebook output: long base64 lines, repeated lines (the `:N` occurrence counts), CR LF.
    text = '{\n "data": "' + "QUJD" * 50_000 + '"\r\n}\n' + "x = 1\n" * 300 + '  "\t"\r\r\n'
    hashes = LineHashes(text)
    assert {n: hashes.get(n) for n in range(1, len(hashes) + 1)} == _reference_line_hashes(text)
    assert hashes.get(0) is None and hashes.get(len(hashes) + 1) is None


def test_sarif_notices_only_for_rules_with_results(demo, tmp_path, capsys):
    (tmp_path / "a.py").write_text('from transformers import AutoModel\nm = AutoModel.from_pretrained("gpt2")\n')
    _, out = run(capsys, "check", str(tmp_path), "--format", "sarif")  # every rule enabled, PTM202 included
    doc = json.loads(out)
    assert "PTM202" in {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"PTM101", "PTM305"}
    notices = doc["runs"][0]["invocations"][0].get("toolExecutionNotifications", [])
    assert not any("PTM202" in n["message"]["text"] for n in notices)
    assert "uri" not in doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    _, out = run(capsys, "check", str(demo), "--format", "sarif", "--sarif-root-uri", "local")
    assert json.loads(out)["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert main(["check", str(demo), "--format", "sarif", "--sarif-root-uri", "not a uri", "--no-cache"]) == 2


# ---------------------------------------------------------------- SBOM
def test_sbom_validation_agrees_with_cyclonedx_and_is_fast(demo, capsys):
    pytest.importorskip("jsonschema")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from ptm_lint.sbom.validation import json_errors

    code, out = run(capsys, "sbom", str(demo))
    assert code == 0 and json_errors(out, "1.6") == []
    doc = json.loads(out)
    doc["components"][0]["bom-ref"] = 5
    doc["components"][0]["externalReferences"] = [{"type": "website", "url": "ht tp://not an iri"},
                                                   {"type": "website", "url": "https://例え.jp/ü?q=1"}]
    doc["unknownProperty"] = True  # strict: no additional properties
    broken = json.dumps(doc)
    ours = json_errors(broken, "1.6")
    theirs = list(JsonStrictValidator(SchemaVersion.V1_6).validate_str(broken, all_errors=True) or [])
    assert len(ours) == len(theirs) == 3
    assert any("ht tp://not an iri" in e for e in ours) and not any("例え" in e for e in ours)
