"""libcst helpers for fixes: find a call by position, edit its arguments keeping the layout."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ParentNodeProvider, PositionProvider, ScopeProvider

from ..catalog import ArgSpec


class Unit:
    """One parseable text (a .py file, or one notebook cell) with lazily computed metadata."""

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
        mapping = {id(old): new for old, new in pairs}

        class _Swap(cst.CSTTransformer):
            def on_leave(self, original, updated):  # noqa: ANN001
                return mapping.get(id(original), updated)

        return self.module.visit(_Swap()).code


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
