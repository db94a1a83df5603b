"""Render `ptm-lint check` results as one SARIF 2.1.0 run for GitHub code scanning (sarif-om)."""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from ..check.rulebook import RuleMeta
from ..core import FileError, Finding, Report, Span, cell_label
from ..notebook import cell_spans, skip_value, source_span, source_strings, string_offsets
from .findings_json import dumps, finding_sort_key

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"  # the $schema value GitHub's docs use
INFORMATION_URI = "https://github.com/ptm-lint/ptm-lint"
SRCROOT = "%SRCROOT%"

# GitHub code scanning limits (formats.md §1.1). Hard limits reject the whole upload; where the
# docs disagree (tags 10 vs 20, locations 10 vs 1,000) the stricter value is used.
MAX_RESULTS = 25_000
STORED_RESULTS = 5_000  # GitHub keeps only the top 5,000 by severity; we warn, not drop
MAX_RULES = 25_000
MAX_TAGS = 10
MAX_RULE_NAME = 255
MAX_DESCRIPTION = 1024
MAX_GZIP_BYTES = 10 * 1024 * 1024
# Not a GitHub number: our own bound so one pathological message cannot bloat the log.
MAX_MESSAGE = 4096

_LEVELS = ("error", "warning", "note", "none")
_PRECISIONS = ("very-high", "high", "medium", "low")
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's own notion of a line break (not \f, \v, ...)

# ---------------------------------------------------------------- GitHub primaryLocationLineHash
# Port of github/codeql-action src/fingerprints.ts (formats.md §3.3, checked against its test
# vectors): a rolling hash over the next 100 non-space/tab UTF-16 code units from each line start,
# suffixed with how many lines up to this one have the same hash (`hash:N`).
#
# The hash of a line depends only on its window of 100 units, so two lines share a hash exactly
# when they share a window (up to 64-bit collisions, which the action itself does not tell apart).
# LineHashes counts equal windows (by searching for the few a file's results ask for, or by cutting
# every window once when they are many) and computes the polynomial only for the lines a result
# asks for: a notebook with megabytes of outputs costs C-speed passes, not a Python step per character.
_M64 = (1 << 64) - 1
_BLOCK, _MOD, _EOF = 100, 37, 65535
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_TAIL = chr(_EOF) + "\0" * _BLOCK  # the action feeds EOF (65535), then zeros, after the last unit
_LAZY_WINDOWS = 16


def _utf16_units(text: str) -> str:
    """`text` with each character beyond the BMP as its two UTF-16 surrogates (one char per unit)."""
    def pair(m: re.Match[str]) -> str:
        code = ord(m.group()) - 0x10000
        return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))

    return _ASTRAL.sub(pair, text) if _ASTRAL.search(text) else text


class LineHashes:
    """primaryLocationLineHash of any line of one file, after one linear pass over it."""

    def __init__(self, text: str) -> None:
        # The action's stream: CR LF and lone CR read as one LF; spaces and tabs skipped (after the
        # CR LF pairing: a space between CR and LF keeps them two line breaks).
        units = _utf16_units(text).replace("\r\n", "\n").replace("\r", "\n")
        self._units = units = units.replace(" ", "").replace("\t", "") + _TAIL
        starts = [0]
        find, at = units.find, units.find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self._starts = starts  # line n (1-based) starts at units[starts[n - 1]]
        self._occurrence: list[int] | None = None  # every line's count, once many windows are asked for
        self._seen_at: dict[str, list[int]] = {}  # window -> starts of the lines that have it
        self._hash: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._starts)

    def _count(self, line: int, window: str) -> int:
        """How many lines up to `line` have this window. The few windows a file's results ask for
        are searched for (str.find runs in C); past _LAZY_WINDOWS of them, every window is cut
        once and counted in one pass."""
        if self._occurrence is None and len(self._seen_at) >= _LAZY_WINDOWS and window not in self._seen_at:
            seen: dict[str, int] = {}
            occurrence = []
            units = self._units
            for p in self._starts:
                w = units[p:p + _BLOCK]
                seen[w] = n = seen.get(w, 0) + 1
                occurrence.append(n)
            self._occurrence = occurrence
        if self._occurrence is not None:
            return self._occurrence[line - 1]
        at = self._seen_at.get(window)
        if at is None:
            at, units, q = [], self._units, self._units.find(window)
            while q != -1:
                if q == 0 or units[q - 1] == "\n":
                    at.append(q)
                q = units.find(window, q + 1)
            self._seen_at[window] = at
        return bisect.bisect_right(at, self._starts[line - 1])

    def get(self, line: int) -> str | None:
        """'hex:count' for the 1-based `line`, or None past the end."""
        if not 1 <= line <= len(self._starts):
            return None
        start = self._starts[line - 1]
        window = self._units[start:start + _BLOCK]
        value = self._hash.get(window)
        if value is None:
            h = 0
            for ch in window:  # every window is _BLOCK long: the tail pads the last ones
                h = (h * _MOD + ord(ch)) & _M64
            value = self._hash[window] = format(h, "x")
        return f"{value}:{self._count(line, window)}"


def line_hashes(text: str) -> dict[int, str]:
    """{1-based line number: 'hex:count'} exactly as upload-sarif computes it (every line)."""
    hashes = LineHashes(text)
    return {n: hashes.get(n) for n in range(1, len(hashes) + 1)}  # type: ignore[misc]


# ---------------------------------------------------------------- source access
@dataclass(frozen=True, slots=True)
class Located:
    """Where a finding sits in the file as stored (what GitHub highlights) and its flagged line."""

    span: Span
    content: str | None  # text of the flagged (first) line, for the ptm-lint fingerprint
    raw_line: int | None  # line of `span` in the stored file, None when not mapped to it


class _Notebook:
    """Maps (cell, line, column) of a notebook finding to the .ipynb text as stored.

    Only the JSON is parsed (never executed): positions come from the raw text's `cells[i].source`
    strings (ptm_lint/notebook.py) and each decoded character's raw, escaped offset.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # Found when a result asks: the cells' extents once, then the `source` of the cells with results.
        self._cell_spans: list[tuple[int, int]] | None = None
        self._sources: dict[int, list[tuple[int, str]]] = {}  # cell -> [(token start, decoded)]
        self._line_starts: list[int] | None = None
        self._cells: dict[int, tuple[str, list[int], list[int]] | None] = {}

    def _tokens(self, cell: int) -> list[tuple[int, str]]:
        """The decoded strings of one cell's source, decoded when a result is in that cell."""
        if cell not in self._sources:
            try:
                if self._cell_spans is None:
                    self._cell_spans = cell_spans(self.text)
                span = source_span(self.text, self._cell_spans[cell]) if 0 <= cell < len(self._cell_spans) else None
                self._sources[cell] = source_strings(self.text, *span) if span else []
            except (ValueError, IndexError, RecursionError):
                self._cell_spans = self._cell_spans or []
                self._sources[cell] = []
        return self._sources[cell]

    def _cell_text(self, cell: int) -> tuple[str, list[int], list[int]] | None:
        """(joined source, start offset of each line, start offset of each token) of one cell."""
        if cell not in self._cells:
            tokens = self._tokens(cell)
            if not tokens:
                self._cells[cell] = None
            else:
                joined = "".join(value for _, value in tokens)
                # The scanner numbers cell lines with str.splitlines(); follow it exactly.
                starts, pos = [], 0
                for piece in joined.splitlines(keepends=True) or [""]:
                    starts.append(pos)
                    pos += len(piece)
                token_starts, pos = [], 0
                for _, value in tokens:
                    token_starts.append(pos)
                    pos += len(value)
                self._cells[cell] = (joined, starts, token_starts)
        return self._cells[cell]

    def line(self, cell: int, line: int) -> str | None:
        info = self._cell_text(cell)
        if info is None or not 1 <= line <= len(info[1]):
            return None
        joined, starts, _ = info
        end = starts[line] if line < len(starts) else len(joined)
        return joined[starts[line - 1] : end].rstrip("\r\n")

    def raw_position(self, cell: int, line: int, column: int) -> tuple[int, int] | None:
        """(raw line, raw column), both 1-based, of a cell position; None when unknown."""
        info = self._cell_text(cell)
        if info is None or not 1 <= line <= len(info[1]):
            return None
        joined, starts, token_starts = info
        line_end = starts[line] if line < len(starts) else len(joined)
        offset = min(starts[line - 1] + max(column, 1) - 1, line_end)
        k = max(bisect.bisect_right(token_starts, offset) - 1, 0)
        if offset == len(joined):
            k = len(token_starts) - 1
        token_at, value = self._tokens(cell)[k]
        token_end = skip_value(self.text, token_at)
        local = min(offset - token_starts[k], len(value))
        raw = token_at + string_offsets(self.text[token_at:token_end])[local]
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        raw_line = bisect.bisect_right(self._line_starts, raw)
        return raw_line, raw - self._line_starts[raw_line - 1] + 1


class Sources:
    """Per-file cache of the stored text, its lines, line hashes and notebook maps."""

    def __init__(self, read_source: Callable[[str], str | None] | None) -> None:
        self._read = read_source
        self._text: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}
        self._hashes: dict[str, LineHashes] = {}
        self._notebooks: dict[str, _Notebook] = {}

    def text(self, path: str) -> str | None:
        if path not in self._text:
            try:
                self._text[path] = self._read(path) if self._read is not None else None
            except (OSError, UnicodeError, ValueError):
                self._text[path] = None  # a vanished/unreadable file only loses its hash
        return self._text[path]

    def line_hash(self, path: str, line: int) -> str | None:
        text = self.text(path)
        if text is None:
            return None
        if path not in self._hashes:
            self._hashes[path] = LineHashes(text)  # once per file, whatever its number of results
        return self._hashes[path].get(line)

    def locate(self, f: Finding) -> Located:
        span = _sane_span(f.line, f.column, f.end_line, f.end_column)
        text = self.text(f.path)
        if text is None:
            return Located(span, None, None)
        if f.cell is None:
            if f.path not in self._lines:
                self._lines[f.path] = _LINE_BREAK.split(text)
            lines = self._lines[f.path]
            content = lines[span.line - 1] if span.line <= len(lines) else None
            return Located(span, content, span.line)
        if f.path not in self._notebooks:
            self._notebooks[f.path] = _Notebook(text)
        nb = self._notebooks[f.path]
        start = nb.raw_position(f.cell, span.line, span.column)
        end = nb.raw_position(f.cell, span.end_line, span.end_column)
        content = nb.line(f.cell, span.line)
        if start is None or end is None:
            return Located(span, content, None)
        return Located(_sane_span(*start, *end), content, start[0])


def _sane_span(line: int, column: int, end_line: int, end_column: int) -> Span:
    """SARIF needs 1-based positions with the end not before the start."""
    line, column = max(line, 1), max(column, 1)
    end_line = max(end_line, line)
    end_column = max(end_column, 1)
    if end_line == line and end_column < column:
        end_column = column
    return Span(line, column, end_line, end_column)


# ---------------------------------------------------------------- serializer (formats.md §3.3)
def sarif_to_dict(obj: Any) -> Any:
    """sarif-om attrs objects -> plain JSON using each field's schema_property_name.

    Drops None, empty containers and attrs defaults (no `-1` indexes, `kind: fail`, `en-US`...),
    but keeps levels explicit: a dropped `level: warning` would silently fall back to the rule's
    default level. Renames Suppression.state -> status (sarif-om predates the final schema).
    """
    import attr
    import sarif_om as om

    keep_default = {
        (om.Result, "level"),
        (om.ReportingConfiguration, "level"),
        (om.Notification, "level"),
    }
    keep_empty = {(om.Run, "results")}  # upload-sarif rejects a run without a results array
    rename = {(om.Suppression, "state"): "status"}

    def convert(o: Any) -> Any:
        if attr.has(type(o)):
            out = {}
            for f in attr.fields(type(o)):
                v = getattr(o, f.name)
                key = (type(o), f.name)
                if v is None:
                    continue
                if f.default is not attr.NOTHING and key not in keep_default:
                    d = f.default
                    if isinstance(d, attr.Factory):
                        d = d.factory()
                    if v == d:
                        continue
                if isinstance(v, (list, tuple, dict)) and not v and key not in keep_empty:
                    continue
                out[rename.get(key, f.metadata.get("schema_property_name", f.name))] = convert(v)
            return out
        if isinstance(o, dict):
            return {k: convert(v) for k, v in o.items() if v is not None and v != [] and v != {}}
        if isinstance(o, (list, tuple)):
            return [convert(v) for v in o]
        return o

    return convert(obj)


# ---------------------------------------------------------------- rules
def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _fence(code: str, lang: str = "python") -> str:
    # A fence longer than any backtick run inside the example keeps the block closed.
    longest = max((len(m.group()) for m in re.finditer(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}"


def _cwe_tag(cwe: str) -> str | None:
    m = re.search(r"(\d+)", cwe)
    return f"external/cwe/cwe-{int(m.group(1))}" if m else None


def _is_security(rule: RuleMeta) -> bool:
    return rule.category == "security" or rule.security_severity is not None


def _tags(rule: RuleMeta) -> tuple[list[str], list[str]]:
    """(tags kept, tags dropped): required tags first so the 10-tag cap never loses them."""
    required: list[str] = []
    if _is_security(rule):
        required.append("security")
        required.extend(t for t in map(_cwe_tag, rule.cwe) if t)
    tags = list(dict.fromkeys([*required, *rule.tags]))
    return tags[:MAX_TAGS], tags[MAX_TAGS:]


def _security_severity(rule: RuleMeta) -> str | None:
    """GitHub rejects the upload for a non-numeric value; outside (0, 10] it is ignored."""
    if rule.security_severity is None:
        return None
    try:
        value = float(rule.security_severity)
    except (TypeError, ValueError):
        return None
    return rule.security_severity.strip() if 0.0 < value <= 10.0 else None


def _help(rule: RuleMeta) -> tuple[str, str]:
    text = [rule.rationale.strip() or rule.summary]
    md = [rule.rationale.strip() or rule.summary]
    if rule.fix.strip():
        text.append(f"Fix: {rule.fix.strip()}")
        md.append(f"**Fix:** {rule.fix.strip()}")
    if rule.bad:
        text.append("Example (flagged):\n" + _indent(rule.bad[0].code))
        md.append("#### Example (flagged)\n\n" + _fence(rule.bad[0].code))
    if rule.good:
        text.append("Example (not flagged):\n" + _indent(rule.good[0].code))
        md.append("#### Example (not flagged)\n\n" + _fence(rule.good[0].code))
    text.append(f"See {rule.help_uri}")
    md.append(f"[Rule documentation]({rule.help_uri})")
    return "\n\n".join(text), "\n\n".join(md)


def _indent(code: str) -> str:
    return "\n".join("    " + ln if ln else "" for ln in code.rstrip().splitlines())


def _rule_descriptor(rule: RuleMeta, notes: list[str]) -> Any:
    import sarif_om as om

    tags, dropped = _tags(rule)
    if dropped:
        notes.append(
            f"{rule.id}: {len(dropped)} tag(s) beyond GitHub's {MAX_TAGS} dropped: "
            + ", ".join(dropped)
        )
    props: dict[str, Any] = {"tags": tags}
    if rule.precision in _PRECISIONS:
        props["precision"] = rule.precision
    severity = _security_severity(rule)
    if severity is not None:
        props["security-severity"] = severity
    elif rule.security_severity is not None:
        notes.append(
            f"{rule.id}: security-severity {rule.security_severity!r} "
            "is not a number in (0, 10]; omitted"
        )
    if not _is_security(rule) and rule.level in _PROBLEM_SEVERITY:
        props["problem.severity"] = _PROBLEM_SEVERITY[rule.level]
    name = rule.name or rule.id
    short = rule.summary.strip() or name
    full = rule.rationale.strip() or short
    if len(name) > MAX_RULE_NAME or len(short) > MAX_DESCRIPTION or len(full) > MAX_DESCRIPTION:
        notes.append(f"{rule.id}: rule name/description shortened to GitHub's limits")
    help_text, help_md = _help(rule)
    return om.ReportingDescriptor(
        id=rule.id,
        name=_clip(name, MAX_RULE_NAME),
        short_description=om.MultiformatMessageString(text=_clip(short, MAX_DESCRIPTION)),
        full_description=om.MultiformatMessageString(text=_clip(full, MAX_DESCRIPTION)),
        help=om.MultiformatMessageString(text=help_text, markdown=help_md),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(
            level=rule.level if rule.level in _LEVELS else "warning"
        ),
        properties=props,
    )


def _rules_for(report: Report, findings: Iterable[Finding]) -> list[RuleMeta]:
    """Every enabled rule (sorted by id, deduplicated), plus a stub for any rule a finding names
    that the report did not list, so every result's ruleIndex resolves."""
    rules: dict[str, RuleMeta] = {}
    for rule in report.rules:
        rules.setdefault(rule.id, rule)
    for f in findings:
        if f.rule not in rules:
            rules[f.rule] = RuleMeta(
                id=f.rule,
                name=f.name,
                level=f.level,
                category="",
                summary=f.name or f.rule,
                rationale="",
                fix="",
            )
    return [rules[k] for k in sorted(rules)]


# ---------------------------------------------------------------- results
def artifact_uri(path: str, root: str) -> tuple[str, str | None]:
    """(uri, uriBaseId) for a report path: relative and percent-encoded under %SRCROOT%.

    quote() with only '/' safe also encodes ':' so a first segment like `c:x.py` is never read as
    a URI scheme; surrogateescape restores the original bytes of an undecodable file name.
    A path that escapes the root (absolute, or with `..`) becomes an absolute file URI instead.
    """
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts:
        from pathlib import Path

        absolute = Path(root, path) if not posix.is_absolute() else Path(path)
        return absolute.absolute().as_uri(), None
    rel = str(posix)
    return quote(rel, safe="/", errors="surrogateescape"), SRCROOT


def root_uri(root: str) -> str:
    """The file URI of a local folder, ending in '/' (what `--sarif-root-uri local` writes)."""
    from pathlib import Path

    uri = Path(root).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def valid_root_uri(uri: str) -> bool:
    """An absolute URI (RFC 3986 scheme, then ':'), as originalUriBaseIds needs without a base."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z", uri) is not None


def _root_location(uri: str | None) -> Any:
    """originalUriBaseIds[%SRCROOT%]: the given absolute URI, or none at all.

    SARIF (§3.14.14, SARIF1018) wants such a uri absolute or absent; without one a consumer
    resolves the relative paths against wherever it has the sources (GitHub: the repository root),
    and the log carries no folder of the machine that wrote it."""
    import sarif_om as om

    if uri is None:
        return om.ArtifactLocation(
            description=om.Message(text="The scan root: every relative uri is relative to it.")
        )
    return om.ArtifactLocation(uri=uri if uri.endswith("/") else uri + "/")


def _message(text: str) -> tuple[str, bool]:
    # `[text](N)` in a SARIF message is an embedded link to relatedLocations[N]; data from the
    # scanned code must not form one, so its brackets are escaped as SARIF §3.11.6 prescribes.
    safe = re.sub(r"\[([^\[\]]*)\]\((\d+)\)", r"\\[\1\\](\2)", text.strip() or "(no message)")
    return _clip(safe, MAX_MESSAGE), len(safe) > MAX_MESSAGE


def fingerprint(
    rule: str, path: str, api: str, model: str | None, content: str | None, occurrence: int
) -> str:
    """ptmLintFingerprint/v1: independent of line numbers, so inserting lines above keeps it."""
    normalized = "".join(content.split()) if content is not None else ""
    payload = json.dumps([rule, path, api, model or "", normalized, occurrence], ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:32]


def _fingerprints(report: Report, sources: Sources) -> dict[int, tuple[str, Located]]:
    """id(finding) -> (fingerprint, location), over all findings so suppressing one never
    renumbers the others' occurrence index."""
    groups: dict[tuple[Any, ...], list[tuple[Finding, Located]]] = defaultdict(list)
    for f in report.findings:
        loc = sources.locate(f)
        api = _api(report, f)
        normalized = "".join(loc.content.split()) if loc.content is not None else None
        groups[(f.rule, f.path, api, f.model, normalized)].append((f, loc))
    out: dict[int, tuple[str, Located]] = {}
    for (rule, path, api, model, _), members in groups.items():
        members.sort(key=lambda m: finding_sort_key(m[0]))
        for occurrence, (f, loc) in enumerate(members):
            out[id(f)] = (fingerprint(rule, path, api, model, loc.content, occurrence), loc)
    return out


def _api(report: Report, f: Finding) -> str:
    if f.reference is not None and 0 <= f.reference < len(report.references):
        return report.references[f.reference].api
    return ""


def _region(span: Span) -> Any:
    import sarif_om as om

    return om.Region(
        start_line=span.line,
        start_column=span.column,
        end_line=span.end_line,
        end_column=span.end_column,
    )


def _location(path: str, root: str, span: Span | None) -> Any:
    import sarif_om as om

    uri, base = artifact_uri(path, root)
    return om.Location(
        physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base),
            region=_region(span) if span is not None else None,
        )
    )


def _result(
    f: Finding,
    report: Report,
    rule_index: int,
    fp: str,
    loc: Located,
    sources: Sources,
    include_suppressed: bool,
) -> tuple[Any, bool]:
    import sarif_om as om

    text, clipped = _message(f.message)
    props: dict[str, Any] = {"model": f.model}
    if f.reference is not None and 0 <= f.reference < len(report.references):
        ref = report.references[f.reference]
        props.update(api=ref.api, hub=ref.hub, pin=ref.pin, revision=ref.revision)
    fixes = None
    if f.fix is not None:
        props["fix"] = {"applicability": f.fix.applicability, "description": f.fix.description}
        # Notebook edits are cell-relative and would need JSON escaping: described, not encoded.
        if f.fix.edits and f.cell is None:
            uri, base = artifact_uri(f.path, report.root)
            fixes = [
                om.Fix(
                    description=om.Message(text=f.fix.description),
                    artifact_changes=[
                        om.ArtifactChange(
                            artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base),
                            replacements=[
                                om.Replacement(
                                    deleted_region=_region(
                                        _sane_span(s.line, s.column, s.end_line, s.end_column)
                                    ),
                                    # An empty insertion serializes to nothing: SARIF's "delete".
                                    inserted_content=om.ArtifactContent(text=new) if new else None,
                                )
                                for s, new in f.fix.edits
                            ],
                        )
                    ],
                )
            ]
        else:
            text, more = _message(f"{f.message.rstrip()}\nSuggested fix: {f.fix.description}")
            clipped = clipped or more
    if f.cell is not None:
        props["cell"] = f.cell
        # The notebook cell position (what the user sees in Jupyter), next to the raw-file region.
        props["cellRegion"] = {
            "startLine": f.line,
            "startColumn": f.column,
            "endLine": f.end_line,
            "endColumn": f.end_column,
        }
    partial = {"ptmLintFingerprint/v1": fp}
    if loc.raw_line is not None:
        line_hash = sources.line_hash(f.path, loc.raw_line)
        if line_hash is not None:
            partial["primaryLocationLineHash"] = line_hash
    result = om.Result(
        rule_id=f.rule,
        rule_index=rule_index,
        level=f.level if f.level in _LEVELS else "warning",
        message=om.Message(text=text),
        locations=[_location(f.path, report.root, loc.span)],
        partial_fingerprints=dict(sorted(partial.items())),
        fixes=fixes,
        suppressions=(
            [om.Suppression(kind="inSource", state="accepted")]
            if f.suppressed and include_suppressed
            else None
        ),
        properties={k: v for k, v in props.items() if v is not None},
    )
    return result, clipped


def _priority(f: Finding) -> tuple[Any, ...]:
    # Truncation keeps the most severe first, as GitHub does when it stores the top 5,000.
    return (
        f.suppressed,
        {"error": 0, "warning": 1, "note": 2}.get(f.level, 3),
        finding_sort_key(f),
    )


def _notification(err: FileError, root: str) -> Any:
    import sarif_om as om

    region = om.Region(start_line=err.line) if err.line is not None and err.line >= 1 and err.cell is None else None
    uri, base = artifact_uri(err.path, root)
    # A notebook cell's line is not a line of the .ipynb as stored: the message names it instead.
    where = "" if err.cell is None else cell_label(err.cell) + (f", line {err.line}" if err.line else "") + ": "
    return om.Notification(
        level="note" if err.kind == "skipped" else "error",
        message=om.Message(text=where + (err.message.strip() or err.kind)),
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base), region=region
                )
            )
        ],
        properties={"kind": err.kind},
    )


def build_sarif(
    report: Report,
    *,
    include_suppressed: bool = False,
    read_source: Callable[[str], str | None] | None = None,
    category: str | None = "ptm-lint",
    root: str | None = None,
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict (validated by tests against the 2.1.0 schema).

    `root` is the absolute URI %SRCROOT% stands for (root_uri() gives the scan root's file URI);
    None leaves it out, so the log names no path of the machine that wrote it."""
    import sarif_om as om

    sources = Sources(read_source)
    notes: list[str] = []  # limit enforcement, reported as tool notifications
    chosen = [f for f in report.findings if include_suppressed or not f.suppressed]
    chosen.sort(key=_priority)
    if len(chosen) > MAX_RESULTS:
        notes.append(
            f"{len(chosen) - MAX_RESULTS} of {len(chosen)} results dropped (GitHub accepts at most "
            f"{MAX_RESULTS} per run); the least severe were dropped first"
        )
        chosen = chosen[:MAX_RESULTS]
    elif len(chosen) > STORED_RESULTS:
        notes.append(
            f"{len(chosen)} results: GitHub code scanning stores only "
            f"the {STORED_RESULTS} most severe"
        )

    rules = _rules_for(report, chosen)
    if len(rules) > MAX_RULES:
        used = {f.rule for f in chosen}
        keep = [r for r in rules if r.id in used] + [r for r in rules if r.id not in used]
        notes.append(
            f"{len(rules) - MAX_RULES} rule descriptors without results dropped "
            f"(GitHub limit {MAX_RULES})"
        )
        rules = sorted(keep[:MAX_RULES], key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    # Descriptors are clipped for every rule, but only the rules a result uses are worth a notice.
    used = {f.rule for f in chosen}
    descriptors = [_rule_descriptor(r, notes if r.id in used else []) for r in rules]

    located = _fingerprints(report, sources)
    results: list[tuple[Finding, dict[str, Any]]] = []
    clipped = 0
    for f in sorted(chosen, key=finding_sort_key):
        fp, loc = located[id(f)]
        result, was_clipped = _result(
            f, report, index[f.rule], fp, loc, sources, include_suppressed
        )
        clipped += was_clipped
        results.append((f, sarif_to_dict(result)))
    if clipped:
        notes.append(f"{clipped} result message(s) shortened to {MAX_MESSAGE} characters")

    def assemble(kept: list[dict[str, Any]], extra: list[str]) -> dict[str, Any]:
        notifications = [_notification(e, report.root) for e in report.errors]
        notifications += [
            om.Notification(level="warning", message=om.Message(text=n)) for n in [*notes, *extra]
        ]
        run = om.Run(
            tool=om.Tool(
                driver=om.ToolComponent(
                    name="ptm-lint",
                    version=report.tool_version,
                    semantic_version=report.tool_version,
                    information_uri=INFORMATION_URI,
                    rules=descriptors,
                )
            ),
            original_uri_base_ids={SRCROOT: _root_location(root)},
            automation_details=(
                om.RunAutomationDetails(id=category.rstrip("/") + "/") if category else None
            ),
            invocations=[
                om.Invocation(
                    # Parse/io errors are reported, not failures: everything else was analysed.
                    execution_successful=not any(e.kind == "internal" for e in report.errors),
                    tool_execution_notifications=notifications,
                )
            ],
            column_kind="unicodeCodePoints",  # Span columns count code points (libcst positions)
            results=[],
        )
        doc = sarif_to_dict(om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run]))
        doc["runs"][0]["results"] = kept
        return doc

    doc = assemble([r for _, r in results], [])
    size = len(gzip.compress(json.dumps(doc).encode("utf-8", "surrogatepass")))
    while size > MAX_GZIP_BYTES and results:
        # Shrink proportionally (with margin), keeping the most severe results.
        keep = min(int(len(results) * MAX_GZIP_BYTES / size * 0.9), len(results) - 1)
        results = sorted(results, key=lambda fr: _priority(fr[0]))[:keep]
        results.sort(key=lambda fr: finding_sort_key(fr[0]))
        extra = [
            f"results truncated to {keep} to stay under GitHub's 10 MB compressed upload limit"
        ]
        doc = assemble([r for _, r in results], extra)
        size = len(gzip.compress(json.dumps(doc).encode("utf-8", "surrogatepass")))
    return doc


def render_sarif(
    report: Report,
    *,
    include_suppressed: bool = False,
    read_source: Callable[[str], str | None] | None = None,
    category: str | None = "ptm-lint",
    root: str | None = None,
) -> str:
    return dumps(
        build_sarif(
            report,
            include_suppressed=include_suppressed,
            read_source=read_source,
            category=category,
            root=root,
        )
    )


# ---------------------------------------------------------------- GitHub pre-flight
def preflight(doc: dict[str, Any]) -> list[str]:
    """Problems GitHub would reject or mis-handle (formats.md §1.4/§3.3); empty when fine."""
    errs: list[str] = []
    runs = doc.get("runs") or []
    if not 1 <= len(runs) <= 20:
        errs.append(f"{len(runs)} runs (GitHub accepts 1..20)")
    for run in runs:
        if "results" not in run:
            errs.append("run without a 'results' array")
        rules = run["tool"]["driver"].get("rules", [])
        results = run.get("results", [])
        if len(results) > MAX_RESULTS:
            errs.append("too many results")
        if len(rules) > MAX_RULES:
            errs.append("too many rules")
        for rule in rules:
            p = rule.get("properties", {})
            if len(p.get("tags", [])) > MAX_TAGS:
                errs.append(f"{rule['id']}: more than {MAX_TAGS} tags")
            if len(rule.get("name", "")) > MAX_RULE_NAME:
                errs.append(f"{rule['id']}: name longer than {MAX_RULE_NAME}")
            for key in ("shortDescription", "fullDescription", "help"):
                text = (rule.get(key) or {}).get("text", "")
                if not text or (key != "help" and len(text) > MAX_DESCRIPTION):
                    errs.append(f"{rule['id']}: {key}.text missing or too long")
            if "security-severity" in p:
                try:
                    ok = (
                        isinstance(p["security-severity"], str)
                        and 0.0 < float(p["security-severity"]) <= 10.0
                    )
                except ValueError:
                    ok = False
                if not ok:
                    errs.append(
                        f"{rule['id']}: security-severity must be a numeric string in (0, 10]"
                    )
        for i, res in enumerate(results):
            where = f"result {i} ({res.get('ruleId')})"
            idx = res.get("ruleIndex")
            if idx is None or not 0 <= idx < len(rules) or rules[idx]["id"] != res.get("ruleId"):
                errs.append(f"{where}: ruleIndex does not point at its rule")
            if not (res.get("message") or {}).get("text"):
                errs.append(f"{where}: empty message")
            locs = res.get("locations") or []
            if len(locs) != 1:
                errs.append(f"{where}: {len(locs)} locations (want exactly 1)")
            for loc in locs:
                phys = loc.get("physicalLocation", {})
                uri = phys.get("artifactLocation", {}).get("uri", "")
                if phys.get("artifactLocation", {}).get("uriBaseId") and (
                    uri.startswith("/")
                    or ".." in uri.split("/")
                    or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri)
                ):
                    errs.append(f"{where}: uri {uri!r} is not a clean relative reference")
                region = phys.get("region", {})
                if not all(
                    k in region for k in ("startLine", "startColumn", "endLine", "endColumn")
                ):
                    errs.append(f"{where}: region lacks one of the four positions")
            if not res.get("partialFingerprints"):
                errs.append(f"{where}: no partialFingerprints")
    size = len(gzip.compress(json.dumps(doc).encode("utf-8", "surrogatepass")))
    if size > MAX_GZIP_BYTES:
        errs.append(f"compressed size {size} > 10 MB")
    return errs
