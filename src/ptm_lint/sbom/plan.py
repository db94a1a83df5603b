"""What goes into the model SBOM, decided without cyclonedx: one entry per distinct model/dataset.

`plan(references, project, metadata)` groups the inventory references by (kind, hub, id, revision)
(kind: `data` for role `dataset`, else `model`), keeps every reference whose id is unknown as an
entry of its own (marked `unresolved`), adds the base models and training datasets that hub
metadata names, and works out the libraries that load them and the edges between all of them.
The result is rendered by `sbom.cyclonedx`; tests can inspect it directly.
"""

from __future__ import annotations

import re

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..core import Reference
from ..hub.model import ModelMeta
from ..report.inventory import model_key
from ..resolve.classify import hf_canonical
from ..scan.secrets import mask_secrets
from .identity import Identity, identify

# (hub, canonical id, revision): the key hub metadata is looked up by (hub/resolver.py `by_key`).
MetaKey = tuple[str, str, "str | None"]
MetadataMap = Mapping[tuple[str, str, Any], ModelMeta]

UNKNOWN_REVISION = "(unresolved)"
PIN_ORDER = ("immutable", "weak", "library", "local", "mutable", "unknown")


@dataclass
class Entry:
    """One component of the BOM for a model or dataset."""

    kind: str  # model | data
    hub: str
    ident: str | None  # canonical id (or path / URL / alias); None when the id is unknown
    revision: str | None  # as written in the code; None: none given (or not resolvable, see below)
    identity: Identity
    references: list[tuple[int, Reference]] = field(default_factory=list)  # (inventory index, ref)
    origin: str = "code"  # code | base-model | dataset (named by hub metadata, not by the code)
    meta: ModelMeta | None = None
    bases: list[Entry] = field(default_factory=list)  # base models (hub metadata)
    datasets: list[Entry] = field(default_factory=list)  # training datasets (hub metadata)
    revision_unknown: bool = False  # a revision may be passed but its value is not statically known

    @property
    def bom_ref(self) -> str:
        return self.identity.bom_ref

    @property
    def unresolved(self) -> bool:
        return self.ident is None

    @property
    def pin(self) -> str | None:
        """The weakest pin among the call sites (what the component as a whole can promise)."""
        pins = {ref.pin for _, ref in self.references}
        if not pins:
            return None
        return max(pins, key=lambda p: PIN_ORDER.index(p) if p in PIN_ORDER else len(PIN_ORDER))

    @property
    def libraries(self) -> list[str]:
        return sorted({ref.library for _, ref in self.references if ref.library})


@dataclass
class Library:
    """A Python distribution whose API loads models, with what the project declares about it."""

    name: str  # canonical PyPI name
    declared: bool
    specifier: str | None  # PEP 440 specifier set the project declares ("" = any), None = not declared
    version: str | None  # exact version when the project pins it with ==
    sources: tuple[str, ...] = ()
    entries: list[Entry] = field(default_factory=list)  # what it loads

    @property
    def bom_ref(self) -> str:
        return f"pkg:pypi/{self.name}" + (f"@{self.version}" if self.version else "")


@dataclass
class Plan:
    project_name: str
    project_version: str | None
    entries: list[Entry]
    libraries: list[Library]
    references: tuple[Reference, ...]

    def by_ref(self) -> dict[str, Entry]:
        return {e.bom_ref: e for e in self.entries}


# Characters XML 1.0 cannot carry (and lone surrogates from undecodable file names, which no
# encoder can write): scanned paths and ids may hold them; they are shown as escapes.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Scanned text made safe for the SBOM: no unencodable characters, no hub tokens."""
    return mask_secrets(_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _clean(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def clean_reference(ref: Reference) -> Reference:
    """The reference with every scanned string made safe for JSON and XML output."""
    fields = ("path", "api", "model", "canonical", "provenance", "revision", "revision_provenance", "library")
    changed = {name: _clean(getattr(ref, name)) for name in fields if getattr(ref, name) != _clean(getattr(ref, name))}
    args = {k: _clean(v) for k, v in ref.args.items()} if isinstance(ref.args, Mapping) else ref.args
    if args != ref.args:
        changed["args"] = args
    notes = tuple(clean_text(n) for n in ref.notes)
    if notes != ref.notes:
        changed["notes"] = notes
    return replace(ref, **changed) if changed else ref


def _sort_key(item: tuple[int, Reference]) -> tuple[Any, ...]:
    ref = item[1]
    return (ref.path, -1 if ref.cell is None else ref.cell, ref.line, ref.column, item[0])


def _unresolved_identity(ref: Reference) -> Identity:
    where = f"{ref.path}" + (f"#cell{ref.cell}" if ref.cell is not None else "") + f":{ref.line}:{ref.column}"
    task = ref.args.get("task") if isinstance(ref.args, Mapping) else None
    # The call site is in the name: tools that list components by name (Dependency-Track) must
    # tell two unresolved loads by the same API apart.
    site = f"{ref.path}" + (f"#cell{ref.cell}" if ref.cell is not None else "") + f":{ref.line}"
    if ref.pin == "library" and isinstance(task, str):
        name = f"default model of {ref.api} for task {task} ({site})"
    else:
        name = f"unresolved model loaded by {ref.api} ({site})"
    return Identity(f"unresolved:{where}", name)


def _meta_for(metadata: MetadataMap | None, hub: str, ident: str, revision: str | None, kind: str,
              pin: str | None = None) -> ModelMeta | None:
    """The metadata record for one entry, under any of the keys the metadata layer uses.

    hub/resolver.py keys datasets as `datasets/<id>`; a library-level "revision" (timm tag) and
    Hugging Face's `main` denote the default branch, which is looked up with revision None.
    """
    if not metadata:
        return None
    idents = [f"datasets/{ident}", ident] if kind == "data" else [ident]
    revisions: list[str | None] = [revision]
    if pin == "library" or (hub == "huggingface" and revision == "main") or (hub == "modelscope" and revision == "master"):
        revisions.append(None)
    if hub == "huggingface" and revision is None:
        revisions.append("main")  # the default branch, looked up under its name
    for rev in revisions:
        for name in idents:
            meta = metadata.get((hub, name, rev))
            if meta is not None and (meta.repo_type == "dataset") == (kind == "data"):
                return meta
    return None


def _pinned_version(specifier: str) -> str | None:
    from packaging.specifiers import SpecifierSet

    exact = {s.version for s in SpecifierSet(specifier) if s.operator in ("==", "===")
             and not s.version.endswith(".*")}
    return exact.pop() if len(exact) == 1 else None


def plan(references: Sequence[Reference], project: Any = None, metadata: MetadataMap | None = None,
         project_name: str | None = None) -> Plan:
    """Group references into SBOM entries. `project` is a discover.project.Project (or None)."""
    references = tuple(clean_reference(ref) for ref in references)
    entries: dict[tuple[str, str, str, str | None], Entry] = {}
    unresolved: list[Entry] = []
    for index, ref in enumerate(references):
        key = model_key(ref)
        kind = "data" if ref.role == "dataset" else "model"
        if key is None:
            entry = Entry(kind, ref.hub, None, ref.revision, _unresolved_identity(ref), [(index, ref)])
            unresolved.append(entry)
            continue
        hub, ident = key
        revision_unknown = ref.revision is None and ref.revision_resolution == "unknown"
        full = (kind, hub, ident, UNKNOWN_REVISION if revision_unknown else ref.revision)
        entry = entries.get(full)
        if entry is None:
            entry = entries[full] = Entry(kind, hub, ident, ref.revision, None,  # type: ignore[arg-type]
                                          revision_unknown=revision_unknown)
        entry.references.append((index, ref))

    for entry in entries.values():
        entry.references.sort(key=_sort_key)
        first = entry.references[0][1]
        assert entry.ident is not None
        entry.identity = identify(entry.hub, entry.ident, entry.revision, entry.pin or "unknown",
                                  dataset=entry.kind == "data", written=first.model, library=first.library)
        if entry.revision_unknown:
            # Which revision loads is not known, so neither is what the hub says about it.
            entry.identity = replace(entry.identity, bom_ref=entry.identity.bom_ref + "@" + UNKNOWN_REVISION)
        else:
            entry.meta = _meta_for(metadata, entry.hub, entry.ident, entry.revision, entry.kind, entry.pin)

    # Base models and training datasets named by hub metadata (followed transitively).
    work = [e for e in entries.values() if e.meta is not None]
    while work:
        entry = work.pop()
        meta = entry.meta
        if meta is None or meta.status != "ok":
            continue
        for base in dict.fromkeys(b.strip() for b in meta.base_models if b.strip()):
            target = _derived(entries, metadata, "model", hf_canonical(base), "base-model", work)
            if target is not entry and all(b is not target for b in entry.bases):
                entry.bases.append(target)
        if entry.kind == "model":
            for dataset in dict.fromkeys(d.strip() for d in meta.datasets if d.strip()):
                target = _derived(entries, metadata, "data", dataset, "dataset", work)
                if all(d is not target for d in entry.datasets):
                    entry.datasets.append(target)

    ordered = sorted(entries.values(), key=lambda e: (e.kind, e.hub, e.ident or "", e.revision or "",
                                                      e.revision_unknown))
    ordered += sorted(unresolved, key=lambda e: _sort_key(e.references[0]))
    _dedupe_refs(ordered)

    libraries: dict[str, Library] = {}
    for entry in ordered:
        for name in entry.libraries:
            lib = libraries.get(name)
            if lib is None:
                lib = libraries[name] = _library(name, project)
            lib.entries.append(entry)
    name = project_name or (project.name if project is not None else "project")
    version = project.version if project is not None else None
    return Plan(name, version, ordered, sorted(libraries.values(), key=lambda lib: lib.name), tuple(references))


def _derived(entries: dict, metadata: MetadataMap | None, kind: str, ident: str, origin: str,
             work: list[Entry]) -> Entry:
    full = (kind, "huggingface", ident, None)
    entry = entries.get(full)
    if entry is None:
        entry = Entry(kind, "huggingface", ident, None,
                      identify("huggingface", ident, None, "mutable", dataset=kind == "data"), origin=origin)
        entry.meta = _meta_for(metadata, "huggingface", ident, None, kind)
        entries[full] = entry
        if entry.meta is not None:
            work.append(entry)
    return entry


def _dedupe_refs(entries: list[Entry]) -> None:
    """bom-refs must be unique; two ids that differ only in a way the purl normalises could clash."""
    seen: dict[str, int] = {}
    for entry in entries:
        ref = entry.identity.bom_ref
        if ref in seen:
            seen[ref] += 1
            entry.identity = replace(entry.identity, bom_ref=f"{ref}#{seen[ref]}")
        else:
            seen[ref] = 1


def _library(name: str, project: Any) -> Library:
    if project is None:
        return Library(name, False, None, None)
    reqs = project.requirements_for(name)
    spec = project.specifier(name)
    text = str(spec) if spec is not None else None
    return Library(
        name,
        declared=project.declared(name),
        specifier=text,
        version=_pinned_version(text) if text else None,
        sources=tuple(sorted({r.source for r in reqs})),
    )
