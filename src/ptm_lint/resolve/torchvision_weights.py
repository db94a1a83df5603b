"""torchvision builder → weights enum table (rules/torchvision_weights.toml), for PTM302 and its fix."""

from __future__ import annotations

import functools
import sys

from ..catalog import rules_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    data = tomllib.loads((rules_dir() / "torchvision_weights.toml").read_text(encoding="utf-8"))
    return data.get("builders", {})


def weights_enum(builder: str) -> str | None:
    """`resnet50` -> `ResNet50_Weights`."""
    entry = _table().get(builder)
    return entry["enum"] if entry else None


def legacy_member(builder: str) -> str | None:
    """The member `pretrained=True` selected: `resnet50` -> `IMAGENET1K_V1`."""
    entry = _table().get(builder)
    return entry["legacy"] if entry else None
