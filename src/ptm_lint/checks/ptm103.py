"""PTM103 unpinned-torch-hub-repo: torch.hub repo without a ref or on a branch (check; fix: pin ':<sha>', unsafe)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "torch_hub" or ref.pin != "mutable":
        return
    if ref.revision:
        yield Hit(f"torch.hub repo {ref.canonical!r} is loaded from branch {ref.revision!r}, which moves; "
                  f"pin ':<commit sha>' (or at least a release tag)")
    else:
        yield Hit(f"torch.hub repo {ref.canonical!r} has no ':ref', so the default branch is used (and cached "
                  f"forever on each machine); pin 'owner/repo:<commit sha>'")


def pin_revision(ref: Reference) -> str | None:
    return ref.revision if ref.canonical else ""


def fix(fx: FixContext) -> Proposal | None:
    """'owner/repo[:branch]' -> 'owner/repo:<sha>' (unsafe: torch.hub's fork check wants a tip)."""
    from ..fix.cst_tools import string_like
    from ..fix.pins import how_to_pin
    from ..fix.proposal import UNSAFE, Proposal, model_site, pin_source

    ref = fx.ref
    site = model_site(fx)
    if site is None or site.via is not None or not ref.canonical:
        return None
    pin = fx.pin(ref, ref.revision)
    if pin is None:
        fx.hints.append(how_to_pin(ref))
        return None
    new = string_like(site.node, f"{ref.canonical}:{pin.value}")
    line = fx.unit.positions[site.node].end.line
    text = fx.unit.replace(site.node, new)
    if ref.revision:
        text = fx.unit.add_comment(text, line, f"was: {fx.unit.code(site.node)}")
    return Proposal(text, UNSAFE,
                    f"Pin {ref.canonical}:{pin.value} ({pin_source(pin)}); torch.hub accepts a commit only "
                    f"while it is the tip of a branch or tag, later pass skip_validation=True or pin a tag")
