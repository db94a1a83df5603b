"""The logic of the source-level rules (PTM1xx/2xx/3xx); their metadata lives in rules/checks/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..catalog import Catalog
from ..core import Fix, Reference, Span
from ..discover.project import Project, all_at_least, any_at_least
from ..hub.checks import METADATA_CHECKS
from ..resolve.classify import SHA40, UNRESOLVED, revision_pin
from ..resolve.hf_ids import LEGACY_IDS

if TYPE_CHECKING:
    from ..hub.model import ModelMeta

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dill")
HF_PINNABLE_SCHEMES = ("hf", "hf_dataset")


@dataclass(frozen=True, slots=True)
class Hit:
    """One violation found by a rule; the engine adds location, rule metadata and suppression."""

    message: str
    level: str | None = None  # overrides the rule's default level
    fix: Fix | None = None
    span: Span | None = None  # overrides the reference's span


@dataclass(frozen=True)
class Context:
    """What the rules may consult beyond the reference: the project, the catalog, every reference, hub metadata."""

    project: Project | None
    catalog: Catalog
    references: tuple[Reference, ...] = ()
    # Hub metadata keyed by (hub, canonical, revision); None when the run has none (offline).
    metadata: Mapping[tuple[str, str, str | None], ModelMeta] | None = None

    def declared(self, package: str):
        return self.project.specifier(package) if self.project is not None else None

    def meta(self, ref: Reference) -> ModelMeta | None:
        """The hub metadata of the (repo, revision) `ref` loads, or None (no metadata: rules stay silent)."""
        from ..graph.keys import meta_for

        return meta_for(ref, self.metadata)


def _id(ref: Reference) -> str:
    if ref.model is not None:
        return repr(ref.model)
    return "the model"


def _scheme(ref: Reference, ctx: Context) -> str:
    loader = ctx.catalog.by_id(ref.loader)
    return loader.scheme if loader else ""


def _opt(ref: Reference, name: str, default=None):
    return ref.options.get(name, default)


# -- reproducibility ------------------------------------------------------------------------------
def ptm101(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "huggingface" or ref.pin != "mutable" or ref.revision is not None:
        return
    if _scheme(ref, ctx) not in HF_PINNABLE_SCHEMES or ref.model is None:
        return
    what = "dataset" if ref.role == "dataset" else "model"
    yield Hit(f"{what} {_id(ref)} is loaded from the mutable 'main' branch, so it can change under you; "
              f"pin revision= to a 40-character commit sha")


def ptm102(ref: Reference, ctx: Context) -> Iterable[Hit]:
    rev = ref.revision
    if ref.hub != "huggingface" or rev is None or ref.pin not in ("weak", "mutable"):
        return
    if _scheme(ref, ctx) not in HF_PINNABLE_SCHEMES:
        return
    if rev.startswith("refs/pr/"):
        why = f"revision {rev!r} is the head of a pull request, which moves as commits are pushed"
    elif re.fullmatch(r"[0-9a-fA-F]{7,40}", rev) and not SHA40.fullmatch(rev):
        why = (f"revision {rev!r} is a short or non-lowercase sha: huggingface_hub treats it as a ref name, "
               f"not a commit, and always asks the Hub")
    elif revision_pin(rev) == "weak":
        why = f"revision {rev!r} is a tag, and tags can be deleted and re-created"
    else:
        why = f"revision {rev!r} is a branch, which moves with every push"
    via = f" (from {ref.revision_provenance})" if ref.revision_provenance else ""
    yield Hit(f"{_id(ref)}: {why}{via}; pin the full 40-character commit sha")


def ptm103(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "torch_hub" or ref.pin != "mutable":
        return
    if ref.revision:
        yield Hit(f"torch.hub repo {ref.canonical!r} is loaded from branch {ref.revision!r}, which moves; "
                  f"pin ':<commit sha>' (or at least a release tag)")
    else:
        yield Hit(f"torch.hub repo {ref.canonical!r} has no ':ref', so the default branch is used (and cached "
                  f"forever on each machine); pin 'owner/repo:<commit sha>'")


def ptm104(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.pin != "mutable":
        return
    if ref.hub in ("tf_hub", "kaggle"):
        yield Hit(f"{_id(ref)} has no version, so it resolves to whatever version is latest; "
                  f"append the version number (…/<N>)")
    elif ref.hub == "huggingface" and ref.model and ref.model.startswith("hf://") and "@" not in ref.model:
        yield Hit(f"{_id(ref)} is an hf:// handle without '@<sha>': {ref.api} downloads the current 'main'; "
                  f"download a pinned snapshot with snapshot_download(revision=<sha>) and load it from disk")


def ptm105(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.resolution != "default" or not (ref.provenance or "").startswith("no model given"):
        return
    if ref.role == "pipeline" and ref.model is None:
        task = ref.args.get("task")
        task_text = f" for task {task!r}" if isinstance(task, str) and task != UNRESOLVED else ""
        yield Hit(f"no model given: transformers picks its default model{task_text}, which changes between "
                  f"transformers versions; pass model= and revision= explicitly")
    else:
        yield Hit(f"no model given: {ref.library} falls back to its default {_id(ref)}; name the model "
                  f"explicitly and pin its revision")


def ptm106(ref: Reference, ctx: Context) -> Iterable[Hit]:
    scheme = _scheme(ref, ctx)
    rev = ref.revision or ""
    if scheme == "torchvision" and ref.pin == "library" and rev.split(".")[-1] == "DEFAULT":
        yield Hit(f"weights={rev!r} is an alias that newer torchvision releases may re-point; "
                  f"name the member of {_weights_enum(ref.model)} you mean explicitly")
    elif scheme == "timm" and ref.pin == "library" and ref.model and "." not in ref.model:
        yield Hit(f"timm model {_id(ref)} has no pretrained tag, so the default tag of the installed timm "
                  f"version is used; name it (e.g. '{ref.model}.a1_in1k')")
    elif scheme in ("timm", "open_clip") and (ref.model or "").startswith(("hf-hub:", "hf_hub:")) and ref.pin != "immutable":
        yield Hit(f"{_id(ref)} loads the Hub repo at its current 'main'; add '@<40-character sha>'"
                  + (" (open_clip cannot pin: download a pinned snapshot and use local-dir:)" if scheme == "open_clip" else ""))


def ptm107(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.resolution != "unknown" or ref.model is not None:
        return
    if ref.hub == "local":
        return  # a path built on disk (Path(...) / "x", os.path.join): nothing the SBOM lists
    loader = ctx.catalog.by_id(ref.loader)
    if loader is not None and loader.scheme == "path" and (
            _opt(ref, "weights_only") is True or "weights_only" not in loader.options):
        # torch.load(weights_only=True) / safetensors of the project's own file: tensors from disk,
        # no hub model for the inventory to miss (PTM202 judges an unrestricted torch.load)
        return
    why = f" ({ref.provenance})" if ref.provenance else ""
    yield Hit(f"the model id passed to {ref.api} cannot be resolved statically{why}; the inventory and SBOM "
              f"are incomplete here: use a constant, or annotate it with `# ptm-lint: ignore[PTM107]`")


# -- security -------------------------------------------------------------------------------------
def ptm201(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if _opt(ref, "trust_remote_code") is not True:
        return
    if ref.hub == "local":
        return  # the code comes from a folder the project itself holds, not from a Hub repo
    if ref.pin == "immutable":
        yield Hit(f"{_id(ref)} runs Python code from the Hub repo (trust_remote_code=True); it is pinned to a "
                  f"commit, so review the code at that commit", level="warning")
    else:
        yield Hit(f"{_id(ref)} runs Python code from the Hub (trust_remote_code=True) at a revision that can "
                  f"change: anyone who can push to the repo can run code on your machine; pin revision= "
                  f"to a reviewed 40-character commit sha", level="error")


def ptm202(ref: Reference, ctx: Context) -> Iterable[Hit]:
    weights_only = _opt(ref, "weights_only", None)
    if weights_only is False:
        yield Hit(f"{ref.api} with weights_only=False unpickles arbitrary objects: a malicious checkpoint "
                  f"runs code when loaded; use weights_only=True (or safetensors)")
        return
    if "weights_only" in ref.options:
        return  # True, or a value ptm-lint cannot resolve
    if ref.loader in ("torch.load", "torch.serialization.load") or ref.api in ("torch.load", "torch.serialization.load"):
        if "pickle_module" in ref.options:
            yield Hit("torch.load with pickle_module= and no weights_only=True is a full pickle load even "
                      "on torch >= 2.6; pass weights_only=True")
            return
        safe = all_at_least(ctx.declared("torch"), "2.6")
        if safe:
            return
        why = ("the project does not declare a torch version" if safe is None
               else f"the project allows torch {ctx.declared('torch')}")
        yield Hit(f"torch.load without weights_only=True unpickles arbitrary objects before torch 2.6, and "
                  f"{why}; pass weights_only=True")
    elif ref.api.endswith(("load_state_dict_from_url", "model_zoo.load_url")):
        yield Hit(f"{ref.api} defaults to weights_only=False on every torch version, so the download is "
                  f"unpickled with full pickle; pass weights_only=True")


def ptm203(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if _opt(ref, "use_safetensors") is False:
        yield Hit(f"{_id(ref)} is loaded with use_safetensors=False, forcing pickle-format weights; use "
                  f"safetensors (use_safetensors=True)")
        return
    filename = ref.args.get("filename")
    if isinstance(filename, str) and filename.lower().endswith(PICKLE_SUFFIXES):
        yield Hit(f"{filename!r} from {_id(ref)} is a pickle-format file; loading it can run code: prefer "
                  f"the repo's .safetensors file")
        return
    if ref.api.endswith("from_single_file") and ref.model and ref.model.lower().split("?")[0].endswith(PICKLE_SUFFIXES):
        yield Hit(f"{_id(ref)} is a pickle-format checkpoint; prefer a .safetensors file")


def ptm204(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub != "torch_hub":
        return
    trust = _opt(ref, "trust_repo")
    skip = _opt(ref, "skip_validation")
    pinned = ref.pin == "immutable"
    if pinned and trust is not True and skip is not True:
        return
    repo = ref.canonical or _id(ref)
    if trust is True and not pinned:
        yield Hit(f"torch.hub imports and runs hubconf.py from {repo!r} with trust_repo=True and no commit pin: "
                  f"whatever the repo's branch holds at download time runs on your machine; pin "
                  f"':<commit sha>' and review it", level="error")
    elif skip is True:
        yield Hit(f"torch.hub runs code from {repo!r} with skip_validation=True, so a fork's commit is not "
                  f"rejected; pin ':<commit sha>' of the upstream repo", level="warning")
    else:
        yield Hit(f"torch.hub imports and runs hubconf.py from {repo!r} at a ref that can move; pin "
                  f"':<commit sha>' and review that code", level="warning")


def ptm205(ref: Reference, ctx: Context) -> Iterable[Hit]:
    url = ref.model or ""
    if url.startswith("http://"):
        yield Hit(f"{_id(ref)} is downloaded over plain http://, so anyone on the network path can replace it; "
                  f"use https://")
        return
    if ref.api.endswith(("load_state_dict_from_url", "model_zoo.load_url")):
        check = ref.args.get("check_hash")
        if check is True:
            return
        what = "check_hash=False" if check is False else "no check_hash=True"
        yield Hit(f"{ref.api} with {what}: the downloaded file is not verified against the hash in its name; "
                  f"pass check_hash=True (and a URL whose file name ends in -<sha256 prefix>)")
    elif ref.api.endswith("download_url_to_file"):
        prefix = ref.args.get("hash_prefix")
        if isinstance(prefix, str) and len(prefix) >= 8:
            return
        yield Hit("download_url_to_file without a hash_prefix of at least 8 hex digits: the file is not "
                  "verified; pass hash_prefix=<sha256 prefix>")


# -- deprecation ----------------------------------------------------------------------------------
def ptm301(ref: Reference, ctx: Context) -> Iterable[Hit]:
    loader = ctx.catalog.by_id(ref.loader)
    if loader is None:
        return
    for dep in loader.deprecated:
        name, has_value, value = dep.arg.partition("=")
        if name not in ref.keywords or (name == "pretrained" and _scheme(ref, ctx) == "torchvision"):
            continue
        if has_value:
            actual = ref.revision if name == "revision" else ref.options.get(name, ref.args.get(name))
            if str(actual) != value:
                continue
        spec = ctx.declared(dep.package)
        if dep.since and any_at_least(spec, dep.since) is False:
            continue  # the project only allows versions from before the deprecation
        removed = bool(dep.removed) and all_at_least(spec, dep.removed) is True
        instead = f"use {dep.replacement}" if dep.replacement else (dep.note or "drop it")
        if removed:
            yield Hit(f"{_shown(dep.arg)} was removed in {dep.package} {dep.removed}, which the project requires: "
                      f"this call fails; {instead}", level="error")
        else:
            since = f" since {dep.package} {dep.since}" if dep.since else ""
            gone = f" and removed in {dep.removed}" if dep.removed else ""
            yield Hit(f"{_shown(dep.arg)} is deprecated{since}{gone}; {instead}")


def _shown(arg: str) -> str:
    name, _, value = arg.partition("=")
    return f"{name}={value!r}" if value else f"{name}="


def ptm302(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if _scheme(ref, ctx) != "torchvision" or "pretrained" not in ref.keywords:
        return
    if any_at_least(ctx.declared("torchvision"), "0.13") is False:
        return
    value = ref.args.get("pretrained")
    target = "weights=None" if value is False else f"weights={_weights_enum(ref.model)}.{_legacy(ref.model)}"
    yield Hit(f"pretrained= is deprecated since torchvision 0.13; use {target} (what pretrained=True meant)")


def _weights_enum(builder: str | None) -> str:
    from ..fix.torchvision_weights import weights_enum  # reads its table: torchvision findings only

    return weights_enum(builder or "") or "<Model>_Weights"


def _legacy(builder: str | None) -> str:
    from ..fix.torchvision_weights import legacy_member

    return legacy_member(builder or "") or "IMAGENET1K_V1"


def ptm303(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.model and re.match(r"https?://tfhub\.dev/", ref.model):
        yield Hit(f"{_id(ref)} is a tfhub.dev handle: tfhub.dev redirects to Kaggle Models since November 2023 "
                  f"and assets that were not migrated are gone; use the model's kaggle.com/models URL")


def ptm304(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.api.endswith(".Module") and ref.api.startswith("tensorflow_hub"):
        yield Hit("hub.Module is the TF1 API, removed in tensorflow_hub 0.16.0; load the SavedModel with "
                  "hub.load() or hub.KerasLayer()")


def ptm305(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub == "huggingface" and ref.model in LEGACY_IDS:
        yield Hit(f"{_id(ref)} is a legacy id that moved to {LEGACY_IDS[ref.model]!r}; it works through a "
                  f"redirect for now, but use the namespaced id")


def ptm306(ref: Reference, ctx: Context) -> Iterable[Hit]:
    if ref.hub == "unknown" and ref.model is None:
        return
    if ref.in_loop:
        yield Hit(f"{_id(ref)} is loaded inside a loop: every iteration re-reads (and may re-download) it; "
                  f"load it once before the loop")
    elif ref.hot_path:
        yield Hit(f"{_id(ref)} is loaded in {ref.hot_path}, so it is loaded again for every call; load it once "
                  f"(at start-up, in __init__, or behind functools.cache)")


CheckFn = Callable[[Reference, Context], Iterable[Hit]]

CHECKS: Mapping[str, CheckFn] = MappingProxyType({
    "PTM101": ptm101, "PTM102": ptm102, "PTM103": ptm103, "PTM104": ptm104, "PTM105": ptm105,
    "PTM106": ptm106, "PTM107": ptm107,
    "PTM201": ptm201, "PTM202": ptm202, "PTM203": ptm203, "PTM204": ptm204, "PTM205": ptm205,
    "PTM301": ptm301, "PTM302": ptm302, "PTM303": ptm303, "PTM304": ptm304, "PTM305": ptm305,
    "PTM306": ptm306,
    **METADATA_CHECKS,  # PTM401-PTM407: hub/checks.py
})
# PTM206 (hard-coded tokens) works on files, not references: see engine.secret_findings.
FILE_RULES = frozenset({"PTM206"})
