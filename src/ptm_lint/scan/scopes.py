"""One pass over a module's AST: scopes, name bindings, and every call with its context."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass(slots=True, eq=False)
class Binding:
    """One place where a name gets a value.

    kind: import (target = qualified name) | assign (node = value expression, path = tuple-unpacking
    index path) | param (node = default expression or None, annotation; star for `*args` / `**kwargs`) | class | function |
    for (node = iterable) | with (node = context expression) | other.
    """

    kind: str
    line: int
    block: int  # id() of the statement list holding the binding: same block = straight-line code
    node: ast.AST | None = None
    target: str | None = None
    path: tuple[int, ...] = ()
    annotation: ast.expr | None = None
    scope: Scope | None = None  # for class/function bindings: the scope they create
    env: Scope | None = None  # where `node` must be evaluated, when not the binding's own scope
    # "*" for a `*args` parameter (the call's extra positional arguments), "**" for `**kwargs` (the
    # keyword arguments no other parameter takes); "" for the others.
    star: str = ""


@dataclass(slots=True, eq=False)
class Scope:
    kind: str  # module | function | class | lambda | comprehension
    name: str
    qualname: str
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    returns: list[ast.expr] = field(default_factory=list)

    def bind(self, name: str, binding: Binding) -> None:
        if name in self.global_names and self.parent is not None:
            module = self
            while module.parent is not None:
                module = module.parent
            module.bindings.setdefault(name, []).append(binding)
            return
        self.bindings.setdefault(name, []).append(binding)

    @property
    def function(self) -> Scope | None:
        """The innermost enclosing function scope (itself if it is one)."""
        scope: Scope | None = self
        while scope is not None and scope.kind not in ("function", "lambda"):
            scope = scope.parent
        return scope

    @property
    def enclosing_class(self) -> Scope | None:
        """For a method's scope: the class it is defined in."""
        func = self.function
        if func is None or func.parent is None or func.parent.kind != "class":
            return None
        return func.parent


@dataclass(slots=True)
class CallInfo:
    node: ast.Call
    scope: Scope
    # Falsy outside loops; inside one, the innermost loop (For, While, or a comprehension node),
    # or True where only "in some loop" is known.
    in_loop: bool | ast.AST | ast.AST


@dataclass(slots=True)
class ModuleInfo:
    module: Scope
    calls: list[CallInfo]
    scope_of: dict[int, Scope]  # id(function/class/lambda node) -> its scope
    # Names some statement changes in place (`d[k] = v`, `d.attr = v`, `d.update(...)`), anywhere.
    changed: set[str] = field(default_factory=set)
    # Names used as a value other than by calling them (an argument, assigned, returned): the lines.
    escaped: dict[str, list[int]] = field(default_factory=dict)


# Methods that change the container they are called on (`write`: an in-memory file being filled).
MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove",
                      "write"})
# Builtins whose arguments are looked at, not called or kept: passing a class to them is no other use.
_NOT_CALLING = frozenset({"super", "isinstance", "issubclass"})


def _module_name(package: str | None, level: int, module: str | None) -> str:
    """Absolute module name of a (possibly relative) import in `package`."""
    if level == 0:
        return module or ""
    parts = (package or "").split(".") if package else []
    if level - 1 > len(parts):
        base: list[str] = []
    else:
        base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    if module:
        base = base + [module]
    return ".".join(base)


class _Collector:
    """Builds scopes and collects calls; recursion mirrors Python's scoping rules."""

    def __init__(self, package: str | None) -> None:
        self.package = package
        self.calls: list[CallInfo] = []
        self.scope_of: dict[int, Scope] = {}
        self.changed: set[str] = set()
        self.escaped: dict[str, list[int]] = {}

    # -- statements ------------------------------------------------------------------------
    def block(self, body: list[ast.stmt], scope: Scope, loop: bool | ast.AST) -> None:
        for stmt in body:
            self.stmt(stmt, scope, loop, id(body))

    def stmt(self, node: ast.stmt, scope: Scope, loop: bool | ast.AST, block: int) -> None:
        line = node.lineno
        kind = type(node)
        # The two commonest statements first (a third of all are assignments, a tenth expression
        # statements: calls and docstrings), before the chain of isinstance tests below.
        if kind is ast.Assign:
            self.expr(node.value, scope, loop)  # type: ignore[attr-defined]
            if type(node.value) is ast.Name:  # type: ignore[attr-defined]
                self.escaped.setdefault(node.value.id, []).append(line)  # type: ignore[attr-defined]
            for tgt in node.targets:  # type: ignore[attr-defined]
                self.target(tgt, scope, loop, Binding("assign", line, block, node=node.value))  # type: ignore[attr-defined]
        elif kind is ast.Expr:
            self.expr(node.value, scope, loop)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                self.expr(dec, scope, loop)
            self.arguments(node.args, scope, loop)
            if node.returns:
                self.expr(node.returns, scope, loop)
            inner = Scope("function", node.name, f"{_qual(scope)}{node.name}", node, scope)
            self.scope_of[id(node)] = inner
            self.params(node.args, inner)
            scope.bind(node.name, Binding("function", line, block, node=node, scope=inner))
            # A function body runs later, possibly many times: a loop around the def is irrelevant.
            self.block(node.body, inner, False)
        elif isinstance(node, ast.ClassDef):
            for dec in node.decorator_list:
                self.expr(dec, scope, loop)
            for base in node.bases:
                self.expr(base, scope, loop)
            for kw in node.keywords:
                self.expr(kw.value, scope, loop)
            inner = Scope("class", node.name, f"{_qual(scope)}{node.name}", node, scope)
            self.scope_of[id(node)] = inner
            scope.bind(node.name, Binding("class", line, block, node=node, scope=inner))
            self.block(node.body, inner, loop)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.bind(alias.asname, Binding("import", line, block, target=alias.name))
                else:
                    top = alias.name.split(".", 1)[0]
                    scope.bind(top, Binding("import", line, block, target=top))
        elif isinstance(node, ast.ImportFrom):
            base = _module_name(self.package, node.level, node.module)
            for alias in node.names:
                if alias.name == "*":
                    continue
                target = f"{base}.{alias.name}" if base else alias.name
                scope.bind(alias.asname or alias.name, Binding("import", line, block, target=target))
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.expr(node.value, scope, loop)
            self.expr(node.annotation, scope, loop)
            kind = "assign" if node.value is not None else "other"
            self.target(
                node.target, scope, loop,
                Binding(kind, line, block, node=node.value, annotation=node.annotation),
            )
        elif isinstance(node, ast.AugAssign):
            self.expr(node.value, scope, loop)
            self.target(node.target, scope, loop, Binding("other", line, block, node=node))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expr(node.iter, scope, loop)
            self.target(node.target, scope, True, Binding("for", line, block, node=node.iter))
            self.block(node.body, scope, node)  # (the loop itself: scanner tells a loop over ids from a reload)
            self.block(node.orelse, scope, loop)
        elif isinstance(node, ast.While):
            self.expr(node.test, scope, node)
            self.block(node.body, scope, node)
            self.block(node.orelse, scope, loop)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.expr(item.context_expr, scope, loop)
                if item.optional_vars is not None:
                    self.target(
                        item.optional_vars, scope, loop,
                        Binding("with", line, block, node=item.context_expr),
                    )
            self.block(node.body, scope, loop)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.block(node.body, scope, loop)
            for handler in node.handlers:
                if handler.type is not None:
                    self.expr(handler.type, scope, loop)
                if handler.name:
                    scope.bind(handler.name, Binding("other", handler.lineno, block))
                self.block(handler.body, scope, loop)
            self.block(node.orelse, scope, loop)
            self.block(node.finalbody, scope, loop)
        elif isinstance(node, ast.If):
            self.expr(node.test, scope, loop)
            self.block(node.body, scope, loop)
            self.block(node.orelse, scope, loop)
        elif isinstance(node, ast.Return):
            if type(node.value) is ast.Name:
                self.escaped.setdefault(node.value.id, []).append(line)
            if node.value is not None:
                self.expr(node.value, scope, loop)
                func = scope.function
                if func is not None:
                    func.returns.append(node.value)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            scope.global_names.update(node.names)
        elif isinstance(node, ast.Match):
            self.expr(node.subject, scope, loop)
            for case in node.cases:
                for sub in ast.walk(case.pattern):
                    name = getattr(sub, "name", None)
                    if isinstance(name, str):
                        scope.bind(name, Binding("other", line, block))
                if case.guard is not None:
                    self.expr(case.guard, scope, loop)
                self.block(case.body, scope, loop)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, scope, loop)

    def target(self, node: ast.expr, scope: Scope, loop: bool | ast.AST, binding: Binding, path: tuple[int, ...] = ()) -> None:
        if isinstance(node, ast.Name):
            scope.bind(
                node.id,
                Binding(binding.kind, binding.line, binding.block, node=binding.node, path=path,
                        annotation=binding.annotation),
            )
        elif isinstance(node, (ast.Tuple, ast.List)):
            for i, elt in enumerate(node.elts):
                if isinstance(elt, ast.Starred):
                    self.target(elt.value, scope, loop, Binding("other", binding.line, binding.block))
                else:
                    self.target(elt, scope, loop, binding, path + (i,))
        else:
            if isinstance(node, (ast.Subscript, ast.Attribute)) and type(node.value) is ast.Name:
                self.changed.add(node.value.id)  # d[k] = v, ns.attr = v: changed in place
            # `self.x = value` in a method: remembered on the class, for `self.x` reads elsewhere.
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and scope.enclosing_class is not None
                and binding.kind == "assign"
            ):
                scope.enclosing_class.bind(
                    "self." + node.attr,
                    Binding("assign", binding.line, binding.block, node=binding.node, path=path, env=scope),
                )
            # Attribute/subscript targets bind no name, but their sub-expressions may hold calls.
            self.expr(node, scope, loop)

    def arguments(self, args: ast.arguments, scope: Scope, loop: bool | ast.AST) -> None:
        for default in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            self.expr(default, scope, loop)

    def params(self, args: ast.arguments, inner: Scope) -> None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        block = id(args)
        for arg, default in zip(positional, defaults):
            inner.bind(arg.arg, Binding("param", arg.lineno, block, node=default, annotation=arg.annotation))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            inner.bind(arg.arg, Binding("param", arg.lineno, block, node=default, annotation=arg.annotation))
        if args.vararg is not None:
            inner.bind(args.vararg.arg, Binding("param", args.vararg.lineno, block, star="*"))
        if args.kwarg is not None:
            inner.bind(args.kwarg.arg, Binding("param", args.kwarg.lineno, block, star="**"))

    # -- expressions -----------------------------------------------------------------------
    def expr(self, node: ast.expr, scope: Scope, loop: bool | ast.AST) -> None:
        # Iterative over plain expressions (deep chains of BinOp or calls are common in
        # generated code); scope-creating expressions recurse. This is the hottest loop of a scan:
        # children come from a per-type table of the fields that can hold expressions (never the
        # ctx/operator nodes that ast.iter_child_nodes also yields), leaves are never pushed, and
        # the visiting order is ast.iter_child_nodes' (depth first, fields in order), so calls and
        # bindings are recorded in the same order as a plain walk would.
        if type(node) in _LEAVES:
            return
        stack: list[ast.AST] = [node]
        pop, push = stack.pop, stack.append
        fields_of = _EXPR_FIELDS
        leaves = _LEAVES
        while stack:
            current = pop()
            kind = type(current)
            fields = fields_of.get(kind)
            if fields is None:
                if kind is ast.Lambda:
                    self._lambda(current, scope, loop)  # type: ignore[arg-type]
                elif kind in _COMPREHENSIONS:
                    self._comprehension(current, scope, loop)  # type: ignore[arg-type]
                else:  # an expression type this table does not know (a newer Python): walk it all
                    for child in reversed(list(ast.iter_child_nodes(current))):
                        if type(child) not in leaves:
                            push(child)
                continue
            if kind is ast.Call:
                self.calls.append(CallInfo(current, scope, loop))  # type: ignore[arg-type]
                func = current.func  # type: ignore[attr-defined]
                if type(func) is ast.Attribute and func.attr in MUTATORS and type(func.value) is ast.Name:
                    self.changed.add(func.value.id)
                # f(load): `load` may be called elsewhere; super(Cls, self) and isinstance(x, Cls) do not call Cls.
                args = () if type(func) is ast.Name and func.id in _NOT_CALLING else current.args  # type: ignore[attr-defined]
                for arg in args:
                    if type(arg) is ast.Name:
                        self.escaped.setdefault(arg.id, []).append(arg.lineno)
                for kw in current.keywords:  # type: ignore[attr-defined]
                    if type(kw.value) is ast.Name:
                        self.escaped.setdefault(kw.value.id, []).append(kw.value.lineno)
            elif kind is ast.NamedExpr:
                target_scope = scope
                while target_scope.kind == "comprehension" and target_scope.parent is not None:
                    target_scope = target_scope.parent
                target_scope.bind(current.target.id,  # type: ignore[attr-defined]
                                  Binding("assign", current.lineno, -1, node=current.value))  # type: ignore[attr-defined]
            for name in fields:
                value = getattr(current, name)
                if value is None:
                    continue
                if type(value) is list:
                    for item in reversed(value):
                        if item is not None and type(item) not in leaves:
                            push(item)
                elif type(value) not in leaves:
                    push(value)

    def _lambda(self, node: ast.Lambda, scope: Scope, loop: bool | ast.AST) -> None:
        self.arguments(node.args, scope, loop)
        inner = Scope("lambda", "<lambda>", f"{_qual(scope)}<lambda>", node, scope)
        self.scope_of[id(node)] = inner
        self.params(node.args, inner)
        self.expr(node.body, inner, False)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       scope: Scope, loop: bool | ast.AST) -> None:
        inner = Scope("comprehension", "<comp>", f"{_qual(scope)}<comp>", node, scope)
        for i, gen in enumerate(node.generators):
            self.expr(gen.iter, scope if i == 0 else inner, loop if i == 0 else node)
            self.target(gen.target, inner, True, Binding("for", node.lineno, id(node), node=gen.iter))
            for cond in gen.ifs:
                self.expr(cond, inner, node)
        elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for elt in elts:
            self.expr(elt, inner, node)


# Expression nodes without sub-expressions: never pushed on the traversal stack.
_LEAVES = frozenset({ast.Name, ast.Constant})
# For each expression type: the fields that can hold expressions, in REVERSED field order (they
# are pushed on a stack, so they pop in field order). Lambda and comprehensions are handled apart.
_EXPR_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(reversed(fields))
    for kind, fields in {
        ast.Attribute: ("value",),
        ast.Await: ("value",),
        ast.BinOp: ("left", "right"),
        ast.BoolOp: ("values",),
        ast.Call: ("func", "args", "keywords"),
        ast.Compare: ("left", "comparators"),
        ast.Dict: ("keys", "values"),
        ast.FormattedValue: ("value", "format_spec"),
        ast.IfExp: ("test", "body", "orelse"),
        ast.JoinedStr: ("values",),
        ast.List: ("elts",),
        ast.NamedExpr: ("target", "value"),
        ast.Set: ("elts",),
        ast.Slice: ("lower", "upper", "step"),
        ast.Starred: ("value",),
        ast.Subscript: ("value", "slice"),
        ast.Tuple: ("elts",),
        ast.UnaryOp: ("operand",),
        ast.Yield: ("value",),
        ast.YieldFrom: ("value",),
        ast.keyword: ("value",),
        ast.Name: (),
        ast.Constant: (),
    }.items()
}
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp})


def _qual(scope: Scope) -> str:
    if scope.kind == "module":
        return ""
    return scope.qualname + "."


def collect(tree: ast.Module, package: str | None) -> ModuleInfo:
    """Scopes, bindings and calls of a parsed module. `package` is the dotted package containing it."""
    module = Scope("module", "<module>", "<module>", tree, None)
    collector = _Collector(package)
    collector.block(tree.body, module, False)
    return ModuleInfo(module, collector.calls, collector.scope_of, collector.changed, collector.escaped)
