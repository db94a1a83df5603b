"""PTM106 floating-alias: torchvision DEFAULT weights, timm default tags, hf-hub: names without @sha (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import scheme, shown_id

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    kind = scheme(ref, ctx)
    rev = ref.revision or ""
    if kind == "torchvision" and ref.pin == "library" and rev.split(".")[-1] == "DEFAULT":
        from ..resolve.torchvision_weights import weights_enum  # reads its table: torchvision findings only

        enum = weights_enum(ref.model or "") or "<Model>_Weights"
        yield Hit(f"weights={rev!r} is an alias that newer torchvision releases may re-point; "
                  f"name the member of {enum} you mean explicitly")
    elif kind == "timm" and ref.pin == "library" and ref.model and "." not in ref.model:
        yield Hit(f"timm model {shown_id(ref)} has no pretrained tag, so the default tag of the installed timm "
                  f"version is used; name it (e.g. '{ref.model}.a1_in1k')")
    elif kind in ("timm", "open_clip") and (ref.model or "").startswith(("hf-hub:", "hf_hub:")) and ref.pin != "immutable":
        yield Hit(f"{shown_id(ref)} loads the Hub repo at its current 'main'; add '@<40-character sha>'"
                  + (" (open_clip cannot pin: download a pinned snapshot and use local-dir:)" if kind == "open_clip" else ""))
