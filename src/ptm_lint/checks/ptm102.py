"""PTM102 mutable-hf-revision: revision= is a branch, tag, short sha or PR ref (check; fix: the commit it resolves to)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..check.context import Context, Hit
from ..core import Reference
from ..resolve.classify import SHA40, revision_pin
from ._common import HF_PINNABLE_SCHEMES, scheme, shown_id

if TYPE_CHECKING:
    from ..fix.proposal import FixContext, Proposal

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    rev = ref.revision
    if ref.hub != "huggingface" or rev is None or ref.pin not in ("weak", "mutable"):
        return
    if scheme(ref, ctx) not in HF_PINNABLE_SCHEMES:
        return
    if rev.startswith("refs/pr/"):
        why = f"revision {rev!r} is the head of a pull request, which moves as commits are pushed"
    elif re.fullmatch(r"[0-9a-fA-F]{7,40}", rev) and not SHA40.fullmatch(rev):
        why = (f"revision {rev!r} is a short or non-lowercase sha: huggingface_hub treats it as a ref name, "
               f"not a commit, and always asks the Hub")
    elif revision_pin(rev) == "weak":
        why = f"revision {rev!r} is a tag, and tags can be deleted and re-created"
    else:
        why = f"revision {rev!r} is a branch, which moves with every push"
    via = f" (from {ref.revision_provenance})" if ref.revision_provenance else ""
    yield Hit(f"{shown_id(ref)}: {why}{via}; pin the full 40-character commit sha")


def pin_revision(ref: Reference) -> str | None:
    return ref.revision


def fix(fx: FixContext) -> Proposal | None:
    """Replace a branch/tag/short-sha literal by its sha; the old value goes into a comment."""
    import libcst as cst

    from ..fix.cst_tools import find_arg, literal_text, string_like
    from ..fix.pins import SHA40 as FULL_SHA, how_to_pin
    from ..fix.proposal import SAFE, Proposal, pin_source

    ref, loader = fx.ref, fx.loader
    if loader is None or loader.revision is None or ref.model is None:
        return None
    found = find_arg(fx.call, loader.revision)
    if found is None or not isinstance(found[1].value, cst.SimpleString):
        return None
    old = found[1].value
    rev = literal_text(old)
    if rev is None or FULL_SHA.fullmatch(rev):
        return None
    pin = fx.pin(ref, rev)
    if pin is None:
        fx.hints.append(how_to_pin(ref))
        return None
    line = fx.unit.positions[old].end.line
    text = fx.unit.replace(old, string_like(old, pin.value))
    text = fx.unit.add_comment(text, line, f"was: {fx.unit.code(old)}")
    return Proposal(text, SAFE, f"Pin the commit {pin.value} that {pin_source(pin)} resolves to")
