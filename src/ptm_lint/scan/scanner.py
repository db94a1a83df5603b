"""Scan one file: prefilter its bytes, parse it, and extract every catalog loader call."""

from __future__ import annotations

import ast
import re
import warnings

from ..catalog import ArgSpec, Catalog, Loader
from ..core import CallSite, FileError, FileScan, Secret, Span, Value, Variant
from .prefilter import Prefilter
from .secrets import _TOKEN, _has_token
from .project import ModuleIndex, module_name, package_of
from .scopes import CallInfo, collect
from .source import Source, SourceError, read_source
from .values import MAX_ALTERNATIVES, Evaluator, _plain, _same, join, partial_target, strongest, unreached

_SUPPRESS = re.compile(
    r"#\s*(?:ptm-lint:\s*ignore(?P<ids>\[[^\]]*\])?|noqa(?P<noqa>:\s*[A-Za-z]+\d+(?:[\s,]+[A-Za-z]+\d+)*)?)",
    re.IGNORECASE,
)


def find_secrets(source: Source) -> tuple[Secret, ...]:
    found = []
    for number, line in enumerate(_split_lines(source.text), start=1):
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
            errors.append(FileError(rel, f"cell {cell.index}: syntax error: {msg}"
                                    + (f" (line {line} of the cell)" if line else "")
                                    + "; the cell was skipped", "parse", line))
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
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred) and self.star_at is None:
                self.star_at = i
        for kw in node.keywords:
            if kw.arg is not None:
                self.keywords[kw.arg] = kw.value
                continue
            mapping = ev.value(kw.value, info.scope)
            changed = isinstance(kw.value, ast.Name) and ev.mutated(kw.value.id, info.scope)
            # A dict that differs between paths (`kw = {}`, `if q: kw.update(...)`): each key is
            # the join of its value on every path (absent where a path does not set it).
            options = mapping.alternatives or (mapping,)
            if not changed and all(o.known and isinstance(o.value, dict) for o in options):
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
        for kw in spec.kw:
            if kw in self.keywords:
                return self.ev.value(self.keywords[kw], self.scope)
        if spec.pos is not None:
            if self.star_at is not None and self.star_at <= spec.pos:
                return Value.unknown(f"passed through *args at {self.ev.where(self.node.lineno)}")
            if spec.pos < len(self.node.args):
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
    return value.absent or (value.known and _plain(value.value) and not value.value)


def _returns_object(call: ast.Call, scope, ev: Evaluator, catalog: Catalog) -> bool:
    for name in ev.qualnames(call.func, scope):
        loader = catalog.find(name)
        if loader is not None:
            return loader.returns == "object"
    return False


def _loaded_object(node: ast.expr, scope, ev: Evaluator, catalog: Catalog) -> bool:
    """Whether an argument is a model object some loader call returned (not an id or a path to load)."""
    if isinstance(node, ast.Call):
        return _returns_object(node, scope, ev, catalog)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        cls = scope.enclosing_class
        bindings = cls.bindings.get("self." + node.attr, []) if cls is not None else []
    elif isinstance(node, ast.Name):
        found = ev.lookup(node.id, scope, node.lineno)
        bindings = found[0] if found else []
    else:
        return False
    calls = [b.node for b in bindings if b.kind == "assign" and isinstance(b.node, ast.Call)]
    return bool(calls) and len(calls) == len(bindings) and all(
        _returns_object(c, b.env or scope, ev, catalog) for c, b in zip(calls, bindings)
    )


def _extract(info: CallInfo, ev: Evaluator, loader: Loader, api: str, rel: str, source: Source,
             lines: list[str], catalog: Catalog) -> CallSite | None:
    node = info.node
    call = _Call(node, info, ev, loader)
    argspecs = dict(loader.args)
    if loader.load_if and all(
        _is_off(call.get(argspecs[name]) if name in argspecs else call.named(name)) for name in loader.load_if
    ):
        return None  # e.g. resnet50() without weights: no pretrained model is loaded
    if loader.model_from_callee:
        model = Value(True, api.rsplit(".", 1)[-1], "literal")
    else:
        model_node = call.node_for(loader.model)
        if model_node is not None and _loaded_object(model_node, info.scope, ev, catalog):
            return None  # pipeline(model=AutoModel.from_pretrained(...)): that load is its own reference
        model = call.get(loader.model)
    revision = call.get(loader.revision)
    cell, line = source.locate(node.lineno)
    model, revision, variants = _variants(info, ev, loader, model, revision, rel, cell, line)
    args = {}
    for name, spec in loader.args:
        val = call.get(spec)
        if not val.absent:
            args[name] = val
    options = {}
    for name in loader.options:
        val = call.named(name)
        if not val.absent:
            options[name] = val
    _, end_line = source.locate(node.end_lineno or node.lineno)
    span = Span(
        line=line,
        column=_column(lines, node.lineno, node.col_offset),
        end_line=end_line,
        end_column=_column(lines, node.end_lineno or node.lineno, node.end_col_offset or 0),
    )
    func_scope = info.scope.function
    scope_name = func_scope.qualname if func_scope is not None else "<module>"
    hot = _hot_path(func_scope.node) if func_scope is not None else None
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
        in_loop=info.in_loop,
        hot_path=hot,
        dynamic_kwargs=call.dynamic,
        variants=variants,
    )


def _variants(info: CallInfo, ev: Evaluator, loader: Loader, model: Value, revision: Value, rel: str,
              cell: int | None, line: int) -> tuple[Value, Value, tuple[Variant, ...]]:
    """The (id, revision) pairs the call may load: one per call of the enclosing helper in the repo
    when they depend on its parameters (resolution "caller"), else one per branch alternative."""

    def evaluate() -> tuple[Value, Value]:
        again = _Call(info.node, info, ev, loader)
        return (model if loader.model_from_callee else again.get(loader.model)), again.get(loader.revision)

    found = ev.caller_variants(info.scope, evaluate)
    if found is None:
        if not (model.alternatives or revision.alternatives):
            return model, revision, ()
        pairs = [(m, r, m.origin or r.origin) for m in (model.alternatives or (model,))
                 for r in (revision.alternatives or (revision,))][:MAX_ALTERNATIVES]
        return model, revision, tuple(Variant(m, r, *(origin or (rel, line)), cell=None if origin else cell)
                                      for m, r, origin in pairs)
    cases, gaps = found

    def by_caller(value: Value, in_place: Value) -> Value:
        if not value.known or value.absent or _same(value, in_place):
            return value
        return Value(True, value.value, strongest("caller", value.how), value.provenance, origin=value.origin)

    # A caller whose values the guards before the call reject (`if name is not None:`) does not load.
    # A caller passing a value that itself has several possibilities (a registry entry picked by
    # a flag) gives one variant per possibility, at that call.
    reached = [(case, m, r) for case, (m, r) in cases if not (unreached(m) or unreached(r))]
    variants = [Variant(by_caller(mm, model), by_caller(rr, revision), case.path, case.line, case.cell)
                for case, m, r in reached
                for mm in (m.alternatives or (m,)) for rr in (r.alternatives or (r,))
                if not (unreached(mm) or unreached(rr))]
    # Callers passing the same pair: one candidate, at the first of them.
    unique: list[Variant] = []
    for v in variants:
        if not any(_same(v.model, u.model) and (_same(v.revision, u.revision) or v.revision.absent and u.revision.absent)
                   for u in unique):
            unique.append(v)
    variants = unique[:MAX_ALTERNATIVES]
    if not variants and not gaps:
        return model, revision, ()
    variants += [Variant(gap, revision if revision.absent else gap, rel, line, cell) for gap in gaps]
    models = [v.model for v in variants]
    revisions = [v.revision for v in variants]
    fn = info.scope.function.qualname if info.scope.function else "?"
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
        return model_out, revision_out, ()
    return model_out, revision_out, tuple(variants)


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
        return FileScan(rel, secrets=secrets, suppressions=suppressions(source.text, source))
    errors = [FileError(rel, message, "parse", line) for message, line in source.problems]
    tree, parse_errors = _parse(source, rel)
    errors.extend(parse_errors)
    if tree is None:
        return FileScan(rel, errors=tuple(errors), secrets=secrets)
    if index is not None:
        index.begin()
    try:
        calls = _scan_tree(tree, source, rel, catalog, index)
    except (RecursionError, MemoryError):
        return FileScan(rel, errors=(*errors, FileError(rel, "the code is nested too deeply to analyse; skipped", "parse")),
                        secrets=secrets)
    sup = suppressions(source.text, source) if calls or secrets else {}
    # Every path the result depends on: files read, probed locations that held nothing (a module created
    # later changes the result) and what shared analyses consulted (ModuleIndex.dependencies).
    depends = tuple(index.dependencies()) if index is not None else ()
    return FileScan(rel, calls=calls, errors=tuple(errors), suppressions=sup, depends_on=depends, secrets=secrets)


def _scan_tree(tree: ast.Module, source: Source, rel: str, catalog: Catalog,
               index: ModuleIndex | None) -> tuple[CallSite, ...]:
    info = collect(tree, package_of(rel))
    ev = Evaluator(info, rel, module_name(rel), index)
    lines = _split_lines(source.text)
    found: list[CallSite] = []
    for call in info.calls:
        for api in ev.qualnames(call.node.func, call.scope):
            loader = catalog.find(api)
            if loader is None:
                continue
            site = _extract(call, ev, loader, api, rel, source, lines, catalog)
            if site is not None:
                found.append(site)
            break
    found.sort(key=lambda c: (c.cell if c.cell is not None else -1, c.span.line, c.span.column))
    _release(info, ev)
    return tuple(found)


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

