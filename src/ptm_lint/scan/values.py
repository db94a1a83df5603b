"""Static evaluation of expressions: what string an id or revision argument will hold, and why."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import Value
from .scopes import Binding, ModuleInfo, Scope

if TYPE_CHECKING:
    from .project import ModuleIndex

# When mechanisms chain, the most specific one names the resolution (docs/resolution.md).
PRECEDENCE = {
    "unknown": 0, "literal": 1, "constant": 2, "fstring": 3, "default": 4, "env": 5,
    "dataclass": 6, "argparse": 7, "config": 8, "import": 9,
}
MAX_DEPTH = 40


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
        return False


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """An object built from a class of the scanned repo (a dataclass, usually)."""

    cls: ClassRef
    overrides: dict[str, Value]


@dataclass(frozen=True, slots=True, eq=False)
class ArgNamespace:
    """The result of ArgumentParser.parse_args() in some module."""

    evaluator: Evaluator


@dataclass(frozen=True, slots=True)
class FileHandle:
    path: str
    origin: str


@dataclass(frozen=True, slots=True)
class ConfigData:
    """Data read from a YAML/JSON file of the repo; `where` is the dotted key path so far."""

    data: Any
    file: str
    where: str


class LocalPath(str):
    """A string built as a filesystem path (os.path.join, pathlib.Path): never a hub id."""

    __slots__ = ()


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


class Evaluator:
    """Evaluates expressions of one module, following bindings, defaults and one import hop."""

    def __init__(self, info: ModuleInfo, path: str, module: str, index: ModuleIndex | None, hops: int = 0) -> None:
        self.info = info
        self.path = path
        self.module = module
        self.index = index
        self.hops = hops
        self._argparse: dict[str, list[tuple[ast.Call, ast.expr | None]]] | None = None
        # A binding's value and names do not depend on where it is used: memoise them, and treat a
        # binding met again while it is being evaluated (x = x + 1, import cycles) as unknown.
        self._values: dict[int, Value] = {}
        self._names: dict[int, list[str]] = {}
        self._active: set[int] = set()
        self._mutated: dict[tuple[int, str], bool] = {}
        self._owners: dict[int, tuple[str, str] | None] = {}

    def release(self) -> None:
        """Drop the memos (they hold values that point back at this evaluator: a cycle)."""
        self._values.clear()
        self._names.clear()
        self._active.clear()
        self._owners.clear()
        self._mutated.clear()
        self._argparse = None

    # -- helpers -------------------------------------------------------------------------------
    def _owner(self, scope: Scope) -> tuple[str, str] | None:
        """method_self(scope), memoised: it is asked for every name and attribute resolved."""
        key = id(scope)
        if key not in self._owners:
            self._owners[key] = method_self(scope)
        return self._owners[key]

    def mutated(self, name: str, scope: Scope) -> bool:
        """Whether a dict/list bound to `name` is changed in place somewhere in its scope
        (`kw["revision"] = ...`, `kw.update(...)`): then its literal value is not the whole story."""
        found = self.lookup(name, scope, 10**9)
        holder = found[1] if found else scope
        key = (id(holder), name)
        if key not in self._mutated:
            self._mutated[key] = any(_mutates(node, name) for node in ast.walk(holder.node))
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
        current: Scope | None = scope
        innermost = True
        while current is not None:
            if current.kind == "class" and not innermost:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings:
                if innermost:
                    before = [b for b in bindings if b.line <= line]
                    bindings = before or bindings
                return bindings, current
            current = current.parent
            innermost = False
        return None

    @staticmethod
    def pick(bindings: list[Binding]) -> list[Binding]:
        """Straight-line reassignments: the last one wins; bindings in different blocks all count."""
        if len({b.block for b in bindings}) == 1:
            return [max(bindings, key=lambda b: b.line)]
        return bindings

    # -- values --------------------------------------------------------------------------------
    def value(self, node: ast.expr | None, scope: Scope, depth: int = 0) -> Value:
        if node is None:
            return Value.missing()
        if depth > MAX_DEPTH:
            return self.unknown("expression too deep to resolve")
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
            if a.known and b.known and _plain(a.value) and a.value == b.value:
                return Value(True, a.value, strongest(a.how, b.how), a.provenance)
            return self.unknown(f"conditional expression at {self.where(node.lineno)}")
        if isinstance(node, (ast.Tuple, ast.List)):
            items = tuple(self.value(e, scope, depth) for e in node.elts if not isinstance(e, ast.Starred))
            if len(items) != len(node.elts):
                return self.unknown(f"starred sequence at {self.where(node.lineno)}")
            return Value(True, items, "literal")
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                merged: dict[str, Value] = {}
                for key, val in zip(node.keys, node.values):
                    if key is None:
                        sub = self.value(val, scope, depth)
                        if not (sub.known and isinstance(sub.value, dict)):
                            return self.unknown(f"dict with ** of unknown mapping at {self.where(node.lineno)}")
                        merged.update(sub.value)
                    else:
                        k = self.value(key, scope, depth)
                        if not (k.known and isinstance(k.value, str)):
                            return self.unknown(f"dict with a non-literal key at {self.where(node.lineno)}")
                        merged[k.value] = self.value(val, scope, depth)
                return Value(True, merged, "literal")
            out: dict[str, Value] = {}
            for key, val in zip(node.keys, node.values):
                k = self.value(key, scope, depth)
                if not (k.known and isinstance(k.value, (str, int))):
                    return self.unknown(f"dict with a non-literal key at {self.where(node.lineno)}")
                out[k.value] = self.value(val, scope, depth)
            return Value(True, out, "literal")
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.value(node.operand, scope, depth)
            if inner.known and _plain(inner.value):
                return Value(True, not inner.value, inner.how, inner.provenance)
        return self.unknown(f"{type(node).__name__.lower()} expression at {self.where(node.lineno)}")

    def _fstring(self, node: ast.JoinedStr, scope: Scope, depth: int) -> Value:
        parts: list[str] = []
        hows: list[str] = []
        provs: list[str] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            assert isinstance(part, ast.FormattedValue)
            inner = self.value(part.value, scope, depth)
            if not inner.known or not _plain(inner.value):
                return self.because("f-string with an unresolvable part", node.lineno, inner)
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
            if isinstance(node.op, ast.Div) and isinstance(lv, LocalPath) and isinstance(rv, str):
                # pathlib.Path(...) / "part": the result is a path.
                return Value(True, LocalPath(lv.rstrip("/") + "/" + rv), how, prov)
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

    def _boolop(self, node: ast.BoolOp, scope: Scope, depth: int) -> Value:
        # `os.getenv("X") or "default"`: the first operand is unknown at analysis time, the
        # fallback is what runs when the variable is unset (the same as a getenv default).
        if isinstance(node.op, ast.Or) and len(node.values) == 2:
            first = self.value(node.values[0], scope, depth)
            second = self.value(node.values[1], scope, depth)
            if first.known and _plain(first.value):
                return first if first.value else second
            if not first.known and first.how == "unknown" and (first.provenance or "").startswith("environment variable") and second.known:
                return Value(True, second.value, strongest("env", second.how), f"{first.provenance}, else {second.value!r}")
        return self.unknown(f"boolean expression at {self.where(node.lineno)}")

    def _binding(self, name: str, binding: Binding, holder: Scope, depth: int) -> Value:
        key = id(binding)
        cached = self._values.get(key)
        if cached is not None:
            return cached
        if key in self._active:
            return self.unknown(f"{name!r} is defined in terms of itself ({self.where(binding.line)})")
        self._active.add(key)
        try:
            value = self._binding_value(name, binding, holder, depth)
        finally:
            self._active.discard(key)
        self._values[key] = value
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
        if kind == "with":
            return self.value(binding.node, env, depth)  # type: ignore[arg-type]
        if kind == "for":
            return self.unknown(f"loop variable {name!r} ({self.where(binding.line)})")
        return self.unknown(f"{name!r} is rebound at {self.where(binding.line)}")

    def _name(self, name: str, scope: Scope, line: int, depth: int) -> Value:
        found = self.lookup(name, scope, line)
        if found is None:
            if name in ("True", "False", "None"):
                return Value(True, {"True": True, "False": False, "None": None}[name], "literal")
            return self.unknown(f"{name!r} is not defined in this file")
        bindings, holder = found
        candidates = self.pick(bindings)
        values = [self._binding(name, b, holder, depth) for b in candidates]
        if len(values) == 1:
            return values[0]
        first = values[0]
        if all(v.known and _plain(v.value) and v.value == first.value for v in values):
            return first
        lines = ", ".join(str(b.line) for b in candidates)
        return self.unknown(f"{name!r} has different values on different paths (lines {lines} of {self.path})")

    def imported(self, target: str, depth: int) -> Value:
        """The value of `module.NAME` imported from another module of the repo (one hop)."""
        if self.index is None or self.hops >= 2:
            return Value(True, ModuleRef(target), "import", None)
        module, _, attr = target.rpartition(".")
        other = self.index.evaluator(module, self.hops + 1) if module else None
        if other is not None and attr:
            found = other.lookup(attr, other.info.module, 10**9)
            if found is not None:
                val = other._name(attr, other.info.module, 10**9, depth)
                if val.known and val.how in ("literal", "constant") and _plain(val.value):
                    return Value(True, val.value, "import", val.provenance)
                if val.known and val.how in ("literal", "constant"):
                    return Value(True, val.value, "import", val.provenance)
                return Value(val.known, val.value, strongest("import", val.how) if val.known else "unknown", val.provenance)
        whole = self.index.evaluator(target, self.hops + 1)
        if whole is not None:
            return Value(True, ModuleRef(target), "import", None)
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
                    candidates = self.pick(cls_scope.bindings[key])
                    values = [self._binding(attr, b, cls_scope, depth) for b in candidates]
                    if len(values) == 1 or all(v.known and _plain(v.value) and v.value == values[0].value for v in values):
                        return values[0]
                    return self.unknown(f"self.{attr} is set to different values")
            return self.unknown(f"self.{attr} is not set in class {cls_scope.name}")
        base = self.value(base_node, scope, depth)
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
                return obj.evaluator.argparse_default(attr, depth)
            if isinstance(obj, ConfigData):
                return self._config_index(obj, attr, node.lineno)
            if isinstance(obj, dict) and attr in obj:
                return obj[attr]
        # An attribute of something unknown (e.g. a parameter `args` or `model_args` without an
        # annotation): resolve only when the file defines exactly one such command-line option
        # or dataclass field, so the answer is unambiguous.
        if isinstance(base_node, ast.Name) and not base.known:
            hit = self.unique_option(attr, depth)
            if hit is not None:
                return hit
        return self.because(f"attribute .{attr} of an unresolvable object", node.lineno,
                            base if not base.known else None)

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
        if not (base.known and key.known):
            return self.because("subscript of an unresolvable value", node.lineno, base if not base.known else key)
        obj, k = base.value, key.value
        if isinstance(obj, ConfigData):
            return self._config_index(obj, k, node.lineno)
        if isinstance(obj, dict) and k in obj:
            item = obj[k]
            if item.known and item.how == "literal":
                return Value(True, item.value, strongest("constant", base.how), base.provenance or f"dict entry at {self.where(node.lineno)}")
            return item
        if isinstance(obj, tuple) and isinstance(k, int) and -len(obj) <= k < len(obj):
            item = obj[k]
            if item.known and item.how == "literal":
                return Value(True, item.value, strongest("constant", base.how), base.provenance)
            return item
        if isinstance(obj, str) and isinstance(k, int) and -len(obj) <= k < len(obj):
            return Value(True, obj[k], base.how, base.provenance)
        return self.unknown(f"subscript [{k!r}] not found at {self.where(node.lineno)}")

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        func = node.func
        qual = self.qualname(func, scope)
        line = node.lineno
        args = node.args
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        if qual in ("os.getenv", "os.environ.get", "os.environ.setdefault") or (
            isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault") and _is_environ(func.value)
        ):
            key = self.value(args[0], scope, depth) if args else Value.unknown()
            name = key.value if key.known else "?"
            default_node = args[1] if len(args) > 1 else kwargs.get("default")
            if default_node is None:
                return self.unknown(f"environment variable {name} (no default) at {self.where(line)}")
            default = self.value(default_node, scope, depth)
            if not default.known:
                return default
            if default.value is None:
                return self.unknown(f"environment variable {name} (default None) at {self.where(line)}")
            return Value(True, default.value, strongest("env", default.how),
                         f"environment variable {name}, default {default.value!r} ({self.where(line)})")
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in _STR_METHODS:
                receiver = self.value(func.value, scope, depth)
                if receiver.known and isinstance(receiver.value, str):
                    return self._str_method(receiver, method, node, scope, depth)
            if method in ("parse_args", "parse_known_args") and not (qual or "").startswith("transformers"):
                ns = Value(True, ArgNamespace(self), "argparse", None)
                if method == "parse_known_args":
                    return Value(True, (ns, self.unknown("remaining arguments")), "argparse")
                return ns
            if method in ("parse_args_into_dataclasses", "parse_dict", "parse_json_file", "parse_yaml_file"):
                return self._hf_parser(func.value, scope, depth)
            if method in ("read_text", "read_bytes"):
                target = self.value(func.value, scope, depth)
                if target.known and isinstance(target.value, str):
                    return Value(True, FileHandle(target.value, self.where(line)), "config")
        if qual in ("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "str"):
            parts = [self.value(a, scope, depth) for a in args]
            if parts and all(p.known and isinstance(p.value, str) for p in parts):
                how = strongest("literal", *(p.how for p in parts))
                prov = "; ".join(p.provenance for p in parts if p.provenance) or None
                if qual == "str":
                    return Value(True, parts[0].value, how, prov)
                text = "/".join(p.value.rstrip("/") if i < len(parts) - 1 else p.value for i, p in enumerate(parts))
                how = how if len(parts) == 1 or how != "literal" else "fstring"
                return Value(True, LocalPath(text), how, prov)
            if qual == "str" and parts and parts[0].known and _plain(parts[0].value):
                return Value(True, str(parts[0].value), parts[0].how, parts[0].provenance)
            return self.unknown(f"path built from unresolvable parts at {self.where(line)}")
        if qual == "dict":
            out = {k: self.value(v, scope, depth) for k, v in kwargs.items()}
            if any(kw.arg is None for kw in node.keywords) or args:
                return self.unknown(f"dict() with positional or ** arguments at {self.where(line)}")
            return Value(True, out, "literal")
        if qual in ("importlib.import_module", "__import__"):
            name = self.value(args[0], scope, depth) if args else Value.unknown()
            if name.known and isinstance(name.value, str):
                return Value(True, ModuleRef(name.value), "literal")
        if qual in ("open", "io.open", "codecs.open", "builtins.open"):
            path = self.value(args[0], scope, depth) if args else Value.unknown()
            if path.known and isinstance(path.value, str):
                return Value(True, FileHandle(path.value, self.where(line)), "config")
            return self.unknown(f"open() of an unresolvable path at {self.where(line)}")
        if qual in _CONFIG_LOADERS:
            return self._config(node, qual, scope, depth)
        # A class of the repo: a dataclass instance, with its keyword overrides.
        cls = self.class_of(func, scope)
        if cls is not None:
            overrides = {k: self.value(v, scope, depth) for k, v in kwargs.items()}
            return Value(True, Instance(cls, overrides), "dataclass", None)
        # A function of this file with a single return: what it returns (e.g. parse_args()).
        if isinstance(func, ast.Name):
            found = self.lookup(func.id, scope, line)
            if found and len(found[0]) == 1 and found[0][0].kind == "function":
                inner = found[0][0].scope
                if inner is not None and len(inner.returns) == 1 and depth < MAX_DEPTH // 2:
                    ret = self.value(inner.returns[0], inner, depth + 5)
                    if ret.known and not _plain(ret.value):
                        return ret
        shown = qual or (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "call"))
        return self.unknown(f"result of {shown}() at {self.where(line)}")

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
        items: list[Value] = []
        for elt in elts:
            cls = self.class_of(elt, scope)
            items.append(Value(True, Instance(cls, {}), "dataclass", None) if cls else self.unknown("dataclass not found in the repo"))
        # HfArgumentParser returns a tuple even for a single dataclass.
        return Value(True, tuple(items), "dataclass")

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
            if callee == "field":
                default = next((kw.value for kw in expr.keywords if kw.arg == "default"), None)
                if default is None:
                    return self.unknown(f"{cls.scope.name}.{attr} has no default (field without default=)")
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
        """Dotted names the expression may stand for: the direct one, then via base classes."""
        if depth > 12:
            return []
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
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "super" and scope.enclosing_class is not None:
                cls_node = scope.enclosing_class.node
                assert isinstance(cls_node, ast.ClassDef)
                out: list[str] = []
                for base in cls_node.bases:
                    out.extend(self.qualnames(base, scope.enclosing_class.parent or scope, depth + 1))
                return out
            names = self.qualnames(func, scope, depth + 1)
            # Calling a class makes an instance, named "Class()": calling the instance itself
            # (hub.KerasLayer(h)(x), model(inputs)) then matches no loader, its methods do.
            return [n + "()" for n in names if n.rsplit(".", 1)[-1][:1].isupper() and not n.endswith("()")]
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
        if imports:
            return [imports[-1].target or name]
        out: list[str] = []
        for binding in self.pick(bindings):
            key = id(binding)
            if key in self._names:
                out.extend(self._names[key])
                continue
            if key in self._active:
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


_STR_METHODS = frozenset({
    "format", "join", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "removeprefix",
    "removesuffix", "title", "casefold",
})
_CONFIG_LOADERS = frozenset({
    "yaml.safe_load", "yaml.load", "yaml.full_load", "json.load", "json.loads", "tomllib.load",
    "tomllib.loads", "tomli.load", "tomli.loads", "omegaconf.OmegaConf.load", "toml.load",
})
_BUILTINS = frozenset({"open", "str", "dict", "__import__"})


_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove"})


def _mutates(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        return any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
                   for t in targets) or (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
                                          and node.target.id == name)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
        return isinstance(node.func.value, ast.Name) and node.func.value.id == name
    return False


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )
