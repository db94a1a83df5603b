"""Reading dependency declarations: the collector every format reader adds to (requirements and
errors, with the paths consulted), the file decoding they share, and pip's requirements files (whose
line format conda's `pip:` list and setup.cfg's `file:` reuse). The other formats: discover.pyproject
(pyproject.toml, poetry), discover.setupcfg, discover.conda (environment.yml)."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ptm_lint import fsaccess
from ptm_lint.core import FileError
from ptm_lint.discover.versions import canonicalize_name, format_specifier, simple_requirement

MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Requirement:
    """One declared dependency (or constraint) on a Python distribution."""

    name: str  # canonicalized (canonicalize_name)
    specifier: str  # e.g. ">=2.1,<2.6" ("" when unconstrained)
    source: str  # posix path relative to the root, plus ":line" when known
    extras_group: str | None = None  # optional-dependency group / extra name; None = main deps
    marker: str | None = None
    constraint: bool = False  # from a constraints file: narrows but does not add a dependency


class Collector:
    """Mutable accumulator used while one project is read (never escapes read_project)."""

    def __init__(self, root: Path, base: Path | None = None) -> None:
        self.root = root
        self.base = root if base is None else base  # file names in errors and sources are relative to it
        self.requirements: list[Requirement] = []
        self.errors: list[FileError] = []
        self.seen: set[tuple[Path, bool]] = set()

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.base)).as_posix()

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
        simple = simple_requirement(text)
        if simple is not None:
            name, spec, marker = simple
            self.add(name, spec, rel, line, group, marker, constraint)
            return
        from packaging.requirements import InvalidRequirement
        from packaging.requirements import Requirement as Pep508

        try:
            req = Pep508(text)
        except InvalidRequirement as exc:
            self.error(rel, f"invalid requirement {short(text)}: {first_line(exc)}", line)
            return
        spec = "" if req.url else format_specifier(req.specifier)
        marker = str(req.marker) if req.marker is not None else None
        self.add(req.name, spec, rel, line, group, marker, constraint)

    def read_text(self, path: Path, rel: str) -> str | None:
        try:
            size = fsaccess.stat(path).st_size
            if size > MAX_BYTES:
                message = f"file is larger than 2 MB ({size} bytes); not read"
                self.error(rel, message, None, "skipped")
                return None
            data = fsaccess.read_bytes(path)
        except OSError as exc:
            self.error(rel, f"cannot read file: {exc.strerror or exc}", None, "io")
            return None
        try:
            return decode(data)
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


def decode(data: bytes) -> str:
    # A BOM is honoured like pip does: PowerShell's `pip freeze > requirements.txt` writes UTF-16.
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    return data.decode("utf-8")


def first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ----------------------------------------------------------------------- requirements.txt (pip)

# Regexes stay strings (compiled by `re` on first use, and cached there): most runs read no
# requirements file, and a module-level re.compile would cost every run.
COMMENT = r"(^|\s+)#.*$"
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


def read_requirements(
    c: Collector, path: Path, *, constraint: bool, group: str | None = None
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
        requirement_line(c, line, rel, number, path.parent, constraint=constraint, group=group)


def requirement_line(
    c: Collector,
    line: str,
    rel: str,
    number: int | None,
    base: Path,
    *,
    constraint: bool,
    group: str | None = None,
) -> None:
    """One pip requirement-file line (also used for conda's nested `pip:` list)."""
    line = re.sub(COMMENT, "", line).strip()
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
    c: Collector,
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
        c.error(rel, f"remote include {short(arg)} is not fetched", number, "skipped")
        return
    target = base / arg
    if not fsaccess.isfile(target):
        c.error(rel, f"included file {short(arg)} not found", number, "io")
        return
    read_requirements(c, target, constraint=constraint, group=group)
