"""PTM105 library-default-model: no model given, so the library picks its default (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ..resolve.classify import UNRESOLVED
from ._common import shown_id

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.resolution != "default" or not (ref.provenance or "").startswith("no model given"):
        return
    if ref.role == "pipeline" and ref.model is None:
        task = ref.args.get("task")
        task_text = f" for task {task!r}" if isinstance(task, str) and task != UNRESOLVED else ""
        yield Hit(f"no model given: {ref.library} picks its default model{task_text}, which changes between "
                  f"{ref.library} versions; pass model= and revision= explicitly")
    else:
        yield Hit(f"no model given: {ref.library} falls back to its default {shown_id(ref)}; name the model "
                  f"explicitly and pin its revision")
