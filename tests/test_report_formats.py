"""Reporters of `ptm-lint check`: text, findings JSON, SARIF, GitHub annotations."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ptm_lint.check.rulebook import Example, RuleMeta
from ptm_lint.core import FileError, Finding, Fix, Reference, Report, Span
from ptm_lint.report import sarif as sarif_mod
from ptm_lint.report.findings_json import render_json
from ptm_lint.report.github import escape_data, escape_property, render_github
from ptm_lint.report.sarif import build_sarif, line_hashes, preflight, render_sarif
from ptm_lint.report.text import escape, render_text

# The OASIS SARIF 2.1.0 schema (a copy of shared/reference/sarif-schema-2.1.0.json, kept in the repo
# so that the validation never depends on what lies beside the checkout).
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

APP = (
    "from transformers import AutoModel\n"
    "\n"
    'model = AutoModel.from_pretrained("bert-base-uncased")\n'
    "\n"
    'other = AutoModel.from_pretrained("gpt2")  # ptm-lint: ignore[PTM101]\n'
)
UNI_PATH = "src/dir with space/ünï.py"
UNI = (
    'from transformers import AutoModel\nAutoModel.from_pretrained("x/y", trust_remote_code=True)\n'
)
NL_PATH = "weird\nname.py"
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": [
                    "import transformers\n",
                    'm = transformers.AutoModel.from_pretrained("gpt2")',
                ],
            },
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
    ensure_ascii=False,
)
SOURCES = {"src/app.py": APP, UNI_PATH: UNI, "nb.ipynb": NOTEBOOK, NL_PATH: "x = 1\n"}

PTM101 = RuleMeta(
    id="PTM101",
    name="unpinned-hf-revision",
    level="warning",
    category="reproducibility",
    summary="Hugging Face model loaded without a revision",
    rationale="Without revision= the load follows the moving main branch.",
    fix="Pass revision='<40-hex commit sha>'.",
    tags=("reproducibility", "supply-chain"),
    bad=(Example('AutoModel.from_pretrained("gpt2")'),),
    good=(Example('AutoModel.from_pretrained("gpt2", revision="```")'),),
)
PTM201 = RuleMeta(
    id="PTM201",
    name="trust-remote-code",
    level="error",
    category="security",
    summary="trust_remote_code=True runs code from the hub",
    rationale="The repository's Python code is executed on load.",
    fix="Remove trust_remote_code or pin a reviewed sha.",
    tags=tuple(f"tag{i}" for i in range(12)),
    security_severity="8.1",
    cwe=("CWE-94", "494"),
    bad=(Example('AutoModel.from_pretrained("x/y", trust_remote_code=True)'),),
    good=(Example('AutoModel.from_pretrained("x/y")'),),
)
PTM107 = RuleMeta(
    id="PTM107",
    name="unresolved-model-id",
    level="note",
    category="reproducibility",
    summary="Model id not statically resolvable",
    rationale="The SBOM is incomplete here.",
    fix="",
)


def _ref(path: str, line: int, model: str | None, cell: int | None = None) -> Reference:
    return Reference(
        path=path,
        cell=cell,
        line=line,
        column=9,
        end_line=line,
        end_column=55,
        api="transformers.AutoModel.from_pretrained",
        hub="huggingface",
        role="model",
        model=model,
        canonical=model,
        resolution="literal",
        provenance=None,
        revision=None,
        pin="mutable",
        options={},
    )


def _finding(rule: RuleMeta, path: str, line: int, col: int, end_col: int, **kw) -> Finding:
    return Finding(
        rule=rule.id,
        name=rule.name,
        level=rule.level,
        message=kw.pop("message", rule.summary + "."),
        path=path,
        cell=kw.pop("cell", None),
        line=line,
        column=col,
        end_line=kw.pop("end_line", line),
        end_column=end_col,
        **kw,
    )


SAFE_FIX = Fix(
    "safe",
    "Pin the revision",
    edits=((Span(3, 54, 3, 54), ', revision="0123456789abcdef0123456789abcdef01234567"'),),
)


def make_report(shift: int = 0) -> Report:
    """The sample report; `shift` blank lines inserted at the top of src/app.py."""
    refs = (
        _ref("src/app.py", 3 + shift, "bert-base-uncased"),
        _ref("src/app.py", 5 + shift, "gpt2"),
        _ref(UNI_PATH, 2, "x/y"),
        _ref("nb.ipynb", 2, "gpt2", cell=1),
    )
    fix = dataclasses.replace(
        SAFE_FIX, edits=((Span(3 + shift, 54, 3 + shift, 54), SAFE_FIX.edits[0][1]),)
    )
    findings = (
        _finding(
            PTM101,
            "src/app.py",
            3 + shift,
            9,
            55,
            model="bert-base-uncased",
            reference=0,
            fix=fix,
            message="AutoModel.from_pretrained('bert-base-uncased') has no revision.",
        ),
        _finding(
            PTM101, "src/app.py", 5 + shift, 9, 42, model="gpt2", reference=1, suppressed=True
        ),
        _finding(
            PTM201,
            UNI_PATH,
            2,
            1,
            58,
            model="x/y",
            reference=2,
            fix=Fix("unsafe", "Remove trust_remote_code=True"),
        ),
        _finding(PTM101, "nb.ipynb", 2, 5, 51, cell=1, model="gpt2", reference=3),
        _finding(
            PTM107,
            NL_PATH,
            1,
            1,
            6,
            message="<script>alert(1)</script> 100% done :: really\x1b[31m, ok",
            fix=Fix("display", "Use a literal id"),
        ),
    )
    errors = (
        FileError("bad.py", "syntax error: invalid syntax", "parse", 7),
        FileError("r.ipynb", "notebook language is 'R', not Python; skipped", "skipped"),
        FileError("gone.py", "cannot read: permission denied", "io"),
    )
    return Report(
        root="/repo/my project",
        references=refs,
        findings=findings,
        errors=errors,
        rules=(PTM201, PTM107, PTM101),
        notes=("2 models not checked against the hub (offline).",),
    )


def _shifted_sources(shift: int) -> dict[str, str]:
    return {**SOURCES, "src/app.py": "\n" * shift + APP}


def _sarif(report: Report | None = None, sources: dict[str, str] | None = SOURCES, **kw) -> dict:
    report = report or make_report()
    doc = json.loads(
        render_sarif(report, read_source=sources.get if sources is not None else None, **kw)
    )
    assert doc == build_sarif(
        report, read_source=sources.get if sources is not None else None, **kw
    )
    return doc


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA_PATH.exists():
        pytest.skip(
            f"SARIF schema not found at {SCHEMA_PATH} (shared/reference/sarif-schema-2.1.0.json)"
        )
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _errors(validator, doc) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


# ---------------------------------------------------------------- SARIF
@pytest.mark.parametrize("include_suppressed", [False, True])
@pytest.mark.parametrize("with_sources", [False, True])
def test_sarif_is_schema_valid_and_passes_github_preflight(
    validator, include_suppressed, with_sources
):
    doc = _sarif(sources=SOURCES if with_sources else None, include_suppressed=include_suppressed)
    assert _errors(validator, doc) == []
    assert preflight(doc) == []


def test_sarif_run_shape():
    doc = _sarif()
    assert doc["version"] == "2.1.0" and doc["$schema"].startswith("https://")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert (
        driver["name"] == "ptm-lint" and driver["semanticVersion"] == driver["version"] == "0.1.0"
    )
    assert driver["informationUri"].startswith("https://")
    assert run["automationDetails"] == {"id": "ptm-lint/"}
    # No path of the machine that wrote the log unless asked for (SARIF1018: absolute or absent).
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    base = _sarif(root=sarif_mod.root_uri("/repo/my project"))["runs"][0]["originalUriBaseIds"]
    assert base["%SRCROOT%"] == {"uri": "file:///repo/my%20project/"}
    assert sarif_mod.valid_root_uri("https://github.com/o/r/blob/abc/")
    assert not sarif_mod.valid_root_uri("repo/") and not sarif_mod.valid_root_uri("/abs/path")
    assert run["columnKind"] == "unicodeCodePoints"
    assert "language" not in run and "newlineSequences" not in run  # attrs defaults dropped
    assert "automationDetails" not in _sarif(category=None)["runs"][0]
    assert _sarif(category="ptm/py")["runs"][0]["automationDetails"]["id"] == "ptm/py/"


def test_sarif_rules():
    rules = _sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PTM101", "PTM107", "PTM201"]
    sec = rules[2]
    props = sec["properties"]
    assert props["security-severity"] == "8.1" and isinstance(props["security-severity"], str)
    assert 0 < float(props["security-severity"]) <= 10
    assert len(props["tags"]) == 10
    assert props["tags"][:3] == ["security", "external/cwe/cwe-94", "external/cwe/cwe-494"]
    assert "problem.severity" not in props and props["precision"] == "high"
    assert sec["defaultConfiguration"] == {"level": "error"}
    assert sec["helpUri"].endswith("/PTM201.md")
    assert sec["shortDescription"]["text"] == PTM201.summary
    assert sec["fullDescription"]["text"] == PTM201.rationale
    md = rules[0]["help"]["markdown"]
    assert "```python\n" in md and "Pass revision=" in md
    assert (
        '````python\nAutoModel.from_pretrained("gpt2", revision="```")\n````' in md
    )  # fence outgrows ```
    assert "Example (flagged)" in rules[0]["help"]["text"]
    assert "security-severity" not in rules[0]["properties"]
    assert rules[0]["properties"]["problem.severity"] == "warning"
    assert rules[1]["properties"]["problem.severity"] == "recommendation"


def test_sarif_results_locations_and_uris():
    run = _sarif()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_uri = {}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%"
        assert not art["uri"].startswith("/") and ".." not in art["uri"].split("/")
        assert set(loc["physicalLocation"]["region"]) == {
            "startLine",
            "startColumn",
            "endLine",
            "endColumn",
        }
        assert "ptmLintFingerprint/v1" in res["partialFingerprints"]
        assert "primaryLocationLineHash" in res["partialFingerprints"]
        by_uri[art["uri"]] = res
    assert set(by_uri) == {
        "src/app.py",
        "src/dir%20with%20space/%C3%BCn%C3%AF.py",
        "nb.ipynb",
        "weird%0Aname.py",
    }
    app = by_uri["src/app.py"]
    assert app["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 9,
        "endLine": 3,
        "endColumn": 55,
    }
    assert app["properties"]["model"] == "bert-base-uncased"
    assert app["properties"]["api"] == "transformers.AutoModel.from_pretrained"
    assert "cell" not in app["properties"]
    assert app["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(APP)[3]
    # A message with markup and command-like text is carried verbatim (JSON-escaped only).
    assert by_uri["weird%0Aname.py"]["message"]["text"].startswith(
        "<script>alert(1)</script> 100% done ::"
    )


def test_sarif_without_source_omits_line_hash_only():
    for res in _sarif(sources=None)["runs"][0]["results"]:
        assert list(res["partialFingerprints"]) == ["ptmLintFingerprint/v1"]


def test_sarif_notebook_region_maps_into_the_stored_ipynb():
    run = _sarif()["runs"][0]
    (res,) = [
        r
        for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb.ipynb"
    ]
    raw_lines = NOTEBOOK.split("\n")
    raw_no = next(i for i, ln in enumerate(raw_lines, 1) if '"m = transformers' in ln)
    raw = raw_lines[raw_no - 1]
    start_col = raw.index('"m = ') + 1 + 4 + 1  # after the quote, skip "m = ", 1-based
    end_col = raw.rindex('"') + 1  # the closing quote: exclusive end of the escaped code
    assert raw[start_col - 1 : start_col - 1 + len("transformers")] == "transformers"
    assert res["locations"][0]["physicalLocation"]["region"] == {
        "startLine": raw_no,
        "startColumn": start_col,
        "endLine": raw_no,
        "endColumn": end_col,
    }
    assert res["properties"]["cell"] == 1
    assert res["properties"]["cellRegion"] == {
        "startLine": 2,
        "startColumn": 5,
        "endLine": 2,
        "endColumn": 51,
    }
    assert res["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(NOTEBOOK)[raw_no]


def test_sarif_notebook_mapping_handles_escapes_and_string_sources():
    from ptm_lint.report.sarif import _Notebook

    text = json.dumps(
        {
            "metadata": {},
            "cells": [{"cell_type": "code", "source": 'a = "\u00e9\U0001f600"\nb = 1'}],
        },
        ensure_ascii=True,
    )
    nb = _Notebook(text)
    assert nb.line(0, 2) == "b = 1" and nb.line(0, 1) == 'a = "é\U0001f600"'
    raw_line, raw_col = nb.raw_position(0, 2, 1)
    assert raw_line == 1 and text[raw_col - 1] == "b"
    _, quote_col = nb.raw_position(
        0, 1, 8
    )  # the closing '"' after é and the emoji (both \\u-escaped)
    assert (
        text[quote_col - 1 : quote_col + 1] == '\\"'
        and text[quote_col - 13 : quote_col - 1] == "\\ud83d\\ude00"
    )
    assert nb.raw_position(0, 3, 1) is None and nb.raw_position(5, 1, 1) is None
    broken = _Notebook("{not json")
    assert broken.raw_position(0, 1, 1) is None and broken.line(0, 1) is None


def _fingerprints(doc: dict) -> dict[tuple[str, str], str]:
    out = {}
    for res in doc["runs"][0]["results"]:
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        out[(res["ruleId"], uri, res["properties"].get("model"))] = res["partialFingerprints"]
    return out


def test_fingerprint_survives_lines_inserted_above():
    before = _fingerprints(_sarif(include_suppressed=True))
    after = _fingerprints(
        _sarif(make_report(shift=4), _shifted_sources(4), include_suppressed=True)
    )
    assert before == after  # both ptmLintFingerprint/v1 and primaryLocationLineHash
    # ...and the region did move.
    shifted = _sarif(make_report(shift=4), _shifted_sources(4))["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 7 for r in shifted)


def test_fingerprint_distinguishes_identical_lines_by_occurrence():
    load = 'm = AutoModel.from_pretrained("gpt2")\n'
    src = "from transformers import AutoModel\n" + load + load
    findings = tuple(_finding(PTM101, "dup.py", n, 5, 38, model="gpt2") for n in (2, 3))
    doc = _sarif(Report(root="/r", findings=findings, rules=(PTM101,)), {"dup.py": src})
    fps = [r["partialFingerprints"] for r in doc["runs"][0]["results"]]
    assert fps[0]["ptmLintFingerprint/v1"] != fps[1]["ptmLintFingerprint/v1"]
    assert fps[0]["primaryLocationLineHash"] != fps[1]["primaryLocationLineHash"]


def test_suppressed_results_only_when_asked():
    def app_lines(doc):
        return sorted(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in doc["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
        )

    plain, full = _sarif(), _sarif(include_suppressed=True)
    assert app_lines(plain) == [3] and app_lines(full) == [3, 5]
    assert not any("suppressions" in r for r in plain["runs"][0]["results"])
    sup = [r for r in full["runs"][0]["results"] if "suppressions" in r]
    assert len(sup) == 1 and sup[0]["suppressions"] == [{"kind": "inSource", "status": "accepted"}]


def test_tool_execution_notifications_for_file_errors():
    inv = _sarif()["runs"][0]["invocations"]
    assert len(inv) == 1 and inv[0]["executionSuccessful"] is True
    notes = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n
        for n in inv[0]["toolExecutionNotifications"]
        if "locations" in n
    }
    assert notes["bad.py"]["level"] == "error" and notes["bad.py"]["message"]["text"].startswith(
        "syntax error"
    )
    assert notes["bad.py"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7}
    assert notes["r.ipynb"]["level"] == "note" and notes["gone.py"]["level"] == "error"
    internal = dataclasses.replace(make_report(), errors=(FileError("x.py", "boom", "internal"),))
    assert _sarif(internal)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_sarif_fixes():
    results = {
        r["ruleId"] + r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
        for r in _sarif()["runs"][0]["results"]
    }
    (fix,) = results["PTM101src/app.py"]["fixes"]
    assert fix["description"]["text"] == "Pin the revision"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 3, "startColumn": 54, "endLine": 3, "endColumn": 54},
            "insertedContent": {"text": ', revision="0123456789abcdef0123456789abcdef01234567"'},
        }
    ]
    sec = results["PTM201src/dir%20with%20space/%C3%BCn%C3%AF.py"]
    assert "fixes" not in sec  # a fix without edits is described, not encoded
    assert sec["properties"]["fix"] == {
        "applicability": "unsafe",
        "description": "Remove trust_remote_code=True",
    }
    assert "Remove trust_remote_code=True" in sec["message"]["text"]


def test_sarif_limits_truncate_with_notification(validator, monkeypatch):
    monkeypatch.setattr(sarif_mod, "MAX_RESULTS", 2)
    monkeypatch.setattr(sarif_mod, "STORED_RESULTS", 1)
    doc = _sarif()
    results = doc["runs"][0]["results"]
    assert len(results) == 2
    assert {r["level"] for r in results} == {"error", "warning"}  # the note was dropped first
    texts = [
        n["message"]["text"] for n in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    ]
    assert any("results dropped" in t for t in texts)
    assert any("PTM201: 5 tag(s)" in t for t in texts)
    assert _errors(validator, doc) == [] and preflight(doc) == []


def test_sarif_long_texts_and_bad_severity_are_tamed(validator):
    rule = dataclasses.replace(PTM201, name="n" * 300, summary="s" * 2000, security_severity="high")
    f = _finding(rule, "a.py", 1, 1, 2, message="[x](0) " + "m" * 10_000)
    doc = _sarif(Report(root="/r", findings=(f,), rules=(rule,)), {})
    (desc,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert len(desc["name"]) == 255 and len(desc["shortDescription"]["text"]) == 1024
    assert (
        "security-severity" not in desc["properties"] and "security" in desc["properties"]["tags"]
    )
    text = doc["runs"][0]["results"][0]["message"]["text"]
    assert text.startswith("\\[x\\](0) ") and len(text) <= sarif_mod.MAX_MESSAGE
    assert _errors(validator, doc) == [] and preflight(doc) == []


def test_preflight_catches_mistakes():
    doc = _sarif()
    run = doc["runs"][0]
    run["tool"]["driver"]["rules"][2]["properties"]["security-severity"] = "high"
    run["results"][0]["ruleIndex"] = 99
    run["results"][1]["partialFingerprints"] = {}
    run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "../x.py"
    problems = preflight(doc)
    assert len(problems) == 4, problems


def test_uri_for_paths_outside_root_is_absolute():
    uri, base = sarif_mod.artifact_uri("../outside.py", "/repo/sub")
    assert base is None and uri == "file:///repo/sub/../outside.py"
    assert sarif_mod.artifact_uri("c:odd.py", "/r") == ("c%3Aodd.py", "%SRCROOT%")
    assert sarif_mod.artifact_uri("b\udcff.py", "/r") == ("b%FF.py", "%SRCROOT%")


def test_line_hashes_match_codeql_action_vectors():
    assert line_hashes("") == {1: "c129715d7a2bc9a3:1"}
    assert [line_hashes(" a\nb\n  \t\tc\n d")[i] for i in (1, 2, 3, 4)] == [
        "271789c17abda88f:1",
        "54703d4cd895b18:1",
        "180aee12dab6264:1",
        "a23a3dc5e078b07b:1",
    ]
    crlf = " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n"
    assert (
        line_hashes(crlf)[1] == "e9496ae3ebfced30:1"
        and line_hashes(crlf)[7] == "c129715d7a2bc9a3:1"
    )


def test_line_hashes_searched_or_counted_agree():
    """A few lines asked for: their windows are searched for; many: every window is counted. Both
    give the counts of repeated lines (and of lines that only share a prefix) as the action does."""
    text = "  a = 1\n" * 40 + "".join(f"x{i} = {i}\n" for i in range(40))
    everything = line_hashes(text)  # asks for every line: the counting pass
    assert len({h.split(":")[0] for h in everything.values()}) > 16
    assert everything[3].endswith(":3") and everything[10].endswith(":10")  # same window, counted
    for n in (1, 3, 10, 20, 30, 41, 80, 81):
        assert sarif_mod.LineHashes(text).get(n) == everything[n]  # a fresh one: the search


def test_reporter_modules_import_without_heavy_dependencies():
    code = (
        "import sys, ptm_lint.report.sarif, ptm_lint.report.text, ptm_lint.report.github, "
        "ptm_lint.report.findings_json; "
        "bad = {'sarif_om', 'jsonschema', 'attr'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- text
def test_text_output():
    out = render_text(make_report())
    lines = out.splitlines()
    assert lines[:4] == [
        "nb.ipynb:cell 2:2:5: PTM101 Hugging Face model loaded without a revision.",
        "src/app.py:3:9: PTM101 [*] "
        "AutoModel.from_pretrained('bert-base-uncased') has no revision.",
        "src/dir with space/ünï.py:2:1: PTM201 trust_remote_code=True runs code from the hub.",
        "weird\\nname.py:1:1: PTM107 <script>alert(1)</script> 100% done :: really\\x1b[31m, ok",
    ]
    assert lines[4:7] == [
        "bad.py:7:1: error: syntax error: invalid syntax",
        "gone.py:1:1: error: cannot read: permission denied",
        "r.ipynb:1:1: warning: notebook language is 'R', not Python; skipped",
    ]
    assert lines[7:] == [
        "Found 4 findings (1 error, 2 warnings, 1 note).",
        "[*] 1 fixable with `ptm-lint --fix`.",
        "3 files could not be fully analysed (see above).",
        "1 suppressed.",
        "2 models not checked against the hub (offline).",
    ]
    assert "\x1b" not in out  # no colour, and scanned escape sequences are neutralised


def test_text_colour_and_suppressed():
    out = render_text(make_report(), color=True, show_suppressed=True)
    assert "\x1b[1msrc/app.py\x1b[0m:3:9: \x1b[1m\x1b[33mPTM101\x1b[0m \x1b[36m[*]\x1b[0m" in out
    assert "\x1b[1m\x1b[31mPTM201\x1b[0m" in out and "\x1b[1m\x1b[34mPTM107\x1b[0m" in out
    assert "src/app.py:5:9: \x1b" not in out and "5:9: \x1b[1m\x1b[33mPTM101\x1b[0m" in out
    assert "\x1b[2m[suppressed]\x1b[0m" in out  # marked (dimmed) next to the rule
    plain = render_text(make_report(), show_suppressed=True)
    assert "src/app.py:5:9: PTM101 [suppressed] " in plain
    assert "src/app.py:5:9:" not in render_text(make_report())
    assert "\\x1b[31m" in out and "really\x1b[31m" not in out  # data escapes stay escaped


def test_text_all_clear_and_escape():
    assert render_text(Report(root="/r")) == "All checks passed!\n"
    only_errors = Report(root="/r", errors=(FileError("a.py", "bad"),))
    assert render_text(only_errors).splitlines()[-2:] == [
        "No findings.",
        "1 file could not be fully analysed (see above).",
    ]
    assert escape("a\nb\rc\td\x00e\u202ef\udcff") == "a\\nb\\rc\\td\\x00e\\u202ef\\udcff"
    assert escape("ünï ✓") == "ünï ✓"


# ---------------------------------------------------------------- GitHub annotations
def test_github_commands():
    lines = render_github(make_report(), read_source=SOURCES.get).splitlines()
    assert len(lines) == 4 + 3  # suppressed finding omitted
    app = next(ln for ln in lines if "file=src/app.py" in ln)
    assert app == (
        "::warning file=src/app.py,line=3,col=9,endLine=3,endColumn=55,"
        "title=PTM101 (unpinned-hf-revision)::"
        "AutoModel.from_pretrained('bert-base-uncased') has no revision."
    )
    assert any(ln.startswith("::error file=src/dir with space/ünï.py,line=2,") for ln in lines)
    weird = next(ln for ln in lines if ln.startswith("::notice "))
    assert weird.startswith(
        "::notice file=weird%0Aname.py,line=1,col=1,endLine=1,endColumn=6,"
        "title=PTM107 (unresolved-model-id)::"
    )
    assert weird.endswith("::<script>alert(1)</script> 100%25 done :: really\\x1b[31m, ok")
    nb = next(ln for ln in lines if "file=nb.ipynb" in ln)
    assert "::cell 2, line 2: " in nb and ",line=2," not in nb  # mapped to the stored .ipynb line
    assert "::warning file=bad.py,line=7::syntax error: invalid syntax" in lines
    assert "::warning file=gone.py::cannot read: permission denied" in lines
    assert all("\x1b" not in ln for ln in lines)


def test_github_notebook_without_source_and_multiline():
    multi = _finding(PTM101, "m.py", 2, 5, 3, end_line=4)
    nb = _finding(PTM101, "nb.ipynb", 2, 5, 51, cell=1)
    out = render_github(Report(root="/r", findings=(multi, nb))).splitlines()
    assert out[0].startswith("::warning file=m.py,line=2,endLine=4,title=")  # no col across lines
    assert out[1].startswith(
        "::warning file=nb.ipynb,title=PTM101 (unpinned-hf-revision)::cell 2, line 2: "
    )
    assert render_github(Report(root="/r")) == ""


def test_github_escaping():
    assert escape_data("100%\r\na::b,c") == "100%25%0D%0Aa::b,c"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


# ---------------------------------------------------------------- findings JSON
def test_findings_json_contract():
    doc = json.loads(render_json(make_report()))
    assert list(doc)[:5] == ["schema", "tool", "findings", "references", "errors"]
    assert doc["schema"] == "ptm-lint/findings/1"
    assert doc["tool"] == {"name": "ptm-lint", "version": "0.1.0"}
    assert len(doc["findings"]) == 5 and sum(f["suppressed"] for f in doc["findings"]) == 1
    keys = {
        "rule",
        "name",
        "level",
        "message",
        "path",
        "cell",
        "line",
        "column",
        "end_line",
        "end_column",
        "model",
        "reference",
        "fix",
        "suppressed",
    }
    assert all(keys <= set(f) for f in doc["findings"])
    app = next(f for f in doc["findings"] if f["line"] == 3)
    assert app["fix"] == {"applicability": "safe", "description": "Pin the revision", "edits": [
        {"line": 3, "column": 54, "end_line": 3, "end_column": 54,
         "content": ', revision="0123456789abcdef0123456789abcdef01234567"'}]}
    assert (
        len(doc["references"]) == 4
        and doc["references"][0]["api"] == "transformers.AutoModel.from_pretrained"
    )
    assert doc["errors"][0] == {
        "path": "bad.py",
        "message": "syntax error: invalid syntax",
        "kind": "parse",
        "line": 7,
    }
    assert doc["summary"] == {
        "total": 4,
        "by_level": {"error": 1, "warning": 2, "note": 1},
        "by_rule": {"PTM101": 2, "PTM107": 1, "PTM201": 1},
        "fixable": 1,
        "unsafe_fixable": 0,
        "suppressed": 1,
        "files_with_errors": 3,
    }
    assert doc["notes"] == ["2 models not checked against the hub (offline)."]


def test_json_outputs_survive_undecodable_paths():
    f = _finding(PTM101, "b\udcff.py", 1, 1, 2)
    report = Report(root="/r", findings=(f,), rules=(PTM101,))
    for text in (render_json(report), render_sarif(report)):
        text.encode("utf-8")  # writable
        json.loads(text)
