"""Rule documentation generated from rules/checks/: `ptm-lint rule ID` and docs/rules/*.md."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from .check.rulebook import RuleMeta


def _fixable(rule: RuleMeta) -> bool:
    from .check.registry import fixable

    return fixable(rule.id)


def render_rule_text(rule: RuleMeta) -> str:
    """A rule's documentation for the terminal."""
    lines = [f"{rule.id} ({rule.name})", "", rule.summary, "",
             f"Default level: {rule.level}    Category: {rule.category}"
             + (f"    Security severity: {rule.security_severity}" if rule.security_severity else "")
             + (f"    {', '.join(rule.cwe)}" if rule.cwe else ""), "", rule.rationale, "", "How to fix:", "",
             textwrap.fill(rule.fix, 100), ""]
    for title, examples in (("Flagged", rule.bad[:1]), ("Not flagged", rule.good[:1])):
        for ex in examples:
            lines += [f"{title}:", "", textwrap.indent(ex.code.strip(), "    "), ""]
    if rule.references:
        lines += ["References:", *(f"  {ref}" for ref in rule.references), ""]
    lines.append(f"Suppress with `# ptm-lint: ignore[{rule.id}]` on the flagged line.")
    return "\n".join(lines) + "\n"


def _environment():
    import jinja2  # lazy: only docs generation needs it

    return jinja2.Environment(
        loader=jinja2.PackageLoader("ptm_lint", "templates"),
        autoescape=False,  # Markdown output; HTML reports use their own autoescaping environment
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_rule_markdown(rule: RuleMeta) -> str:
    return _environment().get_template("rule.md.j2").render(rule=rule, fixable=_fixable(rule))


def render_docs(rules: tuple[RuleMeta, ...]) -> dict[str, str]:
    """File name -> content for docs/rules/."""
    env = _environment()
    pages = {f"{rule.id}.md": render_rule_markdown(rule) for rule in rules}
    pages["README.md"] = env.get_template("rules_index.md.j2").render(rules=rules)
    return pages


def write_docs(directory: Path) -> list[Path]:
    from .check.rulebook import default_rules

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_docs(default_rules()).items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules")
    for path in write_docs(target):
        print(path)
