"""Rule metadata (RuleMeta) and its loading from rules/checks/*.toml: the single source for docs,
SARIF and tests."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import LEVELS
from ..ruledata import CatalogError, rule_files

CATEGORIES = ("reproducibility", "security", "deprecation", "metadata", "project")
_REQUIRED = ("id", "name", "level", "category", "summary", "rationale", "fix")
_OPTIONAL = ("tags", "precision", "security_severity", "cwe", "references", "bad", "good", "needs_metadata",
             "needs_lineage")


@dataclass(frozen=True, slots=True)
class Example:
    """A rule example: code that must (bad) or must not (good) trigger the rule."""

    code: str
    fixed: str | None = None  # for a bad example with a fix: the expected code after fixing
    requirements: str | None = None  # requirements.txt lines declared beside the example
    path: str = "example.py"
    # Recorded hub repos (testdata/hub/<name>.json) the example needs: the tests serve them from the
    # fake hub and run the example online against it. Empty: the example runs offline.
    metadata: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """A rule's metadata, read from rules/checks/<ID>.toml (the single source of truth)."""

    id: str
    name: str
    level: str
    category: str  # reproducibility | security | deprecation | metadata | project
    summary: str
    rationale: str
    fix: str
    tags: tuple[str, ...] = ()
    security_severity: str | None = None
    precision: str = "high"
    cwe: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    bad: tuple[Example, ...] = ()
    good: tuple[Example, ...] = ()
    needs_metadata: bool = False
    needs_lineage: bool = False  # also the metadata of each model's base models (implies needs_metadata)

    @property
    def help_uri(self) -> str:
        return f"https://github.com/ptm-lint/ptm-lint/blob/main/docs/rules/{self.id}.md"



def _examples(raw: Any, where: str) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: examples must be an array of tables")
    out = []
    for item in raw:
        unknown = set(item) - {"code", "fixed", "requirements", "path", "metadata"}
        if unknown or "code" not in item:
            raise CatalogError(f"{where}: an example needs 'code' (and may have fixed, requirements, path, "
                               f"metadata); got {sorted(item)}")
        metadata = item.get("metadata", ())
        metadata = (metadata,) if isinstance(metadata, str) else metadata
        if not isinstance(metadata, (list, tuple)) or not all(isinstance(m, str) and m for m in metadata):
            raise CatalogError(f"{where}: metadata must name recorded hub repos (a string or a list of strings)")
        out.append(Example(code=item["code"], fixed=item.get("fixed"), requirements=item.get("requirements"),
                           path=item.get("path", "example.py"), metadata=tuple(metadata)))
    return tuple(out)


def parse_rule(data: dict[str, Any], source: str) -> RuleMeta:
    unknown = set(data) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CatalogError(f"{source}: unknown keys {sorted(unknown)}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise CatalogError(f"{source}: missing {missing}")
    if not re.fullmatch(r"PTM\d{3}", data["id"]):
        raise CatalogError(f"{source}: id must be PTM followed by three digits")
    if data["level"] not in LEVELS:
        raise CatalogError(f"{source}: level must be one of {LEVELS}")
    if data["category"] not in CATEGORIES:
        raise CatalogError(f"{source}: category must be one of {CATEGORIES}")
    severity = data.get("security_severity")
    if severity is not None:
        value = float(severity)
        if not 0 < value <= 10:
            raise CatalogError(f"{source}: security_severity must be in (0, 10]")
    tags = tuple(data.get("tags", ()))
    if len(tags) > 10:
        raise CatalogError(f"{source}: at most 10 tags")
    return RuleMeta(
        id=data["id"], name=data["name"], level=data["level"], category=data["category"],
        summary=data["summary"].strip(), rationale=data["rationale"].strip(), fix=data["fix"].strip(),
        tags=tags, security_severity=str(severity) if severity is not None else None,
        precision=data.get("precision", "high"), cwe=tuple(data.get("cwe", ())),
        references=tuple(data.get("references", ())),
        bad=_examples(data.get("bad", []), f"{source} bad"), good=_examples(data.get("good", []), f"{source} good"),
        needs_metadata=bool(data.get("needs_metadata", False) or data.get("needs_lineage", False)),
        needs_lineage=bool(data.get("needs_lineage", False)),
    )


def load_rules(directory: Path | None = None) -> tuple[RuleMeta, ...]:
    from ..catalog import parse_toml  # (here: rule_ids() needs no catalog)

    rules = []
    for path in rule_files(directory):
        data = parse_toml(path.read_text(encoding="utf-8"), path.name)
        rule = parse_rule(data, path.name)
        if path.stem != rule.id:
            raise CatalogError(f"{path.name}: file name must be the rule id ({rule.id})")
        rules.append(rule)
    return tuple(rules)


@functools.lru_cache(maxsize=1)
def default_rules() -> tuple[RuleMeta, ...]:
    return load_rules()
