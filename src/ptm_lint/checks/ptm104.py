"""PTM104 unversioned-hub-handle: TF Hub / Kaggle handle or hf:// path without a version (check; fix: the cached Kaggle version)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ._common import shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.pin != "mutable":
        return
    if ref.hub in ("tf_hub", "kaggle"):
        yield Hit(f"{shown_id(ref)} has no version, so it resolves to whatever version is latest; "
                  f"append the version number (…/<N>)")
    elif ref.hub == "huggingface" and ref.model and ref.model.startswith("hf://") and "@" not in ref.model:
        yield Hit(f"{shown_id(ref)} is an hf:// handle without '@<sha>': {ref.api} downloads the current 'main'; "
                  f"download a pinned snapshot with snapshot_download(revision=<sha>) and load it from disk")


def pin_revision(ref: Reference) -> str | None:
    return None if ref.hub == "kaggle" else ""


def fix(fx: FixContext) -> Proposal | None:
    """Append the version the local kagglehub cache holds to a Kaggle handle or URL."""
    from ..fix.cst_tools import literal_text, string_like
    from ..fix.pins import how_to_pin
    from ..fix.proposal import SAFE, Proposal, model_site, pin_source, via

    ref = fx.ref
    if ref.hub != "kaggle":
        return None
    site = model_site(fx)
    if site is None:
        return None
    text_value = literal_text(site.node)
    if text_value is None:
        return None
    pin = fx.pin(ref, None)
    if pin is None:
        fx.hints.append(how_to_pin(ref))
        return None
    head, sep, query = text_value.partition("?")
    new_value = head.rstrip("/") + "/" + pin.value + sep + query
    text = fx.unit.replace(site.node, string_like(site.node, new_value))
    return Proposal(text, SAFE, f"Pin version {pin.value} ({pin_source(pin)}){via(site)}")
