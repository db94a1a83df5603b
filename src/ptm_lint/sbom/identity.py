"""How a model reference is named in the SBOM: bom-ref, group/name, version, purl, links.

Pure functions without cyclonedx, so the rules are easy to test and to explain (docs/sbom.md):

* `version` is set only for an **immutable** pin (a 40-hex commit, a versioned TF Hub / Kaggle
  handle, a verified URL hash). Branches, tags, short shas and "no revision" never become a
  version, neither in `version` nor in the purl; the revision as written goes to a property.
* purls: `pkg:huggingface/<namespace>/<name>[@<sha>]` (namespace required by the purl spec, so
  legacy un-namespaced ids use their canonical namespaced id and ids that cannot be namespaced get
  no purl), datasets add `?repository_url=https://huggingface.co/datasets` (cdxgen's convention),
  `pkg:github/<owner>/<repo>[@<sha>]` for torch.hub, `pkg:generic/<org>/<name>[@<commit>]?repository_url=
  https://www.modelscope.cn/models` for ModelScope (no purl type exists for it),
  `pkg:generic/<file>?download_url=…` for a direct URL download. TF Hub, Kaggle, library aliases and local paths get none (no purl type
  exists): their external references carry the address instead.
* `bom-ref` is the purl when the purl has a version (globally meaningful and stable); otherwise
  `<hub>:<id>[@<revision as written>]`, which stays stable between runs and distinct per revision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from packageurl import PackageURL

HF = "https://huggingface.co"
HF_DATASETS = "https://huggingface.co/datasets"
MODELSCOPE = "https://www.modelscope.cn"
SHA256 = re.compile(r"[0-9a-f]{64}")

# externalReferences types used (CycloneDX enum values).
WEBSITE, DISTRIBUTION, MODEL_CARD, VCS = "website", "distribution", "model-card", "vcs"


@dataclass(frozen=True)
class Identity:
    """How one distinct (hub, id, revision) is named in the BOM."""

    bom_ref: str
    name: str
    group: str | None = None
    version: str | None = None
    purl: PackageURL | None = None
    links: tuple[tuple[str, str], ...] = ()  # (externalReferences type, url)
    sha256: str | None = None  # a content digest known from the reference itself (URL downloads)
    hub: str | None = None  # the SBOM's hub when it differs from the inventory's (library weights)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def purl_str(self) -> str | None:
        return self.purl.to_string() if self.purl is not None else None


_SAFE_ID = re.compile(r"[\w.\-/~]+", re.ASCII)
_SAFE_URL = re.compile(r"https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f-\uffff]+")


def _links(*links: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """Only addresses that are valid IRIs as they stand (scanned ids may hold anything)."""
    return tuple((kind, url) for kind, url in links if _SAFE_URL.fullmatch(url))


def _ref_suffix(revision: str | None) -> str:
    return f"@{revision}" if revision else ""


def _split(ident: str) -> tuple[str | None, str]:
    head, slash, tail = ident.partition("/")
    return (head, tail) if slash and head and tail else (None, ident)


def huggingface(ident: str, revision: str | None, pin: str, *, dataset: bool = False) -> Identity:
    namespace, name = _split(ident)
    version = revision.lower() if pin == "immutable" and revision else None
    page = f"{HF_DATASETS if dataset else HF}/{ident}"
    # The model page is the rendered model card; at a revision, the card and files as of that revision.
    # (Few links on purpose: the schema's IRI check costs ~20 ms per URL when the SBOM is validated.)
    rev = quote(revision, safe="") if revision else None
    if dataset:
        links = [(WEBSITE, page)]
    else:
        links = [(MODEL_CARD, f"{page}/blob/{rev}/README.md" if rev else page)]
    if rev:
        links.append((DISTRIBUTION, f"{page}/tree/{rev}"))
    if not _SAFE_ID.fullmatch(ident):
        links = []
    notes: tuple[str, ...] = ()
    purl = None
    if namespace is not None:
        qualifiers = {"repository_url": HF_DATASETS} if dataset else None
        purl = PackageURL(type="huggingface", namespace=namespace, name=name, version=version,
                          qualifiers=qualifiers)
    else:
        notes = ("no purl: the Hugging Face purl type needs a namespace and this id has none",)
    kind = "huggingface-dataset" if dataset else "huggingface"
    bom_ref = purl.to_string() if purl is not None and version else f"{kind}:{ident}{_ref_suffix(revision)}"
    return Identity(bom_ref, name, namespace, version, purl, _links(*links), notes=notes)


def modelscope(ident: str, revision: str | None, pin: str, *, dataset: bool = False) -> Identity:
    """ModelScope has no purl type: `pkg:generic/<namespace>/<name>[@<commit>]` with the hub in
    `repository_url` (the purl spec's qualifier for a non-default repository), as the generic type's
    note advises when no dedicated type exists."""
    namespace, name = _split(ident)
    version = revision.lower() if pin == "immutable" and revision else None
    collection = f"{MODELSCOPE}/{'datasets' if dataset else 'models'}"
    page = f"{collection}/{ident}"
    links = [(WEBSITE, page)] if _SAFE_ID.fullmatch(ident) else []
    if revision and links and not dataset:
        links.append((DISTRIBUTION, f"{page}/files?revision={quote(revision, safe='')}"))
    purl = PackageURL(type="generic", namespace=namespace, name=name, version=version,
                      qualifiers={"repository_url": collection}) if namespace is not None else None
    kind = "modelscope-dataset" if dataset else "modelscope"
    bom_ref = purl.to_string() if purl is not None and version else f"{kind}:{ident}{_ref_suffix(revision)}"
    return Identity(bom_ref, name, namespace, version, purl, _links(*links))


def torch_hub(ident: str, revision: str | None, pin: str) -> Identity:
    owner, repo = _split(ident)
    version = revision if pin == "immutable" and revision else None
    repo_url = f"https://github.com/{ident}"
    links = [(VCS, repo_url)] if _SAFE_ID.fullmatch(ident) else []
    if revision and links:
        links.append((DISTRIBUTION, f"{repo_url}/tree/{quote(revision, safe='')}"))
    purl = None
    if owner is not None:
        purl = PackageURL(type="github", namespace=owner, name=repo, version=version)
    bom_ref = purl.to_string() if purl is not None and version else f"torch_hub:{ident}{_ref_suffix(revision)}"
    return Identity(bom_ref, repo, owner, version, purl, _links(*links))


def tf_hub(ident: str, revision: str | None, pin: str, written: str | None) -> Identity:
    publisher, name = _split(ident)
    version = revision if pin == "immutable" and revision else None
    url = written if written and written.startswith(("http://", "https://")) else (
        f"https://tfhub.dev/{ident}" + (f"/{revision}" if revision else ""))
    return Identity(f"tf_hub:{ident}{_ref_suffix(revision)}", name, publisher, version, None,
                    _links((DISTRIBUTION, url)))


def kaggle(ident: str, revision: str | None, pin: str) -> Identity:
    owner, name = _split(ident)
    version = revision if pin == "immutable" and revision else None
    url = f"https://www.kaggle.com/models/{ident}" + (f"/{quote(revision, safe='')}" if revision else "")
    return Identity(f"kaggle:{ident}{_ref_suffix(revision)}", name, owner, version, None,
                    _links((DISTRIBUTION, url)) if _SAFE_ID.fullmatch(ident) else ())


def url(ident: str, revision: str | None, pin: str, library: str) -> Identity:
    """A direct download (`canonical` is the URL) or a library alias / builder (`resnet50`)."""
    version = revision if pin == "immutable" and revision else None
    if not re.match(r"[a-z][a-z0-9+.-]*://", ident):
        # torchvision / keras.applications builders, whisper / CLIP / YOLO aliases: the weights are
        # chosen by the library (its version fixes them), not by an address in the code. They are
        # named after the library's package, `library:<package>/<name>`, with hub `library`: the
        # component then sits next to (and depends on) the pkg:pypi component of that library.
        package = library or "library"
        return Identity(f"library:{package}/{ident}{_ref_suffix(revision)}", ident, library or None, version,
                        hub="library")
    parts = urlsplit(ident)
    filename = parts.path.rstrip("/").rpartition("/")[2] or parts.netloc or ident
    digest = revision if revision and SHA256.fullmatch(revision) and pin == "immutable" else None
    qualifiers = {"download_url": ident}
    if digest:
        qualifiers["checksum"] = f"sha256:{digest}"
    purl = PackageURL(type="generic", name=filename, version=version, qualifiers=qualifiers)
    return Identity(f"url:{ident}{_ref_suffix(revision)}", filename, None, version, purl,
                    _links((DISTRIBUTION, ident)), sha256=digest)


def local(path: str) -> Identity:
    return Identity(f"local:{path}", path)


def identify(hub: str, ident: str, revision: str | None, pin: str, *, dataset: bool = False,
             written: str | None = None, library: str = "") -> Identity:
    """The identity of one distinct model (or dataset) and revision."""
    if hub == "huggingface":
        return huggingface(ident, revision, pin, dataset=dataset)
    if hub == "modelscope":
        return modelscope(ident, revision, pin, dataset=dataset)
    if hub == "torch_hub":
        return torch_hub(ident, revision, pin)
    if hub == "tf_hub":
        return tf_hub(ident, revision, pin, written)
    if hub == "kaggle":
        return kaggle(ident, revision, pin)
    if hub == "url":
        return url(ident, revision, pin, library)
    if hub == "local":
        return local(ident)
    return Identity(f"{hub}:{ident}{_ref_suffix(revision)}", ident)
