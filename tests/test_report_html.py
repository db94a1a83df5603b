"""`ptm-lint report PATH -o report.html`: the self-contained HTML report.

The browser tests load the page in a real headless Chromium (Debian's `chromium` package driven by
Playwright from PyPI; `.ci/run` installs both) and skip with a message where either is missing.
Set PTM_LINT_CHROMIUM to use another Chromium binary.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import TESTDATA
from ptm_lint.cli import main
from ptm_lint.core import Finding, Reference, Report
from ptm_lint.report.html import layout_graph, render_html
from ptm_lint.report.overview import build_overview

DEMO = TESTDATA / "demo-app"
INJECTED = "<script>window.__pwned=1</script>"
INJECTED_ATTR = 'org/x" onmouseover="window.__pwned=2'
HOSTILE_APP = f'''from transformers import AutoModel
m = AutoModel.from_pretrained("{INJECTED}")
n = AutoModel.from_pretrained('{INJECTED_ATTR}', revision="a|b`c@d")
'''


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    assert main(["report", str(DEMO), "-o", str(out / "report.html"), "--no-cache", "--no-metadata"]) == 0
    main(["check", str(DEMO), "--format", "json", "-o", str(out / "findings.json"), "--no-cache"])
    return out / "report.html", json.loads((out / "findings.json").read_text())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-project")
    (root / "app.py").write_text(HOSTILE_APP, encoding="utf-8")
    out = root.parent / f"{root.name}-report.html"
    assert main(["report", str(root), "-o", str(out), "--no-cache", "--no-metadata"]) == 0
    return out


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag
            (self.scripts if tag == "script" else self.styles).append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "style":
            self.styles[-1] += data


def _parse(text: str) -> _Collect:
    parser = _Collect()
    parser.feed(text)
    return parser


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# ---------------------------------------------------------------- static checks
def test_page_is_self_contained_with_a_strict_csp(demo):
    page = _parse(demo[0].read_text(encoding="utf-8"))
    csp = next(a["content"] for t, a in page.tags
               if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert len(page.scripts) == 1 and len(page.styles) == 1
    assert _sha(page.scripts[0]) in csp and _sha(page.styles[0]) in csp
    for tag, attrs in page.tags:
        assert "style" not in attrs, f"inline style attribute on <{tag}> (blocked by the CSP)"
        assert not any(k.startswith("on") for k in attrs), f"inline handler on <{tag}>"
        assert "src" not in attrs or tag not in ("img", "script", "iframe")
        if tag == "link":
            assert attrs.get("href") == "data:,"
        if tag == "a":
            assert attrs["href"].startswith(("https://github.com/ptm-lint/ptm-lint/", "#"))


def test_counts_and_rows_match_findings_json(demo):
    text = demo[0].read_text(encoding="utf-8")
    s = demo[1]["summary"]
    assert f'id="count-total">{s["total"]}<' in text
    for level, n in s["by_level"].items():
        assert f'id="count-{level}">{n}<' in text
    findings = demo[1]["findings"]
    # Each finding appears once in each grouping (by model, by rule).
    assert text.count('<tr class="finding"') == 2 * len(findings)
    for rule, n in s["by_rule"].items():
        assert text.count(f'data-rule="{rule}"') == 2 * n
    assert 'href="https://github.com/ptm-lint/ptm-lint/blob/main/docs/rules/PTM101.md"' in text
    assert "<svg" in text and 'class="node n-model' in text


def test_injected_ids_are_escaped(hostile):
    text = hostile.read_text(encoding="utf-8")
    assert INJECTED not in text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text
    assert 'onmouseover="window' not in text
    page = _parse(text)
    assert len(page.scripts) == 1 and "__pwned" not in page.scripts[0]
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)


def test_graph_layout_is_layered_and_inside_the_canvas(demo):
    report = _demo_report()
    layout = layout_graph(build_overview(report).graph)
    assert layout is not None
    xs = {b.node.kind: b.x for b in layout.boxes}
    assert xs["project"] < xs["file"] < xs["model"] < xs["revision"]
    for b in layout.boxes:
        assert 0 <= b.x and b.x + b.w <= layout.width and 0 <= b.top and b.top + 20 <= layout.height
    # No two boxes of one column overlap.
    for kind in ("file", "model", "revision"):
        ys = sorted(b.y for b in layout.boxes if b.node.kind == kind)
        assert all(b - a >= 20 for a, b in zip(ys, ys[1:])), kind


def test_secrets_never_reach_the_snippets(tmp_path):
    token = "hf_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7"
    (tmp_path / "a.py").write_text(
        "from transformers import AutoModel\n"
        f'm = AutoModel.from_pretrained("org/m", token="{token}")\n', encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path), "-o", str(out), "--no-cache", "--no-metadata"]) == 0
    assert token not in out.read_text(encoding="utf-8")


def test_empty_project(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path), "-o", str(out), "--no-cache", "--no-metadata"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "No findings" in text and "No model references found." in text


def _demo_report() -> Report:
    from ptm_lint.catalog import default_catalog
    from ptm_lint.check.engine import Selection, run_checks
    from ptm_lint.check.rulebook import default_rules
    from ptm_lint.check.context import Context
    from ptm_lint.discover.project import read_project
    from ptm_lint.pipeline import scan_paths

    result = scan_paths([DEMO], root=DEMO)
    ctx = Context(project=read_project(DEMO), catalog=default_catalog(), references=result.references)
    findings, _ = run_checks(result.references, result.by_path, default_rules(), Selection(), ctx)
    return Report(root=str(DEMO), references=result.references, findings=tuple(findings))


def test_suppressed_findings_are_hidden_by_default():
    ref = Reference(path="a.py", cell=None, line=1, column=1, end_line=1, end_column=5, api="x", hub="huggingface",
                    role="model", model="org/m", canonical="org/m", resolution="literal", provenance=None,
                    revision=None, pin="mutable", options={})
    f = Finding(rule="PTM101", name="n", level="warning", message="m", path="a.py", cell=None, line=1, column=1,
                end_line=1, end_column=5, model="org/m", reference=0, suppressed=True)
    text = render_html(Report(root="/tmp/p", references=(ref,), findings=(f,)))
    assert 'data-suppressed="true" hidden' in text and 'id="f-suppressed"' in text
    assert 'id="count-total">0<' in text


# ---------------------------------------------------------------- in a real browser
def _chromium() -> str | None:
    for candidate in (os.environ.get("PTM_LINT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate) or (Path(candidate).is_file() and candidate)):
            return str(found)
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser test skipped: the Python package playwright is not installed (pip install '.[test]')")
    executable = _chromium()
    if executable is None:
        pytest.skip("browser test skipped: no Chromium found (apt-get install chromium, or set PTM_LINT_CHROMIUM)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    manager = sync_playwright().start()
    try:
        context = manager.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=args,
            viewport={"width": 1400, "height": 1240})
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start is an environment problem
        manager.stop()
        pytest.skip(f"browser test skipped: Chromium at {executable} did not start: {exc}")
    yield context
    context.close()
    manager.stop()


def _open(context, path: Path):
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


def _shown(page) -> int:
    return int(page.inner_text("#shown"))


def _visible_rows(page) -> int:
    return page.locator(".view:not([hidden]) tr.finding:visible").count()


def test_browser_demo_report(browser, demo):
    path, doc = demo
    s = doc["summary"]
    page, problems, requests = _open(browser, path)
    try:
        assert problems == []
        assert all(url.startswith(("file:", "data:")) for url in requests), requests
        assert page.inner_text("#count-total") == str(s["total"])
        for level, n in s["by_level"].items():
            assert page.inner_text(f"#count-{level}") == str(n)
        assert _shown(page) == s["total"] == _visible_rows(page)

        # Level filter: unticking warnings hides exactly the warnings.
        page.uncheck("#f-level-warning")
        assert _shown(page) == s["total"] - s["by_level"]["warning"] == _visible_rows(page)
        page.check("#f-level-warning")
        assert _shown(page) == s["total"]

        # Rule filter, then the by-rule grouping keeps it.
        page.select_option("#f-rule", "PTM101")
        assert _shown(page) == s["by_rule"]["PTM101"] == _visible_rows(page)
        page.click("text=By rule")
        assert page.is_visible("#view-rule") and not page.is_visible("#view-model")
        assert _shown(page) == s["by_rule"]["PTM101"] == _visible_rows(page)
        assert page.locator("#view-rule .group:visible").count() == 1
        page.click("#f-reset")
        page.wait_for_function("document.querySelector('#view-model').hidden === false")
        assert _shown(page) == s["total"]

        # Text search.
        page.fill("#f-text", "trust_remote_code")
        expected = sum(1 for f in doc["findings"] if "trust_remote_code" in f["message"].lower())
        assert _shown(page) == _visible_rows(page) and _shown(page) >= expected > 0
        page.fill("#f-text", "")

        # Clicking a model in the graph filters the findings to it.
        page.click('g.n-model[data-model="huggingface:microsoft/phi-2"]')
        expected = sum(1 for f in doc["findings"] if f["model"] == "microsoft/phi-2" and not f["suppressed"])
        assert page.eval_on_selector("#f-model", "e => e.value") == "huggingface:microsoft/phi-2"
        assert _shown(page) == expected == _visible_rows(page)
        assert problems == []
    finally:
        page.close()


def test_browser_injected_model_id_is_text(browser, hostile):
    page, problems, requests = _open(browser, hostile)
    try:
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert INJECTED in page.inner_text("body")
        assert INJECTED_ATTR in page.inner_text("body")
        for node in page.query_selector_all("g.n-model"):
            node.hover()
        page.locator("td code", has_text=INJECTED_ATTR).first.hover()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert problems == []
        assert all(url.startswith(("file:", "data:")) for url in requests), requests
    finally:
        page.close()


def test_browser_csp_blocks_foreign_script(browser, tmp_path):
    # The policy is really in force: a script that is not the page's own does not run.
    text = render_html(Report(root="/tmp/p"))
    out = tmp_path / "r.html"
    out.write_text(text.replace("</body>", "<script>window.__injected=1</script></body>"), encoding="utf-8")
    page, problems, _ = _open(browser, out)
    try:
        assert page.evaluate("typeof window.__injected") == "undefined"
        assert any("Content Security Policy" in p for p in problems)
    finally:
        page.close()


def test_screenshot_of_demo_report_is_current(browser, demo, tmp_path):
    """Refreshes docs/images/report.png when PTM_LINT_UPDATE_SCREENSHOT=1."""
    target = Path(__file__).resolve().parents[1] / "docs" / "images" / "report.png"
    page, problems, _ = _open(browser, demo[0])
    try:
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1400, "height": 1240})
        assert shot.stat().st_size > 10_000
        if os.environ.get("PTM_LINT_UPDATE_SCREENSHOT") == "1":
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)
        assert target.is_file(), "docs/images/report.png is missing: run with PTM_LINT_UPDATE_SCREENSHOT=1"
        assert problems == []
    finally:
        page.close()


def test_undecodable_names_and_controls_are_writable_and_visible():
    path, model = "bad\udcffname\u202e.py", "org/m\x1b[31m"
    ref = Reference(path=path, cell=None, line=1, column=1, end_line=1, end_column=5, api="x", hub="huggingface",
                    role="model", model=model, canonical=model, resolution="literal", provenance=None,
                    revision=None, pin="mutable", options={})
    f = Finding(rule="PTM101", name="n", level="warning", message="m\u2066x", path=path, cell=None, line=1,
                column=1, end_line=1, end_column=5, model=model, reference=0)
    text = render_html(Report(root="/tmp/p", references=(ref,), findings=(f,)))
    text.encode("utf-8")
    assert "\\udcff" in text and "\x1b" not in text and "\u202e" not in text and "\u2066" not in text
