"""Where ptm-lint's caches live and how they are written, with nothing heavy imported (the run memo
answers a repeated run with these alone)."""

from __future__ import annotations

import os
import sys
from _collections_abc import (
    Mapping,  # collections.abc without importing collections (os has loaded it)
)

CACHE_DIR_ENV = "PTM_LINT_CACHE_DIR"
# A file or directory changed less than this before a run started may change again within the same
# timestamp tick (FAT: 2 s) and keep its stat: what a run read of it is not remembered by stat.
RACY_NS = 3_000_000_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one cache file (entry, manifest); larger ones are not read


def user_cache_dir(env: Mapping[str, str] | None = None) -> str:
    """The platform's per-user cache folder for ptm-lint (XDG on Linux; `env`: os.environ). Raises
    RuntimeError when there is no home directory."""
    env = os.environ if env is None else env
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or os.path.join(_home(), "AppData", "Local")
        return os.path.join(base, "ptm-lint", "Cache")
    if sys.platform == "darwin":
        return os.path.join(_home(), "Library", "Caches", "ptm-lint")
    xdg = env.get("XDG_CACHE_HOME")  # (relative values are invalid: the XDG spec says to ignore them)
    return os.path.join(xdg if xdg and os.path.isabs(xdg) else os.path.join(_home(), ".cache"), "ptm-lint")


def _home() -> str:
    home = os.path.expanduser("~")
    if home == "~":  # what pathlib.Path.home() reports as an error
        raise RuntimeError("cannot determine the home directory")
    return home


def default_cache_dir(env: Mapping[str, str] | None = None) -> str | None:
    """The cache folder when neither --cache-dir nor the configuration names one: $PTM_LINT_CACHE_DIR,
    else the user cache folder (None without a home directory). Every cache uses it: scan results,
    hub metadata, the run memo."""
    env = os.environ if env is None else env
    configured = env.get(CACHE_DIR_ENV)
    if configured:
        return os.path.expanduser(configured)
    try:
        return user_cache_dir(env)
    except RuntimeError:
        return None


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to a new temporary file beside `path` and rename it into place: concurrent
    readers see the old file or the new one, never half of one. Raises OSError."""
    path = os.fspath(path)
    # A name no other process or thread uses, created exclusively (what tempfile.mkstemp does,
    # without importing tempfile and, through it, random and hashlib: a few ms per run).
    tmp = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}-{os.urandom(8).hex()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: str) -> object:
    """The JSON document in the cache file at `path`; None if it is not a regular file or too large.
    Only a regular file, and a bounded read: a tampered cache may hold a FIFO (opening it would
    block) or a link to /dev/zero (reading it would never end). Raises OSError/ValueError."""
    from stat import S_ISREG

    if not S_ISREG(os.stat(path).st_mode):
        return None
    with open(path, "rb") as handle:
        raw = handle.read(MAX_ENTRY_BYTES + 1)
    import json

    return json.loads(raw) if len(raw) <= MAX_ENTRY_BYTES else None


def names_a_secret(rel: str) -> bool:
    """A hub token in a file name: such names are never written to the cache (entries quote them)."""
    if "hf_" not in rel and "api_org_" not in rel:
        return False
    from .scan.secrets import mask_secrets

    return mask_secrets(rel) != rel
