"""The snapshot of the rule data (catalog.SNAPSHOT) is current and loads exactly what the TOML says."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ptm_lint import catalog
from ptm_lint.catalog import CatalogError, load_catalog, parse_toml, rules_dir, snapshot_entries
from ptm_lint.check.rulebook import load_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REGENERATE = "regenerate it with `python -m ptm_lint.regenerate`"


def test_snapshot_is_current():
    on_disk = json.loads(catalog.SNAPSHOT.read_text(encoding="utf-8"))
    assert on_disk["format"] == catalog._SNAPSHOT_FORMAT
    expected = snapshot_entries()
    stale = sorted(e["source"] for d, e in expected.items() if on_disk["documents"].get(d) != e)
    extra = sorted(e["source"] for d, e in on_disk["documents"].items() if d not in expected)
    assert not (stale or extra), f"{catalog.SNAPSHOT.name} is out of date ({stale or extra}): {REGENERATE}"


@pytest.mark.parametrize("path", sorted(rules_dir().rglob("*.toml")), ids=lambda p: p.name)
def test_every_rule_file_is_answered_from_the_snapshot_as_tomllib_reads_it(path: Path):
    for text in (path.read_bytes().decode("utf-8"), path.read_text(encoding="utf-8")):
        doc, from_snapshot = catalog._parse(text, path.name)
        assert from_snapshot, f"{path.name} is not in the snapshot: {REGENERATE}"
        assert doc == tomllib.loads(text)
        assert json.dumps(doc) == json.dumps(tomllib.loads(text))  # same types and key order too


def test_documents_are_fresh_objects():
    text = (rules_dir() / "licenses.toml").read_text(encoding="utf-8")
    first = parse_toml(text, "licenses.toml")
    first.clear()
    assert parse_toml(text, "licenses.toml")


def test_loading_without_the_snapshot_gives_the_same_data(monkeypatch, tmp_path):
    catalog._snapshot.cache_clear()
    with_snapshot = load_catalog(), load_rules()
    assert catalog._snapshot(), "the snapshot was not used"
    monkeypatch.setattr(catalog, "SNAPSHOT", tmp_path / "missing.json")
    catalog._snapshot.cache_clear()
    try:
        without = load_catalog(), load_rules()
    finally:
        monkeypatch.undo()
        catalog._snapshot.cache_clear()
    assert with_snapshot == without
    assert with_snapshot[0].digest == without[0].digest


def test_a_damaged_snapshot_is_ignored(monkeypatch, tmp_path):
    for content in ("{not json", '{"format": 999, "documents": {}}', '{"format": 1, "documents": []}', "[]"):
        damaged = tmp_path / "snapshot.json"
        damaged.write_text(content)
        monkeypatch.setattr(catalog, "SNAPSHOT", damaged)
        catalog._snapshot.cache_clear()
        assert catalog._snapshot() == {}
        assert load_catalog().loaders
    catalog._snapshot.cache_clear()


def test_text_outside_the_snapshot_is_still_validated(tmp_path):
    (tmp_path / "10-x.toml").write_text(
        '[[loader]]\nid = "x"\nlibrary = "x"\nhub = "huggingface"\nrole = "model"\nscheme = "hf"\n'
        'match = ["x\\\\.(load"]\ntriggers = ["load"]\nmodel = {pos = 0}\n'
    )
    with pytest.raises(CatalogError, match="bad match regex"):
        load_catalog(tmp_path)
    (tmp_path / "10-x.toml").write_text("[[loader]\n")
    with pytest.raises(CatalogError, match="10-x.toml"):
        load_catalog(tmp_path)
