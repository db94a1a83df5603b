"""Read the local ModelScope cache directly (pathlib and json only: its pickled .msc/.mdl files are never opened).

Layouts, from the ModelScope SDKs:

* modelscope_hub (the current client): `<base>/<type>s/<owner>--<name>/snapshots/<revision>/<file>`, one
  folder per revision as requested (`master` when none was);
* modelscope <= 1.37: `<base>/hub/<type>s/<owner>/<name>` (default cache) or `<base>/<type>s/<owner>/<name>`
  (MODELSCOPE_CACHE set), dots in the name written as `___`; the files sit in that folder and the plain-text
  `.mv` file says which revision they came from (`Revision:v1.0.2,CreatedAt:1690000000`); older releases
  used `<base>/hub/<owner>/<name>`.

`<base>` is $MODELSCOPE_CACHE, else ~/.cache/modelscope. A lookup answers what the cache proves: the
files it holds for exactly the revision asked for (no revision means `master`), never a guess.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from .model import FileInfo, ModelMeta

DEFAULT_BRANCH = "master"
_SHA40 = re.compile(r"[0-9a-f]{40}")
_SDK_FILES = frozenset({".msc", ".mdl", ".mv", ".lock"})
_MAX_FILES = 10_000  # a cache folder is the SDK's; a runaway one must not stall a check
_MAX_CONFIG_BYTES = 1 << 20


def cache_base(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(os.path.expanduser(env.get("MODELSCOPE_CACHE") or "~/.cache/modelscope"))


class ModelScopeCache:
    """Lookups in one ModelScope cache folder."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base if base is not None else cache_base()

    def lookup(self, repo_type: str, repo_id: str, revision: str | None) -> ModelMeta | None:
        owner, slash, name = repo_id.partition("/")
        if not slash or not owner or not name or ".." in (owner, name) or "/" in name:
            return None
        wanted = revision or DEFAULT_BRANCH
        kind = f"{repo_type}s"
        try:
            folder = self.base / kind / f"{owner}--{name}" / "snapshots" / wanted
            if wanted not in (".", "..") and "/" not in wanted and folder.is_dir():
                return self._meta(repo_type, repo_id, revision, folder)
            safe = name.replace(".", "___")
            for legacy in (self.base / "hub" / kind / owner / safe, self.base / kind / owner / safe,
                           self.base / "hub" / owner / safe):
                if legacy.is_dir() and _legacy_revision(legacy) == wanted:
                    return self._meta(repo_type, repo_id, revision, legacy)
        except OSError:
            return None
        return None

    @staticmethod
    def _meta(repo_type: str, repo_id: str, revision: str | None, folder: Path) -> ModelMeta:
        files: list[FileInfo] = []
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if rel in _SDK_FILES or any(part.startswith(".") for part in rel.split("/")):
                continue
            try:
                if not path.is_file():
                    continue
                files.append(FileInfo(rel, path.stat().st_size))
            except OSError:
                continue
            if len(files) >= _MAX_FILES:
                break
        return ModelMeta(
            repo_id=repo_id, requested=repo_id, revision=revision, source="modelscope-cache",
            repo_type=repo_type, sha=revision if revision and _SHA40.fullmatch(revision) else None,
            ref_kind="commit" if revision and _SHA40.fullmatch(revision) else None,
            requires_remote_code=_remote_code(folder), cached_files=tuple(files),
        )


def _legacy_revision(folder: Path) -> str | None:
    """The revision a legacy cache folder holds (its `.mv` file), or None."""
    try:
        text = (folder / ".mv").read_text(encoding="utf-8", errors="replace")[:4096].strip()
    except OSError:
        return None
    match = re.match(r"Revision:([^,\s]+)", text)
    if match:
        return match.group(1)
    return text if text and not re.search(r"[,:\s]", text) else None  # older SDKs wrote the bare revision


def _remote_code(folder: Path) -> bool | None:
    """Whether the cached config maps classes to the repo's own code (auto_map), like the HF cache reader."""
    for name in ("config.json", "configuration.json"):
        path = folder / name
        try:
            if not path.is_file() or path.stat().st_size > _MAX_CONFIG_BYTES:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and name == "config.json":
            return bool(data.get("auto_map"))
    return None
