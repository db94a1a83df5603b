"""PTM101 unpinned-hf-revision: a Hugging Face load without revision= (check; fix: pin the commit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ._common import HF_PINNABLE_SCHEMES, scheme, shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "huggingface" or ref.pin != "mutable" or ref.revision is not None:
        return
    if scheme(ref, ctx) not in HF_PINNABLE_SCHEMES or ref.model is None:
        return
    what = "dataset" if ref.role == "dataset" else "model"
    yield Hit(f"{what} {shown_id(ref)} is loaded from the mutable 'main' branch, so it can change under you; "
              f"pin revision= to a 40-character commit sha")


def pin_revision(ref: Reference) -> str | None:
    return None  # the default branch


def fix(fx: FixContext) -> Proposal | None:
    """Add revision="<sha>" at the call site (also when the id is a constant or default)."""
    import libcst as cst

    from ..fix.cst_tools import append_arg, find_arg, has_star_kwargs, keyword_arg
    from ..fix.pins import how_to_pin
    from ..fix.proposal import FIXED_RESOLUTIONS, SAFE, UNSAFE, Proposal, pin_source

    ref, loader = fx.ref, fx.loader
    if loader is None or loader.revision is None or not loader.revision.kw or ref.model is None:
        return None
    if has_star_kwargs(fx.call) or ref.dynamic_kwargs or find_arg(fx.call, loader.revision) is not None:
        return None
    pin = fx.pin(ref, None)
    if pin is None:
        fx.hints.append(how_to_pin(ref))
        return None
    name = loader.revision.kw[0]
    new_call = append_arg(fx.call, keyword_arg(name, cst.SimpleString(f'"{pin.value}"')))
    text = fx.unit.replace(fx.call, new_call)
    safe = ref.resolution in FIXED_RESOLUTIONS
    why = "" if safe else (f"; the id comes from {ref.provenance or ref.resolution} and can differ at run time, "
                           f"the pin is right only for {ref.model!r}")
    return Proposal(text, SAFE if safe else UNSAFE,
                    f'Pin {name}="{pin.value}" (what {pin_source(pin)} resolves to){why}')
