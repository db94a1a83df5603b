"""Fix suggestions for `check`: every fixable finding's fix, from the fix cache when it has the answer.

A text `check` shows `[*]` on findings with a fix, so it computes fixes on every run. The fix engine
(libcst) costs about 0.15 s to import alone, more than a whole warm run of a large repository, so
answers are stored per file (cache.FixStore) under a key made of the file's bytes, its fixable
findings and their references. The one thing outside the file a fix depends on is the pin source
(the local Hugging Face / Kaggle caches, or the Hub with --online): each entry records the pins
its fixers consulted, and is used only while every one of them still resolves the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from ..check.registry import fixable
from ..core import Finding, Fix, Reference, Span
from .options import FixOptions
from .pins import Pin

ENTRY_VERSION = 2  # 2: entries keep the hint apart from the message


class _Recording:
    """FixOptions as the engine sees it, remembering which pins were asked for and the answers."""

    def __init__(self, options: FixOptions, refs: Sequence[Reference]) -> None:
        self.options = options
        self.refs = list(refs)
        self.asked: list[list[Any]] = []

    def resolve(self, ref: Reference, revision: str | None) -> Pin | None:
        pin = self.options.resolve(ref, revision)
        entry = [self.refs.index(ref), revision, _pin_json(pin)]
        if entry not in self.asked:
            self.asked.append(entry)
        return pin


def attach_fixes(findings: Sequence[Finding], references: Sequence[Reference], read: Callable[[str], bytes | None],
                 options: FixOptions | None = None, store=None) -> list[Finding]:
    """Every finding, with fixes attached where one exists (files are read through `read`);
    `store` (a cache.FixStore) answers files whose findings were fixed before."""
    options = options or FixOptions()
    by_path: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        if fixable(f.rule) and f.fix is None and not f.suppressed and f.reference is not None \
                and 0 <= f.reference < len(references):
            by_path.setdefault(f.path, []).append(i)
    out = list(findings)
    for path, indexes in by_path.items():
        data = read(path)
        if data is None:
            continue
        wanted = [findings[i] for i in indexes]
        refs = [references[f.reference] for f in wanted]  # type: ignore[index]
        key = _key(path, data, wanted, refs) if store is not None else None
        fixed = _cached(store.get(key), wanted, refs, options) if key is not None else None
        if fixed is None:
            from .engine import fixes_for_file  # libcst: only when something must be computed

            recording = _Recording(options, refs)
            fixed = fixes_for_file(path, data, wanted, references, recording)  # type: ignore[arg-type]
            if key is not None:
                store.put(key, {"pins": recording.asked, "out": [[f.message, _fix_json(f.fix), f.hint] for f in fixed]})
        for i, f in zip(indexes, fixed):
            out[i] = f
    return out


def _key(path: str, data: bytes, wanted: Sequence[Finding], refs: Sequence[Reference]) -> str:
    parts = [ENTRY_VERSION, path, hashlib.sha256(data).hexdigest(),
             [[dataclasses.asdict(dataclasses.replace(f, reference=None)), dataclasses.asdict(r)]
              for f, r in zip(wanted, refs)]]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _cached(value: Any, wanted: Sequence[Finding], refs: Sequence[Reference], options: FixOptions) -> list[Finding] | None:
    """The stored answer, if it is well-formed and every pin it used still resolves the same way."""
    try:
        pins, outcomes = value["pins"], value["out"]
        if len(outcomes) != len(wanted):
            return None
        for index, revision, pin in pins:
            if not (type(index) is int and 0 <= index < len(refs)) or _pin_json(options.resolve(refs[index], revision)) != pin:
                return None
        if not all(isinstance(message, str) and (hint is None or isinstance(hint, str))
                   for message, _, hint in outcomes):
            return None
        return [dataclasses.replace(f, message=message, fix=_fix_from_json(fix), hint=hint)
                for f, (message, fix, hint) in zip(wanted, outcomes)]
    except (TypeError, KeyError, ValueError, IndexError):
        return None


def _pin_json(pin: Pin | None) -> list[Any] | None:
    return None if pin is None else [pin.value, pin.source, pin.resolved, pin.offline]


def _fix_json(fix: Fix | None) -> list[Any] | None:
    if fix is None:
        return None
    return [fix.applicability, fix.description,
            [[s.line, s.column, s.end_line, s.end_column, text] for s, text in fix.edits]]


def _fix_from_json(data: Any) -> Fix | None:
    if data is None:
        return None
    applicability, description, edits = data
    if not (isinstance(applicability, str) and isinstance(description, str)):
        raise ValueError("malformed fix")
    spans = []
    for line, column, end_line, end_column, text in edits:
        if not all(type(n) is int for n in (line, column, end_line, end_column)) or not isinstance(text, str):
            raise ValueError("malformed edit")
        spans.append((Span(line, column, end_line, end_column), text))
    return Fix(applicability, description, tuple(spans))
