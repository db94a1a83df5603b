"""A fake Hugging Face Hub over HTTP on 127.0.0.1, serving the recorded repos in testdata/hub/*.json.

The real huggingface_hub client is pointed at it (HfApi(endpoint=...) / HF_ENDPOINT), so its request
paths, headers, redirects and error mapping are exercised. Routes (what huggingface_hub 2.4.0 requests):

    GET  /api/{models|datasets}/{id}                       repo info at the default branch (?blobs=True adds
    GET  /api/{models|datasets}/{id}/revision/{rev}        file sizes and LFS data to `siblings`)
    GET  /api/{models|datasets}/{id}/refs                  branches, tags, converts
    GET  /api/{models|datasets}/{id}/commits/{rev}         commits, newest first (one page)
    GET|HEAD /{id}/resolve/{rev}/{path}                    a recorded file (`files`)

A recorded repo (testdata/hub/<name>.json) is `{"repo_type", "id", "info", ...}` with optional
`aliases` (old ids answered with a 307 redirect to the new one: a renamed repo), `error`
(`{"status", "code", "message", "status_with_token"}`: 404 deleted, 401/403 gated, 500 broken),
`private` (served only to requests that carry a token), `delay` (seconds before answering),
`revisions` (rev -> fields that differ from `info`), `refs`, `commits` and `files`.

The request log never holds a credential: only whether an Authorization header was sent and its sha256.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from example_project import write_example_project

HUB_DATA = Path(__file__).resolve().parents[1] / "testdata" / "hub"
SHA40_LEN = 40


def load_repos(directory: Path = HUB_DATA) -> dict[str, dict]:
    """Recorded repos by fixture name (the file stem)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authorized: bool
    auth_sha256: str | None
    status: int = 0


@dataclass
class FakeHub:
    url: str
    repos: dict[str, dict]
    log: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.log.clear()

    def sent_token(self, token: str) -> bool:
        """Whether some request carried exactly `Authorization: Bearer <token>` (compared by hash)."""
        digest = hashlib.sha256(f"Bearer {token}".encode()).hexdigest()
        return any(r.auth_sha256 == digest for r in self.log)

    def paths(self) -> list[str]:
        return [r.path for r in self.log]


def _index(repos: dict[str, dict]) -> tuple[dict[tuple[str, str], dict], dict[tuple[str, str], str]]:
    by_id: dict[tuple[str, str], dict] = {}
    aliases: dict[tuple[str, str], str] = {}
    for repo in repos.values():
        kind = repo.get("repo_type", "model") + "s"
        by_id[(kind, repo["id"].lower())] = repo
        for old in repo.get("aliases", []):
            aliases[(kind, old.lower())] = repo["id"]
    return by_id, aliases


def _siblings(siblings: list[dict], blobs: bool) -> list[dict]:
    if blobs:
        return siblings
    return [{"rfilename": s["rfilename"]} for s in siblings]


def make_handler(hub: FakeHub):
    by_id, aliases = _index(hub.repos)

    class Handler(BaseHTTPRequestHandler):
        server_version = "fake-hub/1"

        _entry: Request | None = None  # this request's log entry

        def log_message(self, *args) -> None:  # quiet
            pass

        # -- responses ----------------------------------------------------------------------------
        def _send(self, status: int, body=None, headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            # Logged before a byte is sent: a client that got the answer may read the log at once.
            self._status = status
            if self._entry is not None:
                self._entry.status = status
            self.send_response(status)
            ctype = "application/json" if not isinstance(body, bytes) else "application/octet-stream"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Request-Id", f"fake-{time.monotonic_ns()}")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _error(self, status: int, code: str | None, message: str) -> None:
            headers = {"X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            self._send(status, {"error": message}, headers)

        # -- routing ------------------------------------------------------------------------------
        def do_HEAD(self) -> None:
            self._handle()

        def do_GET(self) -> None:
            self._handle()

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            auth = self.headers.get("Authorization")
            entry = Request(self.command, unquote(parts.path), parse_qs(parts.query), auth is not None,
                            hashlib.sha256(auth.encode()).hexdigest() if auth else None)
            with hub.lock:
                hub.log.append(entry)
            self._status = 0
            self._entry = entry
            try:
                self._route(parts.path, parse_qs(parts.query), auth is not None)
            finally:
                entry.status = self._status

        def _find(self, kind: str, segments: list[str]) -> tuple[dict | None, str | None, list[str]]:
            """(repo, alias target, remaining segments) for /api/<kind>/<id...>/<rest>."""
            for n in (2, 1):
                if len(segments) < n:
                    continue
                rid = "/".join(segments[:n]).lower()
                if (kind, rid) in by_id:
                    return by_id[(kind, rid)], None, segments[n:]
                if (kind, rid) in aliases:
                    return None, aliases[(kind, rid)], segments[n:]
            return None, None, segments

        def _route(self, path: str, query: dict, authorized: bool) -> None:
            segments = [s for s in path.split("/") if s]
            if len(segments) >= 3 and segments[0] == "api" and segments[1] in ("models", "datasets"):
                kind = segments[1]
                repo, target, rest = self._find(kind, segments[2:])
                if target is not None:  # a renamed repo: the Hub redirects the old id
                    location = f"/api/{kind}/{target}" + ("/" + "/".join(rest) if rest else "")
                    if urlsplit(self.path).query:
                        location += "?" + urlsplit(self.path).query
                    self._send(307, {"message": "Moved"}, {"Location": location})
                    return
                if repo is None:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return
                if not self._gate(repo, authorized):
                    return
                self._api(repo, rest, query)
                return
            # /{id}/resolve/{rev}/{path}
            if "resolve" in segments:
                i = segments.index("resolve")
                repo, target, _ = self._find("models", segments[:i])
                if repo is None or len(segments) < i + 3:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return
                if not self._gate(repo, authorized):
                    return
                rev, name = unquote(segments[i + 1]), "/".join(segments[i + 2:])
                files = repo.get("files", {})
                if name not in files:
                    self._error(404, "EntryNotFound", "Entry not found")
                    return
                content = files[name]
                data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
                sha = self._revision_sha(repo, rev) or repo["info"].get("sha", "")
                self._send(200, data, {"X-Repo-Commit": sha, "ETag": f'"{hashlib.sha1(data).hexdigest()}"'})
                return
            self._error(404, None, "Not found")

        def _gate(self, repo: dict, authorized: bool) -> bool:
            delay = repo.get("delay")
            if delay:
                time.sleep(float(delay))
            error = repo.get("error")
            if error:
                status = error.get("status_with_token", error["status"]) if authorized else error["status"]
                message = error.get("message", "error")
                if error.get("echo_auth"):  # a careless server that echoes the credential it was sent
                    message += f" (received Authorization: {self.headers.get('Authorization')})"
                self._error(status, error.get("code"), message)
                return False
            if repo.get("private") and not authorized:
                # The Hub does not reveal private repos: same answer as a missing one.
                self._error(401, "RepoNotFound", "Repository not found")
                return False
            return True

        def _revision_sha(self, repo: dict, rev: str) -> str | None:
            if rev in repo.get("revisions", {}):
                default = rev if len(rev) == SHA40_LEN else repo["info"].get("sha")
                return repo["revisions"][rev].get("sha", default)
            for ref in [*repo.get("refs", {}).get("branches", []), *repo.get("refs", {}).get("tags", [])]:
                if ref["name"] == rev:
                    return ref["targetCommit"]
            known = [repo["info"].get("sha"), *(c["id"] for c in repo.get("commits", []))]
            for sha in known:
                if sha and (sha == rev or (len(rev) >= 7 and sha.startswith(rev))):
                    return sha
            return None

        def _info(self, repo: dict, rev: str | None, query: dict) -> dict | None:
            info = copy.deepcopy(repo["info"])
            if rev is not None and rev != "main":
                sha = self._revision_sha(repo, rev)
                if sha is None:
                    return None
                overrides = repo.get("revisions", {}).get(rev)
                if overrides is None:
                    overrides = next((o for key, o in repo.get("revisions", {}).items()
                                      if sha in (key, o.get("sha"))), {})
                info.update(copy.deepcopy(overrides))
                info["sha"] = sha
            info["siblings"] = _siblings(info.get("siblings", []), query.get("blobs", ["false"])[0].lower() == "true")
            return info

        def _api(self, repo: dict, rest: list[str], query: dict) -> None:
            if not rest:
                self._send(200, self._info(repo, None, query))
                return
            if rest[0] == "revision" and len(rest) >= 2:
                rev = unquote("/".join(rest[1:]))
                info = self._info(repo, rev, query)
                if info is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                    return
                self._send(200, info)
                return
            if rest == ["refs"]:
                refs = {"branches": [], "tags": [], "converts": [], **repo.get("refs", {})}
                if "include_prs" in query:
                    refs.setdefault("pullRequests", [])
                self._send(200, refs)
                return
            if rest[0] == "commits" and len(rest) >= 2:
                rev = unquote("/".join(rest[1:]))
                if rev != "main" and self._revision_sha(repo, rev) is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                    return
                commits = repo.get("commits", [])
                if rev != "main":
                    sha = self._revision_sha(repo, rev)
                    ids = [c["id"] for c in commits]
                    commits = commits[ids.index(sha):] if sha in ids else []
                self._send(200, commits)
                return
            self._error(404, None, "Not found")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (a timeout test) is not an error of the fake hub


def start_fake_hub(repos: dict[str, dict] | None = None) -> tuple[FakeHub, _Server]:
    repos = load_repos() if repos is None else repos
    hub = FakeHub(url="", repos=repos)
    server = _Server(("127.0.0.1", 0), make_handler(hub))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="fake-hub", daemon=True).start()
    return hub, server


@pytest.fixture(scope="session")
def _fake_hub_server() -> Iterator[FakeHub]:
    hub, server = start_fake_hub()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_hub(_fake_hub_server: FakeHub) -> Iterator[FakeHub]:
    """The fake hub (session-wide server) with an empty request log."""
    _fake_hub_server.reset()
    yield _fake_hub_server
    _fake_hub_server.reset()


def closed_port_url() -> str:
    """An http://127.0.0.1 URL nothing listens on: connections are refused (a network failure)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def quoted(rev: str) -> str:
    return quote(rev, safe="")


def check_with_hub(root: Path, hub: FakeHub, files: dict[str, str], *, requirements: str | None = None,
                   select: tuple[str, ...] | None = ("ALL",), fixtures: tuple[str, ...] = (), token: str | None = None):
    """Like conftest.check_files, with hub metadata from the fake hub (online, no local HF cache)."""
    from ptm_lint import api
    from ptm_lint.config import Config

    missing = [name for name in fixtures if name not in hub.repos]
    assert not missing, f"no recorded hub repo {missing} in testdata/hub/"
    write_example_project(root, files, requirements)
    settings = api.load_settings([root], config=Config(select=select), root=root, online=True,
                                 cache_dir=root.parent / f"{root.name}-ptm-cache",
                                 env={"HF_ENDPOINT": hub.url, **({"HF_TOKEN": token} if token else {})})
    return list(api.check(settings, suggest_fixes=False).report.findings)
