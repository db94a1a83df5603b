#!/usr/bin/env python3
"""Score ptm-lint against the hand-labelled model loads of real repositories and packages.

Each testdata/realworld/<slug>.toml names one pinned source (a GitHub commit or a PyPI release), the
paths that were labelled exhaustively (`scope`) and one [[load]] table per model-loading call site
(format: docs/real-world.md, "Hand-labelled evaluation"). For every source the script

1. fetches the pinned tree into a cache (default ~/.cache/ptm-lint-eval): PyPI releases with
   `pip download --no-deps`, GitHub commits from a local bare mirror (--mirrors DIR or
   $PTM_LINT_EVAL_MIRRORS; else one shallow fetch from github.com) with `git archive`;
2. runs `python -m ptm_lint inventory <root> --root <root> --format json --no-cache` with the
   ptm-lint of the Python running this script, and keeps the references inside the scope;
3. matches labels and references by path, notebook cell and line (several on one line: by the
   longest common suffix of their dotted API names) and scores
   - recall: labelled loads with a matching reference / labelled loads;
   - precision: references matched by a label / references in scope;
   - id resolution: matched loads whose id is knowable and whose reference names exactly that id
     (`model`, or the set of known `candidates[].model` when the reference has candidates; a
     `canonical` equal to the label also counts);
   - pin accuracy: matched references whose `pin` equals the label's (both are the least safe pin of
     the call's ids; a reference whose known candidates are the labelled ids plus an unknown one is
     compared by its known candidates' least safe pin).

Nothing fetched is imported or executed, and nothing is copied into this repository.

    python scripts/score_realworld.py                      # every label file, Markdown table
    python scripts/score_realworld.py qlora bertopic       # only these slugs
    python scripts/score_realworld.py --details            # plus every miss, false positive, wrong id/pin
    python scripts/score_realworld.py --json > score.json  # machine-readable

Exit status: 0 when every source was scored, 1 when some could not be fetched or scanned, 2 when a
label file is invalid (nothing is scanned then).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realworld_fetch import DEFAULT_CACHE, FetchError, github_tree, mirror_dirs, pypi_tree, run  # noqa: E402

LABELS_DIR = Path(__file__).resolve().parent.parent / "testdata" / "realworld"
HUBS = frozenset({"huggingface", "modelscope", "torch_hub", "tf_hub", "kaggle", "url", "local", "unknown"})
ROLES = frozenset({"model", "tokenizer", "config", "processor", "pipeline", "weights", "adapter", "dataset", "other"})
PINS = frozenset({"immutable", "weak", "library", "mutable", "local", "unknown"})
KINDS_OF_CODE = frozenset({"notebooks", "app", "fine-tuning", "serving", "library", "scripts"})
SHA_RE = re.compile(r"[0-9a-f]{40}")


# ---------------------------------------------------------------------------------------------
# Data

@dataclass(frozen=True)
class Source:
    """One pinned source tree and the part of it that was labelled."""

    slug: str
    kind: str                      # github | pypi
    scope: tuple[str, ...]
    kind_of_code: str
    hubs: tuple[str, ...]
    labelled_by: str
    repo: str = ""                 # github
    commit: str = ""
    package: str = ""              # pypi
    version: str = ""
    dist: str = "wheel"

    @property
    def title(self) -> str:
        if self.kind == "github":
            return f"{self.repo}@{self.commit[:10]}"
        return f"{self.package}=={self.version} ({self.dist})"


@dataclass(frozen=True)
class Load:
    """One hand-labelled model-loading call site."""

    path: str
    line: int
    api: str
    hub: str
    role: str
    knowable: bool
    pin: str
    cell: int | None = None
    models: tuple[str, ...] = ()   # `model` or `models`; empty when not knowable
    revision: str | None = None
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" + (f" [cell {self.cell}]" if self.cell is not None else "")


@dataclass(frozen=True)
class LabelFile:
    """One validated label file."""

    source: Source
    loads: tuple[Load, ...]


@dataclass(frozen=True)
class Ref:
    """The fields of one inventory reference that the scoring reads."""

    path: str
    line: int
    api: str
    pin: str
    cell: int | None = None
    model: str | None = None
    canonical: str | None = None
    candidates: tuple[str | None, ...] | None = None  # candidates[].model, when the field is set
    candidate_canonicals: tuple[str | None, ...] = ()
    candidate_pins: tuple[str | None, ...] = ()
    hub: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" + (f" [cell {self.cell}]" if self.cell is not None else "")

    @property
    def ids(self) -> tuple[str | None, ...]:
        return self.candidates if self.candidates else (self.model,)


@dataclass(frozen=True)
class Match:
    """A labelled load and the inventory reference found at its site."""

    load: Load
    ref: Ref


@dataclass(frozen=True)
class Score:
    """The figures of one source (or of the total, with slug "total")."""

    slug: str
    loads: int
    refs: int                      # references in scope
    matched: int
    knowable: int                  # matched loads with a knowable id
    ids_ok: int
    pins_ok: int
    misses: tuple[Load, ...] = ()
    false_positives: tuple[Ref, ...] = ()
    wrong_ids: tuple[Match, ...] = ()
    wrong_pins: tuple[Match, ...] = ()

    @property
    def recall(self) -> float | None:
        return self.matched / self.loads if self.loads else None

    @property
    def precision(self) -> float | None:
        return self.matched / self.refs if self.refs else None

    @property
    def id_resolution(self) -> float | None:
        return self.ids_ok / self.knowable if self.knowable else None

    @property
    def pin_accuracy(self) -> float | None:
        return self.pins_ok / self.matched if self.matched else None


# ---------------------------------------------------------------------------------------------
# Label files

class LabelError(ValueError):
    """A label file does not follow the format (the message lists every problem)."""


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    with path.open("rb") as fh:
        return tomllib.load(fh)


_SOURCE_KEYS = {
    "github": {"kind", "repo", "commit", "scope", "kind_of_code", "hubs", "labelled_by"},
    "pypi": {"kind", "package", "version", "dist", "scope", "kind_of_code", "hubs", "labelled_by"},
}
_LOAD_REQUIRED = {"path", "line", "api", "hub", "role", "knowable", "pin"}
_LOAD_OPTIONAL = {"cell", "model", "models", "revision", "note"}


def in_scope(path: str, scope: Sequence[str]) -> bool:
    """True when `path` is one of the scope entries or lies under one ("" is everything)."""
    for entry in scope:
        stem = entry.rstrip("/")
        if not stem or path == stem or path.startswith(stem + "/"):
            return True
    return False


def _check_type(problems: list[str], where: str, key: str, value: Any, kind: type) -> bool:
    """Record a problem unless `value` is a `kind` (a TOML boolean is not an int here)."""
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return True
    problems.append(f"{where}: `{key}` must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return False


def _str_list(problems: list[str], where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: `{key}` must be a list of strings")
        return ()
    return tuple(value)


def _parse_source(slug: str, raw: Any, problems: list[str]) -> Source | None:
    where = "[source]"
    if not isinstance(raw, dict):
        problems.append("missing [source] table")
        return None
    kind = raw.get("kind")
    if kind not in _SOURCE_KEYS:
        problems.append(f"{where}: `kind` must be \"github\" or \"pypi\", got {kind!r}")
        return None
    allowed = _SOURCE_KEYS[kind]
    required = allowed - {"dist"}
    for key in sorted(set(raw) - allowed):
        problems.append(f"{where}: unknown key `{key}` for kind {kind!r} (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - set(raw)):
        problems.append(f"{where}: missing `{key}`")
    for key in allowed - {"scope", "hubs"}:
        if key in raw:
            _check_type(problems, where, key, raw[key], str)
    scope = _str_list(problems, where, "scope", raw.get("scope", []))
    if "scope" in raw and not scope:
        problems.append(f"{where}: `scope` is empty (use [\"\"] for the whole tree)")
    for entry in scope:
        if entry.startswith("/") or ".." in entry.split("/") or "\\" in entry:
            problems.append(f"{where}: scope entry {entry!r} must be a relative posix path")
    hubs = _str_list(problems, where, "hubs", raw.get("hubs", []))
    for hub in hubs:
        if hub not in HUBS:
            problems.append(f"{where}: unknown hub {hub!r} in `hubs`")
    if raw.get("kind_of_code") not in KINDS_OF_CODE:
        problems.append(f"{where}: `kind_of_code` must be one of {', '.join(sorted(KINDS_OF_CODE))}")
    if kind == "github":
        repo, commit = raw.get("repo", ""), raw.get("commit", "")
        if not isinstance(repo, str) or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            problems.append(f"{where}: `repo` must be \"owner/name\", got {repo!r}")
        if not isinstance(commit, str) or not SHA_RE.fullmatch(commit):
            problems.append(f"{where}: `commit` must be a 40-hex lowercase commit sha, got {commit!r}")
    else:
        if raw.get("dist", "wheel") not in ("wheel", "sdist"):
            problems.append(f"{where}: `dist` must be \"wheel\" or \"sdist\"")
    if problems:
        return None
    return Source(slug=slug, kind=kind, scope=scope, kind_of_code=raw["kind_of_code"], hubs=hubs,
                  labelled_by=raw["labelled_by"], repo=raw.get("repo", ""), commit=raw.get("commit", ""),
                  package=raw.get("package", ""), version=raw.get("version", ""), dist=raw.get("dist", "wheel"))


def _parse_load(index: int, raw: Any, scope: Sequence[str], problems: list[str]) -> Load | None:
    where = f"[[load]] #{index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return None
    if isinstance(raw.get("path"), str) and isinstance(raw.get("line"), int):
        where += f" ({raw['path']}:{raw['line']})"
    before = len(problems)
    for key in sorted(set(raw) - _LOAD_REQUIRED - _LOAD_OPTIONAL):
        problems.append(f"{where}: unknown key `{key}`")
    for key in sorted(_LOAD_REQUIRED - set(raw)):
        problems.append(f"{where}: missing `{key}`")
    for key in ("path", "api", "hub", "role", "pin", "model", "revision", "note"):
        if key in raw:
            _check_type(problems, where, key, raw[key], str)
    for key in ("line", "cell"):
        if key in raw and _check_type(problems, where, key, raw[key], int):
            if raw[key] < (1 if key == "line" else 0):
                problems.append(f"{where}: `{key}` out of range: {raw[key]}")
    if "knowable" in raw:
        _check_type(problems, where, "knowable", raw["knowable"], bool)
    if len(problems) > before:
        return None
    path = raw["path"]
    if path.startswith("/") or "\\" in path or ".." in path.split("/"):
        problems.append(f"{where}: `path` must be a relative posix path")
    elif not in_scope(path, scope):
        problems.append(f"{where}: `path` is outside the source's scope {list(scope)}")
    if path.endswith(".ipynb") != ("cell" in raw):
        problems.append(f"{where}: `cell` is required for a notebook and not allowed elsewhere")
    for key, allowed in (("hub", HUBS), ("role", ROLES), ("pin", PINS)):
        if raw[key] not in allowed:
            problems.append(f"{where}: `{key}` must be one of {', '.join(sorted(allowed))}, got {raw[key]!r}")
    models: tuple[str, ...] = ()
    if "model" in raw and "models" in raw:
        problems.append(f"{where}: give `model` or `models`, not both")
    elif "models" in raw:
        models = _str_list(problems, where, "models", raw["models"])
        if len(models) < 2 or len(set(models)) != len(models):
            problems.append(f"{where}: `models` needs at least two distinct ids (else use `model`)")
    elif "model" in raw:
        models = (raw["model"],)
    if raw["knowable"] and not models:
        problems.append(f"{where}: knowable = true needs `model` or `models`")
    if not raw["knowable"] and models:
        problems.append(f"{where}: knowable = false must not name a model")
    if len(problems) > before:
        return None
    return Load(path=path, line=raw["line"], cell=raw.get("cell"), api=raw["api"], hub=raw["hub"],
                role=raw["role"], knowable=raw["knowable"], pin=raw["pin"], models=models,
                revision=raw.get("revision"), note=raw.get("note", ""))


def parse_labels(slug: str, data: Mapping[str, Any]) -> LabelFile:
    """Validate one parsed label file; raises LabelError listing every problem."""
    problems: list[str] = []
    for key in sorted(set(data) - {"source", "load"}):
        problems.append(f"unknown top-level key `{key}` (only [source] and [[load]])")
    source = _parse_source(slug, data.get("source"), problems)
    raw_loads = data.get("load", [])
    if not isinstance(raw_loads, list) or not raw_loads:
        problems.append("no [[load]] tables")
        raw_loads = []
    loads = [_parse_load(i, raw, source.scope if source else ("",), problems) for i, raw in enumerate(raw_loads)]
    seen: dict[tuple, int] = {}
    for i, load in enumerate(loads):
        if load is None:
            continue
        key = (load.path, load.cell, load.line, load.api)
        if key in seen:
            problems.append(f"[[load]] #{i + 1} ({load.where}): same site and api as #{seen[key] + 1}")
        seen.setdefault(key, i)
    if problems or source is None:
        raise LabelError("\n".join(f"  {p}" for p in problems))
    return LabelFile(source, tuple(load for load in loads if load is not None))


def read_labels(path: Path) -> LabelFile:
    """Parse and validate testdata/realworld/<slug>.toml."""
    try:
        data = _load_toml(path)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise LabelError(f"  cannot read: {exc}") from exc
    return parse_labels(path.stem, data)


# ---------------------------------------------------------------------------------------------
# Scoring (pure)

def refs_from_inventory(inventory: Mapping[str, Any]) -> list[Ref]:
    """The inventory's references as Refs (tolerates older inventories without `candidates`)."""
    refs = []
    for r in inventory.get("references", []):
        cands = r.get("candidates")
        refs.append(Ref(
            path=r["path"], line=r["line"], cell=r.get("cell"), api=r.get("api") or "", pin=r.get("pin") or "",
            model=r.get("model"), canonical=r.get("canonical"), hub=r.get("hub") or "",
            candidates=tuple(c.get("model") for c in cands) if cands else None,
            candidate_canonicals=tuple(c.get("canonical") for c in cands) if cands else (),
            candidate_pins=tuple(c.get("pin") for c in cands) if cands else (),
        ))
    return refs


def _suffix_len(a: str, b: str) -> int:
    """How many trailing dotted components two API names share."""
    n = 0
    for x, y in zip(reversed(a.split(".")), reversed(b.split("."))):
        if x != y:
            break
        n += 1
    return n


def match(loads: Iterable[Load], refs: Iterable[Ref]) -> tuple[list[Match], list[Load], list[Ref]]:
    """Pair loads with references at the same path/cell/line; returns (matches, misses, false positives).

    Several on one line are paired by the longest common API suffix first, then in source order.
    """
    by_site_loads: dict[tuple, list[Load]] = defaultdict(list)
    by_site_refs: dict[tuple, list[Ref]] = defaultdict(list)
    for load in loads:
        by_site_loads[(load.path, load.cell, load.line)].append(load)
    for ref in refs:
        by_site_refs[(ref.path, ref.cell, ref.line)].append(ref)
    matches: list[Match] = []
    misses: list[Load] = []
    fps: list[Ref] = []
    for site in sorted(set(by_site_loads) | set(by_site_refs), key=lambda s: (s[0], s[1] or -1, s[2])):
        ls, rs = by_site_loads.get(site, []), by_site_refs.get(site, [])
        pairs = sorted(((-_suffix_len(l.api, r.api), i, j) for i, l in enumerate(ls) for j, r in enumerate(rs)))
        used_l: set[int] = set()
        used_r: set[int] = set()
        for _, i, j in pairs:
            if i not in used_l and j not in used_r:
                used_l.add(i)
                used_r.add(j)
                matches.append(Match(ls[i], rs[j]))
        misses += [load for i, load in enumerate(ls) if i not in used_l]
        fps += [ref for j, ref in enumerate(rs) if j not in used_r]
    return matches, misses, fps


def _known_candidates(ref: Ref) -> list[tuple[str | None, str | None, str | None]]:
    """(model, canonical, pin) of the candidates that name a model (unknown ones left out)."""
    n = len(ref.candidates or ())
    rows = zip(ref.candidates or (), ref.candidate_canonicals or (None,) * n, ref.candidate_pins or (None,) * n)
    return [(model, canon, pin) for model, canon, pin in rows if model or canon]


def id_ok(m: Match) -> bool:
    """True when the reference names exactly the labelled id(s), as written or canonical.

    With candidates, the known ones must be the labelled set: an extra unknown candidate (a caller
    passing a value from outside the repo) is not a wrong id, but unknown alone is.
    """
    want = set(m.load.models)
    if m.ref.candidates:
        known = _known_candidates(m.ref)
        as_written = {model for model, _, _ in known}
        canonical = {canon or model for model, canon, _ in known}
        return bool(known) and (as_written == want or canonical == want)
    return m.ref.model is not None and ({m.ref.model} == want or {m.ref.canonical} == want)


# Least safe first, as in resolve/classify.py: a reference's pin is the least safe of its candidates'.
PIN_ORDER = ("unknown", "mutable", "weak", "library", "local", "immutable")


def weakest_pin(pins: Iterable[str | None]) -> str:
    """The least safe of `pins` (a missing pin counts as unknown)."""
    return min((p if p in PIN_ORDER else "unknown" for p in pins), key=PIN_ORDER.index, default="unknown")


def pin_ok(m: Match) -> bool:
    """True when the reference's pin (the verdict the rules act on) is the labelled one.

    A label has one pin, the least safe of the ids it lists. The reference's pin is the least safe of
    its candidates', so the two compare directly. When the label lists only the known ids of a call
    that also has an unknown candidate (a caller passing a value from outside the repository), the
    least safe pin of the known candidates is compared instead, as `id_ok` accepts the extra one.
    """
    if m.ref.pin == m.load.pin:
        return True
    known = _known_candidates(m.ref)
    if known and len(known) < len(m.ref.candidates or ()):
        return weakest_pin(pin for _, _, pin in known) == m.load.pin
    return False


def score_source(slug: str, loads: Sequence[Load], refs: Sequence[Ref], scope: Sequence[str]) -> Score:
    """Score one source: `refs` are the inventory's references (filtered to `scope` here)."""
    in_scope_refs = [r for r in refs if in_scope(r.path, scope)]
    matches, misses, fps = match(loads, in_scope_refs)
    knowable = [m for m in matches if m.load.knowable]
    wrong_ids = [m for m in knowable if not id_ok(m)]
    wrong_pins = [m for m in matches if not pin_ok(m)]
    return Score(slug=slug, loads=len(loads), refs=len(in_scope_refs), matched=len(matches),
                 knowable=len(knowable), ids_ok=len(knowable) - len(wrong_ids),
                 pins_ok=len(matches) - len(wrong_pins), misses=tuple(misses), false_positives=tuple(fps),
                 wrong_ids=tuple(wrong_ids), wrong_pins=tuple(wrong_pins))


def total(scores: Iterable[Score]) -> Score:
    """The sum of several sources' figures (the lists are not carried)."""
    scores = list(scores)
    return Score(slug="total", **{k: sum(getattr(s, k) for s in scores)
                                  for k in ("loads", "refs", "matched", "knowable", "ids_ok", "pins_ok")})


# ---------------------------------------------------------------------------------------------
# Output

def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _frac(n: int, d: int, value: float | None) -> str:
    return f"{n}/{d} ({_pct(value)})"


def markdown(rows: Sequence[tuple[Source | None, Score]]) -> str:
    """The per-source table with a totals row."""
    head = ["source", "code", "loads", "refs", "recall", "precision", "id resolution", "pin accuracy"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for src, s in rows:
        name = f"**{s.slug}**" if src is None else f"{s.slug} ({src.title})"
        out.append("| " + " | ".join([
            name, src.kind_of_code if src else "", str(s.loads), str(s.refs),
            _frac(s.matched, s.loads, s.recall), _frac(s.matched, s.refs, s.precision),
            _frac(s.ids_ok, s.knowable, s.id_resolution), _frac(s.pins_ok, s.matched, s.pin_accuracy),
        ]) + " |")
    return "\n".join(out)


def _ids(ids: Sequence[str | None], most: int = 3) -> str:
    """Ids for a human: the first few, then how many more."""
    shown = " | ".join(repr(i) for i in ids[:most])
    return shown + (f" (+{len(ids) - most} more)" if len(ids) > most else "")


def details(slug: str, s: Score) -> str:
    """Every miss, false positive, wrong id and wrong pin of one source, one per line."""
    lines = [f"### {slug}"]
    lines += [f"- miss: {l.where} {l.api} ({l.hub}, {l.role})" + (f" — {l.note}" if l.note else "")
              for l in s.misses]
    lines += [f"- false positive: {r.where} {r.api} model={r.model!r} ({r.hub}, pin {r.pin})"
              for r in s.false_positives]
    lines += [f"- wrong id: {m.load.where} {m.load.api}: labelled {_ids(m.load.models)}, "
              f"got {_ids(m.ref.ids)}" + (f" (canonical {m.ref.canonical!r})" if m.ref.canonical else "")
              for m in s.wrong_ids]
    lines += [f"- wrong pin: {m.load.where} {m.load.api}: labelled {m.load.pin}, got {m.ref.pin}"
              for m in s.wrong_pins]
    if len(lines) == 1:
        lines.append("- (no disagreement)")
    return "\n".join(lines)


def as_json(rows: Sequence[tuple[Source | None, Score]], failures: Mapping[str, str]) -> dict[str, Any]:
    def one(src: Source | None, s: Score) -> dict[str, Any]:
        out: dict[str, Any] = {
            "slug": s.slug, "loads": s.loads, "refs": s.refs, "matched": s.matched, "knowable": s.knowable,
            "ids_ok": s.ids_ok, "pins_ok": s.pins_ok, "recall": s.recall, "precision": s.precision,
            "id_resolution": s.id_resolution, "pin_accuracy": s.pin_accuracy,
        }
        if src is not None:
            out["source"] = {k: v for k, v in asdict(src).items() if v not in ("", ())}
            out["misses"] = [{"path": l.path, "cell": l.cell, "line": l.line, "api": l.api} for l in s.misses]
            out["false_positives"] = [{"path": r.path, "cell": r.cell, "line": r.line, "api": r.api,
                                       "model": r.model} for r in s.false_positives]
            out["wrong_ids"] = [{"path": m.load.path, "cell": m.load.cell, "line": m.load.line,
                                 "expected": list(m.load.models), "got": list(m.ref.ids)} for m in s.wrong_ids]
            out["wrong_pins"] = [{"path": m.load.path, "cell": m.load.cell, "line": m.load.line,
                                  "expected": m.load.pin, "got": m.ref.pin} for m in s.wrong_pins]
        return out

    sources = [one(src, s) for src, s in rows if src is not None]
    tot = [one(None, s) for src, s in rows if src is None]
    return {"sources": sources, "total": tot[0] if tot else None, "failures": dict(failures)}


# ---------------------------------------------------------------------------------------------
# Running

def source_tree(src: Source, cache: Path, mirrors: list[Path]) -> Path:
    """The pinned tree of `src` in the cache (fetched once)."""
    if src.kind == "pypi":
        return pypi_tree(src.package, src.version, src.dist, cache)
    return github_tree(src.repo, src.commit, cache, mirrors)


def inventory(tree: Path, out: Path) -> dict[str, Any]:
    """Run this checkout's ptm-lint on `tree`; returns the inventory JSON (also kept in `out`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # A private output file: concurrent evaluations share the cache and must not read each other's.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".json", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # ptm-lint writes it: its absence afterwards means no result
        proc = run([sys.executable, "-m", "ptm_lint", "inventory", str(tree), "--root", str(tree),
                    "--format", "json", "--no-cache", "-o", str(tmp)])
        if proc.returncode != 0 or not tmp.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise FetchError(f"ptm-lint exited {proc.returncode}: {tail[0][:200]}")
        data = json.loads(tmp.read_text(encoding="utf-8"))
        os.replace(tmp, out)
        return data
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*", help="only these label files (file names without .toml)")
    parser.add_argument("--labels", type=Path, default=LABELS_DIR, help="folder of label files")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download/unpack cache")
    parser.add_argument("--mirrors", type=Path, action="append", metavar="DIR",
                        help="folder of bare git mirrors (<owner>+<name>[/repo]); repeatable; "
                             "also $PTM_LINT_EVAL_MIRRORS")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--details", action="store_true", help="list every miss, false positive, wrong id/pin")
    parser.add_argument("--trees", action="store_true", help="only fetch the sources and print their roots")
    args = parser.parse_args(argv)

    files = sorted(args.labels.glob("*.toml"))
    if args.slugs:
        unknown = set(args.slugs) - {f.stem for f in files}
        if unknown:
            parser.error(f"no label file for: {', '.join(sorted(unknown))}")
        files = [f for f in files if f.stem in args.slugs]
    labels, invalid = [], False
    for f in files:
        try:
            labels.append(read_labels(f))
        except LabelError as exc:
            print(f"{f}: invalid label file\n{exc}", file=sys.stderr)
            invalid = True
    if invalid:
        return 2

    mirrors = mirror_dirs(args.mirrors)
    rows: list[tuple[Source | None, Score]] = []
    failures: dict[str, str] = {}
    for lf in labels:
        src = lf.source
        print(f"... {src.slug}: {src.title}", file=sys.stderr, flush=True)
        try:
            tree = source_tree(src, args.cache, mirrors)
            if args.trees:
                print(f"{src.slug}\t{tree}")
                continue
            start = time.perf_counter()
            inv = inventory(tree, args.cache / "results" / f"{src.slug}.json")
            print(f"    scanned in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        except (FetchError, OSError, ValueError) as exc:
            failures[src.slug] = str(exc)
            print(f"    failed: {exc}", file=sys.stderr)
            continue
        rows.append((src, score_source(src.slug, lf.loads, refs_from_inventory(inv), src.scope)))
    if args.trees:
        return 1 if failures else 0
    rows.append((None, total(s for _, s in rows)))
    if args.json:
        print(json.dumps(as_json(rows, failures), indent=2))
    else:
        print(markdown(rows))
        for slug, why in failures.items():
            print(f"\nnot scored: {slug}: {why}")
        if args.details:
            print()
            print("\n\n".join(details(s.slug, s) for src, s in rows if src is not None))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
