"""The fix stage: findings + references + file contents -> fixes (text edits) -> fixed files.

1. :func:`fixes_for_file` (through :func:`.suggest.attach_fixes`, which caches its answers) cuts each fixable finding's call out of its file (or notebook cell) by
   position, parses just that call, lets the rule's fixer rewrite it with libcst, and turns the
   rewritten text into minimal `(Span, text)` edits: `Finding.fix`, which the reporters show
   (text `[*]`, SARIF `fixes`, JSON `fix`). Only a fixer that needs more than the call (the
   constant an id comes from, an import to add) gets the whole file or cell parsed.
2. :func:`fix_loop` applies the fixes the user allowed (safe, or also unsafe), skipping any that
   overlap one already taken, re-checks the changed files in memory and repeats until nothing is
   left to apply (ruff's model), so a second `--fix` run changes nothing.
3. :func:`write_changes` writes atomically; :func:`render_diff` prints a patch instead.

Positions: a finding's edits use the coordinates of its location, i.e. lines of the file, or lines
of the cell for notebooks (`Finding.cell`), 1-based with an exclusive end column.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import os
import tempfile
import tokenize
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from ..catalog import Catalog, Loader, default_catalog
from ..check.registry import implementation
from ..core import Finding, Fix, Reference
from ..scan.secrets import _TOKEN, _TOKEN_BYTES
from ..scan.source import SourceError, _neutralise, decode_python
from .cst_tools import CallUnit, CodeMap, Unit
from .edits import apply_offsets, compute_edits, conflicts, edit_offsets, line_starts, split_lines, unified_diff
from .notebook import NotebookFormatError, replace_sources
from .options import FixOptions
from .pins import how_to_pin
from .proposal import FixContext, Proposal

# -- one file's text ------------------------------------------------------------------------------
class FileText:
    """A .py file (decoded text) or a notebook (raw JSON text + code cell sources)."""

    def __init__(self, rel: str, data: bytes) -> None:
        self.rel = rel
        self.data = data
        self.notebook = rel.endswith(".ipynb")
        self.bom = data.startswith(b"\xef\xbb\xbf")
        self._units: dict[int | None, Unit] = {}
        self._unit_texts: dict[int | None, str] = {}
        self._unit_starts: dict[int | None, list[int]] = {}
        self._code_maps: dict[int | None, CodeMap] = {}
        self.cells: dict[int, str] = {}
        if self.notebook:
            self.raw = data.decode("utf-8-sig")
            doc = json.loads(self.raw)
            for index, cell in enumerate(doc.get("cells", []) if isinstance(doc, dict) else []):
                if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                    continue
                source = cell.get("source", "")
                if isinstance(source, list) and all(isinstance(s, str) for s in source):
                    source = "".join(source)
                if isinstance(source, str):
                    self.cells[index] = source
            self.encoding = "utf-8"
        else:
            self.encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
            self.text = decode_python(data)

    @staticmethod
    def load(rel: str, data: bytes) -> FileText | None:
        try:
            return FileText(rel, data)
        except (SourceError, SyntaxError, ValueError, UnicodeDecodeError, LookupError):
            return None

    def original(self, cell: int | None) -> str:
        return self.cells[cell] if cell is not None else self.text

    @staticmethod
    def parseable(source: str) -> str:
        """A cell's Python text as the scanner saw it (IPython syntax neutralised, same lines)."""
        return "\n".join(_neutralise(source.splitlines()) or [""]) + "\n"

    def unit_text(self, cell: int | None) -> str:
        """The text fixers edit: the file's, or a cell's as the scanner saw it."""
        if cell not in self._unit_texts:
            if self.notebook:
                if cell is None or cell not in self.cells:
                    raise KeyError(cell)
                self._unit_texts[cell] = self.parseable(self.cells[cell])
            else:
                self._unit_texts[cell] = self.text
        return self._unit_texts[cell]

    def unit(self, cell: int | None) -> Unit:
        """The whole file (or cell), parsed with libcst."""
        if cell not in self._units:
            self._units[cell] = Unit(self.unit_text(cell))
        return self._units[cell]

    def call_unit(self, ref: Reference) -> CallUnit | None:
        """The reference's call, parsed alone; None when only the whole unit will do."""
        try:
            text = self.unit_text(ref.cell)
        except KeyError:
            return None
        if ref.cell not in self._unit_starts:
            self._unit_starts[ref.cell] = line_starts(split_lines(text))
            self._code_maps[ref.cell] = CodeMap(text)
        # A .py file parsed as a whole when it was scanned; a notebook cell only with its neighbours.
        return CallUnit.cut(text, self._unit_starts[ref.cell], ref.line, ref.column, ref.end_line, ref.end_column,
                            trusted=not self.notebook, code_map=self._code_maps[ref.cell])

    def starts(self, cell: int | None) -> list[int]:
        """Line start offsets in the original text, numbered as the scanner numbers lines."""
        if self.notebook:
            return line_starts(self.cells[cell].splitlines(keepends=True))  # type: ignore[index]
        return line_starts(split_lines(self.text))

    def render(self, new_texts: Mapping[int | None, str]) -> bytes:
        if self.notebook:
            changed = {c: t for c, t in new_texts.items() if c is not None and t != self.cells.get(c)}
            raw = replace_sources(self.raw, changed)
            return (b"\xef\xbb\xbf" if self.bom else b"") + raw.encode("utf-8")
        text = new_texts.get(None, self.text)
        return text.encode(self.encoding)


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# -- 1. compute -----------------------------------------------------------------------------------
def fixes_for_file(rel: str, data: bytes, findings: Sequence[Finding], references: Sequence[Reference],
                   options: FixOptions | None = None, catalog: Catalog | None = None, *,
                   whole_module: bool = False) -> list[Finding]:
    """`findings` (all of one file) with `fix` filled in where a fixer applies.

    `whole_module` parses the whole file (or cell) for every fix, as the engine once did: the
    reference the call-only path must agree with."""
    options = options or FixOptions()
    catalog = catalog or default_catalog()
    wanted = [f for f in findings if implementation(f.rule).fixable and f.fix is None and not f.suppressed
              and f.reference is not None and 0 <= f.reference < len(references)]
    if not wanted:
        return list(findings)
    file = FileText.load(rel, data)
    if file is None:
        return list(findings)
    wanted_ids = {id(f) for f in wanted}
    out = []
    for finding in findings:
        if id(finding) not in wanted_ids:
            out.append(finding)
            continue
        out.append(_fix_one(file, finding, references[finding.reference], options, catalog,  # type: ignore[index]
                            whole_module))
    return out


def _fix_one(file: FileText, finding: Finding, ref: Reference, options: FixOptions, catalog: Catalog,
             whole_module: bool = False) -> Finding:
    # A fix that is only a pin needs no parsing when no pin is known (or the call has nothing to pin).
    start = implementation(finding.rule).pin_revision
    if start is not None and ref.model is not None:
        revision = start(ref)
        if revision == "":
            return finding  # the fixer has nothing to offer for this shape of call
        if options.resolve(ref, revision) is None:
            return with_hint(finding, how_to_pin(ref))
    loader = catalog.by_id(ref.loader)
    attempt = None
    if not whole_module:
        call_unit = file.call_unit(ref)
        if call_unit is not None:
            attempt = _propose(call_unit, call_unit.call, ref, finding, loader, options)
    if attempt is None:  # the call alone was not enough: parse the whole unit
        try:
            unit = file.unit(ref.cell)
            call = unit.find_call(ref.line, ref.column, ref.end_line, ref.end_column)
        except Exception:  # noqa: BLE001 - a cell libcst cannot parse: no fix, never a crash
            return finding
        if call is None:
            return finding
        attempt = _propose(unit, call, ref, finding, loader, options) or (unit, None, [])
    unit, proposal, hints = attempt
    if proposal is None and hints:
        finding = with_hint(finding, "; ".join(hints))
    if proposal is None or proposal.text == unit.text or not (unit.verified(proposal.text) or _parses(proposal.text)):
        return finding
    edits = compute_edits(unit.text, proposal.text)
    if any(_TOKEN.search(text) for _, text in edits) or _TOKEN.search(proposal.description):
        return finding  # a fix is printed: it never carries a secret
    return dataclasses.replace(finding, fix=Fix(proposal.applicability, proposal.description, edits))


def with_hint(finding: Finding, hint: str) -> Finding:
    """The finding with advice appended to its message (JSON, SARIF) and kept apart (`hint`, text)."""
    return dataclasses.replace(finding, message=f"{finding.message.rstrip('.')} ({hint})", hint=hint)


def _propose(unit: Unit, call: cst.Call, ref: Reference, finding: Finding, loader: Loader | None,
             options: FixOptions) -> tuple[Unit, Proposal | None, list[str]] | None:
    """(unit, the fixer's proposal, its hints); None when a CallUnit did not suffice."""
    ctx = FixContext(unit=unit, call=call, ref=ref, finding=finding, loader=loader, pin=options.resolve)
    try:
        proposal: Proposal | None = implementation(finding.rule).fix(ctx)  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - a fixer bug costs its fix, not the run
        if isinstance(unit, CallUnit):
            return None  # NeedsModule, or a failure of the call-only path: the whole unit decides
        proposal = None
    return unit, proposal, ctx.hints


# -- 2. apply -------------------------------------------------------------------------------------
def allowed(finding: Finding, unsafe: bool) -> bool:
    if finding.fix is None or not finding.fix.edits or finding.suppressed:
        return False
    return finding.fix.applicability == "safe" or (unsafe and finding.fix.applicability == "unsafe")


def apply_fixes(rel: str, data: bytes, findings: Iterable[Finding], unsafe: bool = False) -> tuple[bytes, list[Finding]]:
    """The file with every allowed, non-overlapping fix applied, and the findings that were fixed."""
    file = FileText.load(rel, data)
    if file is None:
        return data, []
    taken: dict[int | None, list[tuple[int, int]]] = {}
    edits: dict[int | None, list[tuple[int, int, str]]] = {}
    applied: list[Finding] = []
    candidates = sorted((f for f in findings if allowed(f, unsafe)), key=lambda f: (
        -1 if f.cell is None else f.cell, f.line, f.column, f.rule))
    for finding in candidates:
        cell = finding.cell
        if file.notebook and cell not in file.cells:
            continue
        original = file.original(cell)
        offsets = edit_offsets(original, finding.fix.edits, file.starts(cell))  # type: ignore[union-attr]
        spans = taken.setdefault(cell, [])
        if conflicts(spans, offsets):
            continue
        spans.extend((a, b) for a, b, _ in offsets)
        edits.setdefault(cell, []).extend(offsets)
        applied.append(finding)
    if not applied:
        return data, []
    new_texts = {cell: apply_offsets(file.original(cell), e) for cell, e in edits.items()}
    for cell, text in new_texts.items():
        if not _parses(file.parseable(text) if file.notebook else text):
            return data, []  # never write code that does not parse
    try:
        return file.render(new_texts), applied
    except (NotebookFormatError, UnicodeEncodeError):
        return data, []


Recheck = Callable[[str, bytes], tuple[tuple[Reference, ...], list[Finding]]]


@dataclass
class FixOutcome:
    references: tuple[Reference, ...]
    findings: list[Finding]  # what is left after fixing (fixes attached)
    changed: dict[str, tuple[bytes, bytes]]  # rel -> (before, after)
    fixed: int


def fix_loop(references: Sequence[Reference], findings: Sequence[Finding], read: Callable[[str], bytes | None],
             recheck: Recheck, *, unsafe: bool = False, options: FixOptions | None = None,
             max_passes: int = 10) -> FixOutcome:
    """Apply fixes until none is left (in memory); re-check changed files after each pass."""
    options = options or FixOptions()
    state = _split(references, findings)
    before: dict[str, bytes] = {}
    current: dict[str, bytes] = {}
    fixed = 0

    def data_of(rel: str) -> bytes | None:
        return current[rel] if rel in current else read(rel)

    for _ in range(max_passes):
        progress = False
        for rel, (refs, file_findings) in list(state.items()):
            if not any(allowed(f, unsafe) for f in file_findings):
                continue
            data = data_of(rel)
            if data is None:
                continue
            new_data, applied = apply_fixes(rel, data, file_findings, unsafe)
            if not applied or new_data == data:
                continue
            before.setdefault(rel, data)
            current[rel] = new_data
            fixed += len(applied)
            new_refs, new_findings = recheck(rel, new_data)
            new_findings = fixes_for_file(rel, new_data, new_findings, new_refs, options)
            state[rel] = (tuple(new_refs), list(new_findings))
            progress = True
        if not progress:
            break
    references_out, findings_out = _join(state, references, findings)
    changed = {rel: (before[rel], current[rel]) for rel in current if before[rel] != current[rel]}
    return FixOutcome(references_out, findings_out, changed, fixed)


def _split(references: Sequence[Reference], findings: Sequence[Finding]):
    """Per file: (its references, its findings with file-local reference indexes)."""
    local: dict[int, int] = {}
    refs_by: dict[str, list[Reference]] = {}
    for i, ref in enumerate(references):
        bucket = refs_by.setdefault(ref.path, [])
        local[i] = len(bucket)
        bucket.append(ref)
    state: dict[str, tuple[tuple[Reference, ...], list[Finding]]] = {}
    for f in findings:
        refs = tuple(refs_by.get(f.path, ()))
        entry = state.setdefault(f.path, (refs, []))
        index = local.get(f.reference) if f.reference is not None else None
        entry[1].append(dataclasses.replace(f, reference=index))
    return state


def _join(state, references: Sequence[Reference], findings: Sequence[Finding]):
    paths = list(dict.fromkeys([*(r.path for r in references), *(f.path for f in findings)]))
    refs_out: list[Reference] = []
    findings_out: list[Finding] = []
    for path in paths:
        if path in state:
            refs, file_findings = state[path]
        else:
            refs, file_findings = tuple(r for r in references if r.path == path), []
        base = len(refs_out)
        refs_out.extend(refs)
        findings_out.extend(dataclasses.replace(f, reference=None if f.reference is None else base + f.reference)
                            for f in file_findings)
    findings_out.sort(key=lambda f: (f.path, -1 if f.cell is None else f.cell, f.line, f.column, f.rule))
    return tuple(refs_out), findings_out


# -- 3. write / diff ------------------------------------------------------------------------------
def write_changes(root: Path, changed: Mapping[str, tuple[bytes, bytes]]) -> list[str]:
    """Write each changed file atomically; returns error messages for files that could not be."""
    errors = []
    for rel, (old, new) in sorted(changed.items()):
        path = root / rel
        try:
            if path.read_bytes() != old:
                errors.append(f"{rel}: changed on disk while fixing; not written")
                continue
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".ptm-lint", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(new)
                os.chmod(tmp, path.stat().st_mode & 0o7777)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            errors.append(f"{rel}: cannot write: {exc.strerror or exc}")
    return errors


def render_diff(changed: Mapping[str, tuple[bytes, bytes]], *, prefix: bool = True) -> tuple[bytes, list[str]]:
    """The patch for every changed file, and the files left out of it: a hunk that would show a
    hard-coded hub token is never printed (apply those fixes with --fix)."""
    parts, withheld = [], []
    for rel, (old, new) in sorted(changed.items()):
        diff = unified_diff(rel, old, new, prefix=prefix)
        if _TOKEN_BYTES.search(diff):
            withheld.append(rel)
            continue
        parts.append(diff)
    return b"".join(parts), withheld
