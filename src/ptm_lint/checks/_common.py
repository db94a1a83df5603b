"""Helpers several rules share: how a reference is named in messages, its loader's scheme, hub-metadata wording."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import Reference

if TYPE_CHECKING:
    from ..check.context import Context
    from ..hub.model import ModelMeta

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dill")
HF_PINNABLE_SCHEMES = ("hf", "hf_dataset")
MAX_LISTED = 3  # places named in one project-level message


def shown_id(ref: Reference) -> str:
    """The model as a message names it: its id as written, quoted, or 'the model'."""
    if ref.model is not None:
        return repr(ref.model)
    return "the model"


def scheme(ref: Reference, ctx: Context) -> str:
    """The id scheme of the reference's loader (catalog `scheme`: hf, torch_hub, torchvision, ...)."""
    loader = ctx.catalog.by_id(ref.loader)
    return loader.scheme if loader else ""


def option(ref: Reference, name: str, default: Any = None) -> Any:
    """A security-relevant keyword's resolved value (Reference.options)."""
    return ref.options.get(name, default)


# -- hub metadata ---------------------------------------------------------------------------------
def repo_name(ref: Reference, meta: ModelMeta | None = None) -> str:
    if meta is not None and meta.repo_type == "dataset":
        return f"dataset {ref.canonical!r}"
    return repr(ref.canonical or ref.model)


def metadata_source(meta: ModelMeta) -> str:
    if meta.source == "hf-cache":
        return "the local Hugging Face cache"
    if meta.source == "ptm-cache":
        return "ptm-lint's metadata cache"
    return "the Hub"


def local_directory(ref: Reference, ctx: Context) -> bool:
    """Loaders pick a local directory of that name over the Hub (os.path.isdir at run time): when the
    project has one, next to the root or to the file, the id is probably that directory."""
    root = getattr(ctx.project, "root", None)
    if root is None or not ref.model:
        return False
    try:
        return any((base / ref.model).is_dir() for base in (Path(root), (Path(root) / ref.path).parent))
    except (OSError, ValueError):
        return False


# -- project-level rules --------------------------------------------------------------------------
def scope_key(ref: Reference) -> tuple[str, str]:
    # A notebook is one module namespace: every cell shares `<module>`.
    return ref.path, ref.scope


def places(refs: Sequence[Reference]) -> str:
    from ..graph.keys import where

    shown = ", ".join(where(r) for r in refs[:MAX_LISTED])
    more = len(refs) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")
