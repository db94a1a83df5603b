"""Build lock entries from the code's references, offline first: code pins → previous lock → HF cache →
ptm-lint's metadata cache → the Hub (only with --online)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .lockfile import SHA40, Entry, Lock, LockedFile, site

Key = tuple[str, str, str, str]  # (hub, kind, id, revision as written or "")
HANDLE_HUBS = ("tf_hub", "kaggle")


class CacheError(Exception):
    """The local Hugging Face cache is damaged (dangling symlinks, blobs of the wrong size): exit 2."""


def artifact_key(ref: Any) -> Key | None:
    """The lock key of a reference, or None when it names no lockable artifact (local, unknown ids, and
    anything shaped like a hub token: a committed lock never copies a credential)."""
    from ..scan.secrets import mask_secrets

    hub = getattr(ref, "hub", None)
    for text in (ref.canonical, ref.model, ref.revision):
        if text and mask_secrets(text) != text:
            return None
    if hub == "huggingface":
        if not ref.canonical:
            return None
        from ..hub.store import valid_repo_id

        if not valid_repo_id(ref.canonical):
            return None
        kind = "dataset" if ref.role == "dataset" else "model"
        # Library-level "revisions" (timm/open_clip tags) are not Hub revisions: the Hub serves the default branch.
        revision = ref.revision if ref.pin != "library" else None
        return ("huggingface", kind, ref.canonical, revision or "")
    if hub == "modelscope" and ref.canonical:
        return ("modelscope", "dataset" if ref.role == "dataset" else "model", ref.canonical, ref.revision or "")
    if hub == "torch_hub" and ref.canonical:
        return ("torch_hub", "repo", ref.canonical, ref.revision or "")
    if hub in HANDLE_HUBS and ref.canonical:
        return (hub, "handle", ref.canonical, ref.revision or "")
    if hub == "url" and (ref.canonical or ref.model):
        return ("url", "url", ref.canonical or ref.model, ref.revision or "")
    return None


def follows_of(revision: str | None) -> str | None:
    """The ref an entry follows on --upgrade: the default branch when the code names none, the branch or
    tag the code names, nothing for a commit."""
    if revision is None:
        return "main"
    return None if SHA40.fullmatch(revision) else revision


@dataclass
class Sources:
    """Where pins and file lists come from; `online` enables the Hub. Holds the clients of one run."""

    hf_roots: Sequence[Path] | None = None  # None: what huggingface_hub uses (HF_HOME / HF_HUB_CACHE)
    store_dir: Path | None = None  # ptm-lint's metadata cache (None: none)
    online: bool = False
    endpoint: str | None = None
    token: str | None = None
    notes: list[str] = field(default_factory=list)
    _hf: Any = None
    _store: Any = None
    _client: Any = None

    def hf(self):
        if self._hf is None:
            from ..hub.hf_cache import HFCache

            self._hf = HFCache(self.hf_roots)
        return self._hf

    def store(self):
        if self._store is None and self.store_dir is not None:
            from ..hub.resolver import default_endpoint
            from ..hub.store import MetaStore

            self._store = MetaStore(self.store_dir, self.endpoint or default_endpoint(),
                                    secrets=[self.token] if self.token else [])
        return self._store

    def client(self):
        if self._client is None:
            from ..hub.client import HubClient
            from ..hub.resolver import default_endpoint

            token = self.token or os.environ.get("HF_TOKEN") or None
            if token is None:
                try:
                    from huggingface_hub import get_token

                    token = get_token()
                except Exception:  # noqa: BLE001 - no saved login is fine
                    token = None
            self._client = HubClient(self.endpoint or default_endpoint(), token)
        return self._client

    def hub_enabled(self) -> bool:
        if self.online and os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
            note = "HF_HUB_OFFLINE is set, so the Hub was not contacted; unset it to use --online"
            if note not in self.notes:
                self.notes.append(note)
            return False
        return self.online

    # -- lookups ------------------------------------------------------------------------------------
    def local(self, repo_type: str, names: Sequence[str], revision: str | None):
        """The HF cache's ModelMeta for `revision` of the repo, or None."""
        return self.hf().lookup(repo_type, list(names), revision)

    def cached(self, repo_type: str, repo_id: str, revision: str | None):
        store = self.store()
        return store.get(repo_type, repo_id, revision) if store is not None else None

    def remote(self, repo_type: str, repo_id: str, revision: str | None):
        """The Hub's answer (fresh), stored in ptm-lint's cache when it succeeded; None when offline."""
        if not self.hub_enabled():
            return None
        meta = self.client().lookup(repo_type, repo_id, [revision]).get(revision)
        store = self.store()
        if meta is not None and meta.status == "ok" and store is not None:
            store.put(meta)
        return meta


@dataclass(frozen=True)
class Wanted:
    """One artifact the code loads: its key, the ids it is written as, and its call sites."""

    key: Key
    names: tuple[str, ...]
    sites: tuple[str, ...]
    pin: str

    @property
    def revision(self) -> str | None:
        return self.key[3] or None


def wanted_from(references: Iterable[Any]) -> dict[Key, Wanted]:
    """The artifacts `references` load, by key (ids as written kept for the HF cache's folder names)."""
    from ..resolve.hf_ids import LEGACY_IDS

    names: dict[Key, list[str]] = {}
    sites: dict[Key, set[str]] = {}
    pins: dict[Key, str] = {}
    for ref in references:
        key = artifact_key(ref)
        if key is None:
            continue
        found = names.setdefault(key, [key[2]])
        written = ref.model[len("hf-hub:"):] if (ref.model or "").startswith("hf-hub:") else ref.model
        if key[0] == "huggingface":
            written = (written or "").split("@")[0]
            for old, new in sorted(LEGACY_IDS.items()):
                if new == key[2] and old not in found:
                    found.append(old)
        if written and written not in found:
            found.append(written)
        sites.setdefault(key, set()).add(site(ref.path, ref.cell, ref.line))
        pins.setdefault(key, ref.pin)
    return {k: Wanted(k, tuple(names[k]), tuple(sorted(sites[k])), pins[k]) for k in sorted(names)}


def unknown_sites(references: Iterable[Any]) -> list[str]:
    """Loads whose artifact cannot be named statically (nothing to lock; PTM107 reports them)."""
    return sorted(site(r.path, r.cell, r.line) for r in references
                  if artifact_key(r) is None and not (r.canonical or r.model) and r.hub != "local"
                  and r.pin not in ("local", "library"))


# -- Hugging Face ---------------------------------------------------------------------------------
def files_of(meta: Any, label: str) -> tuple[LockedFile, ...]:
    """The files to lock from a ModelMeta: the snapshot this machine holds, else the commit's listing.

    Raises CacheError for a snapshot file whose blob is gone (a dangling symlink) or whose blob's size
    differs from the size the commit's listing gives for the same hash."""
    listing = {f.path: f for f in (meta.files or ())}
    cached = tuple(meta.cached_files or ())
    if cached:
        out = []
        for f in cached:
            if f.size is None:
                raise CacheError(f"the Hugging Face cache is damaged: {label}: {f.path!r} is a symlink to a blob "
                                 f"that does not exist; re-download it (`hf download {label.split('@')[0]}`) or "
                                 f"delete the snapshot")
            listed = listing.get(f.path)
            same = listed is not None and ((f.sha256 and listed.sha256 == f.sha256)
                                           or (f.blob_id and listed.blob_id == f.blob_id))
            if same and listed.size is not None and listed.size != f.size:
                raise CacheError(f"the Hugging Face cache is damaged: {label}: {f.path!r} is {f.size} bytes but the "
                                 f"commit lists {listed.size} bytes for that blob (an interrupted or corrupted "
                                 f"download); delete the blob and re-download it")
            out.append(LockedFile(f.path, f.size, f.sha256, None if f.sha256 else f.blob_id))
        return tuple(out)
    return tuple(LockedFile(f.path, f.size, f.sha256, None if f.sha256 else f.blob_id) for f in listing.values())


def _facts(meta: Any) -> dict:
    out: dict = {}
    if getattr(meta, "license", None):
        out["license"] = meta.license
    gated = getattr(meta, "gated", None)
    if gated is False or gated in ("auto", "manual"):
        out["gated"] = gated
    elif gated is True:
        out["gated"] = "auto"
    return out


def _source(meta: Any) -> str:
    return {"hf-cache": "hf-cache", "ptm-cache": "ptm-cache", "hub": "hub"}.get(getattr(meta, "source", ""), "hub")


def _details(want: Wanted, commit: str, sources: Sources, previous: Sequence[Entry]) -> dict:
    """Files, licence and gating of `commit`: HF cache → ptm-lint's cache → previous lock → Hub."""
    repo_type = want.key[1]
    label = f"{want.key[2]}@{commit[:12]}"
    local = sources.local(repo_type, want.names, commit)
    if local is not None and local.sha == commit and (local.cached_files or local.files):
        return {"files": files_of(local, label), **_facts(local)}
    cached = sources.cached(repo_type, want.key[2], commit)
    if cached is not None and cached.status == "ok" and cached.sha == commit and cached.files is not None:
        return {"files": files_of(cached, label), **_facts(cached)}
    for old in previous:
        if old.commit == commit and old.files:
            return {"files": old.files, **({"license": old.license} if old.license else {}),
                    **({"gated": old.gated} if old.gated is not None else {})}
    remote = sources.remote(repo_type, want.key[2], commit)
    if remote is not None and remote.status == "ok" and remote.sha == commit:
        return {"files": files_of(remote, label), **_facts(remote)}
    return {**_facts(local)} if local is not None else {}


def _hf_entry(want: Wanted, sources: Sources, previous: Sequence[Entry], kept: Entry | None,
              gone: Sequence[Entry] = ()) -> Entry:
    """`previous`: the old lock's entries of this id; `gone`: those the code no longer loads (a load whose
    revision was rewritten, e.g. by `check --fix`, hands its branch and commit on)."""
    hub, kind, repo_id, _ = want.key
    rev = want.revision
    base = Entry(hub, kind, repo_id, revision=rev, follows=follows_of(rev), sites=want.sites)
    if rev is not None and SHA40.fullmatch(rev):
        follows = kept.follows if kept is not None else next(
            (o.follows for o in gone if o.commit == rev and o.follows), None)
        return replace(base, commit=rev, source="code", follows=follows, **_details(want, rev, sources, previous))
    if kept is not None and kept.commit:
        details = {} if kept.files else _details(want, kept.commit, sources, previous)
        return replace(kept, sites=want.sites, **details)
    same_ref = [o for o in gone if o.commit and o.follows == base.follows and o.follows]
    if same_ref:  # e.g. revision=None became revision="main": the commit the lock already holds
        old = same_ref[0]
        return replace(base, commit=old.commit, source="lock", files=old.files, license=old.license, gated=old.gated)
    meta = sources.local(kind, want.names, rev)
    if meta is None or not meta.sha:
        meta = sources.cached(kind, repo_id, rev)
    if meta is None or meta.status != "ok" or not meta.sha:
        remote = sources.remote(kind, repo_id, rev)
        if remote is not None:
            meta = remote
    if meta is None:
        where = "the local Hugging Face cache" + ("" if sources.hub_enabled() else " or ptm-lint's metadata cache")
        hint = (f"download it (`hf download {repo_id}{' --repo-type dataset' if kind == 'dataset' else ''}"
                f"{f' --revision {rev}' if rev else ''}`) or run `ptm-lint lock --online`")
        return replace(base, unresolved=f"{rev or 'the default branch'} is not in {where}: {hint}")
    if meta.status != "ok" or not meta.sha or not SHA40.fullmatch(meta.sha):
        return replace(base, unresolved=meta.message or f"the Hub answered {meta.status}")
    details = _details(want, meta.sha, sources, previous) if not (meta.cached_files or meta.files) else {
        "files": files_of(meta, f"{repo_id}@{meta.sha[:12]}"), **_facts(meta)}
    return replace(base, commit=meta.sha, source=_source(meta), **details)


# -- other hubs -----------------------------------------------------------------------------------
def _torch_hub_entry(want: Wanted, sources: Sources, kept: Entry | None) -> Entry:
    rev = want.revision
    # torch.hub's default ref is the repo's default branch, whatever its name: GitHub calls it HEAD.
    base = Entry("torch_hub", "repo", want.key[2], revision=rev, follows="HEAD" if rev is None else follows_of(rev),
                 sites=want.sites)
    if rev is not None and SHA40.fullmatch(rev):
        return replace(base, commit=rev, source="code")
    if kept is not None and kept.commit:
        return replace(kept, sites=want.sites)
    if sources.hub_enabled():
        from ..fix.pins import github_online_sha

        pin = github_online_sha(want.key[2], rev)
        if pin is not None:
            return replace(base, commit=pin.value, source="github")
        return replace(base, unresolved=f"GitHub did not resolve {rev or 'the default branch'} of {want.key[2]}")
    return replace(base, unresolved=f"torch.hub ref {rev or '(default branch)'} is not a commit sha: pin "
                                    f"`{want.key[2]}:<40-hex sha>` in the code or run `ptm-lint lock --online`")


def _handle_entry(want: Wanted, kept: Entry | None) -> Entry:
    hub, kind, handle, _ = want.key
    rev = want.revision
    base = Entry(hub, kind, handle, revision=rev, sites=want.sites)
    if rev:
        return replace(base, version=rev, source="code")
    if kept is not None and kept.version:
        return replace(kept, sites=want.sites)
    if hub == "kaggle":
        from ..fix.pins import kaggle_cached_version

        pin = kaggle_cached_version(handle)
        if pin is not None:
            return replace(base, version=pin.value, source="kaggle-cache", follows="latest")
    return replace(base, follows="latest", unresolved="the handle names no version: add one (`.../<version>`) "
                                                      "or download it with kagglehub")


def _modelscope_entry(want: Wanted, kept: Entry | None) -> Entry:
    hub, kind, repo_id, _ = want.key
    rev = want.revision
    base = Entry(hub, kind, repo_id, revision=rev, follows="master" if rev is None else follows_of(rev),
                 sites=want.sites)
    if rev is not None and SHA40.fullmatch(rev):
        return replace(base, commit=rev, source="code", follows=None)
    if kept is not None and kept.commit:
        return replace(kept, sites=want.sites)
    return replace(base, unresolved=f"ModelScope {rev or 'master'} is not a commit id and ptm-lint does not resolve "
                                    f"ModelScope revisions: pass revision=<commit id> in the code")


def _url_entry(want: Wanted) -> Entry:
    rev = want.revision
    base = Entry("url", "url", want.key[2], revision=rev, sites=want.sites)
    if want.pin == "library":
        return replace(base, unresolved="the weights are chosen by the library version (an enum), not by a "
                                        "revision: lock the library in your package lock")
    if rev:
        return replace(base, hash_prefix=rev, source="code")
    return replace(base, unresolved="the URL's file name carries no hash prefix (`name-<sha256 prefix>.ext`) and "
                                    "the download is not checked (check_hash=True needs one)")


def build_lock(references: Iterable[Any], sources: Sources, previous: Lock | None = None) -> Lock:
    """The lock for `references`: one entry per artifact and revision as written. Never invents a pin:
    what cannot be resolved is an entry with `unresolved` set. Raises CacheError for a damaged cache."""
    old = {e.key: e for e in (previous.entries if previous else ())}
    wanted = wanted_from(references)
    entries: list[Entry] = []
    for key, want in wanted.items():
        kept = old.get(key)
        kept = kept if kept is not None and kept.unresolved is None else None
        same_id = previous.for_id(*key[:3]) if previous else []
        if key[0] == "huggingface":
            gone = [o for o in same_id if o.key not in wanted]
            entries.append(_hf_entry(want, sources, same_id, kept, gone))
        elif key[0] == "torch_hub":
            entries.append(_torch_hub_entry(want, sources, kept))
        elif key[0] in HANDLE_HUBS:
            entries.append(_handle_entry(want, kept))
        elif key[0] == "modelscope":
            entries.append(_modelscope_entry(want, kept))
        else:
            entries.append(_url_entry(want))
    return Lock(tuple(entries)).sorted()
