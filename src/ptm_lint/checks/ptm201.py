"""PTM201 trust-remote-code: trust_remote_code=True runs the repo's Python code (error unless pinned to a sha; check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import option, shown_id

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if option(ref, "trust_remote_code") is not True:
        return
    if ref.hub == "local":
        return  # the code comes from a folder the project itself holds, not from a Hub repo
    hub = "ModelScope" if ref.hub == "modelscope" else "the Hub"
    if ref.pin == "immutable":
        yield Hit(f"{shown_id(ref)} runs Python code from its {hub.removeprefix('the ')} repo (trust_remote_code=True); it is pinned to "
                  f"a commit, so review the code at that commit", level="warning")
    else:
        yield Hit(f"{shown_id(ref)} runs Python code from {hub} (trust_remote_code=True) at a revision that can "
                  f"change: anyone who can push to the repo can run code on your machine; pin revision= "
                  f"to a reviewed 40-character commit sha", level="error")
