"""The stat manifest of the result cache: what each file under one scan root was when ptm-lint last
read it (by stat), the dependency files' states, and discovery's directory listings, so a warm run
answers unchanged files and directories from a stat (see Manifest)."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from stat import S_ISREG
from typing import Any

from .cachedir import RACY_NS, atomic_write, names_a_secret, read_json

SCHEMA = 1  # the result cache's schema (ptm_lint.cache.SCHEMA): the manifest lives in its folder
# In a recorded listing ("/"-separated kind + name entries): an unknown kind, a name that is empty,
# "." or "..", or a NUL.
_BAD_LISTING = re.compile(r"(?:^|/)(?:[^dlf]|[dlf]\.{0,2}(?:/|$))|/$|\x00")
EMPTY = "-"  # a manifest value: the file holds nothing for the scanner (no loader call, no token)


def file_stat(path: str) -> tuple[int, int, int, int] | None:
    """What identifies one version of a file without reading it (following links, like open())."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class Manifest:
    """What each file under one scan root was when ptm-lint last read it: its stat, and either
    EMPTY (the prefilter found no loader call and no token: the result is an empty scan) or the
    sha256 of its bytes (the key of its result entry). A warm run answers unchanged files from a
    stat instead of reading and hashing them, as ruff's cache and git's index do.

    A stat is (size, mtime, ctime, inode). As in git's index, a file modified less than RACY_NS
    before the run started is not recorded ("racily clean"): a second write within the same
    timestamp tick could leave its stat unchanged. Any later write sets mtime to a newer time, and
    setting mtime back (touch -d) changes ctime, so a recorded stat that still matches means the
    same bytes. The states of dependency files (scan.project.file_state) are remembered the same way.

    It also keeps discovery's directory listings (discover.files.Listings), keyed by the
    directory's (mtime, ctime, inode, device), with the same racy rule: a warm run stats each
    directory instead of reading it, as git's untracked cache does.
    """

    def __init__(self, path: str, root: str, now_ns: int | None = None) -> None:
        self.path = path
        self.root = root
        self.started = time.time_ns() if now_ns is None else now_ns
        self.files: dict[str, list] = {}
        self.states: dict[str, list] = {}
        self.dirs: dict[str, list] = {}
        self.changed = False
        self.seen: set[str] = set()  # paths this run asked about
        self.listed: set[str] = set()  # directories this run asked about
        self.last_walk: Any = None  # [key, walk] (discover.files.Listings.record_walk)
        self._walk_is_new = False
        try:
            data = read_json(path)
            if isinstance(data, dict) and data.get("schema") == SCHEMA:
                files, states, dirs = data.get("files"), data.get("states"), data.get("dirs", {})
                if isinstance(files, dict) and isinstance(states, dict) and isinstance(dirs, dict):
                    self.files, self.states, self.dirs = files, states, dirs
                    self.last_walk = data.get("walk")
        except (OSError, ValueError, RecursionError):
            pass  # no manifest, or a broken one: every file is read

    @staticmethod
    def _match(entry: object, stat: tuple[int, int, int, int]) -> str | None:
        if isinstance(entry, list) and len(entry) == 5 and tuple(entry[:4]) == stat and isinstance(entry[4], str):
            return entry[4]
        return None

    def known(self, rel: str, stat: tuple[int, int, int, int] | None) -> str | None:
        """EMPTY or the file's sha256 when its stat is the recorded one, else None."""
        self.seen.add(rel)
        return None if stat is None else self._match(self.files.get(rel), stat)

    def state(self, rel: str) -> str | None:
        """The recorded state of a dependency file (see file_state) when its stat is the recorded one."""
        entry = self.states.get(rel)
        stat = file_stat(os.path.join(self.root, rel)) if entry is not None else None
        return None if stat is None else self._match(entry, stat)

    def _trusted(self, rel: str, stat: tuple[int, int, int, int]) -> bool:
        return stat[1] <= self.started - RACY_NS and not names_a_secret(rel)

    def record(self, rel: str, stat: tuple[int, int, int, int] | None, value: str) -> None:
        if stat is not None and self._trusted(rel, stat) and self._match(self.files.get(rel), stat) != value:
            self.files[rel] = [*stat, value]
            self.changed = True

    def record_state(self, rel: str, stat: tuple[int, int, int, int], state: str) -> None:
        if self._trusted(rel, stat) and self._match(self.states.get(rel), stat) != state:
            self.states[rel] = [*stat, state]
            self.changed = True

    def _dir_key(self, path: str) -> str:
        """A directory's key: its path relative to the root ("." for the root), else the absolute path."""
        if path == self.root:
            return "."
        prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        return path[len(prefix):] if path.startswith(prefix) else path

    def listing(self, path: str, stat: tuple[int, int, int, int]) -> list[str] | None:
        """The recorded listing of the directory at `path` (absolute) if its stat is the recorded one."""
        key = self._dir_key(path)
        self.listed.add(key)
        entry = self.dirs.get(key)
        if not (isinstance(entry, list) and len(entry) == 5 and tuple(entry[:4]) == stat and isinstance(entry[4], str)):
            return None
        # A manifest is only a cache: names that could leave the directory are a miss, not a path.
        text = entry[4]
        if _BAD_LISTING.search(text) or (os.sep != "/" and os.sep in text):
            return None
        return text.split("/") if text else []

    def record_listing(self, path: str, stat: tuple[int, int, int, int], entries: list[str]) -> bool:
        key = self._dir_key(path)
        self.listed.add(key)
        text = "/".join(entries)  # file names never hold "/"
        if stat[0] > self.started - RACY_NS or names_a_secret(key) or (
                ("hf_" in text or "api_org_" in text) and names_a_secret("/".join(e[1:] for e in entries))):
            return False
        value = [*stat, text]
        if self.dirs.get(key) != value:
            self.dirs[key] = value
            self.changed = True
            if not self._walk_is_new:  # the recorded walk may depend on the old listing
                self.last_walk = None
        return True

    def walk(self, key: str, stat: Callable[[str], os.stat_result] = os.stat) -> Any:
        """The walk recorded under `key` if every recorded directory still has its recorded stat.

        A recorded walk listed only directories that are in self.dirs (each of its listings was
        recorded, or it was not kept), and it is dropped whenever one of them changes."""
        if not (isinstance(self.last_walk, list) and len(self.last_walk) == 2 and self.last_walk[0] == key):
            return None
        try:
            for path, entry in zip(self._paths(), self.dirs.values()):
                st = stat(path)  # (discovery's stat: recorded by fsaccess, for the run memo)
                # (field by field: no tuple per directory; this loop is most of a warm run's walk)
                if not (entry[0] == st.st_mtime_ns and entry[1] == st.st_ctime_ns and entry[2] == st.st_ino
                        and entry[3] == st.st_dev):
                    return None
        except (OSError, ValueError, TypeError, IndexError):
            return None
        return self.last_walk[1]

    def _paths(self) -> list[str]:
        prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        return [self.root if rel == "." else rel if os.path.isabs(rel) else prefix + rel for rel in self.dirs]

    def record_walk(self, key: str, walk: Any, newest_mtime_ns: int) -> None:
        if newest_mtime_ns > self.started - RACY_NS:
            return
        text = json.dumps(walk)  # its probes name paths above the root too: never a token
        if ("hf_" in text or "api_org_" in text) and names_a_secret(text):
            return
        self.last_walk = [key, walk]
        self._walk_is_new = self.changed = True

    def save(self) -> None:
        """Write the manifest if it changed; never raises (a manifest that cannot be written is just slower)."""
        if not self.changed:
            return
        # Files deleted since they were recorded go (a run on part of the tree keeps the rest).
        for table in (self.files, self.states):
            for rel in [r for r in table if r not in self.seen and not os.path.lexists(os.path.join(self.root, r))]:
                del table[rel]
        if "." in self.listed:  # a walk of the whole root: directories it did not reach are gone or excluded
            kept = {key: value for key, value in self.dirs.items() if key in self.listed}
            if len(kept) != len(self.dirs) and not self._walk_is_new:
                self.last_walk = None
            self.dirs = kept
        try:
            text = json.dumps({"schema": SCHEMA, "files": self.files, "states": self.states, "dirs": self.dirs,
                               "walk": self.last_walk}, separators=(",", ":"), ensure_ascii=False)
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text.encode("utf-8"))
            self.changed = False
        except (OSError, ValueError):
            pass
