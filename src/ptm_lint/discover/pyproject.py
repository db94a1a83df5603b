"""pyproject.toml declarations: PEP 621 `[project]`, PEP 735 dependency groups, uv and pdm tables,
and poetry's `[tool.poetry]` (its constraint syntax translated to PEP 440)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ptm_lint.discover.manifests import Collector, first_line, short
from ptm_lint.discover.versions import bump, canonicalize_name, format_specifier, hull

# The interpreter itself is declared like a package by poetry; it is not a library.
_INTERPRETER = "python"

_TOML_LINE = r"at line (\d+)"
_HEADER = r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$"


def _toml_headers(lines: Sequence[str]) -> dict[str, int]:
    """Table header (dotted, unquoted) -> 0-based line index."""
    out: dict[str, int] = {}
    for i, text in enumerate(lines):
        match = re.match(_HEADER, text)
        if match:
            key = re.sub(r"[\s\"']", "", match.group(1))
            out.setdefault(key, i)
    return out


def _find_string(lines: Sequence[str], value: str, start: int = 0) -> int | None:
    """1-based line of the first quoted occurrence of `value` at or after `start`."""
    needles = (f'"{value}"', f"'{value}'")
    for i in range(start, len(lines)):
        if any(n in lines[i] for n in needles):
            return i + 1
    return None


def _find_key(lines: Sequence[str], key: str, start: int | None) -> int | None:
    """1-based line of `key = ...` inside the table that starts at line index `start`."""
    if start is None:
        return None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(start + 1, len(lines)):
        if re.match(_HEADER, lines[i]):
            break
        if pattern.match(lines[i]):
            return i + 1
    return None


def read_pyproject(c: Collector, path: Path) -> dict[str, tuple[str, str | None]]:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return {}
    from .. import tomlcompat as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(_TOML_LINE, str(exc))
        c.error(rel, f"invalid TOML: {first_line(exc)}", int(match.group(1)) if match else None)
        return {}
    lines = text.splitlines()
    headers = _toml_headers(lines)
    found: dict[str, tuple[str, str | None]] = {}

    def pep508_list(
        value: Any, table: str, key: str, group: str | None, constraint: bool = False
    ) -> None:
        if value is None:
            return
        where = f"[{table}] {key}"
        if not isinstance(value, list):
            c.error(rel, f"{where} must be an array of requirement strings")
            return
        start = headers.get(table, 0)  # look for the string from its table's header on
        for item in value:
            if isinstance(item, str):
                c.add_pep508(item, rel, _find_string(lines, item, start), group, constraint)
            elif not (isinstance(item, dict) and "include-group" in item):
                c.error(rel, f"{where}: expected a requirement string, got {short(str(item))}")

    project = data.get("project")
    if isinstance(project, dict):
        name = project.get("name")
        version = project.get("version")
        if isinstance(name, str):
            found["project"] = (name, version if isinstance(version, str) else None)
        pep508_list(project.get("dependencies"), "project", "dependencies", None)
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group, reqs in optional.items():
                pep508_list(reqs, "project.optional-dependencies", group, group)
        elif optional is not None:
            c.error(rel, "[project.optional-dependencies] must be a table")

    groups = data.get("dependency-groups")  # PEP 735; include-group tables are references
    if isinstance(groups, dict):
        for group, reqs in groups.items():
            pep508_list(reqs, "dependency-groups", group, group)
    elif groups is not None:
        c.error(rel, "[dependency-groups] must be a table")

    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    pep508_list(uv.get("dev-dependencies"), "tool.uv", "dev-dependencies", "dev")
    pep508_list(uv.get("constraint-dependencies"), "tool.uv", "constraint-dependencies", None, True)
    pdm = tool.get("pdm") if isinstance(tool.get("pdm"), dict) else {}
    pdm_dev = pdm.get("dev-dependencies")
    if isinstance(pdm_dev, dict):
        for group, reqs in pdm_dev.items():
            pep508_list(reqs, "tool.pdm.dev-dependencies", group, group)

    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        name = poetry.get("name")
        version = poetry.get("version")
        if isinstance(name, str):
            found["poetry"] = (name, version if isinstance(version, str) else None)
        _read_poetry(c, rel, poetry, lines, headers)
    return found


# ------------------------------------------------------------------------------------- poetry

_POETRY_CLAUSE = r"(\^|~=|~|===|==|!=|>=|<=|>|<|=)?\s*([0-9A-Za-z*][^\s,]*)"


def poetry_to_pep440(constraint: str) -> str:
    """Translate a poetry version constraint to a PEP 440 specifier string (ValueError if bad).

    `^1.2` -> `>=1.2,<2.0`, `~1.2` -> `>=1.2,<1.3`, `*` -> "", `1.2` -> `==1.2`; `a || b`
    becomes the hull of the alternatives (a SpecifierSet cannot express a union).
    """
    alternatives = [a.strip() for a in constraint.split("||")]
    specs = [_poetry_alternative(a) for a in alternatives]
    if len(specs) == 1:
        return specs[0]
    from packaging.specifiers import SpecifierSet

    return format_specifier(hull(SpecifierSet(s) for s in specs))


def _poetry_alternative(text: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    clause_re = re.compile(_POETRY_CLAUSE)
    clauses: list[str] = []
    rest = text.strip()
    pos = 0
    while pos < len(rest):
        if rest[pos] in ", \t":
            pos += 1
            continue
        match = clause_re.match(rest, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot parse poetry constraint {short(text)}")
        pos = match.end()
        op, ver = match.group(1) or "", match.group(2)
        clauses.extend(_poetry_clause(op, ver))
    spec = ",".join(clauses)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise ValueError(f"invalid poetry constraint {short(text)}: {first_line(exc)}") from exc
    return spec


def _poetry_clause(op: str, ver: str) -> list[str]:
    if ver == "*" or ver in ("x", "X"):
        return []
    if op in ("^", "~"):
        from packaging.version import InvalidVersion, Version

        try:
            v = Version(ver)
        except InvalidVersion as exc:
            raise ValueError(f"invalid version {short(ver)} in poetry constraint") from exc
        release = v.release
        if op == "^":  # bump the leftmost non-zero component (the last one if all are zero)
            index = next((i for i, n in enumerate(release) if n), len(release) - 1)
        else:  # ~: bump the minor version, or the major one when only it is given
            index = min(1, len(release) - 1)
        upper = ".".join(map(str, bump(release, index)))
        prefix = f"{v.epoch}!" if v.epoch else ""
        return [f">={ver}", f"<{prefix}{upper}"]
    if op in ("", "="):
        return [f"=={ver}"]
    return [f"{op}{ver}"]


def _poetry_marker(entry: dict[str, Any]) -> str | None:
    parts = []
    if isinstance(entry.get("markers"), str):
        parts.append(entry["markers"])
    if isinstance(entry.get("python"), str):
        from packaging.specifiers import SpecifierSet

        spec = poetry_to_pep440(entry["python"])
        for clause in SpecifierSet(spec):
            version = clause.version.removesuffix(".*")
            parts.append(f'python_version {clause.operator} "{version}"')
    if not parts:
        return None
    return " and ".join(f"({p})" if len(parts) > 1 else p for p in parts)


def _read_poetry(
    c: Collector,
    rel: str,
    poetry: dict[str, Any],
    lines: Sequence[str],
    headers: dict[str, int],
) -> None:
    extras: dict[str, str] = {}  # optional package -> first extra that installs it
    if isinstance(poetry.get("extras"), dict):
        for extra, members in poetry["extras"].items():
            for member in members if isinstance(members, list) else []:
                if isinstance(member, str):
                    extras.setdefault(canonicalize_name(member), extra)

    tables: list[tuple[str, Any, str | None]] = [
        ("tool.poetry.dependencies", poetry.get("dependencies"), None),
        ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), "dev"),
    ]
    if isinstance(poetry.get("group"), dict):
        for group, body in poetry["group"].items():
            deps = body.get("dependencies") if isinstance(body, dict) else None
            tables.append((f"tool.poetry.group.{group}.dependencies", deps, group))

    for header, deps, group in tables:
        if deps is None:
            continue
        if not isinstance(deps, dict):
            c.error(rel, f"[{header}] must be a table")
            continue
        for key, value in deps.items():
            if canonicalize_name(key) == _INTERPRETER:
                continue
            line = _find_key(lines, key, headers.get(header))
            if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$", key):
                c.error(rel, f"[{header}] invalid package name {short(key)}", line)
                continue
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                _poetry_entry(c, rel, line, header, key, entry, group, extras)


def _poetry_entry(
    c: Collector,
    rel: str,
    line: int | None,
    header: str,
    key: str,
    entry: Any,
    group: str | None,
    extras: dict[str, str],
) -> None:
    marker = None
    if isinstance(entry, str):
        constraint = entry
    elif isinstance(entry, dict):
        constraint = entry.get("version", "")  # git/path/url sources carry no version
        if entry.get("optional") is True and group is None:
            group = extras.get(canonicalize_name(key), "optional")
    else:
        c.error(rel, f"[{header}] {key}: unsupported value {short(str(entry))}", line)
        return
    try:
        if not isinstance(constraint, str):
            raise ValueError(f"version must be a string, got {short(str(constraint))}")
        spec = poetry_to_pep440(constraint)
        if isinstance(entry, dict):
            marker = _poetry_marker(entry)
    except ValueError as exc:
        c.error(rel, f"[{header}] {key}: {exc}", line)
        return
    c.add(key, spec, rel, line, group, marker)
