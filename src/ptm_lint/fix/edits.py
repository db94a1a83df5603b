"""Text edits: from an old and a new text to minimal (Span, text) replacements, and back; diffs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from itertools import accumulate

from ..core import Span

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Edit = tuple[Span, str]


def split_lines(text: str) -> list[str]:
    """Lines with their endings; \\r\\n, \\r and \\n end a line (as for Python's tokenizer and ast)."""
    return _LINE.findall(text)


def line_starts(lines: Sequence[str]) -> list[int]:
    return list(accumulate(map(len, lines), initial=0))


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """Offset -> (1-based line, 1-based column)."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # last start <= offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, offset - starts[lo] + 1


def offset_of(starts: list[int], line: int, column: int, size: int) -> int:
    if line - 1 >= len(starts):
        return size
    return min(starts[line - 1] + column - 1, size)


def compute_edits(old: str, new: str) -> tuple[Edit, ...]:
    """Minimal replacements turning `old` into `new`: one per changed block of lines, trimmed.

    Only the lines between the common head and tail of the texts are diffed: a fix changes a few
    lines of a file that may have thousands."""
    if old == new:
        return ()
    start = _shared_line_start(old, new)
    old_end, new_end = _shared_line_end(old, new, start)
    base = _line_count(old, start)  # lines before `start`, which begins a line
    return tuple((Span(span.line + base, span.column, span.end_line + base, span.end_column), text)
                 for span, text in _diff(old[start:old_end], new[start:new_end]))


def _diff(old: str, new: str) -> list[Edit]:
    old_lines, new_lines = split_lines(old), split_lines(new)
    starts = line_starts(old_lines)
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a, b = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        for start, end, text in _token_edits(a, b):
            line, column = _position(starts, starts[i1] + start)
            end_line, end_column = _position(starts, starts[i1] + end)
            edits.append((Span(line, column, end_line, end_column), text))
    return edits


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix (bisecting with slice comparisons, which run in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix, at most `limit`."""
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _shared_line_start(old: str, new: str) -> int:
    """The start of the line holding the first difference, a line start in both texts."""
    prefix = _common_prefix(old, new)
    # A \r ends a line unless a \n follows, so it counts only when the next character is shared too.
    return max(old.rfind("\n", 0, prefix), old.rfind("\r", 0, max(prefix - 1, 0))) + 1


def _shared_line_end(old: str, new: str, start: int) -> tuple[int, int]:
    """Where the lines after the last difference begin, in `old` and in `new` (the texts are the
    same from there on)."""
    suffix = _common_suffix(old, new, min(len(old), len(new)) - start)
    match = _LINE_BREAK.search(old, len(old) - suffix)
    end = len(old) if match is None else match.end()
    return end, end + len(new) - len(old)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_count(text: str, end: int) -> int:
    """The number of line breaks in text[:end] (\\r\\n, \\r, \\n)."""
    breaks = text.count("\n", 0, end)
    if "\r" in text:
        breaks += text.count("\r", 0, end) - text.count("\r\n", 0, end)
    return breaks


_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def _token_edits(a: str, b: str) -> list[tuple[int, int, str]]:
    """(start, end, new text) replacements turning `a` into `b`, diffed by tokens, so unchanged text
    between two changes (a string with a secret in it, say) is never part of an edit."""
    ta, tb = _TOKENS.findall(a), _TOKENS.findall(b)
    pa, pb = [0], [0]
    for tok in ta:
        pa.append(pa[-1] + len(tok))
    for tok in tb:
        pb.append(pb[-1] + len(tok))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append((pa[i1], pa[i2], b[pb[j1] : pb[j2]]))
    return out


def edit_offsets(text: str, edits: Iterable[Edit], starts: list[int] | None = None) -> list[tuple[int, int, str]]:
    starts = starts if starts is not None else line_starts(split_lines(text))
    out = []
    for span, new in edits:
        a = offset_of(starts, span.line, span.column, len(text))
        b = offset_of(starts, span.end_line, span.end_column, len(text))
        out.append((a, max(a, b), new))
    return out


def apply_offsets(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    for a, b, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:a] + new + text[b:]
    return text


def conflicts(taken: list[tuple[int, int]], edits: Sequence[tuple[int, int, str]]) -> bool:
    """Whether any edit overlaps (or inserts at the same place as) an edit already taken."""
    for a, b, _ in edits:
        for c, d in taken:
            if a < d and c < b:
                return True
            if a == b == c == d or (a == b and c < a < d) or (c == d and a < c < b):
                return True
    return False


def unified_diff(path: str, old: bytes, new: bytes, *, prefix: bool = True) -> bytes:
    """A unified diff that `git apply` (and `patch -p1`; `-p0` when prefix=False) accepts."""
    # bytes.splitlines would also split on \r and other separators; patch only knows \n.
    a_lines = _nl_lines(old)
    b_lines = _nl_lines(new)
    name = path.encode("utf-8", "surrogateescape")
    from_name = _header_name((b"a/" if prefix else b"") + name)
    to_name = _header_name((b"b/" if prefix else b"") + name)
    out = []
    for line in difflib.diff_bytes(difflib.unified_diff, a_lines, b_lines, from_name, to_name, n=3):
        if line.startswith((b"---", b"+++")) and not line.endswith(b"\n"):
            line += b"\n"
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


def _header_name(name: bytes) -> bytes:
    """A file name for ---/+++ lines as git writes it: C-quoted when it holds quotes, backslashes or
    control characters; followed by a tab when it holds a space (so GNU patch reads all of it)."""
    if any(b < 0x20 or b == 0x7F or b in b'"\\' for b in name):
        out = bytearray(b'"')
        for b in name:
            if b in b'"\\':
                out += b"\\" + bytes([b])
            elif b == 0x09:
                out += b"\\t"
            elif b == 0x0A:
                out += b"\\n"
            elif b < 0x20 or b == 0x7F:
                out += b"\\%03o" % b
            else:
                out.append(b)
        return bytes(out + b'"')
    return name + b"\t" if b" " in name else name


def _nl_lines(data: bytes) -> list[bytes]:
    return re.findall(rb"[^\n]*\n|[^\n]+$", data)
