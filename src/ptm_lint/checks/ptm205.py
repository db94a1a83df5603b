"""PTM205 unverified-download: plain http://, check_hash=False, no hash_prefix (check; fix: https://, unsafe)."""

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
    url = ref.model or ""
    if url.startswith("http://"):
        yield Hit(f"{shown_id(ref)} is downloaded over plain http://, so anyone on the network path can replace it; "
                  f"use https://")
        return
    if ref.api.endswith(("load_state_dict_from_url", "model_zoo.load_url")):
        check_hash = ref.args.get("check_hash")
        if check_hash is True:
            return
        what = "check_hash=False" if check_hash is False else "no check_hash=True"
        yield Hit(f"{ref.api} with {what}: the downloaded file is not verified against the hash in its name; "
                  f"pass check_hash=True (and a URL whose file name ends in -<sha256 prefix>)")
    elif ref.api.endswith("download_url_to_file"):
        prefix = ref.args.get("hash_prefix")
        if isinstance(prefix, str) and len(prefix) >= 8:
            return
        yield Hit("download_url_to_file without a hash_prefix of at least 8 hex digits: the file is not "
                  "verified; pass hash_prefix=<sha256 prefix>")


def fix(fx: FixContext) -> Proposal | None:
    """http:// -> https:// in a literal URL (unsafe: the host must serve https)."""
    from ..fix.cst_tools import literal_text, string_like
    from ..fix.proposal import UNSAFE, Proposal, model_site, via

    if not (fx.ref.model or "").startswith("http://"):
        return None
    site = model_site(fx)
    if site is None:
        return None
    value = literal_text(site.node)
    if value is None or not value.startswith("http://"):
        return None
    text = fx.unit.replace(site.node, string_like(site.node, "https://" + value[len("http://"):]))
    return Proposal(text, UNSAFE, f"Download over https://{via(site)}")
