"""Fetch pinned third-party source trees into a local cache (shared by the real-world evaluation scripts).

Two kinds of source:
- a PyPI release, downloaded with `pip download --no-deps` (one wheel or sdist) and unpacked;
- a GitHub repository at a pinned commit, read from a local bare git mirror (or, when none is
  found, fetched once from github.com into a bare repository in the cache) and extracted with
  `git archive`.

Nothing fetched is imported, built or executed: pip only downloads archives and git only writes
the files of one commit. Archive members that would land outside the target folder, and links,
are refused.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("PTM_LINT_EVAL_CACHE", Path.home() / ".cache" / "ptm-lint-eval"))
MIRRORS_ENV = "PTM_LINT_EVAL_MIRRORS"
_MARKER = ".unpacked"


class FetchError(RuntimeError):
    """A source could not be fetched or unpacked (the message says why)."""


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run `cmd`, capturing text output."""
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return lines[-1][:200] if lines else "no output"


def pip_download(name: str, version: str, dist: str, cache: Path) -> Path:
    """The archive of PyPI `name==version` (dist "wheel" or "sdist") in the cache, downloading it once."""
    dest = cache / "downloads" / f"{name}-{version}-{dist}"
    existing = sorted(p for p in dest.glob("*") if p.is_file()) if dest.is_dir() else []
    if existing:
        return existing[0]
    with _publishing(dest) as work:
        binary = ["--only-binary", ":all:"] if dist == "wheel" else ["--no-binary", ":all:"]
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--ignore-requires-python",
               "--disable-pip-version-check", *binary, f"{name}=={version}", "-d", str(work)]
        proc = run(cmd)
        if proc.returncode != 0 or not any(p.is_file() for p in work.glob("*")):
            raise FetchError(f"pip download failed: {_last_line(proc)}")
    return sorted(p for p in dest.glob("*") if p.is_file())[0]


@contextmanager
def _publishing(target: Path) -> Iterator[Path]:
    """A private folder next to `target` that becomes `target` (one rename) when the block succeeds.

    Several evaluations may share one cache and run at once: each builds its own copy and the first
    to finish publishes it; the others find `target` in place and drop theirs.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield work
        try:
            work.rename(target)
        except OSError:
            if not target.is_dir():  # not a lost race: a real error
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_members(names: list[str]) -> None:
    for name in names:
        if name.startswith(("/", "\\")) or ".." in Path(name).parts:
            raise FetchError(f"refusing to unpack unsafe member {name!r}")


def _extract_tar(tf: tarfile.TarFile, target: Path) -> None:
    _check_members(tf.getnames())
    members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]  # no links, no devices
    # The "data" filter (Python >= 3.10.12) also drops unsafe modes; older patch releases lack it.
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    tf.extractall(target, members=members, **safe)


def _hoist_single_folder(target: Path) -> None:
    """An sdist unpacks into one top folder: move its content up so paths start at the package root."""
    entries = [p for p in target.iterdir() if p.name != _MARKER]
    if len(entries) == 1 and entries[0].is_dir():
        top = entries[0]
        for child in list(top.iterdir()):
            child.rename(target / child.name)
        top.rmdir()


def unpack(archive: Path, target: Path, *, hoist: bool) -> Path:
    """Unpack `archive` (wheel/zip or tar) once into `target`; returns `target`."""
    if (target / _MARKER).exists():
        return target
    with _publishing(target) as work:
        try:
            if archive.suffix in (".whl", ".zip"):
                with zipfile.ZipFile(archive) as zf:
                    _check_members(zf.namelist())
                    zf.extractall(work)
            else:
                with tarfile.open(archive) as tf:
                    _extract_tar(tf, work)
        except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
            raise FetchError(f"cannot unpack {archive.name}: {exc}") from exc
        if hoist:
            _hoist_single_folder(work)
        (work / _MARKER).write_text(archive.name + "\n")
    return target


def pypi_tree(name: str, version: str, dist: str, cache: Path) -> Path:
    """The unpacked tree of PyPI `name==version` in cache/src/<name>-<version>-<dist>."""
    archive = pip_download(name, version, dist, cache)
    return unpack(archive, cache / "src" / f"{name}-{version}-{dist}", hoist=dist == "sdist")


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_mirror(repo: str, mirrors: list[Path]) -> Path | None:
    """A local bare mirror of GitHub `owner/name`: <dir>/<owner>+<name>[/repo] or <dir>/<owner>/<name>[.git]."""
    owner, name = repo.split("/", 1)
    for base in mirrors:
        for candidate in (base / f"{owner}+{name}" / "repo", base / f"{owner}+{name}",
                          base / owner / f"{name}.git", base / owner / name):
            if _is_git_dir(candidate):
                return candidate
    return None


def _has_commit(git_dir: Path, commit: str) -> bool:
    return run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"]).returncode == 0


def _clone_commit(repo: str, commit: str, cache: Path) -> Path:
    """A bare repository in the cache holding `commit` of github.com/`repo` (fetched once, shallow)."""
    git_dir = cache / "git" / f"{repo.replace('/', '+')}.git"
    if _is_git_dir(git_dir) and _has_commit(git_dir, commit):
        return git_dir
    git_dir.mkdir(parents=True, exist_ok=True)
    if not _is_git_dir(git_dir):
        proc = run(["git", "init", "--bare", "-q", str(git_dir)])
        if proc.returncode != 0:
            raise FetchError(f"git init failed: {_last_line(proc)}")
    proc = run(["git", "--git-dir", str(git_dir), "fetch", "-q", "--depth", "1",
                f"https://github.com/{repo}.git", commit])
    if proc.returncode != 0:
        raise FetchError(f"no local mirror of {repo} and git fetch failed: {_last_line(proc)}")
    return git_dir


def _extract_present_blobs(git_dir: Path, commit: str, target: Path) -> list[str]:
    """Write the regular files of `commit` whose blobs the (partial) mirror holds; returns the paths skipped.

    Mirrors may leave their largest blobs out, and `git archive` then fails as a whole.
    """
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit],
                             capture_output=True, check=True).stdout
    entries = []
    for record in filter(None, listing.split(b"\0")):
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):  # no symlinks, no submodules
            entries.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    skipped = []
    with subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for sha, path in entries:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":  # "<sha> missing"
                skipped.append(path)
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.readline()  # the newline after the content
            parts = Path(path).parts
            if path.startswith("/") or ".." in parts:
                skipped.append(path)
                continue
            dest = target / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        proc.stdin.close()
    return skipped


def github_tree(repo: str, commit: str, cache: Path, mirrors: list[Path]) -> Path:
    """The files of `repo` at `commit` in cache/src/<owner>+<name>-<commit[:12]>, via `git archive`.

    When the mirror lacks some blobs, the files it has are written one by one instead and the
    missing paths are listed in <tree>/.missing (a scan there cannot see them).
    """
    target = cache / "src" / f"{repo.replace('/', '+')}-{commit[:12]}"
    if (target / _MARKER).exists():
        return target
    git_dir = find_mirror(repo, mirrors)
    if git_dir is None or not _has_commit(git_dir, commit):
        git_dir = _clone_commit(repo, commit, cache)
    with _publishing(target) as work:
        proc = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "--format=tar", commit],
                              capture_output=True)
        if proc.returncode == 0:
            with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tf:
                _extract_tar(tf, work)
        else:
            try:
                skipped = _extract_present_blobs(git_dir, commit, work)
            except (subprocess.CalledProcessError, OSError, ValueError) as exc:
                raise FetchError(f"cannot extract {repo}@{commit[:12]}: {exc}") from exc
            (work / ".missing").write_text("".join(p + "\n" for p in skipped))
        (work / _MARKER).write_text(f"{repo}@{commit}\n")
    return target


def mirror_dirs(explicit: list[Path] | None) -> list[Path]:
    """Where to look for bare mirrors: --mirrors, then $PTM_LINT_EVAL_MIRRORS (os.pathsep-separated)."""
    dirs = list(explicit or [])
    dirs += [Path(p) for p in os.environ.get(MIRRORS_ENV, "").split(os.pathsep) if p]
    return dirs
