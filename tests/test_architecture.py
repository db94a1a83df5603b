"""The architecture stays extensible: imports flow down the pipeline without cycles, and only a rule's
own module names its id (docs/contributing.md)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ptm_lint"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (annotations only: never executed)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every ptm_lint module `name` imports, at module level or inside functions (a lazy import is
    still a dependency; laziness is for start-up time, not for hiding a cycle). Imports for type
    annotations only (`if TYPE_CHECKING:`) never run, so they do not count."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `from pkg import name`: the module, or pkg itself
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(name, path, set(modules)):
            # A package's __init__ importing its own submodules is how packages work, not a cycle.
            if not target.startswith(name + "."):
                graph.add_edge(name, target)
    return graph


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:10])


@pytest.mark.parametrize("package", ["ptm_lint.graph", "ptm_lint.hub", "ptm_lint.scan", "ptm_lint.resolve",
                                     "ptm_lint.discover"])
def test_earlier_stages_do_not_import_the_checks(package):
    graph = _graph()
    offending = sorted((a, b) for a, b in graph.edges
                       if a.startswith(package) and b.startswith(("ptm_lint.check", "ptm_lint.fix",
                                                                    "ptm_lint.report", "ptm_lint.api", "ptm_lint.cli")))
    assert offending == []


def test_engines_reach_rules_only_through_the_registry():
    graph = _graph()
    rule_modules = {n for n in graph if n.startswith("ptm_lint.checks.")}
    importers = {a for a, b in graph.edges if b in rule_modules and not a.startswith("ptm_lint.checks")}
    assert importers == set(), "rule modules are loaded by check.registry, by name, never imported directly"


_RULE_ID = re.compile(r"\bPTM\d{3}\b")


def _code_without_docs(path: Path) -> str:
    """The module's code and string literals, without comments and docstrings."""
    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.add(first.lineno)
    out = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and token.start[0] in docstrings):
            continue
        out.append(token.string)
    return " ".join(out)


def test_only_a_rule_names_its_id():
    """Adding a rule touches its TOML and its module only: no engine, CLI, fix engine, reporter or
    other stage may name a rule id in code."""
    named = {}
    for name, path in _modules().items():
        if name.startswith("ptm_lint.checks."):
            continue
        ids = sorted(set(_RULE_ID.findall(_code_without_docs(path))))
        if ids:
            named[name] = ids
    assert named == {}


def test_each_rule_module_names_only_its_own_id():
    for name, path in _modules().items():
        if not name.startswith("ptm_lint.checks.ptm"):
            continue
        own = name.rpartition(".")[2].upper()
        others = set(_RULE_ID.findall(_code_without_docs(path))) - {own}
        assert not others, f"{name} names {sorted(others)}"
