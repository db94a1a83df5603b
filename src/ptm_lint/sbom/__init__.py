"""Model SBOM: a CycloneDX 1.6 / 1.7 ML-BOM of every model the scanned code depends on.

    from ptm_lint.sbom import SbomOptions, generate
    text = generate(result.references, read_project(root), SbomOptions(fmt="json"), metadata=by_key)

cyclonedx-python-lib is imported only here (lazily, by `generate`), never by the other commands.
See docs/sbom.md for what each field means.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..core import Reference

FORMATS = {"cyclonedx-json": "json", "cyclonedx-xml": "xml", "json": "json", "xml": "xml"}
SPEC_VERSIONS = ("1.6", "1.7")
# Namespace for content-derived serial numbers (uuid5 of a digest of the document).
SERIAL_NAMESPACE = uuid.UUID("5b8f1f7e-3f2c-5d0a-9a44-7074d2d6c1a1")


class SbomError(Exception):
    """The SBOM could not be produced as asked (bad option, or it failed schema validation)."""


@dataclass(frozen=True)
class SbomOptions:
    fmt: str = "json"  # json | xml (or cyclonedx-json | cyclonedx-xml)
    spec_version: str = "1.6"
    # Reproducible output: serialNumber derived from the content (uuid5), timestamp from
    # `source_date_epoch` (or omitted). SOURCE_DATE_EPOCH in the environment implies it.
    reproducible: bool = False
    source_date_epoch: int | None = None
    serial_number: str | None = None  # explicit urn:uuid:… (wins over `reproducible`)
    validate: bool | None = None  # None: validate when the validator's dependencies are installed
    project_name: str | None = None
    tool_version: str | None = None

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None, **kwargs: Any) -> SbomOptions:
        """Options with `source_date_epoch` read from SOURCE_DATE_EPOCH (reproducible-builds.org)."""
        environ = os.environ if environ is None else environ
        raw = environ.get("SOURCE_DATE_EPOCH", "").strip()
        if raw and kwargs.get("source_date_epoch") is None:
            try:
                kwargs["source_date_epoch"] = int(raw)
            except ValueError:
                raise SbomError(f"SOURCE_DATE_EPOCH must be an integer, got {raw!r}") from None
        return SbomOptions(**kwargs)


def _normalize_serial(value: str) -> str:
    text = value.strip()
    try:
        return uuid.UUID(text.removeprefix("urn:uuid:")).urn
    except ValueError:
        raise SbomError(f"serial number must be a UUID (urn:uuid:…), got {value!r}") from None


def _timestamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def _schema_version(spec_version: str) -> Any:
    from cyclonedx.schema import SchemaVersion

    try:
        return SchemaVersion.from_version(spec_version)
    except ValueError:
        import importlib.metadata

        installed = importlib.metadata.version("cyclonedx-python-lib")
        raise SbomError(f"CycloneDX {spec_version} needs a newer cyclonedx-python-lib "
                        f"(installed: {installed})") from None


def generate(references: Sequence[Reference], project: Any = None, options: SbomOptions | None = None, *,
             metadata: Mapping[tuple[str, str, Any], Any] | None = None, lock: Any = None) -> str:
    """The SBOM document (JSON or XML text) for these inventory references.

    `project` is a `discover.project.Project` (name, version, declared requirements) or None;
    `metadata` maps (hub, canonical id, revision) to `hub.model.ModelMeta` (hub/resolver.py
    `by_key`); without it the SBOM holds what the code says and nothing from the hub. `lock` (the
    project's lock.lockfile.Lock) puts the locked commits and file hashes on the components.
    """
    from .. import __version__
    from . import cdx, extras
    from .plan import plan as make_plan

    options = options or SbomOptions()
    fmt = FORMATS.get(options.fmt)
    if fmt is None:
        raise SbomError(f"unknown SBOM format {options.fmt!r} (cyclonedx-json or cyclonedx-xml)")
    if options.spec_version not in SPEC_VERSIONS:
        raise SbomError(f"unsupported CycloneDX version {options.spec_version!r} (1.6 or 1.7)")
    _schema_version(options.spec_version)
    the_plan = make_plan(references, project, metadata, project_name=options.project_name)
    bom, more = cdx.build(the_plan, options.tool_version or __version__, lock)
    text = cdx.serialize(bom, fmt, options.spec_version)

    reproducible = options.reproducible or options.source_date_epoch is not None
    timestamp: Any = extras.KEEP
    if options.source_date_epoch is not None:
        timestamp = _timestamp(options.source_date_epoch)
    elif reproducible:
        timestamp = extras.DROP

    def edit(serial: Any) -> str:
        if fmt == "json":
            return extras.edit_json(text, more.model_cards, more.component_data, serial, timestamp)
        return extras.edit_xml(text, options.spec_version, more.model_cards, more.component_data, serial, timestamp)

    if options.serial_number:
        out = edit(_normalize_serial(options.serial_number))
    elif reproducible:
        digest = hashlib.sha256(edit(extras.DROP).encode("utf-8")).hexdigest()
        out = edit(uuid.uuid5(SERIAL_NAMESPACE, digest).urn)
    else:
        out = edit(extras.KEEP)
    if options.validate is not False:
        errors = validate(out, fmt, options.spec_version, required=options.validate is True)
        if errors:
            raise SbomError("the generated SBOM is not valid CycloneDX " + options.spec_version + ":\n"
                            + "\n".join(f"  {e}" for e in errors[:10]))
    return out


def validate(text: str, fmt: str, spec_version: str, *, required: bool = True) -> list[str]:
    """Schema errors in `text` (cyclonedx-python-lib's strict JSON / XML validators).

    Without the validators' optional dependencies (jsonschema / lxml), raises SbomError when
    `required`, else returns [] (nothing checked).
    """
    from cyclonedx.exception import MissingOptionalDependencyException
    from cyclonedx.schema import SchemaVersion

    version = SchemaVersion.from_version(spec_version)
    try:
        if FORMATS.get(fmt, fmt) == "json":
            from .validation import json_errors

            try:
                return json_errors(text, spec_version)
            except ImportError as exc:  # jsonschema is cyclonedx's optional validation extra
                raise MissingOptionalDependencyException(str(exc)) from exc
        from cyclonedx.validation.xml import XmlValidator

        found = XmlValidator(version).validate_str(text, all_errors=True)
    except MissingOptionalDependencyException as exc:
        if required:
            raise SbomError("validating the SBOM needs cyclonedx-python-lib's validation extra: "
                            "pip install 'cyclonedx-python-lib[validation]'") from exc
        return []
    return [str(e) for e in found] if found else []


__all__ = ["SbomError", "SbomOptions", "generate", "validate", "FORMATS", "SPEC_VERSIONS"]
