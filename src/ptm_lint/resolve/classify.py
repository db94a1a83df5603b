"""Classify a scanned call into a Reference: hub, canonical id, revision and pin class."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..catalog import Loader
from ..core import CallSite, Candidate, Reference, Value
from ..scan.secrets import mask_secrets
from .hf_ids import LEGACY_IDS

UNRESOLVED = "<unresolved>"

SHA40 = re.compile(r"[0-9a-f]{40}")
# The patterns below stay strings, compiled on first use by _re: a run without model references
# never classifies anything, so it never needs them.
SHORT_SHA = r"[0-9a-f]{7,39}"
VERSION_TAG = r"v\d+(?:\.\d+)*(?:[-.+]?[A-Za-z0-9]+)*|\d+(?:\.\d+)+(?:[-.+]?[A-Za-z0-9]+)*"
PR_REF = r"refs/pr/\d+"
HF_URL = (
    r"https?://(?:huggingface\.co|hf\.co)/(?:(?P<type>datasets|spaces)/)?(?P<id>[^/@]+(?:/[^/@]+)?)"
    r"/(?:resolve|blob|raw|tree)/(?P<rev>[^/]+)(?:/(?P<path>.*))?"
)
HF_REPO_URL = r"https?://(?:huggingface\.co|hf\.co)/(?P<id>[\w.-]+/[\w.-]+)/?"
HF_URI = r"hf://(?:(?P<type>datasets|spaces|models)/)?(?P<id>[\w.-]+(?:/[\w.-]+)?)(?:@(?P<rev>[^/]+))?(?:/(?P<path>.*))?"
TFHUB = r"https?://(?:tfhub\.dev|hub\.tensorflow\.google\.cn)/(?P<path>[^?#]+?)/?(?:\?.*)?"
KAGGLE_URL = (
    r"https?://(?:www\.)?kaggle\.com/models/(?P<handle>[^/]+/[^/]+/[^/]+/[^/?#]+)(?:/(?P<ver>\d+))?/?(?:\?.*)?"
)
KAGGLE_HANDLE = r"(?P<handle>[\w.-]+/[\w.-]+/[\w.-]+/[\w.-]+)(?:/(?P<ver>\d+))?"
HASH_IN_NAME = r"-([0-9a-f]{8,})\.[A-Za-z0-9]+$"
SHA256_IN_PATH = r"/([0-9a-f]{64})/[^/]+$"
GITHUB_RELEASE = r"https?://github\.com/[^/]+/[^/]+/releases/(?:download/(?P<tag>[^/]+)|latest/download)/"
# A file of a GitHub repo at a ref: raw.githubusercontent.com/<o>/<r>/<ref>/..., or the same file
# through github.com/<o>/<r>/raw/<ref>/... (a commit sha names one content; a branch does not).
GITHUB_RAW = r"https?://(?:raw\.githubusercontent\.com/[^/]+/[^/]+|github\.com/[^/]+/[^/]+/raw)/(?P<ref>[^/]+)/"
DATASET_BUILDERS = frozenset({
    "csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder", "videofolder",
    "webdataset", "sql", "generator", "xml", "spark", "pdffolder", "niftifolder",
})
WEIGHT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors", ".h5", ".keras", ".onnx", ".gguf",
                   ".pkl", ".pickle", ".joblib", ".tflite", ".pb", ".npz", ".msgpack")


@functools.lru_cache(maxsize=None)
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def revision_pin(rev: str) -> str:
    """Pin class of an HF-style revision string (see docs/resolution.md)."""
    if SHA40.fullmatch(rev):
        return "immutable"
    if _re(PR_REF).fullmatch(rev):
        return "mutable"
    if _re(SHORT_SHA).fullmatch(rev) or _re(VERSION_TAG).fullmatch(rev):
        return "weak"
    return "mutable"


def is_local_path(text: str) -> bool:
    from ..scan.values import LocalPath  # (here and below: the evaluator is loaded only when a file has calls)

    if isinstance(text, LocalPath):
        return True
    if text.startswith(("/", "./", "../", "~", ".\\", "file://")) or "\\" in text or text in (".", ".."):
        return True
    if re.match(r"[A-Za-z]:[\\/]", text):
        return True
    return False


# First parts of "a/b" that name a folder a training or serving script writes or reads, not a
# Hub user or organisation ("outputs/checkpoint-500", "checkpoints/final", "saved_models/bert").
LOCAL_DIRS = frozenset({
    "output", "outputs", "output_dir", "out", "checkpoint", "checkpoints", "ckpt", "ckpts", "results",
    "runs", "saved_model", "saved_models", "save", "saves", "exp", "exps", "experiments", "logs",
    "tmp", "temp", "cache", ".cache", "weights", "pretrained", "pretrained_models", "artifacts",
    "local_models", "trained_models", "finetuned", "fine_tuned", "model_output", "models_dir", "work_dirs",
})
# Last parts that a trainer writes: "<dir>/checkpoint-500", "<dir>/epoch_3", "<dir>/global_step100".
LOCAL_LEAF = r"(?:checkpoint|ckpt|epoch|step|global_step|iter)[-_]?\d+"


def looks_local(text: str) -> bool:
    """Whether an id-like string is a filesystem path even though it has the owner/name shape:
    an explicit path (is_local_path), a trailing or doubled separator, a conventional output
    folder as its first part, or a trainer's checkpoint folder as its last."""
    if is_local_path(text):
        return True
    if text.endswith("/") or "//" in text:
        return True
    head, _, tail = text.partition("/")
    if not tail:
        return False
    return head.lower() in LOCAL_DIRS or bool(_re(LOCAL_LEAF).fullmatch(tail.rsplit("/", 1)[-1].lower()))


def hf_canonical(repo_id: str, prefix: str | None = None) -> str:
    if "/" in repo_id:
        return repo_id
    if repo_id in LEGACY_IDS:
        return LEGACY_IDS[repo_id]
    if prefix:
        return prefix + repo_id
    return repo_id


def plain(value: Value) -> Any:
    """A JSON-able rendering of a resolved value for options/args."""
    from ..scan.values import ModuleRef, _plain

    if not value.known:
        return UNRESOLVED
    obj = value.value
    if isinstance(obj, str):
        # Defence in depth: a credential never reaches any output through options or args.
        return mask_secrets(obj)
    if _plain(obj):
        return obj
    if isinstance(obj, ModuleRef):
        return obj.name
    if isinstance(obj, tuple) and all(v.known and _plain(v.value) for v in obj):
        return [mask_secrets(v.value) if isinstance(v.value, str) else v.value for v in obj]
    return UNRESOLVED


@dataclass
class _Draft:
    hub: str
    model: str | None = None
    canonical: str | None = None
    revision: str | None = None
    pin: str = "unknown"
    resolution: str = "unknown"
    provenance: str | None = None
    rev_resolution: str = "literal"
    rev_provenance: str | None = None
    notes: tuple[str, ...] = ()


def _rev_from_value(draft: _Draft, value: Value, *, dynamic: bool) -> None:
    """Fill revision + pin from a revision argument (HF semantics)."""
    if value.absent:
        if dynamic:
            draft.pin = "unknown"
            draft.rev_resolution = "unknown"
            draft.rev_provenance = "no revision= given, but **kwargs may carry one"
        else:
            draft.pin = "mutable"
            draft.rev_resolution = "literal"
        return
    draft.rev_resolution = value.how
    draft.rev_provenance = value.provenance
    if not value.known:
        draft.pin = "unknown"
        return
    if value.value is None:
        draft.pin = "mutable"
        return
    if isinstance(value.value, str):
        draft.revision = value.value
        draft.pin = revision_pin(value.value)
        return
    draft.pin = "unknown"


_HUB_NAMES = {"huggingface": "the Hugging Face Hub", "modelscope": "ModelScope"}


def _local_copy_arg(site: CallSite, loader: Loader) -> str | None:
    """The first `local_if` argument the call passes with a value that may be set (not None)."""
    for name in loader.local_if:
        value = site.args.get(name)
        if value is None or value.absent or (value.known and value.value in (None, False, "")):
            continue
        return name
    return None


def _local_copy(site: CallSite, loader: Loader) -> Value | None:
    """The value of the argument that makes the call read a local copy (`local_if`), if given.
    Unknown when its value is not known: then the call may or may not read the hub."""
    name = _local_copy_arg(site, loader)
    return None if name is None else site.args[name]


def _pin_from_revision(draft: _Draft, site: CallSite) -> None:
    """An id that cannot be resolved with a literal revision: a full commit sha pins whatever repo
    the id names (immutable), a short sha or a tag pins it weakly; a branch name says nothing
    certain (the id may be a local folder, where revision= is ignored), so the pin stays unknown."""
    rev = site.revision
    if not (rev.known and isinstance(rev.value, str)):
        return
    pin = revision_pin(rev.value)
    if pin in ("immutable", "weak"):
        draft.revision, draft.pin = rev.value, pin
        draft.rev_resolution, draft.rev_provenance = rev.how, rev.provenance
        draft.notes += (f"the id is not known, but revision={rev.value!r} pins it ({pin})",)


def _hf(draft: _Draft, text: str, site: CallSite, loader: Loader) -> None:
    m = _re(HF_URL).fullmatch(text)
    if m:
        draft.canonical = hf_canonical(m.group("id"))
        if not site.revision.absent:
            # An explicit revision= wins: diffusers ignores the revision inside a blob URL.
            _rev_from_value(draft, site.revision, dynamic=site.dynamic_kwargs)
            return
        draft.revision = m.group("rev").replace("%2F", "/")
        draft.pin = revision_pin(draft.revision)
        return
    m = _re(HF_URI).fullmatch(text)
    if m:
        draft.canonical = hf_canonical(m.group("id"))
        if m.group("rev"):
            draft.revision = m.group("rev")
            draft.pin = revision_pin(draft.revision)
        else:
            _rev_from_value(draft, site.revision, dynamic=site.dynamic_kwargs)
        return
    if looks_local(text) or text.count("/") > 1 or text.endswith(WEIGHT_SUFFIXES):
        draft.hub, draft.pin = "local", "local"
        return
    if "/" not in text and text not in LEGACY_IDS and not loader.model_prefix and loader.scheme == "hf":
        # The Hub has no un-namespaced repos besides the legacy ones: a bare name such as
        # "mlx_model" or "image_encoder" can only be a local folder at run time.
        draft.hub, draft.pin = "local", "local"
        draft.notes += (f"{text!r} is not a Hub id (un-namespaced ids other than the legacy ones do not exist on the Hub); treated as a local folder",)
        return
    repo, at, rev = text.partition("@")
    if at and rev and site.revision.absent:
        # "org/repo@rev" (pyannote 3.x, optimum's deprecated form): the revision travels in the id.
        draft.canonical = hf_canonical(repo, loader.model_prefix)
        draft.revision, draft.pin = rev, revision_pin(rev)
        return
    draft.canonical = hf_canonical(text, loader.model_prefix)
    _rev_from_value(draft, site.revision, dynamic=site.dynamic_kwargs)


# ModelScope's namespaces for un-namespaced ids (modelscope DEFAULT_MODELSCOPE_GROUP, DEFAULT_DATASET_NAMESPACE).
MODELSCOPE_MODEL_GROUP = "damo"
MODELSCOPE_DATASET_NAMESPACE = "modelscope"


def _modelscope(draft: _Draft, text: str, site: CallSite, loader: Loader) -> None:
    """A ModelScope id: "org/name" (un-namespaced: damo/ for models; MsDataset's namespace= or
    modelscope/ for datasets), revision as on the Hub (a commit immutable, a version tag weak,
    "master" or none mutable); MsDataset.load(..., hub="huggingface") loads from the Hub instead, and
    FunASR's AutoModel(..., hub="openai") an openai-whisper checkpoint by its alias (a library pin:
    the alias names a URL holding the file's sha256, which whisper verifies)."""
    hub_arg = site.args.get("hub")
    hub_name = str(hub_arg.value).lower().rpartition(".")[2] if hub_arg is not None and hub_arg.known else None
    if hub_name in ("hf", "huggingface"):
        draft.hub = "huggingface"
        _hf(draft, text, site, loader)
        return
    if hub_name == "openai" and loader.library == "funasr" and not is_local_path(text):
        draft.hub, draft.pin = "url", "library"
        return
    if is_local_path(text) or text.count("/") > 1 or text.endswith(WEIGHT_SUFFIXES):
        draft.hub, draft.pin = "local", "local"
        return
    if "/" in text:
        draft.canonical = text
    elif loader.library != "modelscope":
        draft.canonical = None  # a library's alias of a ModelScope repo (FunASR "paraformer-zh"): kept as written
    elif loader.role == "dataset":
        namespace = site.args.get("namespace")
        known = namespace is not None and namespace.known and isinstance(namespace.value, str) and namespace.value
        draft.canonical = f"{namespace.value if known else MODELSCOPE_DATASET_NAMESPACE}/{text}"
    else:
        draft.canonical = f"{MODELSCOPE_MODEL_GROUP}/{text}"
    _rev_from_value(draft, site.revision, dynamic=site.dynamic_kwargs)


def _url(draft: _Draft, text: str, site: CallSite) -> None:
    m = _re(HF_URL).fullmatch(text)
    if m:
        draft.hub = "huggingface"
        draft.canonical = hf_canonical(m.group("id"))
        draft.revision = m.group("rev").replace("%2F", "/")
        draft.pin = revision_pin(draft.revision)
        return
    if is_local_path(text) or not re.match(r"[a-z][a-z0-9+.-]*://", text):
        draft.hub, draft.pin = "local", "local"
        return
    draft.hub = "url"
    draft.canonical = text
    verified = site.args.get("check_hash")
    hash_prefix = site.args.get("hash_prefix")
    m = _re(SHA256_IN_PATH).search(text)
    if m:
        draft.revision, draft.pin = m.group(1), "immutable"
        return
    if hash_prefix is not None and hash_prefix.known and isinstance(hash_prefix.value, str) and len(hash_prefix.value) >= 8:
        draft.revision, draft.pin = hash_prefix.value, "immutable"
        return
    m = _re(HASH_IN_NAME).search(text.split("?", 1)[0])
    if m:
        draft.revision = m.group(1)
        checked = verified is not None and verified.known and verified.value is True
        draft.pin = "immutable" if checked else "weak"
        return
    m = _re(GITHUB_RAW).match(text)
    if m:
        draft.revision = m.group("ref")
        draft.pin = "immutable" if SHA40.fullmatch(m.group("ref")) else "mutable"
        return
    m = _re(GITHUB_RELEASE).match(text)
    if m:
        draft.revision = m.group("tag")
        draft.pin = "weak" if m.group("tag") else "mutable"
        return
    draft.pin = "mutable"


def _tf_handle(draft: _Draft, text: str) -> None:
    m = _re(KAGGLE_URL).fullmatch(text)
    if m:
        draft.hub, draft.canonical, draft.revision = "kaggle", m.group("handle"), m.group("ver")
        draft.pin = "immutable" if m.group("ver") else "mutable"
        return
    m = _re(TFHUB).fullmatch(text)
    if m:
        path = m.group("path").strip("/")
        head, _, last = path.rpartition("/")
        draft.hub = "tf_hub"
        if last.isdigit() and head:
            draft.canonical, draft.revision, draft.pin = head, last, "immutable"
        else:
            draft.canonical, draft.pin = path, "mutable"
        return
    if re.match(r"[a-z][a-z0-9+.-]*://", text):
        draft.hub, draft.canonical, draft.pin = "url", text, "mutable"
        return
    draft.hub, draft.pin = "local", "local"


def _kaggle(draft: _Draft, text: str) -> None:
    text = text.removeprefix("kaggle://")
    m = _re(KAGGLE_URL).fullmatch(text) or _re(KAGGLE_HANDLE).fullmatch(text)
    if not m:
        draft.pin = "unknown"
        draft.notes += ("not a valid Kaggle model handle (owner/model/framework/variation[/version])",)
        return
    draft.hub, draft.canonical, draft.revision = "kaggle", m.group("handle"), m.group("ver")
    draft.pin = "immutable" if m.group("ver") else "mutable"


def _hf_prefixed(draft: _Draft, text: str, site: CallSite) -> bool:
    """timm / open_clip `hf-hub:org/repo[@rev]`; returns False when the text has no such prefix."""
    for prefix in ("hf-hub:", "hf_hub:"):
        if text.startswith(prefix):
            repo, _, rev = text[len(prefix):].partition("@")
            draft.hub = "huggingface"
            draft.canonical = hf_canonical(repo)
            if rev:
                draft.revision, draft.pin = rev, revision_pin(rev)
            else:
                draft.pin = "mutable"
            if prefix == "hf_hub:":
                draft.notes += ("the 'hf_hub:' prefix is a legacy alias of 'hf-hub:'",)
            return True
    if text.startswith("local-dir:"):
        draft.hub, draft.pin = "local", "local"
        return True
    return False


def _enum_name(value: Value) -> str | None:
    from ..scan.values import ModuleRef

    if not value.known:
        return None
    obj = value.value
    if isinstance(obj, ModuleRef):
        parts = obj.name.split(".")
        return ".".join(parts[-2:]) if len(parts) >= 2 and parts[-2].endswith("_Weights") else parts[-1]
    if isinstance(obj, str):
        return obj
    return None


# When candidates disagree, the reference's own `pin` is the first of these any candidate has: one
# unknown candidate makes the whole call's pin unknown (rules still see each candidate's own pin).
_PIN_ORDER = ("unknown", "mutable", "weak", "library", "local", "immutable")


def classify(site: CallSite, loader: Loader) -> Reference | None:
    """The inventory entry for a call; None when the call turns out not to load a model.

    A call whose id or revision differs between the helper's callers (or branches) carries one
    candidate per case; its own `model`/`revision` are set only where every candidate agrees."""
    if not site.variants:
        return _classify(site, loader)
    from dataclasses import replace

    top = _classify(replace(site, variants=()), loader)
    remote = loader.scheme == "remote"
    if top is None and not remote:
        return None
    candidates = []
    for variant in site.variants:
        dynamic = site.dynamic_kwargs if variant.dynamic_kwargs is None else variant.dynamic_kwargs
        ref = _classify(replace(site, model=variant.model, revision=variant.revision, variants=(),
                                dynamic_kwargs=dynamic), loader)
        if ref is None:
            if remote:
                return None  # a remote client one of whose models is decided outside the code
            continue  # this caller makes the call load nothing (weights=None, ...)
        top = top or ref
        candidates.append(Candidate(ref.model, ref.canonical, ref.hub, ref.revision, ref.pin, ref.resolution,
                                    ref.provenance, variant.path, variant.line, variant.cell))
    if not candidates or top is None:
        return None
    models = {(c.model, c.canonical, c.hub) for c in candidates}
    revisions = {c.revision for c in candidates}
    pins = {c.pin for c in candidates}
    model, canonical, hub = next(iter(models)) if len(models) == 1 else (None, None, top.hub)
    if len(models) > 1 and len({c.hub for c in candidates}) == 1:
        hub = candidates[0].hub
    return replace(
        top, model=model, canonical=canonical, hub=hub,
        revision=next(iter(revisions)) if len(revisions) == 1 else None,
        pin=next(p for p in _PIN_ORDER if p in pins) if pins else top.pin,
        resolution="caller" if any(c.resolution == "caller" for c in candidates) else (
            top.resolution if model is not None else "unknown"),
        provenance=top.provenance if model is not None else _masked(
            f"{len(candidates)} candidate{'s' if len(candidates) != 1 else ''}: " + ", ".join(f"{c.model or '<unknown>'} ({c.path}:{c.line})" for c in candidates[:5])
            + (", ..." if len(candidates) > 5 else "")),
        candidates=tuple(candidates),
    )


def _module_ref(obj: Any) -> bool:
    from ..scan.values import ModuleRef

    return isinstance(obj, ModuleRef)


def _classify(site: CallSite, loader: Loader) -> Reference | None:
    draft = _Draft(hub=loader.hub)
    model = site.model
    scheme = loader.scheme
    text: str | None = None
    if scheme == "remote" and not (model.known and isinstance(model.value, str)):
        # A remote inference client (InferenceClient, HuggingFaceEndpoint) downloads nothing: it is
        # listed for the model it names. When that is decided outside the code (a parameter, a
        # field its users set, None for the server's pick), there is nothing to list or pin.
        return None
    copy = _local_copy(site, loader)
    if copy is not None and copy.known:
        # TextEmbedding(name, specific_model_path=folder): the name only describes the files read.
        draft.hub, draft.pin = "local", "local"
        draft.resolution, draft.provenance = copy.how, copy.provenance
        draft.notes += (f"{_local_copy_arg(site, loader)}= reads a local copy instead of the hub",)
        return _finish(draft, site, loader)
    if model.absent:
        if loader.model_default in ("<task default>", "<library default>"):
            draft.resolution, draft.pin = "default", "library"
            what = "the task's default model" if loader.model_default == "<task default>" else "its built-in default model"
            draft.provenance = f"no model given: {loader.library} picks {what} for its version"
            if site.revision.known and isinstance(site.revision.value, str):
                draft.notes += ("revision= without model= is ignored for the task default",)
            return _finish(draft, site, loader)
        if loader.model_default:
            text = loader.model_default
            draft.resolution = "default"
            draft.provenance = f"no model given: {loader.library} defaults to {text!r}"
        else:
            draft.resolution, draft.pin = "unknown", "unknown"
            draft.provenance = "the id argument is missing"
            return _finish(draft, site, loader)
    elif model.known and _module_ref(model.value):
        # A name imported from a package outside the repo: its value is not in the code scanned.
        draft.resolution, draft.pin = "unknown", "unknown"
        draft.provenance = f"{model.value.name} is imported from outside the scanned repository"
        return _finish(draft, site, loader)
    elif not model.known:
        draft.resolution, draft.pin, draft.provenance = "unknown", "unknown", model.provenance
        if site.local_hint:
            # `Path(__file__).parent / "weights"`, `os.path.join(root, name)`: a folder on disk,
            # whatever its text (which one stays unknown, and so does the pin).
            draft.hub = "local"
            draft.notes += (f"the id is {site.local_hint}",)
            return _finish(draft, site, loader)
        if scheme in ("path",):
            draft.hub = "unknown"
        if scheme == "torchvision" or scheme == "keras_app":
            pass
        else:
            if scheme in ("hf", "hf_dataset"):
                _pin_from_revision(draft, site)
            if draft.pin == "unknown" and loader.names_only and loader.unpinnable and copy is None:
                # Whichever name the code passes, the library fetches it from the hub with no
                # way to say which version: the load is mutable even though the id is not known.
                draft.pin = "mutable"
                draft.notes += (f"{site.api} only takes names on {_HUB_NAMES.get(draft.hub, draft.hub)}, "
                                "so whichever id this is, it is not pinned",)
            return _finish(draft, site, loader)
    elif not isinstance(model.value, str):
        if model.value is None:
            # e.g. `def load(name=None)`: the real id comes from callers.
            draft.resolution, draft.pin = "unknown", "unknown"
            draft.provenance = (model.provenance + ": " if model.provenance else "") + "the id is None here; callers decide"
        else:
            draft.resolution, draft.pin, draft.provenance = "unknown", "unknown", "the id is not a string"
        return _finish(draft, site, loader)
    else:
        text = model.value
        draft.resolution, draft.provenance = model.how, model.provenance
    if text is not None:
        draft.model = text

    if scheme in ("hf", "remote"):
        assert text is not None
        _hf(draft, text, site, loader)
        if scheme == "remote":
            if re.match(r"https?://", text) and draft.hub == "huggingface" and not _re(HF_URL).fullmatch(text):
                draft.hub, draft.canonical = "url", text
            if draft.hub != "local":
                draft.pin = "mutable" if draft.pin != "unknown" else "unknown"
                draft.revision = None
    elif scheme == "modelscope":
        assert text is not None
        _modelscope(draft, text, site, loader)
    elif scheme == "hf_dataset":
        assert text is not None
        if text in DATASET_BUILDERS or text.endswith((".csv", ".json", ".jsonl", ".parquet", ".txt")):
            draft.hub, draft.pin = "local", "local"
        else:
            _hf(draft, text, site, loader)
    elif scheme == "torch_hub":
        assert text is not None
        source = site.args.get("source")
        if (source is not None and source.known and source.value == "local") or is_local_path(text):
            draft.hub, draft.pin = "local", "local"
        else:
            repo, _, ref = text.partition(":")
            draft.canonical = repo
            if ref:
                draft.revision = ref
                draft.pin = "immutable" if SHA40.fullmatch(ref) else revision_pin(ref)
            else:
                draft.pin = "mutable"
    elif scheme == "tf_handle":
        assert text is not None
        _tf_handle(draft, text)
    elif scheme == "kaggle_handle":
        assert text is not None
        _kaggle(draft, text)
    elif scheme == "url":
        assert text is not None
        _url(draft, text, site)
    elif scheme == "path":
        assert text is not None
        if re.match(r"https?://", text):
            _url(draft, text, site)
        else:
            draft.hub, draft.pin = "local", "local"
    elif scheme in ("timm", "open_clip"):
        assert text is not None
        if not _hf_prefixed(draft, text, site):
            pretrained = site.args.get("pretrained")
            if pretrained is None or (pretrained.known and not pretrained.value):
                return None  # architecture only: no pretrained weights are downloaded
            # Both libraries resolve their pretrained tags to Hugging Face repos (timm/…, laion/…).
            draft.hub = "huggingface"
            if pretrained.known and isinstance(pretrained.value, str):
                if is_local_path(pretrained.value) or pretrained.value.endswith(WEIGHT_SUFFIXES):
                    draft.hub, draft.pin = "local", "local"
                    return _finish(draft, site, loader)
                draft.revision = pretrained.value
            if scheme == "timm" and "." in text:
                draft.canonical = f"timm/{text}"
            draft.pin = "library" if pretrained.known else "unknown"
    elif scheme == "torchvision":
        weights = site.args.get("weights")
        pretrained = site.args.get("pretrained")
        draft.hub = "url"
        if weights is not None and not (weights.known and weights.value is None):
            name = _enum_name(weights)
            if name is None:
                draft.pin = "unknown"
                draft.rev_resolution, draft.rev_provenance = "unknown", weights.provenance
            elif is_local_path(name):
                draft.hub, draft.pin = "local", "local"
            else:
                draft.revision, draft.pin = name, "library"
                draft.rev_resolution = weights.how
        elif pretrained is not None:
            if pretrained.known:
                if not pretrained.value:
                    return None
                from .torchvision_weights import legacy_member  # torchvision calls only

                legacy = legacy_member(text or "") or "IMAGENET1K_V1"
                draft.revision, draft.pin = legacy, "library"
                draft.notes += (f"pretrained=True selects the legacy {legacy} weights",)
            else:
                draft.pin = "unknown"
        else:
            return None
        if not model.known:
            draft.pin = "unknown"
    elif scheme == "keras_app":
        weights = site.args.get("weights")
        draft.hub = "url"
        if weights is None or weights.absent:
            draft.revision, draft.pin = "imagenet", "library"
        elif not weights.known:
            draft.pin = "unknown"
        elif weights.value is None:
            return None
        elif isinstance(weights.value, str) and weights.value != "imagenet":
            draft.hub, draft.pin = "local", "local"
        else:
            draft.revision, draft.pin = "imagenet", "library"
    elif scheme == "keras_preset":
        assert text is not None
        if text.startswith("kaggle://"):
            _kaggle(draft, text)
        elif text.startswith("hf://"):
            draft.hub = "huggingface"
            m = _re(HF_URI).fullmatch(text)
            draft.canonical = hf_canonical(m.group("id")) if m else text[5:]
            draft.pin = "mutable"
        elif re.match(r"[a-z][a-z0-9+.-]*://", text):
            draft.hub, draft.canonical, draft.pin = "url", text, "mutable"
        elif is_local_path(text) or "/" in text:
            draft.hub, draft.pin = "local", "local"
        else:
            draft.hub, draft.pin = "kaggle", "library"
    elif scheme == "hf_uri":
        assert text is not None
        if text.startswith("hf://"):
            m = _re(HF_URI).fullmatch(text)
            draft.hub = "huggingface"
            draft.canonical = hf_canonical(m.group("id")) if m else text[5:]
            rev = m.group("rev") if m else None
            draft.revision = rev
            draft.pin = revision_pin(rev) if rev else "mutable"
        elif re.match(r"[a-z][a-z0-9+.-]*://", text):
            draft.hub, draft.canonical, draft.pin = "url", text, "mutable"
        else:
            draft.hub, draft.pin = "local", "local"
    elif scheme == "vendor":
        assert text is not None
        # A name in a publisher's own catalog outside the schema's hubs (Roboflow, TFDS, FlashRank,
        # Modelers): its version numbers are no pin class of the schema, so the pin is unknown. A
        # written URL is a URL, a path is local; a bare name served from a fixed URL index with no
        # version at all (NLTK data, loader hub "url") can change at any time: mutable.
        if re.match(r"[a-z][a-z0-9+.-]*://", text):
            draft.hub, draft.canonical, draft.pin = "url", text, "unknown"
        elif is_local_path(text):
            draft.hub, draft.pin = "local", "local"
        else:
            draft.canonical = text
            draft.pin = "mutable" if loader.hub == "url" else "unknown"
    elif scheme == "alias":
        assert text is not None
        if text.lower().endswith((".yaml", ".yml")):
            return None  # YOLO("yolov8n.yaml"): an architecture built from its config, no weights
        if re.match(r"https?://", text) and (_re(TFHUB).fullmatch(text) or _re(KAGGLE_URL).fullmatch(text)):
            _tf_handle(draft, text)  # ModelSpec(uri=<TF Hub handle>): a versioned handle is pinned
        elif re.match(r"https?://", text):
            _url(draft, text, site)
        elif is_local_path(text) or (text.count("/") > 0 and text.endswith(WEIGHT_SUFFIXES)) or text.count("/") > 1:
            draft.hub, draft.pin = "local", "local"
        else:
            # Library aliases: whisper "large", clip "ViT-B/32", YOLO "yolov8n.pt" (a release asset).
            draft.hub, draft.pin = "url", "library"
    if draft.hub == "local":
        draft.canonical, draft.revision = None, None
    return _finish(draft, site, loader)


def _finish(draft: _Draft, site: CallSite, loader: Loader) -> Reference:
    copy = _local_copy_arg(site, loader)
    if copy is not None and draft.hub != "local" and draft.pin != "unknown":
        draft.pin = "unknown"
        draft.notes += (f"{copy}= may name a local copy, read instead of the hub",)
    notes = draft.notes
    if loader.unpinnable and draft.hub not in ("local",):
        notes += (f"{site.api} has no way to pin a revision",)
    if draft.hub == "local" and site.revision.known and isinstance(site.revision.value, str):
        notes += ("revision= is ignored when the id is a local path",)
    if draft.revision is None and site.revision.known and isinstance(site.revision.value, str) and draft.hub != "local":
        if loader.scheme in ("hf", "hf_dataset", "modelscope", "vendor"):
            draft.revision = site.revision.value
    return Reference(
        path=site.path,
        cell=site.cell,
        line=site.span.line,
        column=site.span.column,
        end_line=site.span.end_line,
        end_column=site.span.end_column,
        api=site.api,
        hub=draft.hub,
        role=_role(site, loader),
        # Defence in depth: a token used as (part of) an id or revision is masked like PTM206's.
        model=_masked(draft.model),
        canonical=_masked(draft.canonical),
        resolution=draft.resolution,
        provenance=_masked(draft.provenance),
        revision=_masked(draft.revision),
        pin=draft.pin,
        options={name: plain(v) for name, v in site.options.items()},
        loader=loader.id,
        library=loader.library,
        revision_resolution=draft.rev_resolution,
        revision_provenance=_masked(draft.rev_provenance),
        args={name: plain(v) for name, v in site.args.items()},
        keywords=site.keywords,
        scope=site.scope,
        in_loop=site.in_loop,
        hot_path=site.hot_path,
        dynamic_kwargs=site.dynamic_kwargs,
        notes=tuple(mask_secrets(n) for n in notes),
        detection=site.detection,
    )


def _masked(text: str | None) -> str | None:
    return None if text is None else mask_secrets(text)


def _role(site: CallSite, loader: Loader) -> str:
    if site.role is not None:
        return site.role
    repo_type = site.args.get("repo_type")
    if repo_type is not None and repo_type.known:
        if repo_type.value == "dataset":
            return "dataset"
        if repo_type.value == "space":
            return "other"
    return loader.role
