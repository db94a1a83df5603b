"""Every rule's own bad and good examples (rules/checks/*.toml) run as tests, Fixit-style."""

from __future__ import annotations

from pathlib import Path

import pytest

import ptm_lint.checks
from ptm_lint.check.registry import SCOPES, implementation
from ptm_lint.check.rulebook import default_rules

from fake_hub import _fake_hub_server, check_with_hub, fake_hub  # noqa: F401 - fixtures

RULES = default_rules()


def _cases(kind: str):
    for rule in RULES:
        for n, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{n}")


def test_every_rule_is_documented_and_implemented():
    ids = {r.id for r in RULES}
    modules = {p.stem.upper() for p in Path(ptm_lint.checks.__file__).parent.glob("ptm*.py")}
    assert ids == modules, "rules/checks/*.toml and src/ptm_lint/checks/ptm*.py disagree"
    for rule in RULES:
        assert implementation(rule.id).scope in SCOPES
    for rule in RULES:
        assert len(rule.bad) >= 2 and len(rule.good) >= 2, f"{rule.id} needs two bad and two good examples"
        if rule.category == "security":
            assert rule.security_severity is not None, f"{rule.id} is a security rule without security_severity"


def _run(request, tmp_path, check, example):
    """Offline, or (examples with `metadata = ...`) online against the fake hub serving testdata/hub/."""
    if example.metadata:
        return check_with_hub(tmp_path, request.getfixturevalue("fake_hub"), {example.path: example.code},
                              requirements=example.requirements, fixtures=example.metadata)
    return check(example.code, requirements=example.requirements, path=example.path)


@pytest.mark.parametrize(("rule", "example"), list(_cases("bad")))
def test_bad_example_is_flagged(request, tmp_path, check, rule, example):
    findings = _run(request, tmp_path, check, example)
    hits = [f for f in findings if f.rule == rule.id]
    if rule.needs_metadata and not getattr(example, "metadata", None):
        # Offline the rule has nothing to judge: it must stay silent (tests/test_graph.py runs
        # the PTM503 examples with the metadata their comments describe).
        assert not hits, f"{rule.id} fired without metadata: {[h.message for h in hits]}"
        return
    assert hits, f"{rule.id} did not fire on its bad example; got {[(f.rule, f.message) for f in findings]}"
    for hit in hits:
        assert hit.name == rule.name


@pytest.mark.parametrize(("rule", "example"), list(_cases("good")))
def test_good_example_is_not_flagged(request, tmp_path, check, rule, example):
    findings = _run(request, tmp_path, check, example)
    hits = [f for f in findings if f.rule == rule.id]
    assert not hits, f"{rule.id} fired on its good example: {[h.message for h in hits]}"


def _fixed_cases():
    for rule in RULES:
        for n, example in enumerate(rule.bad):
            if example.fixed is not None:
                yield pytest.param(rule, example, id=f"{rule.id}-bad-{n}-fixed")


@pytest.mark.parametrize(("rule", "example"), list(_fixed_cases()))
def test_bad_example_fixes_to_its_fixed_code(tmp_path, monkeypatch, rule, example):
    """Fixit-style: applying the rule's fixes (unsafe included) gives exactly `fixed`, which parses
    and no longer triggers the rule. Offline, with an empty Hugging Face cache: no pin is invented."""
    import ast

    from conftest import check_files, fix_tree

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    project = tmp_path / "project"
    project.mkdir()
    check_files(project, {example.path: example.code}, requirements=example.requirements)
    outcome = fix_tree(project, select=(rule.id,), unsafe=True)
    fixed = outcome.changed.get(example.path, (b"", example.code.encode()))[1].decode()
    assert fixed == example.fixed
    ast.parse(fixed)
    assert not [f for f in outcome.report.findings if f.rule == rule.id], f"{rule.id} still fires after its fix"
