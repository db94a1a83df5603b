"""The repository as the scanner sees it: other modules (import hops, callers of helpers) and config files."""

from __future__ import annotations

import ast
import hashlib
import json
import posixpath
import re
import warnings
from pathlib import Path
from typing import Any

from .. import fsaccess
from .launch import Invocation, runs_of
from .scopes import ModuleInfo, collect
from .source import SourceError, decode_python
from .values import MAX_ALTERNATIVES, Evaluator

MAX_MODULE_BYTES = 2 * 1024 * 1024
# A notebook searched for callers may be larger: its outputs (images, logs) make up most of it and
# only its code is parsed, which must fit MAX_MODULE_BYTES. (The scan's own default file limit.)
MAX_NOTEBOOK_BYTES = 10 * 1024 * 1024
MAX_CONFIG_BYTES = 1024 * 1024
# The callers of a helper are searched in the repo's other files only when it has at most this many
# Python files and notebooks (each search reads them all; a library this large is called from
# outside it anyway), and at most MAX_CALLER_PARSES files naming the helper are parsed per search.
MAX_CALLER_FILES = 1000
MAX_CALLER_PARSES = 50
# Folders never searched for callers: tool caches, virtual environments, vendored packages.
_SKIP_DIRS = frozenset({"node_modules", "site-packages", "__pycache__", "venv", "env", "build", "dist"})


def module_name(rel: str) -> str:
    """Dotted module name for a posix path relative to the root (`src/` layouts stripped)."""
    parts = rel.rsplit(".", 1)[0].split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        parts = parts[1:]
    return ".".join(p for p in parts if p.isidentifier())


def package_of(rel: str) -> str:
    name = module_name(rel)
    if rel.endswith("__init__.py") or rel.endswith("__init__.pyi"):
        return name
    return name.rpartition(".")[0]


class Parsed:
    """What reading the repo's modules gives that depends on nothing but their bytes: each module's
    parsed scopes (keyed by its path and sha256) and the list of the repo's Python files.

    Shared by the ModuleIndexes of one scan in one process: a worker scans several chunks, each with
    its own index, and a module imported from files of several chunks (`transformers.utils`) is
    parsed once, not once per chunk; one index asks for a module at several import hops. The
    analyses (an Evaluator's memoised values) stay per index, so a chunk's results do not depend on
    the chunks its worker ran before. Never mutated once stored: the Evaluator only reads its
    ModuleInfo (the scanner's `_release` clears only the scanned file's own, never one held here).
    """

    def __init__(self) -> None:
        self.infos: dict[tuple[str, str], ModuleInfo | None] = {}
        self.files: list[str] | None = None
        self.shell_files: list[str] = []  # shell scripts, for the command lines that run a script


class ModuleIndex:
    """Finds and lazily analyses other modules and config files under one root, never leaving it."""

    def __init__(self, root: Path, parsed: Parsed | None = None) -> None:
        self.root = root.resolve()
        self._parsed = parsed if parsed is not None else Parsed()
        self._evaluators: dict[tuple[str, int], Evaluator | None] = {}
        self._configs: dict[str, tuple[str, Any] | None] = {}
        # For the result cache (ptm_lint.cache): every path consulted while scanning one file, with
        # its state when it was read: the sha256 of its bytes, or "absent" for a probed path that
        # held no usable file (a module or config created later must invalidate the result too).
        self.states: dict[str, str] = {}
        self.probed: set[str] = set()
        # Evaluators and configs are shared between the files of a chunk and memoise their values:
        # a later file can reuse a value without re-reading what it came from. So each one
        # remembers everything consulted while it was in use, and a file that uses it inherits it.
        self._deps: dict[object, set[str]] = {}
        self._used: set[object] = set()
        self._files: list[str] | None = None
        self._shell_files: list[str] = []
        self._runs: dict[tuple[str, str], list[Invocation] | None] = {}
        self._by_file: dict[str, Evaluator | None] = {}
        self._importers: dict[tuple[str, str], list[Evaluator]] = {}
        self._shadows: dict[tuple[str, str], tuple[bool, tuple[tuple[Path, bool], ...]]] = {}

    def begin(self) -> None:
        """Start recording the dependencies of one scanned file."""
        self.probed.clear()
        self._used.clear()

    def dependencies(self) -> dict[str, str]:
        """Paths (relative to the root) the file's result depends on, with the state each had."""
        for key in self._used:
            self._deps[key] |= self.probed
        return {rel: self.states[rel] for rel in sorted(self.probed)}

    def _use(self, key: object) -> None:
        self._used.add(key)
        self.probed |= self._deps.setdefault(key, set())

    def _probe(self, key: object, path: Path, data: bytes | None = None, absent: bool = False) -> None:
        """Record `path` (a file, or a probed location that holds none) as a dependency."""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return
        if absent:
            self.states[rel] = "absent"
        elif data is not None:
            self.states[rel] = hashlib.sha256(data).hexdigest()
        elif rel not in self.states:
            self.states[rel] = file_state(path, self.root)
        self.probed.add(rel)
        if key is not None:
            self._deps.setdefault(key, set()).add(rel)

    def _inside(self, path: Path) -> Path | None:
        if not fsaccess.isfile(path):  # most probed places hold nothing: one stat, no realpath
            return None
        try:
            real = path.resolve()
            real.relative_to(self.root)
        except (OSError, ValueError, RuntimeError):
            return None
        return real if fsaccess.isfile(real) else None

    def find_module(self, dotted: str, key: object = None) -> Path | None:
        if not dotted or not all(p.isidentifier() for p in dotted.split(".")):
            return None
        rel = Path(*dotted.split("."))
        for base in (self.root, self.root / "src", self.root / "lib"):
            for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
                found = self._inside(candidate)
                if found is not None:
                    return found
                if key is not None:
                    self._probe(key, candidate, absent=True)  # absent: creating it would change the answer
        return None

    def has_module(self, dotted: str) -> bool:
        """Whether the repo holds the module (recorded as a dependency of the file being scanned)."""
        key = ("module", dotted)
        self._use(key)
        path = self.find_module(dotted, key)
        if path is not None:
            self._probe(key, path)
        return path is not None

    def shadowing_file(self, top: str, near: str) -> bool:
        """Whether a single-file module `<top>.py` of the repo stands where Python finds it before any
        installed package of that name: beside the importing file `near` (a script's own folder is
        first on sys.path) or at an import root. A *package* of that name is not counted: it is
        most often the library itself, scanned from its own source tree."""
        if not top.isidentifier():
            return False
        key = (top, posixpath.dirname(near))
        memo = self._shadows.get(key)
        if memo is None:
            places: list[tuple[Path, bool]] = []
            bases = (self.root / key[1], self.root, self.root / "src", self.root / "lib")
            for base in dict.fromkeys(bases):
                candidate = base / f"{top}.py"
                found = self._inside(candidate)
                places.append((found or candidate, found is None))
                if found is not None:
                    break
            memo = self._shadows[key] = (not places[-1][1], tuple(places))
        # The answer depends on these places only: recorded for each asking file as they are, not
        # through a shared key (which would hand every later file all this file's other reads).
        for path, absent in memo[1]:
            self._probe(None, path, absent=absent)
        return memo[0]

    def evaluator(self, dotted: str, hops: int) -> Evaluator | None:
        key = (dotted, hops)
        if key in self._evaluators:
            cached = self._evaluators[key]
            self._use(key)
            return cached
        self._evaluators[key] = None  # guards against import cycles while analysing
        self._use(key)
        path = self.find_module(dotted, key)
        result = None
        if path is not None:
            try:
                data = fsaccess.read_bytes(path) if fsaccess.stat(path).st_size <= MAX_MODULE_BYTES else None
                self._probe(key, path, data)
                if data is not None:
                    rel = path.relative_to(self.root).as_posix()
                    info = self._module_info(rel, data)
                    if info is not None:
                        result = Evaluator(info, rel, module_name(rel), self, hops)
            except (OSError, ValueError, MemoryError):
                result = None
        self._evaluators[key] = result
        return result

    def _module_info(self, rel: str, data: bytes) -> ModuleInfo | None:
        """The scopes of a module's bytes (None: it does not parse), parsed once per Parsed."""
        key = (rel, self.states.get(rel) or hashlib.sha256(data).hexdigest())
        infos = self._parsed.infos
        if key not in infos:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # SyntaxWarnings of the scanned code are not ours
                    tree = ast.parse(decode_python(data))
                infos[key] = collect(tree, package_of(rel))
            except (SyntaxError, ValueError, SourceError, RecursionError, MemoryError):
                infos[key] = None
        return infos[key]

    def _python_files(self) -> list[str]:
        """Posix paths (relative to the root) of the repo's .py files and notebooks, sorted; empty
        when there are more than MAX_CALLER_FILES (callers are then searched in the same file only)."""
        if self._files is None and self._parsed.files is not None:
            self._files = self._parsed.files
            self._shell_files = self._parsed.shell_files
        if self._files is None:
            found: list[str] = []
            shell: list[str] = []
            for top, dirs, files in fsaccess.walk(self.root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                                 and not d.endswith(".egg-info"))
                rel_top = Path(top).relative_to(self.root)
                found.extend((rel_top / f).as_posix() for f in sorted(files) if f.endswith((".py", ".ipynb")))
                if len(shell) <= MAX_CALLER_FILES:
                    shell.extend((rel_top / f).as_posix() for f in sorted(files) if f.endswith((".sh", ".bash")))
                if len(found) > MAX_CALLER_FILES:
                    found, shell = [], []
                    break
            self._files = self._parsed.files = found
            self._shell_files = self._parsed.shell_files = shell
        return self._files

    def runs(self, script: str) -> list[Invocation] | None:
        """The command lines of the repo's notebooks and shell scripts that run `script` (at most
        MAX_ALTERNATIVES of them, from at most MAX_CALLER_PARSES files); None when the repo is too
        large to search."""
        key = ("runs", script)
        if key in self._runs:
            self._use(key)
            return self._runs[key]
        self._use(key)
        files = [f for f in self._python_files() if f.endswith(".ipynb")] + self._shell_files[:MAX_CALLER_FILES]
        result: list[Invocation] | None = []
        needle = posixpath.basename(script).encode()
        read = 0
        for rel in files:
            if result is None or read >= MAX_CALLER_PARSES:
                break
            path = self.root / rel
            try:
                if fsaccess.stat(path).st_size > MAX_MODULE_BYTES:
                    continue
                data = fsaccess.read_bytes(path, restat=False)
            except OSError:
                continue
            if needle not in data:
                continue
            found = runs_of(script, rel, data)
            if found:
                read += 1
                self._probe(key, path, data)  # a change to the command line changes the values
                result.extend(found)
        if result is not None and len(result) > MAX_ALTERNATIVES:
            result = None
        self._runs[key] = result
        return result

    def searches_other_files(self) -> bool:
        """Whether callers are searched in the repository's other files (it is not too large)."""
        return bool(self._python_files())

    def importers(self, module: str, name: str, exclude: str = "") -> list[Evaluator]:
        """Evaluators of the repo's other files that import `name` from `module` (or call it as
        `<module>.name(...)`), at most MAX_CALLER_PARSES of them."""
        key = (module, name)
        if key in self._importers:
            self._use(key)
            return self._importers[key]
        self._use(key)
        needle, last = name.encode(), module.rsplit(".", 1)[-1].encode()
        # `from pkg.module import a, name` (also in parentheses over several lines), or `module.name`.
        imports = re.compile(rb"from[ \t]+[\w.]*\b" + re.escape(last) + rb"[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")
        word = re.compile(rb"\b" + re.escape(needle) + rb"\b")
        attribute = re.compile(rb"\b" + re.escape(last) + rb"\s*\.\s*" + re.escape(needle) + rb"\b")
        out: list[Evaluator] = []
        for rel in self._python_files():
            if rel == exclude:
                continue
            path = self.root / rel
            try:
                if fsaccess.stat(path).st_size > (MAX_NOTEBOOK_BYTES if rel.endswith(".ipynb") else MAX_MODULE_BYTES):
                    continue
                data = fsaccess.read_bytes(path, restat=False)
            except OSError:
                continue
            if needle not in data or last not in data:
                continue
            if not (attribute.search(data) or any(word.search(m.group(1)) for m in imports.finditer(data))):
                continue
            self._probe(key, path, data)
            other = self._for_file(rel, data)
            if other is not None:
                out.append(other)
                if len(out) >= MAX_CALLER_PARSES:
                    break
        self._importers[key] = out
        return out

    def _for_file(self, rel: str, data: bytes) -> Evaluator | None:
        if rel in self._by_file:
            return self._by_file[rel]
        result = None
        if not rel.endswith(".ipynb"):
            info = self._module_info(rel, data)
            result = Evaluator(info, rel, module_name(rel), self, 1) if info is not None else None
            self._by_file[rel] = result
            return result
        try:
            from .source import read_source

            source = read_source(data, True)
            if len(source.text) > MAX_MODULE_BYTES:
                raise ValueError("notebook code too large")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source.text)
            result = Evaluator(collect(tree, package_of(rel)), rel, module_name(rel), self, 1)
            result.locate = source.locate
        except (OSError, SyntaxError, ValueError, SourceError, RecursionError, MemoryError):
            result = None
        self._by_file[rel] = result
        return result

    def read_config(self, name: str, from_file: str) -> tuple[str, Any] | None:
        """Parse a YAML/JSON/TOML file named in code, relative to the root or the reading file."""
        key = f"{from_file}\0{name}"
        if key in self._configs:
            cached = self._configs[key]
            self._use(key)
            return cached
        self._use(key)
        result = None
        here = (self.root / from_file).parent
        candidates = [self.root / name]
        while True:
            candidates.append(here / name)
            if here == self.root or self.root not in here.parents:
                break
            here = here.parent
        for candidate in candidates:
            found = self._inside(candidate)
            if found is None:
                self._probe(key, candidate, absent=True)
                continue
            try:
                if fsaccess.stat(found).st_size > MAX_CONFIG_BYTES:
                    self._probe(key, found)
                    continue
                raw = fsaccess.read_bytes(found)
                self._probe(key, found, raw)
                # Universal newlines, as Path.read_text would give.
                text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
                suffix = found.suffix.lower()
                if suffix in (".yaml", ".yml"):
                    import yaml  # lazy: only repos that read YAML configs pay for it

                    parsed = yaml.safe_load(text)
                elif suffix == ".toml":
                    from .. import tomlcompat as tomllib  # (tomli on 3.10)

                    parsed = tomllib.loads(text)
                else:
                    parsed = json.loads(text)
            except Exception:  # noqa: BLE001 - a broken config file just means "unknown"
                continue
            rel = found.relative_to(self.root).as_posix()
            result = (rel, parsed)
            break
        self._configs[key] = result
        return result


def file_state(path: Path, root: Path) -> str:
    """What the result cache remembers of a dependency: sha256 of the bytes of the file at `path`,
    or "absent" when there is no regular file there inside `root` (as ModuleIndex sees it)."""
    try:
        real = path.resolve()
        real.relative_to(root)
        if not fsaccess.isfile(real):
            return "absent"
        return hashlib.sha256(fsaccess.read_bytes(real)).hexdigest()
    except (OSError, ValueError, RuntimeError):
        return "absent"
