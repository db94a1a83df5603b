"""libcst helpers for fixes: the code a fixer edits (the whole module, or only the finding's call,
which is much cheaper), and edits of a call's arguments that keep its layout."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.metadata import (
    CodePosition,
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)

from ..catalog import ArgSpec


class NeedsModule(Exception):
    """A fixer asked a CallUnit for more than the call (a binding, an import, a node elsewhere)."""


class Unit:
    """One parseable text (a .py file, or one notebook cell), parsed whole, with lazily computed metadata."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def wrapper(self) -> MetadataWrapper:
        return MetadataWrapper(cst.parse_module(self.text), unsafe_skip_copy=True)

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    @cached_property
    def positions(self):
        return self.wrapper.resolve(PositionProvider)

    @cached_property
    def parents(self):
        return self.wrapper.resolve(ParentNodeProvider)

    @cached_property
    def scopes(self):
        return self.wrapper.resolve(ScopeProvider)

    @cached_property
    def calls(self) -> list[tuple[CodeRange, cst.Call]]:
        return [(rng, node) for node, rng in self.positions.items() if isinstance(node, cst.Call)]

    def find_call(self, line: int, column: int, end_line: int, end_column: int) -> cst.Call | None:
        """The call whose span (1-based, end exclusive, as in the inventory) is the given one."""
        same_start = []
        for rng, node in self.calls:
            if rng.start.line == line and rng.start.column + 1 == column:
                if rng.end.line == end_line and rng.end.column + 1 == end_column:
                    return node
                same_start.append((rng.end.line, rng.end.column, node))
        if same_start:  # e.g. a parenthesised call: ast and libcst disagree on the end
            return min(same_start, key=lambda t: (t[0], t[1]))[2]
        return None

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def replace(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> str:
        """The unit's text with `old` replaced (rendered by libcst: everything else is kept)."""
        return self.module.deep_replace(old, new).code  # type: ignore[arg-type]

    def replace_many(self, pairs: Sequence[tuple[cst.CSTNode, cst.CSTNode]]) -> str:
        return self.module.visit(_Swap({id(old): new for old, new in pairs})).code

    def add_comment(self, code: str, line: int, comment: str) -> str:
        """`code` (a text this unit returned) with `# comment` ending `line`: see add_trailing_comment."""
        return add_trailing_comment(code, line, comment)

    def verified(self, text: str) -> bool:
        """Whether `text`, returned by this unit, is known to parse (else the engine parses it whole)."""
        return False


class _Swap(cst.CSTTransformer):
    """Replaces nodes, by identity, with the new nodes of `mapping` (id(old) -> new)."""

    def __init__(self, mapping: dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping

    def on_leave(self, original_node, updated_node):  # noqa: ANN001
        return self.mapping.get(id(original_node), updated_node)


class CallUnit(Unit):
    """The finding's call parsed alone: the Unit of fixes that only touch the call.

    `text` is still the whole unit text; the call is text[start:end], parsed as "(" + call + ")".
    A replace renders the call only and splices it back, so the rest of the text is never parsed
    (nor re-generated). What needs the module (scopes, parents, visits, a node outside the call)
    raises NeedsModule, and the engine retries with the whole-module Unit. Build it with `cut`.
    """

    def __init__(self, text: str, start: int, end: int, line: int, column: int, *, trusted: bool) -> None:
        super().__init__(text)
        self.start, self.end = start, end
        self.line, self.column = line, column  # of text[start]: 1-based line, 1-based character column
        # Whether the text is known to parse (a .py file the scanner parsed whole; not a notebook
        # cell, parsed with its neighbours). Then a new call that parses alone keeps it parsing, the
        # call being code (`cut` checks it is not inside a string), and nothing else changes.
        self.trusted = trusted
        # libcst renders new line breaks with the first newline of the text: a leading blank line
        # makes the call's module detect the whole text's (its config cannot set it).
        newline = _default_newline(text)
        self._snippet = cst.parse_module(newline + "(" + text[start:end] + ")" + newline)
        self.call = _the_call(self._snippet)
        self._outputs: list[str] = []  # texts this unit returned
        self._checked: list[str] = []  # ... of which are known to parse

    @classmethod
    def cut(cls, text: str, starts: Sequence[int], line: int, column: int, end_line: int, end_column: int,
            *, trusted: bool, code_map: CodeMap | None = None) -> CallUnit | None:
        """The call at the given span (as in the inventory; `starts`: line start offsets of `text`,
        `code_map`: the text's CodeMap, if there is one), or None when it cannot be handled alone
        (then the whole module is parsed)."""
        if not (1 <= line <= end_line < len(starts)) or column < 1 or end_column < 1:
            return None
        start, end = starts[line - 1] + column - 1, starts[end_line - 1] + end_column - 1
        if not (start < end <= starts[end_line]) or start >= starts[line]:
            return None
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            return None  # a lone \r ends a line for ast and libcst, not for the tokenizer's readline
        if not (code_map(start) if code_map is not None else in_code(text, start)):
            return None
        try:
            return cls(text, start, end, line, column, trusted=trusted)
        except Exception:  # noqa: BLE001 - not a call on its own (or libcst cannot parse it)
            return None

    @cached_property
    def wrapper(self) -> MetadataWrapper:
        return MetadataWrapper(self._snippet, unsafe_skip_copy=True)

    @property
    def module(self) -> cst.Module:
        raise NeedsModule("module")

    @cached_property
    def positions(self):
        return _ShiftedPositions(self.wrapper.resolve(PositionProvider), self.line, self.column)

    @property
    def parents(self):
        raise NeedsModule("parents")

    @property
    def scopes(self):
        raise NeedsModule("scopes")

    @property
    def calls(self) -> list[tuple[CodeRange, cst.Call]]:
        raise NeedsModule("calls")

    def code(self, node: cst.CSTNode) -> str:
        return self._snippet.code_for_node(node)

    @cached_property
    def _nodes(self) -> frozenset[int]:
        """Ids of the nodes of the call."""
        seen: set[int] = set()
        stack: list[cst.CSTNode] = [self.call]
        while stack:
            node = stack.pop()
            seen.add(id(node))
            stack.extend(node.children)
        return frozenset(seen)

    def replace(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> str:
        if old is self.call:
            return self._splice(new)
        if id(old) not in self._nodes:
            raise NeedsModule("a node outside the call")
        return self._splice(self.call.deep_replace(old, new))  # type: ignore[arg-type]

    def replace_many(self, pairs: Sequence[tuple[cst.CSTNode, cst.CSTNode]]) -> str:
        if any(id(old) not in self._nodes for old, _ in pairs):
            raise NeedsModule("a node outside the call")
        return self._splice(self.call.visit(_Swap({id(old): new for old, new in pairs})))

    def _splice(self, new: object) -> str:
        """The whole text with the call replaced by `new` (still a call, in the same parentheses)."""
        if not (isinstance(new, cst.Call) and len(new.lpar) == 1 and len(new.rpar) == 1
                and new.lpar[0].deep_equals(self.call.lpar[0]) and new.rpar[0].deep_equals(self.call.rpar[0])):
            raise NeedsModule("the call itself was replaced")
        code = self._snippet.code_for_node(new)[1:-1]
        text = self.text[: self.start] + code + self.text[self.end :]
        self._outputs.append(text)
        # Starting with the same character, it meets the text before it as the old call did.
        if self.trusted and code[:1] == self.text[self.start : self.start + 1] and _is_one_call(code):
            self._checked.append(text)
        return text

    def add_comment(self, code: str, line: int, comment: str) -> str:
        """As add_trailing_comment, tokenizing from the call instead of from the top of the text."""
        if not any(code is out for out in self._outputs) or "\r" in comment or "\n" in comment:
            raise NeedsModule("a comment on a text this unit did not make")
        offset = _comment_offset(code, self.start, self.line, self.column, line)
        head = code[:offset].rstrip(" \t")
        text = head + "  # " + comment + code[offset:]
        self._outputs.append(text)
        if any(code is out for out in self._checked):
            self._checked.append(text)  # a comment at the end of a line of code cannot break it
        return text

    def verified(self, text: str) -> bool:
        return any(text is out for out in self._checked)


class _ShiftedPositions:
    """Positions of the nodes of a CallUnit's call, in the coordinates of the whole text."""

    def __init__(self, inner, line: int, column: int) -> None:  # noqa: ANN001 - libcst's mapping
        self._inner = inner
        self._line, self._column = line, column

    def _shift(self, pos: CodePosition) -> CodePosition:
        # The call's module is a blank line, then the call's lines, the first one after a "(".
        if pos.line == 2:
            return CodePosition(self._line, pos.column - 1 + self._column - 1)
        return CodePosition(self._line + pos.line - 2, pos.column)

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        try:
            rng = self._inner[node]
        except KeyError:
            raise NeedsModule("the position of a node outside the call") from None
        return CodeRange(self._shift(rng.start), self._shift(rng.end))


_NEWLINE = re.compile(r"\r\n?|\n")


def _default_newline(text: str) -> str:
    """The newline libcst's parser takes as the module's default: the first one in the text."""
    match = _NEWLINE.search(text)
    return match.group() if match else "\n"


def _the_call(module: cst.Module) -> cst.Call:
    """The call of a module holding one parenthesised call expression (after a blank line)."""
    if len(module.body) == 1 and isinstance(module.body[0], cst.SimpleStatementLine):
        statement = module.body[0]
        if len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr):
            call = statement.body[0].value
            if isinstance(call, cst.Call) and len(call.lpar) == 1 and len(call.rpar) == 1:
                return call
    raise ValueError("not a call")


def _is_one_call(code: str) -> bool:
    """Whether `code` parses (with ast, as the scanner parses) as exactly one call expression."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse("(" + code + ")", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    # Starting right after the "(": the parentheses enclose the call and nothing else.
    return isinstance(tree.body, ast.Call) and tree.body.lineno == 1 and tree.body.col_offset == 1


# -- is an offset in code? ------------------------------------------------------------------------
_LEXEME_START = re.compile(r"[#'\"]")
_LINE_END = re.compile(r"[\r\n]")
_CLOSING = {q: re.compile(p) for q, p in (("'", r"[\\'\r\n]"), ('"', r'[\\"\r\n]'),
                                          ("'''", r"\\|'''"), ('"""', r'\\|"""'))}
_FIELD_STOP = re.compile(r"""[{}()\[\]:'"#\\]""")
_BRACE = re.compile(r"[{}]")


def _string_end(text: str, pos: int, quote: str) -> int | None:
    """The end of the string literal whose opening `quote` ends at `pos`; None when unterminated."""
    closing = _CLOSING[quote]
    while True:
        match = closing.search(text, pos)
        if match is None or match.group() in "\r\n":
            return None  # a one-quote string ends on its line
        if match.group() == "\\":  # escapes the next character, in raw strings too
            pos = match.end() + (2 if text.startswith("\r\n", match.end()) else 1)
            continue
        return match.end()


def _opening(text: str, at: int) -> str:
    """The quote that opens a string at text[at]: one character, or three."""
    return text[at] * 3 if text.startswith(text[at] * 3, at) else text[at]


def _interpolated(text: str, at: int) -> bool:
    """Whether the string opening at text[at] is an f-string (or a t-string): its prefix says so."""
    before = text[max(0, at - 3) : at]
    prefix = ""
    for char in reversed(before):
        if not (char.isalnum() or char == "_"):
            break
        prefix = char + prefix
    # A prefix has at most two letters; a longer word (`elif"x"`) is a name before a plain string.
    return len(prefix) < 3 and prefix.lower() in ("f", "rf", "fr", "t", "rt", "tr")


def _fields_closed(body: str) -> bool:
    """Whether every replacement field of an f-string body closes, with no comment or backslash in
    its expression (and so for nested f-strings): then the string ends where a plain string would.
    Python 3.12+ lets a field hold the string's own quote or a comment, which a plain lexer
    misreads; the body it finds then ends inside a field."""
    fields: list[list[int]] = []  # per open field: [in its format spec (0/1), open brackets]
    pos = 0
    while True:
        field = fields[-1] if fields else None
        match = (_FIELD_STOP if field is not None and not field[0] else _BRACE).search(body, pos)
        if match is None:
            return not fields
        char, pos = match.group(), match.end()
        if field is None:  # literal text
            if body.startswith(char, pos):  # {{ or }}: a literal brace
                pos += 1
            elif char == "}":
                return False
            else:
                fields.append([0, 0])
        elif field[0]:  # the format spec: literal text, and nested fields
            if char == "{":
                fields.append([0, 0])
            else:
                fields.pop()
        elif char in "([{":
            field[1] += 1
        elif char in ")]" or (char == "}" and field[1] > 0):
            field[1] -= 1
            if field[1] < 0:
                return False
        elif char == "}":
            fields.pop()
        elif char == ":":
            if not field[1]:  # outside brackets, a colon starts the format spec
                field[0] = 1
        elif char in "#\\":
            return False
        else:  # a string inside the expression
            quote = _opening(body, match.start())
            end = _string_end(body, match.start() + len(quote), quote)
            if end is None:
                return False
            inner = body[match.start() + len(quote) : end - len(quote)]
            if "{" in inner and _interpolated(body, match.start()) and not _fields_closed(inner):
                return False
            pos = end


def in_code(text: str, offset: int) -> bool:
    """Whether text[offset] is code: not in a string literal or a comment (False when unsure).

    Skips the strings and comments before `offset` as Python's tokenizer does, at a fraction of
    the cost of tokenizing or parsing the text (the text is assumed to be valid Python). An
    f-string that a plain lexer may misread (Python 3.12+ syntax, see _fields_closed) makes it
    unsure."""
    return _scan(text, offset, 0)[0]


class CodeMap:
    """in_code for the offsets of one text: each scan resumes where the previous one stopped when
    the offsets come in increasing order (the findings of a file do)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._resume = 0

    def __call__(self, offset: int) -> bool:
        if offset < self._offset:
            self._resume = 0
        result, self._resume = _scan(self.text, offset, self._resume)
        self._offset = offset
        return result


def _scan(text: str, offset: int, pos: int) -> tuple[bool, int]:
    """(in_code(text, offset), where a scan for a later offset may resume); `pos` is such a place
    (0, or what a scan for an earlier offset returned)."""
    while True:
        match = _LEXEME_START.search(text, pos, offset)
        if match is None:
            return True, pos
        at = match.start()
        if match.group() == "#":
            end = _LINE_END.search(text, at)
            if end is None or end.start() >= offset:
                return False, at  # in the comment
            pos = end.start()
            continue
        quote = _opening(text, at)
        body_start = at + len(quote)
        end = _string_end(text, body_start, quote)
        if end is None or end > offset:
            return False, at
        body = text[body_start : end - len(quote)]
        if "{" in body and _interpolated(text, at) and not _fields_closed(body):
            return False, at
        pos = end


# -- arguments ------------------------------------------------------------------------------------
def find_arg(call: cst.Call, spec: ArgSpec | None) -> tuple[int, cst.Arg] | None:
    """The argument a catalog ArgSpec designates, by keyword first, then by position."""
    if spec is None:
        return None
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value in spec.kw:
            return i, arg
    if spec.pos is not None:
        pos = 0
        for i, arg in enumerate(call.args):
            if arg.keyword is not None or arg.star == "**":
                break
            if arg.star == "*":
                return None
            if pos == spec.pos:
                return i, arg
            pos += 1
    return None


def find_kwarg(call: cst.Call, name: str) -> tuple[int, cst.Arg] | None:
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return i, arg
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def _plain_newline(ws: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """The line break of `ws` without its comment or blank lines: the layout, not the content."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=ws.indent, last_line=ws.last_line
    )


def _separator(call: cst.Call) -> cst.BaseParenthesizableWhitespace:
    """What goes between two arguments of this call (a space, or a newline and the indent)."""
    args = call.args
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        ws = args[-2].comma.whitespace_after
        return _plain_newline(ws) if isinstance(ws, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return _plain_newline(call.whitespace_before_args)
    return cst.SimpleWhitespace(" ")


def _split(ws: cst.BaseParenthesizableWhitespace, sep: cst.BaseParenthesizableWhitespace):
    """Split the whitespace that followed the old last argument: (after old last, after new last).

    A comment on the old last argument's line stays on that line; the new argument inherits the
    line break (and indentation) that led to the closing parenthesis.
    """
    if isinstance(ws, cst.ParenthesizedWhitespace):
        if isinstance(sep, cst.ParenthesizedWhitespace):
            before = cst.ParenthesizedWhitespace(first_line=ws.first_line, empty_lines=ws.empty_lines,
                                                 indent=sep.indent, last_line=sep.last_line)
        else:  # the closing paren is on its own line but arguments share one: keep it simple
            before = cst.ParenthesizedWhitespace(first_line=ws.first_line, empty_lines=ws.empty_lines,
                                                 indent=ws.indent, last_line=ws.last_line)
        return before, _plain_newline(ws)
    return sep, ws


def append_arg(call: cst.Call, new: cst.Arg) -> cst.Call:
    """`call` with `new` as its last argument, in the call's own layout (one per line or inline)."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    sep = _separator(call)
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # trailing comma: keep one after the new argument
        after_old, after_new = _split(last.comma.whitespace_after, sep)
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=after_old))
        new = new.with_changes(comma=cst.Comma(whitespace_after=after_new),
                               whitespace_after_arg=last.whitespace_after_arg)
    else:
        after_old, after_new = _split(last.whitespace_after_arg, sep)
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=after_old),
                                     whitespace_after_arg=cst.SimpleWhitespace(""))
        new = new.with_changes(whitespace_after_arg=after_new)
    args.append(new)
    return call.with_changes(args=args)


def remove_arg(call: cst.Call, index: int) -> cst.Call:
    args = list(call.args)
    removed = args.pop(index)
    if index == len(args) and index > 0:  # it was the last one: the previous one ends the list now
        prev = args[index - 1]
        args[index - 1] = prev.with_changes(comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg)
    elif index == 0 and not args:
        return call.with_changes(args=[], whitespace_before_args=cst.SimpleWhitespace(""))
    return call.with_changes(args=args)


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                         whitespace_after=cst.SimpleWhitespace("")))


def string_like(original: cst.SimpleString | None, text: str) -> cst.SimpleString:
    """A string literal holding `text`, in the quote style of `original` (double quotes by default)."""
    quote = '"'
    prefix = ""
    if original is not None:
        prefix = original.prefix.replace("b", "").replace("B", "").replace("f", "").replace("F", "")
        quote = original.quote if len(original.quote) == 1 else original.quote[0]
    if quote in text or "\\" in text or "\n" in text:
        return cst.SimpleString(repr(text))
    return cst.SimpleString(f"{prefix}{quote}{text}{quote}")


@dataclass(frozen=True)
class StringSite:
    """A string literal that supplies a value, and where it is (for the fix description)."""

    node: cst.SimpleString
    via: str | None  # None: at the call site; else e.g. "constant MODEL_NAME"


def string_source(unit: Unit, expr: cst.BaseExpression) -> StringSite | None:
    """The single string literal `expr` evaluates to: itself, or a name's only assignment/default."""
    if isinstance(expr, cst.SimpleString):
        return StringSite(expr, None) if "b" not in expr.prefix.lower() else None
    if not isinstance(expr, cst.Name):
        return None
    try:
        scope = unit.scopes[expr]
    except KeyError:
        return None
    if scope is None:
        return None
    assignments = list(scope[expr.value])
    if len(assignments) != 1:
        return None
    target = getattr(assignments[0], "node", None)
    if isinstance(target, cst.Param):
        default = target.default
        if isinstance(default, cst.SimpleString):
            return StringSite(default, f"the default of parameter {expr.value}")
        return None
    if isinstance(target, cst.Name):
        parent = unit.parents.get(target)
        owner = unit.parents.get(parent) if isinstance(parent, cst.AssignTarget) else parent
        if isinstance(owner, cst.Assign) and len(owner.targets) == 1 and isinstance(owner.value, cst.SimpleString):
            return StringSite(owner.value, f"constant {expr.value}")
        if isinstance(owner, cst.AnnAssign) and isinstance(owner.value, cst.SimpleString):
            return StringSite(owner.value, f"constant {expr.value}")
    return None


def literal_text(node: cst.SimpleString) -> str | None:
    try:
        value = node.evaluated_value
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, str) else None


# -- trailing comments ----------------------------------------------------------------------------
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def line_starts(text: str) -> list[int]:
    starts = [0]
    for match in _LINE.finditer(text):
        starts.append(match.end())
    return starts


def add_trailing_comment(code: str, line: int, comment: str) -> str:
    """Append `# comment` at the end of `line` (1-based), or of the first later line that can take one.

    An existing comment is kept; ours follows it (so `# noqa`-style markers stay first).
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return code
    spot: tuple[int, int] | None = None
    for tok in tokens:
        if tok.start[0] < line:
            continue
        if tok.type == tokenize.COMMENT:
            spot = tok.end
            break
        if tok.type in (tokenize.NL, tokenize.NEWLINE) or (tok.type == tokenize.ENDMARKER):
            spot = tok.start
            break
    if spot is None:
        return code
    row, col = spot
    starts = line_starts(code)
    if row - 1 >= len(starts):
        return code
    offset = starts[row - 1] + col
    # A NEWLINE token at the end of a file without a final newline starts past the text.
    offset = min(offset, len(code))
    head = code[:offset].rstrip(" \t")
    return head + "  # " + comment + code[offset:]


def _comment_offset(code: str, start: int, line0: int, column0: int, line: int) -> int:
    """Where add_trailing_comment(code, line, ...) puts its comment, tokenizing from code[start]
    (at line `line0`, character column `column0`, both 1-based) instead of from the top.

    The text before the call on its line is blanked, so from the call on the tokenizer sees the
    tokens a tokenizer starting at the top would; only the bracket depth can differ, which changes
    NL into NEWLINE (both end a line here) and decides whether a line start is an indentation.
    Starting inside an opened bracket handles a call split outside its own parentheses (inside
    the caller's); starting outside one handles a call that ends the text. Where neither
    tokenizes, the module is needed.
    """
    for bracket in (True, False):
        try:
            return _spot(code, start - (column0 - 1), column0, line - line0 + 1 + bracket, bracket)
        except (tokenize.TokenError, SyntaxError, LookupError):
            continue
    raise NeedsModule("the text after the call does not tokenize on its own")


def _spot(code: str, first: int, column0: int, row: int, bracket: bool) -> int:
    """The offset of the first comment end, or line end, at or after the tokenizer's `row`, when
    tokenizing code[first:] with its first `column0 - 1` characters blanked (after a line "(" if
    `bracket`). Lines end with \\n only, as in the tokenizer's readline (CallUnit.cut refuses a
    lone \\r); raises LookupError when the tokens end first."""
    starts: list[int] = [first] if bracket else []  # the offset of each row the tokenizer reads
    pos = first
    lines = iter(["(\n"] if bracket else [])

    def readline() -> str:
        nonlocal pos
        extra = next(lines, None)
        if extra is not None:
            return extra
        starts.append(pos)
        if pos >= len(code):
            return ""
        newline = code.find("\n", pos)
        end = len(code) if newline < 0 else newline + 1
        chunk = code[pos:end]
        if pos == first:
            chunk = " " * (column0 - 1) + chunk[column0 - 1 :]
        pos = end
        return chunk

    for tok in tokenize.generate_tokens(readline):
        if tok.start[0] < row:
            continue
        if tok.type == tokenize.COMMENT:
            end_row, col = tok.end
        elif tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER):
            end_row, col = tok.start
        else:
            continue
        return min(starts[end_row - 1] + col, len(code))
    raise LookupError("no end of line")


# -- imports --------------------------------------------------------------------------------------
def import_binding(unit: Unit, name: str) -> cst.ImportFrom | None:
    """The one absolute `from X import ...` statement that binds `name`, or None."""
    found: list[cst.ImportFrom] = []

    class _Find(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if isinstance(node.names, cst.ImportStar) or node.relative:
                return
            for alias in node.names:
                bound = alias.evaluated_alias or alias.evaluated_name
                if bound == name:
                    found.append(node)

    unit.module.visit(_Find())
    return found[0] if len(found) == 1 else None


def binds(unit: Unit, name: str, star_from: str = "") -> bool:
    """Whether `name` is already a module-level binding (imported, assigned, or possibly star-imported
    from a module whose dotted name starts with `star_from`)."""
    scope = unit.scopes.get(unit.module)
    if scope is not None and name in scope:
        return True

    class _Star(cst.CSTVisitor):
        star = False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            module = cst.Module([]).code_for_node(node.module) if node.module else ""
            if isinstance(node.names, cst.ImportStar) and star_from and module.startswith(star_from):
                _Star.star = True

    unit.module.visit(_Star())
    return _Star.star


def add_import_name(statement: cst.ImportFrom, name: str) -> cst.ImportFrom:
    """`statement` importing `name` too, in its comma style."""
    names = list(statement.names)  # type: ignore[arg-type]
    last = names[-1]
    new = cst.ImportAlias(name=cst.Name(name))
    if isinstance(last.comma, cst.Comma):
        prev_ws = names[-2].comma.whitespace_after if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma) else cst.SimpleWhitespace(" ")
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=prev_ws))
        new = new.with_changes(comma=last.comma)
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    names.append(new)
    return statement.with_changes(names=names)
