"""Run the selected rules over the references and files, apply suppressions and per-file ignores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from ..core import LEVELS, FileScan, Finding, Reference, Span
from .context import Context, Hit
from .registry import implementation
from .rulebook import RuleMeta


@dataclass(frozen=True)
class Selection:
    """Which rules run: ruff's model (select, then extend-select, then ignore; ids or prefixes)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def enabled(self, rules: Sequence[RuleMeta], metadata_available: bool = False) -> tuple[RuleMeta, ...]:
        """The rules that run. Rules that need hub metadata join the default set only when the run has
        metadata (`--online`, or a warm cache); an explicit --select/--extend-select always enables them."""
        if self.select is None:
            chosen = {r.id for r in rules if metadata_available or not r.needs_metadata}
        else:
            chosen = {r.id for r in rules if _matches(r.id, self.select)}
        chosen |= {r.id for r in rules if _matches(r.id, self.extend_select)}
        chosen -= {r.id for r in rules if _matches(r.id, self.ignore)}
        return tuple(r for r in rules if r.id in chosen)

    def ignored_in(self, path: str, rule: str) -> bool:
        for pattern, ids in self.per_file_ignores:
            if _glob(path, pattern) and _matches(rule, ids):
                return True
        return False


def _matches(rule: str, selectors: Iterable[str]) -> bool:
    return any(sel == "ALL" or rule.startswith(sel) for sel in selectors)


def _glob(path: str, pattern: str) -> bool:
    pure = PurePosixPath(path)
    if pure.match(pattern):
        return True
    # A pattern without a slash matches the file name anywhere, like ruff's per-file-ignores.
    return "/" not in pattern and PurePosixPath(pure.name).match(pattern)


def level_rank(level: str) -> int:
    """error=0, warning=1, note=2: lower is more severe."""
    return LEVELS.index(level)


def _suppressed(scan: FileScan | None, cell: int | None, first: int, last: int, rule: str) -> tuple[bool, tuple[int, int] | None]:
    if scan is None:
        return False, None
    for line in range(first, last + 1):
        ids = scan.suppressions.get((cell, line), frozenset())
        if ids is None or rule in ids:
            return True, (cell if cell is not None else -1, line)
    return False, None


def _loaded(expanded: Sequence[tuple[Reference, ...]]) -> list[tuple[int, Reference]]:
    """(reference index, reference) once per model each reference may load: a call whose callers
    pass different models is checked once per candidate (docs/resolution.md, Callers)."""
    return [(index, one) for index, ones in enumerate(expanded) for one in ones]


def _for_candidate(hit: Hit, whole: Reference, one: Reference) -> Hit:
    """A candidate's hit says which call passes the model it is about."""
    if not whole.candidates:
        return hit
    cand = next((c for c in whole.candidates if c.model == one.model and c.revision == one.revision), None)
    if cand is None:
        return hit
    cell = f"[cell {cand.cell}]" if cand.cell is not None else ""
    return replace(hit, message=f"{hit.message} (candidate passed at {cand.path}{cell}:{cand.line})")


def _hits(rule: RuleMeta, references: Sequence[Reference], expanded: Sequence[tuple[Reference, ...]],
          scans: Mapping[str, FileScan], selection: Selection,
          ctx: Context) -> Iterable[tuple[str, int | None, Span, int | None, Hit, str | None]]:
    """(path, cell, span, reference index, hit, model) for each violation of one rule, per its scope
    (`expanded`: each reference's Reference.loaded(), built once for every rule)."""
    impl = implementation(rule.id)
    if impl.scope == "reference":
        for index, ref in enumerate(references):
            if selection.ignored_in(ref.path, rule.id):
                continue
            seen: set[str] = set()
            for one in expanded[index]:
                for hit in impl.check(one, ctx):
                    hit = _for_candidate(hit, ref, one)
                    if hit.message not in seen:
                        seen.add(hit.message)
                        yield ref.path, ref.cell, hit.span or _span(ref), index, hit, one.model
    elif impl.scope == "project":
        # The rule sees every reference at once (each candidate as a reference of its own); files
        # where it is per-file-ignored are left out of its input, so an ignored file neither gets
        # findings nor counts as "elsewhere".
        subset = [(i, one) for i, one in _loaded(expanded) if not selection.ignored_in(one.path, rule.id)]
        seen_project: set[tuple[int, str]] = set()
        for local, hit in impl.check([one for _, one in subset], ctx):
            index, one = subset[local]
            ref = references[index]
            hit = _for_candidate(hit, ref, one)
            if (index, hit.message) in seen_project:
                continue
            seen_project.add((index, hit.message))
            yield ref.path, ref.cell, hit.span or _span(ref), index, hit, one.model
    else:  # "file"
        for path, scan in scans.items():
            if selection.ignored_in(path, rule.id):
                continue
            for hit in impl.check(scan, ctx):
                assert hit.span is not None, f"{rule.id}: a file-scope hit needs a span"
                yield path, hit.cell, hit.span, None, hit, None


def _span(ref: Reference) -> Span:
    return Span(ref.line, ref.column, ref.end_line, ref.end_column)


def run_checks(references: Sequence[Reference], scans: Mapping[str, FileScan], rules: Sequence[RuleMeta],
               selection: Selection, ctx: Context, *, metadata_available: bool | None = None,
               ) -> tuple[list[Finding], list[tuple[str, int | None, int, str]]]:
    """Findings (suppressed ones flagged) and the suppression comments that silenced nothing.

    `metadata_available` (default: whether ctx.metadata has any record) decides whether the rules that
    need hub metadata are in the default selection."""
    if metadata_available is None:
        metadata_available = bool(ctx.metadata)
    findings: list[Finding] = []
    used: set[tuple[str, int, int]] = set()
    expanded = [ref.loaded() for ref in references]
    for rule in selection.enabled(rules, metadata_available):
        for path, cell, span, index, hit, model in _hits(rule, references, expanded, scans, selection, ctx):
            # A reference is suppressed on any line of its call; a file-level finding on its own lines.
            first, last = (references[index].line, references[index].end_line) if index is not None \
                else (span.line, span.end_line)
            suppressed, where = _suppressed(scans.get(path), cell, first, last, rule.id)
            if where:
                used.add((path, *where))
            findings.append(_finding(rule, hit, path, cell, span, model, index, suppressed))
    findings.sort(key=lambda f: (f.path, f.cell if f.cell is not None else -1, f.line, f.column, f.rule))
    unused = []
    for path, scan in scans.items():
        for (cell, line), ids in scan.suppressions.items():
            if (path, cell if cell is not None else -1, line) not in used:
                unused.append((path, cell, line, "all rules" if ids is None else ", ".join(sorted(ids))))
    unused.sort(key=lambda u: (u[0], u[1] if u[1] is not None else -1, u[2]))
    return findings, unused


def _finding(rule: RuleMeta, hit: Hit, path: str, cell: int | None, span: Span, model: str | None,
             index: int | None, suppressed: bool) -> Finding:
    return Finding(
        rule=rule.id, name=rule.name, level=hit.level or rule.level, message=hit.message, path=path, cell=cell,
        line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column,
        model=model, reference=index, fix=hit.fix, suppressed=suppressed, data=hit.data,
    )


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    threshold = level_rank(fail_on)
    return any(not f.suppressed and level_rank(f.level) <= threshold for f in findings)
