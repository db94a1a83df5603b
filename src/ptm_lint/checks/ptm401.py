"""PTM401 model-not-found: the repo does not exist, is disabled, renamed or private (needs hub metadata; check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import local_directory, repo_name

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None:
        return
    name = repo_name(ref, meta)
    if meta.status == "not_found":
        if local_directory(ref, ctx):
            return
        if "/" not in (ref.canonical or ""):
            yield Hit(f"no repository {name} exists on the Hub (HTTP 404); if it is a local directory, write it "
                      f"as a path ('./{ref.canonical}'), otherwise use the model's full 'org/name' id",
                      level="warning")
            return
        yield Hit(f"{name} does not exist on the Hub (HTTP 404): it was deleted, renamed without a redirect, "
                  f"or is private; loading it fails. If it was deleted, someone else can register the name "
                  f"and serve different files under it: switch to a maintained copy and pin its sha")
    elif meta.status == "disabled":
        yield Hit(f"{name} has been disabled by the Hub; loading it fails: switch to another model")
    elif meta.renamed_to:
        yield Hit(f"{name} was renamed to {meta.renamed_to!r}: the old id works only through a redirect, which "
                  f"breaks if someone registers the old name; use {meta.renamed_to!r}", level="warning")
    elif meta.private:
        yield Hit(f"{name} is a private repository: only accounts with access (and CI with an HF_TOKEN that "
                  f"has it) can load it", level="warning")
