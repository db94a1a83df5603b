"""Every rule's own bad and good examples (rules/checks/*.toml) run as tests, Fixit-style."""

from __future__ import annotations

import pytest

from ptm_lint.check.rulebook import default_rules
from ptm_lint.check.rules import CHECKS, FILE_RULES

RULES = default_rules()


def _cases(kind: str):
    for rule in RULES:
        for n, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{n}")


def test_every_rule_is_documented_and_implemented():
    ids = {r.id for r in RULES}
    assert ids == set(CHECKS) | set(FILE_RULES), "rules/checks/ and the check registry disagree"
    for rule in RULES:
        assert len(rule.bad) >= 2 and len(rule.good) >= 2, f"{rule.id} needs two bad and two good examples"
        if rule.category == "security":
            assert rule.security_severity is not None, f"{rule.id} is a security rule without security_severity"


@pytest.mark.parametrize(("rule", "example"), list(_cases("bad")))
def test_bad_example_is_flagged(check, rule, example):
    findings = check(example.code, requirements=example.requirements, path=example.path)
    hits = [f for f in findings if f.rule == rule.id]
    assert hits, f"{rule.id} did not fire on its bad example; got {[(f.rule, f.message) for f in findings]}"
    for hit in hits:
        assert hit.name == rule.name


@pytest.mark.parametrize(("rule", "example"), list(_cases("good")))
def test_good_example_is_not_flagged(check, rule, example):
    findings = check(example.code, requirements=example.requirements, path=example.path)
    hits = [f for f in findings if f.rule == rule.id]
    assert not hits, f"{rule.id} fired on its good example: {[h.message for h in hits]}"
