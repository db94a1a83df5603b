"""How fixes get their pins: the run's pin source (the local caches, the Hub with --online) and its memo."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import Reference
from .pins import Pin, resolve_pin

PinFn = Callable[[Reference, "str | None"], "Pin | None"]


@dataclass
class FixOptions:
    online: bool = False
    pin: PinFn | None = None  # override the pin source (tests, a metadata resolver)
    # Hub metadata the run already has (hub.resolver.MetadataResult.by_key), and how to look up more
    # (`lookup(references) -> MetadataResult`, e.g. honouring --cache-dir); both optional.
    metadata: Mapping | None = None
    lookup: Callable | None = None
    # The model lock (lock.lockfile.Lock) and its name: the first source of pins (fix.pins.lock_pin).
    lock: Any = None
    lock_name: str = "ptm-lint.lock"
    _cache: dict = field(default_factory=dict, repr=False)

    def resolve(self, ref: Reference, revision: str | None) -> Pin | None:
        key = (ref.hub, ref.model, ref.canonical, ref.role, revision)
        if key not in self._cache:
            if self.pin is not None:
                self._cache[key] = self.pin(ref, revision)
            else:
                self._cache[key] = resolve_pin(ref, online=self.online, revision=revision, lookup=self.lookup,
                                               known=self._known, locked=self._locked if self.lock else None)
        return self._cache[key]

    def _locked(self, ref: Reference, revision: str | None) -> Pin | None:
        from ..lock.check import lock_pin

        return lock_pin(ref, revision, self.lock, self.lock_name)

    def _known(self, ref: Reference, revision: str | None) -> Pin | None:
        """A commit the run's metadata already holds for exactly this (id, revision)."""
        if not self.metadata or ref.hub != "huggingface" or ref.canonical is None:
            return None
        meta = self.metadata.get(("huggingface", ref.canonical, revision))
        wanted = "dataset" if ref.role == "dataset" else "model"
        if meta is None or getattr(meta, "repo_type", wanted) != wanted:
            return None
        if getattr(meta, "source", "") == "hf-cache":
            return None  # the local cache is read directly (same answer, with the folder named)
        from .pins import pin_from_meta

        return pin_from_meta(meta, revision)
