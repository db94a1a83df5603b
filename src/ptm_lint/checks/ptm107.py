"""PTM107 unresolved-model-id: the model id cannot be resolved statically, so the SBOM is incomplete (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.resolution != "unknown" or ref.model is not None:
        return
    why = f" ({ref.provenance})" if ref.provenance else ""
    yield Hit(f"the model id passed to {ref.api} cannot be resolved statically{why}; the inventory and SBOM "
              f"are incomplete here: use a constant, or annotate it with `# ptm-lint: ignore[PTM107]`")
