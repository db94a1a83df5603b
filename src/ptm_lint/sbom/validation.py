"""Strict CycloneDX JSON validation with a schema validator compiled once per spec version.

cyclonedx-python-lib's JsonStrictValidator checks `iri-reference` formats with rfc3987-syntax, an
Earley parser taking ~0.1 s per IRI: 93 % of `ptm-lint sbom` on the demo app. The same strict schema
and registry are used here, with the IRI formats checked the way RFC 3987 §3.1 defines them: an
IRI is valid when the URI it maps to (non-ASCII characters percent-encoded as UTF-8) is, and that
URI is checked by rfc3986-validator's compiled RFC 3986 expression.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import quote

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _uri_of_iri(iri: str) -> str:
    """RFC 3987 §3.1 step 2: the URI an IRI maps to."""
    return _NON_ASCII.sub(lambda m: quote(m.group(), safe="", errors="surrogatepass"), iri)


def _import_jsonschema(*, skip_rfc3987_syntax: bool) -> None:
    """Import jsonschema, without rfc3987-syntax when IRIs are checked here: that module compiles
    its grammar when imported (~1 s), and jsonschema imports it only for the IRI formats."""
    import sys

    if "jsonschema" in sys.modules or not skip_rfc3987_syntax or "rfc3987_syntax" in sys.modules:
        import jsonschema  # noqa: F401
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


@functools.cache  # one compiled validator per version for the process (a pure function of it)
def strict_json_validator(spec_version: str) -> Any:
    """A jsonschema Draft7Validator for CycloneDX `spec_version`'s strict JSON schema.

    Raises ImportError when jsonschema / cyclonedx's schema resources are not installed."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.schema._res import BOM_JSON_STRICT, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON

    try:
        from rfc3986_validator import validate_rfc3986
    except ImportError:  # keep jsonschema's own (slow, exact) IRI checks
        validate_rfc3986 = None
    _import_jsonschema(skip_rfc3987_syntax=validate_rfc3986 is not None)
    from jsonschema import FormatChecker
    from jsonschema.validators import Draft7Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    def load(path: str) -> Any:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    prefix = "http://cyclonedx.org/schema/"
    registry = Registry().with_resources([
        (f"{prefix}spdx.SNAPSHOT.schema.json", DRAFT7.create_resource(load(SPDX_JSON))),
        (f"{prefix}cryptography-defs.SNAPSHOT.schema.json", DRAFT7.create_resource(load(CRYPTOGRAPHY_DEFS))),
        (f"{prefix}jsf-0.82.SNAPSHOT.schema.json", DRAFT7.create_resource(load(JSF))),
    ])
    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft7Validator.FORMAT_CHECKER.checkers)  # this instance's own copy
    if validate_rfc3986 is not None:
        def iri(rule: str):
            def check(instance: object) -> bool:
                return not isinstance(instance, str) or validate_rfc3986(_uri_of_iri(instance), rule=rule) is not None
            return check

        checker.checks("iri", raises=ValueError)(iri("URI"))
        checker.checks("iri-reference", raises=ValueError)(iri("URI_reference"))
    schema = load(BOM_JSON_STRICT[SchemaVersion.from_version(spec_version)])
    return Draft7Validator(schema, registry=registry, format_checker=checker)


def json_errors(text: str, spec_version: str) -> list[str]:
    """Schema errors of a CycloneDX JSON document, in document order."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
            for e in strict_json_validator(spec_version).iter_errors(json.loads(text))]
