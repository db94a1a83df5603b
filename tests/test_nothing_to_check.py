"""`check` when the scan found nothing to check: the same answer as the full path, without the checks.

With no model reference, no hard-coded token and no suppression comment no rule can report anything
(check.engine.run_checks), so cli.cmd_check skips the checks, the rules, hub metadata and the fix
engine. These tests compare its output with the full path's, forced, for every format and option.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ptm_lint import api, cli
from ptm_lint.check.rulebook import default_rules
from ptm_lint.ruledata import rule_ids
from ptm_lint.core import FileError, FileScan, Secret, Span
from ptm_lint.discover.declarations import declares_nothing
from ptm_lint.discover.project import read_project
from ptm_lint.fix.engine import fix_loop, render_diff, write_changes
from ptm_lint.pipeline import ScanResult

# No model load anywhere; a file the parser rejects and a requirement that cannot be read still
# make errors, which `check` reports without findings.
WITH_ERRORS = {
    "pkg/a.py": "import json\n\nsettings = json.load(open('settings.json'))\n",
    "pkg/broken.py": "model = from_pretrained(\ndef (:\n",
    "requirements.txt": "torch>=2.1,<2.6\nthis is not a requirement !!\n",
}
CLEAN = {
    "pkg/a.py": "import os\n\nprint(os.getcwd())\n",
    "pyproject.toml": '[project]\nname = "clean"\nversion = "1.0"\ndependencies = ["torch>=2.6"]\n',
}
BARE = {  # no dependency declaration at all (like the benchmark's django tree)
    "pkg/a.py": "import os\n\nprint(os.getcwd())\n",
    "README.md": "# bare\n",
    "setup.py": "from setuptools import setup\nsetup()\n",
}
TREES = {"errors": WITH_ERRORS, "clean": CLEAN, "bare": BARE}
FORMATS = ("text", "json", "sarif", "github", "markdown")
# --online and --select decide which rules are enabled (SARIF lists them).
RULE_OPTIONS = ([], ["--online"], ["--select", "PTM4"], ["--select", "PTM1", "--online"],
                ["--ignore", "PTM2", "--extend-select", "PTM503"])
OTHER_OPTIONS = (["--report-unused-suppressions"], ["--show-suppressed"], ["--fix"], ["--diff"],
                 ["--fix", "--diff"], ["--errors-fatal"], ["--exit-zero"], ["--fail-on", "note"], ["--no-cache"])


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _both_paths(argv: list[str], monkeypatch, capsys) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(the run as it is, which must find nothing to check; the same run through the full check path)."""
    seen = []
    real = api._nothing_to_check

    def spy(result) -> bool:
        seen.append(real(result))
        return seen[-1]

    with monkeypatch.context() as patch:
        patch.setattr(api, "_nothing_to_check", spy)
        fast = _run(argv, capsys)
    assert seen == [True], "the scan found something to check"
    with monkeypatch.context() as patch:
        patch.setattr(api, "_nothing_to_check", lambda result: False)
        full = _run(argv, capsys)
    return fast, full


@pytest.mark.parametrize("files", TREES.values(), ids=TREES.keys())
@pytest.mark.parametrize("options", RULE_OPTIONS, ids=" ".join)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_what_the_full_check_says(files, options, fmt, tmp_path, monkeypatch, capsys):
    root = _tree(tmp_path / "project", files)
    fast, full = _both_paths(["check", str(root), "--format", fmt, *options], monkeypatch, capsys)
    assert fast == full
    assert fast[0] == 0


@pytest.mark.parametrize("files", TREES.values(), ids=TREES.keys())
@pytest.mark.parametrize("options", OTHER_OPTIONS, ids=" ".join)
@pytest.mark.parametrize("fmt", ("text", "sarif"))
def test_every_option_does_what_it_does_on_the_full_check(files, options, fmt, tmp_path, monkeypatch, capsys):
    root = _tree(tmp_path / "project", files)
    fast, full = _both_paths(["check", str(root), "--format", fmt, *options], monkeypatch, capsys)
    assert fast == full


def test_the_errors_are_reported_and_decide_the_exit_code(tmp_path, monkeypatch, capsys):
    root = _tree(tmp_path / "project", WITH_ERRORS)
    fast, full = _both_paths(["check", str(root), "--errors-fatal"], monkeypatch, capsys)
    assert fast == full
    code, out, _ = fast
    assert code == 2
    assert "pkg/broken.py:" in out and "requirements.txt:2:" in out  # the scan's and the project's errors


def test_the_html_report_is_the_same(tmp_path, monkeypatch, capsys):
    root = _tree(tmp_path / "project", WITH_ERRORS)
    fast_html, full_html = tmp_path / "fast.html", tmp_path / "full.html"
    argv = ["report", str(root), "-o"]
    with monkeypatch.context() as patch:
        patch.setattr(api, "_nothing_to_check", lambda result: True)
        assert cli.main([*argv, str(fast_html)]) == 0
    with monkeypatch.context() as patch:
        patch.setattr(api, "_nothing_to_check", lambda result: False)
        assert cli.main([*argv, str(full_html)]) == 0
    assert fast_html.read_bytes() == full_html.read_bytes()


def test_the_fix_engine_agrees_that_nothing_is_fixed(tmp_path):
    """What `--fix` / `--diff` answer without the fix engine when there is no finding (cli._fixes)."""
    outcome = fix_loop((), [], lambda rel: None, lambda rel, data: ((), []))
    assert (outcome.fixed, outcome.changed, outcome.findings, outcome.references) == (0, {}, [], ())
    assert render_diff(outcome.changed) == (b"", [])
    assert write_changes(tmp_path, outcome.changed) == []


TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345"  # shaped like an access token, not one


def test_a_token_or_a_suppression_comment_is_something_to_check(tmp_path, capsys):
    """Suppression comments are read in files with a loader call or a token: here, a token."""
    source = f"TOKEN = '{TOKEN}'\nother = 1  # noqa: PTM101\n"
    root = _tree(tmp_path / "project", {"a.py": source})
    code, out, _ = _run(["check", str(root), "--report-unused-suppressions"], capsys)
    assert code == 1
    assert "a.py:1:10: PTM206" in out and "a.py:2: unused suppression (PTM101)" in out


@pytest.mark.parametrize(("scan", "nothing"), [
    (FileScan("a.py"), True),
    (FileScan("a.py", errors=(FileError("a.py", "syntax error"),)), True),
    (FileScan("a.py", suppressions={(None, 1): None}), False),
    (FileScan("a.py", secrets=(Secret(None, Span(1, 1, 1, 9), "hf", "hf_****"),)), False),
])
def test_what_is_something_to_check(scan, nothing, tmp_path):
    assert api._nothing_to_check(ScanResult(tmp_path, (scan,), (), scan.errors)) is nothing


# Each file read_project reads, with content it reports an error for.
DECLARATIONS = {
    "pyproject.toml": "[project\n", "setup.cfg": "[options\ninstall_requires =\n", "requirements.txt": "!!\n",
    "Requirements-Dev.TXT": "!!\n", "constraints.txt": "!!\n", "requirements/base.txt": "!!\n",
    "environment.yml": "dependencies: [\n", "environment.yaml": "dependencies: [\n",
}


@pytest.mark.parametrize("name", DECLARATIONS)
def test_a_declaration_is_read_for_its_errors(name, tmp_path):
    root = _tree(tmp_path, {name: DECLARATIONS[name], "a.py": "print(1)\n"})
    assert read_project(root).errors
    assert not declares_nothing(root)


@pytest.mark.parametrize("names", [[], ["setup.py", "README.md", "src/pkg/__init__.py"],
                                   ["Pyproject.toml", "requirements.in", "docs/requirements.txt", "environment.yml.bak"]],
                         ids=["empty", "others", "near-misses"])
def test_without_declarations_there_is_nothing_to_read(names, tmp_path):
    root = _tree(tmp_path, {name: "!!\n" for name in names})
    assert declares_nothing(root)
    project = read_project(root)
    assert (project.requirements, project.errors) == ((), ())


def test_an_unlistable_root_is_left_to_read_project(tmp_path):
    missing = tmp_path / "missing"
    assert not declares_nothing(missing)
    assert read_project(missing).errors


def test_the_rule_ids_are_the_rules_ids():
    assert rule_ids() == tuple(rule.id for rule in default_rules())


@pytest.mark.parametrize("argv", [["check", "."], ["rules"], ["rule", "PTM101"], ["inventory", "."],
                                  ["outdated", "."], ["graph", "."], ["sbom", "."], ["report", "."]])
def test_a_parser_with_one_subcommand_parses_it_alike(argv):
    """main() builds only the subcommand that runs."""
    alone = vars(cli.build_parser((argv[0],)).parse_args(argv))
    assert alone == vars(cli.build_parser().parse_args(argv))


# What a run with nothing to check must not import: the checks and their rules, hub metadata, the
# dependency graph, the classifier, the fix engine (docs/performance.md, "Lazy imports"); and the
# project's declarations when it has none.
NOT_NEEDED = ("ptm_lint.check.engine", "ptm_lint.check.registry", "ptm_lint.checks", "ptm_lint.hub", "ptm_lint.graph",
              "ptm_lint.resolve", "ptm_lint.fix", "libcst")


def _imported_after(argv: list[str], tmp_path: Path,
                    watch: tuple[str, ...] = (*NOT_NEEDED, "ptm_lint.discover.project")) -> list[str]:
    code = (f"import sys\nfrom ptm_lint.cli import main\nmain({argv!r})\n"
            f"print('MODULES', sorted(m for m in sys.modules if m.startswith({watch!r})))\n")
    env = {"PTM_LINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "HF_HUB_CACHE": str(tmp_path / "hf")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    line = next((line for line in proc.stdout.splitlines() if line.startswith("MODULES ")), None)
    assert line is not None, proc.stdout + proc.stderr
    return ast.literal_eval(line[len("MODULES "):])


@pytest.mark.parametrize(("tree", "options"), [
    ("bare", []), ("bare", ["--format", "json"]), ("bare", ["--format", "github"]), ("bare", ["--fix"]),
    ("bare", ["--diff"]), ("bare", ["--online", "--report-unused-suppressions"]), ("errors", []),
], ids=lambda value: " ".join(value) if isinstance(value, list) else value)
def test_nothing_to_check_imports_no_check_machinery(tree, options, tmp_path):
    root = _tree(tmp_path / "project", TREES[tree])
    argv = ["check", str(root), "--exit-zero", *options]
    # The errors tree has a requirements file to read; the bare one has nothing to read.
    expected = ["ptm_lint.discover.project"] if tree == "errors" else []
    assert _imported_after([*argv, "--no-cache"], tmp_path) == expected  # cold
    assert _imported_after(argv, tmp_path) == expected  # primes the cache
    assert _imported_after(argv, tmp_path) == expected  # warm


def test_a_warm_run_without_model_loads_does_not_build_the_catalog(tmp_path):
    root = _tree(tmp_path / "project", TREES["bare"])
    then = time.time() - 60  # older than the manifest's racy window: answered from stats
    for path in [root, *root.rglob("*")]:
        os.utime(path, (then, then))
    argv = ["check", str(root), "--exit-zero"]
    assert "ptm_lint.catalog" in _imported_after([*argv, "--no-cache"], tmp_path, ("ptm_lint.catalog",))
    _imported_after(argv, tmp_path, ("ptm_lint.catalog",))  # primes the cache
    assert _imported_after(argv, tmp_path, ("ptm_lint.catalog",)) == []  # the cache key needs only its digest
