"""Read `[tool.ptm-lint]` (pyproject.toml) or ptm-lint.toml, found upward, and validate it strictly."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core import LEVELS


def _tomllib() -> Any:
    """tomllib (tomli before 3.11), imported when a TOML file is read: most runs read none."""
    from . import tomlcompat

    return tomlcompat


class ConfigError(ValueError):
    """The configuration is invalid: a usage error (exit code 2)."""


@dataclass(frozen=True)
class Config:
    """The validated settings of one run (`path`: the file they came from, None for the defaults)."""

    path: Path | None = None
    select: tuple[str, ...] | None = None  # None: the default rule set
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    fail_on: str = "warning"
    online: bool = False
    cache_dir: str | None = None
    respect_gitignore: bool = True
    max_file_size: int = 10 * 1024 * 1024
    # The project's own loaders ([[tool.ptm-lint.loaders]]), validated, as canonical JSON text (""
    # for none): catalog.catalog_for builds the catalog from it; it is part of cache keys.
    loaders: str = ""
    lock_file: str | None = None  # the model lock (`ptm-lint lock`), relative to the configuration file


_STR_LIST = "a list of strings"
# key -> (Config field, expected type description)
_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", _STR_LIST),
    "extend-select": ("extend_select", _STR_LIST),
    "ignore": ("ignore", _STR_LIST),
    "per-file-ignores": ("per_file_ignores", "a table of glob = [rule ids]"),
    "exclude": ("exclude", _STR_LIST),
    "extend-exclude": ("extend_exclude", _STR_LIST),
    "fail-on": ("fail_on", "one of error, warning, note"),
    "online": ("online", "a boolean"),
    "cache-dir": ("cache_dir", "a string"),
    "respect-gitignore": ("respect_gitignore", "a boolean"),
    "max-file-size": ("max_file_size", "a positive integer (bytes)"),
    "loaders": ("loaders", "an array of tables ([[tool.ptm-lint.loaders]])"),
    "lock-file": ("lock_file", "a string"),
}


def find_config(start: Path) -> Path | None:
    """The nearest ptm-lint.toml, or pyproject.toml with a [tool.ptm-lint] table, at or above start."""
    return search_config(start)[0]


def search_config(start: Path) -> tuple[Path | None, tuple[str, ...]]:
    """find_config(start), and the files it looked for or read on the way (each recorded by
    ptm_lint.fsaccess too)."""
    from . import fsaccess

    here = start.resolve()
    probed = [str(here)]  # (whether it is a file)
    if fsaccess.isfile(here):
        here = here.parent
    for folder in (here, *here.parents):
        own = folder / "ptm-lint.toml"
        pyproject = folder / "pyproject.toml"
        probed += (str(own), str(pyproject))
        if fsaccess.isfile(own):
            return own, tuple(probed)
        if fsaccess.isfile(pyproject):
            try:
                text = fsaccess.read_text(pyproject)
            except (OSError, UnicodeDecodeError):
                continue  # a broken pyproject of some parent folder is not ours to judge
            if "ptm-lint" not in text and "\\" not in text:
                continue  # without an escape sequence, a [tool.ptm-lint] key is spelled out
            tomllib = _tomllib()
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            if isinstance(data.get("tool"), dict) and "ptm-lint" in data["tool"]:
                return pyproject, tuple(probed)
    return None, tuple(probed)


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be {_STR_LIST}, not {value!r}")
    return tuple(value)


def parse_config(table: dict[str, Any], path: Path | None, known_rules: Sequence[str]) -> Config:
    """Validate a [tool.ptm-lint] table: unknown keys, wrong types and unknown rule ids are errors."""
    where = f"{path}: " if path else ""
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where}unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                          f"(valid keys: {', '.join(sorted(_KEYS))})")
    values: dict[str, Any] = {"path": path}
    try:
        for key, raw in table.items():
            name, _ = _KEYS[key]
            if key in ("select", "extend-select", "ignore"):
                values[name] = validate_selectors(_str_list(key, raw), known_rules, key)
            elif key in ("exclude", "extend-exclude"):
                values[name] = _str_list(key, raw)
            elif key == "per-file-ignores":
                if not isinstance(raw, dict):
                    raise ConfigError(f"per-file-ignores must be a table of glob = [rule ids], not {raw!r}")
                values[name] = tuple(
                    (glob, validate_selectors(_str_list(f"per-file-ignores.{glob!r}", ids), known_rules, "per-file-ignores"))
                    for glob, ids in raw.items()
                )
            elif key == "fail-on":
                if raw not in LEVELS:
                    raise ConfigError(f"fail-on must be one of {', '.join(LEVELS)}, not {raw!r}")
                values[name] = raw
            elif key in ("online", "respect-gitignore"):
                if not isinstance(raw, bool):
                    raise ConfigError(f"{key} must be a boolean (true or false), not {raw!r}")
                values[name] = raw
            elif key == "cache-dir":
                if not isinstance(raw, str):
                    raise ConfigError(f"cache-dir must be a string, not {raw!r}")
                values[name] = raw
            elif key == "loaders":
                values[name] = _loaders(raw)
            elif key == "lock-file":
                if not isinstance(raw, str) or not raw.strip():
                    raise ConfigError(f"lock-file must be a non-empty string (a path), not {raw!r}")
                values[name] = raw
            elif key == "max-file-size":
                if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
                    raise ConfigError(f"max-file-size must be a positive integer (bytes), not {raw!r}")
                values[name] = raw
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None
    return Config(**values)


def _loaders(raw: Any) -> str:
    """[[tool.ptm-lint.loaders]]: the project's own loader functions and classes, in the shape of
    the catalog's [[loader]] tables (see docs/configuration.md); validated by the catalog."""
    import json

    from .catalog import CatalogError, user_loaders

    try:
        tables = user_loaders(raw)
    except CatalogError as exc:
        raise ConfigError(str(exc)) from None
    return json.dumps(tables, sort_keys=True, separators=(",", ":")) if tables else ""


def validate_selectors(selectors: Sequence[str], known_rules: Sequence[str], key: str) -> tuple[str, ...]:
    """Rule ids or prefixes (PTM2, PTM20); ALL selects every rule."""
    out = []
    for raw in selectors:
        sel = raw.strip().upper()
        if sel == "ALL" or any(rule.startswith(sel) for rule in known_rules) and sel.startswith("PTM"):
            out.append(sel)
        else:
            raise ConfigError(f"{key}: unknown rule id or prefix {raw!r} (see `ptm-lint rules`)")
    return tuple(out)


def load_config(start: Path, explicit: Path | None, known_rules: Sequence[str]) -> Config:
    from . import fsaccess

    path = explicit if explicit is not None else search_config(start)[0]
    if path is None:
        return Config()
    tomllib = _tomllib()
    try:
        data = tomllib.loads(fsaccess.read_text(os.path.abspath(path)))  # (recorded: absolute)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    if path.name == "ptm-lint.toml" and "tool" not in data:
        table = data
    else:
        tool = data.get("tool", {})
        table = tool.get("ptm-lint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ptm-lint] must be a table")
    return parse_config(table, path, known_rules)
