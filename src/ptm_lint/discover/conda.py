"""Conda environment files (environment.yml): match specs translated to PyPI names and PEP 440
specifiers, and the nested `pip:` list read as requirement lines."""

from __future__ import annotations

import re
from pathlib import Path

from ptm_lint.discover.manifests import Collector, first_line, requirement_line, short
from ptm_lint.discover.versions import canonicalize_name, format_specifier, hull

# Conda package names that differ from the PyPI distribution they provide.
CONDA_TO_PYPI = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch"}
# The interpreter itself is declared like a package by conda; it is not a library.
_INTERPRETER = "python"

def read_environment(c: Collector, path: Path) -> None:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return
    import yaml  # lazily: only projects with an environment.yml pay for it (startup time, pre-commit)

    try:
        # compose (not load) keeps line numbers; SafeLoader constructs nothing.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or first_line(exc)
        c.error(rel, f"invalid YAML: {problem}", mark.line + 1 if mark else None)
        return
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        c.error(rel, "environment file must be a mapping", root.start_mark.line + 1)
        return
    deps = next((v for k, v in root.value if getattr(k, "value", None) == "dependencies"), None)
    if deps is None:
        return
    if not isinstance(deps, yaml.SequenceNode):
        c.error(rel, "`dependencies` must be a list", deps.start_mark.line + 1)
        return
    for item in deps.value:
        line = item.start_mark.line + 1
        if isinstance(item, yaml.ScalarNode):
            try:
                parsed = conda_to_requirement(str(item.value))
            except ValueError as exc:
                c.error(rel, str(exc), line)
                continue
            if parsed is not None:
                c.add(parsed[0], parsed[1], rel, line)
        elif isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if getattr(key, "value", None) != "pip":
                    continue
                if not isinstance(value, yaml.SequenceNode):
                    c.error(rel, "`pip` must be a list", value.start_mark.line + 1)
                    continue
                for entry in value.value:
                    if isinstance(entry, yaml.ScalarNode):
                        requirement_line(c, str(entry.value), rel, entry.start_mark.line + 1,
                                          path.parent, constraint=False)
                    else:
                        c.error(rel, "`pip` entries must be strings", entry.start_mark.line + 1)
        else:
            c.error(rel, "unsupported dependency entry", line)


_CONDA_NAME = r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(.*)$"
_CONDA_BRACKET_VERSION = r"version\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|([^,\]\s]+))"
_CONDA_CLAUSE = r"^(==|!=|>=|<=|~=|>|<|=)?(.+)$"


def conda_to_requirement(spec: str) -> tuple[str, str] | None:
    """(PyPI-ish canonical name, PEP 440 specifier) for a conda match spec; None for python.

    `pytorch=2.1` -> ("torch", "==2.1.*") (conda's single `=` is a prefix match),
    `numpy>=1.2,<2`, `numpy 1.11*`, `conda-forge::x`, `x=1.0=build`, `x[version='>=1']`.
    Raises ValueError for a spec it cannot read.
    """
    text = spec.strip()
    if "::" in text:
        text = text.split("::", 1)[1]  # channel prefix
    match = re.match(_CONDA_NAME, text)
    if not match:
        raise ValueError(f"invalid conda package spec {short(spec)}")
    name, rest = match.group(1), match.group(2).strip()
    fuzzy = False
    if rest.startswith("["):
        bracket = re.search(_CONDA_BRACKET_VERSION, rest)
        version = next((g for g in bracket.groups() if g is not None), "") if bracket else ""
    elif rest.startswith("=") and not rest.startswith("=="):
        version = rest[1:].split("=", 1)[0].strip()  # `=version=build`
        fuzzy = True
    else:
        rest = re.sub(r"([<>=!~]=?)\s+", r"\1", rest)  # `>= 1.2` -> `>=1.2`
        rest = re.sub(r"\s*([,|])\s*", r"\1", rest)
        version = rest.split()[0] if rest else ""
        version = re.split(r"(?<![=!<>~])=(?!=)", version)[0]  # drop `=build`
    canonical = canonicalize_name(name)
    if canonical == _INTERPRETER:
        return None
    canonical = CONDA_TO_PYPI.get(canonical, canonical)
    try:
        return canonical, _conda_version(version, fuzzy)
    except ValueError as exc:
        raise ValueError(f"invalid conda version in {short(spec)}: {exc}") from exc


def _conda_version(version: str, fuzzy: bool) -> str:
    if not version or version == "*":
        return ""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if fuzzy and not any(ch in version for ch in "|,*"):
        version += ".*"  # conda: `name=1.2` matches 1.2, 1.2.x ...
    alternatives = []
    for alternative in version.split("|"):
        clauses = []
        for clause in alternative.split(","):
            match = re.match(_CONDA_CLAUSE, clause.strip())
            if not match:
                raise ValueError(f"empty clause in {short(version)}")
            op, ver = match.group(1) or "", match.group(2).strip()
            if ver == "*":
                continue
            if ver.endswith("*"):
                ver = ver.rstrip("*").rstrip(".") + ".*"
                op = "!=" if op == "!=" else "=="
            elif op in ("", "="):
                op, ver = "==", ver + (".*" if op == "=" else "")
            clauses.append(f"{op}{ver}")
        try:
            alternatives.append(SpecifierSet(",".join(clauses)))
        except InvalidSpecifier as exc:
            raise ValueError(first_line(exc)) from exc
    if len(alternatives) == 1:
        return format_specifier(alternatives[0])
    return format_specifier(hull(alternatives))
