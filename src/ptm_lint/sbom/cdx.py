"""Build the CycloneDX BOM object (cyclonedx-python-lib) from a Plan.

Fields the library cannot express yet (`modelCard`, `componentData`) are returned as `Extras`
keyed by bom-ref and added to the serialized document by `sbom.extras`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.component_evidence import (
    AnalysisTechnique,
    ComponentEvidence,
    Identity as CdxIdentity,
    IdentityField,
    Method,
    Occurrence,
)
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.spdx import fixup_id, is_expression
from packageurl import PackageURL

from ..core import Reference, cell_label
from ..core import where as core_where
from ..hub.model import ModelMeta
from ..scan.secrets import mask_secrets
from .identity import HF, HF_DATASETS, MODELSCOPE
from .plan import Entry, Library, Plan

P = "ptm-lint:"  # property namespace

# How much the id found in the code can be trusted to be what runs: values that the environment,
# the command line or a config file can override at run time get less.
CONFIDENCE = {
    "literal": "1", "constant": "0.95", "default": "0.9", "fstring": "0.9", "import": "0.9",
    "dataclass": "0.8", "config": "0.7", "env": "0.6", "argparse": "0.6",
}

_LINK_TYPES = {
    "website": ExternalReferenceType.WEBSITE,
    "distribution": ExternalReferenceType.DISTRIBUTION,
    "model-card": ExternalReferenceType.MODEL_CARD,
    "vcs": ExternalReferenceType.VCS,
}


@dataclass
class Extras:
    """Per bom-ref JSON fragments the library has no model for (added after serialization)."""

    model_cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    component_data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _props(pairs: Iterable[tuple[str, Any]]) -> list[Property]:
    out = []
    for name, value in pairs:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append(Property(name=P + name, value=_mask(str(value))))
    return out


def _mask(text: str) -> str:
    return mask_secrets(text)


def licenses(meta: ModelMeta) -> list[Any]:
    """CycloneDX licenses from the hub's licence tag(s).

    An SPDX id (`apache-2.0` → `Apache-2.0`), one compound SPDX expression, or a named licence for
    Hub-only tags (`openrail`, `llama2`; `other` takes the card's `license_name`). Several tags
    (the metadata layer joins them with ", ") become several licences; "unknown" (a card that names
    no licence) becomes none, and the `ptm-lint:license` property says so.
    """
    value = (meta.license or "").strip()
    if not value:
        return []
    if " " in value and "," not in value and is_expression(value):
        return [LicenseExpression(value)]
    out: list[Any] = []
    for part in dict.fromkeys(p.strip() for p in value.split(",") if p.strip()):
        if part == "unknown":
            continue
        if part == "other":
            out.append(DisjunctiveLicense(name=meta.license_name or "other"))
            continue
        spdx = fixup_id(part)
        out.append(DisjunctiveLicense(id=spdx) if spdx is not None else DisjunctiveLicense(name=part))
    return out


def _context(ref: Reference) -> str:
    where = (f"{cell_label(ref.cell)}, " if ref.cell is not None else "") + f"line {ref.line}, column {ref.column}"
    ident = repr(ref.model) if ref.model is not None else "unknown id"
    how = ref.resolution + (f" - {ref.provenance}" if ref.provenance else "")
    rev = repr(ref.revision) if ref.revision is not None else "none"
    return _mask(f"{where}: {ref.role} {ident} ({how}); revision {rev}; pin {ref.pin}")


def _evidence(entry: Entry) -> ComponentEvidence | None:
    if not entry.references:
        return None
    occurrences = [
        Occurrence(location=ref.path, line=ref.line, symbol=ref.api, additional_context=_context(ref))
        for _, ref in entry.references
    ]
    identity = []
    if not entry.unresolved:
        best = max((ref for _, ref in entry.references),
                   key=lambda r: (Decimal(CONFIDENCE.get(r.resolution, "0")), -r.line))
        confidence = Decimal(CONFIDENCE.get(best.resolution, "0"))
        if confidence > 0:
            value = _mask(f"{best.api}: {best.resolution}" + (f" - {best.provenance}" if best.provenance else ""))
            identity.append(CdxIdentity(
                field=IdentityField.PURL if entry.identity.purl is not None else IdentityField.NAME,
                confidence=confidence, concluded_value=entry.identity.purl_str or entry.identity.name,
                methods=[Method(technique=AnalysisTechnique.SOURCE_CODE_ANALYSIS, confidence=confidence,
                                value=value)]))
    return ComponentEvidence(occurrences=occurrences, identity=identity)


def _entry_properties(entry: Entry) -> list[Property]:
    refs = [ref for _, ref in entry.references]
    hub = entry.identity.hub if entry.identity is not None and entry.identity.hub else entry.hub
    pairs: list[tuple[str, Any]] = [("hub", hub), ("origin", entry.origin)]
    if entry.unresolved:
        pairs.append(("unresolved", True))
    pairs.append(("revision", entry.revision))
    if entry.revision_unknown:
        pairs.append(("revision-unresolved", True))
        pairs += [("revision-provenance", p) for p in sorted({r.revision_provenance for r in refs
                                                              if r.revision_provenance})]
    pairs += [("pin", p) for p in sorted({r.pin for r in refs})]
    pairs += [("resolution", r) for r in sorted({r.resolution for r in refs})]
    pairs += [("role", r) for r in sorted({r.role for r in refs})]
    pairs += [("library", lib) for lib in entry.libraries]
    pairs += [("id-as-written", m) for m in sorted({r.model for r in refs if r.model and r.model != entry.ident})]
    if entry.hub == "torch_hub":
        pairs += [("torch-hub-entrypoint", e) for e in sorted({
            r.args.get("model") for r in refs if isinstance(r.args.get("model"), str)})]
    if any(r.options.get("trust_remote_code") is True for r in refs):
        pairs.append(("trust-remote-code", True))
    pairs += [("note", n) for n in sorted({*entry.identity.notes, *(n for r in refs for n in r.notes)})]
    meta = entry.meta
    if meta is not None:
        # ptm-lint's own cache only ever holds Hub answers: say "hub" either way, so a run from the
        # cache gives the same document as the run that filled it.
        source = "hub" if meta.source == "ptm-cache" else meta.source
        pairs += [("metadata-source", source), ("hub-status", meta.status)]
        if meta.status == "ok":
            if meta.sha and meta.sha != entry.identity.version:
                pairs.append(("resolved-sha", meta.sha))
            if meta.renamed_to or (meta.repo_id and entry.ident and meta.repo_id != entry.ident):
                pairs.append(("renamed-to", meta.renamed_to or meta.repo_id))
            if meta.gated:
                pairs.append(("gated", meta.gated))
            if (meta.license or "").strip() in ("", "unknown"):
                pairs.append(("license", "unknown"))
            pairs += [("requires-remote-code", meta.requires_remote_code), ("library-name", meta.library_name),
                      ("last-modified", meta.last_modified)]
        elif meta.message:
            pairs.append(("hub-message", meta.message))
    return _props(pairs)


def _description(entry: Entry) -> str | None:
    if entry.unresolved:
        ref = entry.references[0][1]
        why = ref.provenance or "not statically resolvable"
        where = core_where(ref.path, ref.cell, ref.line)
        if ref.pin == "library":
            return _mask(f"{ref.api} at {where} loads a model the library chooses: {why}. "
                         "Which model runs depends on the installed library version.")
        return _mask(f"The model id passed to {ref.api} at {where} could not be determined statically "
                     f"({why}); this SBOM cannot say which model is loaded there.")
    if entry.origin == "base-model":
        return "Base model named by the hub metadata of a model the code loads (not loaded by the code itself)."
    if entry.origin == "dataset":
        return "Dataset named by the hub metadata of a model the code loads (not loaded by the code itself)."
    return None


def _locked(entry: Entry, lock: Any) -> tuple[str, Any] | None:
    """(lock status, the lock entry) of a component: "locked" when every load agrees with the lock,
    "drifted" when a code pin disagrees, "not-locked" / "unresolved" otherwise; None without a lock."""
    if lock is None or not entry.references:
        return None
    from ..lock.check import status_of

    statuses = [status_of(ref, lock) for _, ref in entry.references]
    statuses = [s for s in statuses if s[0] != "n/a"]
    if not statuses:
        return None
    for wanted in ("drifted", "not-locked", "unresolved", "locked"):
        for status, locked in statuses:
            if status == wanted:
                return status, locked
    return None


def _lock_properties(found: tuple[str, Any] | None) -> list[Property]:
    if found is None:
        return []
    status, locked = found
    pairs: list[tuple[str, Any]] = [("lock-status", status)]
    if locked is not None and status != "not-locked":
        pairs += [("locked-commit", locked.commit), ("locked-version", locked.version or locked.hash_prefix),
                  ("locked-source", locked.source), ("version-locked", status == "locked")]
    return _props(pairs)


def _files(entry: Entry, locked: Any = None) -> list[Component]:
    if locked is not None and locked.files:  # the lock's files: what the project reviewed and verifies
        out = []
        for f in sorted(locked.files, key=lambda f: f.path):
            props = _props([("size", f.size), ("git-blob-id", f.blob)])
            hashes = [HashType(alg=HashAlgorithm.SHA_256, content=f.sha256)] if f.sha256 else []
            out.append(Component(type=ComponentType.FILE, name=f.path, bom_ref=f"{entry.bom_ref}#{f.path}",
                                 hashes=hashes, properties=props))
        return out
    meta = entry.meta
    if meta is None or meta.status != "ok" or not meta.files:
        return []
    out = []
    for info in sorted(meta.files, key=lambda f: f.path):
        if not info.sha256:
            continue
        props = _props([("size", info.size)]) if info.size is not None else []
        out.append(Component(type=ComponentType.FILE, name=info.path, bom_ref=f"{entry.bom_ref}#{info.path}",
                             hashes=[HashType(alg=HashAlgorithm.SHA_256, content=info.sha256.lower())],
                             properties=props))
    return out


def _ancestor(base: Entry) -> Component:
    # No bom-ref: the base model is also a top-level component and bom-refs must be unique.
    return Component(type=ComponentType.MACHINE_LEARNING_MODEL, name=base.identity.name,
                     group=base.identity.group, version=base.identity.version, purl=base.identity.purl,
                     external_references=_links(base))


def _links(entry: Entry) -> list[ExternalReference]:
    return [ExternalReference(type=_LINK_TYPES[kind], url=XsUri(url)) for kind, url in entry.identity.links]


def _component(entry: Entry, lock: Any = None) -> Component:
    ident = entry.identity
    found = _locked(entry, lock)
    locked = found[1] if found is not None and found[0] == "locked" else None
    meta = entry.meta if entry.meta is not None and entry.meta.status == "ok" else None
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=ident.sha256)] if ident.sha256 else []
    return Component(
        type=ComponentType.DATA if entry.kind == "data" else ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=ident.bom_ref,
        group=ident.group,
        name=ident.name,
        version=ident.version,
        purl=ident.purl,
        description=_description(entry),
        hashes=hashes,
        licenses=licenses(meta) if meta is not None else [],
        external_references=_links(entry),
        properties=[*_entry_properties(entry), *_lock_properties(found)],
        components=_files(entry, locked),
        evidence=_evidence(entry),
        pedigree=Pedigree(ancestors=[_ancestor(b) for b in entry.bases]) if entry.bases else None,
    )


def _library_component(lib: Library) -> Component:
    purl = PackageURL(type="pypi", name=lib.name, version=lib.version)
    pairs: list[tuple[str, Any]] = [("declared", lib.declared)]
    if lib.specifier is not None:
        pairs.append(("declared-specifier", lib.specifier or "any"))
    pairs += [("declared-in", s) for s in lib.sources]
    return Component(type=ComponentType.LIBRARY, bom_ref=lib.bom_ref, name=lib.name, version=lib.version,
                     purl=purl, properties=_props(pairs),
                     external_references=[ExternalReference(type=ExternalReferenceType.WEBSITE,
                                                            url=XsUri(f"https://pypi.org/project/{lib.name}/"))])


def model_card(entry: Entry) -> dict[str, Any] | None:
    """`modelCard` (JSON form) from hub metadata: task, architecture, training datasets."""
    meta = entry.meta
    if entry.kind != "model" or meta is None or meta.status != "ok":
        return None
    params: dict[str, Any] = {}
    if meta.pipeline_tag:
        params["task"] = meta.pipeline_tag
    family = getattr(meta, "model_type", None)
    architectures = getattr(meta, "architectures", None) or ()
    if family:
        params["architectureFamily"] = str(family)
    if architectures:
        params["modelArchitecture"] = ", ".join(str(a) for a in architectures)
    if entry.datasets:
        params["datasets"] = [{"ref": d.bom_ref} for d in entry.datasets]
    return {"modelParameters": params} if params else None


def component_data(entry: Entry) -> list[dict[str, Any]] | None:
    """`data` (componentData, JSON form) for a dataset component."""
    if entry.kind != "data" or entry.ident is None:
        return None
    item: dict[str, Any] = {"type": "dataset", "name": entry.ident}
    if entry.hub == "huggingface":
        item["contents"] = {"url": f"{HF_DATASETS}/{entry.ident}"}
    elif entry.hub == "modelscope":
        item["contents"] = {"url": f"{MODELSCOPE}/datasets/{entry.ident}"}
    return [item]


def build(plan: Plan, tool_version: str, lock: Any = None) -> tuple[Bom, Extras]:
    """The BOM of a plan; `lock` (lock.lockfile.Lock) adds the locked commits and file hashes."""
    bom = Bom()
    bom.metadata.tools.components.add(Component(
        type=ComponentType.APPLICATION, name="ptm-lint", version=tool_version, group=None,
        external_references=[ExternalReference(type=ExternalReferenceType.VCS,
                                                url=XsUri("https://github.com/ptm-lint/ptm-lint"))]))
    root = Component(type=ComponentType.APPLICATION, name=plan.project_name, version=plan.project_version,
                     bom_ref=f"project:{plan.project_name}")
    bom.metadata.component = root

    extras = Extras()
    components: dict[str, Component] = {}
    for entry in plan.entries:
        component = _component(entry, lock)
        components[entry.bom_ref] = component
        bom.components.add(component)
        card = model_card(entry)
        if card:
            extras.model_cards[entry.bom_ref] = card
        data = component_data(entry)
        if data:
            extras.component_data[entry.bom_ref] = data

    libraries = []
    for lib in plan.libraries:
        component = _library_component(lib)
        libraries.append(component)
        bom.components.add(component)
        bom.register_dependency(component, [components[e.bom_ref] for e in lib.entries])

    direct = [components[e.bom_ref] for e in plan.entries if e.references and not e.libraries]
    bom.register_dependency(root, libraries + direct)
    for entry in plan.entries:
        bom.register_dependency(components[entry.bom_ref], [components[b.bom_ref] for b in entry.bases])
    return bom, extras


def serialize(bom: Bom, fmt: str, spec_version: str) -> str:
    """The library's JSON or XML for `bom` at spec 1.6/1.7 (before extras are added)."""
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    version = SchemaVersion.from_version(spec_version)
    output_format = OutputFormat.JSON if fmt == "json" else OutputFormat.XML
    with warnings.catch_warnings():
        # "root component has no dependencies" when the code loads no model: true and harmless.
        warnings.simplefilter("ignore", UserWarning)
        return make_outputter(bom, output_format, version).output_as_string(indent=2)


__all__ = ["Extras", "build", "serialize", "licenses", "model_card", "component_data", "HF"]
