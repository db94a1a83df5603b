"""Metadata for every model reference, layered offline first: HF cache → ptm-lint's cache → Hub API.

`lookup_all(references, online=..., cache_dir=..., endpoint=..., token=...)` returns a MetadataResult whose
`by_key` maps `meta_key(ref)` = (hub, canonical, revision as written) to a ModelMeta: the key the graph and
the rules use (`graph.keys.meta_for`, `Context.meta`). The record's `repo_type` says whether it describes a
model or a dataset repo; in the rare project that loads a model and a dataset of the same id and revision,
the model's record is kept. Only Hugging Face references get metadata: torch.hub (GitHub refs) and TF Hub /
Kaggle handles are counted in `untracked`, and nothing is pretended about them.

Layers:
1. the local Hugging Face cache (always; no network, no huggingface_hub import);
2. ptm-lint's own cache (`store.MetaStore`, unless `use_store=False`), entries younger than `ttl`;
3. the Hub API (only when `online`), for keys the store could not answer; answers are written to the store.
A record from a later layer wins; missing facts (None) are filled in from earlier layers, and a failed
Hub lookup keeps whatever the caches knew (partial results are kept, the failure is in `errors`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .model import ModelMeta
from .store import DEFAULT_TTL, MetaStore, default_cache_dir, valid_repo_id

Key = tuple[str, str, "str | None"]
DEFAULT_ENDPOINT = "https://huggingface.co"
UNTRACKED_HUBS = ("torch_hub", "tf_hub", "kaggle")  # no metadata source at all
MAX_WORKERS = 8


def default_endpoint(env: Mapping[str, str] | None = None) -> str:
    """HF_ENDPOINT as set now (huggingface_hub.constants.ENDPOINT is frozen at its import)."""
    env = os.environ if env is None else env
    return (env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _repo(ref: Any) -> tuple[str, str, str | None] | None:
    """(repo_type, repo_id, revision to ask the Hub for) of a Hugging Face reference metadata can describe."""
    if getattr(ref, "hub", None) != "huggingface" or not ref.canonical or not valid_repo_id(ref.canonical):
        return None
    repo_type = "dataset" if ref.role == "dataset" else "model"
    # timm/open_clip pretrained tags and other library-level "revisions" are not Hub revisions: the Hub
    # serves the default branch for them.
    revision = ref.revision if ref.pin != "library" else None
    return repo_type, ref.canonical, revision


def meta_key(ref: Any) -> Key | None:
    """The MetadataResult / Context.metadata key of a reference, or None when no metadata applies."""
    if getattr(ref, "hub", None) == "modelscope" and ref.canonical:
        return ("modelscope", ref.canonical, ref.revision)
    if _repo(ref) is None:
        return None
    return ("huggingface", ref.canonical, ref.revision)


def _modelscope(refs: Sequence[Any], base: Path | None) -> tuple[dict[Key, ModelMeta], int]:
    """ModelScope metadata from its local cache (the only source ptm-lint reads for that hub), and how
    many ModelScope references it had nothing for."""
    from .modelscope_cache import ModelScopeCache

    cache = ModelScopeCache(base)
    found: dict[Key, ModelMeta] = {}
    missing = 0
    for ref in refs:
        key = meta_key(ref)
        if key is None or key[0] != "modelscope":
            continue
        if key not in found:
            meta = cache.lookup("dataset" if ref.role == "dataset" else "model", key[1], key[2])
            if meta is None:
                missing += 1
                continue
            found[key] = meta
    return found, missing


def _written_id(ref: Any) -> str | None:
    model = getattr(ref, "model", None)
    return model if isinstance(model, str) and valid_repo_id(model) else None


@dataclass(frozen=True)
class MetadataResult:
    """What lookup_all found: metadata by reference key, notes and failures for the run's summary."""

    by_key: Mapping[Key, ModelMeta] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # hub failures, in words (never containing a token)
    unchecked: tuple[Key, ...] = ()  # Hugging Face keys without usable metadata
    untracked: int = 0  # torch.hub / TF Hub / Kaggle references, and ModelScope's its local cache lacks
    online: bool = False
    requests: int = 0  # HTTP requests made (for tests and --verbose)

    def get(self, ref: Any) -> ModelMeta | None:
        key = meta_key(ref)
        meta = self.by_key.get(key) if key is not None else None
        wanted = "dataset" if getattr(ref, "role", None) == "dataset" else "model"
        return meta if meta is not None and meta.repo_type == wanted else None

    @property
    def available(self) -> bool:
        return bool(self.by_key)

    def summary_note(self) -> str | None:
        """The one run-level note about models that could not be checked, or None."""
        n = len({key[1] for key in self.unchecked})  # models, whatever revisions the code asks for
        if not n:
            return None
        what = f"{n} model{'s' if n != 1 else ''} could not be checked against the hub"
        if self.online and self.errors:
            return f"{what} ({self.errors[0]}); results from the caches were kept"
        if self.online:
            return f"{what}"
        return f"{what}; run with --online or populate the Hugging Face cache"


_FILLABLE = tuple(f.name for f in fields(ModelMeta) if f.name not in (
    "repo_id", "requested", "revision", "source", "status", "repo_type", "fetched_at", "message",
    "cached_files", "missing_files", "default_sha", "default_date", "commits_behind", "on_default_branch"))


def _combine(layers: Sequence[ModelMeta | None]) -> ModelMeta | None:
    """The last usable layer wins; None facts are filled from earlier "ok" layers; local cache facts kept."""
    present = [m for m in layers if m is not None and m.status != "error"]
    if not present:
        return None
    top = present[-1]
    if top.status != "ok":
        return top
    updates: dict[str, Any] = {}
    for lower in reversed(present[:-1]):
        if lower.status != "ok" or (lower.sha and top.sha and lower.sha != top.sha):
            continue
        for name in _FILLABLE:
            if getattr(top, name) in (None, ()) and getattr(lower, name) not in (None, ()) and name not in updates:
                updates[name] = getattr(lower, name)
        if lower.cached_files and not top.cached_files:
            updates.setdefault("cached_files", lower.cached_files)
            updates.setdefault("missing_files", lower.missing_files)
        # The default branch head: the most recently observed one wins (the local cache may be newer).
        if (lower.default_sha and lower.fetched_at and top.fetched_at and lower.fetched_at > top.fetched_at
                and lower.default_sha != top.default_sha):
            updates.update(default_sha=lower.default_sha, default_date=lower.default_date,
                           commits_behind=None, on_default_branch=None, sha_date=top.sha_date)
    return replace(top, **updates) if updates else top


def lookup_all(references: Iterable[Any], *, online: bool = False, cache_dir: str | os.PathLike | None = None,
               endpoint: str | None = None, token: str | None = None, ttl: float = DEFAULT_TTL,
               use_store: bool = True, hf_cache_roots: Sequence[str | os.PathLike] | None = None,
               timeout: float | None = None, retries: int | None = None, client: Any = None,
               modelscope_cache: Path | None = None) -> MetadataResult:
    """Metadata for every Hugging Face reference (and ModelScope's, from its local cache: `modelscope_cache`,
    default $MODELSCOPE_CACHE or ~/.cache/modelscope); never raises for network or cache problems."""
    from .hf_cache import HFCache

    refs = list(references)
    modelscope: dict[Key, ModelMeta] = {}
    untracked = 0
    if any(getattr(ref, "hub", None) == "modelscope" for ref in refs):
        modelscope, untracked = _modelscope(refs, modelscope_cache)
    repos: dict[tuple[str, str], dict[str | None, None]] = {}  # ordered sets of revisions
    names: dict[tuple[str, str], list[str]] = {}
    keys: dict[Key, tuple[str, str, str | None]] = {}  # result key -> (repo_type, repo_id, hub revision)
    for ref in refs:
        repo = _repo(ref)
        if repo is None:
            if getattr(ref, "hub", None) in UNTRACKED_HUBS:
                untracked += 1
            continue
        repo_type, repo_id, revision = repo
        repos.setdefault((repo_type, repo_id), {})[revision] = None
        candidates = names.setdefault((repo_type, repo_id), [repo_id])
        written = _written_id(ref)
        if written and written not in candidates:
            candidates.append(written)  # the cache folder is keyed on the id as written in code
        key = meta_key(ref)
        assert key is not None
        if key not in keys or (repo_type == "model" and keys[key][0] == "dataset"):
            keys[key] = repo
    if not repos:
        return MetadataResult(by_key=modelscope, untracked=untracked, online=online)

    endpoint = (endpoint or default_endpoint()).rstrip("/")
    notes: list[str] = []
    errors: list[str] = []
    if online and os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        notes.append("HF_HUB_OFFLINE is set, so the Hub was not contacted; unset it to use --online")
        online = False
    hf_cache = HFCache(hf_cache_roots)
    store = MetaStore(Path(cache_dir).expanduser() if cache_dir else default_cache_dir(), endpoint,
                      ttl=ttl) if use_store else None

    local: dict[tuple[str, str, str | None], ModelMeta | None] = {}
    cached: dict[tuple[str, str, str | None], ModelMeta | None] = {}
    to_fetch: dict[tuple[str, str], list[str | None]] = {}
    for (repo_type, repo_id), revisions in repos.items():
        for rev in revisions:
            k = (repo_type, repo_id, rev)
            local[k] = hf_cache.lookup(repo_type, names[(repo_type, repo_id)], rev)
            cached[k] = store.get(repo_type, repo_id, rev) if store else None
            if online and cached[k] is None:
                to_fetch.setdefault((repo_type, repo_id), []).append(rev)

    fetched: dict[tuple[str, str, str | None], ModelMeta] = {}
    requests = 0
    if to_fetch:
        from .client import DEFAULT_RETRIES, DEFAULT_TIMEOUT, HubClient

        if token is None:  # what huggingface_hub would send: HF_TOKEN, else the saved login
            token = os.environ.get("HF_TOKEN") or None
            if token is None and client is None:
                try:
                    from huggingface_hub import get_token

                    token = get_token()
                except Exception:  # noqa: BLE001 - no saved token is fine
                    token = None
        if store is not None and token:
            store = MetaStore(store.root, endpoint, ttl=ttl, secrets=[token])  # refuses to write it, ever
        hub = client or HubClient(endpoint, token, timeout=timeout or DEFAULT_TIMEOUT,
                                  retries=DEFAULT_RETRIES if retries is None else retries)
        items = list(to_fetch.items())
        workers = max(1, min(MAX_WORKERS, len(items)))

        def one(item):
            (repo_type, repo_id), revisions = item
            try:
                return hub.lookup(repo_type, repo_id, revisions)
            except Exception as exc:  # noqa: BLE001 - a bug or an odd answer costs this repo, not the run
                failed = ModelMeta(repo_id=repo_id, requested=repo_id, revision=None, source="hub",
                                   repo_type=repo_type, status="error",
                                   message=f"{repo_id!r}: unexpected {type(exc).__name__} while reading the answer")
                return {rev: replace(failed, revision=rev) for rev in revisions}

        from concurrent.futures import ThreadPoolExecutor  # here: threads (and logging) only for lookups

        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(one, items))
        for ((repo_type, repo_id), _), answer in zip(items, answers):
            for rev, meta in answer.items():
                fetched[(repo_type, repo_id, rev)] = meta
                if meta.status == "error":
                    if meta.message and meta.message not in errors:
                        errors.append(meta.message)
                elif store is not None:
                    store.put(meta)
        requests = getattr(hub, "requests", 0)

    by_key: dict[Key, ModelMeta] = dict(modelscope)
    unchecked: list[Key] = []
    for key, k in keys.items():
        meta = _combine([local.get(k), cached.get(k), fetched.get(k)])
        if meta is None:
            unchecked.append(key)
        else:
            by_key[key] = meta
    return MetadataResult(by_key=by_key, notes=tuple(notes), errors=tuple(errors), unchecked=tuple(unchecked),
                          untracked=untracked, online=online, requests=requests)
