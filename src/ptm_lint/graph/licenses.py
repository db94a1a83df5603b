"""License classes from rules/licenses.toml (shared by PTM404 and PTM503).

The classification is data, not code: `classify("cc-by-nc-4.0")` returns the class record
(`noncommercial`), `None` for a license the data does not list (never judged).
`derivative_conflict(base, derived)` says whether a model under `derived` may be derived from one
under `base`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..catalog import CatalogError, rules_dir

from .. import tomlcompat as tomllib

COMMERCIAL = ("yes", "no", "conditional")


@dataclass(frozen=True, slots=True)
class LicenseClass:
    id: str
    description: str
    commercial_use: str  # yes | no | conditional
    restrictive: bool
    derivatives: str | frozenset[str]  # "any", "none", or the other class ids a derivative may use
    licenses: frozenset[str]

    def allows_derivative(self, other: LicenseClass) -> bool:
        if self.derivatives == "none":
            return False
        if self.derivatives == "any" or other.id == self.id:
            return True
        assert isinstance(self.derivatives, frozenset)
        return other.id in self.derivatives


@dataclass(frozen=True)
class LicenseTable:
    classes: Mapping[str, LicenseClass]
    by_license: Mapping[str, LicenseClass]

    def classify(self, license_id: str | None) -> LicenseClass | None:
        if not license_id:
            return None
        return self.by_license.get(normalize(license_id))


def normalize(license_id: str) -> str:
    return license_id.strip().lower()


def parse_licenses(data: Mapping, source: str = "licenses.toml") -> LicenseTable:
    raw = data.get("classes")
    if not isinstance(raw, Mapping) or not raw:
        raise CatalogError(f"{source}: needs a [classes.<id>] table per license class")
    classes: dict[str, LicenseClass] = {}
    by_license: dict[str, LicenseClass] = {}
    for cid, entry in raw.items():
        where = f"{source} [classes.{cid}]"
        unknown = set(entry) - {"description", "commercial_use", "restrictive", "derivatives", "licenses"}
        if unknown:
            raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
        commercial = entry.get("commercial_use")
        if commercial not in COMMERCIAL:
            raise CatalogError(f"{where}: commercial_use must be one of {COMMERCIAL}")
        derivatives = entry.get("derivatives", "any")
        if isinstance(derivatives, list):
            derivatives = frozenset(derivatives)
        elif derivatives not in ("any", "none"):
            raise CatalogError(f"{where}: derivatives must be \"any\", \"none\" or a list of class ids")
        licenses = frozenset(normalize(x) for x in entry.get("licenses", ()))
        cls = LicenseClass(cid, str(entry.get("description", cid)), commercial, bool(entry.get("restrictive")),
                           derivatives, licenses)
        for lic in licenses:
            if lic in by_license:
                raise CatalogError(f"{where}: license {lic!r} is already in class {by_license[lic].id!r}")
            by_license[lic] = cls
        classes[cid] = cls
    for cls in classes.values():
        if isinstance(cls.derivatives, frozenset) and not cls.derivatives <= set(classes):
            raise CatalogError(f"{source} [classes.{cls.id}]: derivatives names unknown classes "
                               f"{sorted(cls.derivatives - set(classes))}")
    return LicenseTable(MappingProxyType(classes), MappingProxyType(by_license))


def load_licenses(path: Path | None = None) -> LicenseTable:
    path = path or rules_dir() / "licenses.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path.name}: {exc}") from exc
    return parse_licenses(data, path.name)


@functools.lru_cache(maxsize=1)
def default_licenses() -> LicenseTable:
    return load_licenses()


def classify(license_id: str | None) -> LicenseClass | None:
    """The class of a license id from a model card, or None when it is not classified."""
    return default_licenses().classify(license_id)


def derivative_conflict(base_license: str | None, derived_license: str | None) -> bool:
    """True when a model under `derived_license` may not be derived from one under `base_license`.

    False whenever either license is missing or unclassified: unknown is not a conflict.
    """
    base, derived = classify(base_license), classify(derived_license)
    if base is None or derived is None:
        return False
    if normalize(base_license or "") == normalize(derived_license or "") and base.derivatives != "none":
        return False
    return not base.allows_derivative(derived)
