"""The run memo: a repeated `inventory`, or `check` of a tree without model loads, with none of its
inputs changed, is answered with the recorded output of the run before it (as a build system's
action cache replays a step), without importing the analyser or reading its caches.

A memo is kept per command line (the arguments, the working directory, the environment variables
that can change the output, whether stdout is a terminal, the interpreter and ptm-lint's install),
in `<cache folder>/runs/v1/`. It lists every path the run consulted: each directory discovery
listed, each file it found or stat'ed, each ignore file, `.git` and configuration file it looked
for, the project's declaration files, the files the scans read besides the scanned ones (imported
modules, configuration files, and locations probed and found empty), ptm-lint's own code and rule
data, and the folders on sys.path (installing a package changes them). The stages do not report
these: they read through ptm_lint.fsaccess, which records every access. A later run stats each of
them (following links) and replays the output only when every (mode, size, mtime, ctime, inode,
device), or absence, is what it was: adding, removing or renaming a directory entry changes the
directory's mtime, and any write changes a file's.

The racy rule of the stat manifest (statmanifest.Manifest) applies: a memo is not kept when one of its
paths changed less than RACY_NS before the run started, since a second change within the same
timestamp tick could keep the stat. The memo holds file names and the (already masked) output,
never file contents; one naming a token is not written. Only JSON is read back.
"""

from __future__ import annotations

import os
import sys
import time
from stat import S_ISLNK, S_ISREG

from . import __version__
from .cachedir import RACY_NS, atomic_write, default_cache_dir

try:
    from _blake2 import blake2b  # what hashlib uses, without hashlib loading OpenSSL (~3 ms)
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

SCHEMA = 1
KEEP = 32  # memos kept per cache folder (one per command line), the most recently written
STALE_TEMP_NS = 3600 * 10**9  # a temporary file this old was left by a killed run
MAX_BYTES = 64 * 1024 * 1024  # a larger memo is not read
# The environment variables that can change what `check` prints for a tree without model loads:
# where the caches are, colours, how file names decode. tests/test_runmemo.py checks every name
# the code reads against these.
ENV_NAMES = frozenset(("HOME", "USERPROFILE", "LOCALAPPDATA", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LANG"))
ENV_PREFIXES = ("PTM_LINT_", "XDG_", "LC_", "PYTHON")
_ABSENT = (0, 0, 0, 0, 0, 0)


class Memo:
    """Where one command line's memo is kept, and when the run began (for the racy rule).

    A plain class, not a dataclass: `dataclasses` costs a replayed run more than all of its own work.
    """

    __slots__ = ("key", "path", "started", "taken")

    def __init__(self, path: str, key: str, started: int) -> None:
        self.path = path
        self.key = key
        self.started = started
        # After answer() missed: the stats it took (not of symbolic links), for the run to reuse.
        self.taken: dict[str, os.stat_result] = {}

    @classmethod
    def for_command(cls, argv: list[str], started: int | None = None) -> Memo | None:
        """The memo of this command line; None without a cache folder or a working directory."""
        started = time.time_ns() if started is None else started
        directory = default_cache_dir()
        if directory is None:
            return None
        try:
            key = command_key(argv)
        except (OSError, ValueError):  # the working directory was removed
            return None
        return cls(os.path.join(directory, "runs", f"v{SCHEMA}", key + ".json"), key, started)

    def answer(self) -> tuple[str, int] | None:
        """(stdout, exit code) of the recorded run, if every path it consulted is unchanged."""
        try:
            st = os.stat(self.path)
            if not S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            import json

            with open(self.path, "rb") as handle:
                data = json.loads(handle.read())
            if not (isinstance(data, dict) and data.get("schema") == SCHEMA and data.get("key") == self.key):
                return None
            paths, digest, stdout, code = data["paths"], data["digest"], data["stdout"], data["code"]
            if not (isinstance(paths, str) and isinstance(stdout, str) and type(code) is int and code in (0, 1, 2)):
                return None
            taken: dict[str, os.stat_result] = {}
            if _digest(signatures(paths.split("\0") if paths else [], taken=taken)[0]) != digest:
                self.taken = taken  # taken before anything is read: as good as discovery's own
                return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None
        return stdout, code

    def record(self, inputs: list[str] | dict[str, os.stat_result | None], stdout: str, code: int) -> bool:
        """Keep this run's answer (`stdout` as written, masked) for the absolute paths it consulted;
        False when it is not kept (a path changed too recently or names a token, or the cache folder
        cannot be written). Never raises.

        `inputs` may map a path to the stat the run took of it before using it (following links):
        that stat is recorded instead of a new one (a change since then is a miss next time, as it
        should be), which saves a system call per path."""
        try:
            paths = sorted({*inputs, *installation()})
            text = "\0".join(paths)
            if any("\0" in p for p in paths) or _names_token(text):
                return False
            sigs, newest = signatures(paths, inputs if isinstance(inputs, dict) else None)
            if newest > self.started - RACY_NS:
                return False
            import json

            data = json.dumps({"schema": SCHEMA, "key": self.key, "paths": text, "digest": _digest(sigs),
                               "stdout": stdout, "code": code}, separators=(",", ":"))
            folder = os.path.dirname(self.path)
            os.makedirs(folder, exist_ok=True)
            atomic_write(self.path, data.encode("ascii"))  # (undecodable file names: \udcXX escapes)
            _prune(folder)
        except (OSError, ValueError, UnicodeError):
            return False
        return True


def command_key(argv: list[str]) -> str:
    """What besides the consulted files decides a run's output, as a digest."""
    env = sorted((k, v) for k, v in os.environ.items() if k in ENV_NAMES or k.startswith(ENV_PREFIXES))
    try:
        tty = sys.stdout.isatty()  # colours
    except (AttributeError, ValueError):
        tty = False
    text = repr((SCHEMA, __version__, sys.version, sys.executable, os.path.dirname(os.path.abspath(__file__)),
                 os.getcwd(), list(argv), env, tty))
    return blake2b(text.encode("utf-8", "backslashreplace"), digest_size=20).hexdigest()


def signatures(paths: list[str], known: dict[str, os.stat_result | None] | None = None,
               taken: dict[str, os.stat_result] | None = None) -> tuple[list[tuple[int, ...]], int]:
    """Each path's (mode, size, mtime, ctime, inode, device), following links (a dangling link:
    the link's own; absent: zeros), and the newest mtime among them. `known`: stats already taken.
    `taken`: filled with the stats of the paths that are not symbolic links (so they answer both
    stat and lstat), for the run to use instead of taking them again."""
    lstat, stat = os.lstat, os.stat
    known_stat = (known or {}).get
    sigs = []
    add = sigs.append
    newest = 0
    for path in paths:
        st = known_stat(path)
        if st is None:
            try:
                st = lstat(path)
            except OSError:
                add(_ABSENT)
                continue
            if S_ISLNK(st.st_mode):
                try:
                    st = stat(path)
                except OSError:
                    pass  # dangling: the link's own
            elif taken is not None:
                taken[path] = st
        add((st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))
        if st.st_mtime_ns > newest:
            newest = st.st_mtime_ns
    return sigs, newest


def _digest(sigs: list[tuple[int, ...]]) -> str:
    from array import array
    from itertools import chain

    try:
        data = array("q", chain.from_iterable(sigs)).tobytes()
    except OverflowError:  # an inode number past 2**63
        data = repr(sigs).encode()
    return blake2b(data, digest_size=20).hexdigest()


def installation() -> list[str]:
    """What besides the scanned tree decides a run: ptm-lint's code and rule data (a development
    checkout changes them under one version number), and the folders on sys.path."""
    from .ruledata import CatalogError, rules_dir

    out = [os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)]
    tops = {os.path.dirname(os.path.abspath(__file__))}
    try:
        tops.add(str(rules_dir()))
    except CatalogError:
        pass
    for top in sorted(tops):
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            out.append(folder)
            out.extend(os.path.join(folder, name) for name in files)
    return out


def _names_token(text: str) -> bool:
    if "hf_" not in text and "api_org_" not in text:
        return False
    from .scan.secrets import _has_token

    return _has_token(text.encode("utf-8", "surrogateescape"))


def _prune(folder: str) -> None:
    """Keep the KEEP most recently written memos (one per command line; pre-commit's change with
    every set of staged files)."""
    entries, stale = [], []
    now = time.time_ns()
    with os.scandir(folder) as it:
        for entry in it:
            try:
                mtime = entry.stat(follow_symlinks=False).st_mtime_ns
            except OSError:
                continue
            if entry.name.endswith(".json"):
                entries.append((mtime, entry.path))
            elif entry.name.endswith(".part") and mtime < now - STALE_TEMP_NS:
                stale.append(entry.path)
    for path in [*(p for _, p in sorted(entries, reverse=True)[KEEP:]), *stale]:
        try:
            os.unlink(path)
        except OSError:
            pass
