"""The documentation: the generated rule reference is current, and relative links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ptm_lint.check.rulebook import default_rules
from ptm_lint.docs import render_docs

REPO = Path(__file__).resolve().parents[1]
RULE_DOCS = REPO / "docs" / "rules"
REGENERATE = "regenerate it with `python -m ptm_lint.regenerate`"


def test_rule_reference_is_current():
    expected = render_docs(default_rules())
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in RULE_DOCS.glob("*.md")}
    missing = sorted(set(expected) - set(on_disk))
    extra = sorted(set(on_disk) - set(expected))
    stale = sorted(name for name in set(expected) & set(on_disk) if expected[name] != on_disk[name])
    assert not (missing or extra or stale), (
        f"docs/rules is out of date (missing {missing}, extra {extra}, stale {stale}): {REGENERATE}"
    )


def _markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)|!\[[^\]\n]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path):
    text = _CODE_SPAN.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))
    broken = []
    for match in _LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # external URL or in-page anchor
        file_part = target.split("#", 1)[0]
        if not (path.parent / file_part).exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(REPO)} links to missing files: {broken}"


def test_readme_links_every_guide():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for guide in ("docs/index.md", "docs/getting-started.md", "docs/configuration.md", "docs/ci.md",
                  "docs/resolution.md", "docs/faq.md", "docs/rules/README.md"):
        assert f"]({guide})" in readme, f"README.md does not link {guide}"


def test_the_resolution_limits_table_gives_the_values_in_the_code():
    """docs/resolution.md's Limits table names each constant with its value: they must agree."""
    from ptm_lint.scan import flow, launch, project, scanner, values

    text = (REPO / "docs" / "resolution.md").read_text(encoding="utf-8")
    table = text[text.index("## Limits"):]
    rows = re.findall(r"^\| [^|]+ \| ([\d ,]+)[^|]*?\(`([A-Z_]+)`", table, re.M)
    assert len(rows) >= 12, rows
    modules = (values, flow, project, scanner, launch)
    for shown, name in rows:
        value = next(getattr(m, name) for m in modules if hasattr(m, name))
        assert int(shown.replace(" ", "").replace(",", "")) == value, (name, shown, value)
