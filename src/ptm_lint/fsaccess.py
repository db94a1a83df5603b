"""The file-access layer: every stage that reads the scanned tree (discovery, configuration, project
declarations, the scanner's imported modules and config files) reads files, stats paths and lists
directories through these functions, and each access is recorded, while a run is `recording()`,
as the path and the stat taken before it was used (None: absent, or a listing; the run memo stats
it when it keeps the run).

The run memo (ptm_lint.runmemo) replays a run's output while every recorded path is unchanged, so
what a stage read is known without the stage reporting it: a new input read through the layer
cannot be forgotten. tests/test_fsaccess.py fails when an input stage touches the file system
directly.

Recording is scoped to a context (contextvars), not global: a worker process, or code outside
`recording()`, just does the I/O. A path is kept with the first stat taken of it (taken before
anything was read from it: a change since then is a miss next time). The stat of a symbolic link
itself is never recorded (the memo compares stats that follow links).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from stat import S_ISDIR, S_ISLNK, S_ISREG


class Accesses:
    """The paths one run consulted: absolute path -> the stat taken of it (following links), or
    None (absent, or not stat'ed: the memo takes its stat when it records). `taken`: stats this run
    already took (runmemo.Memo.taken, none of a symbolic link), used instead of new ones."""

    __slots__ = ("paths", "taken")

    def __init__(self, taken: Mapping[str, os.stat_result] | None = None) -> None:
        self.paths: dict[str, os.stat_result | None] = {}
        self.taken: Mapping[str, os.stat_result] = taken or {}


_ACTIVE: ContextVar[Accesses | None] = ContextVar("ptm_lint_fsaccess", default=None)


@contextmanager
def recording(taken: Mapping[str, os.stat_result] | None = None) -> Iterator[Accesses]:
    """Record every access made through this module until the block ends."""
    accesses = Accesses(taken)
    token = _ACTIVE.set(accesses)
    try:
        yield accesses
    finally:
        _ACTIVE.reset(token)


def active() -> Accesses | None:
    """The current recording, if any."""
    return _ACTIVE.get()


def note(path: str | os.PathLike[str], st: os.stat_result | None = None) -> None:
    """Record a path the run depends on without touching it (e.g. a cached scan's dependency)."""
    accesses = _ACTIVE.get()
    if accesses is not None:
        key = os.fspath(path)
        if accesses.paths.get(key) is None:
            accesses.paths[key] = st


def stat(path: str | os.PathLike[str]) -> os.stat_result:
    """os.stat(path), recorded (absent: recorded as None, and OSError raised)."""
    accesses = _ACTIVE.get()
    if accesses is None:
        return os.stat(path)
    key = os.fspath(path)
    st = accesses.taken.get(key)
    if st is None:
        try:
            st = os.stat(key)
        except OSError:
            accesses.paths.setdefault(key, None)
            raise
    if accesses.paths.get(key) is None:
        accesses.paths[key] = st
    return st


def lstat(path: str | os.PathLike[str]) -> os.stat_result:
    """os.lstat(path), recorded (a symbolic link: as None, the memo follows it when it records)."""
    accesses = _ACTIVE.get()
    if accesses is None:
        return os.lstat(path)
    key = os.fspath(path)
    st = accesses.taken.get(key)  # (never a link's)
    if st is None:
        try:
            st = os.lstat(key)
        except OSError:
            accesses.paths.setdefault(key, None)
            raise
    if accesses.paths.get(key) is None:
        accesses.paths[key] = None if S_ISLNK(st.st_mode) else st
    return st


def lexists(path: str | os.PathLike[str]) -> bool:
    """os.path.lexists(path), recorded."""
    try:
        lstat(path)
    except (OSError, ValueError):
        return False
    return True


def isfile(path: str | os.PathLike[str]) -> bool:
    """os.path.isfile(path) (following links), recorded."""
    try:
        return S_ISREG(stat(path).st_mode)
    except (OSError, ValueError):
        return False


def isdir(path: str | os.PathLike[str]) -> bool:
    """os.path.isdir(path) (following links), recorded."""
    try:
        return S_ISDIR(stat(path).st_mode)
    except (OSError, ValueError):
        return False


def listdir(path: str | os.PathLike[str]) -> list[str]:
    """os.listdir(path), the directory recorded (its stat, taken when the memo records it, changes
    with any entry added, removed or renamed)."""
    note(path)
    return os.listdir(path)


def scandir(path: str | os.PathLike[str]) -> os._ScandirIterator:  # type: ignore[name-defined]
    """os.scandir(path), the directory recorded as by listdir()."""
    note(path)
    return os.scandir(path)


def walk(top: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk(top) (prune by editing the yielded dirs in place), each directory visited recorded as
    by listdir()."""
    for here, dirs, files in os.walk(top):
        note(here)
        yield here, dirs, files


def read_bytes(path: str | os.PathLike[str], limit: int | None = None, *, restat: bool = True) -> bytes:
    """The file's bytes (at most `limit` + 1 of them when `limit` is given: the caller sees it was
    larger), recorded with its stat taken before the read. `restat=False`: the caller stat'ed the
    file through this layer already (a scanned file, which discovery stat'ed): no second stat."""
    if restat:
        stat(path)
    else:
        note(path)
    with open(path, "rb") as handle:
        return handle.read() if limit is None else handle.read(limit + 1)


def read_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """The file decoded as Path.read_text would (universal newlines), recorded like read_bytes()."""
    data = read_bytes(path).decode(encoding)
    return data.replace("\r\n", "\n").replace("\r", "\n") if "\r" in data else data
