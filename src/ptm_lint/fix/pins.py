"""Where a pin comes from: the commit / version a reference should be frozen to.

A pin is never invented. It is read from

0. the model lock (``ptm-lint.lock``), when it holds the artifact the call loads at the revision the
   call asks for: the commit the project reviewed and locked (``locked``: lock.check.lock_pin);
1. the local Hugging Face cache that the loader itself would use (``refs/<revision>`` holds the
   commit sha the last download on this machine resolved ``revision`` to), for the id as written
   and for its canonical (namespaced) id; a short sha is completed only when exactly one cached
   snapshot starts with it;
2. resolvers registered with :func:`register_resolver` (ptm-lint's metadata cache plugs in here);
3. the network, only when asked (``--online``): the Hugging Face Hub API (honouring ``HF_ENDPOINT``)
   and the GitHub API for torch.hub repos.

Kaggle / TF Hub handles get the highest version present in the kagglehub cache.

The public entry point is :func:`resolve_pin` ``(reference) -> Pin | None``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import Reference
from ..hub.hf_cache import hub_cache_root

SHA40 = re.compile(r"[0-9a-f]{40}")
SHORT_SHA = re.compile(r"[0-9a-f]{7,39}")
REPO_ID = re.compile(r"(?:[\w.-]{1,96}/)?[\w.-]{1,96}")
KAGGLE_HANDLE = re.compile(r"[\w.-]+/[\w.-]+/[\w.-]+/[\w.-]+")


@dataclass(frozen=True, slots=True)
class Pin:
    """A resolved pin: `value` is a 40-hex sha (HF, torch.hub) or a version number (Kaggle)."""

    value: str
    source: str  # human-readable: "local Hugging Face cache (…/refs/main)", "Hugging Face Hub", …
    resolved: str  # what was resolved: "main", "v1.0", "latest version", …
    offline: bool = True  # read from a local cache (freezes what runs on this machine today)


Resolver = Callable[[Reference], "Pin | None"]
_RESOLVERS: list[Resolver] = []


def register_resolver(resolver: Resolver) -> None:
    """Add a pin source consulted after the local HF cache (e.g. ptm-lint's metadata cache)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


# -- Hugging Face cache ---------------------------------------------------------------------------
def _repo_folder(repo_id: str, repo_type: str) -> str:
    return f"{repo_type}s--" + repo_id.replace("/", "--")


def _read_ref(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if SHA40.fullmatch(text) else None


def hf_cached_sha(repo_ids: Sequence[str], revision: str | None, repo_type: str = "model",
                  root: Path | None = None) -> Pin | None:
    """The sha the local cache maps `revision` (default "main") to, for the first id that has it."""
    root = root or hub_cache_root()
    rev = revision or "main"
    if SHA40.fullmatch(rev) or ".." in rev.split("/") or rev.startswith("/"):
        return None
    for repo_id in dict.fromkeys(i for i in repo_ids if i and REPO_ID.fullmatch(i)):
        folder = root / _repo_folder(repo_id, repo_type)
        if not folder.is_dir():
            continue
        sha = _read_ref(folder / "refs" / rev)
        if sha:
            return Pin(sha, f"local Hugging Face cache ({folder.name}/refs/{rev})", rev)
        if SHORT_SHA.fullmatch(rev):
            try:
                found = [p.name for p in (folder / "snapshots").iterdir() if p.name.startswith(rev)]
            except OSError:
                found = []
            found = [name for name in found if SHA40.fullmatch(name)]
            if len(found) == 1:
                return Pin(found[0], f"local Hugging Face cache ({folder.name}/snapshots)", rev)
    return None


def hf_online_sha(repo_ids: Sequence[str], revision: str | None, repo_type: str = "model") -> Pin | None:
    """Ask the Hub (HF_ENDPOINT honoured) which commit `revision` is now."""
    try:
        from huggingface_hub import HfApi
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    api = HfApi()
    for repo_id in dict.fromkeys(i for i in repo_ids if i and REPO_ID.fullmatch(i)):
        try:
            info = api.repo_info(repo_id, revision=revision, repo_type=repo_type, timeout=10)
        except Exception:  # noqa: BLE001 - any failure means "not known", never a guess
            continue
        sha = getattr(info, "sha", None)
        if isinstance(sha, str) and SHA40.fullmatch(sha):
            return Pin(sha, "Hugging Face Hub", revision or "main", offline=False)
    return None


# -- torch.hub (GitHub) ---------------------------------------------------------------------------
def github_online_sha(owner_repo: str, ref: str | None) -> Pin | None:
    """The commit a GitHub branch/tag (default: the default branch) points to now."""
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", owner_repo):
        return None
    base = os.environ.get("PTM_LINT_GITHUB_API", "https://api.github.com").rstrip("/")
    import urllib.error  # here: only --online pins talk to GitHub (~17 ms of imports otherwise)
    import urllib.parse
    import urllib.request

    url = f"{base}/repos/{owner_repo}/commits/{urllib.parse.quote(ref or 'HEAD', safe='')}"
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.github.sha",
                                                   "User-Agent": "ptm-lint"})
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - https/http only
            text = response.read(200).decode("ascii", "replace").strip()
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if not SHA40.fullmatch(text):
        try:
            text = json.loads(text).get("sha", "")
        except (ValueError, AttributeError):
            return None
    if SHA40.fullmatch(text or ""):
        return Pin(text, "GitHub API", ref or "default branch", offline=False)
    return None


# -- Kaggle ---------------------------------------------------------------------------------------
def kagglehub_cache_root() -> Path:
    if os.environ.get("KAGGLEHUB_CACHE"):
        return Path(os.environ["KAGGLEHUB_CACHE"]).expanduser()
    return Path("~/.cache/kagglehub").expanduser()


def kaggle_cached_version(handle: str, root: Path | None = None) -> Pin | None:
    """Highest version of owner/model/framework/variation present in the kagglehub cache."""
    if not KAGGLE_HANDLE.fullmatch(handle):
        return None
    base = (root or kagglehub_cache_root()) / "models"
    current = base
    for part in handle.split("/"):
        try:
            names = {p.name.lower(): p.name for p in current.iterdir() if p.is_dir()}
        except OSError:
            return None
        if part.lower() not in names:
            return None
        current = current / names[part.lower()]
    try:
        versions = [int(p.name) for p in current.iterdir() if p.is_dir() and p.name.isdigit()]
    except OSError:
        return None
    if not versions:
        return None
    best = max(versions)
    return Pin(str(best), f"kagglehub cache ({handle}/{best})", "latest version")


# -- entry point ----------------------------------------------------------------------------------
def resolve_pin(ref: Reference, *, online: bool = False, revision: str | None = None,
                lookup: Callable | None = None, known: Callable | None = None,
                locked: Callable | None = None) -> Pin | None:
    """The pin for `ref` (its revision, or `revision` when given), or None when nothing is known.

    `locked(ref, revision) -> Pin | None` answers from the model lock, before anything else;
    `lookup(references) -> hub.resolver.MetadataResult` replaces the default metadata lookup
    (the CLI passes one honouring --cache-dir / --no-cache); `known(ref, revision) -> Pin | None`
    answers from metadata the run already has, after the local cache and before any lookup."""
    rev = revision if revision is not None else ref.revision
    if locked is not None:
        pin = locked(ref, rev)
        if pin is not None:
            return pin
    if ref.hub == "huggingface" and ref.model:
        # The cache folder is keyed on the id as written; a renamed legacy id shares its history.
        ids = [ref.model, ref.canonical or "", *_legacy_names(ref.canonical)]
        repo_type = "dataset" if ref.role == "dataset" else "model"
        pin = hf_cached_sha(ids, rev, repo_type)
        if pin is None:
            pin = _delegated(ref)
        if pin is None and known is not None:
            pin = known(ref, rev)
        if pin is None:
            pin = _metadata_sha(ref, rev, online, lookup)
        return pin
    if ref.hub == "torch_hub" and ref.canonical:
        pin = _delegated(ref)
        if pin is None and online:
            pin = github_online_sha(ref.canonical, rev)
        return pin
    if ref.hub in ("kaggle", "tf_hub") and ref.canonical:
        pin = kaggle_cached_version(ref.canonical) if ref.hub == "kaggle" else None
        return pin or _delegated(ref)
    return None


def _metadata_sha(ref: Reference, revision: str | None, online: bool, lookup: Callable | None = None) -> Pin | None:
    """ptm-lint's metadata cache, then (with --online) the Hub: hub.resolver.lookup_all."""
    import dataclasses

    probe = dataclasses.replace(ref, revision=revision, pin="mutable" if revision is None else "weak")
    try:
        if lookup is None:
            try:
                from ..hub.resolver import lookup_all
            except ImportError:  # pragma: no cover
                return hf_online_sha([ref.model or "", ref.canonical or ""], revision) if online else None
            meta = lookup_all([probe], online=online).get(probe)
        else:
            meta = lookup([probe]).get(probe)
    except Exception:  # noqa: BLE001 - a metadata failure means "not known"
        return None
    return pin_from_meta(meta, revision)


def pin_from_meta(meta, revision: str | None) -> Pin | None:
    """A Pin from a hub.model.ModelMeta whose revision resolved to a commit, else None."""
    sha = getattr(meta, "sha", None)
    if meta is None or getattr(meta, "status", "ok") != "ok" or not isinstance(sha, str) or not SHA40.fullmatch(sha):
        return None
    source = getattr(meta, "source", "")
    where = {"hf-cache": "local Hugging Face cache", "ptm-cache": "ptm-lint metadata cache",
             "hub": "Hugging Face Hub"}.get(source, source or "hub metadata")
    return Pin(sha, where, revision or "main", offline=source != "hub")


def _legacy_names(canonical: str | None) -> list[str]:
    from ..resolve.hf_ids import LEGACY_IDS

    return [old for old, new in LEGACY_IDS.items() if new == canonical] if canonical else []


def _delegated(ref: Reference) -> Pin | None:
    for resolver in _RESOLVERS:
        try:
            pin = resolver(ref)
        except Exception:  # noqa: BLE001 - a broken source must not break fixing
            continue
        if pin is not None:
            return pin
    return None


def how_to_pin(ref: Reference) -> str:
    """What the user can do when no pin is known (the finding's hint). It names the canonical id:
    the one the Hub and the caches know (`google-bert/bert-base-uncased`, not `bert-base-uncased`)."""
    name = ref.canonical or ref.model or "<id>"
    if ref.hub == "huggingface":
        kind = " --repo-type dataset" if ref.role == "dataset" else ""
        return (f"no commit sha for {name!r} is known locally: run `hf download {name}{kind}` "
                f"to cache it, or `ptm-lint check --fix --online`")
    if ref.hub == "torch_hub":
        return f"no commit of {name!r} is known locally: run `ptm-lint check --fix --online` to pin it"
    if ref.hub == "kaggle":
        return f"no version of {name!r} is in the kagglehub cache: download it with kagglehub, then re-run `ptm-lint check --fix`"
    return "ptm-lint knows no version to pin it to"
