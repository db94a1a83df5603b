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

Layers: this module keeps the entries (where, keys, read, write, prune) and the fix-suggestion
store; the stat manifest that answers unchanged files by stat is ptm_lint.statmanifest, the JSON
codec of the stored records ptm_lint.cachecodec, and the folder primitives ptm_lint.cachedir.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .cachecodec import decode, encode
from .cachedir import atomic_write, default_cache_dir, names_a_secret, read_json
from .core import FileScan
from .statmanifest import Manifest, file_stat

SCHEMA = 1
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
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
                # Nothing there (a probed place a module could appear): absent, without a read.
                state = "absent" if stat is None else file_state(self.root / rel, self.root)
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


def entry_key(salt_text: str, rel: str, digest: str) -> str:
    return hashlib.sha256(f"{salt_text}\0{rel}\0{digest}".encode()).hexdigest()


def entry_path(directory: Path | str, key: str) -> Path:
    return Path(directory) / "scan" / f"v{SCHEMA}" / key[:2] / f"{key[2:]}.json"


def store(spec: CacheSpec, rel: str, data: bytes, scan: FileScan, deps: Mapping[str, str]) -> bool:
    """Write one entry atomically; never raises (a cache that cannot be written is just slower)."""
    digest = content_digest(data)
    try:
        body = {"schema": SCHEMA, "path": rel, "content": digest, "deps": dict(deps), "scan": encode(scan)}
        if names_a_secret(rel):
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
