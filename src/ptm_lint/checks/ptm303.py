"""PTM303 tfhub-dev-handle: a tfhub.dev handle (migrated to Kaggle Models) (check; fix: the Kaggle URL, unsafe)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ._common import shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.model and re.match(r"https?://tfhub\.dev/", ref.model):
        yield Hit(f"{shown_id(ref)} is a tfhub.dev handle: tfhub.dev redirects to Kaggle Models since November 2023 "
                  f"and assets that were not migrated are gone; use the model's kaggle.com/models URL")


def fix(fx: FixContext) -> Proposal | None:
    """A tfhub.dev handle -> the Kaggle Models URL it redirects to (known mappings only)."""
    from ..fix.cst_tools import literal_text, string_like
    from ..fix.proposal import UNSAFE, Proposal, model_site, via
    from ..fix.tfhub_kaggle import kaggle_url_for

    site = model_site(fx)
    if site is None:
        return None
    target = kaggle_url_for(literal_text(site.node) or "")
    if target is None:
        return None
    text = fx.unit.replace(site.node, string_like(site.node, target))
    return Proposal(text, UNSAFE, f"Use the Kaggle Models URL {target}{via(site)} (a different download and cache)")
