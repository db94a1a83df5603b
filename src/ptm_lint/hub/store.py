"""ptm-lint's own metadata cache: one small JSON file per (endpoint, repo type, repo, revision).

    <cache-dir>/hub/<endpoint host>/<models--org--name>/<rev-…>.json

- `cache-dir` is `--cache-dir`, config `cache-dir`, else the folder every ptm-lint cache uses
  (cachedir.default_cache_dir): `$PTM_LINT_CACHE_DIR`, else `$XDG_CACHE_HOME/ptm-lint` or
  `~/.cache/ptm-lint` (`~/Library/Caches/ptm-lint` on macOS, `%LOCALAPPDATA%/ptm-lint/Cache` on Windows).
- Safe to delete at any time; a missing, expired, corrupt or tampered entry is simply a cache miss.
- Safe under concurrent runs: each entry is written to a temporary file in the same folder and moved into
  place with os.replace, so readers see the old or the new entry, never half of one.
- Never holds credentials: entries carry hub metadata only, and a write is refused outright if a token
  value the caller names (or anything shaped like an `hf_…` token) appears in it.
- Entries expire after a TTL (default one day). Failures (status "error") are never stored.
"""

from __future__ import annotations

import json
import re
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..cachedir import atomic_write
from ..cachedir import default_cache_dir as _default_cache_dir
from .model import ModelMeta, meta_from_json, meta_to_json

SCHEMA = "ptm-lint/hub-meta/1"
DEFAULT_TTL = 24 * 3600.0
MAX_ENTRY_BYTES = 8 * 1024 * 1024
CLOCK_SKEW = 300.0  # an entry "from the future" beyond this is not trusted
REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(?:/[A-Za-z0-9][\w.-]{0,95})?", re.ASCII)
TOKEN_SHAPE = re.compile(r"hf_[A-Za-z0-9]{20,}")


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The cache folder every ptm-lint cache uses by default (cachedir.default_cache_dir); without a
    home directory, `.ptm-lint-cache` in the working directory."""
    return Path(_default_cache_dir(env) or ".ptm-lint-cache")


def endpoint_slug(endpoint: str) -> str:
    """A folder name for an endpoint: entries from a mirror or a test server never mix with huggingface.co's."""
    from urllib.parse import urlsplit  # here (quote and tempfile too): only metadata lookups need them

    parts = urlsplit(endpoint)
    text = (parts.hostname or "unknown") + (f"_{parts.port}" if parts.port else "") + parts.path.rstrip("/")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "unknown"


def valid_repo_id(repo_id: str) -> bool:
    return bool(REPO_ID.fullmatch(repo_id)) and ".." not in repo_id and "--" not in repo_id


class MetaStore:
    """Read and write cached ModelMeta records for one hub endpoint."""

    def __init__(self, root: Path, endpoint: str, *, ttl: float = DEFAULT_TTL,
                 now: Callable[[], float] = time.time, secrets: Iterable[str] = ()) -> None:
        self.root = Path(root)
        self.endpoint = endpoint.rstrip("/")
        self.base = self.root / "hub" / endpoint_slug(self.endpoint)
        self.ttl = ttl
        self.now = now
        self._secrets = tuple(s for s in secrets if s)

    def path(self, repo_type: str, repo_id: str, revision: str | None) -> Path | None:
        if repo_type not in ("model", "dataset", "space") or not valid_repo_id(repo_id):
            return None
        if revision is None:
            name = "default.json"
        else:
            from urllib.parse import quote

            quoted = quote(revision, safe="")
            if len(quoted) > 180:
                import hashlib

                quoted = "sha256-" + hashlib.sha256(revision.encode()).hexdigest()
            name = f"rev-{quoted}.json"
        return self.base / (f"{repo_type}s--" + repo_id.replace("/", "--")) / name

    def _key(self, repo_type: str, repo_id: str, revision: str | None) -> dict:
        return {"endpoint": self.endpoint, "repo_type": repo_type, "repo_id": repo_id, "revision": revision}

    def get(self, repo_type: str, repo_id: str, revision: str | None) -> ModelMeta | None:
        """The cached record, or None when there is none usable (missing, expired, corrupt, foreign)."""
        path = self.path(repo_type, repo_id, revision)
        if path is None:
            return None
        try:
            st = path.stat()
            # Only a regular file: a FIFO would block and a link to /dev/zero never ends.
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                return None
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
            return None
        try:
            if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
                return None
            if doc.get("key") != self._key(repo_type, repo_id, revision):
                return None
            meta = meta_from_json(doc.get("meta"))
        except (ValueError, TypeError):
            return None
        fetched = meta.fetched_at
        now = self.now()
        if fetched is None or fetched > now + CLOCK_SKEW or now - fetched > self.ttl:
            return None
        if meta.status == "error" or meta.requested != repo_id or meta.revision != revision:
            return None
        from dataclasses import replace

        return replace(meta, source="ptm-cache")

    def put(self, meta: ModelMeta) -> bool:
        """Store a record (atomically); False when it was not stored. Never raises on I/O problems."""
        if meta.status == "error" or meta.fetched_at is None:
            return False
        path = self.path(meta.repo_type, meta.requested, meta.revision)
        if path is None:
            return False
        doc = {"schema": SCHEMA, "key": self._key(meta.repo_type, meta.requested, meta.revision),
               "meta": meta_to_json(meta)}
        text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
        if any(secret in text for secret in self._secrets) or TOKEN_SHAPE.search(text):
            return False  # defence in depth: a credential never reaches the disk
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text.encode("utf-8"))
            return True
        except OSError:
            return False
