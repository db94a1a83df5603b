"""docs/contributing.md's worked example is real: its TOML and its module, and nothing else, make a
working rule with a fix (the test of the one-rule-one-unit design)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import ptm_lint.checks
from conftest import settings_for
from example_project import write_example_project
from ptm_lint import api
from ptm_lint.check.engine import Selection, run_checks
from ptm_lint.check.registry import implementation
from ptm_lint.check.rulebook import load_rules
from ptm_lint.fix.engine import apply_fixes, fixes_for_file
from ptm_lint.fix.options import FixOptions

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "contributing.md"


def _worked_example() -> tuple[str, str]:
    text = GUIDE.read_text(encoding="utf-8").split("### Worked example", 1)[1]
    toml = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    module = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    return toml, module


@pytest.fixture
def new_rule(tmp_path, monkeypatch):
    """The guide's rule installed the way a contributor would: a TOML beside the others, a module
    in the checks package (here a folder added to its path, so the source tree stays untouched)."""
    toml, module = _worked_example()
    checks = tmp_path / "rules-checks"
    checks.mkdir()
    (checks / "PTM399.toml").write_text(toml, encoding="utf-8")
    package = tmp_path / "checks-package"
    package.mkdir()
    (package / "ptm399.py").write_text(module, encoding="utf-8")
    monkeypatch.setattr(ptm_lint.checks, "__path__", [*ptm_lint.checks.__path__, str(package)])
    implementation.cache_clear()
    yield load_rules(checks)[0]
    sys.modules.pop("ptm_lint.checks.ptm399", None)
    implementation.cache_clear()


def _check(root: Path, rule, code: str):
    root.mkdir()
    write_example_project(root, {"example.py": code}, None)
    result = api.scan(settings_for(root))
    ctx = api.context(api.project(root), result.references)
    findings, _ = run_checks(result.references, result.by_path, [rule], Selection(select=("ALL",)), ctx)
    return result, findings


def test_the_worked_example_is_a_complete_rule(new_rule, tmp_path):
    rule = new_rule
    assert rule.id == "PTM399" and len(rule.bad) >= 2 and len(rule.good) >= 2
    assert implementation("PTM399").scope == "reference" and implementation("PTM399").fixable
    for n, example in enumerate(rule.bad):
        _, findings = _check(tmp_path / f"bad{n}", rule, example.code)
        assert [f.rule for f in findings] == ["PTM399"], example.code
    for n, example in enumerate(rule.good):
        _, findings = _check(tmp_path / f"good{n}", rule, example.code)
        assert findings == [], example.code
    example = rule.bad[0]
    result, findings = _check(tmp_path / "fix", rule, example.code)
    data = example.code.encode()
    fixed = fixes_for_file("example.py", data, findings, result.references, FixOptions())
    assert fixed[0].fix is not None and fixed[0].fix.applicability == "unsafe"
    new, applied = apply_fixes("example.py", data, fixed, unsafe=True)
    assert applied and new.decode() == example.fixed
