"""Pipfile declarations (pipenv): `[packages]` and `[dev-packages]`, each a PEP 440 specifier ("*" for
any version) or a table with `version` (git, path and url sources carry none), `markers` and
`extras`; package categories (pipenv >= 2022.10) are read as groups."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ptm_lint.discover.manifests import Collector, first_line, short

_TOML_LINE = r"at line (\d+)"
_NAME = r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$"
# Tables of a Pipfile that are not package categories.
_NOT_PACKAGES = frozenset(("source", "requires", "scripts", "pipenv"))


def read_pipfile(c: Collector, path: Path) -> None:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return
    from .. import tomlcompat

    try:
        data = tomlcompat.loads(text)
    except tomlcompat.TOMLDecodeError as exc:
        match = re.search(_TOML_LINE, str(exc))
        c.error(rel, f"invalid TOML: {first_line(exc)}", int(match.group(1)) if match else None)
        return
    lines = text.splitlines()
    for category, table in data.items():
        if category in _NOT_PACKAGES or not isinstance(table, dict):
            continue
        group = None if category == "packages" else "dev" if category == "dev-packages" else category
        start = _header(lines, category)
        for name, value in table.items():
            line = _key_line(lines, name, start)
            if not re.match(_NAME, name):
                c.error(rel, f"[{category}] invalid package name {short(name)}", line)
                continue
            _entry(c, rel, line, category, name, value, group)


def _entry(c: Collector, rel: str, line: int | None, category: str, name: str, value: Any,
           group: str | None) -> None:
    marker = None
    if isinstance(value, str):
        version = value
    elif isinstance(value, dict):
        version = value.get("version", "*")  # git/path/file sources carry no version
        if isinstance(value.get("markers"), str):
            marker = value["markers"]
    else:
        c.error(rel, f"[{category}] {name}: unsupported value {short(str(value))}", line)
        return
    if not isinstance(version, str):
        c.error(rel, f"[{category}] {name}: version must be a string", line)
        return
    spec = "" if version.strip() in ("*", "") else version.strip()
    extras = f" ; {marker}" if marker else ""
    c.add_pep508(f"{name}{spec}{extras}" if spec or marker else name, rel, line, group)


def _header(lines: list[str], table: str) -> int | None:
    pattern = re.compile(rf"^\s*\[\s*[\"']?{re.escape(table)}[\"']?\s*\]")
    return next((i for i, t in enumerate(lines) if pattern.match(t)), None)


def _key_line(lines: list[str], key: str, start: int | None) -> int | None:
    if start is None:
        return None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return None
