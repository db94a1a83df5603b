"""How often the cyclic garbage collector runs: rarely, since ptm-lint's objects are short-lived."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def few_gc_passes() -> Iterator[None]:
    """Collect rarely inside the block. Scanning allocates millions of short-lived AST nodes, and a
    warm run's start-up thousands of records (imports, the cache manifest); with the default
    thresholds the cyclic collector runs every 700 allocations and its older generations re-traverse
    everything alive (10-25% of a scan, a few ms of a 0.08 s run). The scanner breaks its own cycles
    (scanner._release) and reference counting frees almost everything else."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
