"""Frozen data records shared by every pipeline stage; Reference and Finding serialize to the JSON contracts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check.rulebook import RuleMeta

HUBS = ("huggingface", "modelscope", "torch_hub", "tf_hub", "kaggle", "url", "local", "unknown")
DETECTIONS = ("catalog", "convention", "config")  # how a call was recognised as a load
ROLES = (
    "model", "tokenizer", "config", "processor", "pipeline", "weights", "adapter", "dataset", "other",
)
PINS = ("immutable", "weak", "library", "mutable", "local", "unknown")
RESOLUTIONS = (
    "literal", "constant", "default", "fstring", "env", "argparse", "dataclass", "config", "import",
    "caller", "unknown",
)
LEVELS = ("error", "warning", "note")


def cell_label(cell: int) -> str:
    """A notebook cell as people (and ruff) number it: 1-based over all cells, markdown included.

    Every human output says `cell N` this way; JSON keeps `cell` as the 0-based index into the
    notebook's `cells` array (the contract), and so do machine keys (graph node ids, SBOM refs).
    """
    return f"cell {cell + 1}"


def where(path: str, cell: int | None, line: int, column: int | None = None) -> str:
    """`path:line[:column]`, or ruff's `path:cell N:line[:column]` in a notebook."""
    cell_part = f":{cell_label(cell)}" if cell is not None else ""
    col = f":{column}" if column is not None else ""
    return f"{path}{cell_part}:{line}{col}"


@dataclass(frozen=True, slots=True)
class Span:
    """1-based source region; `end_column` is exclusive (SARIF convention)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Value:
    """What static resolution knows about one expression.

    `known` is False when the value cannot be determined; `how` says which mechanism produced it
    (one of RESOLUTIONS), `provenance` where it came from, in words a user can follow.
    `absent` marks an argument that was not passed at all.
    """

    known: bool
    value: Any = None
    how: str = "unknown"
    provenance: str | None = None
    absent: bool = False
    # When the value differs between paths (branches, registries): each possible value, with
    # `origin` (path, line) saying where it was set. Only on unknown values; empty otherwise.
    alternatives: tuple[Value, ...] = ()
    origin: tuple[str, int] | None = None
    # For a value taken from one item of a loop (`for name, rev in PAIRS`): (the loop's file, line
    # and column, the index of the item). Alternatives from different items of the same loop are
    # never combined (a name with another item's rev). None: no such constraint.
    choice: tuple[str, int, int, int] | None = None
    # The `if` arms outside loops the value was set in, as (file, line, column of the test,
    # outcome): alternatives set in opposite arms of one `if` are never combined (`if small: name,
    # rev = A, SHA` / `else: name, rev = B, "main"` gives A@SHA and B@main, not A@main).
    arms: frozenset[tuple[str, int, int, bool]] = frozenset()

    @staticmethod
    def missing() -> Value:
        return Value(known=True, value=None, how="literal", provenance=None, absent=True)

    @staticmethod
    def unknown(provenance: str | None = None) -> Value:
        return Value(known=False, how="unknown", provenance=provenance)


@dataclass(frozen=True, slots=True)
class CallSite:
    """One matched loader call, as the scanner saw it, before hub/pin classification."""

    path: str
    cell: int | None
    span: Span
    api: str
    loader: str
    model: Value
    revision: Value
    args: Mapping[str, Value] = field(default_factory=dict)
    options: Mapping[str, Value] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    scope: str = "<module>"
    in_loop: bool = False
    hot_path: str | None = None  # why the enclosing function runs per call/request, if it does
    dynamic_kwargs: bool = False
    detection: str = "catalog"  # one of DETECTIONS
    role: str | None = None  # overrides the loader's role (a convention's role by class name)
    # Why the id argument is a filesystem path even when its value is unknown (`Path(...) / "x"`,
    # `os.path.join(...)`), or None.
    local_hint: str | None = None
    # When the id/revision come from callers (or branches) that disagree: one entry per case.
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True, slots=True)
class Variant:
    """One (id, revision) pair a call may load, and where it is decided (a caller, a branch)."""

    model: Value
    revision: Value
    path: str
    line: int
    cell: int | None = None
    # Whether a `**kwargs` of the call may carry more arguments (a revision) in this case: a helper's
    # `**kwargs` parameter is what its caller passes. None: as at the call itself.
    dynamic_kwargs: bool | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model a reference may load when its callers (or branches) disagree (inventory `candidates`)."""

    model: str | None
    canonical: str | None
    hub: str
    revision: str | None
    pin: str
    resolution: str
    provenance: str | None
    path: str
    line: int
    cell: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model, "revision": self.revision, "pin": self.pin, "path": self.path,
            "line": self.line, "cell": self.cell, "hub": self.hub, "canonical": self.canonical,
            "resolution": self.resolution, "provenance": self.provenance,
        }


@dataclass(frozen=True, slots=True)
class Secret:
    """A hard-coded credential seen in a file; only its masked form is ever kept."""

    cell: int | None
    span: Span
    kind: str
    masked: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A classified model reference: one entry of the inventory contract."""

    path: str
    cell: int | None
    line: int
    column: int
    end_line: int
    end_column: int
    api: str
    hub: str
    role: str
    model: str | None
    canonical: str | None
    resolution: str
    provenance: str | None
    revision: str | None
    pin: str
    options: Mapping[str, Any]
    # Fields beyond the contract (allowed: "add fields freely").
    loader: str = ""
    library: str = ""
    revision_resolution: str = "literal"
    revision_provenance: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    scope: str = "<module>"
    in_loop: bool = False
    hot_path: str | None = None
    dynamic_kwargs: bool = False
    notes: tuple[str, ...] = ()
    detection: str = "catalog"  # catalog | convention | config (DETECTIONS)
    candidates: tuple[Candidate, ...] | None = None

    def loaded(self) -> tuple[Reference, ...]:
        """The reference once per model it may load: itself, or one copy per candidate (the
        copy takes the candidate's id, revision and pin; its location stays the load call's)."""
        if not self.candidates:
            return (self,)
        from dataclasses import replace

        return tuple(
            replace(self, model=c.model, canonical=c.canonical, hub=c.hub, revision=c.revision, pin=c.pin,
                    resolution=c.resolution, provenance=c.provenance, candidates=None)
            for c in self.candidates
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "cell": self.cell,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "api": self.api,
            "hub": self.hub,
            "role": self.role,
            "model": self.model,
            "canonical": self.canonical,
            "resolution": self.resolution,
            "provenance": self.provenance,
            "revision": self.revision,
            "pin": self.pin,
            "options": dict(self.options),
            "detection": self.detection,
            "loader": self.loader,
            "library": self.library,
            "revision_resolution": self.revision_resolution,
            "revision_provenance": self.revision_provenance,
            "args": dict(self.args),
            "scope": self.scope,
            "in_loop": self.in_loop,
            "hot_path": self.hot_path,
            "notes": list(self.notes),
            "candidates": None if self.candidates is None else [c.to_json() for c in self.candidates],
        }


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be (fully) analysed; the scan goes on without it."""

    path: str
    message: str
    kind: str = "parse"  # parse | io | skipped | internal
    line: int | None = None  # 1-based; in a notebook cell, the line within the cell
    cell: int | None = None  # notebook: 0-based index into the notebook's `cells` array (as in findings)

    def location(self) -> str:
        """`path[:cell N][:line]`, as the human outputs show it."""
        cell = f":{cell_label(self.cell)}" if self.cell is not None else ""
        return f"{self.path}{cell}" + (f":{self.line}" if self.line else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "message": self.message, "kind": self.kind}
        if self.cell is not None:
            out["cell"] = self.cell
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(frozen=True, slots=True)
class FileScan:
    """Everything the scanner learned from one file: the unit of caching and parallelism."""

    path: str
    calls: tuple[CallSite, ...] = ()
    errors: tuple[FileError, ...] = ()
    suppressions: Mapping[tuple[int | None, int], frozenset[str] | None] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    secrets: tuple[Secret, ...] = ()


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical fix: text replacements in one file (1-based positions, end exclusive)."""

    applicability: str  # safe | unsafe | display
    description: str
    edits: tuple[tuple[Span, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation at one reference (or file/project level when reference is None)."""

    rule: str
    name: str
    level: str
    message: str
    path: str
    cell: int | None
    line: int
    column: int
    end_line: int
    end_column: int
    model: str | None = None
    reference: int | None = None
    fix: Fix | None = None
    suppressed: bool = False
    # Advice on what to do next (e.g. how to get a commit to pin), already at the end of `message`
    # in parentheses; kept apart so terminal output can show it once per model instead of per line.
    hint: str | None = None
    # What the rule's check told its fixer (check.context.Hit.data); not part of the JSON output.
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def brief(self) -> str:
        """The message without the trailing hint (what a one-line text report shows)."""
        tail = f" ({self.hint})"
        if self.hint and self.message.endswith(tail):
            return self.message[: -len(tail)]
        return self.message

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "level": self.level,
            "message": self.message,
            "path": self.path,
            "cell": self.cell,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "model": self.model,
            "reference": self.reference,
            "fix": (
                {
                    "applicability": self.fix.applicability,
                    "description": self.fix.description,
                    # Positions as in the finding (cell lines for notebooks), end column exclusive.
                    "edits": [
                        {"line": span.line, "column": span.column, "end_line": span.end_line,
                         "end_column": span.end_column, "content": content}
                        for span, content in self.fix.edits
                    ],
                }
                if self.fix
                else None
            ),
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one run, handed to every reporter."""

    root: str  # absolute path of the scan root; every `path` above is relative to it (posix)
    references: tuple[Reference, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()
    rules: tuple[RuleMeta, ...] = ()  # every rule that was enabled for the run
    notes: tuple[str, ...] = ()  # run-level notes for the summary (e.g. models not checked)
    tool_version: str = "0.1.0"
    # Notes (among `notes`) that the terminal summary leaves out: complete machine-readable output
    # keeps them, but they say nothing the user asked about (e.g. hub coverage, offline, default rules).
    quiet_notes: tuple[str, ...] = ()
    fixed: int | None = None  # findings fixed by --fix (None: no --fix run)
