"""The lock commands as functions of plain values (the CLI and ptm_lint.api call them): lock, --check,
--upgrade, verify. Each returns an exit code and writes its report to the given streams."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .lockfile import LOCK_NAME, Lock, LockError, clean, read_lock, write_lock

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def lock_path(root: Path, config: Any = None, explicit: Path | None = None) -> Path:
    """--lock-file, else the configuration's `lock-file` (relative to its file), else <root>/ptm-lint.lock."""
    if explicit is not None:
        return explicit
    configured = getattr(config, "lock_file", None)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute() and getattr(config, "path", None) is not None:
            path = config.path.parent / path
        return path
    return root / LOCK_NAME


def load_if_present(path: Path) -> Lock | None:
    """The lock at `path`, None when there is none; LockError when it exists but is broken. Read
    through fsaccess: `check` output depends on it (fixes pin to locked commits), so the run memo
    must see it appear, change or go."""
    from .. import fsaccess

    if not fsaccess.lexists(path):
        return None
    return read_lock(path)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _say(text: str, file: TextIO) -> None:
    file.write(clean(text) + "\n")


@dataclass
class Streams:
    out: TextIO
    err: TextIO


def _streams(out: TextIO | None, err: TextIO | None) -> Streams:
    return Streams(out or sys.stdout, err or sys.stderr)


def run_lock(references: Sequence[Any], root: Path, path: Path, sources, *, allow_unresolved: bool = False,
             out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`ptm-lint lock`: write the lock; exit 1 when an entry is unresolved (unless allowed), 2 on bad input."""
    from .build import CacheError, build_lock, unknown_sites
    from .check import _what

    s = _streams(out, err)
    name = _display(path, root)
    try:
        previous = load_if_present(path)
        lock = build_lock(references, sources, previous)
    except (LockError, CacheError) as exc:
        _say(f"ptm-lint: error: {exc}; {name} was not changed", file=s.err)
        return EXIT_ERROR
    for note in sources.notes:
        _say(f"ptm-lint: {note}", file=s.err)
    unresolved = [e for e in lock.entries if e.unresolved]
    try:
        changed = write_lock(path, lock)
    except OSError as exc:
        _say(f"ptm-lint: error: cannot write {name}: {exc.strerror or exc}", file=s.err)
        return EXIT_ERROR
    pinned = len(lock.entries) - len(unresolved)
    _say(f"{'Wrote' if changed else 'Unchanged:'} {name}: {len(lock.entries)} artifact"
          f"{'s' if len(lock.entries) != 1 else ''}, {pinned} pinned, {len(unresolved)} unresolved", file=s.out)
    for entry in unresolved:
        _say(f"  unresolved: {entry.label} ({_what(entry)}): {entry.unresolved}", file=s.out)
    unknown = unknown_sites(references)
    if unknown:
        _say(f"  not locked: {len(unknown)} load{'s' if len(unknown) != 1 else ''} whose model cannot be named "
              f"statically ({', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''})", file=s.out)
    return EXIT_FAIL if unresolved and not allow_unresolved else EXIT_OK


def run_check(references: Sequence[Any], root: Path, path: Path, *, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """`ptm-lint lock --check`: exit 1 with one line per difference; never writes."""
    from .check import compare

    s = _streams(out, err)
    name = _display(path, root)
    try:
        lock = read_lock(path)
    except LockError as exc:
        _say(f"ptm-lint: error: {exc}", file=s.err)
        return EXIT_ERROR
    differences = compare(references, lock, name)
    for diff in differences:
        _say(f"{diff.where}: {diff.message}", file=s.out)
    if differences:
        _say(f"{name} is out of date: {len(differences)} difference{'s' if len(differences) != 1 else ''}",
              file=s.out)
        return EXIT_FAIL
    unresolved = sum(1 for e in lock.entries if e.unresolved)
    _say(f"{name} is up to date ({len(lock.entries)} artifacts"
         f"{f', {unresolved} of them unresolved' if unresolved else ''})", file=s.out)
    return EXIT_OK


def run_upgrade(references: Sequence[Any], root: Path, path: Path, sources, ids: Sequence[str], *,
                dry_run: bool = False, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`ptm-lint lock --upgrade [ID...]`: print the model changelog; write unless dry_run."""
    from .build import CacheError
    from .upgrade import changelog, upgrade

    s = _streams(out, err)
    name = _display(path, root)
    try:
        lock = read_lock(path)
        new, changes, unknown = upgrade(lock, ids, sources, references)
    except (LockError, CacheError) as exc:
        _say(f"ptm-lint: error: {exc}; {name} was not changed", file=s.err)
        return EXIT_ERROR
    if unknown:
        _say(f"ptm-lint: error: not in {name}: {', '.join(unknown)}", file=s.err)
        return EXIT_ERROR
    for note in sources.notes:
        _say(f"ptm-lint: {note}", file=s.err)
    s.out.write(changelog(changes))
    moved = sum(1 for c in changes if c.new is not None)
    if dry_run:
        _say(f"Would move {moved} entr{'ies' if moved != 1 else 'y'} (--dry-run: {name} not written)", file=s.out)
        return EXIT_OK
    try:
        write_lock(path, new)
    except OSError as exc:
        _say(f"ptm-lint: error: cannot write {name}: {exc.strerror or exc}", file=s.err)
        return EXIT_ERROR
    _say(f"Moved {moved} entr{'ies' if moved != 1 else 'y'} in {name}", file=s.out)
    return EXIT_OK


def run_verify(root: Path, path: Path, *, model_dirs: Sequence[str] = (), ids: Sequence[str] = (),
               allow_missing: bool = False, jobs: int | None = None, progress: bool = False,
               env: Mapping[str, str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`ptm-lint verify`: re-hash the locked files; exit 1 naming each missing or changed file."""
    from ..hub.hf_cache import cache_roots
    from . import verify as v

    s = _streams(out, err)
    name = _display(path, root)
    try:
        lock = read_lock(path)
        dirs = None
        if model_dirs:
            dirs = {}
            for spec in model_dirs:
                entry, directory = v.model_dir_entries(lock, spec)
                dirs[entry.label] = directory
    except (LockError, v.VerifyError) as exc:
        _say(f"ptm-lint: error: {exc}", file=s.err)
        return EXIT_ERROR
    roots = cache_roots(os.environ if env is None else env)
    tasks, absent, notes = v.plan(lock, roots, dirs, ids)
    bar = None
    if progress:
        from ..progress import Progress

        total = sum(t.file.size or 0 for t in tasks)
        bar = Progress.maybe(total, enabled=True, stream=s.err, min_total=64 * 1024 * 1024, label="verifying",
                             unit="MB", divisor=1024 * 1024)
    try:
        outcomes = v.run(tasks, workers=jobs, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    bad = [o for o in outcomes if o.status == "changed" or (o.status == "missing" and not allow_missing)]
    for outcome in bad:
        _say(f"{outcome.status.upper()}: {outcome.task.where}: {outcome.task.entry}: {outcome.task.file.path}: "
              f"{outcome.detail}", file=s.out)
    if not allow_missing:
        for line in absent:
            _say(f"MISSING: {line}", file=s.out)
    for note in notes:
        _say(f"ptm-lint: {note}", file=s.err)
    ok = sum(1 for o in outcomes if o.status == "ok")
    skipped = sum(1 for o in outcomes if o.status == "skipped" or (o.status == "missing" and allow_missing))
    failed = len(bad) + (0 if allow_missing else len(absent))
    summary = f"{ok} file{'s' if ok != 1 else ''} verified against {name}"
    if skipped:
        summary += f", {skipped} skipped"
    if failed:
        summary += f", {failed} FAILED"
    _say(summary, file=s.out)
    return EXIT_FAIL if failed else EXIT_OK
