"""Reaching definitions of one name at one point of a scope: statements in order, branches joined,
loops run to a fixpoint, early exits and guards (`is not None`, `isinstance(x, str)`) narrowing."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .scopes import MUTATORS, Binding, Scope

# Guards a path has passed for the name: the value there cannot be None / must be a str / ...
NOT_NONE, IS_NONE, TRUTHY, FALSY, IS_STR, NOT_STR = "not-none", "none", "truthy", "falsy", "str", "not-str"
# The path runs only when the user overrides a default: a command-line argument is given
# (`if len(sys.argv) > 1:`) or an environment variable is set (`if os.getenv("X"):`).
OVERRIDE = "override"
_OPPOSITE = {NOT_NONE: IS_NONE, IS_NONE: NOT_NONE, TRUTHY: FALSY, FALSY: TRUTHY, IS_STR: NOT_STR, NOT_STR: IS_STR}
MAX_STATES = 16  # distinct (definition, guards, changes) triples kept at one point; beyond: partial
MAX_STATEMENTS = 20_000  # statements walked for one question; beyond: the answer is partial
MAX_CONDS = 4  # `if` tests remembered per definition (the innermost ones)


@dataclass(frozen=True, slots=True)
class Def:
    """A definition reaching the point, the guards passed since, and the container changes after it."""

    binding: Binding
    guards: frozenset[str] = frozenset()
    changes: tuple[ast.stmt, ...] = ()
    # The `if` tests (and the outcome) the definition was made under, innermost last: the
    # definition exists only where they held (values.py drops it where one is known to fail).
    conds: tuple[tuple[ast.expr, bool], ...] = ()
    # The arms of `if` statements outside any loop the definition was made in, as (line, column
    # of the test, outcome): two definitions made in opposite arms of one such `if` are never on
    # one path (in a loop the test may go both ways, one pass each).
    arms: tuple[tuple[int, int, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class Reaching:
    defs: tuple[Def, ...]
    partial: str | None = None  # why the set may miss a definition (a limit was hit)
    at: tuple[tuple[ast.expr, bool], ...] = ()  # the `if` tests the point of use is under


_State = tuple[Def, ...] | None  # None: no path reaches here (after return/raise/break/continue)


def _join(*states: _State) -> _State:
    live = [s for s in states if s is not None]
    if not live:
        return None
    out: dict[Def, None] = {}
    for state in live:
        out.update(dict.fromkeys(state))
    return tuple(out)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _guards(test: ast.expr, name: str, truth: bool) -> frozenset[str] | None:
    """What passing `test` with outcome `truth` proves about `name` (None: nothing)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _guards(test.operand, name, not truth)
    if isinstance(test, ast.BoolOp):
        # `a and b` true: both hold; `a or b` false: both fail. Otherwise nothing certain.
        if isinstance(test.op, ast.And) == truth:
            out: set[str] = set()
            for value in test.values:
                out |= _guards(value, name, truth) or frozenset()
            return frozenset(out) or None
        return None
    tag: str | None = None
    if _is_name(test, name):
        tag = TRUTHY
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 and _is_name(test.left, name):
        right, op = test.comparators[0], test.ops[0]
        if isinstance(right, ast.Constant) and right.value is None:
            if isinstance(op, (ast.Is, ast.Eq)):
                tag = IS_NONE
            elif isinstance(op, (ast.IsNot, ast.NotEq)):
                tag = NOT_NONE
    elif (isinstance(test, ast.Call) and _is_name(test.func, "isinstance") and len(test.args) == 2
          and _is_name(test.args[0], name) and _is_name(test.args[1], "str")):
        tag = IS_STR
    elif _type_name_test(test, name):
        # `if "model2vec" in str(type(x)):` holds for no string (a type check written as text).
        return frozenset({NOT_STR}) if truth else None
    if tag is None:
        return None
    return frozenset({tag if truth else _OPPOSITE[tag]})


def _type_name_test(test: ast.expr, name: str) -> bool:
    """`"<text>" in str(type(name))` where the text is not part of str's own type name."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In)
            and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str)):
        return False
    outer = test.comparators[0]
    return (isinstance(outer, ast.Call) and _is_name(outer.func, "str") and len(outer.args) == 1
            and isinstance(inner := outer.args[0], ast.Call) and _is_name(inner.func, "type")
            and len(inner.args) == 1 and _is_name(inner.args[0], name)
            and test.left.value not in str(type("")))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _overridden(test: ast.expr) -> bool | None:
    """True when `test` holds only if the user gave a command-line argument or set an environment
    variable, False when it holds only if not, None when it says nothing of the kind."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _overridden(test.operand)
        return None if inner is None else not inner
    argv = ("sys.argv", "argv")
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if (isinstance(left, ast.Call) and _dotted(left.func) == "len" and len(left.args) == 1
                and _dotted(left.args[0]) in argv and isinstance(right, ast.Constant) and isinstance(right.value, int)):
            n = right.value
            more = {ast.Gt: n >= 1, ast.GtE: n >= 2, ast.NotEq: n == 1, ast.Lt: None, ast.LtE: None, ast.Eq: None}
            fewer = {ast.Lt: n <= 2, ast.LtE: n <= 1, ast.Eq: n == 1}
            if more.get(type(op)):
                return True
            if fewer.get(type(op)):
                return False
            return None
        if isinstance(op, (ast.In, ast.NotIn)) and _dotted(right) in ("os.environ", "environ"):
            return isinstance(op, ast.In)
    if isinstance(test, ast.Call) and _dotted(test.func) in ("os.getenv", "os.environ.get", "getenv") and len(test.args) == 1:
        return True
    if isinstance(test, ast.Subscript) and _dotted(test.value) in argv:  # `if sys.argv[1:]:`
        return True
    return None


def _narrow(state: _State, test: ast.expr, name: str, truth: bool) -> _State:
    if state is None:
        return None
    tags = _guards(test, name, truth)
    if not tags:
        return state
    # A definition whose guards contradict (None on one test, not None on this one) is on no path.
    return tuple(Def(d.binding, d.guards | tags, d.changes, d.conds, d.arms) for d in state
                 if not any(_OPPOSITE[t] in d.guards for t in tags))


def _mutates(stmt: ast.stmt, name: str) -> bool:
    """`name[k] = v`, `name.attr = v`, `del name[k]`, `name.update(...)` and the other mutators."""
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = stmt.targets if isinstance(stmt, (ast.Assign, ast.Delete)) else [stmt.target]
        return any(isinstance(t, (ast.Subscript, ast.Attribute)) and _is_name(t.value, name) for t in targets)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and func.attr in MUTATORS and _is_name(func.value, name)
    return False


class _Found(Exception):
    def __init__(self, state: _State) -> None:
        self.state = state


class _Walker:
    """Abstract interpretation of one scope's statements for one name."""

    def __init__(self, scope: Scope, name: str, line: int | None) -> None:
        self.name = name
        self.line = line
        self.bindings = scope.bindings.get(name, [])
        self.loop_exits: list[list[_State]] = []
        self.steps = 0
        self.partial: str | None = None
        self.override: frozenset[str] = frozenset()
        self.conds: tuple[tuple[ast.expr, bool], ...] = ()
        self.arms: tuple[tuple[int, int, bool], ...] = ()
        self.at: list[tuple[ast.expr, bool]] = []
        self.chain = False  # the next block is an `elif` arm of an `if` before the use

    # -- definitions a statement makes --------------------------------------------------------
    def _defs_at(self, first: int, last: int, kinds: tuple[str, ...] | None = None) -> list[Binding]:
        out = [b for b in self.bindings if first <= b.line <= last and b.kind != "param"
               and (kinds is None or b.kind in kinds)]
        return out

    def _define(self, state: _State, found: list[Binding]) -> _State:
        if state is None or not found:
            return state
        # The last binding of a statement wins; on a path only a user's override takes, it is one.
        return tuple(Def(b, self.override, (), self.conds[-MAX_CONDS:], self.arms) for b in found[-1:])

    def branch(self, stmts: list[ast.stmt], state: _State, test: ast.expr, truth: bool) -> _State:
        """One arm of an `if`: the guards its test proves, whether only an override takes it, and
        the test itself for the definitions made there."""
        state = _narrow(state, test, self.name, truth)
        saved = self.override, self.conds, self.arms
        if _overridden(test) is truth:
            self.override = frozenset({OVERRIDE})
        self.conds = self.conds + ((test, truth),)
        if not self.loop_exits:
            self.arms = self.arms + ((test.lineno, test.col_offset, truth),)
        try:
            return self.block(stmts, state)
        finally:
            self.override, self.conds, self.arms = saved

    def _limit(self, state: _State) -> _State:
        if state is not None and len(state) > MAX_STATES:
            self.partial = f"more than {MAX_STATES} definitions of {self.name!r} reach this point"
            return state[-MAX_STATES:]
        return state

    # -- statements ---------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], state: _State) -> _State:
        line = self.line
        # The use is further down these statements: an `if` before it one arm of which leaves
        # (`return` / `raise` / `break` / `continue`) puts the use under the other arm's test
        # (and, through an `elif` chain, under the tests of the arms that stay).
        chain, self.chain = self.chain, False
        holds_use = chain or (line is not None and bool(stmts)
                              and stmts[0].lineno <= line <= (stmts[-1].end_lineno or stmts[-1].lineno))
        for stmt in stmts:
            if state is None:
                return None
            self.steps += 1
            if self.steps > MAX_STATEMENTS:
                self.partial = f"scope too large to follow {self.name!r} (over {MAX_STATEMENTS} statements)"
                raise _Found(state)
            if line is not None and stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
                self.inside(stmt, state)
            if holds_use and isinstance(stmt, ast.If):
                yes = self.branch(stmt.body, state, stmt.test, True)
                outer, self.at = self.at, []
                self.chain = len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If)
                try:
                    no = self.branch(stmt.orelse, state, stmt.test, False)
                finally:
                    inner, self.at, self.chain = self.at, outer, False
                if yes is None and no is not None:
                    self.at += [(stmt.test, False), *inner]
                elif no is None and yes is not None:
                    self.at.append((stmt.test, True))
                state = self._limit(_join(yes, no))
                continue
            state = self._limit(self.stmt(stmt, state))
        return state

    def inside(self, stmt: ast.stmt, state: _State) -> None:
        """The point of use is in `stmt`: descend to it, or stop here for a simple statement."""
        line = self.line
        assert line is not None

        def within(nodes: list[ast.stmt]) -> bool:
            return bool(nodes) and nodes[0].lineno <= line <= (nodes[-1].end_lineno or nodes[-1].lineno)

        if isinstance(stmt, ast.If):
            if within(stmt.body):
                self.at.append((stmt.test, True))
                self.branch(stmt.body, state, stmt.test, True)
            elif within(stmt.orelse):
                self.at.append((stmt.test, False))
                self.branch(stmt.orelse, state, stmt.test, False)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            if within(stmt.body) or (isinstance(stmt, ast.While) and not within(stmt.orelse)):
                entry = self._loop_entry(stmt, state)
                if isinstance(stmt, ast.While):
                    entry = _narrow(entry, stmt.test, self.name, True)
                self.block(stmt.body, entry)
            elif within(stmt.orelse):
                self.block(stmt.orelse, self._loop(stmt, state))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            if within(stmt.body):
                self.block(stmt.body, self._define(state, self._defs_at(stmt.lineno, stmt.lineno, ("with",))))
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self._try(stmt, state)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                if within(case.body):
                    self.block(case.body, state)
        raise _Found(state)

    def stmt(self, stmt: ast.stmt, state: _State) -> _State:
        name = self.name
        if isinstance(stmt, (ast.Return, ast.Raise)):
            return None
        if isinstance(stmt, (ast.Break, ast.Continue)):
            if self.loop_exits:
                self.loop_exits[-1].append(state)
            return None
        if isinstance(stmt, ast.If):
            return _join(self.branch(stmt.body, state, stmt.test, True),
                         self.branch(stmt.orelse, state, stmt.test, False))
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            return self._loop(stmt, state)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            head = self._defs_at(stmt.lineno, stmt.lineno, ("with",))
            return self.block(stmt.body, self._define(state, head))
        if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            return self._try(stmt, state)
        if isinstance(stmt, ast.Match):
            outs = [self.block(case.body, self._define(state, self._defs_at(case.pattern.lineno, case.pattern.end_lineno or case.pattern.lineno)))
                    for case in stmt.cases]
            return _join(state, *outs)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return self._define(state, self._defs_at(stmt.lineno, stmt.lineno, ("function", "class")))
        found = self._defs_at(stmt.lineno, stmt.end_lineno or stmt.lineno)
        if found:
            return self._define(state, found)
        if state is not None and _mutates(stmt, name):
            return tuple(Def(d.binding, d.guards, d.changes + (stmt,), d.conds, d.arms) for d in state)
        return state

    def _loop_entry(self, stmt: ast.For | ast.AsyncFor | ast.While, state: _State) -> _State:
        """What reaches the top of a loop body: the state before it joined with one pass's end."""
        line, self.line = self.line, None
        self.loop_exits.append([])
        try:
            first = self._define(state, self._defs_at(stmt.lineno, stmt.lineno, ("for",)))
            once = self.block(stmt.body, first)
            exits = self.loop_exits[-1]
            second = self.block(stmt.body, _join(first, once, *exits))
        finally:
            self.loop_exits.pop()
            self.line = line
        entry = _join(state, once, second, *exits)
        return self._define(entry, self._defs_at(stmt.lineno, stmt.lineno, ("for",))) if isinstance(
            stmt, (ast.For, ast.AsyncFor)) else entry

    def _loop(self, stmt: ast.For | ast.AsyncFor | ast.While, state: _State) -> _State:
        """After a loop: not entered, or left after any number of passes (or by break)."""
        line, self.line = self.line, None
        self.loop_exits.append([])
        try:
            first = self._define(state, self._defs_at(stmt.lineno, stmt.lineno, ("for",)))
            once = self.block(stmt.body, first)
            again = self.block(stmt.body, _join(first, once, *self.loop_exits[-1]))
            exits = self.loop_exits[-1]
        finally:
            self.loop_exits.pop()
            self.line = line
        # The loop target keeps its last value after the loop: the for binding itself reaches.
        done = _join(state if not isinstance(stmt, (ast.For, ast.AsyncFor)) else _join(state, first), once, again)
        if isinstance(stmt, ast.While):
            done = _narrow(done, stmt.test, self.name, False)
        return _join(self.block(stmt.orelse, done) if stmt.orelse else done, *exits)

    def _try(self, stmt: ast.Try, state: _State) -> _State:
        # A handler may run after any statement of the body: it sees every intermediate state.
        seen: list[_State] = [state]
        current = state
        for sub in stmt.body:
            if current is None:
                break
            if self.line is not None and sub.lineno <= self.line <= (sub.end_lineno or sub.lineno):
                self.inside(sub, current)
            current = self._limit(self.stmt(sub, current))
            seen.append(current)
        at_handler = _join(*seen)
        outs = [self.block(stmt.orelse, current)]
        for handler in stmt.handlers:
            entry = self._define(at_handler, self._defs_at(handler.lineno, handler.lineno, ("other",)))
            outs.append(self.block(handler.body, entry))
        done = _join(*outs)
        if not stmt.finalbody:
            return done
        # The finally block runs on every path, including one an exception left anywhere.
        after = self.block(stmt.finalbody, _join(done, at_handler))
        return after if done is not None else None


def _nested_defs(body: list[ast.stmt]) -> list[tuple[int, int]]:
    """Line ranges of the functions and classes defined in these statements (not inside them)."""
    out: list[tuple[int, int]] = []
    stack = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((stmt.lineno, stmt.end_lineno or stmt.lineno))
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(stmt, name, ()) or ():
                if isinstance(child, (ast.excepthandler, ast.match_case)):
                    stack.extend(child.body)
                elif isinstance(child, ast.stmt):
                    stack.append(child)
    return out


def reaching(scope: Scope, name: str, line: int | None,
             nested_memo: dict[int, list[tuple[int, int]]] | None = None) -> Reaching | None:
    """Definitions of `name` in `scope` that reach `line` (None: the end of the scope).

    None when the scope has no statements to follow (lambdas, comprehensions): callers fall back
    to every binding.
    """
    node = scope.node
    body = getattr(node, "body", None)
    if not isinstance(body, list):
        return None
    walker = _Walker(scope, name, line)
    params = [b for b in walker.bindings if b.kind == "param"]
    start: _State = tuple(Def(b) for b in params[-1:])
    try:
        state = walker.block(body, start)  # the use is after every statement (or line is None)
    except _Found as found:
        state = found.state
    defs = state or ()
    # Bindings no statement of this scope makes (`global x` assignments in functions): they may
    # have run before any point, so they always count.
    nested = nested_memo.get(id(scope)) if nested_memo is not None else None
    if nested is None:
        nested = _nested_defs(body)
        if nested_memo is not None:
            nested_memo[id(scope)] = nested
    foreign = tuple(Def(b) for b in walker.bindings if any(first < b.line <= last for first, last in nested))
    return Reaching(tuple(dict.fromkeys(defs + foreign)), walker.partial, tuple(walker.at))
