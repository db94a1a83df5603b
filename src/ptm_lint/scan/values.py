"""Static evaluation of expressions: what string an id or revision argument will hold, and why.

A small abstract interpreter over the stdlib AST. A name's value at a use is the join of the
definitions reaching it (scan/flow.py: statements in order, branches joined, loops to a fixpoint,
guards narrowing, containers changed in place); calls are evaluated by the call models registered
in CALL_MODELS / METHOD_MODELS, or, for functions of the scanned repo, by evaluating what they return
with their parameters bound to the arguments (a Frame). `caller_variants` goes the other way: the
values a function's parameters get from every call of it in the repo. Every limit returns unknown
with its reason (docs/resolution.md lists them).
"""

from __future__ import annotations

import ast
import itertools
import posixpath
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..core import Value
from . import flow
from .launch import Invocation, parse_config_text
from .scopes import Binding, CallInfo, ModuleInfo, Scope

if TYPE_CHECKING:
    from .project import ModuleIndex

# When mechanisms chain, the most specific one names the resolution (docs/resolution.md).
PRECEDENCE = {
    "unknown": 0, "literal": 1, "constant": 2, "fstring": 3, "default": 4, "caller": 5, "env": 6,
    "dataclass": 7, "argparse": 8, "config": 9, "import": 10,
}
# Limits: each one, when hit, makes the value unknown and says so.
MAX_DEPTH = 40  # nested evaluation steps for one expression (an inlined call costs CALL_COST)
CALL_COST = 4
MAX_FRAMES = 4  # repo functions inlined inside one another
MAX_RETURNS = 8  # return statements of an inlined function
MAX_ALTERNATIVES = 64  # distinct values one expression may have (branches, callers, registry entries)
MAX_DICT_ITEMS = 5000  # entries of a dict/list display evaluated
MAX_IMPORT_HOPS = 2  # modules followed from the scanned file (`from .a import X`, a re-exporting X)
MAX_CALLER_LEVELS = 2  # the callers of a helper, and the callers of a helper calling it
MAX_QUALNAMES = 32  # dotted names one callee may stand for (attribute chains through several bindings)
MAX_RECEIVER_HOPS = 3  # assignments followed back to learn the class of a method call's receiver


_UNREACHED = "no value of "


def unreached(value: Value) -> bool:
    """Whether the value is of a name no value of which gets past the guards before the use: on
    this path (a caller's), the code there does not run."""
    return not value.known and (value.provenance or "").startswith(_UNREACHED)


def strongest(*hows: str) -> str:
    return max(hows, key=lambda h: PRECEDENCE.get(h, 0)) if hows else "literal"


# -- symbolic objects a Value may hold besides plain Python data ------------------------------
@dataclass(frozen=True, slots=True)
class ModuleRef:
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class ClassRef:
    evaluator: Evaluator
    scope: Scope

    @property
    def is_dataclass(self) -> bool:
        node = self.scope.node
        assert isinstance(node, ast.ClassDef)
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in ("dataclass", "define", "frozen", "attrs"):
                return True
        for base in node.bases:  # pydantic models: fields with defaults, set by keyword
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name in ("BaseModel", "BaseSettings"):
                return True
        return False


@dataclass(frozen=True, slots=True, eq=False)
class FunctionRef:
    """A function defined in the scanned repo: calling it evaluates what it returns."""

    evaluator: Evaluator
    scope: Scope


@dataclass(frozen=True, slots=True, eq=False)
class PartialRef:
    """functools.partial(func, *args, **kwargs): the arguments bound so far, as expressions."""

    func: ast.expr
    call: ast.Call
    scope: Scope


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """An object built from a class of the scanned repo (a dataclass, usually)."""

    cls: ClassRef
    overrides: dict[str, Value]


@dataclass(frozen=True, slots=True, eq=False)
class ArgNamespace:
    """The result of ArgumentParser.parse_args() in some module (`overrides`: `args.x = ...` after)."""

    evaluator: Evaluator
    overrides: dict[str, Value] = field(default_factory=dict)

    def option(self, name: str, depth: int) -> Value:
        return self.overrides[name] if name in self.overrides else self.evaluator.argparse_default(name, depth)


@dataclass(frozen=True, slots=True)
class FileHandle:
    """A file of the disk opened or read (`open(path)`, `f.read()`, `Path(p).read_bytes()`): its
    contents are the bytes at `path`. `how` / `provenance` are the path's own."""

    path: str
    origin: str
    how: str = "literal"
    provenance: str | None = None


@dataclass(frozen=True, slots=True)
class Buffer:
    """An in-memory file (`io.BytesIO()` / `io.StringIO()`) and the file whose contents were
    put in it, when known (None: nothing from a file, so far)."""

    source: FileHandle | None
    origin: str


def opened_file(value: Value) -> Value:
    """For a loader reading a file or file object (`torch.load(f)`): a file handle, or a buffer
    filled from a file, stands for that file's path; any other value is returned as it is."""
    if value.alternatives:
        return replace(value, alternatives=tuple(opened_file(a) for a in value.alternatives))
    obj = value.value if value.known else None
    if isinstance(obj, Buffer):
        if obj.source is None:
            return Value.unknown(f"an in-memory buffer ({obj.origin}) holding no file's contents")
        obj = obj.source
    if isinstance(obj, FileHandle):
        prov = obj.provenance or f"file opened at {obj.origin}"
        return Value(True, LocalPath(obj.path), strongest(obj.how, value.how if value.how != "config" else "literal"),
                     prov, origin=value.origin)
    return value


@dataclass(frozen=True, slots=True, eq=False)
class Settings:
    """An instance of another package's settings class (`TrainingArguments(output_dir="x")`,
    trl's `SFTConfig(...)`, TFLite Model Maker's `ModelSpec(uri=...)`): its attributes are the
    keywords it was built with; `args` are its positional arguments (which parameter each one is,
    only a loader's catalog entry says: `field = {pos = 0, kw = ["uri"]}`)."""

    qual: str
    fields: dict[str, Value]
    args: tuple[Value, ...] = ()


# Settings classes of other packages: dataclasses whose attributes are their constructor's keywords.
_SETTINGS_CLASS = r"[A-Z]\w*(?:Arguments|Args|Config|Spec)"


@dataclass(frozen=True, slots=True)
class OpenKwargs:
    """A function's `**kwargs` where no call of it is known: any keywords may come in, so only a
    `kwargs.get("k", default)` has a value, its default (as a parameter's default would)."""

    function: str
    line: int


@dataclass(frozen=True, slots=True)
class ConfigData:
    """Data read from a YAML/JSON file of the repo; `where` is the dotted key path so far."""

    data: Any
    file: str
    where: str


class LocalPath(str):
    """A string built as a filesystem path (os.path.join, pathlib.Path): never a hub id."""

    __slots__ = ()


@dataclass(slots=True)
class Frame:
    """One evaluation of a repo function: its parameters bound to the values a call passes."""

    fn: Scope
    params: dict[int, Value]  # id(param Binding) -> value
    memo: dict[int, tuple[Value, frozenset[int]]] = field(default_factory=dict)
    # id(if-test) -> its known outcome, and the parameters it read (a later use must read them too)
    tests: dict[int, tuple[bool | None, frozenset[int]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallerCase:
    """One call of a helper: the values of its parameters there, and where the call is."""

    params: dict[int, Value]
    path: str
    line: int  # within the cell, for a notebook
    cell: int | None = None


def method_self(scope: Scope) -> tuple[str, str] | None:
    """(name of the first parameter, "class" | "instance") for a method's scope, else None."""
    func = scope.function
    if func is None or func.parent is None or func.parent.kind != "class":
        return None
    node = func.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = [*node.args.posonlyargs, *node.args.args]
    decorators = {getattr(d, "id", getattr(d, "attr", None)) for d in node.decorator_list}
    if not params or "staticmethod" in decorators:
        return None
    kind = "class" if "classmethod" in decorators or node.name in ("__new__", "__init_subclass__", "__class_getitem__") else "instance"
    return params[0].arg, kind


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, bytes))


def _same(a: Value, b: Value) -> bool:
    return a.known and b.known and _plain(a.value) and _plain(b.value) and a.value == b.value and type(a.value) is type(b.value)


def compatible(values: tuple[Value, ...] | list[Value]) -> bool:
    """Whether these alternatives can hold together: not two items of one loop (`for name, rev in
    PAIRS`: a name goes with its own rev, never with another pair's), nor two opposite arms of one
    `if` outside loops (`if small: name, rev = A, SHA` / `else: name, rev = B, "main"`)."""
    seen: dict[tuple[str, int, int], int] = {}
    tests: dict[tuple[str, int, int], bool] = {}
    for v in values:
        if v.choice is not None:
            loop, item = v.choice[:3], v.choice[3]
            if seen.setdefault(loop, item) != item:
                return False
        for path, line, col, truth in v.arms:
            if tests.setdefault((path, line, col), truth) != truth:
                return False
    return True


def with_arms(value: Value, arms: frozenset[tuple[str, int, int, bool]]) -> Value:
    """The value (and each of its alternatives) as set inside these `if` arms."""
    if not arms or arms <= value.arms:
        return value
    if value.alternatives:
        return replace(value, arms=value.arms | arms, alternatives=tuple(with_arms(a, arms) for a in value.alternatives))
    return replace(value, arms=value.arms | arms)


def join(values: list[Value], why: str) -> Value:
    """The one value several paths give, or unknown carrying each distinct alternative."""
    flat: list[Value] = []
    for value in values:
        for alt in value.alternatives or (value,):
            i = next((i for i, seen in enumerate(flat) if _same(alt, seen)), None)
            if i is None:
                flat.append(alt)
            else:
                if flat[i].choice != alt.choice:
                    flat[i] = replace(flat[i], choice=None)  # the same value in several items: goes with any
                if flat[i].arms != alt.arms:
                    flat[i] = replace(flat[i], arms=flat[i].arms & alt.arms)  # set in both arms: holds in either
    # A path that raises (a lookup of a missing key) or that the guards exclude gives no value.
    flat = [v for v in flat if not unreached(v)] or flat[:1]
    if not flat:
        return Value.unknown(why)
    if len(flat) == 1:
        return flat[0]
    if len(flat) > MAX_ALTERNATIVES:
        return Value.unknown(f"{why} (more than {MAX_ALTERNATIVES} possible values)")
    return Value(False, None, "unknown", why, alternatives=tuple(flat))


_NEGATED = {ast.NotEq: ast.Eq, ast.NotIn: ast.In, ast.IsNot: ast.Is}


def _condition_key(test: ast.expr, truth: bool) -> tuple[str, bool]:
    """A test and its outcome in one normal form: `not t` and `a != b` are `t` / `a == b` failing."""
    # The normal form of a test node is kept on the node (ast.dump is the costly part, and the
    # same tests are asked about for every use below them).
    cached = getattr(test, "_ptm_condition", None)
    if cached is None:
        node, flip = test, False
        while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node, flip = node.operand, not flip
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _NEGATED:
            node = ast.Compare(node.left, [_NEGATED[type(node.ops[0])]()], node.comparators)
            flip = not flip
        cached = (ast.dump(node), flip)
        test._ptm_condition = cached  # type: ignore[attr-defined]
    return cached[0], truth != cached[1]


def _one_of(test: ast.expr, truth: bool) -> tuple[str, frozenset[Any], bool] | None:
    """`x == "a"` / `x in ("a", "b")` (or their negations) on a name or attribute chain: (the
    expression, the literals, whether x is one of them when the test comes out `truth`)."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, truth = test.operand, not truth
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    node = left
    while isinstance(node, ast.Attribute):
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant):
        values = frozenset([right.value])
    elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)) \
            and right.elts and all(isinstance(e, ast.Constant) for e in right.elts):
        values = frozenset(e.value for e in right.elts)  # type: ignore[attr-defined]
    else:
        return None
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return None
    positive = isinstance(op, (ast.Eq, ast.In)) == truth
    return ast.dump(left), values, positive


def _excluded(cond: tuple[ast.expr, bool], at: list[tuple[str, frozenset[Any], bool]]) -> bool:
    """Whether a definition made under `cond` cannot be where the use is: the use sits where the same
    expression equals other literals (`load_from == "file"` against `load_from == "ms_hub"`)."""
    mine = _one_of(*cond)
    if mine is None:
        return False
    expr, values, positive = mine
    for other, known, is_one in at:
        if other != expr or not is_one:
            continue
        if positive and not (values & known):
            return True  # it is one of `values` there, one of `known` here
        if not positive and known <= values:
            return True  # it is none of `values` there, one of them here
    return False


def _guarded(value: Value, guards: frozenset[str]) -> Value | None:
    """The value on a path that passed `guards`; None when no value it may have passes them."""
    if not guards:
        return value
    if value.alternatives:
        kept = [v for v in (_guarded(a, guards) for a in value.alternatives) if v is not None]
        return join(kept, value.provenance or "values differ") if kept else None
    if not value.known:
        return value
    obj = value.value
    for tag in guards - {flow.OVERRIDE}:
        ok = {
            flow.NOT_NONE: obj is not None, flow.IS_NONE: obj is None,
            flow.TRUTHY: bool(obj) if _plain(obj) else True, flow.FALSY: not obj if _plain(obj) else False,
            flow.IS_STR: isinstance(obj, str), flow.NOT_STR: not isinstance(obj, str),
        }[tag]
        if not ok:
            return None
    return value


# -- call models: how calls to well-known functions evaluate -----------------------------------
# A model takes (evaluator, call node, scope, depth, qualified name) and returns the call's Value,
# or None to let the next mechanism try. CALL_MODELS is keyed by qualified callee name,
# METHOD_MODELS by method name (the receiver decides whether it applies).
CallModel = Callable[["Evaluator", ast.Call, Scope, int, str], "Value | None"]
CALL_MODELS: dict[str, CallModel] = {}
METHOD_MODELS: dict[str, CallModel] = {}


def _model(*names: str, methods: tuple[str, ...] = ()) -> Callable[[CallModel], CallModel]:
    def register(fn: CallModel) -> CallModel:
        for name in names:
            CALL_MODELS[name] = fn
        for name in methods:
            METHOD_MODELS[name] = fn
        return fn
    return register


class Evaluator:
    """Evaluates expressions of one module (and, through the ModuleIndex, of the repo's others)."""

    def __init__(self, info: ModuleInfo, path: str, module: str, index: ModuleIndex | None, hops: int = 0) -> None:
        self.info = info
        self.path = path
        self.module = module
        self.index = index
        self.hops = hops
        self._argparse: dict[str, list[tuple[ast.Call, ast.expr | None]]] | None = None
        # A binding's value does not depend on where it is used (only on the frame): memoise it
        # with the parameters it read, and treat a binding met again while it is being evaluated
        # (x = x + 1, import cycles) as unknown.
        self._values: dict[int, tuple[Value, frozenset[int]]] = {}
        self._names: dict[int, list[str]] = {}
        self._expr_names: dict[tuple[int, int, int], tuple[tuple[Any, ...], int, list[str]]] = {}
        self._cycles_cut = 0  # name lookups cut short by a binding cycle (their answers are partial)
        self._active: set[tuple[int, int]] = set()
        self._owners: dict[int, tuple[str, str] | None] = {}
        self._flow: dict[tuple[int, str, int | None], flow.Reaching | None] = {}
        self._frames: list[Frame] = []
        self._touched: set[int] = set()  # parameters read (through no frame) by the evaluation under way
        self._callers: dict[int, list[tuple[Evaluator, CallInfo]] | None] = {}
        # Calls of a method on an instance (id -> the node, kept so a reused id cannot match).
        self._bound_calls: dict[int, ast.Call] = {}
        self._nested: dict[int, list[tuple[int, int]]] = {}
        self._mutated: dict[tuple[int, str], bool] = {}
        self._tests: dict[int, tuple[bool | None, frozenset[int]]] = {}
        self._download_dirs: frozenset[str] | None = None
        # Maps a line of the parsed text to (cell, line in cell) for notebooks.
        self.locate: Callable[[int], tuple[int | None, int]] | None = None
        # The script's path as command lines name it (for a %%writefile cell, the file it writes).
        self.script = path

    def download_dirs(self) -> frozenset[str]:
        """The folders downloads of this file write to (`snapshot_download(..., local_dir="x")`): a
        name under one of them (`"x/LLM"`) is that folder, not a Hub id."""
        if self._download_dirs is None:
            found = set()
            for c in self.info.calls:
                for kw in c.node.keywords:
                    if kw.arg == "local_dir":
                        val = self.value(kw.value, c.scope, MAX_DEPTH // 2)
                        if val.known and isinstance(val.value, str) and val.value.strip("./"):
                            found.add(posixpath.normpath(val.value))
            self._download_dirs = frozenset(found)
        return self._download_dirs

    def in_download_dir(self, value: Value) -> Value:
        """`value` as a LocalPath when it names a folder a download of this file writes."""
        text = value.value if value.known else None
        if not isinstance(text, str) or isinstance(text, LocalPath) or "://" in text or not self.info.calls:
            return value
        norm = posixpath.normpath(text)
        if any(norm == d or norm.startswith(d + "/") for d in self.download_dirs()):
            return replace(value, value=LocalPath(text))
        return value

    def place(self, line: int) -> tuple[int | None, int]:
        return self.locate(line) if self.locate is not None else (None, line)

    def release(self) -> None:
        """Drop the memos (they hold values that point back at this evaluator: a cycle)."""
        self._values.clear()
        self._names.clear()
        self._expr_names.clear()
        self._active.clear()
        self._owners.clear()
        self._flow.clear()
        self._frames.clear()
        self._callers.clear()
        self._bound_calls.clear()
        self._nested.clear()
        self._mutated.clear()
        self._tests.clear()
        self._argparse = None

    # -- helpers -------------------------------------------------------------------------------
    def _owner(self, scope: Scope) -> tuple[str, str] | None:
        """method_self(scope), memoised: it is asked for every name and attribute resolved."""
        key = id(scope)
        if key not in self._owners:
            self._owners[key] = method_self(scope)
        return self._owners[key]

    def mutated(self, name: str, scope: Scope) -> bool:
        """Whether a dict bound to `name` may be changed where the flow analysis does not look:
        in another function (a nested one, or through `global`). Changes in its own scope are
        applied in order by the flow analysis."""
        found = self.lookup(name, scope, 10**9)
        holder = found[1] if found else scope
        key = (id(holder), name)
        if key not in self._mutated:
            self._mutated[key] = any(
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not holder.node
                and any(isinstance(s, ast.stmt) and flow._mutates(s, name) for s in ast.walk(node))
                for node in ast.walk(holder.node))
        return self._mutated[key]

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"

    def unknown(self, why: str) -> Value:
        return Value(known=False, how="unknown", provenance=why)

    def because(self, what: str, line: int, cause: Value | None) -> Value:
        """Unknown: `what` at `line`, with the reason the inner value was unknown, if it had one."""
        reason = f" ({cause.provenance})" if cause is not None and cause.provenance else ""
        return self.unknown(f"{what} at {self.where(line)}{reason}")

    # -- name lookup ---------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope, line: int) -> tuple[list[Binding], Scope] | None:
        """Bindings of `name` visible from `scope` at `line`, and the scope holding them."""
        found = self._lookup(name, scope)
        return (found[0], found[1]) if found else None

    def _lookup(self, name: str, scope: Scope) -> tuple[list[Binding], Scope, bool] | None:
        """(bindings, holder, whether the holder runs the use in order: the use's own scope, or
        the scope around the comprehensions it is in)."""
        current: Scope | None = scope
        in_order = True
        while current is not None:
            if current.kind == "class" and current is not scope:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings:
                return bindings, current, in_order
            if current.kind != "comprehension":
                in_order = False
            current = current.parent
        return None

    def reaching(self, holder: Scope, name: str, line: int | None) -> flow.Reaching | None:
        bindings = holder.bindings.get(name, ())
        if len(bindings) == 1 and holder.kind == "module" and name not in self.info.changed:
            # One definition, never changed in place: it reaches every later point (the common
            # case of module constants, imports and functions; no statements need walking).
            only = bindings[0]
            if line is None or only.line <= line:
                return flow.Reaching((flow.Def(only),))
        key = (id(holder), name, line)
        if key not in self._flow:
            self._flow[key] = flow.reaching(holder, name, line, self._nested)
        return self._flow[key]

    @staticmethod
    def pick(bindings: list[Binding]) -> list[Binding]:
        """Without statements to follow (class attributes, comprehensions): the last of straight-line
        reassignments wins; bindings in different blocks all count."""
        if len({b.block for b in bindings}) == 1:
            return [max(bindings, key=lambda b: b.line)]
        return bindings

    # -- frames (a repo function evaluated for one call) -------------------------------------
    @contextmanager
    def frame(self, frame: Frame) -> Iterator[None]:
        self._frames.append(frame)
        try:
            yield
        finally:
            self._frames.pop()

    def _memo(self) -> dict[int, tuple[Value, frozenset[int]]]:
        return self._frames[-1].memo if self._frames else self._values

    def _frame_value(self, binding: Binding) -> Value | None:
        for frame in reversed(self._frames):
            if id(binding) in frame.params:
                return frame.params[id(binding)]
        return None

    # -- values --------------------------------------------------------------------------------
    def value(self, node: ast.expr | None, scope: Scope, depth: int = 0) -> Value:
        if node is None:
            return Value.missing()
        if depth > MAX_DEPTH:
            return self.unknown(f"expression too deep to resolve at {self.where(getattr(node, 'lineno', 0))}")
        try:
            return self._value(node, scope, depth + 1)
        except RecursionError:
            return self.unknown("expression too deep to resolve")

    def _value(self, node: ast.expr, scope: Scope, depth: int) -> Value:
        if isinstance(node, ast.Constant):
            return Value(True, node.value, "literal")
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, scope, depth)
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, node.lineno, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, depth)
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, depth)
        if isinstance(node, ast.BoolOp):
            return self._boolop(node, scope, depth)
        if isinstance(node, ast.IfExp):
            a = self.value(node.body, scope, depth)
            b = self.value(node.orelse, scope, depth)
            a = replace(a, origin=a.origin or (self.path, node.body.lineno))
            b = replace(b, origin=b.origin or (self.path, node.orelse.lineno))
            return join([a, b], f"conditional expression at {self.where(node.lineno)}")
        if isinstance(node, (ast.Tuple, ast.List)):
            if len(node.elts) > MAX_DICT_ITEMS:
                return self.unknown(f"sequence of {len(node.elts)} items (over {MAX_DICT_ITEMS}) at {self.where(node.lineno)}")
            items = tuple(self.value(e, scope, depth) for e in node.elts if not isinstance(e, ast.Starred))
            if len(items) != len(node.elts):
                return self.unknown(f"starred sequence at {self.where(node.lineno)}")
            return Value(True, items, "literal")
        if isinstance(node, ast.Dict):
            return self._dict(node, scope, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.value(node.operand, scope, depth)
            if inner.known and _plain(inner.value):
                return Value(True, not inner.value, inner.how, inner.provenance)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
            return Value(True, -node.operand.value, "literal")  # xs[-1]
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value, scope, depth)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._compare(node, scope, depth)
        return self.unknown(f"{type(node).__name__.lower()} expression at {self.where(node.lineno)}")

    def _dict(self, node: ast.Dict, scope: Scope, depth: int) -> Value:
        if len(node.keys) > MAX_DICT_ITEMS:
            return self.unknown(f"dict of {len(node.keys)} entries (over {MAX_DICT_ITEMS}) at {self.where(node.lineno)}")
        out: dict[Any, Value] = {}
        for key, val in zip(node.keys, node.values):
            if key is None:
                sub = self.value(val, scope, depth)
                if not (sub.known and isinstance(sub.value, dict)):
                    return self.unknown(f"dict with ** of unknown mapping at {self.where(node.lineno)}")
                out.update(sub.value)
                continue
            k = self.value(key, scope, depth)
            if not (k.known and isinstance(k.value, (str, int))):
                return self.unknown(f"dict with a non-literal key at {self.where(node.lineno)}")
            out[k.value] = self.value(val, scope, depth)
        return Value(True, out, "literal")

    def lift(self, parts: list[Value], fn: Callable[[list[Value]], Value], why: str) -> Value:
        """Apply `fn` to parts that may each have several alternatives: to every combination."""
        if not any(p.alternatives for p in parts):
            return with_arms(fn(parts), frozenset().union(*(p.arms for p in parts)))
        combos = itertools.islice(filter(compatible, itertools.product(*(p.alternatives or (p,) for p in parts))),
                                  MAX_ALTERNATIVES + 1)
        out = []
        for combo in combos:
            result = fn(list(combo))
            origin = next((c.origin for c in combo if c.origin), None)
            choice = next((c.choice for c in combo if c.choice), None)
            result = replace(result, origin=result.origin or origin, choice=result.choice or choice)
            out.append(with_arms(result, frozenset().union(*(c.arms for c in combo))))
        return join(out, why)

    def _fstring(self, node: ast.JoinedStr, scope: Scope, depth: int) -> Value:
        pieces: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                pieces.append(part.value)
        inner = [self.value(p, scope, depth) for p in pieces]
        return self.lift(inner, lambda vals: self._fstring_with(node, vals, scope, depth),
                         f"f-string with parts that differ at {self.where(node.lineno)}")

    def _fstring_with(self, node: ast.JoinedStr, values: list[Value], scope: Scope, depth: int) -> Value:
        parts: list[str] = []
        hows: list[str] = []
        provs: list[str] = []
        it = iter(values)
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            assert isinstance(part, ast.FormattedValue)
            inner = next(it)
            if not inner.known or not _plain(inner.value):
                return self.because("f-string with an unresolvable part", node.lineno, inner)
            if inner.value is None and part.conversion in (-1, 115):
                # f"BeIR/{dataset}" where `dataset` is None here: "BeIR/None" is no id anything
                # loads; the test keeping None out of this path is one not followed.
                return self.because("f-string of a value that is None here", node.lineno, inner)
            spec = ""
            if part.format_spec is not None:
                spec_value = self._fstring(part.format_spec, scope, depth)  # type: ignore[arg-type]
                if not spec_value.known:
                    return spec_value
                spec = spec_value.value
            conv = {115: str, 114: repr, 97: ascii}.get(part.conversion, None)
            raw = conv(inner.value) if conv else inner.value
            try:
                parts.append(format(raw, spec))
            except (ValueError, TypeError):
                return self.unknown(f"f-string format error at {self.where(node.lineno)}")
            hows.append(inner.how)
            if inner.provenance:
                provs.append(inner.provenance)
        how = strongest("fstring", *hows)
        prov = "; ".join(provs) if provs else f"f-string at {self.where(node.lineno)}"
        return Value(True, "".join(parts), how, prov)

    def _binop(self, node: ast.BinOp, scope: Scope, depth: int) -> Value:
        left = self.value(node.left, scope, depth)
        right = self.value(node.right, scope, depth)
        return self.lift([left, right], lambda lr: self._binop_with(node, lr[0], lr[1]),
                         f"expression with operands that differ at {self.where(node.lineno)}")

    def _binop_with(self, node: ast.BinOp, left: Value, right: Value) -> Value:
        if not (left.known and right.known):
            return self.because("operand not resolvable", node.lineno, left if not left.known else right)
        how = strongest("fstring", left.how, right.how)
        prov = "; ".join(p for p in (left.provenance, right.provenance) if p) or f"expression at {self.where(node.lineno)}"
        lv, rv = left.value, right.value
        try:
            if isinstance(node.op, ast.Add) and isinstance(lv, str) and isinstance(rv, str):
                return Value(True, lv + rv, how, prov)
            if isinstance(node.op, ast.Mod) and isinstance(lv, str):
                args = tuple(v.value for v in rv) if isinstance(rv, tuple) else rv
                if isinstance(rv, tuple) and not all(v.known and _plain(v.value) for v in rv):
                    return self.unknown(f"%-format with unresolvable arguments at {self.where(node.lineno)}")
                if isinstance(rv, dict):
                    return self.unknown(f"%-format with a mapping at {self.where(node.lineno)}")
                return Value(True, lv % args, how, prov)
            if isinstance(node.op, ast.Add) and (isinstance(lv, FileHandle) and isinstance(rv, (bytes, str))
                                                 or isinstance(rv, FileHandle) and isinstance(lv, (bytes, str))):
                # b"PK" + f.read(): a file's bytes behind (or before) a literal header are still its bytes.
                return Value(True, lv if isinstance(lv, FileHandle) else rv, left.how if isinstance(lv, FileHandle)
                             else right.how, left.provenance if isinstance(lv, FileHandle) else right.provenance)
            if isinstance(node.op, ast.Div) and isinstance(lv, LocalPath) and isinstance(rv, str):
                # pathlib.Path(...) / "part": the result is a path.
                return Value(True, LocalPath(posixpath.join(lv, rv)), how, prov)
            if isinstance(node.op, ast.BitOr) and isinstance(lv, dict) and isinstance(rv, dict):
                return Value(True, {**lv, **rv}, how, prov)
            if isinstance(lv, (int, float)) and isinstance(rv, (int, float)) and not isinstance(lv, bool):
                ops: dict[type, Callable[[Any, Any], Any]] = {
                    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
                }
                op = ops.get(type(node.op))
                if op:
                    return Value(True, op(lv, rv), how, prov)
        except (TypeError, ValueError, KeyError):
            pass
        return self.unknown(f"expression at {self.where(node.lineno)}")

    def _compare(self, node: ast.Compare, scope: Scope, depth: int) -> Value:
        """`a == b`, `a != b`, `a in b`, `a is None` of known values (if-tests that decide paths)."""
        left = self.value(node.left, scope, depth)
        right = self.value(node.comparators[0], scope, depth)
        op = node.ops[0]
        why = f"comparison at {self.where(node.lineno)}"
        if not (left.known and right.known and _plain(left.value)):
            return self.unknown(why)
        a, b = left.value, right.value
        if isinstance(b, tuple):
            if not all(v.known and _plain(v.value) for v in b):
                return self.unknown(why)
            b = tuple(v.value for v in b)
        elif isinstance(b, dict):
            b = tuple(b)
        elif not _plain(b):
            return self.unknown(why)
        try:
            result = {ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.In: lambda: a in b,
                      ast.NotIn: lambda: a not in b, ast.Is: lambda: a is None and b is None,
                      ast.IsNot: lambda: not (a is None and b is None)}.get(type(op))
            if result is None or (isinstance(op, (ast.Is, ast.IsNot)) and a is not None and b is not None):
                return self.unknown(why)
            return Value(True, bool(result()), "literal", None)
        except TypeError:
            return self.unknown(why)

    def _boolop(self, node: ast.BoolOp, scope: Scope, depth: int) -> Value:
        # `os.getenv("X") or "default"`: the first operand is unknown at analysis time, the
        # fallback is what runs when the variable is unset (the same as a getenv default).
        if isinstance(node.op, ast.Or) and len(node.values) == 2:
            first = self.value(node.values[0], scope, depth)
            second = self.value(node.values[1], scope, depth)
            if first.known and _plain(first.value):
                return first if first.value else second
            if first.alternatives and all(a.known and _plain(a.value) for a in first.alternatives):
                # `name or "default"` where name may be None (a default) or a caller's string.
                return join([a if a.value else second for a in first.alternatives], first.provenance or "")
            if not first.known and first.how == "unknown" and (first.provenance or "").startswith("environment variable") and second.known:
                return Value(True, second.value, strongest("env", second.how), f"{first.provenance}, else {second.value!r}")
        return self.unknown(f"boolean expression at {self.where(node.lineno)}")

    # -- bindings ------------------------------------------------------------------------------
    def _binding(self, name: str, binding: Binding, holder: Scope, depth: int) -> Value:
        if binding.kind == "param":
            bound = self._frame_value(binding)
            if bound is not None:
                return bound
            self._touched.add(id(binding))
        memo = self._memo()
        key = id(binding)
        cached = memo.get(key)
        if cached is not None:
            self._touched |= cached[1]
            return cached[0]
        active = (id(self._frames[-1]) if self._frames else 0, key)
        if active in self._active:
            return self.unknown(f"{name!r} is defined in terms of itself ({self.where(binding.line)})")
        self._active.add(active)
        outer, self._touched = self._touched, set()
        try:
            value = self._binding_value(name, binding, holder, depth)
        finally:
            self._active.discard(active)
            touched, self._touched = self._touched, outer | self._touched
        memo[key] = (value, frozenset(touched))
        return value

    def _binding_value(self, name: str, binding: Binding, holder: Scope, depth: int) -> Value:
        kind = binding.kind
        env = binding.env or holder
        if kind == "assign":
            val = self.value(binding.node, env, depth)  # type: ignore[arg-type]
            for idx in binding.path:
                if val.known and isinstance(val.value, tuple) and idx < len(val.value):
                    val = val.value[idx]
                else:
                    return self.unknown(f"tuple unpacking of {name} at {self.where(binding.line)}")
            if not val.known:
                return val
            if val.how == "literal":
                return Value(True, val.value, "constant", f"{name} = ... ({self.where(binding.line)})")
            return val
        if kind == "param":
            func = env.function
            fname = func.name if func else "?"
            if binding.annotation is not None and binding.node is None:
                cls = self.class_of(binding.annotation, env.parent or env)
                if cls is not None:
                    return Value(True, Instance(cls, {}), "dataclass", f"{name}: {cls.scope.name} ({self.where(binding.line)})")
            if binding.star == "**":
                return Value(True, OpenKwargs(fname, binding.line), "default", f"**{name} of {fname}()")
            if binding.node is None:
                return self.unknown(f"parameter {name!r} of {fname}() has no default; callers decide ({self.where(binding.line)})")
            val = self.value(binding.node, env.parent or env, depth)
            if not val.known:
                return val
            how = strongest("default", val.how) if val.how not in ("literal", "constant") else "default"
            return Value(True, val.value, how, f"default of parameter {name!r} of {fname}() ({self.where(binding.line)})")
        if kind == "import":
            return self.imported(binding.target or name, depth)
        if kind == "class":
            assert binding.scope is not None
            return Value(True, ClassRef(self, binding.scope), "constant")
        if kind == "function":
            assert binding.scope is not None
            return Value(True, FunctionRef(self, binding.scope), "constant")
        if kind == "with":
            return self.value(binding.node, env, depth)  # type: ignore[arg-type]
        if kind == "for":
            return self._loop_variable(name, binding, env, depth)
        return self.unknown(f"{name!r} is rebound at {self.where(binding.line)}")

    def _loop_variable(self, name: str, binding: Binding, env: Scope, depth: int) -> Value:
        """`for x in SEQ` (or a comprehension's): one possible value per item of a known list, tuple
        or dict (its keys; `.items()` / `.keys()` / `.values()` / `enumerate` / `zip` give theirs).
        An unpacked target (`for name, url in URLS.items()`) takes its part of each item; each value
        remembers its item (`choice`), so a name is never paired with another item's revision."""
        why = f"loop variable {name!r} ({self.where(binding.line)})"
        node = binding.node
        seq = self.value(node, env, depth) if isinstance(node, ast.expr) else Value.unknown(why)
        if not seq.known or not isinstance(seq.value, (tuple, dict)) or not seq.value:
            return self.unknown(why)
        items = list(seq.value) if isinstance(seq.value, tuple) else [Value(True, k, "literal") for k in seq.value]
        if len(items) > MAX_ALTERNATIVES:
            return self.unknown(f"{why} over more than {MAX_ALTERNATIVES} items")
        assert isinstance(node, ast.expr)
        loop = (self.path, node.lineno, node.col_offset)
        values = []
        for i, item in enumerate(items):
            for part in binding.path:
                if not (item.known and isinstance(item.value, tuple) and part < len(item.value)):
                    return self.because(f"loop variable {name!r} unpacked from an item not known statically",
                                        binding.line, item if not item.known else None)
                item = item.value[part]
            if item.known and item.how == "literal":
                item = Value(True, item.value, "constant", f"{name} in ... ({self.where(binding.line)})")
            values.append(replace(item, origin=item.origin or (self.path, binding.line),
                                  choice=(*loop, i) if len(items) > 1 else None))
        return join(values, f"loop variable {name!r} takes several values ({self.where(binding.line)})")

    def _name(self, name: str, scope: Scope, line: int, depth: int) -> Value:
        found = self._lookup(name, scope)
        if found is None:
            if name == "__file__":  # this file's path: config files are often found next to it
                return Value(True, LocalPath(self.path), "literal", None)
            if name in ("True", "False", "None"):
                return Value(True, {"True": True, "False": False, "None": None}[name], "literal")
            return self.unknown(f"{name!r} is not defined in this file")
        bindings, holder, in_order = found
        reach = self.reaching(holder, name, line if in_order else None)
        if reach is None:
            defs = [flow.Def(b) for b in self.pick(bindings)]
        else:
            defs = list(reach.defs)
            if reach.partial:
                return self.unknown(f"{reach.partial} ({self.where(line)})")
        if any(flow.OVERRIDE not in d.guards for d in defs):
            # A definition made only when the user passes a command-line argument or sets an
            # environment variable is an override of the others: the defaults are reported (as for
            # argparse and os.getenv defaults).
            defs = [d for d in defs if flow.OVERRIDE not in d.guards]
        if not defs:
            if holder.kind == "function" and any(b.kind == "param" for b in bindings):
                return self.unknown(f"{_UNREACHED}{name!r} passes the checks before {self.where(line)}; callers decide")
            return self.unknown(f"{name!r} is not set before {self.where(line)}")
        if reach is not None and any(d.conds for d in defs):
            # A definition made under `if T:` does not reach a use where T is known to fail: its
            # test evaluates to the other outcome, or the use sits in the other arm of the same test.
            at = dict(_condition_key(t, truth) for t, truth in reach.at) if reach.at else {}
            among = [c for c in (_one_of(t, truth) for t, truth in reach.at) if c is not None]
            kept = [d for d in defs if not any(self._fails(t, truth, holder, at, depth) or _excluded((t, truth), among)
                                                for t, truth in d.conds)]
            defs = kept or defs[:0]
            if not defs:
                return self.unknown(f"{_UNREACHED}{name!r} is set on a path that reaches {self.where(line)}")
        values: list[Value] = []
        for d in defs:
            val = self._binding(name, d.binding, holder, depth)
            for change in d.changes:
                val = self._change(val, change, holder, depth)
            guarded = _guarded(val, d.guards)
            if guarded is None:
                continue
            if d.arms:
                guarded = with_arms(guarded, frozenset((self.path, *arm) for arm in d.arms))
            if len(defs) > 1 and guarded.origin is None:
                guarded = replace(guarded, origin=(self.path, d.binding.line))
            values.append(guarded)
        if not values:
            return self.unknown(f"{_UNREACHED}{name!r} passes the checks before {self.where(line)}; callers decide")
        if len(values) == 1:
            return values[0]
        lines = ", ".join(str(d.binding.line) for d in defs)
        return join(values, f"{name!r} has different values on different paths (lines {lines} of {self.path})")

    def _fails(self, test: ast.expr, truth: bool, scope: Scope, at: dict[str, bool], depth: int) -> bool:
        """Whether `test` certainly does not come out `truth` (so what was set under it is not there)."""
        if at:
            key, truth = _condition_key(test, truth)
            same = at.get(key)
            if same is not None and same != truth:
                return True
        # Only comparisons and names are evaluated (`if is_available():` would run a call model or
        # a repo function for every definition under it), once per test and frame.
        memo = self._frames[-1].tests if self._frames else self._tests
        key = id(test)
        if key not in memo:
            outcome = None
            outer, self._touched = self._touched, set()
            try:
                if depth + 2 <= MAX_DEPTH and not any(isinstance(n, ast.Call) for n in ast.walk(test)):
                    value = self.value(test, scope, depth + 2)
                    outcome = value.value if value.known and isinstance(value.value, bool) else None
            finally:
                read, self._touched = frozenset(self._touched), outer
            memo[key] = (outcome, read)
        outcome, read = memo[key]
        # The outcome depends on the parameters the test read (a helper's default decides it in
        # place; its callers may pass other values): they count as read here, every time.
        self._touched |= read
        return outcome is not None and outcome != truth

    def _change(self, container: Value, stmt: ast.stmt, scope: Scope, depth: int) -> Value:
        """A dict/list after an in-place change: `d[k] = v`, `d.update(...)`, `d.setdefault(k, v)`,
        `xs.append(v)`, `xs.extend(...)`. A change that cannot be followed makes it unknown."""
        if not container.known:
            return container
        obj = container.value
        line = stmt.lineno
        why = f"changed in place at {self.where(line)}"
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute):
            # `args.model = "..."` after parse_args(), or on an instance of a repo class.
            attr = stmt.targets[0].attr
            new = self.value(stmt.value, scope, depth)
            if isinstance(obj, ArgNamespace):
                return replace(container, value=ArgNamespace(obj.evaluator, {**obj.overrides, attr: new}))
            if isinstance(obj, Instance):
                return replace(container, value=Instance(obj.cls, {**obj.overrides, attr: new}))
            if isinstance(obj, Settings):
                return replace(container, value=Settings(obj.qual, {**obj.fields, attr: new}))
            return container
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript):
            key = self.value(stmt.targets[0].slice, scope, depth)
            if isinstance(obj, dict) and key.known and isinstance(key.value, (str, int)):
                return replace(container, value={**obj, key.value: self.value(stmt.value, scope, depth)})
            return self.because(f"container {why} with a key not known statically", line, key if not key.known else None)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute):
            call = stmt.value
            method = call.func.attr  # type: ignore[union-attr]
            args = [self.value(a, scope, depth) for a in call.args]
            if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
                return self.unknown(f"container {why} with * or ** arguments")
            kwargs = {kw.arg: self.value(kw.value, scope, depth) for kw in call.keywords}
            if isinstance(obj, dict):
                if method == "update" and len(args) <= 1:
                    extra = args[0] if args else Value(True, {}, "literal")
                    if extra.known and isinstance(extra.value, dict):
                        return replace(container, value={**obj, **extra.value, **kwargs})
                elif method == "setdefault" and args and args[0].known and isinstance(args[0].value, (str, int)):
                    default = args[1] if len(args) > 1 else Value(True, None, "literal")
                    return replace(container, value={args[0].value: default, **obj})
                elif method == "pop" and args and args[0].known and isinstance(args[0].value, (str, int)):
                    return replace(container, value={k: v for k, v in obj.items() if k != args[0].value})
            if method == "write":
                # An in-memory file filled from a file holds that file's bytes (literal bytes written
                # around them change nothing); a write to anything else leaves what the name holds.
                if not isinstance(obj, Buffer) or len(args) != 1 or kwargs:
                    return container
                data = args[0].value if args[0].known else None
                if isinstance(data, (bytes, str)):
                    return container
                if isinstance(data, FileHandle) and obj.source in (None, data):
                    return replace(container, value=Buffer(data, obj.origin))
                return self.because("in-memory buffer written with contents not known", line,
                                    args[0] if not args[0].known else None)
            if isinstance(obj, tuple):
                if method == "append" and len(args) == 1:
                    return replace(container, value=obj + (args[0],))
                if method == "extend" and len(args) == 1 and args[0].known and isinstance(args[0].value, tuple):
                    return replace(container, value=obj + args[0].value)
        return self.unknown(f"container {why} in a way not followed")

    def imported(self, target: str, depth: int) -> Value:
        """The value of `module.NAME` from another module of the repo, up to MAX_IMPORT_HOPS away.
        A name imported from outside the repo stays a ModuleRef (a qualified name, not an id)."""
        if self.index is None:
            return Value(True, ModuleRef(target), "import", None)
        module, _, attr = target.rpartition(".")
        if self.hops >= MAX_IMPORT_HOPS:
            if (module and self.index.find_module(module) is not None) or self.index.find_module(target) is not None:
                return self.unknown(f"{target} is more than {MAX_IMPORT_HOPS} imports away from the scanned file")
            return Value(True, ModuleRef(target), "import", None)
        other = self.index.evaluator(module, self.hops + 1) if module else None
        if other is not None and attr and other.lookup(attr, other.info.module, 10**9) is not None:
            val = other._name(attr, other.info.module, 10**9, depth)
            if val.known and isinstance(val.value, (ModuleRef, ClassRef, FunctionRef)):
                return val
            if val.known:
                how = "import" if val.how in ("literal", "constant") else strongest("import", val.how)
                return Value(True, val.value, how, val.provenance)
            return val
        return Value(True, ModuleRef(target), "import", None)

    def _attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Value:
        base_node = node.value
        attr = node.attr
        # self.x / cls.x inside a method.
        owner = self._owner(scope)
        if isinstance(base_node, ast.Name) and owner is not None and base_node.id == owner[0] and scope.enclosing_class is not None:
            cls_scope = scope.enclosing_class
            for key in ("self." + attr, attr):
                if key in cls_scope.bindings:
                    if key == attr and ClassRef(self, cls_scope).is_dataclass:
                        return self.class_attr(ClassRef(self, cls_scope), attr, depth)  # field(default=...)
                    candidates = self.pick(cls_scope.bindings[key])
                    values = [self._binding(attr, b, cls_scope, depth) for b in candidates]
                    return join(values, f"self.{attr} is set to different values")
            return self.unknown(f"self.{attr} is not set in class {cls_scope.name}")
        base = self.value(base_node, scope, depth)
        if base.alternatives:  # `opt` set differently on two paths (`if laion: opt.ckpt = ...`)
            return self.lift([base], lambda b: self._attribute_of(b[0], node, scope, depth),
                             f"attribute .{attr} of values that differ at {self.where(node.lineno)}")
        return self._attribute_of(base, node, scope, depth)

    def _attribute_of(self, base: Value, node: ast.Attribute, scope: Scope, depth: int) -> Value:
        base_node = node.value
        attr = node.attr
        if base.known:
            obj = base.value
            if isinstance(obj, ModuleRef):
                return self.imported(f"{obj.name}.{attr}", depth)
            if isinstance(obj, ClassRef):
                return obj.evaluator.class_attr(obj, attr, depth)
            if isinstance(obj, Instance):
                if attr in obj.overrides:
                    return obj.overrides[attr]
                return obj.cls.evaluator.class_attr(obj.cls, attr, depth)
            if isinstance(obj, ArgNamespace):
                return base if attr == "__dict__" else obj.option(attr, depth)
            if isinstance(obj, ConfigData):
                return self._config_index(obj, attr, node.lineno)
            if isinstance(obj, Settings):
                if attr in obj.fields:
                    val = obj.fields[attr]
                    if val.known and isinstance(val.value, str) and attr.endswith("_dir"):
                        val = replace(val, value=LocalPath(val.value))  # output_dir=: a folder, never a Hub id
                    if val.known and val.how == "literal":
                        return Value(True, val.value, "constant",
                                     f"{attr}= of {obj.qual.rsplit('.', 1)[1]}() ({self.where(node.lineno)})")
                    return val
                return self.unknown(f"{obj.qual}().{attr} is not passed to it (its default is in the package)")
            if isinstance(obj, dict) and attr in obj:
                return obj[attr]
            if isinstance(obj, LocalPath) and attr in ("parent", "name", "stem"):

                text = {"parent": posixpath.dirname(obj), "name": posixpath.basename(obj),
                        "stem": posixpath.splitext(posixpath.basename(obj))[0]}[attr]
                return Value(True, LocalPath(text) if attr == "parent" else text, base.how, base.provenance)
        # An attribute of something unknown (e.g. a parameter `args` or `model_args` without an
        # annotation): resolve only when the file defines exactly one such command-line option
        # or dataclass field, so the answer is unambiguous.
        if isinstance(base_node, ast.Name) and not base.known and self._may_be_options(base_node.id, scope):
            if attr == "model_yaml_config":
                served = self._torchserve_config(base_node, scope, node.lineno)
                if served is not None:
                    return served
            hit = self.unique_option(attr, depth)
            if hit is not None:
                return hit
        return self.because(f"attribute .{attr} of an unresolvable object", node.lineno,
                            base if not base.known else None)

    def spec_field(self, obj: Value, kw: tuple[str, ...], pos: int | None, line: int) -> Value:
        """The id an object argument holds (`model_spec=ModelSpec(uri=handle)`): the argument it
        was built with at keyword `kw` or position `pos` (a loader's `field`). Anything but such an
        object (a spec name, a string) is returned as it is."""
        if obj.alternatives:
            return join([self.spec_field(a, kw, pos, line) for a in obj.alternatives],
                        obj.provenance or f"objects that differ at {self.where(line)}")
        spec = obj.value if obj.known else None
        if not isinstance(spec, Settings):
            return obj
        short = spec.qual.rsplit(".", 1)[1]
        val = next((spec.fields[k] for k in kw if k in spec.fields), None)
        name = next((k for k in kw if k in spec.fields), None)
        if val is None and pos is not None and pos < len(spec.args):
            val, name = spec.args[pos], f"argument {pos + 1}"
        if val is None:
            return self.unknown(f"{short}() at {self.where(line)} is not given {' or '.join(kw) or 'its id'}")
        if val.known and val.how == "literal":
            what = f"{name}=" if name in kw else name
            return Value(True, val.value, "constant", f"{what} of {short}() (passed at {self.where(line)})",
                         origin=val.origin)
        return val

    def _may_be_options(self, name: str, scope: Scope) -> bool:
        """Whether an unresolvable name may hold the parsed options: not when it is one part of a
        tuple a call returned (`segments, info = model.transcribe(...)`) or a loop variable."""
        found = self._lookup(name, scope)
        return found is None or not all(b.kind in ("for", "with") or (b.kind == "assign" and b.path)
                                        for b in found[0])

    def _torchserve_config(self, name: ast.Name, scope: Scope, line: int) -> Value | None:
        """`context.model_yaml_config` in a TorchServe handler's `initialize(self, context)`: the
        model archive's config, which torch-model-archiver builds from `--config-file`, by the
        convention of TorchServe's examples the `model-config.yaml` next to the handler."""
        fn = scope.function
        if fn is None or fn.name != "initialize" or fn.parent is None or fn.parent.kind != "class":
            return None
        node = fn.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(node.args.args) != 2 \
                or node.args.args[1].arg != name.id or self.index is None:
            return None
        path = posixpath.join(posixpath.dirname(self.path), "model-config.yaml")
        data = self.index.read_config(path, self.path)
        if data is None or data[0] != path:
            return None
        rel, parsed = data
        return Value(True, ConfigData(parsed, rel, ""), "config",
                     f"{rel}, the TorchServe model config (read at {self.where(line)})")

    def _config_index(self, cfg: ConfigData, key: Any, line: int) -> Value:
        where = f"{cfg.where}.{key}" if cfg.where else str(key)
        data = cfg.data
        try:
            item = data[key]
        except (KeyError, IndexError, TypeError):
            return self.unknown(f"{cfg.file} has no {where!r}")
        prov = f"{cfg.file}: {where} (read at {self.where(line)})"
        if _plain(item):
            return Value(True, item, "config", prov)
        return Value(True, ConfigData(item, cfg.file, where), "config", prov)

    def _subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Value:
        if _is_environ(node.value):
            key = self.value(node.slice, scope, depth)
            name = key.value if key.known else "?"
            return self.unknown(f"environment variable {name} (no default) at {self.where(node.lineno)}")
        base = self.value(node.value, scope, depth)
        key = self.value(node.slice, scope, depth)
        return self.lift([base, key], lambda bk: self.item(bk[0], bk[1], node.lineno, None),
                         f"lookup with keys that differ at {self.where(node.lineno)}")

    def item(self, base: Value, key: Value, line: int, default: Value | None) -> Value:
        """base[key] (or base.get(key, default) when `default` is given): registry lookups."""
        if isinstance(key.value, ModuleRef):  # FLAGS.preset of absl, a setting of another package
            key = self.unknown(f"{key.value.name} is set outside the scanned code")
        if base.known and isinstance(base.value, dict) and not key.known and base.value:
            # REGISTRY[unknown_key] returns one of the registry's values (or raises): each is a
            # possible value. `.get` may also give its default.
            entries = list(base.value.values()) + ([default] if default is not None else [])
            if len(entries) > MAX_ALTERNATIVES:
                return self.because(f"lookup with a key not known statically in a mapping of {len(base.value)} "
                                    f"entries (over {MAX_ALTERNATIVES})", line, key)
            why = f"lookup with a key not known statically at {self.where(line)}"
            return join([replace(v, origin=v.origin or (self.path, line)) if v.known else v for v in entries],
                        why + (f" ({key.provenance})" if key.provenance else ""))
        if not (base.known and key.known):
            return self.because("lookup in an unresolvable value", line, base if not base.known else key)
        obj, k = base.value, key.value
        if isinstance(obj, ConfigData):
            return self._config_index(obj, k, line)
        if isinstance(obj, OpenKwargs):
            if default is None or not default.known or not _plain(default.value):
                # Without a default, or with a container one (`kwargs.get("model_kwargs", {})`,
                # forwarded as options that may carry a revision): what callers pass.
                return self.unknown(f"keyword {k!r} of **kwargs of {obj.function}(); callers decide ({self.where(line)})")
            how = strongest("default", default.how) if default.how not in ("literal", "constant") else "default"
            return Value(True, default.value, how, f"default of kwargs.get({k!r}) in {obj.function}() ({self.where(line)})")
        if isinstance(obj, ArgNamespace) and isinstance(k, str):  # vars(args)["model"], args.__dict__.pop("model")
            return obj.option(k, MAX_DEPTH // 2)
        if isinstance(obj, dict):
            if k in obj:
                item = obj[k]
                if item.known and item.how == "literal":
                    prov = base.provenance or f"entry {k!r} at {self.where(line)}"
                    return Value(True, item.value, strongest("constant", base.how, key.how), prov)
                return item
            if default is not None:
                return default
            # The lookup raises KeyError: the code after it does not run with this key.
            return self.unknown(f"{_UNREACHED}the lookup: no entry {k!r} in the mapping at {self.where(line)} (KeyError)")
        if isinstance(obj, tuple) and isinstance(k, int) and -len(obj) <= k < len(obj):
            item = obj[k]
            if item.known and item.how == "literal":
                return Value(True, item.value, strongest("constant", base.how), base.provenance)
            return item
        if isinstance(obj, str) and isinstance(k, int) and -len(obj) <= k < len(obj):
            return Value(True, obj[k], base.how, base.provenance)
        if obj is None and default is None:
            # None[k] raises TypeError: no value reaches the code after it (`self.cfg = None` in
            # __init__, filled in later).
            return self.unknown(f"{_UNREACHED}the lookup: None[{k!r}] at {self.where(line)} (TypeError)")
        return self.unknown(f"subscript [{k!r}] not found at {self.where(line)}")

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        func = node.func
        qual = self.qualname(func, scope) or ""
        model = CALL_MODELS.get(qual)
        if model is None and isinstance(func, ast.Attribute):
            if func.attr in ("get", "setdefault") and _is_environ(func.value):
                model = _environ_get
            else:
                model = METHOD_MODELS.get(func.attr)
        if model is not None:
            result = model(self, node, scope, depth, qual)
            if result is not None:
                return result
        callee = self.value(func, scope, depth)
        if callee.known:
            obj = callee.value
            if isinstance(obj, ClassRef):
                # A class of the repo: a dataclass instance, with its keyword overrides.
                overrides = {kw.arg: self.value(kw.value, scope, depth) for kw in node.keywords if kw.arg}
                return Value(True, Instance(obj, overrides), "dataclass", None)
            if isinstance(obj, FunctionRef):
                return self.call_function(obj, node, scope, depth)
            if isinstance(obj, PartialRef):
                return self.unknown(f"result of a functools.partial object at {self.where(node.lineno)}")
        if qual and "." in qual and re.fullmatch(_SETTINGS_CLASS, qual.rsplit(".", 1)[1]) \
                and not any(kw.arg is None for kw in node.keywords):
            fields = {kw.arg: self.value(kw.value, scope, depth) for kw in node.keywords if kw.arg}
            args = tuple(self.value(a, scope, depth) for a in itertools.takewhile(
                lambda a: not isinstance(a, ast.Starred), node.args))
            return Value(True, Settings(qual, fields, args), "literal", None)
        shown = qual or (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "call"))
        return self.unknown(f"result of {shown}() at {self.where(node.lineno)}")

    def bind_arguments(self, fn: Scope, node: ast.Call, scope: Scope, depth: int, skip_first: bool = False,
                       only: set[int] | None = None) -> dict[int, Value]:
        """id(parameter binding) -> the value `node` passes to it (parameters left to their
        defaults are absent; with an unresolvable * or ** argument every unbound one is unknown).
        With `only`, just those parameters are evaluated (the others are not needed)."""
        func = fn.node
        assert isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        args = func.args
        positional = [*args.posonlyargs, *args.args][1 if skip_first else 0:]
        by_name: dict[str, Binding] = {}
        star: Binding | None = None  # the `**kwargs` parameter, when it is asked for
        varargs: Binding | None = None  # the `*args` one
        for name, bindings in fn.bindings.items():
            for b in bindings:
                if b.kind == "param" and (only is None or id(b) in only):
                    if b.star == "**":
                        star = b
                    elif b.star == "*":
                        varargs = b
                    else:
                        by_name[name] = b
                    break
        # Keywords no named parameter takes go to **kwargs (positional-only ones cannot be named).
        named = {a.arg for a in [*args.args, *args.kwonlyargs]}
        extra: dict[str, Value] = {}
        rest: list[Value] = []  # positional arguments past the named ones: *args
        out: dict[int, Value] = {}
        dynamic = None
        i = 0
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                seq = self.value(arg.value, scope, depth)
                if not (seq.known and isinstance(seq.value, tuple)):
                    dynamic = self.because("arguments passed through *args", node.lineno, seq)
                    break
                items = list(seq.value)  # f(*("org/a", "v1")): each item is one argument
            else:
                items = [arg]
            for item in items:
                if i < len(positional):
                    if positional[i].arg in by_name:
                        val = item if isinstance(item, Value) else self.value(item, scope, depth)
                        out[id(by_name[positional[i].arg])] = val
                elif varargs is not None:
                    rest.append(item if isinstance(item, Value) else self.value(item, scope, depth))
                i += 1
        if varargs is not None and dynamic is None:
            out[id(varargs)] = Value(True, tuple(rest), "literal")
        for kw in node.keywords:
            if kw.arg is not None:
                if kw.arg in by_name:
                    out[id(by_name[kw.arg])] = self.value(kw.value, scope, depth)
                elif star is not None and kw.arg not in named:
                    extra[kw.arg] = self.value(kw.value, scope, depth)
                continue
            mapping = self.value(kw.value, scope, depth)
            if mapping.known and isinstance(mapping.value, dict):
                for key, val in mapping.value.items():
                    if isinstance(key, str) and key in by_name:
                        out.setdefault(id(by_name[key]), val)
                    elif star is not None and isinstance(key, str) and key not in named:
                        extra.setdefault(key, val)
            else:
                dynamic = self.because("arguments passed through **kwargs", node.lineno, mapping)
        if star is not None and dynamic is None:
            out[id(star)] = Value(True, extra, "literal")
        if dynamic is not None:
            for b in [*by_name.values(), *(b for b in (star, varargs) if b is not None)]:
                out.setdefault(id(b), dynamic)
        return out

    def call_function(self, ref: FunctionRef, node: ast.Call, scope: Scope, depth: int) -> Value:
        """What a repo function returns for this call: its return expressions evaluated with its
        parameters bound to the call's arguments (MAX_FRAMES deep, no recursion)."""
        fn = ref.scope
        callee = ref.evaluator
        name = fn.name
        if depth + CALL_COST > MAX_DEPTH or len(callee._frames) >= MAX_FRAMES:
            return self.unknown(f"call chain too long to follow at {name}() ({self.where(node.lineno)})")
        if any(f.fn is fn for f in callee._frames):
            return self.unknown(f"{name}() calls itself; not followed ({self.where(node.lineno)})")
        if not fn.returns:
            return self.unknown(f"{name}() returns no value ({self.where(node.lineno)})")
        if len(fn.returns) > MAX_RETURNS:
            return self.unknown(f"{name}() has more than {MAX_RETURNS} return statements ({self.where(node.lineno)})")
        skip = fn.parent is not None and fn.parent.kind == "class" and method_self(fn) is not None
        params = self.bind_arguments(fn, node, scope, depth, skip_first=skip)
        values = []
        with callee.frame(Frame(fn, params)):
            for ret in fn.returns:
                val = callee.value(ret, fn, depth + CALL_COST)
                if val.known and val.how == "literal":
                    val = Value(True, val.value, "constant", f"returned by {name}() ({callee.where(ret.lineno)})")
                values.append(val)
        return join(values, f"{name}() returns different values ({callee.where(fn.node.lineno)})")

    # -- callers: the values a function's parameters get from the calls of it in the repo --------
    def function_params(self, fn: Scope) -> set[int]:
        return {id(b) for bindings in fn.bindings.values() for b in bindings if b.kind == "param"}

    def callers(self, fn: Scope) -> list[tuple[Evaluator, CallInfo]] | None:
        """Every call of `fn` found in the repo (this file first), and of a nested function the calls
        inside the function around it. None when the function cannot be called by a name that
        ptm-lint can follow: its callers are not looked for."""
        key = id(fn)
        if key in self._callers:
            return self._callers[key]
        target = self._callable_name(fn)
        result: list[tuple[Evaluator, CallInfo]] | None = None
        if target is None and fn.kind == "function" and fn.parent is not None and fn.parent.kind == "function":
            # A function nested in another is called by name from inside that one only.
            result = []
            for c in self.info.calls:
                if isinstance(c.node.func, ast.Name) and c.node.func.id == fn.name:
                    found = self._lookup(fn.name, c.scope)
                    if found is not None and found[1] is fn.parent and any(b.scope is fn for b in found[0]):
                        result.append((self, c))
        elif target is not None:
            short = target.rsplit(".", 1)[-1]
            result = self._calls_of(frozenset((target,)), short)
            if self.index is not None and self.module:
                for other in self.index.importers(self.module, short, self.path):
                    if other is not self and other.path != self.path:
                        result.extend(other._calls_of(self._spelled_for(other, target), short))
        elif (method := self._method_class(fn)) is not None:
            result = self._method_calls(fn, *method)
        self._callers[key] = result
        return result

    # -- callers of a method: calls on instances of its class --------------------------------
    def _method_class(self, fn: Scope) -> tuple[Scope, frozenset[str], tuple[str, ...]] | None:
        """For a method of a module-level class (not a dunder: Python calls those): the class, the
        names calls know it by (`module.Class`, and `package.Class` where a package's `__init__`
        re-exports it), and those packages. Only the module's own name when other files are not
        searched (a repository too large): the packages are then not read."""
        cls = fn.parent
        if fn.kind != "function" or fn.name.startswith("__") or cls is None or cls.kind != "class" \
                or cls.parent is None or cls.parent.kind != "module" or not self.module:
            return None
        names = {f"{self.module}.{cls.name}"}
        packages: list[str] = []
        if self.index is not None and self.index.searches_other_files():
            parts = self.module.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                package = ".".join(parts[:cut])
                init = self.index.evaluator(package, 1)
                found = init.lookup(cls.name, init.info.module, 10**9) if init is not None else None
                if not found or not any(b.kind == "import" and b.target in names for b in found[0]):
                    break
                names.add(f"{package}.{cls.name}")
                packages.append(package)
        return cls, frozenset(names), tuple(packages)

    def _method_calls(self, fn: Scope, cls: Scope, names: frozenset[str], packages: tuple[str, ...]
                      ) -> list[tuple[Evaluator, CallInfo]]:
        """`x.method(...)` where `x` is known to be an instance of the class (or of a subclass not
        overriding the method), or `Class.method(...)`: in this file, then in the files importing the
        class from its module or from a package re-exporting it. A call on an object whose class is
        not known is not counted (as a function reached by no name is not)."""
        result: list[tuple[Evaluator, CallInfo]] = []
        evaluators: list[Evaluator] = [self]
        if self.index is not None:
            for module in (self.module, *packages):
                evaluators += self.index.importers(module, cls.name, self.path)
        seen: set[str] = set()
        for ev in evaluators:
            if ev.path in seen:
                continue
            seen.add(ev.path)
            for c in ev.info.calls:
                func = c.node.func
                if not (isinstance(func, ast.Attribute) and func.attr == fn.name):
                    continue
                kind = ev.receiver_kind(func.value, c.scope, names, fn.name)
                if kind is not None:
                    result.append((ev, c))
                    if kind == "instance":
                        self._bound_calls[id(c.node)] = c.node
        return result

    def receiver_kind(self, node: ast.expr, scope: Scope, names: frozenset[str], method: str,
                      hops: int = 0) -> str | None:
        """"instance" when `node` is an instance of the class named `names` (or of a subclass that
        does not define `method` itself), "class" when it is the class, None when it is neither or
        not known. Besides what its names say (`X(...)`, `self`, `super()`), a name or `self.attr`
        assigned an alternate constructor's result (`Pipeline.from_pretrained(...)`), possibly through
        methods returning their receiver (`.to(device)`), is an instance (MAX_RECEIVER_HOPS)."""
        found = self.qualnames(node, scope)
        is_super = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
        instances = found if is_super else [n[:-2] for n in found if n.endswith("()")]
        if instances:
            return "instance" if self._of_class(instances, names, method) else None
        if found:
            return "class" if self._of_class(found, names, method) else None
        if hops >= MAX_RECEIVER_HOPS:
            return None
        for value, env in self._assigned(node, scope):
            while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and value.func.attr in _RETURNS_SELF:
                value = value.func.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and value.func.attr.startswith("from_"):
                classes = [n for n in self.qualnames(value.func.value, env) if not n.endswith("()")]
                if self._of_class(classes, names, method):
                    return "instance"
            elif self.receiver_kind(value, env, names, method, hops + 1) == "instance":
                return "instance"
        return None

    def _assigned(self, node: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        """The expressions a name (or `self.attr`) is assigned, with the scope to read each in."""
        if isinstance(node, ast.Name):
            found = self.lookup(node.id, scope, node.lineno)
            if found is None:
                return []
            bindings, holder = found
            if holder is scope:
                reach = self.reaching(holder, node.id, node.lineno)
                if reach is not None and reach.defs:
                    bindings = [d.binding for d in reach.defs]
            else:
                bindings = self.pick(bindings)
            return [(b.node, b.env or holder) for b in bindings
                    if b.kind == "assign" and not b.path and isinstance(b.node, ast.expr)]
        owner = self._owner(scope)
        cls = scope.enclosing_class
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and owner is not None \
                and node.value.id == owner[0] and cls is not None:
            return [(b.node, b.env or cls) for b in self.pick(cls.bindings.get("self." + node.attr, []))
                    if b.kind == "assign" and not b.path and isinstance(b.node, ast.expr)]
        return []

    def _of_class(self, classes: list[str], names: frozenset[str], method: str) -> bool:
        """Whether the most derived of `classes` (the first) is the class, or a subclass of it that
        does not define `method` itself (a class of this file; one of another module is taken not to)."""
        if not classes or not names & set(classes):
            return False
        first = classes[0]
        if first in names:
            return True
        module, _, name = first.rpartition(".")
        if module != self.module:
            return True
        found = self.lookup(name, self.info.module, 10**9)
        return not (found and any(b.kind == "class" and b.scope is not None and any(
            d.kind == "function" for d in b.scope.bindings.get(method, ())) for b in found[0]))

    def _spelled_for(self, other: Evaluator, target: str) -> frozenset[str]:
        """The names `target` (a name of this module) may have in the file `other`. A script's own
        folder is first on `sys.path`: beside this module, `from process_ckpt import f` is this
        file's `f` too."""
        if "." in self.module and posixpath.dirname(other.path) == posixpath.dirname(self.path):
            return frozenset((target, target[len(self.module) - len(self.module.rsplit(".", 1)[1]):]))
        return frozenset((target,))

    def _calls_of(self, targets: frozenset[str], short: str) -> list[tuple[Evaluator, CallInfo]]:
        """Calls in this module whose callee resolves to one of `targets` (named `short` at the call)."""
        out = []
        for c in self.info.calls:
            func = c.node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == short and not targets.isdisjoint(self.qualnames(func, c.scope)):
                out.append((self, c))
        return out

    def _callable_name(self, fn: Scope) -> str | None:
        """The qualified name calls of `fn` resolve to: module.func, or module.Class for __init__."""
        parent = fn.parent
        if parent is None or fn.kind != "function":
            return None
        prefix = f"{self.module}." if self.module else ""
        if parent.kind == "module":
            return prefix + fn.name
        if parent.kind == "class" and fn.name == "__init__" and parent.parent is not None and parent.parent.kind == "module":
            return prefix + parent.name
        return None

    def escapes(self, fn: Scope) -> int | None:
        """A line where the function is used other than by calling it (passed as an argument,
        assigned, returned): then it may be called from places ptm-lint does not see. (A method is
        used through an object, `callback=obj.method`, which is not looked for.)"""
        lines = self._escape_lines(fn)
        return lines[0] if lines else None

    def _escape_lines(self, fn: Scope) -> list[int]:
        if fn.name != "__init__" and fn.parent is not None and fn.parent.kind == "class":
            return []
        name = fn.parent.name if fn.name == "__init__" and fn.parent is not None else fn.name
        return self.info.escaped.get(name, [])

    def definition(self, name: ast.Name, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The expression a variable holds at its use when exactly one assignment (or `with ... as`)
        reaches it, and the scope to evaluate it in."""
        found = self.lookup(name.id, scope, name.lineno)
        if not found:
            return None
        bindings, holder = found
        if len(bindings) > 1 and holder is scope:
            reach = self.reaching(scope, name.id, name.lineno)
            if reach is None or reach.partial:
                return None
            bindings = [d.binding for d in reach.defs]
        if len(bindings) != 1 or bindings[0].kind not in ("assign", "with") or bindings[0].path:
            return None
        node = bindings[0].node
        return (node, bindings[0].env or holder) if isinstance(node, ast.expr) else None

    # -- UI callbacks: a function a UI framework calls with the values of its input components -----
    def ui_callback_cases(self, fn: Scope, only: set[int] | None) -> tuple[list[CallerCase], set[int]]:
        """The cases of `fn` registered as a gradio event handler in its module
        (`btn.click(load_model, inputs=[model_dropdown])`, `gr.Interface(fn, inputs=...)`): each
        parameter takes the choices of its input component (a Dropdown's or Radio's `choices`, and
        anything typed in with `allow_custom_value`). Also the lines of the uses explained."""
        if fn.kind != "function" or not isinstance(fn.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return [], set()
        params: list[Binding] = []
        for arg in [*fn.node.args.posonlyargs, *fn.node.args.args]:
            found = [b for b in fn.bindings.get(arg.arg, ()) if b.kind == "param"]
            params.append(found[0] if found else None)  # type: ignore[arg-type]
        cases: list[CallerCase] = []
        explained: set[int] = set()
        for c in self.info.calls:
            registered = self._ui_registration(c, fn)
            if registered is None:
                continue
            fn_node, inputs = registered
            values = self._ui_inputs(inputs, c.scope)
            if values is None:
                continue
            wanted = [(id(b), options) for b, options in zip(params, values) if b is not None and (only is None or id(b) in only)]
            cell, line = self.place(c.node.lineno)
            # One case per combination of choices, as one call each: a handler's branches on its
            # parameter (`if model == "F5TTS_Base": step = 1200000`) then pair values as they run.
            combos = 1
            for _, options in wanted:
                combos *= len(options)
            if combos <= MAX_ALTERNATIVES:
                for combo in itertools.product(*(options for _, options in wanted)):
                    cases.append(CallerCase({key: v for (key, _), v in zip(wanted, combo)}, self.path, line, cell))
            else:
                cases.append(CallerCase({key: join(options, f"the choices of the inputs at {self.where(c.node.lineno)}")
                                         for key, options in wanted}, self.path, line, cell))
            explained.add(fn_node.lineno)
        return cases, explained

    def _ui_registration(self, c: CallInfo, fn: Scope) -> tuple[ast.Name, ast.expr | None] | None:
        """(the handler argument, the inputs expression) when the call registers `fn` as a gradio
        handler: `<gradio object>.click/change/...(fn, inputs)`, `gr.on(triggers, fn, inputs)`,
        `gr.Interface(fn, inputs)`."""
        node = c.node
        if not any(isinstance(a, ast.Name) and a.id == fn.name for a in (*node.args, *(k.value for k in node.keywords))):
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in UI_EVENTS and self._gradio_object(func.value, c.scope):
            fn_at, inputs_at = 0, 1
        else:
            names = self.qualnames(func, c.scope)
            if "gradio.on" in names:
                fn_at, inputs_at = 1, 2
            elif "gradio.Interface" in names:
                fn_at, inputs_at = 0, 1
            else:
                return None
        kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
        handler = kw.get("fn", node.args[fn_at] if len(node.args) > fn_at else None)
        if not (isinstance(handler, ast.Name) and handler.id == fn.name):
            return None
        found = self._lookup(fn.name, c.scope)
        if found is None or not any(b.scope is fn for b in found[0]):
            return None
        return handler, kw.get("inputs", node.args[inputs_at] if len(node.args) > inputs_at else None)

    def _gradio_object(self, node: ast.expr, scope: Scope) -> bool:
        """Whether the expression is a gradio component or app (`gr.Button(...)`, a name one is
        assigned to, `with gr.Blocks() as demo`)."""
        if isinstance(node, ast.Name):
            found = self.definition(node, scope)
            if found is None:
                return False
            node, scope = found
        if isinstance(node, ast.Call):
            node = node.func
        return any(q.startswith("gradio.") for q in self.qualnames(node, scope))

    def _ui_inputs(self, inputs: ast.expr | None, scope: Scope) -> list[list[Value]] | None:
        """The values each input component may give its handler, in order; None when the inputs are
        not a sequence of components (a set or dict of them passes one dict)."""
        if inputs is None or (isinstance(inputs, ast.Constant) and inputs.value is None):
            return []
        items = inputs.elts if isinstance(inputs, (ast.List, ast.Tuple)) else [inputs]
        if isinstance(inputs, (ast.Set, ast.Dict)):
            return None
        return [self._component_value(item, scope) for item in items]

    def _component_value(self, node: ast.expr, scope: Scope) -> list[Value]:
        """What an input component may pass: a Dropdown's or Radio's choices (a `(label, value)`
        pair passes its value), and unknown when users may type their own."""
        where = node
        if isinstance(node, ast.Name):
            found = self.definition(node, scope)
            if found is not None:
                node, scope = found
        if not isinstance(node, ast.Call) or not any(_CHOICE_COMPONENT.fullmatch(q) for q in self.qualnames(node.func, scope)):
            return [self.unknown(f"what users enter in the input component {ast.unparse(where)[:60]} ({self.where(node.lineno)})")]
        kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
        choices_node = kw.get("choices", node.args[0] if node.args else None)
        choices = self.value(choices_node, scope) if choices_node is not None else Value.unknown("no choices")
        if not (choices.known and isinstance(choices.value, tuple)) or len(choices.value) > MAX_ALTERNATIVES:
            return [self.because(f"the choices of the component at {self.where(node.lineno)}", node.lineno, choices)]
        values: list[Value] = []
        for item in choices.value:
            if item.known and isinstance(item.value, tuple) and len(item.value) == 2:
                item = item.value[1]
            values.append(replace(item, origin=item.origin or (self.path, node.lineno)))
        custom = kw.get("allow_custom_value")
        if custom is not None:
            allowed = self.value(custom, scope)
            if not (allowed.known and allowed.value is False):
                values.append(self.unknown(f"the component at {self.where(node.lineno)} takes values users type in"))
        return values or [self.unknown(f"the component at {self.where(node.lineno)} has no choices")]

    def caller_cases(self, fn: Scope, level: int = 1, only: set[int] | None = None, levels: int = MAX_CALLER_LEVELS,
                     reached_only: bool = False) -> tuple[list[CallerCase], list[Value]] | None:
        """The parameter values of `fn` at each of its calls in the repo, and the reasons some
        calls (or uses) cannot be followed. None when no call of it is found. With `reached_only`,
        a call of `fn` under an if-test its caller's own callers make fail is left out."""
        found = self.callers(fn)
        ui_cases, explained = self.ui_callback_cases(fn, only) if self.escapes(fn) is not None else ([], set())
        if not found and not ui_cases:
            return None
        # `self` (or `cls`) is not among a call's arguments: __init__ through the class, a classmethod,
        # and a method called on an instance. A staticmethod's, or `Class.method(obj, ...)`, are.
        own = method_self(fn) if fn.name != "__init__" else None
        cases: list[CallerCase] = []
        gaps: list[Value] = []
        rest = [line for line in self._escape_lines(fn) if line not in explained]
        if rest:
            gaps.append(self.unknown(f"{fn.name}() is also used as a value at {self.where(rest[0])}; other callers may pass anything"))
        for ev, call in found or ():
            skip = fn.name == "__init__" or (own is not None and (own[1] == "class" or self._bound_calls.get(id(call.node)) is call.node))
            where_scope = call.scope
            outer = where_scope.function
            touched_before, ev._touched = ev._touched, set()
            try:
                params = ev.bind_arguments(fn, call.node, where_scope, MAX_DEPTH // 2, skip_first=skip, only=only)
                touched = ev._touched
            finally:
                ev._touched = touched_before
            deeper = None
            tests: tuple[tuple[ast.expr, bool], ...] = ()
            if outer is not None and level < levels and touched & ev.function_params(outer):
                wanted = touched & ev.function_params(outer)
                if reached_only:
                    tests, names = ev._tests_at(outer, call.node.lineno)
                    wanted |= names
                deeper = ev.caller_cases(outer, level + 1, wanted, levels, reached_only)
            if deeper is None or not deeper[0]:
                fixed = ev._fixed_by_tests(outer, call.node.lineno) if outer is not None and touched else {}
                if fixed:
                    # `if model_type == "dpt_large": DPTDepthModel(path=ISL_PATHS[model_type])` where
                    # nothing says what model_type is: on this path it is "dpt_large".
                    with ev.frame(Frame(outer, fixed)):  # type: ignore[arg-type]
                        params = ev.bind_arguments(fn, call.node, where_scope, MAX_DEPTH // 2, skip_first=skip, only=only)
                cell, line_in = ev.place(call.node.lineno)
                cases.append(CallerCase(params, ev.path, line_in, cell))
                if deeper is not None:
                    gaps.extend(deeper[1])
                continue
            # The caller passes its own parameters on: one case per call of the caller.
            inner_cases, inner_gaps = deeper
            gaps.extend(inner_gaps)
            for case in inner_cases:
                with ev.frame(Frame(outer, case.params)):
                    if tests and ev._test_fails(tests, outer):
                        continue  # `if backbone == "vitl16_384":` around the call, and this caller passes another
                    params = ev.bind_arguments(fn, call.node, where_scope, MAX_DEPTH // 2, skip_first=skip, only=only)
                cases.append(CallerCase(params, case.path, case.line, case.cell))
            if len(cases) > MAX_ALTERNATIVES:
                break
        cases += ui_cases  # after the direct calls: a value both give is listed at the call
        if len(cases) > MAX_ALTERNATIVES:
            gaps.append(self.unknown(f"{fn.name}() has more than {MAX_ALTERNATIVES} calls; the rest are not followed"))
            cases = cases[:MAX_ALTERNATIVES]
        return cases, gaps

    def _tests_at(self, fn: Scope, line: int) -> tuple[tuple[tuple[ast.expr, bool], ...], set[int]]:
        """The if-tests (without calls) the line of `fn` is under, and the parameters they read."""
        reach = self.reaching(fn, "<tests>", line)
        tests = tuple((t, truth) for t, truth in (reach.at if reach is not None else ())
                      if not any(isinstance(n, ast.Call) for n in ast.walk(t)))
        read = {n.id for t, _ in tests for n in ast.walk(t) if isinstance(n, ast.Name)}
        return tests, {id(b) for name in read for b in fn.bindings.get(name, ()) if b.kind == "param"}

    def _fixed_by_tests(self, fn: Scope, line: int) -> dict[int, Value]:
        """The parameters of `fn` an if-test around `line` fixes to one literal (`if model_type ==
        "dpt_large":`, or the `else` of `!=`), when the parameter is never rebound in `fn` (the test
        is then about the parameter's own value)."""
        tests, _ = self._tests_at(fn, line)
        out: dict[int, Value] = {}
        for test, truth in tests:
            node, positive = test, truth
            while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                node, positive = node.operand, not positive
            if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name)
                    and isinstance(node.comparators[0], ast.Constant)):
                continue
            op, literal = node.ops[0], node.comparators[0].value
            if not (isinstance(literal, (str, int)) and not isinstance(literal, bool)) or \
                    not (isinstance(op, ast.Eq) and positive or isinstance(op, ast.NotEq) and not positive):
                continue
            bindings = fn.bindings.get(node.left.id, [])
            if len(bindings) == 1 and bindings[0].kind == "param" and not bindings[0].star:
                out[id(bindings[0])] = Value(True, literal, "literal", f"{node.left.id} == {literal!r} at {self.where(test.lineno)}")
        return out

    def _test_fails(self, tests: tuple[tuple[ast.expr, bool], ...], fn: Scope) -> bool:
        """Whether one of the tests certainly does not come out as the path needs, on values the
        callers pass (a parameter left to its default decides nothing: its callers may pass others)."""
        for test, truth in tests:
            names = [n for n in ast.walk(test) if isinstance(n, ast.Name)]
            values = [self.value(n, fn, MAX_DEPTH // 2) for n in names]
            if not values or any(not v.known or v.how == "default" for v in values):
                continue
            outcome = self.value(test, fn, MAX_DEPTH // 2)
            if outcome.known and isinstance(outcome.value, bool) and outcome.value != truth:
                return True
        return False

    def caller_variants(self, scope: Scope, thunk: Callable[[], tuple[Value, ...]], levels: int = MAX_CALLER_LEVELS,
                        reached_only: bool = False
                        ) -> tuple[list[tuple[CallerCase, tuple[Value, ...]]], list[Value], Scope] | None:
        """When the values `thunk` computes depend on parameters of the function around `scope`
        (or of its class's __init__, through `self.x`): what they are at each call of that function
        in the repo, and the function. None when they do not (or no call is found): the values as
        evaluated in place stand."""
        fn = scope.function
        if fn is None or fn.kind != "function" or self._frames:
            return None
        touched_before, self._touched = self._touched, set()
        try:
            thunk()
            touched = self._touched
        finally:
            self._touched = touched_before
        needed = touched & self.function_params(fn)
        if not needed:
            # A method reading `self.x` that __init__ set from its parameters: the values the
            # calls of the class pass (`Generator(module_spec)`; `hub.Module(self._module_spec)`).
            init = self._init_of(fn)
            needed = touched & self.function_params(init) if init is not None else set()
            if not needed:
                return None
            fn = init
        found = self.caller_cases(fn, only=needed, levels=levels, reached_only=reached_only)
        if found is None:
            return None
        cases, gaps = found
        out = []
        for case in cases:
            with self.frame(Frame(fn, case.params)):
                out.append((case, thunk()))
        return out, gaps, fn

    @staticmethod
    def _init_of(fn: Scope) -> Scope | None:
        """The __init__ of the class `fn` is a method of (not `fn` itself), if it defines one."""
        cls = fn.parent
        if cls is None or cls.kind != "class" or fn.name == "__init__":
            return None
        for b in cls.bindings.get("__init__", ()):
            if b.kind == "function" and b.scope is not None:
                return b.scope
        return None

    def _str_method(self, receiver: Value, method: str, node: ast.Call, scope: Scope, depth: int) -> Value:
        args = [self.value(a, scope, depth) for a in node.args]
        kwargs = {kw.arg: self.value(kw.value, scope, depth) for kw in node.keywords if kw.arg}
        if any(kw.arg is None for kw in node.keywords):
            return self.unknown(f"str.{method}() with ** arguments at {self.where(node.lineno)}")
        parts = [receiver, *args, *kwargs.values()]
        if method == "join":
            seq = args[0] if args else Value.unknown()
            if not (seq.known and isinstance(seq.value, tuple) and all(v.known and isinstance(v.value, str) for v in seq.value)):
                return self.unknown(f"str.join() of unresolvable items at {self.where(node.lineno)}")
            how = strongest("fstring", receiver.how, *(v.how for v in seq.value))
            prov = "; ".join(v.provenance for v in seq.value if v.provenance) or f"str.join at {self.where(node.lineno)}"
            return Value(True, receiver.value.join(v.value for v in seq.value), how, prov)
        if not all(p.known and _plain(p.value) for p in parts):
            return self.unknown(f"str.{method}() with unresolvable arguments at {self.where(node.lineno)}")
        try:
            result = getattr(receiver.value, method)(*(a.value for a in args), **{k: v.value for k, v in kwargs.items()})
        except (ValueError, TypeError, IndexError, KeyError):
            return self.unknown(f"str.{method}() fails at {self.where(node.lineno)}")
        how = strongest("fstring" if method == "format" else "literal", *(p.how for p in parts))
        prov = "; ".join(p.provenance for p in parts if p.provenance) or (
            f"str.format at {self.where(node.lineno)}" if method == "format" else None)
        if isinstance(result, (list, tuple)):  # split / partition: a list of strings
            return Value(True, tuple(Value(True, x, how, prov) for x in result), how, prov)
        return Value(True, result, how, prov)

    def _hf_parser(self, parser_node: ast.expr, scope: Scope, depth: int) -> Value:
        """HfArgumentParser((A, B)).parse_args_into_dataclasses() -> (A(), B())."""
        target = parser_node
        if isinstance(target, ast.Name):
            found = self.lookup(target.id, scope, target.lineno)
            if found and len(found[0]) == 1 and found[0][0].kind == "assign":
                target = found[0][0].node  # type: ignore[assignment]
        if not isinstance(target, ast.Call) or not target.args:
            return self.unknown("argument parser of unknown dataclasses")
        types = target.args[0]
        elts = types.elts if isinstance(types, (ast.Tuple, ast.List)) else [types]
        runs = self.index.runs(self.script) if self.index is not None and self.script.endswith(".py") else None
        items: list[Value] = []
        for elt in elts:
            cls = self.class_of(elt, scope)
            if cls is None:
                items.append(self.unknown("dataclass not found in the repo"))
                continue
            overrides = self._run_values(cls, runs, depth) if runs and cls.is_dataclass else {}
            items.append(Value(True, Instance(cls, overrides), "dataclass", None))
        # HfArgumentParser returns a tuple even for a single dataclass.
        return Value(True, tuple(items), "dataclass")

    def _run_values(self, cls: ClassRef, runs: list[Invocation], depth: int) -> dict[str, Value]:
        """The fields of a dataclass parsed from the command line that the code leaves open (no
        default, or None), as the repo's own command lines that run this script set them
        (`--model_id x`, or a key of the `--config` file): one possible value per run, the default
        where a run sets nothing. A field with a default keeps it (a run's value overrides it,
        as for argparse and os.getenv defaults). A run that cannot be read adds an unknown value."""
        names = [n for n, bs in cls.scope.bindings.items() if not n.startswith("self.")
                 and any(b.kind == "assign" and b.annotation is not None for b in bs)]
        configs: list[tuple[Any, str]] | None = None
        out: dict[str, Value] = {}
        for name in names:
            default = cls.evaluator.class_attr(cls, name, depth)
            if default.known and default.value is not None:
                continue
            if configs is None:
                configs = [self._run_config(run) for run in runs]
            values: list[Value] = []
            for run, (data, source) in zip(runs, configs):
                where = f"{run.path}:" + (f"cell {run.cell + 1}:{run.line}" if run.cell is not None else str(run.line))
                if run.dynamic is not None:
                    values.append(self.unknown(f"{run.dynamic} runs {self.script} at {where}"))
                elif name in run.options:
                    text = run.options[name]
                    if text is not None and "$" in text:
                        values.append(self.unknown(f"--{name} {text} (a shell variable) at {where}"))
                        continue
                    values.append(Value(True, True if text is None else text, "argparse",
                                        f"--{name} of the command line at {where}"))
                elif isinstance(data, dict) and name in data and _plain(data[name]):
                    values.append(Value(True, data[name], "config",
                                        f"{name} in {source}, passed with --config at {where}"))
                elif run.config is not None and data is None:
                    values.append(self.unknown(f"config file {run.config} passed at {where} not found or not readable"))
                else:
                    values.append(default)
            if any(v is not default for v in values):
                out[name] = join(values, f"the runs of {self.script} set {name} differently")
        return out

    def _run_config(self, run: Invocation) -> tuple[Any, str]:
        """The data of the config file a run passes: one a %%writefile cell of its notebook writes,
        else a file of the repo (relative to where the run starts); (None, "") when not found."""
        if run.config is None:
            return None, ""
        here = posixpath.dirname(run.path)
        name = posixpath.normpath(run.config)
        if name in run.written:
            cell, text = run.written[name]
            return parse_config_text(name, text), f"{name} (written by {run.path}:cell {cell + 1})"
        assert self.index is not None
        found = self.index.read_config(posixpath.normpath(posixpath.join(here, run.config)), run.path)
        return (found[1], found[0]) if found is not None else (None, "")

    def _config(self, node: ast.Call, qual: str, scope: Scope, depth: int) -> Value:
        if not node.args:
            return self.unknown(f"{qual}() without arguments")
        src = self.value(node.args[0], scope, depth)
        if not src.known:
            return self.unknown(f"{qual}() of an unresolvable file at {self.where(node.lineno)}")
        obj = src.value
        if isinstance(obj, FileHandle):
            path = obj.path
        elif isinstance(obj, str) and qual in ("omegaconf.OmegaConf.load",):
            path = obj
        else:
            return self.unknown(f"{qual}() of an unresolvable file at {self.where(node.lineno)}")
        if self.index is None:
            return self.unknown(f"config file {path} (not read without a project)")
        data = self.index.read_config(path, self.path)
        if data is None:
            return self.unknown(f"config file {path} not found or not readable")
        rel, parsed = data
        return Value(True, ConfigData(parsed, rel, ""), "config", f"{rel} (read at {self.where(node.lineno)})")

    # -- classes, argparse, dataclasses --------------------------------------------------------
    def class_of(self, node: ast.expr, scope: Scope) -> ClassRef | None:
        """The repo class an expression names (a local class, or one imported from the repo)."""
        val = self.value(node, scope, MAX_DEPTH - 8)
        if val.known and isinstance(val.value, ClassRef):
            return val.value
        return None

    def class_attr(self, cls: ClassRef, attr: str, depth: int) -> Value:
        bindings = cls.scope.bindings.get(attr)
        if not bindings:
            return self.unknown(f"{cls.scope.name}.{attr} is not defined")
        candidates = self.pick(bindings)
        if len(candidates) != 1:
            return self.unknown(f"{cls.scope.name}.{attr} is defined more than once")
        binding = candidates[0]
        if binding.kind != "assign" or binding.node is None:
            return self.unknown(f"{cls.scope.name}.{attr} has no default")
        expr = binding.node
        if cls.is_dataclass and isinstance(expr, ast.Call):
            callee = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
            if callee in ("field", "Field"):  # dataclasses / attrs field(default=...), pydantic Field(default)
                default = next((kw.value for kw in expr.keywords if kw.arg == "default"), None)
                if default is None and callee == "Field" and expr.args and not (
                        isinstance(expr.args[0], ast.Constant) and expr.args[0].value is Ellipsis):
                    default = expr.args[0]
                factory = next((kw.value for kw in expr.keywords if kw.arg == "default_factory"), None)
                if default is None and isinstance(factory, ast.Name) and factory.id in ("dict", "list", "tuple"):
                    empty: Any = {} if factory.id == "dict" else ()
                    return Value(True, empty, "dataclass", f"{cls.scope.name}.{attr} default "
                                 f"({factory.id}(), {self.where(binding.line)})")
                if default is None:
                    return self.unknown(f"{cls.scope.name}.{attr} has no default ({callee} without a default)")
                expr = default
        val = self.value(expr, cls.scope, depth)
        if not val.known:
            return val
        how = "dataclass" if cls.is_dataclass else "constant"
        how = strongest(how, val.how) if val.how not in ("literal", "constant") else how
        where = f"{cls.scope.name}.{attr} {'default' if cls.is_dataclass else '= ...'} ({self.where(binding.line)})"
        return Value(True, val.value, how, where)

    def argparse_options(self) -> dict[str, list[tuple[ast.Call, ast.expr | None]]]:
        """dest -> [(add_argument call, default expression)] for every add_argument in the file."""
        if self._argparse is None:
            table: dict[str, list[tuple[ast.Call, ast.expr | None]]] = {}
            for info in self.info.calls:
                call = info.node
                if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument"):
                    continue
                kw = {k.arg: k.value for k in call.keywords if k.arg}
                names = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                dest = None
                if isinstance(kw.get("dest"), ast.Constant):
                    dest = kw["dest"].value  # type: ignore[union-attr]
                else:
                    longs = [n for n in names if n.startswith("--")]
                    shorts = [n for n in names if n.startswith("-")]
                    plain = [n for n in names if not n.startswith("-")]
                    chosen = longs[0][2:] if longs else shorts[0][1:] if shorts else plain[0] if plain else None
                    dest = chosen.replace("-", "_") if chosen else None
                if dest:
                    table.setdefault(dest, []).append((call, kw.get("default")))
            self._argparse = table
        return self._argparse

    def argparse_default(self, dest: str, depth: int) -> Value:
        options = self.argparse_options().get(dest)
        if not options:
            return self.unknown(f"no command-line option {dest!r} is defined in {self.path}")
        values = []
        for call, default in options:
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            flag = next((a.value for a in call.args if isinstance(a, ast.Constant)), dest)
            if default is None:
                required = isinstance(kw.get("required"), ast.Constant) and kw["required"].value is True  # type: ignore[union-attr]
                why = "is required" if required else "has no default"
                return self.unknown(f"command-line option {flag} {why} ({self.where(call.lineno)})")
            scope = self.info.module
            val = self.value(default, scope, depth)
            if not val.known:
                return val
            how = strongest("argparse", val.how)
            values.append(Value(True, val.value, how, f"default of command-line option {flag} ({self.where(call.lineno)})"))
        if all(_plain(v.value) and v.value == values[0].value for v in values):
            return values[0]
        return self.unknown(f"command-line option {dest!r} is defined with different defaults in {self.path}")

    def unique_option(self, attr: str, depth: int) -> Value | None:
        """The one argparse option or dataclass field named `attr` in this file, if unambiguous."""
        hits: list[Value] = []
        if attr in self.argparse_options():
            hits.append(self.argparse_default(attr, depth))
        for bindings in self.info.module.bindings.values():
            for binding in bindings:
                if binding.kind == "class" and binding.scope is not None and attr in binding.scope.bindings:
                    cls = ClassRef(self, binding.scope)
                    if cls.is_dataclass:
                        hits.append(self.class_attr(cls, attr, depth))
        if len(hits) == 1 and hits[0].known:
            return hits[0]
        if len(hits) > 1 and all(h.known and _plain(h.value) and h.value == hits[0].value for h in hits):
            return hits[0]
        return None

    # -- qualified names -----------------------------------------------------------------------
    def qualname(self, node: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        names = self.qualnames(node, scope, depth)
        return names[0] if names else None

    def qualnames(self, node: ast.expr, scope: Scope, depth: int = 0) -> list[str]:
        """Dotted names the expression may stand for: the direct one, then via base classes (at most
        MAX_QUALNAMES, each once: attribute chains through several bindings multiply them).

        Memoised per expression (a call chain asks for its receiver's names twice: as the callee's
        owner and for a fluent API's instance, which would double the work per link); an answer
        computed with less depth budget left than the caller has is computed again."""
        if depth > 12:
            return []
        # Keyed by id, and the node kept in the entry and checked: callers also ask about nodes
        # they build for one question (`ast.Name(id=attr)`), whose ids a later node may reuse.
        frame = self._frames[-1] if self._frames else None
        key = (id(node), id(scope), id(frame))
        memo = self._expr_names.get(key)
        if memo is not None and memo[0][0] is node and memo[0][1] is scope and memo[0][2] is frame \
                and memo[1] <= depth:
            return list(memo[2])
        cut = self._cycles_cut
        names = list(dict.fromkeys(self._qualnames(node, scope, depth)))[:MAX_QUALNAMES]
        if self._cycles_cut == cut:  # complete: not cut short by a lookup under way
            self._expr_names[key] = ((node, scope, frame), depth, names)
        return list(names)

    def _qualnames(self, node: ast.expr, scope: Scope, depth: int) -> list[str]:
        if isinstance(node, ast.Name):
            return self._name_qualnames(node.id, scope, node.lineno, depth)
        if isinstance(node, ast.Attribute):
            owner = self._owner(scope)
            base = node.value
            if owner is not None and isinstance(base, ast.Name) and base.id == owner[0]:
                return self._self_attr_qualnames(node.attr, scope, depth, direct=True)
            if (owner is not None and isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                    and base.value.id == owner[0]):
                inner = self._self_attr_qualnames(base.attr, scope, depth, direct=False)
                return [f"{name.removesuffix('()')}.{node.attr}" for name in inner]
            # "HfApi()" + ".snapshot_download": a method of an instance is named through its class.
            return [f"{base.removesuffix('()')}.{node.attr}" for base in self.qualnames(node.value, scope, depth + 1)]
        if isinstance(node, ast.Subscript) and (depth == 0 or (isinstance(node.value, ast.Attribute)
                                                               and node.value.attr == "__dict__")):
            # A registry item called directly (`sam_model_registry[kind](checkpoint=...)`) or a
            # module attribute looked up by name (`bundle = torchaudio.pipelines.__dict__[name]`):
            # named "registry[]", which only a catalog pattern spelling `\[\]` matches.
            return [f"{n}[]" for n in self.qualnames(node.value, scope, depth + 1) if not n.endswith("()")]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "super" and scope.enclosing_class is not None:
                cls_node = scope.enclosing_class.node
                assert isinstance(cls_node, ast.ClassDef)
                out: list[str] = []
                for base in cls_node.bases:
                    out.extend(self.qualnames(base, scope.enclosing_class.parent or scope, depth + 1))
                return out
            # The receiver first: the callee's names below ask for it again, one level deeper, and
            # find it memoised (asked the other way round, each link of a chain would double the work).
            receiver = self.qualnames(func.value, scope, depth + 1) if isinstance(func, ast.Attribute) else []
            names = self.qualnames(func, scope, depth + 1)
            # Calling a class makes an instance, named "Class()": calling the instance itself
            # (hub.KerasLayer(h)(x), model(inputs)) then matches no loader, its methods do.
            out = [n + "()" for n in names if n.rsplit(".", 1)[-1][:1].isupper() and not n.endswith("()")]
            if isinstance(func, ast.Attribute):
                # A fluent API: a method of an instance returns an object named "Class.method()"
                # (`Roboflow().workspace(w).project(p).version(n).download(fmt)`).
                out += [f"{n[:-2]}.{func.attr}()" for n in receiver if n.endswith("()")]
            return out
        return []

    def _self_attr_qualnames(self, attr: str, scope: Scope, depth: int, direct: bool) -> list[str]:
        """`self.api` -> what `self.api = HfApi()` bound; `self.method` -> Class.method (also an
        inherited one, when called directly); an unknown attribute in a longer chain -> nothing."""
        cls = scope.enclosing_class
        if cls is None:
            return []
        if "self." + attr in cls.bindings:
            out: list[str] = []
            for binding in self.pick(cls.bindings["self." + attr]):
                if binding.kind == "assign" and binding.node is not None:
                    out.extend(self.qualnames(binding.node, binding.env or cls, depth + 1))
            return out
        if attr in cls.bindings or direct:
            return [f"{name}.{attr}" for name in self._class_qualnames(cls, depth)]
        return []

    def _name_qualnames(self, name: str, scope: Scope, line: int, depth: int) -> list[str]:
        owner = self._owner(scope)
        if owner is not None and name == owner[0] and scope.enclosing_class is not None:
            names = self._class_qualnames(scope.enclosing_class, depth)
            # `self` is an instance: calling it is not constructing (or loading) anything.
            return names if owner[1] == "class" else [n + "()" for n in names]
        found = self.lookup(name, scope, line)
        if found is None:
            return [name] if name in _BUILTINS else []
        bindings, holder = found
        imports = [b for b in bindings if b.kind == "import"]
        if imports and len(imports) < len(bindings) and holder is scope:
            # `pipeline = pipeline(...)` then `pipeline(audio)`: after the rebinding the name is
            # the object, not the imported function.
            reach = self.reaching(holder, name, line)
            if reach is not None and not reach.partial and reach.defs:
                imports = [d.binding for d in reach.defs if d.binding.kind == "import"]
                if not imports:
                    bindings = [d.binding for d in reach.defs]
        if imports:
            # Two function-local imports of one name (`from modelscope import snapshot_download` in
            # one branch, `from openmind... import snapshot_download` in a later one): the last
            # import before the use, when the use runs in that scope's order.
            before = [b for b in imports if b.line <= line] if holder is scope else []
            return [(before or imports)[-1].target or name]
        out: list[str] = []
        for binding in self.pick(bindings):
            key = id(binding)
            if key in self._names:
                out.extend(self._names[key])
                continue
            if key in self._active:
                self._cycles_cut += 1  # this answer is partial: qualnames() must not memoise it
                continue
            self._active.add(key)
            try:
                names = self._binding_qualnames(name, binding, holder, depth)
            finally:
                self._active.discard(key)
            self._names[key] = names
            out.extend(names)
        return out

    def _binding_qualnames(self, name: str, binding: Binding, holder: Scope, depth: int) -> list[str]:
        if binding.kind == "class" and binding.scope is not None:
            return self._class_qualnames(binding.scope, depth)
        if binding.kind == "function":
            return [f"{self.module}.{name}"]
        if binding.kind == "assign" and binding.node is not None:
            env = binding.env or holder
            value = binding.node
            if isinstance(value, ast.Call):
                q = self.qualname(value.func, env, depth + 1)
                if q in ("importlib.import_module", "__import__") and value.args:
                    mod = self.value(value.args[0], env)
                    if mod.known and isinstance(mod.value, str):
                        return [mod.value]
                if q == "functools.partial" and value.args:
                    return self.qualnames(value.args[0], env, depth + 1)
            return self.qualnames(value, env, depth + 1)
        if binding.kind == "param" and binding.annotation is not None:
            # `api: HfApi` -> an instance of HfApi.
            return self.qualnames(binding.annotation, binding.env or holder.parent or holder, depth + 1)
        return []

    def _class_qualnames(self, cls: Scope, depth: int) -> list[str]:
        node = cls.node
        assert isinstance(node, ast.ClassDef)
        out = [f"{self.module}.{cls.qualname}" if self.module else cls.qualname]
        for base in node.bases:
            out.extend(self.qualnames(base, cls.parent or cls, depth + 1))
        return out



# gradio event listeners: `component.click(fn, inputs, outputs)` calls fn with the inputs' values.
UI_EVENTS = frozenset({"click", "change", "submit", "select", "input", "upload", "release", "then", "success",
                       "load", "blur", "focus"})
# Components whose value is one of the `choices` they are given.
_CHOICE_COMPONENT = re.compile(r"gradio\.(?:\w+\.)*(?:Dropdown|Radio)")

_CONFIG_LOADERS = frozenset({
    "yaml.safe_load", "yaml.load", "yaml.full_load", "json.load", "json.loads", "tomllib.load",
    "tomllib.loads", "tomli.load", "tomli.loads", "omegaconf.OmegaConf.load", "toml.load",
})
_BUILTINS = frozenset({"open", "str", "dict", "__import__", "vars", "enumerate", "zip"})
# Methods of torch modules (and diffusers pipelines) that return the object they are called on:
# `pipe = Pipeline.from_pretrained(...).to(device)` is still the pipeline.
_RETURNS_SELF = frozenset({"to", "cuda", "cpu", "eval", "train", "half", "float", "double", "bfloat16",
                           "requires_grad_"})


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


# -- the call models ---------------------------------------------------------------------------
@_model("os.getenv", "os.environ.get", "os.environ.setdefault")
def _environ_get(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    args = node.args
    key = ev.value(args[0], scope, depth) if args else Value.unknown()
    name = key.value if key.known else "?"
    default_node = args[1] if len(args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
    if default_node is None:
        return ev.unknown(f"environment variable {name} (no default) at {ev.where(node.lineno)}")
    default = ev.value(default_node, scope, depth)
    if not default.known:
        return default
    if default.value is None:
        return ev.unknown(f"environment variable {name} (default None) at {ev.where(node.lineno)}")
    return Value(True, default.value, strongest("env", default.how),
                 f"environment variable {name}, default {default.value!r} ({ev.where(node.lineno)})")


@_model("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "str")
def _path_or_str(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    parts = [ev.value(a, scope, depth) for a in node.args]
    if parts and all(p.known and isinstance(p.value, str) for p in parts):
        how = strongest("literal", *(p.how for p in parts))
        prov = "; ".join(p.provenance for p in parts if p.provenance) or None
        if qual == "str":
            return Value(True, parts[0].value, how, prov)
        text = posixpath.join(*(p.value for p in parts))  # "" (dirname of a top-level file) adds no "/"
        if isinstance(parts[0].value, LocalPath) and "/../" in f"/{text}/" and not text.startswith("../"):
            # os.path.join(os.path.dirname(__file__), "../data/pnet.pt"): the repo's file, named once
            text = posixpath.normpath(text)
        how = how if len(parts) == 1 or how != "literal" else "fstring"
        return Value(True, LocalPath(text), how, prov)
    if qual == "str" and parts and parts[0].known and _plain(parts[0].value):
        return Value(True, str(parts[0].value), parts[0].how, parts[0].provenance)
    return ev.unknown(f"path built from unresolvable parts at {ev.where(node.lineno)}")


@_model("os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.normpath", "posixpath.dirname",
        "os.path.basename", "posixpath.basename", methods=("resolve", "absolute"))
def _path_of(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    """os.path.dirname(__file__), Path(...).resolve(): a path stays a path (relative to the repo).
    os.path.basename(path) is the file's name (`weight_name=`), a plain string."""
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute"):
        target = ev.value(node.func.value, scope, depth)
        return target if target.known and isinstance(target.value, LocalPath) else None
    if len(node.args) != 1:
        return None
    arg = ev.value(node.args[0], scope, depth)
    if not (arg.known and isinstance(arg.value, str)):
        return ev.because(f"{qual}() of an unresolvable path", node.lineno, arg)
    if qual.endswith("basename"):
        return Value(True, posixpath.basename(arg.value), arg.how, arg.provenance)
    text = posixpath.dirname(arg.value) if qual.endswith("dirname") else posixpath.normpath(arg.value)
    return Value(True, LocalPath(text), arg.how, arg.provenance)


@_model("dict")
def _dict_call(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    if any(kw.arg is None for kw in node.keywords) or len(node.args) > 1:
        return ev.unknown(f"dict() with ** arguments at {ev.where(node.lineno)}")
    base: dict[Any, Value] = {}
    if node.args:
        first = ev.value(node.args[0], scope, depth)
        if not (first.known and isinstance(first.value, dict)):
            return ev.unknown(f"dict() of an unresolvable mapping at {ev.where(node.lineno)}")
        base = dict(first.value)
    return Value(True, {**base, **{kw.arg: ev.value(kw.value, scope, depth) for kw in node.keywords}}, "literal")


@_model("importlib.import_module", "__import__")
def _import_module(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    name = ev.value(node.args[0], scope, depth) if node.args else Value.unknown()
    if name.known and isinstance(name.value, str):
        return Value(True, ModuleRef(name.value), "literal")
    return None


@_model("open", "io.open", "codecs.open", "builtins.open")
def _open(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    path = ev.value(node.args[0], scope, depth) if node.args else Value.unknown()
    if path.known and isinstance(path.value, str):
        return Value(True, FileHandle(path.value, ev.where(node.lineno), path.how, path.provenance), "config")
    return ev.because("open() of an unresolvable path", node.lineno, path)


@_model("io.BytesIO", "io.StringIO", "_io.BytesIO", "_io.StringIO")
def _buffer(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    """An in-memory file: empty, or holding the bytes it is built from (`BytesIO(f.read())`)."""
    where = ev.where(node.lineno)
    initial = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("initial_bytes", "initial_value")), None)
    if initial is None:
        return Value(True, Buffer(None, where), "literal")
    data = ev.value(initial, scope, depth)
    if data.known and isinstance(data.value, FileHandle):
        return Value(True, Buffer(data.value, where), data.how, data.provenance)
    if data.known and isinstance(data.value, (bytes, str)):
        return Value(True, Buffer(None, where), "literal")
    return ev.because(f"{qual.rsplit('.', 1)[-1]}() of contents not known", node.lineno, data)


@_model(methods=("read", "getvalue", "getbuffer"))
def _file_contents(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    """f.read() of an opened file, buf.getvalue() of an in-memory one: that file's bytes."""
    target = ev.value(node.func.value, scope, depth)  # type: ignore[attr-defined]
    obj = target.value if target.known else None
    if isinstance(obj, Buffer) and obj.source is not None:
        return replace(target, value=obj.source)
    if isinstance(obj, FileHandle) and node.func.attr == "read":  # type: ignore[attr-defined]
        return target
    return None


@_model(*_CONFIG_LOADERS)
def _config_loader(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    return ev._config(node, qual, scope, depth)


@_model("functools.partial")
def _partial(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    if not node.args or isinstance(node.args[0], ast.Starred):
        return ev.unknown(f"functools.partial() without a function at {ev.where(node.lineno)}")
    return Value(True, PartialRef(node.args[0], node, scope), "literal")


@_model(methods=("format", "join", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "removeprefix",
                 "removesuffix", "title", "casefold", "split", "rsplit", "partition", "rpartition"))
def _str_methods(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    func = node.func
    assert isinstance(func, ast.Attribute)
    receiver = ev.value(func.value, scope, depth)
    if receiver.known and isinstance(receiver.value, str):
        return ev._str_method(receiver, func.attr, node, scope, depth)
    if receiver.alternatives:
        return ev.lift([receiver], lambda r: ev._str_method(r[0], func.attr, node, scope, depth) if r[0].known
                       and isinstance(r[0].value, str) else r[0], f"str.{func.attr}() of values that differ")
    return None


@_model("vars")
def _vars(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    if len(node.args) != 1:
        return None
    obj = ev.value(node.args[0], scope, depth)
    return obj if obj.known and isinstance(obj.value, ArgNamespace) else None


@_model(methods=("get", "pop"))
def _mapping_get(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    """REVISIONS.get(model_id[, default]) (and .pop): a registry lookup whose key is itself resolved."""
    func = node.func
    assert isinstance(func, ast.Attribute)
    if not node.args or len(node.args) > 2 or node.keywords:
        return None
    base = ev.value(func.value, scope, depth)
    if not (base.known and isinstance(base.value, (dict, ConfigData, ArgNamespace, OpenKwargs))) and not base.alternatives:
        return None
    key = ev.value(node.args[0], scope, depth)
    default = ev.value(node.args[1], scope, depth) if len(node.args) > 1 else Value(True, None, "literal")
    return ev.lift([base, key], lambda bk: ev.item(bk[0], bk[1], node.lineno, default),
                   f"lookup with keys that differ at {ev.where(node.lineno)}")


@_model(methods=("items", "keys", "values"))
def _mapping_view(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    """d.items() / .keys() / .values() of a known dict: its (key, value) pairs, keys or values, in
    order (what a `for` over them takes, one item each)."""
    func = node.func
    assert isinstance(func, ast.Attribute)
    if node.args or node.keywords:
        return None
    base = ev.value(func.value, scope, depth)
    obj = base.value if base.known else None
    if isinstance(obj, ConfigData) and isinstance(obj.data, dict):
        prov = f"{obj.file}: {obj.where or 'top level'} (read at {ev.where(node.lineno)})"
        obj = {k: Value(True, v, "config", prov) if _plain(v) else
               Value(True, ConfigData(v, obj.file, f"{obj.where}.{k}" if obj.where else str(k)), "config", prov)
               for k, v in obj.data.items() if isinstance(k, (str, int))}
    if not isinstance(obj, dict):
        return None
    if func.attr == "keys":
        items = tuple(Value(True, k, "literal") for k in obj)
    elif func.attr == "values":
        items = tuple(obj.values())
    else:
        items = tuple(Value(True, (Value(True, k, "literal"), v), "literal") for k, v in obj.items())
    return Value(True, items, "literal")


@_model("enumerate", "zip")
def _enumerate_zip(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    """enumerate(xs) / zip(xs, ys) of known sequences: their tuples, in order."""
    if node.keywords or not node.args or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    if qual == "enumerate" and len(node.args) != 1:
        return None
    seqs = []
    for arg in node.args:
        seq = ev.value(arg, scope, depth)
        if not (seq.known and isinstance(seq.value, (tuple, dict))):
            return None
        seqs.append(list(seq.value) if isinstance(seq.value, tuple) else [Value(True, k, "literal") for k in seq.value])
    if qual == "enumerate":
        pairs = [(Value(True, i, "literal"), item) for i, item in enumerate(seqs[0])]
    else:
        pairs = list(zip(*seqs))
    return Value(True, tuple(Value(True, tuple(p), "literal") for p in pairs), "literal")


@_model(methods=("parse_args", "parse_known_args"))
def _parse_args(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    if qual.startswith("transformers"):
        return None
    ns = Value(True, ArgNamespace(ev), "argparse", None)
    if node.func.attr == "parse_known_args":  # type: ignore[attr-defined]
        return Value(True, (ns, ev.unknown("remaining arguments")), "argparse")
    return ns


@_model(methods=("parse_args_into_dataclasses", "parse_dict", "parse_json_file", "parse_yaml_file",
                 "parse_args_and_config"))
def _hf_argument_parser(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value:
    return ev._hf_parser(node.func.value, scope, depth)  # type: ignore[attr-defined]


@_model(methods=("read_text", "read_bytes"))
def _read_file(ev: Evaluator, node: ast.Call, scope: Scope, depth: int, qual: str) -> Value | None:
    target = ev.value(node.func.value, scope, depth)  # type: ignore[attr-defined]
    if target.known and isinstance(target.value, str):
        return Value(True, FileHandle(target.value, ev.where(node.lineno), target.how, target.provenance), "config")
    return None


def partial_target(ev: Evaluator, func: ast.expr, scope: Scope) -> PartialRef | None:
    """The functools.partial object a called name is bound to, if it is one (only a name assigned
    a call is evaluated: a loader's own callee is not, so no module is looked up for it)."""
    if not isinstance(func, ast.Name):
        return None
    found = ev.lookup(func.id, scope, func.lineno)
    if found is None or not any(b.kind == "assign" and isinstance(b.node, ast.Call) for b in found[0]):
        return None
    val = ev.value(func, scope, MAX_DEPTH // 2)
    return val.value if val.known and isinstance(val.value, PartialRef) else None
