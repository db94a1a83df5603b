"""Which files at a project's root declare its dependencies: what discover.project reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ptm_lint import fsaccess

PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"
ENVIRONMENT_FILES = ("environment.yml", "environment.yaml")  # conda
PIPFILE = "Pipfile"  # pipenv


def requirement_files(entries: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Root `requirements*.txt`, `requirements/*.txt`, `constraints*.txt` (case-insensitive), each
    with whether it holds constraints."""
    for p in entries:
        low = p.name.lower()
        if low == "requirements" and fsaccess.isdir(p):
            try:
                inside = sorted(p / name for name in fsaccess.listdir(p))
            except OSError:
                inside = []  # unreadable folder: nothing we can declare from it
            for q in inside:
                if q.name.lower().endswith(".txt") and fsaccess.isfile(q):
                    yield q, q.name.lower().startswith("constraint")
        elif _glob(low, "requirements", ".txt") and fsaccess.isfile(p):
            yield p, False
        elif _glob(low, "constraints", ".txt") and fsaccess.isfile(p):
            yield p, True


# A folder with one of these is a project of its own even though ptm-lint does not read it
# (setup.py would have to run): in a monorepo, its files are not judged by the declarations of an
# enclosing project.
UNREAD_PROJECT_FILES = ("setup.py",)


def is_project(names: Iterable[str]) -> bool:
    """True when a folder holding the entries `names` is a project's root: it has a file
    discover.project.read_project reads, or one of UNREAD_PROJECT_FILES."""
    return any(name in UNREAD_PROJECT_FILES or _declares(name) for name in names)


def _declares(name: str) -> bool:
    low = name.lower()
    return name in (PYPROJECT, SETUP_CFG, PIPFILE, *ENVIRONMENT_FILES) or low == "requirements" \
        or _glob(low, "requirements", ".txt") or _glob(low, "constraints", ".txt")


def declares_nothing(root: Path) -> bool:
    """True when the root has none of the files discover.project.read_project reads, so reading it
    would find no requirement and no error (`check` then never imports it). One listing, no stat;
    False when the root cannot be listed (read_project reports that)."""
    try:
        names = fsaccess.listdir(root)
    except OSError:
        return False
    return not any(_declares(name) for name in names)


def _glob(name: str, prefix: str, suffix: str) -> bool:
    """fnmatch(name, prefix + "*" + suffix) for a file name (no fnmatch regex to compile)."""
    return len(name) >= len(prefix) + len(suffix) and name.startswith(prefix) and name.endswith(suffix)
