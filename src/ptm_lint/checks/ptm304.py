"""PTM304 tf1-hub-module: TF1 hub.Module, removed in tensorflow_hub 0.16 (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference

SCOPE = "reference"


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.api.endswith(".Module") and ref.api.startswith("tensorflow_hub"):
        yield Hit("hub.Module is the TF1 API, removed in tensorflow_hub 0.16.0; load the SavedModel with "
                  "hub.load() or hub.KerasLayer()")
