"""Read the local Hugging Face cache directly, with pathlib: no network, no huggingface_hub import.

Layout (shared/reference/loaders.md §1.3, huggingface_hub 2.4.0):

    <root>/models--org--name/refs/<revision>         40-hex sha, no newline (refs/refs/pr/3 for PRs)
    <root>/models--org--name/snapshots/<sha>/<path>  symlinks to ../../blobs/<sha256 | git blob id>
    <root>/models--org--name/.no_exist/<sha>/<path>  "known not to exist at this commit"
    <root>/models--org--name/trees/<sha>.json        full file listing of the commit (huggingface_hub >= 1.22)

Everything here is evidence of what was downloaded on this machine, not of what the Hub serves now:
`refs/main` is the sha seen at the last online resolution. Nothing is executed or unpickled; only
JSON and YAML front matter are read, with size limits.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .model import FileInfo, ModelMeta

SHA40 = re.compile(r"[0-9a-f]{40}")
SHA256 = re.compile(r"[0-9a-f]{64}")
DEFAULT_BRANCH = "main"
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_CARD_BYTES = 512 * 1024
MAX_FILES = 20_000


def hub_cache_root(env: Mapping[str, str] | None = None) -> Path:
    """The cache root huggingface_hub uses (constants.HF_HUB_CACHE), from the environment as it is now."""
    env = os.environ if env is None else env
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(name):
            return Path(env[name]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "huggingface" / "hub"
    return Path("~/.cache/huggingface/hub").expanduser()


def cache_roots(env: Mapping[str, str] | None = None, extra: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Existing cache roots to look in: `extra` first (e.g. a call's literal cache_dir=), then the root
    huggingface_hub itself uses. Other locations are not guessed at."""
    out: list[Path] = []
    for path in [*(Path(p).expanduser() for p in extra), hub_cache_root(env)]:
        try:
            if path.is_dir() and path not in out:
                out.append(path)
        except OSError:
            continue
    return out


def repo_folder_name(repo_type: str, repo_id: str) -> str:
    """`models--org--name`, as huggingface_hub's file_download.repo_folder_name."""
    return f"{repo_type}s--" + repo_id.replace("/", "--")


def _read_small(path: Path, limit: int) -> str | None:
    try:
        st = path.stat()
        # Only a regular file (a cache may sit in the scanned repo: a FIFO would block, a link to
        # /dev/zero never ends), and never more than `limit` bytes even if it grows meanwhile.
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
        return None if len(data) > limit else data.decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def _read_ref(folder: Path, revision: str) -> tuple[str, float] | None:
    ref = folder / "refs" / revision
    try:
        # A revision is a ref name from code: it must not walk out of refs/.
        if ".." in Path(revision).parts or Path(revision).is_absolute():
            return None
        text = _read_small(ref, 256)
        if text is None:
            return None
        sha = text.strip()
        return (sha, ref.stat().st_mtime) if SHA40.fullmatch(sha) else None
    except OSError:
        return None


def _iso(ts: float) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def front_matter(text: str) -> dict | None:
    """The YAML metadata block at the top of a model card, or None (no block / not a mapping / broken)."""
    if not text.startswith("---"):
        return None
    lines = text.splitlines()
    if lines[0].strip() != "---":
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        return None
    import yaml  # lazily: only when a card is actually read

    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _strings(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def card_fields(card: Mapping | None) -> dict:
    """ModelMeta fields from model-card metadata (the Hub's cardData or a cached README's front matter).

    A card without a `license` gives license "unknown": the card is known and names no licence."""
    if card is None:
        return {"license": "unknown"}
    licenses = _strings(card.get("license"))
    return {
        "license": ", ".join(licenses) if licenses else "unknown",
        "license_name": card.get("license_name") if isinstance(card.get("license_name"), str) else None,
        "base_models": _strings(card.get("base_model")),
        "datasets": _strings(card.get("datasets")),
        "pipeline_tag": card.get("pipeline_tag") if isinstance(card.get("pipeline_tag"), str) else None,
        "library_name": card.get("library_name") if isinstance(card.get("library_name"), str) else None,
        "tags": _strings(card.get("tags")),
    }


AUTO_MAP_REMOTE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)--")


def auto_map_repos(auto_map: Mapping) -> tuple[str, ...]:
    """Other repos named by auto_map entries ("org/repo--module.Class"): their code follows their `main`."""
    out: list[str] = []
    for value in auto_map.values():
        for item in value if isinstance(value, list) else [value]:
            m = AUTO_MAP_REMOTE.match(item) if isinstance(item, str) else None
            if m and m.group("repo") not in out:
                out.append(m.group("repo"))
    return tuple(out)


def _walk_snapshot(snapshot: Path) -> list[FileInfo]:
    files: list[FileInfo] = []
    for dirpath, dirnames, filenames in os.walk(snapshot):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(snapshot).as_posix()
            size = sha256 = blob = None
            try:
                size = full.stat().st_size
            except OSError:
                pass  # a dangling symlink: the blob was deleted
            try:
                target = os.readlink(full)
                blob_name = Path(target).name
                if SHA256.fullmatch(blob_name):
                    sha256 = blob_name
                elif SHA40.fullmatch(blob_name):
                    blob = blob_name
            except (OSError, ValueError):
                pass  # a copy (Windows without symlinks): no hash known
            files.append(FileInfo(rel, size=size, sha256=sha256, blob_id=blob))
            if len(files) >= MAX_FILES:
                return files
    return files


def _tree_listing(folder: Path, sha: str) -> tuple[FileInfo, ...] | None:
    text = _read_small(folder / "trees" / f"{sha}.json", MAX_JSON_BYTES * 8)
    if text is None:
        return None
    try:
        data = json.loads(text)
        entries = data["files"]
        if data.get("format_version") != 1 or not isinstance(entries, dict):
            return None
        out = []
        for path, info in sorted(entries.items()):
            if not isinstance(path, str) or not isinstance(info, dict):
                return None
            size = info.get("lfs_size", info.get("size"))
            out.append(FileInfo(path, size=size if isinstance(size, int) else None,
                                sha256=info.get("lfs_sha256") if isinstance(info.get("lfs_sha256"), str) else None,
                                blob_id=info.get("blob_id") if isinstance(info.get("blob_id"), str) else None))
        return tuple(out)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _missing(folder: Path, sha: str) -> tuple[str, ...]:
    base = folder / ".no_exist" / sha
    if not base.is_dir():
        return ()
    out = []
    for dirpath, _, filenames in os.walk(base):
        for name in filenames:
            out.append((Path(dirpath) / name).relative_to(base).as_posix())
    return tuple(sorted(out))


def _json_file(path: Path) -> dict | None:
    text = _read_small(path, MAX_JSON_BYTES)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class HFCache:
    """Metadata from the local Hugging Face cache; `lookup` returns None when the cache cannot say."""

    def __init__(self, roots: Sequence[str | os.PathLike] | None = None) -> None:
        self.roots = cache_roots() if roots is None else [Path(r) for r in roots]

    def folder(self, repo_type: str, names: Sequence[str]) -> tuple[Path, str] | None:
        for root in self.roots:
            for name in names:
                folder = root / repo_folder_name(repo_type, name)
                if folder.is_dir():
                    return folder, name
        return None

    def lookup(self, repo_type: str, names: Sequence[str], revision: str | None) -> ModelMeta | None:
        """What the cache knows about `revision` (None: the default branch) of the repo cached under one of
        `names` (the canonical id first, then the id as written in code)."""
        found = self.folder(repo_type, names)
        if found is None:
            return None
        folder, name = found
        default = _read_ref(folder, DEFAULT_BRANCH)
        default_sha, seen = (default if default else (None, None))
        ref_kind: str | None
        if revision is None:
            if default_sha is None:
                return None
            sha, ref_kind, seen_at = default_sha, "branch", seen
        elif SHA40.fullmatch(revision):
            sha, ref_kind, seen_at = revision, "commit", None
            known = (folder / "snapshots" / sha).is_dir() or (folder / "trees" / f"{sha}.json").is_file()
            if not known and default_sha is None:
                return None
        else:
            resolved = _read_ref(folder, revision)
            if resolved is None:
                return None
            sha, seen_at = resolved
            ref_kind = "pr" if revision.startswith("refs/pr/") else (
                "branch" if revision == DEFAULT_BRANCH else None)
        snapshot = folder / "snapshots" / sha
        cached = tuple(_walk_snapshot(snapshot)) if snapshot.is_dir() else ()
        files = _tree_listing(folder, sha)
        missing = _missing(folder, sha)
        fields: dict = {}
        readme = snapshot / "README.md"
        if readme.is_file():
            text = _read_small(readme, MAX_CARD_BYTES)
            if text is not None:
                fields.update(card_fields(front_matter(text)))
        elif "README.md" in missing:
            fields.update(card_fields(None))
        remote: bool | None = None
        repos: tuple[str, ...] = ()
        for config_name in ("config.json", "tokenizer_config.json"):
            config = _json_file(snapshot / config_name)
            if config is None:
                continue
            auto_map = config.get("auto_map")
            if isinstance(auto_map, dict) and auto_map:
                remote = True
                repos += tuple(r for r in auto_map_repos(auto_map) if r not in repos)
            elif remote is None:
                remote = False
        if "custom_code" in fields.get("tags", ()):
            remote = True
        times = [t for t in (seen, seen_at) if t is not None]
        return ModelMeta(
            repo_id=name, requested=names[0], revision=revision, source="hf-cache", status="ok",
            repo_type=repo_type, sha=sha, default_sha=default_sha, files=files,
            requires_remote_code=remote, remote_code_repos=repos, ref_kind=ref_kind,
            default_date=_iso(seen) if seen is not None else None,
            fetched_at=max(times) if times else None, cached_files=cached, missing_files=missing,
            **fields,
        )
