"""PTM107 unresolved-model-id: the model id cannot be resolved statically, so the SBOM is incomplete (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.resolution != "unknown" or ref.model is not None:
        return
    if ref.hub == "local":
        return  # a path built on disk (Path(...) / "x", os.path.join): nothing the SBOM lists
    loader = ctx.catalog.by_id(ref.loader)
    if loader is not None and loader.scheme == "path" and (
            ref.options.get("weights_only") is True or "weights_only" not in loader.options):
        # torch.load(weights_only=True) / safetensors of the project's own file: tensors from disk,
        # no hub model for the inventory to miss (PTM202 judges an unrestricted torch.load)
        return
    why = f" ({ref.provenance})" if ref.provenance else ""
    yield Hit(f"the model id passed to {ref.api} cannot be resolved statically{why}; the inventory and SBOM "
              f"are incomplete here: use a constant, or annotate it with `# ptm-lint: ignore[PTM107]`")
