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
