"""Load the loader catalog (rules/loaders/*.toml) into frozen, validated records."""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core import HUBS, ROLES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SCHEMES = (
    "hf",            # Hugging Face repo id (+ revision=), also hf:// and huggingface.co URLs
    "hf_dataset",    # datasets.load_dataset: builder names and local files are not hub ids
    "torch_hub",     # "owner/repo[:ref]"
    "tf_handle",     # tfhub.dev / Kaggle / gs:// handle or local dir
    "kaggle_handle", # kagglehub "owner/model/framework/variation[/version]"
    "url",           # a download URL (pinned by a hash or an immutable ref inside it)
    "path",          # a local file (torch.load, torch.jit.load)
    "timm",          # registry name | "hf-hub:org/repo[@rev]"
    "open_clip",     # arch + pretrained tag | "hf-hub:org/repo"
    "torchvision",   # builder name + weights enum / pretrained flag
    "keras_app",     # keras.applications builder + weights="imagenet"
    "keras_preset",  # keras_hub preset name | kaggle:// | hf:// handle
    "hf_uri",        # keras.saving.load_model: "hf://org/repo" or a local path
    "alias",         # a library-defined alias (whisper "large", YOLO "yolov8n.pt", clip "ViT-B/32")
    "remote",        # remote inference endpoint (no weights are loaded locally)
)


class CatalogError(ValueError):
    """The catalog data is malformed."""


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """Where an argument may be passed: by position and/or by keyword."""

    pos: int | None = None
    kw: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Deprecation:
    arg: str
    package: str
    since: str | None = None
    removed: str | None = None
    replacement: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Loader:
    id: str
    library: str
    hub: str
    role: str
    scheme: str
    match: tuple[re.Pattern[str], ...]
    triggers: tuple[str, ...]
    model: ArgSpec
    revision: ArgSpec | None
    model_from_callee: bool = False
    model_default: str | None = None
    model_prefix: str | None = None
    args: tuple[tuple[str, ArgSpec], ...] = ()
    options: tuple[str, ...] = ()
    kwargs_dicts: tuple[str, ...] = ()
    load_if: tuple[str, ...] = ()
    unpinnable: bool = False
    returns: str = "object"  # "path" for download APIs that return a file or folder
    deprecated: tuple[Deprecation, ...] = ()
    note: str | None = None
    source: str = ""

    def matches(self, qualname: str) -> bool:
        return any(p.fullmatch(qualname) for p in self.match)


@dataclass(frozen=True)
class Catalog:
    loaders: tuple[Loader, ...]
    digest: str
    roots: frozenset[str] = field(default=frozenset())
    triggers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # One alternation of every pattern, in catalog order: regex alternation also takes the
        # first alternative that matches, so one fullmatch answers "which loader" for a name.
        parts, owners = [], []
        for loader in self.loaders:
            for pattern in loader.match:
                parts.append(f"(?P<g{len(owners)}>{pattern.pattern})")
                owners.append(loader)
        # Compiled on first use (about 0.1 s): a run answered from the result cache never needs it.
        object.__setattr__(self, "_combined_source", "|".join(parts) if parts else None)
        object.__setattr__(self, "_combined", None)
        object.__setattr__(self, "_owners", tuple(owners))
        object.__setattr__(self, "_memo", {})

    def find(self, qualname: str) -> Loader | None:
        memo: dict[str, Loader | None] = self._memo  # type: ignore[attr-defined]
        if qualname in memo:
            return memo[qualname]
        found = None
        if qualname.split(".", 1)[0] in self.roots and self._combined_source is not None:  # type: ignore[attr-defined]
            combined = self._combined  # type: ignore[attr-defined]
            if combined is None:
                combined = re.compile(self._combined_source)  # type: ignore[attr-defined]
                object.__setattr__(self, "_combined", combined)
            match = combined.fullmatch(qualname)
            if match is not None and match.lastgroup:
                found = self._owners[int(match.lastgroup[1:])]  # type: ignore[attr-defined]
        memo[qualname] = found
        return found

    def by_id(self, loader_id: str) -> Loader | None:
        for loader in self.loaders:
            if loader.id == loader_id:
                return loader
        return None


def rules_dir() -> Path:
    """The rules/ data directory: inside the installed wheel, else the source checkout's."""
    packaged = Path(__file__).resolve().parent / "rules"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise CatalogError(f"cannot find the rules/ data directory (looked in {packaged} and {checkout})")


def _argspec(raw: Any, where: str) -> ArgSpec:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a table like {{pos = 0, kw = [...]}}")
    pos = raw.get("pos")
    kw = raw.get("kw", [])
    if isinstance(kw, str):
        kw = [kw]
    if pos is not None and not isinstance(pos, int):
        raise CatalogError(f"{where}: pos must be an integer")
    return ArgSpec(pos=pos, kw=tuple(kw))


_LOADER_KEYS = {
    "id", "library", "hub", "role", "scheme", "match", "triggers", "model", "revision", "args",
    "options", "kwargs_dicts", "load_if", "unpinnable", "deprecated", "note", "returns",
}


def _loader(raw: dict[str, Any], source: str) -> Loader:
    where = f"{source}: loader {raw.get('id', '?')!r}"
    unknown = set(raw) - _LOADER_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "library", "hub", "role", "scheme", "match", "triggers", "model"):
        if key not in raw:
            raise CatalogError(f"{where}: missing {key!r}")
    if raw["hub"] not in HUBS:
        raise CatalogError(f"{where}: hub must be one of {HUBS}")
    if raw["role"] not in ROLES:
        raise CatalogError(f"{where}: role must be one of {ROLES}")
    if raw.get("returns", "object") not in ("object", "path"):
        raise CatalogError(f"{where}: returns must be 'object' or 'path'")
    if raw["scheme"] not in SCHEMES:
        raise CatalogError(f"{where}: scheme must be one of {SCHEMES}")
    try:
        patterns = tuple(re.compile(p) for p in raw["match"])
    except re.error as exc:
        raise CatalogError(f"{where}: bad match regex: {exc}") from exc
    model_raw = dict(raw["model"])
    callee = bool(model_raw.pop("callee", False))
    default = model_raw.pop("default", None)
    prefix = model_raw.pop("prefix", None)
    deprecated = tuple(
        Deprecation(
            arg=d["arg"],
            package=d.get("package", raw["library"]),
            since=d.get("since"),
            removed=d.get("removed"),
            replacement=d.get("replacement"),
            note=d.get("note"),
        )
        for d in raw.get("deprecated", [])
    )
    return Loader(
        id=raw["id"],
        library=raw["library"],
        hub=raw["hub"],
        role=raw["role"],
        scheme=raw["scheme"],
        match=patterns,
        triggers=tuple(raw["triggers"]),
        model=_argspec(model_raw, f"{where} model"),
        revision=_argspec(raw["revision"], f"{where} revision") if "revision" in raw else None,
        model_from_callee=callee,
        model_default=default,
        model_prefix=prefix,
        args=tuple(
            (name, _argspec(spec, f"{where} args.{name}")) for name, spec in raw.get("args", {}).items()
        ),
        options=tuple(raw.get("options", ())),
        kwargs_dicts=tuple(raw.get("kwargs_dicts", ())),
        load_if=tuple(raw.get("load_if", ())),
        unpinnable=bool(raw.get("unpinnable", False)),
        returns=raw.get("returns", "object"),
        deprecated=deprecated,
        note=raw.get("note"),
        source=source,
    )


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read every rules/loaders/*.toml file; raise CatalogError on malformed data."""
    directory = directory or rules_dir() / "loaders"
    loaders: list[Loader] = []
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.toml")):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{path.name}: {exc}") from exc
        for raw in doc.get("loader", []):
            loaders.append(_loader(raw, path.name))
    ids = [loader.id for loader in loaders]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(f"duplicate loader ids: {dupes}")
    roots = set()
    for loader in loaders:
        for pattern in loader.match:
            root = re.match(r"[\w]+", pattern.pattern.replace("\\.", "."))
            if root is None:
                raise CatalogError(f"{loader.source}: loader {loader.id!r}: match must start with a module name")
            roots.add(root.group(0))
    triggers = tuple(sorted({t for loader in loaders for t in loader.triggers}))
    return Catalog(tuple(loaders), digest.hexdigest(), frozenset(roots), triggers)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()
