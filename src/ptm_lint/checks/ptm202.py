"""PTM202 unsafe-torch-load: torch.load without weights_only=True, judged by the declared torch (check; fix: add it, unsafe)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ..discover.project import all_at_least
from ._common import option

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"
TORCH_LOAD = ("torch.load", "torch.serialization.load")
PICKLING_DOWNLOADS = ("load_state_dict_from_url", "model_zoo.load_url")


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    weights_only = option(ref, "weights_only", None)
    if weights_only is False:
        yield Hit(f"{ref.api} with weights_only=False unpickles arbitrary objects: a malicious checkpoint "
                  f"runs code when loaded; use weights_only=True (or safetensors)")
        return
    if "weights_only" in ref.options:
        return  # True, or a value ptm-lint cannot resolve
    if ref.loader in TORCH_LOAD or ref.api in TORCH_LOAD:
        if "pickle_module" in ref.options:
            yield Hit("torch.load with pickle_module= and no weights_only=True is a full pickle load even "
                      "on torch >= 2.6; pass weights_only=True")
            return
        safe = all_at_least(ctx.declared("torch"), "2.6")
        if safe:
            return
        why = ("the project does not declare a torch version" if safe is None
               else f"the project allows torch {ctx.declared('torch')}")
        yield Hit(f"torch.load without weights_only=True unpickles arbitrary objects before torch 2.6, and "
                  f"{why}; pass weights_only=True")
    elif ref.api.endswith(PICKLING_DOWNLOADS):
        yield Hit(f"{ref.api} defaults to weights_only=False on every torch version, so the download is "
                  f"unpickled with full pickle; pass weights_only=True")


def fix(fx: FixContext) -> Proposal | None:
    """Add weights_only=True where it is absent (unsafe: checkpoints with custom objects fail)."""
    import libcst as cst

    from ..fix.cst_tools import append_arg, find_kwarg, has_star_kwargs, keyword_arg
    from ..fix.proposal import UNSAFE, Proposal

    call, ref = fx.call, fx.ref
    if find_kwarg(call, "weights_only") or find_kwarg(call, "pickle_module") or has_star_kwargs(call):
        return None
    if ref.dynamic_kwargs or "weights_only" in ref.options or "pickle_module" in ref.options:
        return None
    if any(a.star == "*" for a in call.args):
        return None
    text = fx.unit.replace(call, append_arg(call, keyword_arg("weights_only", cst.Name("True"))))
    return Proposal(text, UNSAFE, "Add weights_only=True (checkpoints holding custom classes then fail to load: "
                                  "allow them with torch.serialization.add_safe_globals)")
