"""Find the Python sources and notebooks to scan under the given paths (stat only, never read)."""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .. import fsaccess
from ..core import FileError

if TYPE_CHECKING:
    import pathspec

PROJECT_MARKERS = (".git", "pyproject.toml", "ptm-lint.toml", "setup.cfg", "setup.py")
# Ruff's default `exclude`, plus our own and CPython's caches.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox",
    ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules",
    "site-packages", "venv", "__pycache__", ".ptm-lint-cache",
)
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Files passed by name are also taken with the other suffixes pre-commit's `identify` tags as
# python, and without a suffix (scripts it recognises by their shebang).
_EXPLICIT_SUFFIXES = frozenset((*SOURCE_SUFFIXES, ".pyw", ".pyt", ".tac", ".wsgi", ""))
_BY_NAME = attrgetter("name")
_NAMED_GROUP = r"\(\?P<\w+>"
_ANY_DEPTH = "^(?:.+/)?"
# A pattern that is just a name (`build`, `.venv`, `__pycache__`: every default exclude) matches
# that name at any depth; such lists are matched without pathspec (see _Names).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*")
# A relative path that is empty, absolute, or leaves its directory, or holds a NUL or backslash.
_ESCAPES = re.compile(r"^$|^/|//|/$|(?:^|/)\.\.?(?:/|$)|[\x00\\]")


def find_root(paths: Sequence[Path]) -> Path:
    """The project root for `paths`: nearest ancestor (inclusive) of their common directory that
    holds a PROJECT_MARKER, else that common directory itself. Absolute and resolved."""
    return search_root(paths)[0]


def search_root(paths: Sequence[Path]) -> tuple[Path, tuple[str, ...]]:
    """find_root(paths), and the marker paths it looked for (what a changed answer would show in)."""
    dirs = []
    for p in paths or (Path.cwd(),):
        a = os.path.abspath(p)
        dirs.append(os.path.realpath(a if fsaccess.isdir(a) else os.path.dirname(a)))
    try:
        start = Path(os.path.commonpath(dirs))
    except ValueError:  # different drives (Windows)
        start = Path.cwd().resolve()
    probed: list[str] = []
    for d in (start, *start.parents):
        markers = [os.path.join(d, m) for m in PROJECT_MARKERS]
        probed += markers
        if any(fsaccess.lexists(m) for m in markers):
            return d, tuple(probed)
    return start, tuple(probed)


def relpath(path: Path, root: Path) -> str:
    """`path` relative to `root`, posix style, without resolving symlinks in the name; the path
    as given when it lies outside `root`."""
    a, r = os.path.abspath(path), os.path.abspath(root)
    rel = _under(a, r)
    if rel is None:  # `root` is resolved; `path` may reach it through a symlinked ancestor
        a2 = os.path.join(os.path.realpath(os.path.dirname(a)), os.path.basename(a))
        rel = _under(a2, os.path.realpath(r))
    if rel is None:
        return Path(path).as_posix()
    return rel.replace(os.sep, "/") if rel else "."


# What identifies one version of a file without reading it: (size, mtime_ns, ctime_ns, inode).
FileStat = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Discovered:
    """The outcome of discovery: files to scan and the ones that were reported instead."""

    paths: tuple[str, ...]  # absolute, deduplicated, sorted by relpath
    rels: tuple[str, ...]  # each path relative to root, posix style (relpath())
    stats: tuple[FileStat, ...]  # each file's stat as discovery saw it (following a link)
    errors: tuple[FileError, ...]  # path is the relpath (or the path as given outside root)
    # (Every path the outcome depends on, with the stat taken before using it, is recorded by
    # ptm_lint.fsaccess: the directories listed, the files and links stat'ed, the ignore files read,
    # the .git folders and project markers looked for.)

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(Path(p) for p in self.paths)


class Listings(Protocol):
    """Directory listings kept between runs (statmanifest.Manifest), as git's untracked cache keeps them.

    A listing is what _Walker._entries returns; `stat` is the directory's (mtime_ns, ctime_ns,
    inode, device), taken before listing it. Adding, removing or renaming an entry changes the
    directory's mtime and ctime, so a listing is reused only while that stat is unchanged (the
    store must refuse recently modified directories, whose next change could keep the same mtime).
    """

    def listing(self, path: str, stat: tuple[int, int, int, int]) -> list[str] | None: ...

    def record_listing(self, path: str, stat: tuple[int, int, int, int], entries: list[str]) -> bool:
        """Keep a listing; False when it is refused (too recent, or it names a secret)."""

    def walk(self, key: str, stat: Callable[[str], os.stat_result] = os.stat) -> Any:
        """The walk recorded under `key` (record_walk) if every listing recorded since is unchanged: each
        directory's stat (taken with `stat`) is as recorded (the store checks them all), else None."""

    def record_walk(self, key: str, walk: Any, newest_mtime_ns: int) -> None:
        """Keep what a walk found (JSON data) and the ignore files it read; refused if `newest_mtime_ns`
        (the most recent ignore file) is too recent."""


def discover(
    paths: Sequence[Path],
    root: Path,
    *,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    listings: Listings | None = None,
    taken: Mapping[str, os.stat_result] | None = None,
) -> Discovered:
    """Walk `paths` (files or directories) and return the source files to scan under `root`.

    Never raises for file-system trouble: it becomes a FileError and discovery goes on.
    Raises ValueError for an invalid exclude pattern (a configuration error).
    `listings`: reuse unchanged directories' listings from an earlier run (a stat instead of a
    directory read each). `taken`: stats this run took already (runmemo.Memo.taken), used instead
    of new ones; none is a symbolic link's, so each answers stat and lstat alike.
    """
    configured = (*(exclude or ()), *extend_exclude)
    walker = _Walker(
        root=os.path.realpath(root),
        exclude=_Spec.compile((*(DEFAULT_EXCLUDES if exclude is None else exclude),
                               *extend_exclude), strict=True),
        configured=_Spec.compile(configured, strict=True) if configured else None,
        respect_gitignore=respect_gitignore,
        max_bytes=max_bytes,
        listings=listings,
        taken=taken,
    )
    key = None
    if listings is not None:
        # Everything besides the file system that decides the walk (the code is in the store's key).
        key = repr((walker.root, [os.path.abspath(p) for p in paths], exclude, tuple(extend_exclude),
                    respect_gitignore, max_bytes))
        replayed = walker.replay(listings.walk(key, walker.stat))
        if replayed is not None:
            return replayed
    for p in paths:
        walker.add(Path(p))
    result = walker.result()
    if key is not None and walker.replayable and not result.errors:
        listings.record_walk(key, {"files": list(result.rels), "probes": walker.probes},  # type: ignore[union-attr]
                             walker.newest)
    return result


# --- matching ---------------------------------------------------------------------------------


class _Names(NamedTuple):
    """A pattern list of plain names: each ignores a file or directory of that name at any depth.

    pathspec matches the name `build` with the regex `^(?:.+/)?build(?:/|$)`; this is that regex
    for all the names at once, so the common case (the default excludes, `extend-exclude =
    ["migrations"]`) does not import pathspec, which costs more than discovering a small project.
    """

    regex: re.Pattern[str] | None

    @staticmethod
    def compile(names: Sequence[str]) -> _Names:
        alternatives = "|".join(re.escape(name) for name in names)
        return _Names(re.compile(f"^(?:.+/)?(?:{alternatives})(?:/|$)") if names else None)

    def check(self, path: str) -> bool | None:
        """True: ignored, None: no pattern matches (a plain name never re-includes)."""
        if self.regex is None or not self.regex.match(path):
            return None
        # As _Spec: pathspec also matches the path without a leading "/" or "./" (never in a walk).
        if path.startswith("/"):
            path = path[1:]
        elif path.startswith("./"):
            path = path[2:]
        else:
            return True
        return True if self.regex.match(path) else None


class _Spec(NamedTuple):
    """A gitignore-style pattern list (pathspec), with a one-regex pre-check.

    pathspec tries each pattern in turn; most paths match none, so one combined regex
    answers "no pattern matches" first, which keeps 100,000-file trees fast.
    """

    spec: pathspec.GitIgnoreSpec
    any_match: re.Pattern[str] | None

    @staticmethod
    def compile(lines: Sequence[str], *, strict: bool) -> _Spec | _Names:
        if all(_PLAIN_NAME.fullmatch(line) for line in lines):
            return _Names.compile(lines)
        import pathspec

        try:
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
        except ValueError as exc:  # GitIgnorePatternError
            if strict:
                bad = next((ln for ln in lines if not _valid(ln)), "")
                raise ValueError(f"invalid exclude pattern {bad!r}: {exc}") from exc
            # A .gitignore line git itself would ignore must not disable the whole file.
            spec = pathspec.GitIgnoreSpec.from_lines([ln for ln in lines if _valid(ln)])
        regexes = [p.regex for p in spec.patterns
                   if p.include is not None and isinstance(p, pathspec.RegexPattern) and p.regex]
        return _Spec(spec, _any_of(regexes))

    def check(self, path: str) -> bool | None:
        """True: ignored, False: re-included by a negation, None: no pattern matches."""
        # search(), as pathspec does: a few patterns are not anchored.
        if self.any_match is not None and self.any_match.search(path) is None:
            return None
        return self.spec.check_file(path).include


def _any_of(regexes: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex matching where any of `regexes` matches (None: cannot build one).

    The shared `^(?:.+/)?` ("at any depth") prefix is factored out: tried once per path
    instead of once per pattern. Group names repeat across patterns; they carry no
    meaning for a yes/no answer, so they are dropped.
    """
    if any(r.flags != re.UNICODE for r in regexes):
        return None
    deep, anchored, free = [], [], []
    for r in regexes:
        body = re.sub(_NAMED_GROUP, "(?:", r.pattern)
        if body.startswith(_ANY_DEPTH):
            deep.append(body[len(_ANY_DEPTH):])
        elif body.startswith("^"):
            anchored.append(body[1:])
        else:
            free.append(body)
    alts = [f"(?:{b})" for b in anchored]
    if deep:
        alts.append(_ANY_DEPTH[1:] + "(?:" + "|".join(f"(?:{b})" for b in deep) + ")")
    parts = [f"^(?:{'|'.join(alts)})"] if alts else []
    parts += [f"(?:{b})" for b in free]
    try:
        return re.compile("|".join(parts) or "(?!)")
    except re.error:
        return None


def _valid(line: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


class _Ignore(NamedTuple):
    """One ignore file; paths (relative to the walk base) are re-anchored at its directory."""

    strip: str  # prefix of the walk-relative path where the file lives ("a/b/")
    prepend: str  # for files above the walk base: the base's path below them ("proj/")
    spec: _Spec | _Names

    def check(self, rel: str) -> bool | None:
        if self.strip and not rel.startswith(self.strip):
            return None
        return self.spec.check(self.prepend + rel[len(self.strip):])


def _load_ignore(file: str, strip: str, prepend: str) -> _Ignore | None:
    """Parse a .gitignore-like file; None when absent or not a regular file (never blocks)."""
    try:
        if not stat.S_ISREG(fsaccess.stat(file).st_mode):
            return None
        text = fsaccess.read_bytes(file).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    return _Ignore(strip, prepend, _Spec.compile(text.splitlines(), strict=False))


# --- walking ----------------------------------------------------------------------------------


# The walk's records (and the matchers above) are NamedTuples, not dataclasses: one is made per
# directory and per file found, and a frozen dataclass is slower both to build and to define.
class _Base(NamedTuple):
    """Where a walk is anchored: patterns match paths relative to `abs`."""

    abs: str
    display: str  # how paths below are shown: "" for the root, else a prefix ending in "/"
    boundary: str  # real path symlinks must stay inside
    # Relative path of `abs` below root when the walk was re-based inside root ("" otherwise):
    # configured excludes are always matched from the root.
    root_rel: str | None


class _Dir(NamedTuple):
    """A directory waiting to be listed."""

    abs: str
    rel: str  # relative to base.abs ("" for the base itself)
    real: str
    ignores: tuple[_Ignore, ...]
    base: _Base
    link_from: str | None = None  # for a followed symlink: real path of the dir holding it


class _Found(NamedTuple):
    display: str
    abs: str
    real: str
    is_link: bool
    stat: FileStat


class _Walker:
    """Mutable state of one discover() call (visited dirs, results); not shared."""

    def __init__(self, *, root: str, exclude: _Spec | _Names, configured: _Spec | _Names | None,
                 respect_gitignore: bool, max_bytes: int, listings: Listings | None = None,
                 taken: Mapping[str, os.stat_result] | None = None) -> None:
        self.root = root
        self.taken = taken or {}
        self.listings = listings
        self.exclude = exclude
        self.configured = configured
        self.respect_gitignore = respect_gitignore
        self.max_bytes = max_bytes
        self.found: list[_Found] = []
        self.errors: list[FileError] = []
        self.visited: set[str] = set()
        self.root_base = _Base(root, "", root, "")
        self._above: tuple[_Ignore, ...] | None = None
        # For Listings.record_walk: what besides the listed directories the walk depended on, and
        # whether a later run may replay it (only directories inside the root, no symbolic link
        # anywhere, every listing recorded).
        self.probes: list[list[Any]] = []
        self.newest = 0
        self.replayable = True

    # -- explicit paths --

    def add(self, given: Path) -> None:
        a = os.path.abspath(given)
        rel = _under(a, self.root)
        if rel is None:
            a2 = os.path.join(os.path.realpath(os.path.dirname(a)), os.path.basename(a))
            rel = _under(a2, self.root)
        if rel is not None:
            rel = rel.replace(os.sep, "/")
            a = os.path.join(self.root, *rel.split("/")) if rel else self.root
            shown = rel or "."
            if fsaccess.lexists(a) and not _inside(os.path.realpath(a), self.root):
                # Named inside the root but a symlink (or below one) leading out: never followed,
                # as in a walk (`ptm-lint $(git diff --name-only)` passes links too).
                self.errors.append(FileError(
                    shown, "symbolic link points outside the scan root; not followed", "skipped"))
                return
        else:
            shown = given.as_posix()
        try:
            st = self.stat(a)
        except OSError as exc:
            msg = _os_message(exc)
            if isinstance(exc, FileNotFoundError):
                msg = ("broken symbolic link (its target does not exist)" if os.path.islink(a)
                       else "no such file or directory")
            self.errors.append(FileError(shown, msg, "io"))
            return
        if stat.S_ISDIR(st.st_mode):
            self._add_dir(a, rel, shown, given)
        else:
            self._add_file(a, rel, shown, st)

    def _add_file(self, a: str, rel: str | None, shown: str, st: os.stat_result) -> None:
        self.replayable = False  # files named one by one (pre-commit): nothing worth replaying
        if os.path.splitext(a)[1].lower() not in _EXPLICIT_SUFFIXES:
            return
        # Configured excludes still apply (keeps generated files out of pre-commit runs);
        # the defaults and .gitignore do not: the file was asked for by name.
        if self.configured is not None and self.configured.check(
                rel if rel is not None else os.path.basename(a)):
            return
        if self._checked(shown, st):
            self.found.append(_Found(shown, a, os.path.realpath(a), os.path.islink(a), _file_stat(st)))

    def _add_dir(self, a: str, rel: str | None, shown: str, given: Path) -> None:
        real = os.path.realpath(a)
        if rel is None or real != a:
            self.replayable = False
        if rel is None:  # outside root: a walk of its own, anchored at the given directory
            base = _Base(a, _prefix(given.as_posix()), real, None)
            self._walk(_Dir(a, "", real, (), base))
            return
        if rel and self.configured is not None and self.configured.check(rel + "/"):
            return
        if not rel:
            self._walk(_Dir(a, "", real, self._ignores_above(), self.root_base))
            return
        parent = rel.rpartition("/")[0]
        ignores = self._ignores_down_to(parent)
        if self._ignored(rel, True, ignores, self.root_base):
            # Asked for by name although excluded: walk it as a base of its own, so the
            # rule that excluded it does not exclude everything inside it as well.
            base = _Base(a, rel + "/", real, rel + "/")
            self._walk(_Dir(a, "", real, (), base))
        else:
            self._walk(_Dir(a, rel, real, ignores, self.root_base))

    def _ignores_above(self) -> tuple[_Ignore, ...]:
        """.git/info/exclude and .gitignore files between the git top level and the root."""
        if self._above is None:
            self._above = ()
            if self.respect_gitignore:
                chain = [Path(self.root), *Path(self.root).parents]
                top = next((d for d in chain if self._exists(str(d / ".git"))), None)
                if top is not None:
                    out = []
                    info = self._load_ignore(str(top / ".git" / "info" / "exclude"), "",
                                             _prefix(relpath(Path(self.root), top)))
                    out += [info] if info else []
                    for d in reversed(chain[1:chain.index(top) + 1]):
                        ig = self._load_ignore(str(d / ".gitignore"), "",
                                               _prefix(relpath(Path(self.root), d)))
                        out += [ig] if ig else []
                    self._above = tuple(out)
        return self._above

    def _ignores_down_to(self, rel: str) -> tuple[_Ignore, ...]:
        """Ignore files that apply to entries of the root-relative directory `rel`."""
        out = list(self._ignores_above())
        if self.respect_gitignore:
            parts = rel.split("/") if rel else []
            for i in range(len(parts) + 1):
                sub = "/".join(parts[:i])
                ig = self._load_ignore(os.path.join(self.root, *parts[:i], ".gitignore"),
                                       _prefix(sub), "")
                out += [ig] if ig else []
        return tuple(out)

    # -- the walk --

    def _walk(self, start: _Dir) -> None:
        stack = [start]
        # Directory symlinks wait until real directories are done, so files are reported
        # under their real names and a link to an already-scanned directory costs nothing.
        links: deque[_Dir] = deque()
        while stack or links:
            d = stack.pop() if stack else links.popleft()
            if d.real in self.visited:
                if d.link_from is not None and _inside(d.link_from, d.real):
                    self.errors.append(FileError(
                        self._show(d.base, d.rel),
                        "symbolic link points to a directory that contains it (a loop); "
                        "not followed", "skipped"))
                continue
            self.visited.add(d.real)
            self._list(d, stack, links)

    def _list(self, d: _Dir, stack: list[_Dir], links: deque[_Dir]) -> None:
        try:
            entries = self._entries(d)
        except OSError as exc:
            self.errors.append(FileError(self._show(d.base, d.rel),
                                         f"cannot list directory: {_os_message(exc)}", "io"))
            return
        if not entries:
            return
        ignores = d.ignores
        if self.respect_gitignore and ("f.gitignore" in entries or "l.gitignore" in entries):
            ig = self._load_ignore(os.path.join(d.abs, ".gitignore"), _prefix(d.rel), "")
            ignores = (*ignores, ig) if ig else ignores
        subdirs = []
        # os.path.join(d.rel / d.abs / d.real, name), with the separator decided once per directory
        prefix = f"{d.rel}/" if d.rel else ""
        at = d.abs if d.abs.endswith(("/", os.sep)) else d.abs + os.sep
        real = d.real if d.real.endswith(("/", os.sep)) else d.real + os.sep
        for entry in entries:
            kind, name = entry[0], entry[1:]
            try:
                if kind == "l":
                    self.replayable = False
                    self._link(d, name, at + name, prefix + name, ignores, links)
                elif kind == "d":
                    rel = prefix + name
                    if name != ".git" and not self._ignored(rel, True, ignores, d.base):
                        subdirs.append(_Dir(at + name, rel, real + name, ignores, d.base))
                elif name.endswith(SOURCE_SUFFIXES):
                    rel = prefix + name
                    if not self._ignored(rel, False, ignores, d.base):
                        shown = self._show(d.base, rel)
                        st = self.lstat(at + name)  # (regular, or not scanned)
                        if self._checked(shown, st):
                            self.found.append(_Found(shown, at + name, real + name, False, _file_stat(st)))
            except OSError as exc:
                self.errors.append(FileError(self._show(d.base, prefix + name), _vanished(exc), "io"))
        stack.extend(reversed(subdirs))  # pop in name order

    def _entries(self, d: _Dir) -> list[str]:
        """What discovery looks at in `d`, in name order: its directories ("d" + name), symbolic
        links ("l" + name), source files and .gitignore ("f" + name); other files are left out.

        With self.listings, an unchanged directory costs a stat instead of a read. Its stat is
        taken before it is read: a change in between leaves a stat that the next run sees as new.
        Raises OSError when the directory cannot be read.
        """
        signature = None
        if self.listings is not None:
            try:
                st = self.stat(d.abs)
            except OSError:
                pass  # scandir reports it
            else:
                signature = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
                known = self.listings.listing(d.abs, signature)
                if known is not None:
                    return known
        with fsaccess.scandir(d.abs) as it:
            found = sorted(it, key=_BY_NAME)
        entries: list[str] = []
        complete = True
        for e in found:
            try:
                if e.is_symlink():
                    entries.append("l" + e.name)
                elif e.is_dir(follow_symlinks=False):
                    entries.append("d" + e.name)
                elif e.name.endswith(SOURCE_SUFFIXES) or e.name == ".gitignore":
                    entries.append("f" + e.name)
            except OSError as exc:  # gone since it was listed
                complete = False
                self.errors.append(FileError(self._show(d.base, f"{d.rel}/{e.name}" if d.rel else e.name),
                                             _vanished(exc), "io"))
        if not (signature is not None and complete
                and self.listings.record_listing(d.abs, signature, entries)):  # type: ignore[union-attr]
            self.replayable = False
        return entries

    def stat(self, path: str) -> os.stat_result:
        st = self.taken.get(path)
        if st is None:
            return fsaccess.stat(path)
        fsaccess.note(path, st)
        return st

    def lstat(self, path: str) -> os.stat_result:
        st = self.taken.get(path)  # (never a symbolic link's)
        if st is None:
            return fsaccess.lstat(path)
        fsaccess.note(path, st)
        return st

    # -- replaying a recorded walk --

    def _exists(self, path: str) -> bool:
        exists = fsaccess.lexists(path)
        self.probes.append(["e", path, exists])
        return exists

    def _load_ignore(self, file: str, strip: str, prepend: str) -> _Ignore | None:
        """_load_ignore(), noting the file's stat (taken before it is read) for a replay."""
        state = _state(file)
        if state is not None:
            self.newest = max(self.newest, state[1])
        self.probes.append(["f", file, state])
        return _load_ignore(file, strip, prepend)

    def replay(self, walk: Any) -> Discovered | None:
        """What a walk recorded by discover() found, if nothing it depended on changed: its
        directories are unchanged (Listings.walk checked them), so are the ignore files it read
        and the .git folders it looked for, and every file it found is still a regular file
        within the size limit (its stat is taken again). None: walk again."""
        if not isinstance(walk, dict):
            return None
        try:
            for kind, path, state in walk["probes"]:
                if kind == "e":
                    if fsaccess.lexists(path) != state:
                        return None
                elif _state(path) != state:
                    return None
            rels = walk["files"]
            paths, stats = [], []
            prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
            for rel in rels:
                if _ESCAPES.search(rel):  # a store is only a cache: never a path outside the root
                    return None
                path = prefix + rel.replace("/", os.sep)
                st = self.lstat(path)
                if not stat.S_ISREG(st.st_mode) or st.st_size > self.max_bytes:
                    return None
                paths.append(path)
                stats.append(_file_stat(st))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return Discovered(tuple(paths), tuple(rels), tuple(stats), ())

    def _link(self, d: _Dir, name: str, path: str, rel: str, ignores: tuple[_Ignore, ...],
              links: deque[_Dir]) -> None:
        source = name.endswith(SOURCE_SUFFIXES)
        # git matches a symlink as a file, whatever it points to.
        if self._ignored(rel, False, ignores, d.base):
            return
        shown = self._show(d.base, rel)
        try:
            st = self.stat(path)
        except OSError as exc:
            if source:  # a dangling link with another name may be anything: not ours to report
                self.errors.append(FileError(shown, f"broken symbolic link ({_os_message(exc)})",
                                             "io"))
            return
        is_dir = stat.S_ISDIR(st.st_mode)
        if not (is_dir or source):
            return
        real = os.path.realpath(path)
        if not _inside(real, d.base.boundary):
            self.errors.append(FileError(
                shown, "symbolic link points outside the scan root; not followed", "skipped"))
        elif is_dir:
            links.append(_Dir(path, rel, real, ignores, d.base, link_from=d.real))
        elif self._checked(shown, st):
            self.found.append(_Found(shown, path, real, True, _file_stat(st)))

    def _ignored(self, rel: str, is_dir: bool, ignores: tuple[_Ignore, ...], base: _Base) -> bool:
        path = rel + "/" if is_dir else rel
        if self.exclude.check(path):
            return True
        if base.root_rel and self.configured is not None and self.configured.check(
                base.root_rel + path):
            return True
        for ig in reversed(ignores):  # the deepest file decides (git precedence)
            verdict = ig.check(path)
            if verdict is not None:
                return verdict
        return False

    def _checked(self, shown: str, st: os.stat_result) -> bool:
        """Is a stat'ed file scannable? Reports why not; never opens it (a FIFO would block)."""
        if not stat.S_ISREG(st.st_mode):
            self.errors.append(FileError(
                shown, f"not a regular file ({_file_kind(st.st_mode)}); skipped", "skipped"))
            return False
        if st.st_size > self.max_bytes:
            self.errors.append(FileError(
                shown,
                f"file is {_human(st.st_size)}, over the {_human(self.max_bytes)} limit; "
                "skipped (raise max-file-size to scan it)", "skipped"))
            return False
        return True

    @staticmethod
    def _show(base: _Base, rel: str) -> str:
        if not rel:
            return base.display.rstrip("/") or "."
        return base.display + rel

    def result(self) -> Discovered:
        # One entry per real file: prefer a real name over a symlink, then the shortest path.
        best: dict[str, _Found] = {}
        for f in self.found:
            cur = best.get(f.real)
            if cur is None or (f.is_link, f.display) < (cur.is_link, cur.display):
                best[f.real] = f
        files = sorted(best.values(), key=lambda f: f.display)
        errors = sorted(set(self.errors), key=lambda e: (e.path, e.kind, e.message))
        rels = []
        for f in files:
            rel = _under(f.abs, self.root)  # what relpath() answers, without its calls when under root
            rels.append(rel.replace(os.sep, "/") if rel is not None else relpath(Path(f.abs), Path(self.root)))
        return Discovered(tuple(f.abs for f in files), tuple(rels), tuple(f.stat for f in files), tuple(errors))


# --- helpers ----------------------------------------------------------------------------------


def _under(path: str, root: str) -> str | None:
    """`path` relative to `root` if it lies at or below it (lexically), else None."""
    if path == root:
        return ""
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path[len(prefix):] if path.startswith(prefix) else None


def _file_stat(st: os.stat_result) -> FileStat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _state(path: str) -> list[int] | None:
    """An ignore file's stat as a recorded walk keeps it (JSON: a list), None when it is absent."""
    try:
        return list(_file_stat(fsaccess.stat(path)))
    except OSError:
        return None


def _inside(path: str, root: str) -> bool:
    return _under(path, root) is not None


def _prefix(rel: str) -> str:
    return "" if rel in ("", ".") else rel.rstrip("/") + "/"


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"


def _human(n: float) -> str:
    if n < 1024:
        return f"{int(n)} B"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            break
    return f"{n:.1f} {unit}"


def _os_message(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _vanished(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file disappeared during discovery"
    return f"cannot stat file: {_os_message(exc)}"
