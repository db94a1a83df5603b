"""Scan one file: prefilter its bytes, parse it, and extract every catalog loader call."""

from __future__ import annotations

import ast
import posixpath
import re
import warnings
from dataclasses import replace

from ..catalog import ArgSpec, Catalog, Loader
from ..core import CallSite, FileError, FileScan, Secret, Span, Value, Variant
from .prefilter import Prefilter
from .secrets import _TOKEN, _has_token
from . import flow
from .project import ModuleIndex, module_name, package_of
from .scopes import CallInfo, Scope, collect
from .source import Source, SourceError, read_source
from .values import MAX_ALTERNATIVES, Evaluator, _plain, _same, compatible, join, opened_file, partial_target, strongest, unreached

_SUPPRESS = re.compile(
    r"#\s*(?:ptm-lint:\s*ignore(?P<ids>\[[^\]]*\])?|noqa(?P<noqa>:\s*[A-Za-z]+\d+(?:[\s,]+[A-Za-z]+\d+)*)?)",
    re.IGNORECASE,
)


def find_secrets(source: Source) -> tuple[Secret, ...]:
    found = []
    for number, line in enumerate(_split_lines(source.raw), start=1):
        if "hf_" not in line and "api_org_" not in line:
            continue
        for match in _TOKEN.finditer(line):
            cell, line_in_cell = source.locate(number)
            span = Span(line_in_cell, match.start() + 1, line_in_cell, match.end() + 1)
            found.append(Secret(cell, span, "huggingface-token", match.group(1) + "****"))
    return tuple(found)


def _split_lines(text: str) -> list[str]:
    # ast counts \r\n, \r and \n as line ends (not \f or the Unicode separators splitlines uses).
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _column(lines: list[str], lineno: int, byte_offset: int) -> int:
    """ast gives UTF-8 byte offsets; the contract wants 1-based character columns."""
    if lineno - 1 >= len(lines):
        return byte_offset + 1
    line = lines[lineno - 1]
    if line.isascii():
        return byte_offset + 1
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1


def suppressions(text: str, source: Source) -> dict[tuple[int | None, int], frozenset[str] | None]:
    """(cell, line) -> rule ids suppressed there (None = every rule)."""
    out: dict[tuple[int | None, int], frozenset[str] | None] = {}
    if "#" not in text:
        return out
    for number, line in enumerate(_split_lines(text), start=1):
        if "#" not in line:
            continue
        for match in _SUPPRESS.finditer(line):
            ids_text = match.group("ids") or match.group("noqa")
            if match.group(0).lower().lstrip("# ").startswith("noqa") and ids_text:
                ids = {i.upper() for i in re.findall(r"[A-Za-z]+\d+", ids_text)}
                ids = {i for i in ids if i.startswith("PTM")}
                if not ids:
                    continue  # `# noqa: E501` is for another tool
            elif ids_text:
                ids = {i.strip().upper() for i in ids_text.strip("[]").split(",") if i.strip()}
            else:
                ids = None
            key = source.locate(number)
            previous = out.get(key, frozenset())
            out[key] = None if ids is None or previous is None else frozenset(previous | ids)
    return out


def _parse(source: Source, rel: str) -> tuple[ast.Module | None, list[FileError]]:
    """Parse the text; a notebook with a broken cell keeps its other cells."""
    errors: list[FileError] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of the scanned code are not ours
            return ast.parse(source.text, filename=rel), errors
    except SyntaxError as exc:
        if source.cells is None:
            errors.append(_syntax_error(rel, exc, source))
            return None, errors
    except (ValueError, RecursionError, MemoryError) as exc:
        errors.append(FileError(rel, _parse_failure(exc), "parse"))
        return None, errors
    # Notebook: parse cell by cell, blank out the cells that do not parse.
    lines = _split_lines(source.text)
    for cell in source.cells or ():
        chunk = "\n".join(lines[cell.start - 1 : cell.start - 1 + cell.lines])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(chunk)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None)
            msg = getattr(exc, "msg", None) or _parse_failure(exc)
            what = f"the code {source.file_name} is written with" if source.file_name else "the cell"
            errors.append(FileError(rel, f"syntax error: {msg}; {what} was skipped", "parse",
                                    line if line and 1 <= line <= cell.lines else None, cell.index))
            for i in range(cell.start - 1, cell.start - 1 + cell.lines):
                lines[i] = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("\n".join(lines), filename=rel), errors
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        errors.append(FileError(rel, _parse_failure(exc), "parse"))
        return None, errors


def _parse_failure(exc: BaseException) -> str:
    if isinstance(exc, (RecursionError, MemoryError)):
        return "the code is nested too deeply to analyse; skipped"
    return f"cannot parse: {exc}"


def _syntax_error(rel: str, exc: SyntaxError, source: Source) -> FileError:
    msg = exc.msg or "invalid syntax"
    line = exc.lineno
    hint = ""
    text = exc.text or ""
    if "print" in msg.lower() or re.match(r"\s*(print|exec)\s+[^(=\s]", text) or "Missing parentheses" in msg:
        hint = " (Python 2 code is not supported)"
    elif re.search(r"except\s+\w+\s*,\s*\w+\s*:", text):
        hint = " (Python 2 code is not supported)"
    where = f" at line {line}" if line else ""
    return FileError(rel, f"syntax error{where}: {msg}{hint}", "parse", line)


class _Call:
    """Argument access for one call: keywords, positionals, ** dicts and forwarding dicts."""

    def __init__(self, node: ast.Call, info: CallInfo, ev: Evaluator, loader: Loader) -> None:
        bound = partial_target(ev, node.func, info.scope)
        if bound is not None:
            # load = functools.partial(AutoModel.from_pretrained, "org/a"); load(): the bound
            # arguments come first.
            node = ast.Call(func=bound.func, args=[*bound.call.args[1:], *node.args],
                            keywords=[*bound.call.keywords, *node.keywords])
            ast.copy_location(node, info.node)
            node.end_lineno, node.end_col_offset = info.node.end_lineno, info.node.end_col_offset
        self.node = node
        self.scope = info.scope
        self.ev = ev
        self.keywords: dict[str, ast.expr] = {}
        self.expanded: dict[str, Value] = {}
        self.dynamic = False
        self.star_at: int | None = None
        self.star_items: tuple[Value, ...] | None = None  # f(*args) where args is a known tuple
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred) and self.star_at is None:
                self.star_at = i
                seq = ev.value(arg.value, info.scope)
                if i == len(node.args) - 1 and seq.known and isinstance(seq.value, tuple):
                    self.star_items = seq.value
        for kw in node.keywords:
            if kw.arg is not None:
                self.keywords[kw.arg] = kw.value
                continue
            mapping = ev.value(kw.value, info.scope)
            # A dict that differs between paths (`kw = {}`, `if q: kw.update(...)`): each key is
            # the join of its value on every path (absent where a path does not set it). Whether
            # another function changes it is asked only of a known dict (a helper's own `**kwargs`,
            # the common case, is not one).
            options = mapping.alternatives or (mapping,)
            if all(o.known and isinstance(o.value, dict) for o in options) and not (
                    isinstance(kw.value, ast.Name) and ev.mutated(kw.value.id, info.scope)):
                keys = dict.fromkeys(k for o in options for k in o.value)
                for key in keys:
                    if isinstance(key, str):
                        vals = [o.value.get(key, Value.missing()) for o in options]
                        self.expanded.setdefault(key, vals[0] if len(vals) == 1 else join(vals, f"**{key} differs between paths"))
            else:
                self.dynamic = True
        self.forwarded: dict[str, Value] = {}
        for name in loader.kwargs_dicts:
            if name in self.keywords:
                mapping = ev.value(self.keywords[name], info.scope)
                if mapping.known and isinstance(mapping.value, dict):
                    for key, val in mapping.value.items():
                        if isinstance(key, str):
                            self.forwarded.setdefault(key, val)

    def get(self, spec: ArgSpec | None, name: str | None = None) -> Value:
        if spec is None:
            return Value.missing()
        if spec.field is not None:  # model_spec=ModelSpec(uri=...): the id the object was built with
            value = self.get(replace(spec, field=None), name)
            return self.ev.spec_field(value, spec.field.kw, spec.field.pos, self.node.lineno)
        for kw in spec.kw:
            if kw in self.keywords:
                return self.ev.value(self.keywords[kw], self.scope)
        if spec.pos is not None:
            if self.star_at is not None and self.star_at <= spec.pos:
                if self.star_items is None:
                    return Value.unknown(f"passed through *args at {self.ev.where(self.node.lineno)}")
                if spec.pos - self.star_at < len(self.star_items):
                    return self.star_items[spec.pos - self.star_at]
            elif spec.pos < len(self.node.args):
                return self.ev.value(self.node.args[spec.pos], self.scope)
        for kw in spec.kw:
            if kw in self.expanded:
                return self.expanded[kw]
        for kw in spec.kw:
            if kw in self.forwarded:
                return self.forwarded[kw]
        if self.dynamic and spec.kw:
            return Value.unknown(f"may be passed in **kwargs at {self.ev.where(self.node.lineno)}")
        return Value.missing()

    def node_for(self, spec: ArgSpec) -> ast.expr | None:
        for kw in spec.kw:
            if kw in self.keywords:
                return self.keywords[kw]
        if spec.pos is not None and spec.pos < len(self.node.args) and (self.star_at is None or self.star_at > spec.pos):
            return self.node.args[spec.pos]
        return None

    def named(self, name: str) -> Value:
        return self.get(ArgSpec(kw=(name,)))

    def all_keywords(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.keywords, *self.expanded, *self.forwarded]))


def _is_off(value: Value) -> bool:
    """Whether a `load_if` argument surely turns the load off. A parameter's default (`def f(model=None)`)
    does not: callers pass the real value (`SentenceTransformer(image_model)` under
    `if image_model is not None`)."""
    if value.absent:
        return True
    return value.known and value.how != "default" and _plain(value.value) and not value.value


def _returns_object(call: ast.Call, scope, ev: Evaluator, catalog: Catalog) -> bool:
    names = ev.qualnames(call.func, scope)
    for name in names:
        loader = catalog.find(name)
        if loader is not None:
            return loader.returns == "object"
    # `FastModel.from_pretrained(...)`, `MyModel.from_pretrained(...)`: the ecosystem's `from_*`
    # constructors return the loaded object (download APIs returning paths are catalogued).
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr.startswith("from_")):
        return False
    conv = catalog.convention(func.attr)
    return conv is not None and conv.loader.returns == "object"


MAX_CHAIN_STEPS = 12  # calls and variables followed back along a fluent chain


def _chain_id(node: ast.Call, scope: Scope, ev: Evaluator, methods: tuple[str, ...]) -> Value:
    """The id a fluent chain spells out before the call: the first argument of each of `methods`,
    joined with "/" (`project = rf.workspace("w").project("p")`, `project.version(3).download()`
    is "w/p/3"), following variables that hold part of the chain to their one definition."""
    parts: dict[str, Value] = {}
    expr: ast.expr = node.func.value if isinstance(node.func, ast.Attribute) else node.func
    where = scope
    for _ in range(MAX_CHAIN_STEPS):
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            method = expr.func.attr
            if method in methods and method not in parts:
                arg = expr.args[0] if expr.args and not isinstance(expr.args[0], ast.Starred) else None
                parts[method] = ev.value(arg, where) if arg is not None else Value.unknown(
                    f"no argument (the library's default {method})")
            expr = expr.func.value
        elif isinstance(expr, ast.Name):
            found = ev.definition(expr, where)
            if found is None:
                break
            expr, where = found
        else:
            break
    missing = [m for m in methods if m not in parts]
    if missing:
        return Value.unknown(f"the chain does not show {'/'.join(f'{m}()' for m in missing)}")
    for method in methods:
        part = parts[method]
        if not (part.known and isinstance(part.value, (str, int)) and not isinstance(part.value, bool)):
            return Value.unknown(f"{method}(): " + (part.provenance or "its argument is not known"))
    how = strongest(*(parts[m].how for m in methods))
    return Value(True, "/".join(str(parts[m].value) for m in methods), how,
                 " ".join(f"{m}({parts[m].value!r})" for m in methods))


def _loaded_object(node: ast.expr, scope, ev: Evaluator, catalog: Catalog, depth: int = 0) -> bool:
    """Whether an argument is a model object some loader call returned (not an id or a path to load):
    the call itself, or a name whose definitions reaching here are calls, one of them a loader's or
    the object made from one and bound to the same name (`model = get_peft_model(model, config)`,
    `model = model.to(device)`)."""
    if depth > 3:
        return False
    if isinstance(node, ast.Call):
        return _returns_object(node, scope, ev, catalog)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        # `state_dict["lora_weights"]` of `state_dict = torch.load(model_file)`: a part of a loaded
        # checkpoint handed on (load_lora_weights takes a state dict as well as an id).
        return _part_of_loaded(node.value, scope, ev, catalog)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        cls = scope.enclosing_class
        bindings = cls.bindings.get("self." + node.attr, []) if cls is not None else []
        name = None
    elif isinstance(node, ast.Name):
        found = ev.lookup(node.id, scope, node.lineno)
        bindings = found[0] if found else []
        name = node.id
        if found and found[1] is scope and len(bindings) > 1:
            # In order (a notebook reuses `model` from cell to cell): the definitions that reach here.
            reach = ev.reaching(scope, node.id, node.lineno)
            if reach is not None and not reach.partial and reach.defs:
                # `model = None` ... `if model is None: model = ...`: the None does not get here.
                bindings = [d.binding for d in reach.defs
                            if not (_is_none(d.binding.node) and d.guards & {flow.NOT_NONE, flow.TRUTHY})]
    else:
        return False
    calls = [b.node for b in bindings if b.kind == "assign" and isinstance(b.node, ast.Call)]
    # Every definition is a call and one of them a loader's (the others, repo helpers building the
    # model another way, return the same kind of thing: `model = load_unsloth_model(...)` or
    # `model = load_class.from_pretrained(...)`).
    return bool(calls) and len(calls) == len(bindings) and any(
        _returns_object(c, b.env or scope, ev, catalog) or _derived(c, name, b.env or scope, ev, catalog, depth)
        for c, b in zip(calls, bindings)
    )


def _part_of_loaded(name: ast.Name, scope, ev: Evaluator, catalog: Catalog) -> bool:
    """Whether a catalogued loader's object (a checkpoint, a state dict) reaches `name` on some path."""
    found = ev.lookup(name.id, scope, name.lineno)
    if not found:
        return False
    bindings = found[0]
    if found[1] is scope:
        reach = ev.reaching(scope, name.id, name.lineno)
        if reach is not None and not reach.partial and reach.defs:
            bindings = [d.binding for d in reach.defs]
    for b in bindings:
        if b.kind == "assign" and isinstance(b.node, ast.Call) and not b.path:
            loaders = [catalog.find(n) for n in ev.qualnames(b.node.func, b.env or scope)]
            if any(loader is not None and loader.returns == "object" for loader in loaders):
                return True
    return False


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _derived(call: ast.Call, name: str | None, scope, ev: Evaluator, catalog: Catalog, depth: int) -> bool:
    """`name = f(..., name, ...)` or `name = name.method(...)` where `name` was a loaded object."""
    if name is None:
        return False
    func = call.func
    inputs = [func.value] if isinstance(func, ast.Attribute) else []
    inputs += [*call.args, *(kw.value for kw in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id == name and _loaded_object(a, scope, ev, catalog, depth + 1)
               for a in inputs)


# Arguments that decide whether a call loads pretrained weights at all (besides `load_if`):
# timm / open_clip `pretrained`, torchvision / keras `weights`.
GATES = ("pretrained", "weights")
# Call levels followed for them: a flag handed down helpers (`_make_encoder(..., use_pretrained)`).
GATE_LEVELS = 3


def _gates(info: CallInfo, ev: Evaluator, loader: Loader, call: _Call) -> dict[str, Value]:
    """The values of the arguments that turn the load on or off. One that is a parameter of the
    helper around the call is what the repo's callers pass, when they agree (only the callers
    that reach the call: `if backbone == "vitl16_384":` in between leaves the others out); a
    parameter of a private helper nothing calls is off (nothing in the repo turns the load on)."""
    argspecs = dict(loader.args)
    names = [*loader.load_if, *(n for n in GATES if n in argspecs and n not in loader.load_if)]
    specs = {n: argspecs.get(n) or ArgSpec(kw=(n,)) for n in names}
    out = {n: call.get(spec) for n, spec in specs.items()}
    todo = [n for n, v in out.items() if not v.known and not v.absent and not v.alternatives]
    fn = info.scope.function
    if not todo or fn is None:
        return out

    def thunk() -> tuple[Value, ...]:
        again = _Call(info.node, info, ev, loader)
        return tuple(again.get(specs[n]) for n in todo)

    found = ev.caller_variants(info.scope, thunk, levels=GATE_LEVELS, reached_only=True)
    if found is None:
        if _dead_private(fn, ev):
            why = f"{fn.name}() is private and nothing in the repository calls it"
            for n in todo:
                out[n] = Value(True, False, "caller", why)
        return out
    cases, gaps, _ = found
    if gaps:
        return out
    for i, n in enumerate(todo):
        seen = [a for _, values in cases if not unreached(values[i])
                for a in (values[i].alternatives or (values[i],))]
        if not cases or (not seen and _dead_private(fn, ev)):
            out[n] = Value(True, False, "caller", f"no call of {fn.name}() in the repository reaches the call")
        elif seen and all(a.known and _plain(a.value) and a.value == seen[0].value for a in seen):
            out[n] = Value(True, seen[0].value, "caller",
                           f"{len(cases)} call{'s' if len(cases) != 1 else ''} of {fn.name}() pass {seen[0].value!r}")
    return out


def _dead_private(fn, ev: Evaluator) -> bool:
    """A private module-level function (or private method's class is not followed) with no caller
    and no other use in the repository: the code in it never runs there."""
    name = getattr(fn.node, "name", "")
    if not name.startswith("_") or name.startswith("__") or fn.parent is None or fn.parent.kind != "module":
        return False
    return ev.callers(fn) == [] and ev.escapes(fn) is None


def _extract(info: CallInfo, ev: Evaluator, loader: Loader, api: str, rel: str, source: Source,
             lines: list[str], catalog: Catalog, role: str | None = None) -> CallSite | None:
    node = info.node
    call = _Call(node, info, ev, loader)
    gates = _gates(info, ev, loader, call)
    if loader.load_if and all(_is_off(gates[name]) for name in loader.load_if):
        return None  # e.g. resnet50() without weights: no pretrained model is loaded
    if not (loader.model_from_callee or loader.model_chain):
        model_node = call.node_for(loader.model)
        if model_node is not None and _loaded_object(model_node, info.scope, ev, catalog):
            return None  # pipeline(model=AutoModel.from_pretrained(...)): that load is its own reference
    model = _model_of(info, ev, loader, api, call)
    revision = call.get(loader.revision)
    cell, line = source.locate(node.lineno)
    model, revision, variants, dynamic = _variants(info, ev, loader, api, model, revision, rel, cell, line, call.dynamic)
    if "local_dir" not in call.keywords:  # a load from a folder a download of this file wrote
        model = ev.in_download_dir(model)
        variants = tuple(replace(v, model=ev.in_download_dir(v.model)) for v in variants)
    args = {}
    for name, spec in loader.args:
        val = gates.get(name) or call.get(spec)
        if not val.absent:
            args[name] = val
    options = {}
    for name in loader.options:
        val = call.named(name)
        if not val.absent:
            options[name] = val
    last_line = node.end_lineno or node.lineno
    _, end_line = source.locate(last_line)
    column = _column(lines, node.lineno, node.col_offset)
    end_column = _column(lines, last_line, node.end_col_offset or 0)
    span = Span(  # notebook cells: the columns of the cell as written (see scan/ipython.py)
        line=line,
        column=source.column(node.lineno, column - 1) + 1,
        end_line=end_line,
        end_column=source.column(last_line, end_column - 2) + 2 if end_column > 1 else end_column,
    )
    func_scope = info.scope.function
    scope_name = func_scope.qualname if func_scope is not None else "<module>"
    hot = _hot_path(func_scope.node) if func_scope is not None else None
    id_node = None if loader.model_from_callee or loader.model_chain else call.node_for(loader.model)
    in_loop = bool(info.in_loop)
    if in_loop and not _same_each_time(info, id_node):
        in_loop = False
    if hot and id_node is not None and func_scope is not None and _uses_params(id_node, func_scope.node):
        hot = None  # a handler that loads the model its caller names: not the same model per call
    return CallSite(
        path=rel,
        cell=cell,
        span=span,
        api=api,
        loader=loader.id,
        model=model,
        revision=revision,
        args=args,
        options=options,
        keywords=call.all_keywords(),
        scope=scope_name,
        in_loop=in_loop,
        hot_path=hot,
        dynamic_kwargs=dynamic,
        detection=loader.detection,
        role=role,
        local_hint=_path_expression(id_node, info.scope, ev) if id_node is not None and not model.known else None,
        variants=variants,
    )


def _model_of(info: CallInfo, ev: Evaluator, loader: Loader, api: str, call: _Call) -> Value:
    """The id the call passes, wherever the catalog says it is: the callee's name, a fluent chain
    before the call, or an argument (a file object standing for its file)."""
    if loader.model_from_callee:
        return Value(True, api.rsplit(".", 1)[-1], "literal")
    if loader.model_chain:
        return _chain_id(info.node, info.scope, ev, loader.model_chain)
    return _file_argument(loader, call.get(loader.model))


def _file_argument(loader: Loader, value: Value) -> Value:
    """A loader of files (`torch.load`) handed an opened file or an in-memory copy of one
    (`torch.load(open(p, "rb"))`, `torch.load(BytesIO(data))`) loads that file."""
    return opened_file(value) if loader.scheme == "path" else value


def _variants(info: CallInfo, ev: Evaluator, loader: Loader, api: str, model: Value, revision: Value, rel: str,
              cell: int | None, line: int, dynamic: bool) -> tuple[Value, Value, tuple[Variant, ...], bool]:
    """The (id, revision) pairs the call may load: one per call of the enclosing helper in the repo
    when they depend on its parameters (resolution "caller"), else one per branch alternative; and
    whether a `**kwargs` of the call may carry a revision (`dynamic`, decided per caller when the
    dict comes from the helper's own `**kwargs` parameter)."""

    def evaluate() -> tuple[Value, Value, Value]:
        again = _Call(info.node, info, ev, loader)
        return (_model_of(info, ev, loader, api, again), again.get(loader.revision),
                Value(True, again.dynamic, "literal"))

    found = ev.caller_variants(info.scope, evaluate)
    if found is None:
        if not (model.alternatives or revision.alternatives):
            return model, revision, (), dynamic
        pairs = [(m, r, m.origin or r.origin) for m in (model.alternatives or (model,))
                 for r in (revision.alternatives or (revision,)) if compatible((m, r))][:MAX_ALTERNATIVES]

        def where(origin: tuple[str, int] | None) -> tuple[str, int, int | None]:
            if origin is None:
                return rel, line, cell
            if origin[0] == rel:  # set in this file: in a notebook, a line of one of its cells
                at_cell, at_line = ev.place(origin[1])
                return rel, at_line, at_cell
            return origin[0], origin[1], None

        return model, revision, tuple(Variant(m, r, *where(origin)[:2], cell=where(origin)[2])
                                      for m, r, origin in pairs), dynamic
    cases, gaps, called = found

    def by_caller(value: Value, in_place: Value) -> Value:
        if not value.known or value.absent or _same(value, in_place):
            return value
        return Value(True, value.value, strongest("caller", value.how), value.provenance, origin=value.origin)

    # A caller whose values the guards before the call reject (`if name is not None:`) does not load.
    # A caller passing a value that itself has several possibilities (a registry entry picked by
    # a flag) gives one variant per possibility, at that call.
    reached = [(case, m, r, d.value is not False) for case, (m, r, d) in cases if not (unreached(m) or unreached(r))]
    variants = [Variant(by_caller(mm, model), by_caller(rr, revision), case.path, case.line, case.cell, dyn)
                for case, m, r, dyn in reached
                for mm in (m.alternatives or (m,)) for rr in (r.alternatives or (r,))
                if not (unreached(mm) or unreached(rr)) and compatible((mm, rr))]
    # Callers passing the same pair: one candidate, at the first of them.
    unique: list[Variant] = []
    for v in variants:
        if not any(_same(v.model, u.model) and (_same(v.revision, u.revision) or v.revision.absent and u.revision.absent)
                   and v.dynamic_kwargs == u.dynamic_kwargs for u in unique):
            unique.append(v)
    variants = unique[:MAX_ALTERNATIVES]
    if not variants and not gaps:
        return model, revision, (), dynamic
    variants += [Variant(gap, revision if revision.absent else gap, rel, line, cell) for gap in gaps]
    variants = _one_unknown_per_place(variants)
    models = [v.model for v in variants]
    revisions = [v.revision for v in variants]
    fn = called.qualname
    calls = len(reached)
    where = f"{calls} call{'s' if calls != 1 else ''} of {fn}()"

    def agreed(values: list[Value]) -> Value:
        first = values[0]
        if all(v.absent for v in values):
            return first
        if all(_same(v, first) for v in values):
            how = strongest("caller", *(v.how for v in values))
            return Value(True, first.value, how, f"{where} pass {first.value!r}" + (f" ({first.provenance})" if first.provenance else ""))
        return join(values, f"{where} pass different values")

    model_out, revision_out = agreed(models), agreed(revisions)
    if (model_out.known or model_out.absent) and (revision_out.known or revision_out.absent) and not gaps:
        return model_out, revision_out, (), any(v.dynamic_kwargs for v in variants)
    return model_out, revision_out, tuple(variants), dynamic


def _one_unknown_per_place(variants: list[Variant]) -> list[Variant]:
    """The unknown candidates of one caller, merged into one: a value unknown for several reasons
    (each assignment of `self.model` it may come from) is one unknown to the user, not one each."""
    out: list[Variant] = []
    reasons: dict[int, list[str]] = {}
    for v in variants:
        if v.model.known:
            out.append(v)
            continue
        place = (v.path, v.line, v.cell, v.dynamic_kwargs)
        for i, u in enumerate(out):
            if not u.model.known and (u.path, u.line, u.cell, u.dynamic_kwargs) == place and (
                    _same(v.revision, u.revision) or (v.revision.absent and u.revision.absent)
                    or not (v.revision.known or u.revision.known)):
                why = reasons.setdefault(i, [u.model.provenance] if u.model.provenance else [])
                if v.model.provenance and v.model.provenance not in why:
                    why.append(v.model.provenance)
                break
        else:
            out.append(v)
    for i, why in reasons.items():
        if len(why) > 1:
            shown = "; ".join(why[:3]) + (f"; and {len(why) - 3} other reasons" if len(why) > 3 else "")
            v = out[i]
            out[i] = Variant(Value.unknown(shown), v.revision, v.path, v.line, v.cell, v.dynamic_kwargs)
    return out


HOT_METHODS = frozenset({"forward", "__call__", "predict", "predict_proba", "infer", "inference"})
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "websocket"})
MEMO_DECORATORS = frozenset({"lru_cache", "cache", "cached", "cached_property", "memoize"})


def _hot_path(func: ast.AST) -> str | None:
    """Why a function runs once per call or request (so a load inside it repeats), or None."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    route = None
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in MEMO_DECORATORS:
            return None
        if name in ROUTE_DECORATORS and isinstance(target, ast.Attribute):
            route = f"request handler {func.name}() (@{ast.unparse(target)})"
    if route:
        return route
    if func.name in HOT_METHODS:
        return f"{func.name}() runs on every call"
    return None


def scan_bytes(data: bytes, rel: str, catalog: Catalog, index: ModuleIndex | None,
               trigger: Prefilter | None = None) -> FileScan:
    """Scan one file's bytes. Never raises for bad input: problems become FileErrors."""
    has_token = _has_token(data)
    triggered = trigger is None or trigger(data)
    if not triggered and not has_token:
        return FileScan(rel)
    try:
        source = read_source(data, rel.endswith(".ipynb"))
    except SourceError as exc:
        return FileScan(rel, errors=(FileError(rel, exc.message, "parse", exc.line),))
    secrets = find_secrets(source) if has_token else ()
    if not triggered:
        return FileScan(rel, secrets=secrets, suppressions=suppressions(source.raw, source))
    errors = [FileError(rel, message, "parse", None, cell) for message, cell in source.problems]
    units = []  # (source, its tree): the module, then each %%writefile *.py cell's own module
    for unit in (source, *source.files):
        tree, parse_errors = _parse(unit, rel)
        errors.extend(parse_errors)
        if tree is not None:
            units.append((unit, tree))
    if not units:
        return FileScan(rel, errors=tuple(errors), secrets=secrets)
    if index is not None:
        index.begin()
    calls: list[CallSite] = []
    try:
        for unit, tree in units:
            calls.extend(_scan_tree(tree, unit, rel, catalog, index))
    except (RecursionError, MemoryError):
        return FileScan(rel, errors=(*errors, FileError(rel, "the code is nested too deeply to analyse; skipped", "parse")),
                        secrets=secrets)
    calls.sort(key=lambda c: (c.cell if c.cell is not None else -1, c.span.line, c.span.column))
    sup = suppressions(source.raw, source) if calls or secrets else {}
    # Every path the result depends on: files read, probed locations that held nothing (a module created
    # later changes the result) and what shared analyses consulted (ModuleIndex.dependencies).
    depends = tuple(index.dependencies()) if index is not None else ()
    return FileScan(rel, calls=tuple(calls), errors=tuple(errors), suppressions=sup, depends_on=depends,
                    secrets=secrets)


class _CellEvaluator(Evaluator):
    """An Evaluator of a notebook: its provenance cites `path:cell N:line`, as every output does."""

    def __init__(self, source: Source, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._source = source
        self.locate = source.locate  # candidates set in a cell name the cell and the line in it

    def where(self, line: int) -> str:
        return f"{self.path}:{self._source.where(line)}"


def _scan_tree(tree: ast.Module, source: Source, rel: str, catalog: Catalog,
               index: ModuleIndex | None) -> tuple[CallSite, ...]:
    # A %%writefile cell's code is the module it writes, next to the notebook.
    named = posixpath.join(posixpath.dirname(rel), source.file_name) if source.file_name else rel
    info = collect(tree, package_of(named))
    if source.cells is None:
        ev = Evaluator(info, rel, module_name(named), index)
    else:
        ev = _CellEvaluator(source, info, rel, module_name(named), index)
    ev.script = named  # the file command lines run (a %%writefile cell's file, not the notebook)
    lines = _split_lines(source.text)
    found: list[CallSite] = []
    methods = {c.method for c in catalog.conventions}
    terminals = {t.rsplit(".", 1)[-1] for t in catalog.triggers}
    parents: dict[int, CallInfo] | None = None  # id(a call passed as an argument) -> the call it is passed to
    for call in info.calls:
        func = call.node.func
        names = ev.qualnames(func, call.scope)
        if isinstance(func, ast.Attribute) and func.attr in terminals and not any(map(catalog.find, names)):
            names = [*names, *_more_names(func, names, call, ev, catalog, index)]
        elif isinstance(func, ast.Name) and index is not None and names and not any(map(catalog.find, names)):
            # A class imported from another module of the repo and constructed here, named through
            # its bases there (`from photomaker import FaceAnalysis2`, a subclass of insightface's
            # FaceAnalysis): a repo subclass of a catalogued loader class.
            names = [*names, *(m for n in names if n.split(".", 1)[0] not in catalog.roots
                               and n.rsplit(".", 1)[-1][:1].isupper() for m in _through_repo(n, ev, index, method=False))]
        matched = False
        for api in names:
            loader = catalog.find(api)
            if loader is None or (index is not None and index.shadowing_file(api.split(".", 1)[0], rel)):
                continue  # `from inference import get_model` with the repo's own inference.py
            matched = True
            if parents is None:
                parents = {id(arg): outer for outer in info.calls
                           for arg in (*outer.node.args, *(kw.value for kw in outer.node.keywords))
                           if isinstance(arg, ast.Call)}
            if _metadata_only(parents.get(id(call.node)), ev):
                break
            site = _extract(call, ev, loader, api, rel, source, lines, catalog)
            if site is not None and not _own_api_passing_on(site, api, named, index):
                found.append(site)
            break
        if not matched and isinstance(func, ast.Attribute) and func.attr in methods:
            site = _by_convention(call, func, names, ev, rel, source, lines, catalog)
            if site is not None:
                found.append(site)
    found.sort(key=lambda c: (c.cell if c.cell is not None else -1, c.span.line, c.span.column))
    _release(info, ev)
    return tuple(found)


# Calls that read a file's metadata (a HEAD request): the URL or path handed to them is not fetched.
METADATA_ONLY = frozenset({
    "huggingface_hub.get_hf_file_metadata", "huggingface_hub.file_download.get_hf_file_metadata",
    "requests.head", "httpx.head",
})


def _metadata_only(outer: CallInfo | None, ev: Evaluator) -> bool:
    """`get_hf_file_metadata(hf_hub_url(repo_id, "README.md"))`: the URL built is only asked for its
    metadata (does the file exist, its etag), so nothing is downloaded or loaded."""
    return outer is not None and any(name in METADATA_ONLY for name in ev.qualnames(outer.node.func, outer.scope))


def _own_api_passing_on(site: CallSite, api: str, named: str, index: ModuleIndex | None) -> bool:
    """A library's catalogued public API called inside the same library (langchain-huggingface's
    chat model calling its `HuggingFacePipeline.from_model_id`, FunASR's tools calling
    `funasr.AutoModel`) with an id not known here: the loads inside the API's definition, which is
    scanned too, are the references; this call would repeat them with nothing to add. With a known
    id it says which model the library loads, and stays."""
    if index is None or site.model.known or site.model.absent or any(v.model.known for v in site.variants):
        return False
    parts = api.removesuffix("()").split(".")
    here = module_name(named).split(".")
    if len(here) < 2 or here[0] != parts[0]:
        return False
    return any(index.has_module(".".join(parts[:cut])) for cut in range(len(parts) - 1, 0, -1))


# -- open-world recognition ------------------------------------------------------------------------
def _dotted(node: ast.expr) -> tuple[ast.Name, list[str]] | None:
    """`a.b.c` -> (Name a, ["b", "c"]); None for anything but a chain of attributes on a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return node, parts[::-1]


def _more_names(func: ast.Attribute, names: list[str], call: CallInfo, ev: Evaluator, catalog: Catalog,
                index: ModuleIndex | None) -> list[str]:
    """Qualified names for a callee that import resolution alone does not give:

    - a class imported from another module of the repo, named through its bases there
      (`from .modeling import MyLlama`, `class MyLlama(LlamaForCausalLM)` in modeling.py), so a repo
      subclass of a catalogued loader is a catalog match wherever it is defined;
    - a module-like receiver bound by an assignment rather than an import
      (`transformers = LazyImport("transformers")`, `diffusers = _import_diffusers()`,
      `transformers = pytest.importorskip("transformers")`), when the module it stands for is
      named by the call's string argument or, failing that, by the variable's own name, and that
      module is one the catalog knows.
    """
    out: list[str] = []
    if index is not None:
        for name in names:
            parts = name.split(".")
            # Only `Class.method` of a module outside the catalog (`json.load`, `self.x.load` are
            # not followed: each probe is a file-system lookup and a cache dependency).
            if len(parts) >= 3 and parts[0] not in catalog.roots and parts[-2][:1].isupper():
                out.extend(_through_repo(name, ev, index))
    chain = _dotted(func)
    if chain is None:
        return out
    root, rest = chain
    found = ev.lookup(root.id, call.scope, root.lineno)
    bindings = found[0] if found else []
    if any(b.kind in ("import", "class", "function") for b in bindings):
        return out
    module = None
    for binding in bindings:
        value = binding.node if binding.kind == "assign" else None
        if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
            text = value.args[0].value
            if isinstance(text, str) and all(p.isidentifier() for p in text.split(".")):
                module = text
                break
    if module is None and root.id in catalog.roots:
        module = root.id
    if module is not None and module.split(".", 1)[0] in catalog.roots:
        out.append(".".join([module, *rest]))
    return out


def _through_repo(qualname: str, ev: Evaluator, index: ModuleIndex, hops: int = 3, method: bool = True) -> list[str]:
    """`pkg.mod.Class.method` where pkg.mod is a module of the repo -> the names of Class there
    (itself, its bases, what it re-exports), each + `.method`; `method=False`: `pkg.mod.Class` itself."""
    parts = qualname.removesuffix("()").split(".")
    for cut in range(len(parts) - (2 if method else 1), 0, -1):
        module, attr, tail = ".".join(parts[:cut]), parts[cut], parts[cut + 1:]
        other = index.evaluator(module, 1)
        if other is None:
            continue
        found = other.lookup(attr, other.info.module, 10**9)
        if found is None:
            return []
        resolved = other.qualnames(ast.Name(id=attr, lineno=10**9), other.info.module)
        out = []
        for name in resolved:
            full = ".".join([name.removesuffix("()"), *tail])
            if full == qualname:
                continue
            out.append(full)
            if hops > 1:
                out.extend(_through_repo(full, other, index, hops - 1, method))
        return out
    return []


def _by_convention(info: CallInfo, func: ast.Attribute, names: list[str], ev: Evaluator, rel: str,
                   source: Source, lines: list[str], catalog: Catalog) -> CallSite | None:
    """A `X.<method>(...)` call no catalog entry matched, recognised by the ecosystem's convention
    (rules/loaders/90-conventions.toml): on any class, whatever package or module defines it."""
    conv = catalog.convention(func.attr)
    if conv is None:
        return None
    if any(conv.excludes(name.replace("().", ".")) for name in names):
        return None
    function = info.scope.function
    if function is not None and getattr(function.node, "name", None) == func.attr:
        # The body of the repo's own `def from_pretrained(cls, ...)`: it forwards its caller's
        # arguments (`super().from_pretrained(name, ...)`); the callers are the loads.
        return None
    if _stub_method(func, info, ev):
        return None
    # A receiver typed `Any` says nothing about the class: named as written instead.
    names = [n for n in names if not n.startswith(("typing.", "typing_extensions."))]
    if not names:
        names = _loaded_instance(func, info, ev, catalog)
        if any(conv.excludes(name) for name in names):
            return None
    if names:
        api = names[0].replace("().", ".")
    elif conv.unresolved:
        api = _written(func)
    else:
        return None
    receiver = re.sub(r"\W+$", "", api.rsplit(".", 1)[0]).rsplit(".", 1)[-1]
    receiver = re.findall(r"\w+", receiver)[-1] if re.search(r"\w", receiver) else receiver
    return _extract(info, ev, conv.loader, api, rel, source, lines, catalog, role=conv.role_for(receiver))


def _loaded_instance(func: ast.Attribute, info: CallInfo, ev: Evaluator, catalog: Catalog) -> list[str]:
    """`pipe.load_lora_weights(...)` where `pipe = Pipeline.from_pretrained(...)`: a convention
    loader returns an instance of its class, so the method is named through that class."""
    if not isinstance(func.value, ast.Name):
        return []
    found = ev.lookup(func.value.id, info.scope, func.lineno)
    if not found or not found[0]:
        return []
    out: list[str] = []
    for binding in found[0]:
        value = binding.node
        if not (binding.kind == "assign" and not binding.path and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute) and catalog.convention(value.func.attr) is not None
                and value.func.attr.startswith("from_")):
            return []
        out.extend(f"{name}.{func.attr}" for name in ev.qualnames(value.func.value, binding.env or found[1])
                   if not name.endswith("()"))
    return list(dict.fromkeys(out))


def _stub_method(func: ast.Attribute, info: CallInfo, ev: Evaluator) -> bool:
    """Whether the receiver is a class of this file whose own `<method>` calls nothing but the class
    itself (`return cls()`): a name-alike that loads nothing."""
    if not isinstance(func.value, ast.Name):
        return False
    found = ev.lookup(func.value.id, info.scope, func.lineno)
    if not found or len(found[0]) != 1 or found[0][0].kind != "class" or found[0][0].scope is None:
        return False
    cls_node = found[0][0].scope.node
    assert isinstance(cls_node, ast.ClassDef)
    for stmt in cls_node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == func.attr:
            first = stmt.args.args[0].arg if stmt.args.args else None
            calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
            return all(isinstance(c.func, ast.Name) and c.func.id in (first, cls_node.name) for c in calls)
    return False


def _written(func: ast.Attribute) -> str:
    """The callee as written, for a receiver no name resolution reaches (`model_cls.from_pretrained`)."""
    try:
        text = ast.unparse(func)
    except (ValueError, RecursionError):  # pragma: no cover - unparse of a parsed tree
        text = f"<expr>.{func.attr}"
    text = " ".join(text.split())
    return text if len(text) <= 120 else f"<expr>.{func.attr}"


# -- repeated loads (PTM306) -----------------------------------------------------------------------
def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _same_each_time(info: CallInfo, id_node: ast.expr | None) -> bool:
    """Whether a load inside a loop loads the same model on every iteration: not when its id comes
    from the loop variable (a loop over different ids), and not in a retry loop, which leaves after
    the first load that succeeds (`break` / `return` right after it, or in its `try`)."""
    loop = info.in_loop
    if not isinstance(loop, ast.AST):
        return True
    if isinstance(loop, (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            varying, body = _names_in(loop.target), loop.body
        else:
            varying, body = set().union(*(_names_in(g.target) for g in loop.generators)), []
        # Names assigned in the body from the loop variable vary too (`path = f"{d}/{name}"`).
        changed = True
        while changed:
            changed = False
            for stmt in body:
                for node in ast.walk(stmt):
                    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        bound = set().union(*(_names_in(t) for t in targets)) - varying
                        if bound and _names_in(node.value) & varying:
                            varying |= bound
                            changed = True
        if id_node is not None and _names_in(id_node) & varying:
            return False
    if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) and _leaves_after(loop.body, info.node):
        return False
    return True


def _leaves_after(body: list[ast.stmt], call: ast.Call) -> bool:
    """Whether the statement list holding `call` (directly, in a `try`, `with` or `if`) leaves the
    loop once the load succeeded: a `break` or `return` follows it in its block or its try's else."""
    for i, stmt in enumerate(body):
        if not any(node is call for node in ast.walk(stmt)):
            continue
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)) and stmt is not call:
            return False  # an inner loop (or a definition) decides on its own
        rest = body[i + 1:]
        if any(isinstance(s, (ast.Break, ast.Return)) for s in rest):
            return True
        if isinstance(stmt, (ast.Return,)):
            return True
        if isinstance(stmt, ast.Try):
            if _leaves_after(stmt.body, call) or any(isinstance(s, (ast.Break, ast.Return)) for s in stmt.orelse):
                return True
            return False
        if isinstance(stmt, (ast.With, ast.AsyncWith, ast.If)):
            return _leaves_after(stmt.body, call) or (isinstance(stmt, ast.If) and _leaves_after(stmt.orelse, call))
        return False
    return False


def _uses_params(node: ast.expr, func: ast.AST) -> bool:
    """Whether an expression reads a parameter of `func` other than self/cls."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    a = func.args
    params = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)} - {"self", "cls"}
    if a.vararg:
        params.add(a.vararg.arg)
    if a.kwarg:
        params.add(a.kwarg.arg)
    return bool(_names_in(node) & params)


# -- local paths whose text is unknown -----------------------------------------------------------
_PATH_CALLS = frozenset({
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath", "os.path.join",
    "os.path.abspath", "os.path.expanduser", "os.path.realpath", "os.path.dirname", "os.path.normpath",
    "os.getcwd", "tempfile.mkdtemp", "tempfile.gettempdir",
})
_PATH_ATTRS = frozenset({"parent", "parents", "resolve", "absolute", "expanduser", "joinpath", "with_suffix",
                         "with_name", "as_posix"})


def _path_expression(node: ast.expr, scope, ev: Evaluator, depth: int = 0) -> str | None:
    """Why `node` evaluates to a filesystem path (built with pathlib or os.path, or from __file__),
    whatever its text; None when nothing says so."""
    if depth > 8:
        return None
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return "a path built from __file__"
        found = ev.lookup(node.id, scope, node.lineno)
        if found is None:
            return None
        bindings = [b for b in found[0] if b.kind == "assign" and isinstance(b.node, ast.expr)]
        if not bindings or len(bindings) != len(found[0]):
            return None
        whys = [_path_expression(b.node, b.env or found[1], ev, depth + 1) for b in bindings]  # type: ignore[arg-type]
        return whys[0] if all(whys) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _path_expression(node.left, scope, ev, depth + 1)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "str" and len(node.args) == 1:
            return _path_expression(node.args[0], scope, ev, depth + 1)
        for name in ev.qualnames(func, scope):
            if name in _PATH_CALLS:
                return f"a path built with {name}()"
        if isinstance(func, ast.Attribute) and func.attr in _PATH_ATTRS:
            return _path_expression(func.value, scope, ev, depth + 1)
        return None
    if isinstance(node, ast.Attribute) and node.attr in _PATH_ATTRS:
        return _path_expression(node.value, scope, ev, depth + 1)
    return None


def _release(info, ev: Evaluator) -> None:
    """Break the reference cycles of one file's scopes and memos (scope <-> binding <-> scope,
    evaluator <-> memoised ClassRef), so the file's AST is freed by reference counting as soon as
    the scan returns, instead of waiting for (and being traversed by) the cyclic garbage collector.
    """
    ev.release()
    for scope in (info.module, *info.scope_of.values()):
        scope.bindings.clear()
        scope.returns.clear()
        scope.parent = None
    info.calls.clear()
    info.scope_of.clear()

