"""`lock --upgrade`: move entries to the current commit of the ref they follow, with a model changelog."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .build import CacheError, Sources, _facts, artifact_key, files_of
from .lockfile import SHA40, Entry, Lock, LockedFile


@dataclass(frozen=True, slots=True)
class Change:
    """What moving one entry changes: the model changelog of one entry."""

    old: Entry
    new: Entry | None  # None: the entry did not move (see `note`)
    note: str = ""
    stale_pins: tuple[str, ...] = ()  # call sites whose code pin is now behind the lock


def _select(lock: Lock, ids: Sequence[str]) -> tuple[list[Entry], list[str]]:
    if not ids:
        return list(lock.entries), []
    chosen, unknown = [], []
    for wanted in ids:
        found = [e for e in lock.entries if wanted in (e.id, e.label) or e.id.lower() == wanted.lower()
                 or e.id.split("/")[-1] == wanted]
        if not found:
            unknown.append(wanted)
        chosen += [e for e in found if e not in chosen]
    return chosen, unknown


def _names(entry: Entry, references: Iterable[Any]) -> list[str]:
    from ..resolve.hf_ids import LEGACY_IDS

    names = [entry.id, *sorted(old for old, new in LEGACY_IDS.items() if new == entry.id)]
    for ref in references:
        if artifact_key(ref) == entry.key and ref.model:
            written = ref.model.removeprefix("hf-hub:").split("@")[0]
            if written not in names:
                names.append(written)
    return names


def _move(entry: Entry, sources: Sources, references: Sequence[Any]) -> Change:
    if entry.hub != "huggingface":
        return Change(entry, None, f"{entry.hub} entries are not upgraded by ptm-lint: change the code's pin")
    if not entry.follows:
        return Change(entry, None, "pinned to a commit in the code: it follows no branch")
    meta = sources.remote(entry.kind, entry.id, entry.follows)
    if meta is None or meta.status != "ok" or not meta.sha:
        local = sources.local(entry.kind, _names(entry, references), entry.follows)
        if local is not None and local.sha:
            meta = local
        elif meta is not None and meta.status != "ok":
            return Change(entry, None, meta.message or f"the Hub answered {meta.status}")
        else:
            how = "" if sources.hub_enabled() else " (the local cache has no newer refs/; try --online)"
            return Change(entry, None, f"{entry.follows} could not be resolved{how}")
    if not SHA40.fullmatch(meta.sha):
        return Change(entry, None, f"{entry.follows} resolved to {meta.sha!r}, not a commit")
    if meta.sha == entry.commit:
        return Change(entry, None, f"up to date ({entry.follows} is still {entry.commit})")
    label = f"{entry.id}@{meta.sha[:12]}"
    files = files_of(meta, label) if (meta.cached_files or meta.files) else ()
    if not files and meta.source != "hf-cache":
        local = sources.local(entry.kind, _names(entry, references), meta.sha)
        files = files_of(local, label) if local is not None and (local.cached_files or local.files) else ()
    facts = _facts(meta)
    new = replace(entry, commit=meta.sha, source="hub" if meta.source == "hub" else "hf-cache", files=files,
                  unresolved=None, license=facts.get("license", entry.license),
                  gated=facts.get("gated", entry.gated))
    stale = sorted({f"{r.path}{f'[cell {r.cell}]' if r.cell is not None else ''}:{r.line}" for r in references
                    if artifact_key(r) is not None and artifact_key(r)[:3] == entry.key[:3]
                    and r.revision and SHA40.fullmatch(r.revision) and r.revision != meta.sha})
    return Change(entry, new, stale_pins=tuple(stale))


def upgrade(lock: Lock, ids: Sequence[str], sources: Sources, references: Sequence[Any]) -> tuple[Lock, list[Change], list[str]]:
    """(the upgraded lock, one Change per selected entry, ids that match nothing). Raises CacheError."""
    chosen, unknown = _select(lock, ids)
    changes = [_move(e, sources, references) for e in chosen]
    moved = {c.old.key: c.new for c in changes if c.new is not None}
    entries = tuple(moved.get(e.key, e) for e in lock.entries)
    return Lock(entries, lock.version).sorted(), changes, unknown


def _size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _digest(f: LockedFile) -> str | None:
    return f.sha256 or f.blob


def changelog(changes: Sequence[Change]) -> str:
    """The model changelog: per entry old → new commit, files added / removed / changed with sizes,
    licence and gating changes, and the code pins the move leaves behind."""
    lines: list[str] = []
    for change in changes:
        old, new = change.old, change.new
        if new is None:
            lines.append(f"{old.label}: {change.note}")
            continue
        lines.append(f"{old.label} ({old.kind}, follows {old.follows}): {old.commit or 'unresolved'} -> {new.commit}")
        before = {f.path: f for f in old.files}
        after = {f.path: f for f in new.files}
        if not old.files or not new.files:
            lines.append(f"  files: {'no file list for the old commit' if not old.files else 'no file list for the new commit'}"
                         f"{'' if new.files else ' (download it or use --online to see what changed)'}")
        for path in sorted(after.keys() - before.keys()) if old.files else []:
            lines.append(f"  + {path} ({_size(after[path].size)})")
        for path in sorted(before.keys() - after.keys()) if new.files else []:
            lines.append(f"  - {path} ({_size(before[path].size)})")
        for path in sorted(before.keys() & after.keys()):
            a, b = before[path], after[path]
            if _digest(a) != _digest(b) or a.size != b.size:
                lines.append(f"  ~ {path} ({_size(a.size)} -> {_size(b.size)})")
        if (old.license or None) != (new.license or None):
            lines.append(f"  licence: {old.license or 'unknown'} -> {new.license or 'unknown'}")
        if old.gated != new.gated:
            lines.append(f"  gating: {_gate(old.gated)} -> {_gate(new.gated)}")
        if change.stale_pins:
            lines.append(f"  code pins that now disagree with the lock ({len(change.stale_pins)}): "
                         + ", ".join(change.stale_pins) + f" — update them to {new.commit}")
    from .lockfile import clean

    return "".join(clean(line) + "\n" for line in lines)


def _gate(value) -> str:
    return "unknown" if value is None else ("not gated" if value is False else f"gated ({value})")


__all__ = ["CacheError", "Change", "changelog", "upgrade"]
