"""Run the stages end to end: discover → scan (in parallel) → resolve, into a Report."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .catalog import Catalog, default_catalog
from .core import FileError, FileScan, Reference, Report
from .resolve.classify import classify
from .scan.project import ModuleIndex
from .scan.scanner import prefilter, scan_bytes

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class ScanOptions:
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    max_bytes: int = 10 * 1024 * 1024
    jobs: int | None = None  # None = one per core


def scan_text(source: str, path: str = "example.py", *, catalog: Catalog | None = None,
              root: Path | None = None) -> tuple[Reference, ...]:
    """References in one in-memory source (used by rule examples and tests)."""
    catalog = catalog or default_catalog()
    index = ModuleIndex(root) if root is not None else None
    scan = scan_bytes(source.encode("utf-8"), path, catalog, index)
    return tuple(_classify(scan, catalog))


def _classify(scan: FileScan, catalog: Catalog) -> Iterable[Reference]:
    for site in scan.calls:
        loader = catalog.by_id(site.loader)
        if loader is None:
            continue
        ref = classify(site, loader)
        if ref is not None:
            yield ref


def _scan_one(root: Path, rel: str, catalog: Catalog, index: ModuleIndex, trigger) -> FileScan:
    path = root / rel
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FileScan(rel, errors=(FileError(rel, f"cannot read: {exc.strerror or exc}", "io"),))
    try:
        return scan_bytes(data, rel, catalog, index, trigger)
    except Exception as exc:  # noqa: BLE001 - one file's internal error must not cost the others
        return FileScan(rel, errors=(FileError(rel, f"internal error while analysing: {type(exc).__name__}: {exc}", "internal"),))


def _scan_chunk(root: str, rels: Sequence[str]) -> list[FileScan]:
    catalog = default_catalog()
    index = ModuleIndex(Path(root))
    trigger = prefilter(catalog)
    return [_scan_one(Path(root), rel, catalog, index, trigger) for rel in rels]


def scan_files(root: Path, rels: Sequence[str], jobs: int | None = None) -> list[FileScan]:
    """Scan files (paths relative to root); parallel for large inputs, same results either way."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(rels) < PARALLEL_THRESHOLD:
        return _scan_chunk(str(root), rels)
    # Small interleaved chunks balance big and small files across workers.
    size = max(8, min(64, len(rels) // (jobs * 8) or 8))
    chunks = [list(rels[i : i + size]) for i in range(0, len(rels), size)]
    results: dict[int, list[FileScan]] = {}
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_scan_chunk, str(root), chunk): n for n, chunk in enumerate(chunks)}
            for future, n in futures.items():
                try:
                    results[n] = future.result()
                except BrokenProcessPool:
                    break
    except (OSError, BrokenProcessPool):
        pass
    # A crashed worker loses no results: whatever is missing is scanned again here, one by one.
    out: list[FileScan] = []
    for n, chunk in enumerate(chunks):
        if n in results:
            out.extend(results[n])
        else:
            out.extend(_scan_chunk(str(root), chunk))
    return out


@dataclass(frozen=True)
class ScanResult:
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
    from .discover.files import discover, find_root, relpath

    options = options or ScanOptions()
    paths = [Path(p) for p in paths] or [Path.cwd()]
    root = (root or find_root(paths)).resolve()
    found = discover(
        paths, root, exclude=options.exclude, extend_exclude=options.extend_exclude,
        respect_gitignore=options.respect_gitignore, max_bytes=options.max_bytes,
    )
    rels = [relpath(p, root) for p in found.files]
    scans = sorted(scan_files(root, rels, options.jobs), key=lambda s: s.path)
    catalog = default_catalog()
    references = [ref for scan in scans for ref in _classify(scan, catalog)]
    errors = sorted([*found.errors, *(e for scan in scans for e in scan.errors)], key=lambda e: (e.path, e.line or 0))
    return ScanResult(root, tuple(scans), tuple(references), tuple(errors))


def run_inventory(paths: Sequence[Path], options: ScanOptions | None = None, *, root: Path | None = None) -> Report:
    """The inventory of every model reference under `paths`."""
    return scan_paths(paths, options, root=root).report()
