"""`ptm-lint check --format markdown`: the GitHub job summary."""

from __future__ import annotations

import json
import re

import pytest

from conftest import TESTDATA
from ptm_lint.cli import main
from ptm_lint.core import Finding, Reference, Report
from ptm_lint.report.markdown import (
    MAX_SUMMARY_BYTES, md_code, md_text, mermaid_label, render_markdown,
)

DEMO = TESTDATA / "demo-app"


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("md")
    assert main(["check", str(DEMO), "--format", "markdown", "-o", str(out / "s.md"), "--no-cache"]) == 1
    main(["check", str(DEMO), "--format", "json", "-o", str(out / "f.json"), "--no-cache"])
    return (out / "s.md").read_text(encoding="utf-8"), json.loads((out / "f.json").read_text())


def _table(md: str, heading: str) -> list[list[str]]:
    """Rows of the first table after `heading`, split on unescaped pipes."""
    section = md.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
        elif rows:
            break
    return rows


def test_demo_summary_totals_match_findings_json(demo):
    md, doc = demo
    s = doc["summary"]
    assert md.startswith("## ptm-lint: demo-app\n")
    assert f"**{s['total']} findings**" in md
    for level, n in s["by_level"].items():
        if n:
            assert f"{n} {level}{'s' if n != 1 else ''}" in md
    rows = _table(md, "### Findings by rule")
    header, body = rows[0], rows[2:]
    assert header[:2] == ["Rule", "Name"] and header[-1] == "Total"
    by_rule = {re.match(r"\[(PTM\d+)\]", r[0]).group(1): int(r[-1].strip("*")) for r in body[:-1]}
    assert by_rule == s["by_rule"]
    assert body[-1][-1] == f"**{s['total']}**"
    assert len(md.encode()) <= MAX_SUMMARY_BYTES


def test_demo_models_table_and_rule_links(demo):
    md, doc = demo
    rows = _table(md, "### Models")
    # The demo app ships a model lock (ptm-lint.lock): the table has its Lock column.
    assert rows[0] == ["Model", "Hub", "Revision", "Pin", "Lock", "License", "Findings", "Used in"]
    assert all(len(r) == 8 for r in rows)
    n_models = len({(r["hub"], r["canonical"] or r["model"]) for r in doc["references"] if r["canonical"] or r["model"]})
    assert len(rows) - 2 == n_models + 1  # + the "(unresolved id)" row
    bert = next(r for r in rows if r[0].startswith("`google-bert/bert-base-uncased`"))
    assert "(as `bert-base-uncased`)" in bert[0] and bert[1] == "huggingface" and bert[3] == "mutable"
    assert bert[4] == "locked"  # testdata/hf-cache holds it; the demo's lock is built from there
    assert "`app/models.py:80`" in bert[7]
    assert "(https://github.com/ptm-lint/ptm-lint/blob/main/docs/rules/PTM101.md)" in md


def test_demo_findings_table_and_mermaid(demo):
    md, doc = demo
    findings = _table(md, "<summary>")
    assert len(findings) - 2 == doc["summary"]["total"]
    assert all(len(r) == 5 for r in findings)
    block = re.search(r"```mermaid\n(.*?)\n```", md, re.S).group(1)
    assert block.startswith("flowchart LR")
    assert '["app/models.py"]' in block and '("google-bert/bert-base-uncased")' in block
    assert "classDef level_error" in block


def test_clean_project(tmp_path, capsys):
    (tmp_path / "a.py").write_text("x = 1\n")
    code, out = _run(capsys, "check", str(tmp_path), "--format", "markdown")
    assert code == 0
    assert "**No findings.**" in out and "### Findings" not in out


# ---------------------------------------------------------------- escaping
def test_md_text_neutralises_markup():
    hostile = "a|b <img src=x onerror=alert(1)> **bold** [x](http://e) `c` @octocat\nnext ~s~ \\"
    out = md_text(hostile)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert "\\|" in out and "&lt;img" in out and "\\*\\*bold\\*\\*" in out and "\\[x\\]" in out
    assert "\\`c\\`" in out and "@\u200boctocat" in out and "\\~s\\~" in out
    assert not re.search(r"(?<!\\)\|", out)


def test_md_code_fences_and_pipes():
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b") == "`a\\|b`"
    assert md_code("x\ny") == "`x y`"


def test_mermaid_label_cannot_break_out():
    label = mermaid_label('x"]; click p href "javascript:alert(1)" <b>#1')
    assert '"' not in label and "<" not in label and ">" not in label
    assert "#34;" in label and "#60;" in label and "#35;" in label


def _ref(model: str, revision: str | None = None, path: str = "app.py", line: int = 1) -> Reference:
    return Reference(path=path, cell=None, line=line, column=1, end_line=line, end_column=10,
                     api="transformers.AutoModel.from_pretrained", hub="huggingface", role="model",
                     model=model, canonical=model, resolution="literal", provenance=None,
                     revision=revision, pin="mutable", options={})


def _finding(rule: str, level: str, message: str, model: str | None, ref: int | None,
             path: str = "app.py", line: int = 1) -> Finding:
    return Finding(rule=rule, name="unpinned-hf-revision", level=level, message=message, path=path,
                   cell=None, line=line, column=1, end_line=line, end_column=10, model=model,
                   reference=ref)


def test_hostile_ids_and_paths_stay_in_their_cells():
    model = "org/a|b<script>alert(1)</script>`x`@team"
    path = "src/we|rd <b>.py"
    report = Report(root="/tmp/proj", references=(_ref(model, "v1|`2`", path=path),),
                    findings=(_finding("PTM101", "warning", "msg | with <tags> and @someone", model, 0,
                                       path=path),))
    md = render_markdown(report)
    # Raw `<` may appear only inside code spans (which GitHub never renders as HTML) and in our
    # own <details>/<summary>/<sub> tags.
    outside = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", md)
    outside = re.sub(r"</?(details|summary|sub)\b[^>]*>", "", outside)
    assert "<" not in outside
    assert "&lt;tags&gt;" in md
    for heading, width in (("### Models", 7), ("<summary>", 5)):
        rows = _table(md, heading)
        assert all(len(r) == width for r in rows), rows
    assert "@\u200bsomeone" in md


# ---------------------------------------------------------------- size limit
def test_huge_report_is_truncated_under_the_limit_with_a_note():
    refs, findings = [], []
    for i in range(4000):
        refs.append(_ref(f"org/model-{i:05d}", path=f"pkg/module_{i % 300:03d}.py", line=i + 1))
    for i in range(30000):
        level = "error" if i % 1000 == 0 else "warning"
        findings.append(_finding("PTM101", level, f"finding {i} " + "x" * 200, f"org/model-{i % 4000:05d}",
                                 i % 4000, path=f"pkg/module_{i % 300:03d}.py", line=i + 1))
    report = Report(root="/tmp/huge", references=tuple(refs), findings=tuple(findings))
    md = render_markdown(report)
    size = len(md.encode("utf-8"))
    assert size <= MAX_SUMMARY_BYTES
    assert size > MAX_SUMMARY_BYTES * 0.8  # it uses the room it has
    assert "[!NOTE]" in md and "1 MiB step-summary limit" in md
    shown = int(re.search(r"it shows (\d+) of 30000 findings", md).group(1))
    assert 0 < shown < 30000
    # Totals are never truncated, and the most severe findings are kept first.
    assert "**30000 findings**" in md
    assert md.count("\u274c | [PTM101]") == 30
    assert "```mermaid" not in md and "left out to stay under the size limit" in md


def test_long_message_is_shortened():
    report = Report(root="/tmp/p", references=(_ref("org/m"),),
                    findings=(_finding("PTM101", "warning", "y" * 5000, "org/m", 0),))
    md = render_markdown(report)
    assert "y" * 600 not in md and "y" * 500 in md


def test_custom_limit_respected():
    refs = tuple(_ref(f"org/m{i}", line=i + 1) for i in range(300))
    finds = tuple(_finding("PTM101", "warning", "m" * 100, f"org/m{i}", i, line=i + 1) for i in range(300))
    md = render_markdown(Report(root="/tmp/p", references=refs, findings=finds), max_bytes=20_000)
    assert len(md.encode()) <= 20_000 and "[!NOTE]" in md


def test_undecodable_names_and_controls_are_writable_and_visible():
    path, model = "bad\udcffname\u202e.py", "org/m\x1b[31m"
    report = Report(root="/tmp/p", references=(_ref(model, path=path),),
                    findings=(_finding("PTM101", "warning", "m\u2066x", model, 0, path=path),))
    md = render_markdown(report)
    md.encode("utf-8")  # no lone surrogate left
    assert "\\udcff" in md and "\x1b" not in md and "\u202e" not in md and "\u2066" not in md


_MERMAID_JS = """
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try { await mermaid.parse(readFileSync(file, "utf8")); }
  catch (e) { failed++; console.log(file + ": " + String((e && e.message) || e)); }
}
process.exit(failed ? 1 : 0);
"""


def test_mermaid_block_parses_with_mermaid(tmp_path, demo):
    """With PTM_LINT_MERMAID_DIR pointing at a directory where `npm install mermaid jsdom` ran, the
    summary's graph (demo app and hostile labels) goes through Mermaid's own parser."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    from ptm_lint.report.markdown import render_mermaid
    from ptm_lint.report.overview import Graph, GraphEdge, GraphNode

    where, node = os.environ.get("PTM_LINT_MERMAID_DIR"), shutil.which("node")
    if not where or not node or not (Path(where) / "node_modules" / "mermaid").is_dir():
        pytest.skip("set PTM_LINT_MERMAID_DIR to a directory with node_modules/{mermaid,jsdom} to run")
    (tmp_path / "node_modules").symlink_to(Path(where).resolve() / "node_modules")
    (tmp_path / "parse.mjs").write_text(_MERMAID_JS)
    (tmp_path / "demo.mmd").write_text(re.search(r"```mermaid\n(.*?)\n```", demo[0], re.S).group(1))
    hostile = 'x"]; click p href "javascript:alert(1)" <b>#1 `a` \\ end & %% ;'
    graph = Graph([GraphNode("p", "project", hostile, "t", 0),
                   GraphNode("m0", "model", hostile, "t", 2, "level-error", "k")], [GraphEdge("p", "m0")])
    (tmp_path / "hostile.mmd").write_text(render_mermaid(graph)[0])
    done = subprocess.run([node, "parse.mjs", "demo.mmd", "hostile.mmd"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
