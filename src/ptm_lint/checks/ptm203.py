"""PTM203 pickle-weights: pickle-format weights chosen (use_safetensors=False, .bin/.pt/.ckpt downloads) (check; fix: use_safetensors=True, unsafe)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ._common import PICKLE_SUFFIXES, option, shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if option(ref, "use_safetensors") is False:
        yield Hit(f"{shown_id(ref)} is loaded with use_safetensors=False, forcing pickle-format weights; use "
                  f"safetensors (use_safetensors=True)")
        return
    filename = ref.args.get("filename")
    if isinstance(filename, str) and filename.lower().endswith(PICKLE_SUFFIXES):
        yield Hit(f"{filename!r} from {shown_id(ref)} is a pickle-format file; loading it can run code: prefer "
                  f"the repo's .safetensors file")
        return
    if ref.api.endswith("from_single_file") and ref.model and ref.model.lower().split("?")[0].endswith(PICKLE_SUFFIXES):
        yield Hit(f"{shown_id(ref)} is a pickle-format checkpoint; prefer a .safetensors file")


def fix(fx: FixContext) -> Proposal | None:
    """use_safetensors=False -> True (unsafe: fails when the repo has no safetensors files)."""
    import libcst as cst

    from ..fix.cst_tools import find_kwarg
    from ..fix.proposal import UNSAFE, Proposal

    found = find_kwarg(fx.call, "use_safetensors")
    if found is None or not (isinstance(found[1].value, cst.Name) and found[1].value.value == "False"):
        return None
    text = fx.unit.replace(found[1].value, cst.Name("True"))
    return Proposal(text, UNSAFE, "Load safetensors weights (use_safetensors=True); fails if the repo has none")
