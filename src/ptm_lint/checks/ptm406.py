"""PTM406 repo-requires-remote-code: the repo ships Python code that runs on load (needs hub metadata; check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or not meta.requires_remote_code:
        return
    trust = ref.options.get("trust_remote_code")
    if trust is False:
        return
    other = ""
    if meta.remote_code_repos:
        other = (f"; its auto_map also pulls code from {', '.join(map(repr, meta.remote_code_repos))}, which "
                 f"follows that repository's main unless code_revision= is pinned")
    pinned = ref.pin == "immutable"
    if trust is True or trust == "<unresolved>":
        if pinned:
            yield Hit(f"{repo_name(ref, meta)} ships its own Python code (auto_map / custom_code), which runs when "
                      f"it is loaded; it is pinned to a commit, so review the code at that commit{other}",
                      level="note")
        else:
            yield Hit(f"{repo_name(ref, meta)} ships its own Python code (auto_map / custom_code), which runs when "
                      f"it is loaded, and the revision is not pinned: whoever can push to the repository can "
                      f"change that code; pin revision= to a reviewed commit sha{other}", level="warning")
    else:
        yield Hit(f"{repo_name(ref, meta)} ships its own Python code (auto_map / custom_code): without "
                  f"trust_remote_code=True the library uses a built-in class if it has one and fails "
                  f"otherwise; if you enable it, pin revision= to a reviewed commit sha{other}", level="note")
