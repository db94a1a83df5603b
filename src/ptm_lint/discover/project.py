"""Read what a scanned project declares: its name, version and Python library requirements.

The formats are read by discover.manifests (pip requirements files), discover.pyproject,
discover.setupcfg and discover.conda; the version arithmetic rules use is discover.versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptm_lint import fsaccess
from ptm_lint.core import FileError
from ptm_lint.discover.declarations import (
    ENVIRONMENT_FILES,
    PIPFILE,
    PYPROJECT,
    SETUP_CFG,
    requirement_files,
)
from ptm_lint.discover.manifests import Collector, Requirement, read_requirements
from ptm_lint.discover.versions import canonicalize_name, hull

# packaging, tomllib, configparser and yaml are imported where they are needed: most runs read no
# declaration that needs them, and importing packaging alone costs more than a small scan.
if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["Project", "Projects", "Requirement", "read_project"]


@dataclass(frozen=True, slots=True)
class Project:
    """What the project at `root` declares about itself and its dependencies."""

    root: Path
    name: str
    version: str | None
    requirements: tuple[Requirement, ...] = ()
    errors: tuple[FileError, ...] = ()

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
            common &= hull(variants)
        return common


_READ_BY_NAME = frozenset((PYPROJECT, SETUP_CFG, PIPFILE, *ENVIRONMENT_FILES))


def read_project(root: Path, base: Path | None = None) -> Project:
    """Read every dependency declaration at the top of `root` (the files discover.declarations
    names). Never raises; never executes. File names in errors and requirement sources are relative
    to `base` (the scan root, for a sub-project of a monorepo; default: `root`)."""
    root = Path(root)
    c = Collector(root.resolve(), None if base is None else Path(base).resolve())
    found: dict[str, tuple[str, str | None]] = {}
    try:
        entries = sorted(c.root / name for name in fsaccess.listdir(c.root))
    except OSError as exc:
        c.error(c.rel(c.root), f"cannot list project root: {exc.strerror or exc}", None, "io")
        entries = []
    by_name = {p.name: p for p in entries if p.name in _READ_BY_NAME and fsaccess.isfile(p)}

    from ptm_lint.discover.conda import read_environment
    from ptm_lint.discover.pipfile import read_pipfile
    from ptm_lint.discover.pyproject import read_pyproject
    from ptm_lint.discover.setupcfg import read_setup_cfg

    for filename, reader in ((PYPROJECT, read_pyproject), (SETUP_CFG, read_setup_cfg)):
        if filename in by_name:
            path = by_name[filename]
            found.update(_guard(c, path, partial(reader, c, path)) or {})
    for path, constraint in requirement_files(entries):
        _guard(c, path, partial(read_requirements, c, path, constraint=constraint))
    for filename in ENVIRONMENT_FILES:
        if filename in by_name:
            path = by_name[filename]
            _guard(c, path, partial(read_environment, c, path))
    if PIPFILE in by_name:
        _guard(c, by_name[PIPFILE], partial(read_pipfile, c, by_name[PIPFILE]))

    # Name and version come from the first source that names the project.
    named = [found[k] for k in ("project", "poetry", "setup.cfg") if k in found]
    name, version = named[0] if named else (c.root.name or str(root), None)
    return Project(root, name, version, tuple(c.requirements), tuple(c.errors))


def _guard(c: Collector, path: Path, read: Callable[[], Any]) -> Any:
    """Run one file reader; a bug in it becomes an `internal` error, never an exception."""
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - read_project must never raise
        message = f"internal error while reading: {type(exc).__name__}: {exc}"
        c.error(c.rel(path), message, None, "internal")
        return None


class Projects:
    """The projects of a scanned tree, read on demand: a file belongs to its nearest enclosing
    project (the closest folder, at or below the scan root, that declares dependencies; see
    discover.declarations.is_project), so in a monorepo each sub-project's files are judged by its
    own declarations, as when the sub-project is scanned on its own. Files in no such folder
    belong to the root project.

    Local memo tables only (one instance per run): each folder is listed once, each project read
    once.
    """

    __slots__ = ("root", "_base", "_dirs", "_projects")

    def __init__(self, root_project: Project) -> None:
        self.root = root_project
        base = root_project.root.resolve()
        self._dirs: dict[str, str] = {}  # rel folder -> rel folder of its project ("" = the root)
        self._projects: dict[str, Project] = {"": root_project}
        self._base = base

    def for_path(self, rel: str) -> Project:
        """The project of the file at `rel` (posix, relative to the root project's folder)."""
        parts = rel.split("/")[:-1]
        if not parts or ".." in parts or rel.startswith("/"):
            return self.root
        where = self._project_dir("/".join(parts))
        project = self._projects.get(where)
        if project is None:
            project = self._projects[where] = read_project(self._base / where, self._base)
        return project

    def _project_dir(self, folder: str) -> str:
        known = self._dirs.get(folder)
        if known is not None:
            return known
        from ptm_lint.discover.declarations import is_project

        try:
            names = fsaccess.listdir(self._base / folder)
        except OSError:
            names = []
        if is_project(names):
            found = folder
        else:
            parent = folder.rpartition("/")[0]
            found = self._project_dir(parent) if parent else ""
        self._dirs[folder] = found
        return found

    def read(self) -> tuple[Project, ...]:
        """The sub-projects read so far (not the root project), by folder."""
        return tuple(p for key, p in sorted(self._projects.items()) if key)
