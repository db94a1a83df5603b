"""The Hub API, through huggingface_hub (imported lazily: only `--online` runs pay for it).

Calls per repo: `HfApi.model_info(files_metadata=True)` (or `dataset_info`) at the default branch, once more per
pinned revision that is not the default head, `HfApi.list_repo_refs` when a revision names a branch or tag,
and — only when a pin differs from the default head — the default branch's commit list, read a bounded
number of pages (`HfApi.list_repo_commits` would page through the whole history with huggingface_hub's
own 5 retries of up to 8 s each; ptm-lint needs only the commits since the pin, with its own bounds).

- The endpoint is explicit (`HfApi(endpoint=...)`): HF_ENDPOINT is read by the caller at run time, not
  from `huggingface_hub.constants.ENDPOINT`, which is frozen when huggingface_hub is first imported.
- Every request has a timeout; transient failures (timeouts, 429, 5xx) are retried a bounded number of
  times with exponential backoff. A connection failure (refused, no route, DNS) is not retried: the
  endpoint is marked unreachable for every client in the process for a few minutes and the remaining
  lookups are skipped (status "error"), so a run without network fails fast.
- Exceptions map to ModelMeta.status; messages are built here, never copied from request objects, and any
  occurrence of the token is masked. The token is only ever sent to the configured endpoint.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from .. import __version__
from .hf_cache import SHA40, auto_map_repos, card_fields
from .model import FileInfo, ModelMeta

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
MAX_COMMIT_PAGES = 5
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
UNREACHABLE_FOR = 300.0  # seconds an endpoint that refused a connection is not tried again (per process)
_UNREACHABLE: dict[str, tuple[float, str]] = {}  # endpoint -> (when, why): shared by every HubClient


class _Transient(Exception):
    """A failure worth retrying: timeout, connection error, 429/5xx."""

    def __init__(self, message: str, *, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection


class _Final(Exception):
    """A definitive answer from the Hub that is not success."""

    def __init__(self, status: str, message: str, *, repo_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.repo_id = repo_id


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value if isinstance(value, str) else None


class HubClient:
    """Look up repos on one Hub endpoint."""

    def __init__(self, endpoint: str, token: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF,
                 now: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._token = token or None
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.now = now
        self.sleep = sleep
        self.unreachable: str | None = None  # why the endpoint cannot be reached, once known
        self.requests = 0
        self._api = None

    # -- plumbing ---------------------------------------------------------------------------------
    def _hf(self):
        if self._api is None:
            from huggingface_hub import HfApi

            self._api = HfApi(endpoint=self.endpoint, token=self._token, library_name="ptm-lint",
                              library_version=__version__)
        return self._api

    def scrub(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "****")
        return re.sub(r"hf_[A-Za-z0-9]{8,}", "hf_****", text)

    def _session(self):
        from huggingface_hub.utils import get_session

        session = get_session()
        try:  # httpx2 (huggingface_hub >= 1.0): the shared client's default timeout, for calls without one
            session.timeout = self.timeout
        except (AttributeError, TypeError, ValueError):
            pass
        return session

    def _down(self) -> str | None:
        if self.unreachable:
            return self.unreachable
        seen = _UNREACHABLE.get(self.endpoint)
        if seen is not None and self.now() - seen[0] < UNREACHABLE_FOR:
            self.unreachable = seen[1]
        return self.unreachable

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one request with bounded retries; map huggingface_hub exceptions to _Final/_Transient."""
        if self._down():
            raise _Transient(self.unreachable or "", connection=True)
        attempt = 0
        while True:
            attempt += 1
            try:
                self._session()
                self.requests += 1
                return fn()
            except _Final:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below; nothing escapes unclassified
                failure = self._classify(exc, what)
                if isinstance(failure, _Final):
                    raise failure from None
                if failure.connection:
                    self.unreachable = str(failure)
                    _UNREACHABLE[self.endpoint] = (self.now(), self.unreachable)
                    raise failure from None
                if attempt > self.retries:
                    raise failure from None
                self.sleep(min(8.0, self.backoff * (2 ** (attempt - 1))))

    def _classify(self, exc: Exception, what: str) -> _Final | _Transient:
        from huggingface_hub import utils as hf_utils

        status = getattr(getattr(exc, "response", None), "status_code", None)
        server = getattr(exc, "server_message", None)
        detail = f": {self.scrub(str(server).strip())}" if server else ""
        if isinstance(exc, hf_utils.GatedRepoError):
            return _Final("gated", f"{what} is gated: access requires accepting its conditions on the Hub "
                                   f"and a token with access (HTTP {status})")
        if isinstance(exc, hf_utils.RevisionNotFoundError):
            return _Final("revision_not_found", f"{what}: the revision does not exist (HTTP {status})")
        if isinstance(exc, hf_utils.DisabledRepoError):
            return _Final("disabled", f"{what} has been disabled by the Hub (HTTP {status})")
        if isinstance(exc, hf_utils.RepositoryNotFoundError):
            return _Final("not_found", f"{what} was not found (HTTP {status}): deleted, never existed, or "
                                       f"private to accounts you cannot act as")
        if isinstance(exc, hf_utils.HfHubHTTPError) or status is not None:
            if status in TRANSIENT_STATUS:
                return _Transient(f"{what}: the Hub answered HTTP {status}{detail}")
            if status == 403:
                return _Final("gated", f"{what}: access forbidden (HTTP 403){detail}")
            return _Final("error", f"{what}: the Hub answered HTTP {status}{detail}")
        name = type(exc).__name__
        text = self.scrub(str(exc).strip())[:200]
        lowered = name.lower()
        if "timeout" in lowered:
            return _Transient(f"{what}: no answer from {self.endpoint} within {self.timeout:g} s")
        if any(k in lowered for k in ("connect", "network", "protocol", "proxy", "ssl")) or isinstance(exc, OSError):
            return _Transient(f"cannot reach the Hub at {self.endpoint} ({name}: {text})", connection=True)
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            return _Final("error", f"{what}: unexpected answer from the Hub ({name}: {text})")
        return _Transient(f"{what}: {name}: {text}")

    # -- requests ---------------------------------------------------------------------------------
    def _info(self, repo_type: str, repo_id: str, revision: str | None):
        api = self._hf()
        what = f"{repo_type} {repo_id!r}" + (f" at {revision!r}" if revision else "")
        getter = api.dataset_info if repo_type == "dataset" else api.model_info
        return self._call(what, lambda: getter(repo_id, revision=revision, files_metadata=True,
                                               timeout=self.timeout))

    def _refs(self, repo_type: str, repo_id: str):
        api = self._hf()
        return self._call(f"refs of {repo_id!r}", lambda: api.list_repo_refs(repo_id, repo_type=repo_type))

    def _commits(self, repo_type: str, repo_id: str, branch: str) -> tuple[list[tuple[str, str | None]], bool]:
        """(commit id, date) of the default branch, newest first, and whether the list is complete."""
        from urllib.parse import quote

        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

        headers = build_hf_headers(token=self._token, library_name="ptm-lint", library_version=__version__)
        url: str | None = f"{self.endpoint}/api/{repo_type}s/{repo_id}/commits/{quote(branch, safe='')}"
        out: list[tuple[str, str | None]] = []
        for _ in range(MAX_COMMIT_PAGES):
            assert url is not None

            def get(url=url):
                response = self._session().get(url, headers=headers, timeout=self.timeout)
                hf_raise_for_status(response)
                return response

            response = self._call(f"commits of {repo_id!r}", get)
            page = response.json()
            if not isinstance(page, list):
                raise _Final("error", f"commits of {repo_id!r}: unexpected answer from the Hub")
            for item in page:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    out.append((item["id"], item.get("date") if isinstance(item.get("date"), str) else None))
            url = (getattr(response, "links", None) or {}).get("next", {}).get("url")
            if not url:
                return out, True
            if not url.startswith(self.endpoint + "/"):
                return out, False  # never follow a page link (and send the token) off the endpoint
        return out, False

    # -- the lookup -------------------------------------------------------------------------------
    def lookup(self, repo_type: str, repo_id: str, revisions: Sequence[str | None]) -> dict[str | None, ModelMeta]:
        """ModelMeta for each revision of one repo (None: the default branch). Never raises."""
        now = self.now()
        base = ModelMeta(repo_id=repo_id, requested=repo_id, revision=None, source="hub", repo_type=repo_type,
                         fetched_at=now)
        try:
            default = self._to_meta(self._info(repo_type, repo_id, None), base)
        except _Final as exc:
            failed = replace(base, status=exc.status, message=str(exc))
            return {rev: replace(failed, revision=rev) for rev in revisions}
        except _Transient as exc:
            failed = replace(base, status="error", message=str(exc), fetched_at=None)
            return {rev: replace(failed, revision=rev) for rev in revisions}
        default = replace(default, default_sha=default.sha, ref_kind="branch")
        out: dict[str | None, ModelMeta] = {}
        refs = None
        if any(rev is not None and not SHA40.fullmatch(rev) for rev in revisions):
            try:
                refs = self._refs(repo_type, default.repo_id)
            except (_Final, _Transient):
                refs = None  # only used to tell branches from tags: not worth failing for
        commits: tuple[list[tuple[str, str | None]], bool] | None = None
        for rev in revisions:
            if rev is None:
                out[rev] = default
                continue
            kind = _ref_kind(rev, refs)
            if rev == default.sha or rev == "main":
                out[rev] = replace(default, revision=rev, ref_kind=kind, commits_behind=0,
                                   on_default_branch=True)
                continue
            try:
                meta = self._to_meta(self._info(repo_type, default.repo_id, rev), base)
            except _Final as exc:
                out[rev] = replace(default, revision=rev, status=exc.status, message=str(exc), sha=None,
                                   files=None, ref_kind=kind)
                continue
            except _Transient as exc:
                out[rev] = replace(default, revision=rev, status="error", message=str(exc), sha=None,
                                   files=None, fetched_at=None, ref_kind=kind)
                continue
            meta = replace(meta, revision=rev, ref_kind=kind, default_sha=default.sha,
                           renamed_to=default.renamed_to, gated=default.gated if meta.gated is None else meta.gated)
            if meta.sha and default.sha and meta.sha != default.sha:
                if commits is None:
                    try:
                        commits = self._commits(repo_type, default.repo_id, "main")
                    except (_Final, _Transient):
                        commits = ([], False)
                meta = _drift(meta, *commits)
            elif meta.sha and meta.sha == default.sha:
                meta = replace(meta, commits_behind=0, on_default_branch=True)
            out[rev] = meta
        if commits and commits[0]:
            head_date = commits[0][0][1]
            out = {rev: replace(m, default_date=head_date or m.default_date) for rev, m in out.items()}
        return out

    def _to_meta(self, info: Any, base: ModelMeta) -> ModelMeta:
        repo_id = getattr(info, "id", None) or base.requested
        renamed = repo_id if repo_id.lower() != base.requested.lower() else None
        siblings = getattr(info, "siblings", None)
        files = None
        if siblings is not None:
            files = tuple(
                FileInfo(s.rfilename, size=(s.lfs.size if s.lfs else s.size), sha256=(s.lfs.sha256 if s.lfs else None),
                         blob_id=getattr(s, "blob_id", None))
                for s in siblings
            )
        card = getattr(info, "card_data", None)
        card_dict = card.to_dict() if hasattr(card, "to_dict") else (card if isinstance(card, Mapping) else None)
        fields = card_fields(card_dict)
        tags = tuple(t for t in (getattr(info, "tags", None) or ()) if isinstance(t, str))
        if fields.get("license") == "unknown":
            from_tags = [t.split(":", 1)[1] for t in tags if t.startswith("license:")]
            if from_tags:
                fields["license"] = ", ".join(from_tags)
        config = getattr(info, "config", None)
        remote: bool | None = None
        repos: tuple[str, ...] = ()
        if base.repo_type == "model":
            remote = False
            for section in (config or {}, (config or {}).get("tokenizer_config") or {}):
                auto_map = section.get("auto_map") if isinstance(section, Mapping) else None
                if isinstance(auto_map, Mapping) and auto_map:
                    remote = True
                    repos += tuple(r for r in auto_map_repos(auto_map) if r not in repos)
            if "custom_code" in tags:
                remote = True
        card_tags = fields.pop("tags", ())
        return replace(
            base, repo_id=repo_id, renamed_to=renamed, sha=getattr(info, "sha", None),
            gated=getattr(info, "gated", None), private=getattr(info, "private", None),
            disabled=getattr(info, "disabled", None), files=files, requires_remote_code=remote,
            remote_code_repos=repos, last_modified=_iso(getattr(info, "last_modified", None)),
            tags=tags or card_tags,
            pipeline_tag=getattr(info, "pipeline_tag", None) or fields.pop("pipeline_tag", None),
            library_name=getattr(info, "library_name", None) or fields.pop("library_name", None),
            **{k: v for k, v in fields.items() if k not in ("pipeline_tag", "library_name")},
        )


def _ref_kind(rev: str, refs: Any) -> str | None:
    if SHA40.fullmatch(rev):
        return "commit"
    if rev.startswith("refs/pr/"):
        return "pr"
    if refs is not None:
        if any(r.name == rev for r in getattr(refs, "tags", ()) or ()):
            return "tag"
        if any(r.name == rev for r in getattr(refs, "branches", ()) or ()):
            return "branch"
    if re.fullmatch(r"[0-9a-f]{7,39}", rev):
        return "commit"
    return None


def _drift(meta: ModelMeta, commits: list[tuple[str, str | None]], complete: bool) -> ModelMeta:
    for index, (sha, date) in enumerate(commits):
        if sha == meta.sha:
            return replace(meta, commits_behind=index, on_default_branch=True, sha_date=date)
    if complete and commits:
        return replace(meta, on_default_branch=False)
    return meta
