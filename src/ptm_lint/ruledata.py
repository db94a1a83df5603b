"""Where the rule data lives, its error type, the loader catalog's digest and the rule ids: nothing
parsed, so a run that needs only these (a warm run's cache key and option checks) builds nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path


class CatalogError(ValueError):
    """The catalog data is malformed."""


def rules_dir() -> Path:
    """The rules/ data directory: inside the installed wheel, else the source checkout's."""
    packaged = Path(__file__).resolve().parent / "rules"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise CatalogError(f"cannot find the rules/ data directory (looked in {packaged} and {checkout})")


def catalog_digest(directory: Path | None = None) -> str:
    """load_catalog(directory).digest without parsing the catalog (a warm run may need nothing else)."""
    return files_digest(loader_files(directory))


def loader_files(directory: Path | None) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in sorted((directory or rules_dir() / "loaders").glob("*.toml"))]


def files_digest(files: list[tuple[Path, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, data in files:
        digest.update(path.name.encode() + b"\0" + data)
    return digest.hexdigest()


def rule_files(directory: Path | None = None) -> list[Path]:
    """The rule files (rules/checks/PTM*.toml), each named after its rule."""
    return sorted((directory or rules_dir() / "checks").glob("PTM*.toml"))


def rule_ids(directory: Path | None = None) -> tuple[str, ...]:
    """Every rule's id without reading the rules: each file is named after its rule (load_rules
    checks it). Enough to validate --select/--ignore; the rule data is validated where it is read."""
    return tuple(path.stem for path in rule_files(directory))
