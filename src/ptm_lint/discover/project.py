"""Read what a scanned project declares: its name, version and Python library requirements."""

from __future__ import annotations

import codecs
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptm_lint.core import FileError
from ptm_lint.discover.declarations import ENVIRONMENT_FILES, PYPROJECT, SETUP_CFG, requirement_files

# packaging, tomllib and configparser are imported where they are needed: most runs read no
# declaration that needs them, and importing packaging alone costs more than a small scan.
if TYPE_CHECKING:
    from packaging.specifiers import Specifier, SpecifierSet
    from packaging.version import Version

MAX_BYTES = 2 * 1024 * 1024

# Conda package names that differ from the PyPI distribution they provide.
CONDA_TO_PYPI = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch"}
# The interpreter itself is declared like a package by poetry and conda; it is not a library.
_INTERPRETER = "python"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One declared dependency (or constraint) on a Python distribution."""

    name: str  # canonicalized (canonicalize_name)
    specifier: str  # e.g. ">=2.1,<2.6" ("" when unconstrained)
    source: str  # posix path relative to the root, plus ":line" when known
    extras_group: str | None = None  # optional-dependency group / extra name; None = main deps
    marker: str | None = None
    constraint: bool = False  # from a constraints file: narrows but does not add a dependency


@dataclass(frozen=True, slots=True)
class Project:
    """What the project at `root` declares about itself and its dependencies."""

    root: Path
    name: str
    version: str | None
    requirements: tuple[Requirement, ...] = ()
    errors: tuple[FileError, ...] = ()
    # The folders listed and the files read or looked for (runmemo keeps their stats).
    consulted: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def requirements_for(self, package: str) -> tuple[Requirement, ...]:
        """Every declaration (constraints included) that names `package`."""
        wanted = canonicalize_name(package)
        return tuple(r for r in self.requirements if r.name == wanted)

    def declared(self, package: str) -> bool:
        """True when the project depends on `package` (a constraint alone does not count)."""
        return any(not r.constraint for r in self.requirements_for(package))

    def specifier(self, package: str) -> SpecifierSet | None:
        """Intersection of every declared specifier for `package`, constraints included.

        None when no file mentions the package. A package only named in a constraints file
        still gets the constraint's range: it bounds the version if something pulls it in.
        Declarations under different environment markers are alternatives (one per
        environment), so they are joined by their hull rather than intersected.
        """
        reqs = self.requirements_for(package)
        if not reqs:
            return None
        from packaging.specifiers import SpecifierSet

        common = SpecifierSet()
        by_marker: dict[str, SpecifierSet] = {}
        for r in reqs:
            spec = SpecifierSet(r.specifier)
            if r.marker is None:
                common &= spec
            else:
                by_marker[r.marker] = by_marker.get(r.marker, SpecifierSet()) & spec
        variants = list(by_marker.values())
        if len({str(v) for v in variants}) <= 1:
            for v in variants[:1]:
                common &= v
        else:
            common &= _hull(variants)
        return common


def canonicalize_name(name: str) -> str:
    """PEP 503 normalisation, as packaging.utils.canonicalize_name (which imports packaging.tags)."""
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value


# --------------------------------------------------------------------------- version reasoning

# An interval of versions: (low, low_inclusive, high, high_inclusive); None = unbounded.
_Interval = tuple["Version | None", bool, "Version | None", bool]
_EVERYTHING: _Interval = (None, False, None, False)


def all_at_least(spec: SpecifierSet | None, version: str) -> bool | None:
    """True if every version `spec` allows is >= `version`; None if `spec` is None.

    Pre-releases of `version` itself (e.g. `>=2.6.0rc1` against "2.6") are not "below".
    An unsatisfiable spec allows nothing, so it is vacuously True.
    """
    if spec is None:
        return None
    from packaging.version import Version

    target = Version(version)
    if target.pre is None and target.dev is None and target.post is None:
        target = _dev0(target.epoch, target.release)
    return all(lo is not None and lo >= target for lo, _, _, _ in _allowed(spec))


def any_at_least(spec: SpecifierSet | None, version: str) -> bool | None:
    """True if some version `spec` allows is >= `version`; None if `spec` is None."""
    if spec is None:
        return None
    from packaging.version import Version

    target = Version(version)
    return any(
        hi is None or hi > target or (hi == target and hi_inc)
        for _, _, hi, hi_inc in _allowed(spec)
    )


def _dev0(epoch: int, release: Sequence[int]) -> Version:
    """The smallest version with this release number (its first dev release)."""
    from packaging.version import Version

    return Version(f"{epoch}!{'.'.join(map(str, release))}.dev0")


def _bump(release: Sequence[int], index: int) -> tuple[int, ...]:
    """Increment release[index] and zero what follows, keeping the length."""
    return (*release[:index], release[index] + 1, *(0 for _ in release[index + 1 :]))


def _clause(spec: Specifier) -> list[_Interval]:
    """The versions one specifier clause allows, as intervals."""
    from packaging.version import InvalidVersion, Version

    op, text = spec.operator, spec.version
    if op == "===":
        try:
            v = Version(text)
        except InvalidVersion:
            return [_EVERYTHING]  # arbitrary string: cannot reason, assume anything
        return [(v, True, v, True)]
    if text.endswith(".*"):
        prefix = Version(text[:-2])
        lo = _dev0(prefix.epoch, prefix.release)
        hi = _dev0(prefix.epoch, _bump(prefix.release, len(prefix.release) - 1))
        if op == "==":
            return [(lo, True, hi, False)]
        return [(None, False, lo, False), (hi, True, None, False)]  # "!="
    v = Version(text)
    if op == "==":
        return [(v, True, v, True)]
    if op == "!=":
        return [(None, False, v, False), (v, False, None, False)]
    if op == ">=":
        return [(v, True, None, False)]
    if op == ">":
        return [(v, False, None, False)]
    if op == "<=":
        return [(None, False, v, True)]
    if op == "<":
        # PEP 440: `<V` excludes V's own pre-releases when V is a final release.
        final = v.pre is None and v.dev is None and v.post is None and v.local is None
        return [(None, False, _dev0(v.epoch, v.release) if final else v, False)]
    if op == "~=":
        hi = _dev0(v.epoch, _bump(v.release, len(v.release) - 2))
        return [(v, True, hi, False)]
    return [_EVERYTHING]  # pragma: no cover - packaging knows no other operator


def _meet(a: _Interval, b: _Interval) -> _Interval | None:
    lo, lo_inc = a[0], a[1]
    if b[0] is not None and (lo is None or b[0] > lo or (b[0] == lo and not b[1])):
        lo, lo_inc = b[0], b[1]
    hi, hi_inc = a[2], a[3]
    if b[2] is not None and (hi is None or b[2] < hi or (b[2] == hi and not b[3])):
        hi, hi_inc = b[2], b[3]
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_inc and hi_inc))):
        return None
    return (lo, lo_inc, hi, hi_inc)


def _allowed(spec: SpecifierSet) -> list[_Interval]:
    """The versions `spec` allows, as a union of disjoint-enough intervals."""
    current = [_EVERYTHING]
    for clause in spec:
        pieces = _clause(clause)
        current = [m for a in current for b in pieces if (m := _meet(a, b)) is not None]
    return current


def _hull(specs: Iterable[SpecifierSet]) -> SpecifierSet:
    """The narrowest `>=lo,<hi` range containing every version any of `specs` allows."""
    from packaging.specifiers import SpecifierSet

    specs = list(specs)
    intervals = [iv for s in specs for iv in _allowed(s)]
    if not intervals:
        out = SpecifierSet()
        for s in specs:
            out &= s  # all unsatisfiable: keep them so the result stays unsatisfiable
        return out
    lows = [iv for iv in intervals if iv[0] is not None]
    highs = [iv for iv in intervals if iv[2] is not None]
    clauses = []
    if len(lows) == len(intervals):
        lo, exclusive = min((iv[0], not iv[1]) for iv in lows)  # inclusive wins a tie
        clauses.append(f"{'>' if exclusive else '>='}{lo}")
    if len(highs) == len(intervals):
        hi, inc = max((iv[2], iv[3]) for iv in highs)
        if inc:
            clauses.append(f"<={hi}")
        elif hi.dev == 0 and hi.pre is None and hi.post is None and hi.local is None:
            clauses.append(f"<{hi.base_version}")  # `<X` means below X.dev0 (PEP 440)
        else:
            clauses.append(f"<{hi}")
    return SpecifierSet(",".join(clauses))


_RANK = {"===": 0, "==": 0, "~=": 1, ">=": 2, ">": 2, "<=": 3, "<": 3, "!=": 4}


def _format(spec: SpecifierSet) -> str:
    """Lower bounds first, then upper bounds, then exclusions: reads like people write it."""
    return ",".join(str(s) for s in sorted(spec, key=lambda s: _RANK.get(s.operator, 5)))


# The common shapes of a PEP 508 requirement, read without packaging: `name[extras] >=1.2, <2.0`
# with plain release numbers, and a marker of `variable op "value"` items joined by and/or.
# Anything else (pre-releases, URLs, parentheses, `extra ==`, every invalid line) goes to
# packaging; tests/test_requirement_fast_path.py checks that both give the same result.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_CLAUSE = rf"(?:==|!=)[ \t]*{_RELEASE}(?:\.\*)?|(?:<=|>=|<|>)[ \t]*{_RELEASE}|~=[ \t]*[0-9]+(?:\.[0-9]+)+"
_MARKER_VARIABLE = (
    "python_version|python_full_version|os_name|sys_platform|platform_release|platform_system"
    "|platform_version|platform_machine|platform_python_implementation|implementation_name"
    "|implementation_version"
)
# group 1-3: variable, operator, quoted value (printable ASCII, no backslash or inner quote)
_MARKER_ITEM = (rf"({_MARKER_VARIABLE})[ \t]*(==|!=|<=|>=|<|>|~=)[ \t]*"
                r"(\"[ !#-\[\]-~]*\"|'[ -&(-\[\]-~]*')")


@lru_cache(maxsize=1)
def _simple_pep508() -> re.Pattern[str]:
    extras = rf"\[[ \t]*(?:{_NAME}(?:[ \t]*,[ \t]*{_NAME})*)?[ \t]*\][ \t]*"
    marker = rf"{_MARKER_ITEM}(?:[ \t]+(?:and|or)[ \t]+{_MARKER_ITEM})*"
    return re.compile(
        rf"[ \t]*({_NAME})[ \t]*(?:{extras})?((?:{_CLAUSE})(?:[ \t]*,[ \t]*(?:{_CLAUSE}))*)?[ \t]*"
        rf"(?:;[ \t]*({marker})[ \t]*)?"
    )


def _simple_requirement(text: str) -> tuple[str, str, str | None] | None:
    """(name, specifier as _format writes it, marker as packaging writes it) of a requirement in
    the common shape; None for any other text."""
    match = _simple_pep508().fullmatch(text)
    if match is None:
        return None
    name, spec, marker = match.group(1), match.group(2), match.group(3)
    if spec:
        clauses = ["".join(c.split()) for c in spec.split(",")]
        spec = ",".join(sorted(clauses, key=lambda c: _RANK[c[:2] if c[1] == "=" else c[0]]))
    if marker:
        parts = []
        for item in re.finditer(rf"{_MARKER_ITEM}|(and|or)", marker):
            if item.group(4):
                parts.append(item.group(4))
            else:
                value = item.group(3)[1:-1]
                quoted = f'"{value}"' if '"' not in value else f"'{value}'"
                parts.append(f"{item.group(1)} {item.group(2)} {quoted}")
        marker = " ".join(parts)
    return name, spec or "", marker or None


# --------------------------------------------------------------------------- reading files


class _Collector:
    """Mutable accumulator used while one project is read (never escapes read_project)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requirements: list[Requirement] = []
        self.errors: list[FileError] = []
        self.seen: set[tuple[Path, bool]] = set()
        self.consulted: list[str] = [str(root)]

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def error(self, rel: str, message: str, line: int | None = None, kind: str = "parse") -> None:
        self.errors.append(FileError(rel, message, kind, line))

    def add(
        self,
        name: str,
        specifier: str,
        rel: str,
        line: int | None,
        group: str | None = None,
        marker: str | None = None,
        constraint: bool = False,
    ) -> None:
        source = f"{rel}:{line}" if line is not None else rel
        self.requirements.append(
            Requirement(canonicalize_name(name), specifier, source, group, marker, constraint)
        )

    def add_pep508(
        self,
        text: str,
        rel: str,
        line: int | None,
        group: str | None = None,
        constraint: bool = False,
    ) -> None:
        simple = _simple_requirement(text)
        if simple is not None:
            name, spec, marker = simple
            self.add(name, spec, rel, line, group, marker, constraint)
            return
        from packaging.requirements import InvalidRequirement
        from packaging.requirements import Requirement as Pep508

        try:
            req = Pep508(text)
        except InvalidRequirement as exc:
            self.error(rel, f"invalid requirement {_short(text)}: {_first_line(exc)}", line)
            return
        spec = "" if req.url else _format(req.specifier)
        marker = str(req.marker) if req.marker is not None else None
        self.add(req.name, spec, rel, line, group, marker, constraint)

    def read_text(self, path: Path, rel: str) -> str | None:
        self.consulted.append(str(path))
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                message = f"file is larger than 2 MB ({size} bytes); not read"
                self.error(rel, message, None, "skipped")
                return None
            data = path.read_bytes()
        except OSError as exc:
            self.error(rel, f"cannot read file: {exc.strerror or exc}", None, "io")
            return None
        try:
            return _decode(data)
        except UnicodeDecodeError as exc:
            self.error(rel, f"file is not valid UTF-8 (byte {exc.start}); not read")
            return None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes) -> str:
    # A BOM is honoured like pip does: PowerShell's `pip freeze > requirements.txt` writes UTF-16.
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    return data.decode("utf-8")


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def read_project(root: Path) -> Project:
    """Read every dependency declaration at the top of `root` (the files discover.declarations
    names). Never raises; never executes."""
    root = Path(root)
    c = _Collector(root.resolve())
    found: dict[str, tuple[str, str | None]] = {}
    try:
        entries = sorted(p for p in c.root.iterdir())
    except OSError as exc:
        c.error(".", f"cannot list project root: {exc.strerror or exc}", None, "io")
        entries = []
    by_name = {p.name: p for p in entries if p.is_file()}
    c.consulted.extend(str(p) for p in entries if p.name.lower() == "requirements")  # a folder of them

    for filename, reader in ((PYPROJECT, _read_pyproject), (SETUP_CFG, _read_setup_cfg)):
        if filename in by_name:
            path = by_name[filename]
            found.update(_guard(c, path, partial(reader, c, path)) or {})
    for path, constraint in requirement_files(entries):
        _guard(c, path, partial(_read_requirements, c, path, constraint=constraint))
    for filename in ENVIRONMENT_FILES:
        if filename in by_name:
            path = by_name[filename]
            _guard(c, path, partial(_read_environment, c, path))

    # Name and version come from the first source that names the project.
    named = [found[k] for k in ("project", "poetry", "setup.cfg") if k in found]
    name, version = named[0] if named else (c.root.name or str(root), None)
    return Project(root, name, version, tuple(c.requirements), tuple(c.errors), tuple(c.consulted))


def _guard(c: _Collector, path: Path, read: Callable[[], Any]) -> Any:
    """Run one file reader; a bug in it becomes an `internal` error, never an exception."""
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - read_project must never raise
        message = f"internal error while reading: {type(exc).__name__}: {exc}"
        c.error(c.rel(path), message, None, "internal")
        return None


# ----------------------------------------------------------------------- requirements.txt (pip)

# Regexes stay strings (compiled by `re` on first use, and cached there): most runs read no
# requirements file, and a module-level re.compile would cost every run.
_COMMENT = r"(^|\s+)#.*$"
_OPTION = r"^(-[A-Za-z]|--[A-Za-z][\w-]*)(?:\s*=\s*|\s*)(.*)$"
_URL = r"(?i)^[A-Za-z][A-Za-z0-9+.-]*://|^file:|^(git|hg|svn|bzr)\+"
_ARCHIVE = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_LEADING_NAME = r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)"


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered by their first physical line."""
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):  # as pip: comments end
            buf.append(raw[:-1])
            continue
        buf.append(raw)
        yield start, "".join(buf)
        buf = []
    if buf:
        yield start, "".join(buf)


def _read_requirements(
    c: _Collector, path: Path, *, constraint: bool, group: str | None = None
) -> None:
    key = (path.resolve(), constraint)
    if key in c.seen:  # already read (globbed and included, or an include cycle)
        return
    c.seen.add(key)
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return
    for number, line in _logical_lines(text):
        _requirement_line(c, line, rel, number, path.parent, constraint=constraint, group=group)


def _requirement_line(
    c: _Collector,
    line: str,
    rel: str,
    number: int | None,
    base: Path,
    *,
    constraint: bool,
    group: str | None = None,
) -> None:
    """One pip requirement-file line (also used for conda's nested `pip:` list)."""
    line = re.sub(_COMMENT, "", line).strip()
    if not line:
        return
    if line.startswith("-"):
        match = re.match(_OPTION, line)
        option, arg = (match.group(1), match.group(2).strip().strip("'\"")) if match else ("", "")
        if option in ("-r", "--requirement", "-c", "--constraint"):
            nested = option in ("-c", "--constraint")  # pip: `-r` inside a constraints file adds
            _include(c, arg, rel, number, base, constraint=nested, group=group)
        return  # -e/--editable, index and install options declare nothing versioned
    # Per-requirement options (`--hash=...`) follow the requirement, as in pip's own split.
    tokens = line.split()
    cut = next((i for i, t in enumerate(tokens) if t.startswith("-")), len(tokens))
    text = " ".join(tokens[:cut])
    if not text:
        return
    head = text.split(";", 1)[0].strip()
    if head and (re.match(_URL, head) or ("@" not in head and _is_path(head))):
        return  # a direct URL / local path: nothing to version (`name @ url` is kept)
    if "${" in text:  # pip expands environment variables; we cannot, so assume any version
        match = re.match(_LEADING_NAME, text)
        if match:
            c.add(match.group(1), "", rel, number, group, None, constraint)
        return
    c.add_pep508(text, rel, number, group, constraint)


def _is_path(head: str) -> bool:
    first = (head.split() or [""])[0]
    return bool(
        first.startswith((".", "/", "~", "\\"))
        or re.match(r"^[A-Za-z]:[\\/]", first)
        or "/" in first
        or "\\" in first
        or first.lower().endswith(_ARCHIVE)
    )


def _include(
    c: _Collector,
    arg: str,
    rel: str,
    number: int | None,
    base: Path,
    *,
    constraint: bool,
    group: str | None,
) -> None:
    if not arg:
        c.error(rel, "include option without a file name", number)
        return
    if re.match(_URL, arg):
        c.error(rel, f"remote include {_short(arg)} is not fetched", number, "skipped")
        return
    target = base / arg
    c.consulted.append(str(target))
    if not target.is_file():
        c.error(rel, f"included file {_short(arg)} not found", number, "io")
        return
    _read_requirements(c, target, constraint=constraint, group=group)


# -------------------------------------------------------------------------------- pyproject.toml

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


def _read_pyproject(c: _Collector, path: Path) -> dict[str, tuple[str, str | None]]:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(_TOML_LINE, str(exc))
        c.error(rel, f"invalid TOML: {_first_line(exc)}", int(match.group(1)) if match else None)
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
                c.error(rel, f"{where}: expected a requirement string, got {_short(str(item))}")

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

    return _format(_hull(SpecifierSet(s) for s in specs))


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
            raise ValueError(f"cannot parse poetry constraint {_short(text)}")
        pos = match.end()
        op, ver = match.group(1) or "", match.group(2)
        clauses.extend(_poetry_clause(op, ver))
    spec = ",".join(clauses)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise ValueError(f"invalid poetry constraint {_short(text)}: {_first_line(exc)}") from exc
    return spec


def _poetry_clause(op: str, ver: str) -> list[str]:
    if ver == "*" or ver in ("x", "X"):
        return []
    if op in ("^", "~"):
        from packaging.version import InvalidVersion, Version

        try:
            v = Version(ver)
        except InvalidVersion as exc:
            raise ValueError(f"invalid version {_short(ver)} in poetry constraint") from exc
        release = v.release
        if op == "^":  # bump the leftmost non-zero component (the last one if all are zero)
            index = next((i for i, n in enumerate(release) if n), len(release) - 1)
        else:  # ~: bump the minor version, or the major one when only it is given
            index = min(1, len(release) - 1)
        upper = ".".join(map(str, _bump(release, index)))
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
    c: _Collector,
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
                c.error(rel, f"[{header}] invalid package name {_short(key)}", line)
                continue
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                _poetry_entry(c, rel, line, header, key, entry, group, extras)


def _poetry_entry(
    c: _Collector,
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
        c.error(rel, f"[{header}] {key}: unsupported value {_short(str(entry))}", line)
        return
    try:
        if not isinstance(constraint, str):
            raise ValueError(f"version must be a string, got {_short(str(constraint))}")
        spec = poetry_to_pep440(constraint)
        if isinstance(entry, dict):
            marker = _poetry_marker(entry)
    except ValueError as exc:
        c.error(rel, f"[{header}] {key}: {exc}", line)
        return
    c.add(key, spec, rel, line, group, marker)


# ------------------------------------------------------------------------------------ setup.cfg


def _cfg_list(value: str) -> list[str]:
    # setuptools' list-semi: one entry per line, or `;`-separated on a single line.
    items = value.splitlines() if "\n" in value else value.split(";")
    items = [re.sub(_COMMENT, "", item).strip() for item in items]
    return [item for item in items if item]


def _read_setup_cfg(c: _Collector, path: Path) -> dict[str, tuple[str, str | None]]:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return {}
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.Error as exc:
        lineno = getattr(exc, "lineno", None)
        c.error(rel, f"invalid setup.cfg: {_first_line(exc)}", lineno)
        return {}
    lines = text.splitlines()
    found: dict[str, tuple[str, str | None]] = {}
    name = parser.get("metadata", "name", fallback=None)
    version = parser.get("metadata", "version", fallback=None)
    if version and version.strip().startswith(("attr:", "file:")):
        version = None  # resolving these would mean importing or reading project code
    if name:
        found["setup.cfg"] = (name.strip(), version.strip() if version else None)

    def section_start(section: str) -> int:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]", re.IGNORECASE)
        return next((i for i, t in enumerate(lines) if pattern.match(t)), 0)

    def read_list(value: str, section: str, group: str | None) -> None:
        if value.strip().startswith("file:"):
            for fname in value.strip()[len("file:") :].split(","):
                target = path.parent / fname.strip()
                if target.is_file():
                    _read_requirements(c, target, constraint=False, group=group)
                else:
                    c.error(rel, f"[{section}] file {_short(fname.strip())} not found", None, "io")
            return
        start = section_start(section)
        for item in _cfg_list(value):
            line = next((i + 1 for i in range(start, len(lines)) if item in lines[i]), None)
            c.add_pep508(item, rel, line, group)

    install = parser.get("options", "install_requires", fallback=None)
    if install:
        read_list(install, "options", None)
    if parser.has_section("options.extras_require"):
        for group, value in parser.items("options.extras_require", raw=True):
            read_list(value, "options.extras_require", group)
    return found


# ------------------------------------------------------------------------------ environment.yml


def _read_environment(c: _Collector, path: Path) -> None:
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
        problem = getattr(exc, "problem", None) or _first_line(exc)
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
                        _requirement_line(c, str(entry.value), rel, entry.start_mark.line + 1,
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
        raise ValueError(f"invalid conda package spec {_short(spec)}")
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
        raise ValueError(f"invalid conda version in {_short(spec)}: {exc}") from exc


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
                raise ValueError(f"empty clause in {_short(version)}")
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
            raise ValueError(_first_line(exc)) from exc
    if len(alternatives) == 1:
        return _format(alternatives[0])
    return _format(_hull(alternatives))
