"""Content-addressed result cache: what scanning one file found, stored as JSON, reused while valid.

One entry per scanned file, named by the sha256 of everything its result depends on:

- the file's bytes and its path relative to the scan root (the path names the module, so it
  decides relative imports, and it is quoted in the result);
- ptm-lint's version and a fingerprint of its code, the Python version (the parser differs), the
  loader catalog's digest, and the configuration that affects scanning;
- and, checked when the entry is read, the state of every other file of the repository the scan
  consulted (modules reached through one import hop, YAML/JSON/TOML configs), including paths that
  were probed and absent, so creating or editing any of them invalidates the result.

Entries are JSON, never pickle: a cache directory is writable by whoever can write the user's
cache, and decoding it builds only the plain records of ptm_lint.core (and a few value types)
from JSON data. A corrupt, truncated or foreign entry is a cache miss. Writes go to a temporary
file in the same directory and are renamed into place (atomic on POSIX and Windows), so
concurrent runs never see half an entry; two runs writing the same entry write the same bytes.
Entries are never expired by time (a key names one content), but the directory is pruned, oldest
first, when it grows past a size cap.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

from . import __version__
from .cachedir import RACY_NS, atomic_write, default_cache_dir
from .core import CallSite, FileError, FileScan, Secret, Span, Value, Variant

SCHEMA = 1
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one entry; larger ones are not read
PRUNE_EVERY = 24 * 3600  # seconds between two size checks of the cache directory
STALE_TEMP = 3600  # temporary files older than this were left by a killed run


# -- where -----------------------------------------------------------------------------------
def resolve_cache_dir(configured: str | os.PathLike[str] | None, root: Path,
                      config_dir: Path | None = None) -> Path:
    """The cache folder: config `cache-dir` (relative to the config file), else $PTM_LINT_CACHE_DIR,
    else the user cache folder; `.ptm-lint-cache/` in the scan root when none of those is writable."""
    candidates: list[Path] = []
    if configured:
        path = Path(os.path.expanduser(os.fspath(configured)))
        candidates.append(path if path.is_absolute() else (config_dir or root) / path)
    elif (default := default_cache_dir()) is not None:  # None: no home directory
        candidates.append(Path(default))
    candidates.append(root / ".ptm-lint-cache")
    for candidate in candidates:
        if _usable(candidate):
            return candidate
    return candidates[-1]


def _usable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK | os.X_OK):
            return False
        tag = directory / "CACHEDIR.TAG"
        if not tag.exists():
            atomic_write(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n"
                               b"# This folder is a cache created by ptm-lint; it can be deleted.\n")
        ignore = directory / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, b"# Created by ptm-lint: never commit its cache.\n*\n")
        return True
    except OSError:
        return False


# -- keys ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Changes whenever ptm-lint's own code does (a development checkout keeps its version number)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    stat = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                rel = os.path.relpath(os.path.join(folder, name), package)
                digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def salt(catalog_digest: str, config: Mapping[str, Any] | None = None) -> str:
    """Everything besides the file that decides a scan's result, as one string."""
    parts = {
        "schema": SCHEMA,
        "tool": __version__,
        "code": code_fingerprint(),
        "python": f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}",
        "catalog": catalog_digest,
        "config": dict(config or {}),
    }
    return json.dumps(parts, sort_keys=True, separators=(",", ":"))


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the cache -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CacheSpec:
    """What a worker process needs to write entries (picklable)."""

    directory: str
    salt: str


class ResultCache:
    """Per-file scan results under `directory`, valid for files below `root`."""

    def __init__(self, directory: Path, salt_text: str, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self._entries = os.path.join(str(directory), "scan", f"v{SCHEMA}")
        self.salt = salt_text
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes
        self._states: dict[str, str] = {}
        self.manifest: Manifest | None = None
        self.hits = 0
        self.misses = 0
        self.writes = 0

    @property
    def spec(self) -> CacheSpec:
        return CacheSpec(str(self.directory), self.salt)

    def key(self, rel: str, digest: str) -> str:
        return entry_key(self.salt, rel, digest)

    def _path(self, key: str) -> str:
        # Plain strings: pathlib costs more than the read itself when warm runs do thousands.
        return os.path.join(self._entries, key[:2], key[2:] + ".json")

    def get(self, rel: str, data: bytes) -> FileScan | None:
        """The stored result for this file content, if there is one and it is still valid."""
        scan = self._get(rel, content_digest(data))
        if scan is None:
            self.misses += 1
        else:
            self.hits += 1
        return scan

    def _get(self, rel: str, digest: str) -> FileScan | None:
        try:
            entry = read_json(self._path(self.key(rel, digest)))
            if not (isinstance(entry, dict) and entry.get("schema") == SCHEMA and entry.get("path") == rel
                    and entry.get("content") == digest):
                return None
            deps = entry.get("deps", {})
            if not isinstance(deps, dict):
                return None
            for dep, state in deps.items():
                if not isinstance(dep, str) or self.dependency_state(dep) != state:
                    return None
            scan = decode(entry["scan"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        return scan if isinstance(scan, FileScan) and scan.path == rel else None

    def dependency_state(self, rel: str) -> str:
        """What an entry records of a file it depends on (scan.project.file_state), remembered by
        stat in the manifest."""
        state = self._states.get(rel)
        if state is None:
            known = self.manifest.state(rel) if self.manifest is not None else None
            if known is not None:
                state = known
            else:
                from .scan.project import file_state

                stat = file_stat(os.path.join(str(self.root), rel))
                state = file_state(self.root / rel, self.root)
                if self.manifest is not None and stat is not None:
                    self.manifest.record_state(rel, stat, state)
            self._states[rel] = state
        return state

    def lookup(self, rel: str, digest: str) -> FileScan | None:
        """The stored result for a file whose content digest is known (counted like get())."""
        scan = self._get(rel, digest)
        if scan is None:
            self.misses += 1
        else:
            self.hits += 1
        return scan

    def open_manifest(self) -> Manifest:
        """The stat manifest of this cache's scan root (see Manifest)."""
        if self.manifest is None:
            name = hashlib.sha256(f"{self.salt}\0{self.root}".encode()).hexdigest()
            self.manifest = Manifest(os.path.join(self._entries, "manifest", name[:2], name[2:] + ".json"),
                                     str(self.root))
        return self.manifest

    def put(self, rel: str, data: bytes, scan: FileScan, deps: Mapping[str, str]) -> None:
        if store(self.spec, rel, data, scan, deps):
            self.writes += 1

    def prune(self, force: bool = False) -> None:
        prune(self.directory, self.max_bytes, force=force)


# -- the stat manifest ---------------------------------------------------------------------
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
        self._walk_stats: dict[str, os.stat_result] = {}  # the directories' stats walk() took
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
        return stat[1] <= self.started - RACY_NS and not _names_a_secret(rel)

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
        if stat[0] > self.started - RACY_NS or _names_a_secret(key) or (
                ("hf_" in text or "api_org_" in text) and _names_a_secret("/".join(e[1:] for e in entries))):
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
        seen = self._walk_stats = {}
        try:
            for path, entry in zip(self._paths(), self.dirs.values()):
                st = seen[path] = stat(path)
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

    def directories(self) -> dict[str, os.stat_result | None]:
        if len(self._walk_stats) == len(self.dirs):  # walk() stat'ed them all (it replayed)
            return dict(self._walk_stats)
        return {**dict.fromkeys(self._paths()), **self._walk_stats}

    def record_walk(self, key: str, walk: Any, newest_mtime_ns: int) -> None:
        if newest_mtime_ns > self.started - RACY_NS:
            return
        text = json.dumps(walk)  # its probes name paths above the root too: never a token
        if ("hf_" in text or "api_org_" in text) and _names_a_secret(text):
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


# -- fix suggestions ---------------------------------------------------------------------------
class FixStore:
    """Fix suggestions computed for one file's findings (fix.engine.attach_fixes), as JSON entries
    under `<cache>/fix/v1`: a warm `check` shows its `[*]` markers without importing libcst. The key
    is computed by the fix engine (file content, findings, references); `salt` adds ptm-lint's
    version, code and catalog. What an entry depended on outside the file (the pins it consulted)
    is stored in it and re-checked by the engine."""

    def __init__(self, directory: Path, salt_text: str) -> None:
        self.directory = Path(directory)
        self._entries = os.path.join(str(directory), "fix", f"v{SCHEMA}")
        self.salt = salt_text

    def _path(self, key: str) -> str:
        name = hashlib.sha256(f"{self.salt}\0{key}".encode()).hexdigest()
        return os.path.join(self._entries, name[:2], name[2:] + ".json")

    def get(self, key: str) -> Any:
        try:
            entry = read_json(self._path(key))
        except (OSError, ValueError, RecursionError):
            return None
        if isinstance(entry, dict) and entry.get("schema") == SCHEMA and entry.get("key") == key:
            return entry.get("value")
        return None

    def put(self, key: str, value: Any) -> None:
        """Store one entry atomically; never raises. Values never hold a hub token (the engine
        drops fixes that would print one), and the key is a digest."""
        try:
            text = json.dumps({"schema": SCHEMA, "key": key, "value": value}, separators=(",", ":"),
                              ensure_ascii=False, allow_nan=False)
            path = Path(self._path(key))
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text.encode("utf-8"))
        except (OSError, ValueError, TypeError, RecursionError):
            pass


def read_json(path: str) -> Any:
    """The JSON document in the cache file at `path`; None if it is not a regular file or too large.
    Only a regular file, and a bounded read: a tampered cache may hold a FIFO (opening it would
    block) or a link to /dev/zero (reading it would never end). Raises OSError/ValueError."""
    if not S_ISREG(os.stat(path).st_mode):
        return None
    with open(path, "rb") as handle:
        raw = handle.read(MAX_ENTRY_BYTES + 1)
    return json.loads(raw) if len(raw) <= MAX_ENTRY_BYTES else None


def _names_a_secret(rel: str) -> bool:
    """A hub token in a file name: such names are never written to the cache (entries quote them)."""
    if "hf_" not in rel and "api_org_" not in rel:
        return False
    from .scan.secrets import mask_secrets

    return mask_secrets(rel) != rel


def entry_key(salt_text: str, rel: str, digest: str) -> str:
    return hashlib.sha256(f"{salt_text}\0{rel}\0{digest}".encode()).hexdigest()


def entry_path(directory: Path | str, key: str) -> Path:
    return Path(directory) / "scan" / f"v{SCHEMA}" / key[:2] / f"{key[2:]}.json"


def store(spec: CacheSpec, rel: str, data: bytes, scan: FileScan, deps: Mapping[str, str]) -> bool:
    """Write one entry atomically; never raises (a cache that cannot be written is just slower)."""
    digest = content_digest(data)
    try:
        body = {"schema": SCHEMA, "path": rel, "content": digest, "deps": dict(deps), "scan": encode(scan)}
        if _names_a_secret(rel):
            return False  # a token in a file name: not cached (the name is kept exactly in entries)
        body["scan"] = _without_secrets(body["scan"])
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        path = entry_path(spec.directory, entry_key(spec.salt, rel, digest))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
        return True
    except (OSError, ValueError, TypeError, RecursionError):
        return False


def _without_secrets(obj: Any) -> Any:
    """The encoded result with every hub token replaced by a dummy of the same shape (`hf_000…`).

    A token never reaches the disk, and results decoded from the entry are the same: a dummy is
    classified like the token it replaces, and every output masks both to `hf_****` alike.
    """
    if isinstance(obj, str):
        if "hf_" not in obj and "api_org_" not in obj:
            return obj
        from .scan.secrets import _TOKEN

        return _TOKEN.sub(lambda m: m.group(1) + "0" * (m.end() - m.start() - len(m.group(1))), obj)
    if isinstance(obj, list):
        return [_without_secrets(item) for item in obj]
    if isinstance(obj, dict):
        return {_without_secrets(k): _without_secrets(v) for k, v in obj.items()}
    return obj


def prune(directory: Path, max_bytes: int = DEFAULT_MAX_BYTES, *, force: bool = False) -> int:
    """Keep the cache under `max_bytes` (oldest entries go first) and drop stale temporary files.
    Runs at most once a day unless forced; returns how many files were removed."""
    roots = [Path(directory) / "scan" / f"v{SCHEMA}", Path(directory) / "fix" / f"v{SCHEMA}"]
    marker = Path(directory) / "scan" / "last-prune"
    now = time.time()
    try:
        if not force and now - marker.stat().st_mtime < PRUNE_EVERY:
            return 0
    except OSError:
        pass
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        return 0
    entries: list[tuple[float, int, str]] = []
    removed = 0
    for folder, _dirs, files in (walked for root in roots for walked in os.walk(root)):
        for name in files:
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if name.startswith(".tmp-"):
                if now - stat.st_mtime > STALE_TEMP:
                    removed += _unlink(path)
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    if total > max_bytes:
        target = max_bytes * 3 // 4
        for _mtime, size, path in sorted(entries):
            if total <= target:
                break
            removed += _unlink(path)
            total -= size
    return removed


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:
        return 0


# -- JSON codec ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class Opaque:
    """Stands in for a symbolic value that only means something inside one scan (a class or an
    object of the scanned code, an argparse namespace): classification treats it as 'not plain'."""

    kind: str


class _Unencodable(Exception):
    pass


_CORE = {cls.__name__: cls for cls in (FileScan, CallSite, Span, Value, Variant, FileError, Secret, Opaque)}


def _value_types() -> Any:
    from .scan import values

    return values


def encode(obj: Any) -> Any:
    """A JSON-able form of a FileScan (and everything it holds), decoded back by decode()."""
    kind = type(obj)
    if obj is None or kind is str or kind is bool or kind is int:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if kind is tuple:
        return [encode(item) for item in obj]
    if kind is list:
        return {"$list": [encode(item) for item in obj]}
    if kind is dict or (isinstance(obj, Mapping) and not dataclasses.is_dataclass(obj)):
        if all(type(k) is str and not k.startswith("$") for k in obj):
            return {k: encode(v) for k, v in obj.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in obj.items()]}
    if kind is frozenset or kind is set:
        items = [encode(item) for item in obj]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {"$set": items, "frozen": kind is frozenset}
    if kind is bytes:
        return {"$bytes": obj.hex()}
    if kind.__name__ in _CORE and _CORE[kind.__name__] is kind:
        return _encode_dataclass(obj)
    values = _value_types()
    if getattr(values, kind.__name__, None) is kind:
        if isinstance(obj, str):
            return {"$str": kind.__name__, "text": str(obj)}
        if dataclasses.is_dataclass(obj):
            try:
                return _encode_dataclass(obj, strict=True)
            except _Unencodable:
                pass
    return {"$": "Opaque", "kind": kind.__name__}


def _encode_dataclass(obj: Any, strict: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"$": type(obj).__name__}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if field.default is not dataclasses.MISSING and value == field.default and type(value) is type(field.default):
            continue
        encoded = encode(value)
        if strict and _has_opaque(encoded):
            raise _Unencodable(field.name)
        out[field.name] = encoded
    return out


def _has_opaque(encoded: Any) -> bool:
    if isinstance(encoded, dict):
        return encoded.get("$") == "Opaque" or any(_has_opaque(v) for v in encoded.values())
    if isinstance(encoded, list):
        return any(_has_opaque(v) for v in encoded)
    return False


def decode(data: Any) -> Any:
    if data is None or isinstance(data, (str, bool, int, float)):
        return data
    if isinstance(data, list):
        return tuple(decode(item) for item in data)
    if not isinstance(data, dict):
        raise TypeError(f"unexpected {type(data).__name__} in a cache entry")
    if "$" in data:
        name = data["$"]
        cls = _CORE.get(name)
        if cls is None:
            candidate = getattr(_value_types(), name, None)
            if not (isinstance(candidate, type) and dataclasses.is_dataclass(candidate)):
                raise TypeError(f"unknown record {name!r} in a cache entry")
            cls = candidate
        return cls(**{k: decode(v) for k, v in data.items() if k != "$"})
    if "$list" in data:
        return [decode(item) for item in data["$list"]]
    if "$dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["$dict"]}
    if "$set" in data:
        items = {_hashable(decode(item)) for item in data["$set"]}
        return frozenset(items) if data.get("frozen", True) else items
    if "$bytes" in data:
        return bytes.fromhex(data["$bytes"])
    if "$float" in data:
        return float(data["$float"])
    if "$str" in data:
        cls = getattr(_value_types(), data["$str"], None)
        if not (isinstance(cls, type) and issubclass(cls, str)):
            raise TypeError(f"unknown string type {data['$str']!r} in a cache entry")
        return cls(data["text"])
    return {k: decode(v) for k, v in data.items()}


def _hashable(value: Any) -> Any:
    hash(value)  # a list would be a corrupt entry: TypeError, a cache miss
    return value
