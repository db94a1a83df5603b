"""PTM404 restrictive-license: the model's licence is unknown, custom or restrictive (needs hub metadata; check only)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import Reference
from ._common import repo_name

SCOPE = "reference"


@functools.lru_cache(maxsize=1)
def note_licenses() -> frozenset[str]:
    """Licence ids PTM404 reports at level note (rules/licenses.toml [ptm404].note)."""
    from ..catalog import rules_dir

    if sys.version_info >= (3, 11):  # imported here: most runs never need it
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads((rules_dir() / "licenses.toml").read_text(encoding="utf-8"))
        ids = data.get("ptm404", {}).get("note", ["other", "unknown"])
        return frozenset(str(x).strip().lower() for x in ids)
    except (OSError, AttributeError, tomllib.TOMLDecodeError):
        return frozenset({"other", "unknown"})


def license_finding(license_ids: str) -> tuple[str, str, str] | None:
    """(licence id, level, why) of the most restrictive licence in a (comma-separated) card licence."""
    from ..graph.licenses import classify

    worst: tuple[str, str, str] | None = None
    for lic in (p.strip() for p in license_ids.split(",")):
        if not lic:
            continue
        cls = classify(lic)
        if cls is not None and cls.restrictive:
            return lic, "warning", cls.description
        if worst is None and lic.lower() in note_licenses():
            worst = (lic, "note", "")
    return worst


def check(ref: Reference, ctx: Context) -> Iterable[Hit]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or meta.license is None:
        return
    found = license_finding(meta.license)
    if found is None:
        return
    lic, level, why = found
    name = repo_name(ref, meta)
    if level == "warning":
        yield Hit(f"{name} is licensed under {lic!r}, which {why}; check that your use complies and record "
                  f"it in your model inventory", level=level)
    elif lic.lower() == "unknown":
        yield Hit(f"the model card of {name} states no licence, so you have no licence to use it; ask the "
                  f"authors or choose a model with a clear licence", level=level)
    else:
        label = f" ({meta.license_name})" if meta.license_name else ""
        yield Hit(f"{name} is under a custom licence ({lic!r}{label}); read its terms before using it",
                  level=level)
