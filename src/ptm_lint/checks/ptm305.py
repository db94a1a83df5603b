"""PTM305 legacy-hf-id: a legacy un-namespaced Hugging Face id (check; fix: the namespaced id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ..resolve.hf_ids import LEGACY_IDS
from ._common import shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub == "huggingface" and ref.model in LEGACY_IDS:
        yield Hit(f"{shown_id(ref)} is a legacy id that moved to {LEGACY_IDS[ref.model]!r}; it works through a "
                  f"redirect for now, but use the namespaced id")


def fix(fx: FixContext) -> Proposal | None:
    """A legacy un-namespaced id -> its namespaced id (the same repo, through the redirect)."""
    from ..fix.cst_tools import literal_text, string_like
    from ..fix.proposal import SAFE, Proposal, model_site, via

    ref = fx.ref
    if ref.model is None or ref.canonical is None or ref.model == ref.canonical:
        return None
    site = model_site(fx)
    if site is None or literal_text(site.node) != ref.model:
        return None
    text = fx.unit.replace(site.node, string_like(site.node, ref.canonical))
    return Proposal(text, SAFE, f"Use the namespaced id {ref.canonical!r}{via(site)}")
