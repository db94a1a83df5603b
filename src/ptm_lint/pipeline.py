"""Run the stages end to end: discover → scan (in parallel) → resolve, into a Report."""

from __future__ import annotations

import functools
import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, fsaccess
from .ruledata import catalog_digest
from .core import FileError, FileScan, Reference, Report
from .gcpolicy import few_gc_passes
from .scan.secrets import _has_token, mask_secrets

if TYPE_CHECKING:
    from .catalog import Catalog
    from .scan.project import ModuleIndex

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class ScanOptions:
    """What to scan and how: file selection, workers, the result cache, progress."""

    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    max_bytes: int = 10 * 1024 * 1024
    jobs: int | None = None  # None = one per core
    # The per-file result cache (ptm_lint.cache): off unless asked for (the CLI asks, --no-cache
    # turns it off). cache_dir None = the user cache folder; config_dir anchors a relative one.
    cache: bool = False
    cache_dir: str | None = None
    config_dir: str | None = None
    progress: bool = False  # a progress line on stderr (the CLI sets it when stderr is a terminal)
    # Stats the run took before reading anything (runmemo.Memo.taken, after its answer missed):
    # discovery uses them instead of taking them again.
    taken: Mapping[str, os.stat_result] | None = dataclasses.field(default=None, compare=False, repr=False)
    # The project's own loaders ([[tool.ptm-lint.loaders]]) as config.Config.loaders holds them.
    loaders: str = ""
    # Work the caller needs after the scan, done in this process while the worker processes scan
    # (only when there are any): `check` imports its fix stage (libcst, ~0.15 s) there instead of
    # after the last result came back.
    while_waiting: Callable[[], None] | None = dataclasses.field(default=None, compare=False, repr=False)


def _catalog(loaders: str = "") -> Catalog:
    """The loader catalog (with the project's own `loaders`), imported and built when a file must be
    read or classified (a warm run of a tree without model loads needs only its digest:
    ruledata.catalog_digest)."""
    from .catalog import catalog_for

    return catalog_for(loaders)


@functools.lru_cache(maxsize=4)
def _trigger(loaders: str = "") -> Callable[[bytes], bool]:
    """The byte prefilter (scan.prefilter), built from the catalog (~10 ms) when a file must be read."""
    from .scan.prefilter import prefilter

    return prefilter(_catalog(loaders))


def scan_text(source: str, path: str = "example.py", *, catalog: Catalog | None = None,
              root: Path | None = None) -> tuple[Reference, ...]:
    """References in one in-memory source (used by rule examples and tests)."""
    from .scan.project import ModuleIndex
    from .scan.scanner import scan_bytes

    catalog = catalog or _catalog()
    index = ModuleIndex(root) if root is not None else None
    scan = scan_bytes(source.encode("utf-8"), path, catalog, index)
    return tuple(classify_scan(scan, catalog))


def classify_scan(scan: FileScan, catalog: Catalog) -> Iterable[Reference]:
    """The references of one scanned file (its calls, classified)."""
    if not scan.calls:
        return
    # The scanner and classifier modules (ast, the evaluator) are imported only when a file has
    # calls or must be parsed: a warm run, or a tree without model loads, never needs them.
    from .resolve.classify import classify

    for site in scan.calls:
        loader = catalog.by_id(site.loader)
        if loader is None:
            continue
        ref = classify(site, loader)
        if ref is not None:
            yield ref


def _scan_one(root: Path, rel: str, catalog: Catalog, index: ModuleIndex, trigger, store=None) -> FileScan:
    path = root / rel
    try:
        data = fsaccess.read_bytes(path, restat=False)  # (discovery stat'ed it)
    except OSError as exc:
        return FileScan(rel, errors=(FileError(rel, f"cannot read: {exc.strerror or exc}", "io"),))
    from .scan.scanner import scan_bytes

    index.begin()
    try:
        scan = scan_bytes(data, rel, catalog, index, trigger)
    except Exception as exc:  # noqa: BLE001 - one file's internal error must not cost the others
        return _internal_error(rel, "while analysing", exc)
    if store is not None:  # internal errors (above) are never cached: a fixed ptm-lint retries them
        store(rel, data, scan, index.dependencies())
    return scan


def _internal_error(rel: str, stage: str, exc: BaseException | str) -> FileScan:
    """A per-file error for a bug in ptm-lint (not in the file): short, single-line, secrets masked."""
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    detail = " ".join(mask_secrets(detail).split())
    if len(detail) > 300:
        detail = detail[:297] + "..."
    return FileScan(rel, errors=(FileError(rel, f"internal error {stage}: {detail}", "internal"),))


# In a worker process: the scan (its token) whose chunks it is running, and what parsing the
# repo's modules gave so far (project.Parsed), kept from one chunk to the next of that scan.
_WORKER_PARSED: list = [None, None]


def _scan_chunk(root: str, rels: Sequence[str], cache=None, progress=None, loaders: str = "",
                run: str | None = None) -> list[FileScan]:
    """Scan `rels` in this process; with a cache.CacheSpec, store each result as it comes. `run`:
    the token of the scan the chunk belongs to (a pool worker keeps the modules it parsed for the
    scan's next chunks; each chunk still has its own ModuleIndex, see project.Parsed)."""
    from .scan.project import ModuleIndex, Parsed

    catalog = _catalog(loaders)
    parsed = None
    if run is not None:
        if _WORKER_PARSED[0] != (run, root, loaders):
            _WORKER_PARSED[:] = [(run, root, loaders), Parsed()]
        parsed = _WORKER_PARSED[1]
    index = ModuleIndex(Path(root), parsed)
    trigger = _trigger(loaders)
    store = None
    if cache is not None:
        from .cache import store as write_entry

        store = functools.partial(write_entry, cache)
    with few_gc_passes():
        out = []
        for rel in rels:
            out.append(_scan_one(Path(root), rel, catalog, index, trigger, store))
            if progress is not None:
                progress(1)
        return out


def scan_files(root: Path, rels: Sequence[str], jobs: int | None = None, *, cache=None,
               progress: Callable[[int], None] | None = None, loaders: str = "") -> list[FileScan]:
    """Scan files (paths relative to root); parallel for large inputs, same results either way."""
    batch = _Batch(root, jobs, cache, progress, loaders)
    for rel in rels:
        batch.add(rel)
    return batch.finish()


class _Batch:
    """Files to scan, fed one at a time: scanned here if few, else in a process pool started once
    there are enough of them, in small chunks submitted as they fill (so workers parse while the
    caller is still reading and prefiltering the rest of the tree).

    A worker process that dies (a crash in a C extension, the OOM killer, os._exit) costs no
    results: every file whose result did not come back is scanned again in a fresh worker, one
    file per task, and a file that kills that worker too becomes a per-file "internal" error.
    """

    CHUNK = 16  # files per task: small enough to balance big and small files, big enough to share module analyses

    def __init__(self, root: Path, jobs: int | None, cache=None, progress: Callable[[int], None] | None = None,
                 loaders: str = "", while_waiting: Callable[[], None] | None = None) -> None:
        self.root = str(root)
        self.while_waiting = while_waiting
        self.loaders = loaders
        self.jobs = jobs or os.cpu_count() or 1
        self.cache = cache
        self.progress = progress
        self.pending: list[str] = []
        self.chunks: list[list[str]] = []
        self.futures: list = []
        self.pool = None
        self.no_pool = self.jobs <= 1
        self.run = f"{os.getpid()}-{id(self)}-{time.monotonic_ns()}"  # this scan, for its workers

    def add(self, rel: str) -> None:
        self.pending.append(rel)
        if self.no_pool:
            return
        if self.pool is None and len(self.pending) >= PARALLEL_THRESHOLD:
            # The scanner (~20 ms of imports), imported once here before the workers start: forked
            # workers inherit it instead of each importing it for their first file.
            from .scan import scanner  # noqa: F401

            try:
                self.pool = _new_pool(self.jobs)
            except _no_processes():
                self.no_pool = True
                return
        if self.pool is not None:
            self._submit()

    def _submit(self, rest: bool = False) -> None:
        """Send the pending files in chunks of CHUNK (and, with `rest`, the last smaller one)."""
        while len(self.pending) >= self.CHUNK or (rest and self.pending):
            chunk, self.pending = self.pending[: self.CHUNK], self.pending[self.CHUNK :]
            self.chunks.append(chunk)
            try:
                self.futures.append(self.pool.submit(_scan_chunk, self.root, chunk, self.cache,  # type: ignore[union-attr]
                                                     None, self.loaders, self.run))
            except Exception:  # noqa: BLE001 - a broken pool: the chunk is retried in finish()
                self.futures.append(None)

    def finish(self) -> list[FileScan]:
        if self.pool is None:  # few files (or no processes): all of them here
            return _scan_chunk(self.root, self.pending, self.cache, self.progress, self.loaders) if self.pending else []
        self._submit(rest=True)
        if self.while_waiting is not None:
            try:
                self.while_waiting()
            except Exception:  # noqa: BLE001 - only a head start: the caller does the work again if it failed
                pass
        results: dict[int, list[FileScan]] = {}
        try:
            with self.pool:
                for n, future in enumerate(self.futures):
                    if future is None:
                        continue
                    try:
                        results[n] = future.result()
                    except Exception:  # noqa: BLE001 - a broken pool or an unpicklable result: retried below
                        continue
                    if self.progress is not None:
                        self.progress(len(self.chunks[n]))
        except _no_processes():
            pass
        missing = [rel for n, chunk in enumerate(self.chunks) if n not in results for rel in chunk]
        retried = _isolate(self.root, missing, self.cache, self.loaders) if missing else {}
        if missing and self.progress is not None:
            self.progress(len(missing))
        out: list[FileScan] = []
        for n, chunk in enumerate(self.chunks):
            out.extend(results[n] if n in results else (retried[rel] for rel in chunk))
        return out


def _new_pool(jobs: int):
    # Imported here: concurrent.futures and multiprocessing cost a one-file run ~20 ms for nothing.
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs)


def _no_processes() -> tuple[type[BaseException], ...]:
    """What says worker processes cannot be used (no semaphores in a sandbox, process limits, ...).
    RuntimeError also covers what multiprocessing raises on platforms without sem_open."""
    from concurrent.futures.process import BrokenProcessPool

    return (OSError, ImportError, RuntimeError, BrokenProcessPool)


def _isolate(root: str, rels: Sequence[str], cache=None, loaders: str = "") -> dict[str, FileScan]:
    """Scan `rels` one file per task, in order, in a single fresh worker process.

    With one worker the first file without a result is the one the worker died on: it becomes
    an error and a new worker carries on with the rest. Never runs scanned data in this process
    unless worker processes cannot be started at all.
    """
    from concurrent.futures.process import BrokenProcessPool

    out: dict[str, FileScan] = {}
    todo = list(rels)
    while todo:
        crashed = None
        try:
            with _new_pool(1) as pool:
                futures = [pool.submit(_scan_chunk, root, [rel], cache, None, loaders) for rel in todo]
                for rel, future in zip(todo, futures):
                    try:
                        out[rel] = future.result()[0]
                    except BrokenProcessPool:
                        crashed = rel
                        break
                    except Exception as exc:  # noqa: BLE001 - e.g. a result too deep to pickle
                        out[rel] = _internal_error(rel, "while analysing", exc)
        except _no_processes():  # workers cannot be started (any more): the rest is scanned here
            for rel in todo:
                if rel not in out and rel != crashed:
                    out[rel] = _scan_chunk(root, [rel], cache, None, loaders)[0]
        if crashed is None:
            break
        out[crashed] = _internal_error(
            crashed, "while analysing",
            "the worker process died while analysing this file on its own; the file was skipped")
        todo = [rel for rel in todo if rel not in out]
    return out


@dataclass(frozen=True)
class ScanResult:
    """Every file's scan, the model references found, and the files that could not be scanned."""

    root: Path
    scans: tuple[FileScan, ...]  # sorted by path
    references: tuple[Reference, ...]
    errors: tuple[FileError, ...]

    @property
    def by_path(self) -> dict[str, FileScan]:
        return {scan.path: scan for scan in self.scans}

    def report(self) -> Report:
        return Report(root=str(self.root), references=self.references, errors=self.errors, tool_version=__version__)


def scan_paths(paths: Sequence[Path], options: ScanOptions | None = None, *, root: Path | None = None) -> ScanResult:
    """Discover, scan and classify every file under `paths`."""
    from .discover.files import discover, search_root

    options = options or ScanOptions()
    paths = [Path(p) for p in paths] or [Path.cwd()]
    if root is None:
        root = search_root(paths)[0]
    root = root.resolve()
    cache = None
    if options.cache:
        from .cache import ResultCache, resolve_cache_dir, salt

        directory = resolve_cache_dir(options.cache_dir, root,
                                      Path(options.config_dir) if options.config_dir else None)
        # The project's own loaders change what a scan finds: part of every entry's key.
        cache = ResultCache(directory, salt(catalog_digest(), {"loaders": options.loaders} if options.loaders else None),
                            root)
    found = discover(
        paths, root, exclude=options.exclude, extend_exclude=options.extend_exclude,
        respect_gitignore=options.respect_gitignore, max_bytes=options.max_bytes,
        listings=cache.open_manifest() if cache is not None else None, taken=options.taken,
    )
    scans = sorted(_scan_cached(root, found.rels, found.stats, options, cache), key=lambda s: s.path)
    references: list[Reference] = []
    failed: list[FileError] = []
    for scan in scans:
        try:
            # (the catalog is built only for a file with calls: a warm run of a tree without any needs none)
            references.extend(list(classify_scan(scan, _catalog(options.loaders))) if scan.calls else ())
        except Exception as exc:  # noqa: BLE001 - one file's internal error must not cost the others
            failed.extend(_internal_error(scan.path, "while classifying", exc).errors)
    errors = sorted([*found.errors, *(e for scan in scans for e in scan.errors), *failed], key=lambda e: (e.path, e.line or 0))
    # Messages may quote the file (an encoding cookie, a parser message): never a credential.
    errors = [dataclasses.replace(e, message=mask_secrets(e.message)) for e in errors]
    # What discovery and the scans read is recorded by fsaccess (for the run memo); a scan answered
    # by the result cache read nothing, so its dependencies are noted here.
    base = str(root)
    for scan in scans:
        for dep in scan.depends_on:
            fsaccess.note(os.path.join(base, dep))
    return ScanResult(root, tuple(scans), tuple(references), tuple(errors))


def _scan_cached(root: Path, rels: Sequence[str], stats: Sequence[tuple[int, int, int, int]], options: ScanOptions,
                 cache=None) -> list[FileScan]:
    """Scan every file, answering from the result cache (a cache.ResultCache, or None) what it can.

    Each file is read and prefiltered here: a file with no loader call and no token has an empty
    result and never reaches a worker or the cache (most files of most trees). With the cache, an
    unchanged file is known from its stat (`stats`, taken by discovery) alone (statmanifest.Manifest) and
    the rest by content digest.
    """
    progress = None
    if options.progress:
        from .progress import Progress

        progress = Progress.maybe(len(rels), enabled=True)
    manifest = cache.open_manifest() if cache is not None else None
    trigger = functools.partial(_trigger, options.loaders)  # built when a file must be read (~10 ms)
    batch = _Batch(root, options.jobs, cache.spec if cache is not None else None, progress, options.loaders,
                   options.while_waiting)
    done: list[FileScan] = []
    base = str(root)
    for rel, stat in zip(rels, stats):
        scan = _answer(os.path.join(base, rel), rel, stat, trigger, cache, manifest)
        if scan is None:
            batch.add(rel)
        else:
            done.append(scan)
            if progress is not None:
                progress(1)
    scans = batch.finish()
    if progress is not None:
        progress.close()
    if cache is not None:
        for scan in scans:  # so that the next run checks these dependencies by stat as well
            for dep in scan.depends_on:
                cache.dependency_state(dep)
        manifest.save()  # type: ignore[union-attr]
        if scans:
            cache.prune()
    return [*done, *scans]


def _answer(path: str, rel: str, stat: tuple[int, int, int, int], trigger: Callable[[], Callable[[bytes], bool]],
            cache, manifest) -> FileScan | None:
    """The file's result without scanning it (the prefilter rejects it, or the cache has it), or None.
    `stat` is the file's stat from before it is read (so a change in between is seen next time)."""
    from .cache import content_digest
    from .statmanifest import EMPTY

    known = None
    if manifest is not None:
        known = manifest.known(rel, stat)
        if known == EMPTY:
            return FileScan(rel)
        if known is not None:
            scan = cache.lookup(rel, known)
            if scan is not None:
                return scan
    try:
        data = fsaccess.read_bytes(path, restat=False)  # (discovery stat'ed it)
    except OSError:
        return None  # scanned in the batch, where the error is reported
    if not trigger()(data) and not _has_token(data):
        if manifest is not None:
            manifest.record(rel, stat, EMPTY)
        return FileScan(rel)  # what scan_bytes returns for it
    if cache is None:
        return None
    digest = content_digest(data)
    manifest.record(rel, stat, digest)
    return cache.lookup(rel, digest) if digest != known else None  # (a known digest missed above)


def run_inventory(paths: Sequence[Path], options: ScanOptions | None = None, *, root: Path | None = None) -> Report:
    """The inventory of every model reference under `paths`."""
    return scan_paths(paths, options, root=root).report()
