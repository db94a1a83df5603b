"""The logic of the hub-metadata rules PTM401–PTM407 (their metadata lives in rules/checks/PTM40x.toml).

Every rule reads `ctx.meta(ref)` and says nothing when it is None: without metadata they stay silent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from .model import ModelMeta

PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
NOT_WEIGHTS = re.compile(r"(^|/)(training_args\.bin|optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state[^/]*\.pth)$")
WEIGHT_ROLES = ("model", "pipeline", "adapter", "weights", "other")


def _hit(message: str, level: str | None = None):
    from ..check.rules import Hit  # lazily: check.rules imports this module

    return Hit(message, level=level)


def _name(ref: Any, meta: ModelMeta | None = None) -> str:
    if meta is not None and meta.repo_type == "dataset":
        return f"dataset {ref.canonical!r}"
    return repr(ref.canonical or ref.model)


def _where(meta: ModelMeta) -> str:
    if meta.source == "hf-cache":
        return "the local Hugging Face cache"
    if meta.source == "ptm-cache":
        return "ptm-lint's metadata cache"
    return "the Hub"


# -- PTM401 ---------------------------------------------------------------------------------------
def _local_directory(ref: Any, ctx: Any) -> bool:
    """Loaders pick a local directory of that name over the Hub (os.path.isdir at run time): when the
    project has one, next to the root or to the file, the id is probably that directory."""
    root = getattr(getattr(ctx, "project", None), "root", None)
    if root is None or not ref.model:
        return False
    from pathlib import Path

    try:
        return any((base / ref.model).is_dir() for base in (Path(root), (Path(root) / ref.path).parent))
    except (OSError, ValueError):
        return False


def ptm401(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None:
        return
    name = _name(ref, meta)
    if meta.status == "not_found":
        if _local_directory(ref, ctx):
            return
        if "/" not in (ref.canonical or ""):
            yield _hit(f"no repository {name} exists on the Hub (HTTP 404); if it is a local directory, write it "
                       f"as a path ('./{ref.canonical}'), otherwise use the model's full 'org/name' id",
                       level="warning")
            return
        yield _hit(f"{name} does not exist on the Hub (HTTP 404): it was deleted, renamed without a redirect, "
                   f"or is private; loading it fails. If it was deleted, someone else can register the name "
                   f"and serve different files under it: switch to a maintained copy and pin its sha")
    elif meta.status == "disabled":
        yield _hit(f"{name} has been disabled by the Hub; loading it fails: switch to another model")
    elif meta.renamed_to:
        yield _hit(f"{name} was renamed to {meta.renamed_to!r}: the old id works only through a redirect, which "
                   f"breaks if someone registers the old name; use {meta.renamed_to!r}", level="warning")
    elif meta.private:
        yield _hit(f"{name} is a private repository: only accounts with access (and CI with an HF_TOKEN that "
                   f"has it) can load it", level="warning")


# -- PTM402 ---------------------------------------------------------------------------------------
def ptm402(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "revision_not_found" or ref.revision is None:
        return
    yield _hit(f"revision {ref.revision!r} does not exist in {_name(ref, meta)}: the load fails. The tag or "
               f"branch was deleted, or the commit was removed by a history rewrite; pin an existing commit sha")


# -- PTM403 ---------------------------------------------------------------------------------------
def ptm403(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None:
        return
    name = _name(ref, meta)
    if meta.status == "gated":
        yield _hit(f"{name} is gated and could not be read without access: every user (and CI) must accept "
                   f"its conditions on the Hub and authenticate with a token that has access")
    elif meta.status == "ok" and meta.gated not in (None, False, "false", "False"):
        how = "after manual approval by its authors" if meta.gated == "manual" else "after accepting its conditions"
        yield _hit(f"{name} is gated: it can only be downloaded {how}, with a token (HF_TOKEN) of an account "
                   f"that has access; fresh machines and CI fail without one")


# -- PTM404 ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def note_licenses() -> frozenset[str]:
    """Licence ids PTM404 reports at level note (rules/licenses.toml [ptm404].note)."""
    from ..catalog import rules_dir

    from .. import tomlcompat as tomllib  # imported here: most runs never need it
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


def ptm404(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or meta.license is None:
        return
    found = license_finding(meta.license)
    if found is None:
        return
    lic, level, why = found
    name = _name(ref, meta)
    if level == "warning":
        yield _hit(f"{name} is licensed under {lic!r}, which {why}; check that your use complies and record "
                   f"it in your model inventory", level=level)
    elif lic.lower() == "unknown":
        yield _hit(f"the model card of {name} states no licence, so you have no licence to use it; ask the "
                   f"authors or choose a model with a clear licence", level=level)
    else:
        label = f" ({meta.license_name})" if meta.license_name else ""
        yield _hit(f"{name} is under a custom licence ({lic!r}{label}); read its terms before using it",
                   level=level)


# -- PTM405 ---------------------------------------------------------------------------------------
def _pickle_weights(paths: Iterable[str]) -> list[str]:
    return [p for p in paths if p.lower().endswith(PICKLE_WEIGHTS) and not NOT_WEIGHTS.search(p)]


def ptm405(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or meta.repo_type != "model" or ref.role not in WEIGHT_ROLES:
        return
    if isinstance(ref.args.get("filename"), str) or ref.options.get("use_safetensors") is False:
        return  # one named file (or an explicit opt-out): PTM203 judges that
    if meta.files is not None:
        paths = [f.path for f in meta.files]
        pickles = _pickle_weights(paths)
        if not pickles or any(p.endswith(".safetensors") for p in paths):
            return
        evidence = f"at {meta.sha[:12]}" if meta.sha else "at this revision"
    else:
        cached = [f.path for f in meta.cached_files]
        pickles = _pickle_weights(cached)
        missing = set(meta.missing_files)
        if not pickles or any(p.endswith(".safetensors") for p in cached):
            return
        if not ({"model.safetensors", "model.safetensors.index.json"} <= missing
                or "diffusion_pytorch_model.safetensors" in {m.rsplit("/", 1)[-1] for m in missing}):
            return
        evidence = "(the local Hugging Face cache records that model.safetensors does not exist)"
    shown = ", ".join(sorted(pickles)[:3]) + (", …" if len(pickles) > 3 else "")
    yield _hit(f"{_name(ref, meta)} has no .safetensors weights {evidence}, so its pickle-format weights "
               f"({shown}) are loaded, and unpickling can execute code: prefer a revision or model with "
               f"safetensors weights, or convert them and pin that commit")


# -- PTM406 ---------------------------------------------------------------------------------------
def ptm406(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or not meta.requires_remote_code:
        return
    trust = ref.options.get("trust_remote_code")
    if trust is False:
        return
    other = ""
    if meta.remote_code_repos:
        other = (f"; its auto_map also pulls code from {', '.join(map(repr, meta.remote_code_repos))}, which "
                 f"follows that repository's main unless code_revision= is pinned")
    pinned = ref.pin == "immutable"
    if trust is True or trust == "<unresolved>":
        if pinned:
            yield _hit(f"{_name(ref, meta)} ships its own Python code (auto_map / custom_code), which runs when "
                       f"it is loaded; it is pinned to a commit, so review the code at that commit{other}",
                       level="note")
        else:
            yield _hit(f"{_name(ref, meta)} ships its own Python code (auto_map / custom_code), which runs when "
                       f"it is loaded, and the revision is not pinned: whoever can push to the repository can "
                       f"change that code; pin revision= to a reviewed commit sha{other}", level="warning")
    else:
        yield _hit(f"{_name(ref, meta)} ships its own Python code (auto_map / custom_code): without "
                   f"trust_remote_code=True the library uses a built-in class if it has one and fails "
                   f"otherwise; if you enable it, pin revision= to a reviewed commit sha{other}", level="note")


# -- PTM407 ---------------------------------------------------------------------------------------
def ptm407(ref: Any, ctx: Any) -> Iterable[Any]:
    meta = ctx.meta(ref)
    if meta is None or meta.status != "ok" or ref.revision is None or ref.pin not in ("immutable", "weak"):
        return
    if not meta.sha or not meta.default_sha or meta.sha == meta.default_sha:
        return
    rev = ref.revision[:12] if re.fullmatch(r"[0-9a-f]{40}", ref.revision) else repr(ref.revision)
    head = meta.default_sha[:12]
    if meta.source == "hf-cache":
        seen = f" on {meta.default_date[:10]}" if meta.default_date else ""
        yield _hit(f"pinned revision {rev} of {_name(ref, meta)} is not the head of main as last seen in the "
                   f"local Hugging Face cache{seen} (main was at {head}); review what changed and move the pin "
                   f"if you want it")
        return
    if meta.commits_behind:
        how = f"{meta.commits_behind} commit{'s' if meta.commits_behind != 1 else ''} behind main"
    elif meta.on_default_branch is False:
        how = "not in main's history (another branch, or main was rewritten)"
    else:
        how = "behind main"
    when = []
    if meta.sha_date:
        when.append(f"pinned commit from {meta.sha_date[:10]}")
    if meta.default_date:
        when.append(f"main last changed {meta.default_date[:10]}")
    extra = f" ({'; '.join(when)})" if when else ""
    yield _hit(f"pinned revision {rev} of {_name(ref, meta)} is {how}, now at {head}{extra}; review what "
               f"changed and move the pin if you want it")


METADATA_CHECKS = {
    "PTM401": ptm401, "PTM402": ptm402, "PTM403": ptm403, "PTM404": ptm404, "PTM405": ptm405,
    "PTM406": ptm406, "PTM407": ptm407,
}
