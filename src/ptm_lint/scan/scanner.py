"""Scan one file: prefilter its bytes, parse it, and extract every catalog loader call."""

from __future__ import annotations

import ast
import posixpath
import re
import warnings

from ..catalog import ArgSpec, Catalog, Loader
from ..core import CallSite, FileError, FileScan, Secret, Span, Value
from .prefilter import Prefilter
from .secrets import _TOKEN, _has_token
from .project import ModuleIndex, module_name, package_of
from .scopes import CallInfo, collect
from .source import Source, SourceError, read_source
from .values import Evaluator, _plain

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
            if mapping.known and isinstance(mapping.value, dict) and not changed:
                for key, val in mapping.value.items():
                    if isinstance(key, str):
                        self.expanded.setdefault(key, val)
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
    cell, line = source.locate(node.lineno)
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
    )


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

