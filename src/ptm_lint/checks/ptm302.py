"""PTM302 torchvision-pretrained: torchvision's deprecated pretrained= (check; fix: the weights= it meant)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ..discover.project import any_at_least
from ._common import scheme

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if scheme(ref, ctx) != "torchvision" or "pretrained" not in ref.keywords:
        return
    if any_at_least(ctx.declared("torchvision"), "0.13") is False:
        return
    from ..resolve.torchvision_weights import legacy_member, weights_enum  # reads its table: torchvision only

    value = ref.args.get("pretrained")
    builder = ref.model or ""
    target = ("weights=None" if value is False else
              f"weights={weights_enum(builder) or '<Model>_Weights'}.{legacy_member(builder) or 'IMAGENET1K_V1'}")
    yield Hit(f"pretrained= is deprecated since torchvision 0.13; use {target} (what pretrained=True meant)")


def fix(fx: FixContext) -> Proposal | None:
    """pretrained=True -> weights=<Enum>.<legacy member> (what it meant); False -> weights=None."""
    import libcst as cst

    from ..fix.cst_tools import add_import_name, binds, find_kwarg, import_binding
    from ..fix.proposal import SAFE, Proposal
    from ..resolve.torchvision_weights import legacy_member, weights_enum

    call, ref = fx.call, fx.ref
    found = find_kwarg(call, "pretrained")
    if found is None or find_kwarg(call, "weights") is not None:
        return None
    _, arg = found
    if not isinstance(arg.value, cst.Name) or arg.value.value not in ("True", "False"):
        return None
    builder = ref.model or ""
    if arg.value.value == "False":
        text = fx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"), value=cst.Name("None")))
        return Proposal(text, SAFE, "Replace pretrained=False with weights=None")
    enum, member = weights_enum(builder), legacy_member(builder)
    if enum is None or member is None:
        return None
    func = call.func
    description = f"Replace pretrained=True with weights={enum}.{member} (the weights pretrained=True loads)"
    if fx.loader is not None and not fx.loader.model_from_callee:  # get_model("resnet50", ...)
        text = fx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"),
                                                     value=cst.SimpleString(f'"{enum}.{member}"')))
        return Proposal(text, SAFE, description)
    if isinstance(func, cst.Attribute):
        value = cst.Attribute(value=cst.Attribute(value=func.value, attr=cst.Name(enum)), attr=cst.Name(member))
        text = fx.unit.replace(arg, arg.with_changes(keyword=cst.Name("weights"), value=value))
        return Proposal(text, SAFE, description)
    if not isinstance(func, cst.Name):
        return None
    value = cst.Attribute(value=cst.Name(enum), attr=cst.Name(member))
    new_arg = arg.with_changes(keyword=cst.Name("weights"), value=value)
    if binds(fx.unit, enum, star_from="torchvision.models"):
        return Proposal(fx.unit.replace(arg, new_arg), SAFE, description)
    statement = import_binding(fx.unit, func.value)
    if statement is None:
        return None
    text = fx.unit.replace_many([(arg, new_arg), (statement, add_import_name(statement, enum))])
    return Proposal(text, SAFE, description + f", importing {enum}")
