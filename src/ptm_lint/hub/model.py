"""The metadata records every source produces and every consumer (rules, graph, SBOM, fixes) reads."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = (
    "ok",                  # the repo exists and the revision resolved
    "not_found",           # 404: deleted, never existed, or private without access
    "gated",               # 401/403 on a gated repo: exists, needs an accepted licence / token
    "private",             # exists but private
    "disabled",            # disabled by the Hub (e.g. for abuse)
    "revision_not_found",  # the repo exists but the revision does not
    "error",               # network or server failure: unknown, not "missing"
)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One file of a repo at a revision, as the Hub or the local cache lists it."""

    path: str
    size: int | None = None
    sha256: str | None = None  # LFS/Xet files: the content sha256 the Hub reports
    blob_id: str | None = None  # git blob id (regular files)


@dataclass(frozen=True, slots=True)
class ModelMeta:
    """What is known about one (repo, revision); None means "not known", never "no"."""

    repo_id: str  # the id as the hub knows it now (after a rename redirect)
    requested: str  # the id that was asked for
    revision: str | None  # the revision asked for (None: the default branch)
    source: str  # hf-cache | ptm-cache | hub
    status: str = "ok"
    repo_type: str = "model"
    sha: str | None = None  # the commit `revision` resolves to
    default_sha: str | None = None  # the current commit of the default branch
    renamed_to: str | None = None
    gated: bool | str | None = None  # False, "auto", "manual"
    private: bool | None = None
    disabled: bool | None = None
    license: str | None = None  # SPDX-like id from the card (cardData.license), or "other"
    license_name: str | None = None
    base_models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: tuple[str, ...] = ()
    files: tuple[FileInfo, ...] | None = None  # None: the file list is not known
    requires_remote_code: bool | None = None  # config.json auto_map / "custom_code" tag
    last_modified: str | None = None
    fetched_at: float | None = None  # unix time the data was obtained (caches)
    message: str | None = None  # for status error/not_found: what happened, for the user
    # Additions (metadata layer). Every one has a default, so records built elsewhere stay valid.
    ref_kind: str | None = None  # what `revision` names on the hub: branch | tag | commit | pr (REF_KINDS)
    sha_date: str | None = None  # ISO date of the commit `sha` (when known)
    default_date: str | None = None  # ISO date of the default branch's head commit (or when it was last seen)
    commits_behind: int | None = None  # commits on the default branch after `sha` (None: unknown)
    on_default_branch: bool | None = None  # whether `sha` is in the default branch's history
    remote_code_repos: tuple[str, ...] = ()  # other repos whose code auto_map pulls in ("org/repo--mod.Cls")
    cached_files: tuple[FileInfo, ...] = ()  # files present in the local HF cache (a subset when `files` is None)
    missing_files: tuple[str, ...] = ()  # paths known NOT to exist at `sha` (the HF cache's .no_exist markers)

    @property
    def has_safetensors(self) -> bool | None:
        if self.files is None:
            return None
        return any(f.path.endswith(".safetensors") for f in self.files)

    @property
    def has_pickle_weights(self) -> bool | None:
        if self.files is None:
            return None
        return any(f.path.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl")) for f in self.files)


# -- additions (metadata layer) -------------------------------------------------------------------
REF_KINDS = ("branch", "tag", "commit", "pr")


def _file_to_json(f: FileInfo) -> dict:
    out: dict = {"path": f.path}
    if f.size is not None:
        out["size"] = f.size
    if f.sha256 is not None:
        out["sha256"] = f.sha256
    if f.blob_id is not None:
        out["blob_id"] = f.blob_id
    return out


def _file_from_json(raw: dict) -> FileInfo:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise ValueError("file entry without a path")
    size, sha256, blob = raw.get("size"), raw.get("sha256"), raw.get("blob_id")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise ValueError("file size is not an integer")
    for value in (sha256, blob):
        if value is not None and not isinstance(value, str):
            raise ValueError("file hash is not a string")
    return FileInfo(path=raw["path"], size=size, sha256=sha256, blob_id=blob)


_STR_FIELDS = ("repo_id", "requested", "revision", "source", "status", "repo_type", "sha", "default_sha",
               "renamed_to", "license", "license_name", "pipeline_tag", "library_name", "last_modified",
               "message", "ref_kind", "sha_date", "default_date")
_OPTIONAL_STR = {"revision", "sha", "default_sha", "renamed_to", "license", "license_name", "pipeline_tag",
                 "library_name", "last_modified", "message", "ref_kind", "sha_date", "default_date"}
_TUPLE_FIELDS = ("base_models", "datasets", "tags", "remote_code_repos", "missing_files")
_BOOL_FIELDS = ("private", "disabled", "requires_remote_code", "on_default_branch")


def meta_to_json(meta: ModelMeta) -> dict:
    """A JSON-ready dict of every field (the ptm-lint metadata cache and `outdated --format json`)."""
    out: dict = {}
    for name in (*_STR_FIELDS, *_BOOL_FIELDS, "gated", "fetched_at", "commits_behind"):
        out[name] = getattr(meta, name)
    for name in _TUPLE_FIELDS:
        out[name] = list(getattr(meta, name))
    out["files"] = None if meta.files is None else [_file_to_json(f) for f in meta.files]
    out["cached_files"] = [_file_to_json(f) for f in meta.cached_files]
    return out


def meta_from_json(raw: dict) -> ModelMeta:
    """The inverse of meta_to_json; raises ValueError on anything that is not exactly that shape."""
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    values: dict = {}
    for name in _STR_FIELDS:
        value = raw.get(name)
        if value is None and name in _OPTIONAL_STR:
            values[name] = None
        elif isinstance(value, str):
            values[name] = value
        else:
            raise ValueError(f"{name} must be a string")
    if values["status"] not in STATUSES:
        raise ValueError("unknown status")
    for name in _BOOL_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        values[name] = value
    gated = raw.get("gated")
    if gated is not None and not isinstance(gated, (bool, str)):
        raise ValueError("gated must be a boolean or a string")
    values["gated"] = gated
    fetched = raw.get("fetched_at")
    if fetched is not None and (not isinstance(fetched, (int, float)) or isinstance(fetched, bool)):
        raise ValueError("fetched_at must be a number")
    values["fetched_at"] = float(fetched) if fetched is not None else None
    behind = raw.get("commits_behind")
    if behind is not None and (not isinstance(behind, int) or isinstance(behind, bool) or behind < 0):
        raise ValueError("commits_behind must be a non-negative integer")
    values["commits_behind"] = behind
    for name in _TUPLE_FIELDS:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of strings")
        values[name] = tuple(value)
    files = raw.get("files")
    if files is not None and not isinstance(files, list):
        raise ValueError("files must be a list")
    values["files"] = None if files is None else tuple(_file_from_json(f) for f in files)
    cached = raw.get("cached_files", [])
    if not isinstance(cached, list):
        raise ValueError("cached_files must be a list")
    values["cached_files"] = tuple(_file_from_json(f) for f in cached)
    return ModelMeta(**values)
