"""The byte prefilter: which files can contain a loader call, decided without parsing them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .secrets import _IDENT

if TYPE_CHECKING:
    from ..catalog import Catalog

_SPACE = frozenset(b" \t\n\r\x0b\x0c")
# `class Name(bases)` at the start of a line (the line head is checked by hand).
_CLASS = re.compile(rb"class(?<!\wclass)\s+(\w+)\s*\(([^)]*)\)")
# Base-class names too common to mean "a loader subclass" (torch's nn.Module, model classes).
_GENERIC_BASES = frozenset({b"Module", b"Transformer"})
_WORD = re.compile(rb"\w+")


_ESCAPED = [re.escape(bytes([b])) for b in range(256)]


def _trie_pattern(words: list[bytes]) -> bytes:
    """One regex alternation of `words` factored as a trie, so matching one position is cheap."""
    trie: dict = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = {}

    def build(node: dict) -> bytes:
        alternatives = [_ESCAPED[key] + build(node[key]) for key in sorted(k for k in node if k is not None)]
        if not alternatives:
            return b""
        optional = None in node
        if len(alternatives) == 1 and not optional:
            return alternatives[0]
        return b"(?:" + b"|".join(alternatives) + b")" + (b"?" if optional else b"")

    return build(trie)


class Prefilter:
    """Decides from raw bytes whether a file can contain a loader call, so most files are never parsed.

    A file passes when a trigger (rules/loaders: the name a loader call ends with) is called on a
    code line, i.e. not on a comment or doctest line; or when it binds a trigger to another name
    (`from torch.hub import load as fetch`, `class Encoder(SentenceTransformer)`) and calls that.

    A trigger that is a common word (`load`, `resolve`, `get_model`) counts only in a file that
    mentions one of the words its loaders list in `mentions` (their package: every import that
    reaches the API names it) or imports the name relatively (`from ..pipelines import pipeline`,
    inside a package, where the one-hop import analysis decides), so `json.load(f)` or
    `apps.get_model(...)` in a project without model loads costs no parse.

    It runs on every discovered file, so it is built for speed: the calls are found with one regex
    over the *reversed* bytes, `(` followed by any reversed trigger, which starts with a literal and
    so skips to the next `(` at memchr speed instead of trying every byte (about 10x faster than
    matching the triggers forwards; see docs/performance.md).
    """

    def __init__(self, triggers: tuple[str, ...], mentions: Mapping[str, tuple[str, ...]] | None = None) -> None:
        names = sorted({t.encode()[::-1] for t in triggers})
        # `\b` after the reversed name: the byte before the name is not part of an identifier. A
        # registry item called directly counts too: `sam_model_registry[kind](` (one subscript).
        self._calls_reversed = re.compile(rb"\([ \t]*(?:\][^\[\n]*\[[ \t]*)?(" + _trie_pattern(names) + rb")\b") if names else None
        self._terminals = frozenset(t.rsplit(".", 1)[-1].encode() for t in triggers)
        terminals = sorted(self._terminals)
        # `<terminal> as <alias>` in the reversed bytes: starts with the literal `sa`, and matches
        # only where a terminal is aliased (most " as " are `with ... as f` / `except E as e`).
        self._alias_reversed = re.compile(rb"sa(?<=\ssa)\s+(" + _trie_pattern([t[::-1] for t in terminals])
                                          + rb")(?!\w)") if terminals else None
        # reversed trigger / terminal name -> the words one of which the file must contain
        mentions = mentions or {}
        self._needs = {t.encode()[::-1]: tuple(w.encode() for w in mentions[t]) for t in triggers if mentions.get(t)}
        self._terminal_needs = {t.rsplit(".", 1)[-1].encode(): tuple(w.encode() for w in mentions[t])
                                for t in triggers if mentions.get(t)}
        for t in triggers:  # a terminal shared with an unconditional trigger is unconditional
            if not mentions.get(t):
                self._terminal_needs.pop(t.rsplit(".", 1)[-1].encode(), None)

    def __call__(self, data: bytes) -> bool:
        size = len(data)
        reverse = data[::-1]  # (about 2 ns a byte: made once for both passes below)
        if self._calls_reversed is not None and b"(" in data:
            absent: set[bytes] = set()  # common-word triggers this file does not make count
            for match in self._calls_reversed.finditer(reverse):
                name = match.group(1)
                if name in absent:
                    continue
                needs = self._needs.get(name)
                if needs is not None and not _mentioned(data, needs, name[::-1]):
                    absent.add(name)  # `json.load(` may occur hundreds of times: decide once
                    continue
                if _code_line(data, size - match.end()):
                    return True
        aliases = set()
        if b"as" in data and self._alias_reversed is not None:
            for match in self._alias_reversed.finditer(reverse):
                if not self._counts(match.group(1)[::-1], data):
                    continue
                start = size - match.start()  # just after `as` in the original bytes
                while start < size and data[start] in _SPACE:
                    start += 1
                end = start
                while end < size and data[end] in _IDENT:
                    end += 1
                if end > start:
                    aliases.add(data[start:end])
        if b"class" in data:
            for match in _CLASS.finditer(data):
                bases = set(_WORD.findall(match.group(2)))
                if bases.isdisjoint(self._terminals):
                    continue  # no trigger among the bases (most classes)
                start = match.start()
                if data[data.rfind(b"\n", 0, start) + 1 : start].strip(b" \t"):
                    continue  # not at the start of a line
                if any(self._counts(base, data) for base in bases - _GENERIC_BASES):
                    aliases.add(match.group(1))
        return any(self._called(re.compile(re.escape(alias) + rb"[ \t]*[(.]"), data) for alias in aliases)

    def _counts(self, name: bytes, data: bytes) -> bool:
        """Whether `name` is a trigger's terminal name that counts in this file (see `mentions`)."""
        if name not in self._terminals:
            return False
        needs = self._terminal_needs.get(name)
        return needs is None or _mentioned(data, needs, name)

    @staticmethod
    def _called(pattern: re.Pattern[bytes], data: bytes) -> bool:
        for match in pattern.finditer(data):
            start = match.start()
            if start and data[start - 1] in _IDENT:
                continue  # the trigger is the tail of a longer name
            if _code_line(data, start):
                return True
        return False


_RELATIVE_IMPORT = re.compile(rb"from(?<![\w.]from)[ \t]+\.[\w.]*[ \t]+import[ \t]*(\([^)]*\)|[^\n]*)")


def _mentioned(data: bytes, words: tuple[bytes, ...], name: bytes) -> bool:
    """Whether the file names one of `words`, or imports `name` (a trigger's last part) relatively."""
    if any(word in data for word in words):
        return True
    if b"from ." not in data and b"from\t." not in data:
        return False
    terminal = name.rsplit(b".", 1)[-1]
    return any(terminal in re.findall(rb"\w+", m.group(1)) for m in _RELATIVE_IMPORT.finditer(data))


def _code_line(data: bytes, start: int) -> bool:
    """Whether the text at `start` is on a code line: not a comment or a doctest line of a docstring."""
    head = data[data.rfind(b"\n", 0, start) + 1 : start].lstrip()
    return not head.startswith((b"#", b">>>", b"..."))


def prefilter(catalog: Catalog) -> Prefilter:
    return Prefilter(catalog.triggers, catalog.mentions)
