"""A notebook code cell as the IPython kernel runs it: IPython's input transformations, without IPython.

Jupyter's kernel never runs a cell's text as Python. `TransformerManager.transform_cell` (IPython's
`core/inputtransformer2.py`) first drops leading blank lines, removes the first line's indentation,
strips pasted `>>>` / `In [1]:` prompts, turns a `%%magic` cell into one `run_cell_magic` call, then
rewrites, one logical line at a time, `!cmd` / `!!cmd` (with backslash-continued lines), `%magic`,
`x = !cmd`, `x = %magic`, `obj?` / `?obj` help and the `/f a`, `,f a`, `;f a` autocalls. This module
does the same, token-aware (nothing inside a string or comment is touched), with these differences,
all made for a scanner:

* every line of the cell stays one line, and each line of the result carries a map of its columns
  back to the cell's source, so a finding's line and column are the cell's own;
* the Python a magic runs is kept as Python instead of being hidden in a string: the statement of
  `%time` / `%timeit` / `%prun`, the body of `%%time`, `%%capture` and the other cell magics whose
  body is Python, and, separately (`CellCode.file`), the file a `%%writefile NAME.py` cell writes;
* where IPython versions differ, the reading under which the cell runs: the indentation removed is
  the first *code* line's (IPython 8 takes the first line's, IPython 9 the common one's); pasted
  prompts are stripped as IPython 9 does, or as IPython 8 does when only that parses; a shell or
  magic command ends at its last backslash-continued line (a bracket in its text opens nothing, as
  with IPython on Python 3.12+). Every cell IPython 8 or 9 runs is read, and a few more.

Everything else is spelled as IPython spells it (`get_ipython().system('pip install x')`), so the
differential test can compare the names and calls of both translations.
"""

from __future__ import annotations

import os
import re
import shlex
import warnings
from dataclasses import dataclass

# A column map of one line: (python column, source column, verbatim) segments, sorted by python
# column, 0-based. In a verbatim segment the Python text copies the source; a generated one (a
# magic spelled as a call) maps every column to the segment's source start.
Segment = tuple[int, int, bool]
LineMap = tuple[Segment, ...]

# Cell magics whose body IPython runs as (transformed) Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "skip"})
# `%%writefile NAME` (alias `%%file`): NAME.py is Python the notebook runs or imports later.
WRITEFILE_MAGICS = frozenset({"writefile", "file"})
# Line magics whose argument is a Python statement, with their option letters that take a value.
PYTHON_LINE_MAGICS = {"time": "", "timeit": "nrpv", "prun": "DlsT"}

_ESCAPES = frozenset("!?%,;/")
# A line starting with an escape, a `?` ending a line, or `= %` / `= !`: else nothing to rewrite.
_MAYBE_IPYTHON = re.compile(r"^[ \t\x0c]*[!?%,;/]|\?[ \t]*$|=[ \t]*[!%]", re.MULTILINE)
_NOT_ESCAPES = ("!=", "%=", "//", "/=")  # operators IPython's tokenizer reads as one token
_CLASSIC = re.compile(r"(>>>|\.\.\.)( |$)")  # IPython 8's prompts
_CLASSIC_FIRST = re.compile(r">>>( |$)")
_DOCTEST_FIRST = re.compile(r"\s*>>>")
_DOCTEST_PS1 = re.compile(r"\s*>>>[ \t]?")
_DOCTEST_PS2 = re.compile(r"\s*\.\.\.[ \t]?")
_TRIPLE_QUOTE = re.compile(r"(?<!\\)(\"\"\"|\'\'\')")
_IPYTHON_PROMPT = re.compile(r"((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?")
_HELP_END = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
_OPERATORS3 = frozenset({"**=", "//=", ">>=", "<<=", "..."})
_OPERATORS2 = frozenset({"**", "//", ">>", "<<", "<=", ">=", "==", "!=", "->", "+=", "-=", "*=", "/=",
                         "%=", "&=", "|=", "^=", "@=", ":="})
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() splits at
_STRING_PREFIXES = frozenset({"r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"})


@dataclass(frozen=True, slots=True)
class Code:
    """Python text, one line per line of the cell's source, with each line's column map."""

    lines: tuple[str, ...]
    maps: tuple[LineMap, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def source_column(self, line: int, column: int, *, strict: bool = False) -> int | None:
        """0-based source column of a 0-based column of 1-based `line`; strict: None unless verbatim."""
        if not 1 <= line <= len(self.maps):
            return None if strict else column
        segment = _segment_at(self.maps[line - 1], column)
        if segment is None:
            return None if strict else column
        start, source, verbatim = segment
        if not verbatim:
            return None if strict else source
        return source + column - start

    def python_column(self, line: int, column: int) -> int | None:
        """0-based Python column of a 0-based source column of 1-based `line`; None if not copied."""
        if not 1 <= line <= len(self.maps):
            return None
        segments = self.maps[line - 1]
        for k, (start, source, verbatim) in enumerate(segments):
            end = segments[k + 1][0] if k + 1 < len(segments) else None
            if verbatim and column >= source and (end is None or column - source < end - start):
                return start + column - source
        return None


@dataclass(frozen=True, slots=True)
class CellCode:
    """One code cell read as the kernel runs it."""

    kernel: Code  # what the kernel runs (a %%writefile cell: the magic call, then blank lines)
    file: Code | None = None  # a `%%writefile NAME.py` cell: NAME's Python (its first line blank)
    file_name: str | None = None
    magic: str | None = None  # the cell magic, if the cell starts with one

    @property
    def python(self) -> Code:
        """The Python the cell holds: the written file's for %%writefile *.py, else the kernel's."""
        return self.file if self.file is not None else self.kernel


def _segment_at(segments: LineMap, column: int) -> Segment | None:
    found = None
    for segment in segments:
        if segment[0] > column:
            break
        found = segment
    return found


def transform_cell(source: str) -> CellCode:
    """The cell as IPython's `TransformerManager().transform_cell()` would run it, line for line."""
    if _plain_python(source):  # most cells: nothing to rewrite, every column is its own
        lines = source.splitlines() or [""]
        return CellCode(Code(tuple(lines), (_IDENTITY,) * len(lines)))
    raw = source.splitlines(keepends=True) or [""]
    texts = [_without_ending(line) for line in raw]
    # IPython's backslash continuation needs the line to end in exactly "\\\n"; the cell's last line
    # counts as ending in "\n" (transform_cell appends one).
    continued = [line.endswith("\\\n") or (k == len(raw) - 1 and line.endswith("\\")) for k, line in enumerate(raw)]
    return _transform(texts, continued, [0] * len(texts))


_IDENTITY: LineMap = ((0, 0, True),)


def _plain_python(source: str) -> bool:
    """True when no transformation can apply: no escape, help, magic assignment, prompt, cell magic,
    indented first code line, or line break other than \\n (which the quick checks would miss)."""
    if _MAYBE_IPYTHON.search(source) or ">>>" in source or "..." in source or "In [" in source:
        return False
    if any(ch in source for ch in _LINE_ENDS if ch != "\n"):
        return False
    for line in source.split("\n"):
        stripped = line.lstrip(" \t\x0c")
        if stripped and not stripped.startswith("#"):
            return stripped == line  # the first code line is not indented
    return True


def _without_ending(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line and line[-1] in _LINE_ENDS else line


def _transform(texts: list[str], continued: list[bool], shifts: list[int]) -> CellCode:
    """The cell's reading; where IPython 9 and 8 strip pasted prompts differently, the one that parses."""
    code = _transform_with(texts, continued, shifts, ipython8_prompts=False)
    if any(">>>" in t or "..." in t for t in texts) and not _parses(list(code.python.lines)):
        other = _transform_with(texts, continued, shifts, ipython8_prompts=True)
        if _parses(list(other.python.lines)):
            return other
    return code


def _transform_with(texts: list[str], continued: list[bool], shifts: list[int], *,
                    ipython8_prompts: bool) -> CellCode:
    """`texts`: the lines (no endings); `shifts`: source columns already removed from each line."""
    n = len(texts)
    lines = list(texts)
    first = next((k for k, line in enumerate(lines) if line and not line.isspace()), None)
    if first is None:
        return CellCode(_code(lines, [((0, s, True),) for s in shifts]))
    shifts = list(shifts)
    _dedent(lines, shifts, first)
    _strip_prompts(lines, shifts, first, ipython8_prompts)
    maps: list[LineMap] = [((0, s, True),) for s in shifts]
    head = lines[first]
    if head.startswith("%%") and not re.match(r"%%\w+\?", head):
        return _cell_magic(lines, continued, shifts, maps, first)
    if _MAYBE_IPYTHON.search("\n".join(lines)):  # most cells are plain Python: no tokenizing then
        _line_transforms(lines, continued, shifts, maps, first, n)
    return CellCode(_code(lines, maps))


def _code(lines: list[str], maps: list[LineMap]) -> Code:
    return Code(tuple(lines), tuple(maps))


def _dedent(lines: list[str], shifts: list[int], first: int) -> None:
    """Remove the first code line's indentation from every line that starts with it."""
    code = next((k for k in range(first, len(lines))
                 if lines[k].strip() and not lines[k].lstrip(" \t\x0c").startswith("#")), first)
    match = re.match(r"[ \t]+", lines[code])
    if not match:
        return
    prefix = match.group()
    for k in range(first, len(lines)):
        if lines[k].startswith(prefix):
            lines[k] = lines[k][len(prefix):]
            shifts[k] += len(prefix)


def _strip_prompts(lines: list[str], shifts: list[int], first: int, ipython8: bool) -> None:
    """Pasted doctest (`>>> `, `... `) and IPython (`In [1]: `, `...: `) prompts, as IPython strips them:
    IPython 9's doctest rule (a `>>>` anywhere, indented prompts too), or IPython 8's (a `>>> ` first
    line or a prompt on the second: `>>> ` / `... ` at the start of each line)."""
    second = lines[first + 1] if first + 1 < len(lines) else None
    if ipython8:
        if _CLASSIC_FIRST.match(lines[first]) or (second is not None and _CLASSIC.match(second)):
            _strip_each(lines, shifts, first, _CLASSIC)
    elif not _strip_doctest(lines, shifts, first) and second is not None and _CLASSIC.match(second):
        _strip_each(lines, shifts, first, _CLASSIC)
    if _IPYTHON_PROMPT.match(lines[first]) or (second is not None and _IPYTHON_PROMPT.match(second)):
        _strip_each(lines, shifts, first, _IPYTHON_PROMPT)


def _strip_each(lines: list[str], shifts: list[int], first: int, prompt: re.Pattern[str]) -> None:
    for k in range(first, len(lines)):
        match = prompt.match(lines[k])
        if match:
            lines[k] = lines[k][match.end():]
            shifts[k] += match.end()


def _strip_doctest(lines: list[str], shifts: list[int], first: int) -> bool:
    """A `>>>` line outside triple-quoted strings: strip `>>>`/`...` prompts (even indented) there,
    then remove the common indentation of each run of lines that had prompts."""
    if not any(">>>" in line for line in lines[first:]):
        return False
    mask = _in_triple_string(lines[first:])
    if not any(not inside and _DOCTEST_FIRST.match(line) for line, inside in zip(lines[first:], mask)):
        return False
    had_prompt = []
    for k, inside in zip(range(first, len(lines)), mask):
        match = None if inside else (_DOCTEST_PS1.match(lines[k]) or _DOCTEST_PS2.match(lines[k]))
        if match:
            lines[k] = lines[k][match.end():]
            shifts[k] += match.end()
        had_prompt.append(match is not None)
    k = 0
    while k < len(mask):
        j = k
        while j < len(mask) and mask[j] == mask[k]:
            j += 1
        if not mask[k] and any(had_prompt[k:j]):
            _common_dedent(lines, shifts, first + k, first + j)
        k = j
    return True


def _in_triple_string(lines: list[str]) -> list[bool]:
    """IPython's heuristic: is each line inside a triple-quoted string a pasted block keeps as is?"""
    mask: list[bool] = []
    quote: str | None = None
    preserve = seen_prompt = False
    for line in lines:
        mask.append(quote is not None and preserve)
        for match in _TRIPLE_QUOTE.finditer(line):
            if quote is None:
                quote = match.group(1)
                before = line[: match.start()]
                rest = _DOCTEST_PS2.sub("", _DOCTEST_PS1.sub("", before, count=1), count=1)
                prompted_code = rest != before and seen_prompt
                preserve = bool(not prompted_code and re.match(r"(?i)^[rubf]*$", rest.strip()))
                mask[-1] = preserve
            elif quote == match.group(1):
                quote, preserve = None, False
        seen_prompt = seen_prompt or bool(_DOCTEST_FIRST.match(line))
    return mask


def _common_dedent(lines: list[str], shifts: list[int], start: int, end: int) -> None:
    """textwrap.dedent of lines[start:end], recording the columns removed."""
    indents = [re.match(r"[ \t]*", lines[k]).group() for k in range(start, end)  # type: ignore[union-attr]
               if lines[k].strip(" \t")]
    prefix = os.path.commonprefix(indents) if indents else ""
    if not prefix:
        return
    for k in range(start, end):
        if lines[k].startswith(prefix):
            lines[k] = lines[k][len(prefix):]
            shifts[k] += len(prefix)


def _cell_magic(lines: list[str], continued: list[bool], shifts: list[int], maps: list[LineMap],
                first: int) -> CellCode:
    name, _, args = lines[first][2:].rstrip().partition(" ")
    body = lines[first + 1:]
    generated: LineMap = ((0, shifts[first], False),)
    if name in PYTHON_CELL_MAGICS:
        inner = _transform(body, continued[first + 1:], shifts[first + 1:])
        out = [""] * first + ["pass"] + list(inner.kernel.lines)
        return CellCode(_code(out, maps[:first] + [generated] + list(inner.kernel.maps)), magic=name)
    call = f"get_ipython().run_cell_magic({name!r}, {args!r}, {_joined_body(lines, continued, first)!r})"
    kernel = _code([""] * first + [call] + [""] * len(body), maps[:first] + [generated] + maps[first + 1:])
    target = written_file(args) if name in WRITEFILE_MAGICS else None
    if target is None or not target.endswith(".py"):
        return CellCode(kernel, magic=name)
    file = _code([""] * (first + 1) + body, maps[:first] + [generated] + maps[first + 1:])
    return CellCode(kernel, file=file, file_name=target, magic=name)


def _joined_body(lines: list[str], continued: list[bool], first: int) -> str:
    # IPython passes the body with its line ends; ours are normalised to "\n" (the strings' exact
    # bytes matter to no rule, and the line count is what must not change).
    return "".join(line + "\n" for line in lines[first + 1:])


def written_file(args: str) -> str | None:
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    names = [w for w in words if not w.startswith("-")]
    return names[-1] if names else None


# -- line transforms --------------------------------------------------------------------------------
def _line_transforms(lines: list[str], continued: list[bool], shifts: list[int], maps: list[LineMap],
                     first: int, n: int) -> None:
    k = first
    while k < n:
        text = lines[k]
        stripped = text.lstrip(" \t\x0c")
        if not stripped or stripped.startswith("#") or stripped == "\\":
            k += 1  # a line holding only a backslash joins the next one, whose first token starts the line
            continue
        col = len(text) - len(stripped)
        if stripped[0] in _ESCAPES and stripped[:2] not in _NOT_ESCAPES:
            # The command runs to its last backslash-continued line; its text is not Python, so a
            # bracket or quote in it opens nothing (as IPython on Python 3.12+ reads it; 3.11's
            # tokenizer lets an unbalanced bracket swallow the following lines).
            end = _continued_end(continued, k, n)
            logical = _Logical.read(lines[:end + 1], k)
            if logical.help_end and logical.end == end and _help(lines, maps, shifts, k, col, end):
                k = end + 1
                continue
            if _escaped(lines, continued, shifts, maps, k, col):
                k = end + 1
                continue
            k = logical.end + 1
            continue
        logical = _Logical.read(lines, k)
        if logical.help_end and _help(lines, maps, shifts, k, col, logical.end):
            k = logical.end + 1
            continue
        if logical.assign is not None:
            at_line, at_col, kind = logical.assign
            if _assigned(lines, continued, shifts, maps, at_line, at_col, kind):
                k = _continued_end(continued, at_line, n) + 1
                continue
        k = logical.end + 1


def _continued_end(continued: list[bool], start: int, n: int) -> int:
    """IPython's find_end_of_continued_line: the last line of a backslash-continued run."""
    end = start
    while end < n - 1 and continued[end]:
        end += 1
    return end


def _assemble(lines: list[str], start: int, col: int, end: int) -> str:
    """IPython's assemble_continued_line: the pieces joined by spaces, the backslashes dropped."""
    parts = [lines[start][col:]] + lines[start + 1:end + 1]
    pieces = [p.rstrip()[:-1] for p in parts[:-1]] + [parts[-1].rstrip()]
    return " ".join(pieces)


def _replace(lines: list[str], shifts: list[int], maps: list[LineMap], start: int, col: int, end: int,
             new: str) -> None:
    """Lines start..end become `lines[start][:col] + new` and blank lines; `new` is generated."""
    lines[start] = lines[start][:col] + new
    maps[start] = _keep(maps[start], col) + ((col, shifts[start] + col, False),)
    for k in range(start + 1, end + 1):
        lines[k] = ""
        maps[k] = ((0, shifts[k], False),)


def _keep(segments: LineMap, col: int) -> LineMap:
    return tuple(s for s in segments if s[0] < col)


def _escaped(lines: list[str], continued: list[bool], shifts: list[int], maps: list[LineMap],
             start: int, col: int) -> bool:
    end = _continued_end(continued, start, len(lines))
    command = _assemble(lines, start, col, end)
    escape = command[:2] if command[:2] in ("!!", "??") else command[:1]
    content = command[len(escape):]
    if escape == "%" and _python_magic(lines, continued, shifts, maps, start, col, end, content, None):
        return True
    call = _ESCAPE_CALLS[escape](content)
    if call is None:
        return False  # IPython raises SyntaxError and leaves the line alone
    _replace(lines, shifts, maps, start, col, end, call)
    return True


def _assigned(lines: list[str], continued: list[bool], shifts: list[int], maps: list[LineMap],
              start: int, col: int, kind: str) -> bool:
    end = _continued_end(continued, start, len(lines))
    rhs = _assemble(lines, start, col, end)
    if kind == "%":
        name, _, args = rhs[1:].partition(" ")
        if _python_magic(lines, continued, shifts, maps, start, col, end, rhs[1:], lines[start][:col]):
            return True
        call = f"get_ipython().run_line_magic({name!r}, {args!r})"
    else:
        call = f"get_ipython().getoutput({rhs[1:]!r})"
    _replace(lines, shifts, maps, start, col, end, call)
    return True


def _python_magic(lines: list[str], continued: list[bool], shifts: list[int], maps: list[LineMap],
                  start: int, col: int, end: int, content: str, lhs: str | None) -> bool:
    """`%time stmt` (and `x = %time expr`): keep the statement as Python in its own columns."""
    name, _, _ = content.partition(" ")
    if name not in PYTHON_LINE_MAGICS:
        return False
    text = lines[start]
    body = _statement_column(text, col + 1 + len(name), PYTHON_LINE_MAGICS[name])
    if body is None:
        return False
    # `%time f()` -> `f()`, `x = %time f()` -> `x = f()`: the statement moves left, its map says from where.
    new = text[:col] + text[body:]
    if not _parses([new.lstrip(" \t")] + lines[start + 1:end + 1]):
        return False
    lines[start] = new
    maps[start] = _keep(maps[start], col) + ((col, shifts[start] + body, True),)
    return True


def _statement_column(text: str, k: int, valued: str) -> int | None:
    """Column where the statement of a `%time`-like magic starts (after its options), or None."""
    n = len(text)
    if k < n and text[k] not in " \t":
        return None
    while True:
        while k < n and text[k] in " \t":
            k += 1
        if k >= n:
            return None
        if text[k] != "-" or text.startswith("-=", k):
            return k
        word_end = k
        while word_end < n and text[word_end] not in " \t":
            word_end += 1
        word = text[k:word_end]
        k = word_end
        if word == "--":
            continue
        if not word.startswith("--") and word[-1] in valued:  # `-n 10`: the value is the next word
            while k < n and text[k] in " \t":
                k += 1
            while k < n and text[k] not in " \t":
                k += 1


def _parses(lines: list[str]) -> bool:
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse("\n".join(lines) + "\n")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _help(lines: list[str], maps: list[LineMap], shifts: list[int], start: int, col: int, end: int) -> bool:
    content = "\n".join(lines[start:end + 1])[col:]
    match = _HELP_END.search(content)
    if not match:
        return False
    _replace(lines, shifts, maps, start, col, end, _help_call(match.group(1), match.group(3)))
    return True


def _help_call(target: str, escape: str) -> str:
    method = "pinfo2" if escape == "??" else "psearch" if "*" in target else "pinfo"
    name, _, arg = f"{method} {target}".partition(" ")
    return f"get_ipython().run_line_magic({name.lstrip('%')!r}, {arg!r})"


def _paren(content: str) -> str | None:
    name, _, args = content.partition(" ")
    return None if name == "" else f"{name}({', '.join(args.split())})"


def _quote(content: str) -> str:
    name, _, args = content.partition(" ")
    return '{}("{}")'.format(name, '", "'.join(args.split()))


def _quote2(content: str) -> str:
    name, _, args = content.partition(" ")
    return f'{name}("{args}")'


def _magic(content: str) -> str:
    name, _, args = content.partition(" ")
    return f"get_ipython().run_line_magic({name!r}, {args!r})"


_ESCAPE_CALLS = {
    "!": lambda c: f"get_ipython().system({c!r})",
    "!!": lambda c: f"get_ipython().getoutput({c!r})",
    "?": lambda c: _help_call(c, "?") if c else "get_ipython().show_usage()",
    "??": lambda c: _help_call(c, "??") if c else "get_ipython().show_usage()",
    "%": _magic,
    ",": _quote,
    ";": _quote2,
    "/": _paren,
}


# -- a logical line, read as IPython's tokenizer groups it ------------------------------------------
@dataclass(frozen=True, slots=True)
class _Logical:
    end: int  # last physical line
    help_end: bool  # the last token is `?` (no comment after it)
    assign: tuple[int, int, str] | None  # (line, column, "%" | "!") after the first `=` at depth 0

    @staticmethod
    def read(lines: list[str], start: int) -> _Logical:
        """Group physical lines from `start` into one logical line: strings, brackets, backslashes."""
        depth = 0
        quote: str | None = None  # the open string's quote ("'", '"', "'''" or '"""')
        last: str | None = None
        assign: tuple[int, int, str] | None = None
        seen_assign = False
        k = start
        while k < len(lines):
            text, i, n = lines[k], 0, len(lines[k])
            backslash = False
            while i < n:
                if quote is not None:
                    i, quote = _string_end(text, i, quote)
                    if quote is not None and len(quote) == 1 and not text.endswith("\\"):
                        quote = None  # unterminated: the tokenizer gives up at the line end
                    continue
                c = text[i]
                if c in " \t\x0c":
                    i += 1
                    continue
                if c == "#":
                    last = "#"
                    break
                if c == "\\" and i == n - 1:
                    backslash = True
                    break
                if c.isalnum() or c == "_" or not c.isascii():
                    j = i + 1
                    while j < n and (text[j].isalnum() or text[j] == "_" or not text[j].isascii()):
                        j += 1
                    if j < n and text[j] in "'\"" and text[i:j].lower() in _STRING_PREFIXES:
                        i = j
                        continue
                    last, i = "name", j
                    continue
                if c in "'\"":
                    triple = text[i:i + 3]
                    quote = triple if triple in ("'''", '"""') else c
                    i += len(quote)
                    last = "string"
                    continue
                op = text[i:i + 3] if text[i:i + 3] in _OPERATORS3 else (
                    text[i:i + 2] if text[i:i + 2] in _OPERATORS2 else c)
                if op == "=" and depth == 0 and not seen_assign:
                    seen_assign = True
                    j = i + 1
                    while j < n and text[j] in " \t":
                        j += 1
                    if j < n and text[j] == "!" and not text.startswith("!=", j) and not text.lstrip().startswith("="):
                        assign = (k, j, "!")
                    elif j < n and text[j] == "%" and not text.startswith("%=", j):
                        # `x = %name`: a name must follow the `%` (IPython checks the next token)
                        m = j + 1
                        while m < n and text[m] in " \t":
                            m += 1
                        if m < n and (text[m].isalpha() or text[m] == "_" or not text[m].isascii()):
                            assign = (k, j, "%")
                elif op in ("(", "[", "{"):
                    depth += 1
                elif op in (")", "]", "}"):
                    depth = max(depth - 1, 0)
                last = op
                i += len(op)
            if quote is None and depth == 0 and not backslash:
                break
            k += 1
        return _Logical(end=min(k, len(lines) - 1), help_end=last == "?", assign=assign)


def _string_end(text: str, i: int, quote: str) -> tuple[int, str | None]:
    """Scan a string body from `i`: (index after it, None) if it ends on this line, else (len, quote)."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote), None
        i += 1
    return n, quote
