"""The result cache's JSON codec: a FileScan (and every record and value it holds) to JSON data and
back, building only ptm_lint.core records and the scanner's value types (never pickle)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

from .core import CallSite, FileError, FileScan, Secret, Span, Value, Variant


@dataclasses.dataclass(frozen=True, slots=True)
class Opaque:
    """Stands in for a symbolic value that only means something inside one scan (a class or an
    object of the scanned code, an argparse namespace): classification treats it as 'not plain'."""

    kind: str


class _Unencodable(Exception):
    pass


_CORE = {cls.__name__: cls for cls in (FileScan, CallSite, Span, Value, Variant, FileError, Secret, Opaque)}


def _value_types() -> Any:
    from .scan import values

    return values


def encode(obj: Any) -> Any:
    """A JSON-able form of a FileScan (and everything it holds), decoded back by decode()."""
    kind = type(obj)
    if obj is None or kind is str or kind is bool or kind is int:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if kind is tuple:
        return [encode(item) for item in obj]
    if kind is list:
        return {"$list": [encode(item) for item in obj]}
    if kind is dict or (isinstance(obj, Mapping) and not dataclasses.is_dataclass(obj)):
        if all(type(k) is str and not k.startswith("$") for k in obj):
            return {k: encode(v) for k, v in obj.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in obj.items()]}
    if kind is frozenset or kind is set:
        items = [encode(item) for item in obj]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {"$set": items, "frozen": kind is frozenset}
    if kind is bytes:
        return {"$bytes": obj.hex()}
    if kind.__name__ in _CORE and _CORE[kind.__name__] is kind:
        return _encode_dataclass(obj)
    values = _value_types()
    if getattr(values, kind.__name__, None) is kind:
        if isinstance(obj, str):
            return {"$str": kind.__name__, "text": str(obj)}
        if dataclasses.is_dataclass(obj):
            try:
                return _encode_dataclass(obj, strict=True)
            except _Unencodable:
                pass
    return {"$": "Opaque", "kind": kind.__name__}


def _encode_dataclass(obj: Any, strict: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"$": type(obj).__name__}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        if field.default is not dataclasses.MISSING and value == field.default and type(value) is type(field.default):
            continue
        encoded = encode(value)
        if strict and _has_opaque(encoded):
            raise _Unencodable(field.name)
        out[field.name] = encoded
    return out


def _has_opaque(encoded: Any) -> bool:
    if isinstance(encoded, dict):
        return encoded.get("$") == "Opaque" or any(_has_opaque(v) for v in encoded.values())
    if isinstance(encoded, list):
        return any(_has_opaque(v) for v in encoded)
    return False


def decode(data: Any) -> Any:
    if data is None or isinstance(data, (str, bool, int, float)):
        return data
    if isinstance(data, list):
        return tuple(decode(item) for item in data)
    if not isinstance(data, dict):
        raise TypeError(f"unexpected {type(data).__name__} in a cache entry")
    if "$" in data:
        name = data["$"]
        cls = _CORE.get(name)
        if cls is None:
            candidate = getattr(_value_types(), name, None)
            if not (isinstance(candidate, type) and dataclasses.is_dataclass(candidate)):
                raise TypeError(f"unknown record {name!r} in a cache entry")
            cls = candidate
        return cls(**{k: decode(v) for k, v in data.items() if k != "$"})
    if "$list" in data:
        return [decode(item) for item in data["$list"]]
    if "$dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["$dict"]}
    if "$set" in data:
        items = {_hashable(decode(item)) for item in data["$set"]}
        return frozenset(items) if data.get("frozen", True) else items
    if "$bytes" in data:
        return bytes.fromhex(data["$bytes"])
    if "$float" in data:
        return float(data["$float"])
    if "$str" in data:
        cls = getattr(_value_types(), data["$str"], None)
        if not (isinstance(cls, type) and issubclass(cls, str)):
            raise TypeError(f"unknown string type {data['$str']!r} in a cache entry")
        return cls(data["text"])
    return {k: decode(v) for k, v in data.items()}


def _hashable(value: Any) -> Any:
    hash(value)  # a list would be a corrupt entry: TypeError, a cache miss
    return value
