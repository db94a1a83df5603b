"""The run memo (ptm_lint.runmemo): a repeated `check` of an unchanged tree without model loads is
answered from the last run's output, and any change to what that run consulted is seen.

Each test builds a tree, makes it look older than the racy window, runs the `ptm-lint` command
(command.main) once to record, then changes one thing and checks that the next run is not replayed
and prints what a run without any cache prints.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ptm_lint import cli, command, runmemo
from ptm_lint.cachedir import RACY_NS
from ptm_lint.runmemo import Memo, installation, signatures

SRC = Path(runmemo.__file__).resolve().parent
LOAD = "from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained('bert-base-uncased')\n"
TREE = {
    "pyproject.toml": '[project]\nname = "plain"\nversion = "1.0"\ndependencies = ["requests>=2"]\n',
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\n\nprint(os.getcwd())\n",
    "pkg/sub/b.py": "def f():\n    return 1\n",
    "pkg/empty/README.md": "nothing to scan here\n",
    # A loader name makes the prefilter keep it; the parse error is reported (in the memo's output).
    "notes/broken.py": "model = from_pretrained(\ndef (:\n",
}


@pytest.fixture(scope="module", autouse=True)
def _settled_installation(tmp_path_factory):
    """A memo is kept only when ptm-lint's own code, rule data and sys.path folders are older than the
    racy window; right after an install, an edit or a first import writing __pycache__ they are
    not. Import what the runs below import, then wait (once, at most 3 s) until they are."""
    root = _tree(tmp_path_factory.mktemp("warm-up"), {**TREE, "m.py": LOAD})
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        cli.main(["check", str(root), "--no-cache", "--format", fmt, "-o", str(root / "out")])
    _, newest = signatures(installation())
    wait = (newest + RACY_NS - time.time_ns()) / 1e9 + 0.05
    if wait > 0:
        time.sleep(min(wait, RACY_NS / 1e9 + 0.1))


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _age(root: Path, seconds: float = 60) -> None:
    """Every file and directory under root (and root) last modified `seconds` ago."""
    then = time.time() - seconds
    for path in [*root.rglob("*"), root]:
        os.utime(path, (then, then), follow_symlinks=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = _tree(tmp_path / "repo", TREE)
    _age(root)
    return root


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = command.main(argv)
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def _fresh(argv: list[str], capsys) -> tuple[int, str]:
    """What the same command prints without any cache (and without the memo)."""
    return _run([*argv, "--no-cache"], capsys)


def _replayed(argv: list[str]) -> bool:
    memo = Memo.for_command(argv)
    return memo is not None and memo.answer() is not None


def _recorded(argv: list[str], capsys) -> tuple[int, str]:
    """Run `argv` until its memo is kept; the (exit code, output) of that run."""
    first = _run(argv, capsys)
    assert _replayed(argv), "the run's answer was not kept"
    return first


# --- replaying ---------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [[], ["--format", "json"], ["--format", "sarif"], ["--format", "github"],
                                     ["--format", "markdown"], ["--errors-fatal"], ["--select", "PTM1", "--online"],
                                     ["--format", "sarif", "--online", "--sarif-category", "x"]])
def test_a_repeated_run_is_replayed_with_the_same_output_and_exit_code(tree: Path, capsys, options) -> None:
    argv = ["check", str(tree), *options]
    first = _recorded(argv, capsys)
    assert _run(argv, capsys) == first == _fresh(argv, capsys)
    assert "notes/broken.py" in first[1]
    assert first[0] == (2 if "--errors-fatal" in options else 0)


def test_the_implicit_check_and_a_file_list_are_replayed(tree: Path, capsys) -> None:
    for argv in ([str(tree)], [str(tree / "pkg" / "a.py"), str(tree / "pkg" / "sub" / "b.py")]):
        first = _recorded(argv, capsys)
        assert _run(argv, capsys) == first == _fresh(argv, capsys)


def test_a_replay_imports_nothing_of_the_analyser(tree: Path) -> None:
    """End to end: `python -m ptm_lint` twice; the second run answers without the CLI module."""
    env = dict(os.environ)
    argv = [sys.executable, "-X", "importtime", "-m", "ptm_lint", "check", str(tree)]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and "broken.py" in second.stdout
    assert "ptm_lint.cli" in first.stderr
    imported = set(re.findall(r"\| +(ptm_lint[\w.]*)$", second.stderr, re.MULTILINE))
    assert imported <= {"ptm_lint", "ptm_lint.__main__", "ptm_lint.command", "ptm_lint.runmemo", "ptm_lint.cachedir"}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_inventory_with_model_references_is_replayed(tree: Path, capsys, fmt: str) -> None:
    """The inventory is the scan alone: its memo is kept even when there are references."""
    (tree / "pkg" / "m.py").write_text(LOAD)
    _age(tree)
    argv = ["inventory", str(tree), "--format", fmt]
    first = _recorded(argv, capsys)
    assert "bert-base-uncased" in first[1]
    assert _run(argv, capsys) == first == _fresh(argv, capsys)


def test_a_file_a_scan_read_besides_the_scanned_one(tree: Path, capsys) -> None:
    """A model id read from a JSON file (not a source: discovery never looks at it) is a dependency
    of the scan; editing it in place changes no directory, and is still seen."""
    (tree / "conf.json").write_text('{"model": "roberta-base"}\n')
    (tree / "pkg" / "app.py").write_text("import json\nfrom transformers import AutoModel\n"
                                         "cfg = json.load(open('conf.json'))\n"
                                         "AutoModel.from_pretrained(cfg['model'])\n")
    _age(tree)
    argv = ["inventory", str(tree), "--format", "json"]
    _, out = _changes_seen(tree, capsys, lambda: (tree / "conf.json").write_text('{"model": "xlm-roberta-base"}\n'),
                           argv)
    assert "xlm-roberta-base" in out


def test_a_module_a_scan_found_missing(tree: Path, capsys) -> None:
    """An import the scan could not follow (the module is absent, in a folder discovery excludes)
    is a dependency too: creating the module resolves the id."""
    (tree / "build").mkdir()
    (tree / "pkg" / "app.py").write_text("from transformers import AutoModel\nfrom build.names import NAME\n"
                                         "AutoModel.from_pretrained(NAME)\n")
    _age(tree)
    argv = ["inventory", str(tree), "--format", "json"]
    _, out = _changes_seen(tree, capsys, lambda: (tree / "build" / "names.py").write_text('NAME = "distilgpt2"\n'),
                           argv)
    assert "distilgpt2" in out


# --- what is not remembered --------------------------------------------------------------------


def test_a_tree_with_model_loads_is_never_remembered(tree: Path, capsys) -> None:
    (tree / "pkg" / "m.py").write_text(LOAD)
    _age(tree)
    argv = ["check", str(tree)]
    code, out = _run(argv, capsys)
    assert code == 1 and "bert-base-uncased" in out
    assert not _replayed(argv)


@pytest.mark.parametrize("options", [["--no-cache"], ["--fix"], ["--diff"], ["--cache-dir", "{tmp}/c"], ["-o", "{tmp}/out.txt"]])
def test_runs_that_write_elsewhere_or_bypass_the_cache_are_not_remembered(tree: Path, tmp_path: Path, capsys,
                                                                          options) -> None:
    argv = ["check", str(tree), *(o.format(tmp=tmp_path) for o in options)]
    command.main(argv)
    capsys.readouterr()
    assert not _replayed(argv)


def test_a_configured_cache_dir_is_not_used_for_memos(tree: Path, capsys) -> None:
    (tree / "ptm-lint.toml").write_text('cache-dir = ".cache"\nextend-exclude = [".cache"]\n')
    _age(tree)
    argv = ["check", str(tree)]
    _run(argv, capsys)
    assert not _replayed(argv)


def test_a_run_started_within_the_racy_window_is_not_remembered(tmp_path: Path, capsys) -> None:
    root = _tree(tmp_path / "repo", TREE)  # written just now
    argv = ["check", str(root)]
    _run(argv, capsys)
    assert not _replayed(argv)
    _age(root)
    _run(argv, capsys)
    assert _replayed(argv)


def test_unreadable_files_are_not_remembered(tree: Path, capsys) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads anything")
    (tree / "pkg" / "a.py").chmod(0)
    argv = ["check", str(tree)]
    _run(argv, capsys)
    assert not _replayed(argv)


def test_a_path_naming_a_token_is_never_written(tmp_path: Path, capsys) -> None:
    token = "hf_" + "Ab1" * 12
    root = _tree(tmp_path / "repo", {**TREE, f"{token}/c.py": "x = 1\n"})
    _age(root)
    argv = ["check", str(root)]
    _run(argv, capsys)
    assert not _replayed(argv)
    memos = Path(os.environ["PTM_LINT_CACHE_DIR"]) / "runs"
    assert not any(token in p.read_text() for p in memos.rglob("*") if p.is_file())


# --- every input is seen -----------------------------------------------------------------------


def _changes_seen(tree: Path, capsys, change, argv: list[str] | None = None) -> tuple[int, str]:
    """Record, apply `change`, then: no replay, and the output of a run without caches."""
    argv = argv or ["check", str(tree)]
    before = _recorded(argv, capsys)
    change()
    assert not _replayed(argv)
    after = _run(argv, capsys)
    assert after == _fresh(argv, capsys)
    assert after != before, "the change was meant to change the output"
    return after


def test_an_edited_file(tree: Path, capsys) -> None:
    code, out = _changes_seen(tree, capsys, lambda: (tree / "pkg" / "a.py").write_text(LOAD))
    assert code == 1 and "pkg/a.py" in out


def test_an_edit_that_keeps_size_and_mtime(tree: Path, capsys) -> None:
    """Same size, mtime set back (touch -d): the ctime still changes."""
    path = tree / "notes" / "broken.py"

    def change():
        st = path.stat()
        path.write_text("x = (1)\n"[: st.st_size].ljust(st.st_size))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    _, out = _changes_seen(tree, capsys, change)
    assert "broken.py" not in out


@pytest.mark.parametrize("where", ["pkg/new.py", "pkg/empty/new.py", "pkg/deeper/new.py", "top.py"])
def test_a_new_file(tree: Path, capsys, where: str) -> None:
    def change():
        (tree / where).parent.mkdir(parents=True, exist_ok=True)
        (tree / where).write_text(LOAD)

    code, out = _changes_seen(tree, capsys, change)
    assert code == 1 and where in out


def test_a_deleted_file(tree: Path, capsys) -> None:
    _, out = _changes_seen(tree, capsys, lambda: (tree / "notes" / "broken.py").unlink())
    assert "broken.py" not in out


def test_a_file_replaced_by_a_directory(tree: Path, capsys) -> None:
    def change():
        (tree / "notes" / "broken.py").unlink()
        (tree / "notes" / "broken.py").mkdir()
        (tree / "notes" / "broken.py" / "m.py").write_text(LOAD)

    code, _ = _changes_seen(tree, capsys, change)
    assert code == 1


def test_a_retargeted_symlink(tree: Path, capsys) -> None:
    (tree / "data").mkdir()
    (tree / "data" / "plain.py").write_text("x = 1\n")
    (tree / "data" / "loads.py").write_text(LOAD)
    (tree / "pkg" / "link.py").symlink_to(tree / "data" / "plain.py")
    _age(tree)
    argv = ["check", str(tree), "--extend-exclude", "data"]

    def change():
        (tree / "pkg" / "link.py").unlink()
        (tree / "pkg" / "link.py").symlink_to(tree / "data" / "loads.py")
        os.utime(tree / "pkg", ns=(0, (time.time_ns() - 60 * 10**9)))  # the folder's mtime set back too

    code, _ = _changes_seen(tree, capsys, change, argv)
    assert code == 1


@pytest.mark.parametrize("ignore_file", [".gitignore", "pkg/.gitignore", ".git/info/exclude"])
def test_a_changed_ignore_file(tree: Path, capsys, ignore_file: str) -> None:
    (tree / ".git" / "info").mkdir(parents=True)
    (tree / "pkg" / "m.py").write_text(LOAD)
    (tree / ignore_file).write_text("m.py\n")
    _age(tree)
    code, _ = _changes_seen(tree, capsys, lambda: (tree / ignore_file).write_text("other.py\n"))
    assert code == 1


def test_a_git_repository_appearing_above_the_root(tmp_path: Path, capsys) -> None:
    """A .gitignore above the scan root applies once a .git folder makes it part of the repository."""
    outer = tmp_path / "outer"
    root = _tree(outer / "repo", {**TREE, "pkg/m.py": LOAD})
    (outer / ".gitignore").write_text("notes/\n")
    (outer / "repo" / ".gitignore").write_text("m.py\n")
    _age(outer)
    argv = ["check", str(root)]

    def change():
        (outer / ".git").mkdir()

    _, out = _changes_seen(root, capsys, change, argv)
    assert "broken.py" not in out


@pytest.mark.parametrize("config", [
    ("ptm-lint.toml", 'extend-exclude = ["notes"]\n'),
    ("pyproject.toml", TREE["pyproject.toml"] + '\n[tool.ptm-lint]\nextend-exclude = ["notes"]\n'),
    ("../ptm-lint.toml", 'extend-exclude = ["notes"]\n'),
])
def test_a_new_or_changed_configuration(tree: Path, capsys, config: tuple[str, str]) -> None:
    name, text = config
    argv = ["check", str(tree / "pkg"), str(tree / "notes")] if name.startswith("..") else None
    if name.startswith(".."):  # found upward from the paths: no project marker between them and it
        (tree / "pyproject.toml").unlink()
        _age(tree)
    _, out = _changes_seen(tree, capsys, lambda: (tree / name).write_text(text), argv)
    assert "broken.py" not in out


def test_an_explicit_configuration_file(tree: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[tool.ptm-lint]\nextend-exclude = []\n")
    os.utime(config, (time.time() - 60,) * 2)
    argv = ["check", str(tree), "--config", str(config)]
    _, out = _changes_seen(tree, capsys, lambda: config.write_text('[tool.ptm-lint]\nextend-exclude = ["notes"]\n'),
                           argv)
    assert "broken.py" not in out


@pytest.mark.parametrize("change", ["new", "edited", "included"])
def test_changed_dependency_declarations(tree: Path, capsys, change: str) -> None:
    """The project's declaration files decide the errors `check` reports about them."""
    (tree / "requirements.txt").write_text("requests>=2\n-r more.txt\n")
    (tree / "more.txt").write_text("numpy\n")
    _age(tree)
    target = {"new": "requirements-dev.txt", "edited": "requirements.txt", "included": "more.txt"}[change]
    _, out = _changes_seen(tree, capsys, lambda: (tree / target).write_text("this is not a requirement !!\n"))
    assert "this is not a requirement" in out


def test_a_missing_include_is_not_remembered(tree: Path, capsys) -> None:
    """A file that cannot be read ("io") may be readable next time: such runs are not kept."""
    (tree / "requirements.txt").write_text("-r more.txt\n")
    _age(tree)
    argv = ["check", str(tree)]
    _, out = _run(argv, capsys)
    assert "more.txt" in out and not _replayed(argv)


def test_a_project_marker_moving_the_root(tree: Path, capsys) -> None:
    """Output paths are relative to the root found upward from the paths: a new marker moves it."""
    argv = ["check", str(tree / "notes")]
    _, out = _changes_seen(tree, capsys, lambda: (tree / "notes" / "setup.cfg").write_text(""), argv)
    assert out.startswith("broken.py:")


def test_the_command_line_the_environment_and_the_terminal_are_in_the_key(tree: Path, capsys, monkeypatch) -> None:
    argv = ["check", str(tree)]
    _recorded(argv, capsys)
    assert not _replayed([*argv, "--format", "json"])
    assert not _replayed(["check", str(tree / "pkg")])
    key = Memo.for_command(argv).key
    monkeypatch.setenv("NO_COLOR", "1")
    assert Memo.for_command(argv).key != key
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # colours (--color auto)
    assert Memo.for_command(argv).key != key
    monkeypatch.undo()
    monkeypatch.chdir(tree)
    assert Memo.for_command(argv).key != key  # the same arguments elsewhere


def test_ptm_lint_changing_is_seen(tree: Path, capsys, monkeypatch) -> None:
    """A development checkout changes code and rule data under one version number."""
    argv = ["check", str(tree)]
    _recorded(argv, capsys)
    extra = str(tree.parent / "installed")
    os.mkdir(extra)
    monkeypatch.setattr(runmemo, "installation", lambda: [*installation(), extra])
    memo = Memo.for_command(argv)
    assert memo.record([], "output", 0) is False  # the new path changed within the racy window
    os.utime(extra, (time.time() - 60,) * 2)
    assert memo.record([], "output", 0) is True
    assert memo.answer() == ("output", 0)
    os.rmdir(extra)  # what a removed module, or a package uninstalled from sys.path, looks like
    assert memo.answer() is None


# --- the memo file -----------------------------------------------------------------------------


def _memo_file(argv: list[str]) -> Path:
    return Path(Memo.for_command(argv).path)


@pytest.mark.parametrize("tamper", ["schema", "key", "digest", "code", "paths", "not json", "truncated", "dir"])
def test_a_tampered_memo_is_a_miss(tree: Path, capsys, tamper: str) -> None:
    argv = ["check", str(tree)]
    first = _recorded(argv, capsys)
    path = _memo_file(argv)
    data = json.loads(path.read_text())
    if tamper == "not json":
        path.write_text("{")
    elif tamper == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif tamper == "dir":
        path.unlink()
        path.mkdir()
    else:
        data[tamper] = {"schema": 99, "key": "0" * 40, "digest": "0" * 40, "code": 7, "paths": 3}[tamper]
        path.write_text(json.dumps(data))
    assert not _replayed(argv)
    assert _run(argv, capsys) == first


def test_no_cache_never_reads_a_memo(tree: Path, capsys) -> None:
    argv = ["check", str(tree), "--no-cache"]
    memo = Memo.for_command(argv)
    assert memo.record([str(tree)], "stale answer\n", 1)  # as if a run with --no-cache had kept one
    code, out = _run(argv, capsys)
    assert out != "stale answer\n" and code == 0


def test_old_memos_are_pruned(tree: Path, capsys) -> None:
    for n in range(runmemo.KEEP + 5):
        assert Memo.for_command(["check", str(tree), f"--jobs={n + 1}"]).record([str(tree)], "", 0)
    folder = _memo_file(["check"]).parent
    assert len(list(folder.glob("*.json"))) == runmemo.KEEP
    assert _replayed(["check", str(tree), f"--jobs={runmemo.KEEP + 5}"])  # the newest are kept
    stale = folder / ".tmp-1-x.part"
    stale.write_text("")
    os.utime(stale, (time.time() - 7200,) * 2)
    Memo.for_command(["check", str(tree)]).record([str(tree)], "", 0)
    assert not stale.exists()


def test_every_environment_variable_the_code_reads_is_in_the_key_or_cannot_matter() -> None:
    """A memo answers `check` runs without model references; a variable read on that path must be
    part of the key. The others are read only where there is a reference (hub, fixes) or by other
    subcommands."""
    irrelevant = {
        "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",
        "GITHUB_TOKEN", "KAGGLEHUB_CACHE", "SOURCE_DATE_EPOCH", "MODELSCOPE_CACHE",
    }
    names = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""environ(?:\.get)?[\[(]\s*["']([A-Z_][A-Z0-9_]*)["']""", text))
        names |= set(re.findall(r"""getenv\(\s*["']([A-Z_][A-Z0-9_]*)["']""", text))
        names |= set(re.findall(r"""env(?:iron)?\.get\(\s*["']([A-Z_][A-Z0-9_]*)["']""", text))
    names.discard("X")  # (the scanner's own examples)
    assert names, "the pattern above no longer finds the environment reads"
    for name in sorted(names - irrelevant):
        assert name in runmemo.ENV_NAMES or name.startswith(runmemo.ENV_PREFIXES), name


def test_an_undecodable_file_name_is_kept_and_replayed(tree: Path, capsys) -> None:
    """File names that are not UTF-8 (lone surrogates in Python) survive the memo's JSON."""
    if sys.platform == "darwin":
        pytest.skip("macOS file names are UTF-8")
    os.mkdir(os.path.join(os.fsencode(tree), b"odd\xff"))
    with open(os.path.join(os.fsencode(tree), b"odd\xff", b"x\xfe.py"), "wb") as handle:
        handle.write(b"model = from_pretrained(\ndef (:\n")
    _age(tree)
    argv = ["check", str(tree)]
    first = _recorded(argv, capsys)
    assert "\\udcfe" in first[1]  # (how the output shows the name)
    assert _run(argv, capsys) == first == _fresh(argv, capsys)
