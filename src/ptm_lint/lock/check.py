"""Compare the code's loads with the lock: new loads, loads that are gone, code pins that disagree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .build import artifact_key
from .lockfile import SHA40, Entry, Lock


@dataclass(frozen=True, slots=True)
class Difference:
    """One way code and lock disagree: `kind` is missing | stale | disagrees."""

    kind: str
    where: str  # "path:line:column" of the load, or the lock file for stale entries
    message: str


def _where(ref: Any) -> str:
    cell = f"[cell {ref.cell}]" if ref.cell is not None else ""
    return f"{ref.path}{cell}:{ref.line}:{ref.column}"


def _what(entry_or_key) -> str:
    hub, kind = (entry_or_key.hub, entry_or_key.kind) if isinstance(entry_or_key, Entry) else entry_or_key[:2]
    name = "torch.hub" if hub == "torch_hub" else hub
    return name if name == kind else f"{name} {kind}"


def status_of(ref: Any, lock: Lock) -> tuple[str, Entry | None]:
    """The lock status of one reference: ("locked" | "drifted" | "not-locked" | "unresolved" | "n/a", entry).

    locked: the lock holds it at a pin that agrees with the code; drifted: the code pins another commit
    than the lock; unresolved: the lock lists it without a pin; n/a: nothing lockable (local, unknown)."""
    key = artifact_key(ref)
    if key is None:
        return "n/a", None
    hub, kind, repo_id, rev = key
    by_key = {e.key: e for e in lock.entries}
    entry = by_key.get(key)
    if entry is None and hub == "huggingface":
        # Case differences in ids: the Hub's ids are case-insensitive.
        entry = next((e for e in lock.for_id(hub, kind, repo_id) if (e.revision or "") == rev), None)
    if entry is not None:
        if entry.unresolved is not None:
            return "unresolved", entry
        if rev and SHA40.fullmatch(rev) and entry.commit and entry.commit != rev:
            return "drifted", entry
        return "locked", entry
    same_id = lock.for_id(hub, kind, repo_id)
    if rev and SHA40.fullmatch(rev):
        match = next((e for e in same_id if e.commit == rev), None)
        if match is not None:
            return "locked", match  # the code pins the locked commit (e.g. after `check --fix`)
    if same_id:
        return "drifted", same_id[0]
    return "not-locked", None


def compare(references: Iterable[Any], lock: Lock, lock_name: str) -> list[Difference]:
    """Every difference, code order first (by site), then the lock's stale entries."""
    out: list[Difference] = []
    used: set = set()
    seen: set = set()
    for ref in sorted(references, key=lambda r: (r.path, r.cell if r.cell is not None else -1, r.line, r.column)):
        key = artifact_key(ref)
        if key is None:
            continue
        status, entry = status_of(ref, lock)
        if entry is not None:
            used.add(entry.key)
        if key in seen and status in ("not-locked", "drifted"):
            continue  # one line per artifact: its first load
        seen.add(key)
        label = key[2] + (f"@{key[3]}" if key[3] else "")
        if status == "not-locked":
            out.append(Difference("missing", _where(ref), f"{label} ({_what(key)}) is loaded here but is not in "
                                                          f"{lock_name}: run `ptm-lint lock`"))
        elif status == "drifted":
            assert entry is not None
            # Every entry of this id is accounted for by this difference (not also reported as stale).
            used.update(e.key for e in lock.for_id(*key[:3]))
            pinned = entry.pinned or "nothing"
            out.append(Difference(
                "disagrees", _where(ref),
                f"{key[2]} is pinned here to {key[3] or 'no revision'} but {lock_name} locks it at {pinned}"
                f"{f' (revision {entry.revision})' if entry.revision and entry.revision != pinned else ''}: "
                f"run `ptm-lint lock` to lock what the code asks for, or pin the code to {pinned}"))
    for entry in lock.entries:
        if entry.key not in used:
            last = f" (it was loaded at {entry.sites[0]})" if entry.sites else ""
            out.append(Difference("stale", lock_name, f"{entry.label} ({_what(entry)}) is locked but the code no "
                                                      f"longer loads it{last}: run `ptm-lint lock`"))
    return out


def lock_pin(ref: Any, revision: str | None, lock: Lock | None, lock_name: str = "ptm-lint.lock"):
    """The commit (or version) a lock.lockfile.Lock holds for exactly what `ref` loads at `revision`."""
    import dataclasses

    from ..fix.pins import Pin

    key = artifact_key(dataclasses.replace(ref, revision=revision))
    if key is None or lock is None:
        return None
    for entry in lock.entries:
        if entry.key == key or (key[0] == "huggingface" and entry.key[:2] == key[:2]
                                and entry.id.lower() == key[2].lower() and (entry.revision or "") == key[3]):
            value = entry.commit or entry.version
            if value is None:
                return None
            return Pin(value, f"model lock ({lock_name})", revision or ("main" if key[0] == "huggingface" else
                                                                          "default branch"))
    return None
