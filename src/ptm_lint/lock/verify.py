"""Re-hash locked files where they are (HF cache snapshots or a local model directory): streamed in 1 MiB
reads, files in parallel threads, nothing loaded or unpickled."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .lockfile import SHA40, Entry, Lock, LockedFile

CHUNK = 1024 * 1024
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class Task:
    """One locked file and where it should be on this machine."""

    entry: str  # the entry's label (id@revision)
    file: LockedFile
    where: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict on one file: ok | changed | missing | skipped."""

    task: Task
    status: str
    detail: str = ""


def git_blob_id(data: bytes) -> str:
    """The git blob id of `data` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def hash_file(path: Path, *, git: bool, advance: Callable[[int], None] | None = None) -> tuple[int, str]:
    """(size, digest) of a file read in 1 MiB chunks: sha256 of the content, or its git blob id."""
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError("not a regular file")
        digest = hashlib.sha1(b"blob %d\0" % st.st_size) if git else hashlib.sha256()
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        size = 0
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            size += n
            if advance is not None:
                advance(n)
    if git and size != st.st_size:  # the file changed while it was read: the header's size was wrong
        raise OSError("the file changed while it was read")
    return size, digest.hexdigest()


def check_one(task: Task, advance: Callable[[int], None] | None = None) -> Outcome:
    """Compare one file with its locked size and hash."""
    f, where = task.file, task.where
    expected = f.sha256 or f.blob
    wanted = f" (expected {'sha256' if f.sha256 else 'git blob'} {expected})" if expected else ""
    if os.path.islink(where) and not os.path.exists(where):
        return Outcome(task, "missing", f"symlink to a blob that does not exist ({os.readlink(where)}){wanted}")
    try:
        st = where.stat()
    except FileNotFoundError:
        return Outcome(task, "missing", f"not found{wanted}")
    except OSError as exc:
        return Outcome(task, "missing", f"cannot read it: {exc.strerror or exc}{wanted}")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block the open, a device never ends
        return Outcome(task, "changed", f"not a regular file{wanted}")
    if expected is None:
        if f.size is not None and st.st_size != f.size:
            return Outcome(task, "changed", f"expected {f.size} bytes, found {st.st_size}")
        return Outcome(task, "skipped", "the lock has no hash for it")
    algo = "sha256" if f.sha256 else "git blob"
    if f.size is not None and st.st_size != f.size:  # no need to read it: the size says enough
        if advance is not None:
            advance(st.st_size)
        return Outcome(task, "changed", f"expected {f.size} bytes ({algo} {expected}), found {st.st_size} bytes")
    try:
        _, actual = hash_file(where, git=f.sha256 is None, advance=advance)
    except OSError as exc:
        return Outcome(task, "missing", f"cannot read it: {exc.strerror or exc}{wanted}")
    if actual != expected:
        return Outcome(task, "changed", f"expected {algo} {expected}, got {actual}")
    return Outcome(task, "ok")


# -- where the files are --------------------------------------------------------------------------
def snapshot_dir(entry: Entry, roots: Sequence[Path]) -> Path | None:
    """`<root>/<kind>s--org--name/snapshots/<commit>` of the entry, under any name the repo was cached as."""
    from ..hub.hf_cache import repo_folder_name
    from ..resolve.hf_ids import LEGACY_IDS

    if entry.commit is None:
        return None
    names = [entry.id, *sorted(old for old, new in LEGACY_IDS.items() if new == entry.id)]
    for root in roots:
        for name in names:
            candidate = root / repo_folder_name(entry.kind, name) / "snapshots" / entry.commit
            if candidate.is_dir():
                return candidate
        try:  # the folder is named after the id as the code wrote it: a commit sha identifies it anyway
            for candidate in sorted(root.glob(f"{entry.kind}s--*/snapshots/{entry.commit}")):
                if candidate.is_dir():
                    return candidate
        except OSError:
            continue
    return None


def local_dir_commit(directory: Path) -> str | None:
    """The commit a `snapshot_download(local_dir=...)` / `hf download --local-dir` directory was fetched at
    (from its .cache/huggingface/download/*.metadata files), when they all agree."""
    base = directory / ".cache" / "huggingface" / "download"
    commits = set()
    try:
        for meta in sorted(base.rglob("*.metadata"))[:10_000]:
            try:
                with open(meta, "rb") as handle:
                    first = handle.read(64).split(b"\n", 1)[0].decode("ascii", "replace").strip()
            except OSError:
                continue
            if SHA40.fullmatch(first):
                commits.add(first)
    except OSError:
        return None
    return commits.pop() if len(commits) == 1 else None


class VerifyError(Exception):
    """A --model-dir that matches no locked entry (or several): exit 2."""


def model_dir_entries(lock: Lock, spec: str) -> tuple[Entry, Path]:
    """The entry a `--model-dir [ID=]DIR` holds: the named one, the one whose commit the directory's download
    metadata records, or the only Hugging Face entry with files."""
    wanted, _, folder = spec.rpartition("=") if "=" in spec and not Path(spec).exists() else ("", "", spec)
    directory = Path(folder).expanduser()
    if not directory.is_dir():
        raise VerifyError(f"--model-dir {folder}: not a directory")
    candidates = [e for e in lock.entries if e.hub == "huggingface" and e.commit and e.files]
    if wanted:
        named = [e for e in candidates if wanted in (e.id, e.label) or e.id.lower() == wanted.lower()]
        commits = {e.commit for e in named}
        if len(commits) != 1:
            raise VerifyError(f"--model-dir {spec}: {'no' if not named else 'more than one'} locked entry with "
                              f"files matches {wanted!r}" + ("; name it as ID@REVISION" if named else ""))
        return named[0], directory
    commit = local_dir_commit(directory)
    if commit is not None:
        by_commit = [e for e in candidates if e.commit == commit]
        if by_commit:
            return by_commit[0], directory
        raise VerifyError(f"--model-dir {folder} was downloaded at commit {commit}, which the lock does not hold")
    if len({e.commit for e in candidates}) == 1:
        return candidates[0], directory
    raise VerifyError(f"--model-dir {folder}: cannot tell which locked model it holds; write it as ID=DIR")


def plan(lock: Lock, roots: Sequence[Path], model_dirs: Mapping[str, Path] | None = None,
         only: Iterable[str] = ()) -> tuple[list[Task], list[str], list[str]]:
    """(tasks, entries not present on this machine, notes). `model_dirs`: entry label -> directory; with it,
    only those entries are verified."""
    selected = set(only)
    tasks: list[Task] = []
    absent: list[str] = []
    notes: list[str] = []
    no_files = 0
    for entry in lock.entries:
        if selected and entry.id not in selected and entry.label not in selected:
            continue
        if model_dirs is not None and entry.label not in model_dirs:
            continue
        if not entry.files:
            no_files += 1
            continue
        base = model_dirs[entry.label] if model_dirs is not None else snapshot_dir(entry, roots)
        if base is None:
            absent.append(f"{entry.label} ({entry.commit}): no snapshot in the Hugging Face cache "
                          f"({', '.join(str(r) for r in roots) or 'no cache folder'})")
            continue
        for f in entry.files:
            tasks.append(Task(entry.label, f, base.joinpath(*f.path.split("/"))))
    if no_files:
        notes.append(f"{no_files} locked entr{'ies have' if no_files != 1 else 'y has'} no file list "
                     f"(unresolved, not Hugging Face, or never downloaded here): nothing to re-hash for "
                     f"{'them' if no_files != 1 else 'it'}")
    return tasks, absent, notes


def run(tasks: Sequence[Task], *, workers: int | None = None, progress=None) -> list[Outcome]:
    """Check every task, several files at a time; results in the order of `tasks`."""
    if not tasks:
        return []
    lock = threading.Lock()

    def advance(n: int) -> None:
        if progress is not None:
            with lock:
                progress(n)

    count = max(1, min(workers or min(MAX_WORKERS, os.cpu_count() or 1), len(tasks)))
    if count == 1:
        return [check_one(t, advance) for t in tasks]
    from concurrent.futures import ThreadPoolExecutor  # hashlib releases the GIL on large updates

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda t: check_one(t, advance), tasks))
