"""The file-access layer (ptm_lint.fsaccess): what a run reads is recorded without the stage
reporting it, so the run memo cannot forget an input.

Two guards: every file the CLI opens or directory it lists inside the scanned tree during a run
that keeps a memo is among the memo's paths (an audit hook sees every open, listdir and scandir,
whichever module makes it); and the input stages make no file-system call except through the layer
(an AST check with an explicit allow-list), so a new input cannot bypass it unnoticed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ptm_lint import fsaccess
from ptm_lint.cachedir import RACY_NS
from ptm_lint.runmemo import installation, signatures

SRC = Path(fsaccess.__file__).resolve().parent

# --- the layer records ------------------------------------------------------------------------


def test_accesses_are_recorded_only_while_recording(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "d").mkdir()
    fsaccess.read_bytes(tmp_path / "a.txt")  # outside recording(): plain I/O
    with fsaccess.recording() as accesses:
        assert fsaccess.read_text(tmp_path / "a.txt") == "x"
        assert fsaccess.isdir(tmp_path / "d") and not fsaccess.isfile(tmp_path / "d")
        assert not fsaccess.lexists(tmp_path / "missing")
        assert fsaccess.listdir(tmp_path / "d") == []
    paths = accesses.paths
    assert set(paths) == {str(tmp_path / "a.txt"), str(tmp_path / "d"), str(tmp_path / "missing")}
    assert paths[str(tmp_path / "a.txt")].st_size == 1  # the stat taken before the read
    assert paths[str(tmp_path / "missing")] is None
    assert fsaccess.active() is None


def test_the_first_stat_is_kept_and_a_link_is_recorded_to_be_followed(tmp_path: Path) -> None:
    target = tmp_path / "t.py"
    target.write_text("1")
    (tmp_path / "link.py").symlink_to(target)
    with fsaccess.recording() as accesses:
        first = fsaccess.stat(target)
        target.write_text("22")
        fsaccess.stat(target)
        fsaccess.lstat(tmp_path / "link.py")
    assert accesses.paths[str(target)] == first
    assert accesses.paths[str(tmp_path / "link.py")] is None  # the memo stats it following the link


# --- nothing read escapes the memo --------------------------------------------------------------

PROJECT = {
    ".git/HEAD": "ref: refs/heads/main\n",
    ".gitignore": "build/\n*.log\n",
    "pyproject.toml": """\
        [project]
        name = "support-bot"
        version = "0.3.0"
        dependencies = ["transformers>=4.40,<5", "torch>=2.3"]

        [tool.ptm-lint]
        extend-exclude = ["scratch/"]
        """,
    "requirements.txt": "-r requirements/base.txt\n-c constraints.txt\n",
    "requirements/base.txt": "fastapi>=0.110\nuvicorn\n",
    "constraints.txt": "torch<2.6\n",
    "configs/model.json": '{"model": "acme-ml/support-router", "revision": "main"}\n',
    "bot/__init__.py": "",
    "bot/settings.py": 'TOKENIZER = "acme-ml/support-tokenizer"\n',
    "bot/serve.py": """\
        import json

        from transformers import AutoModel, AutoTokenizer

        from bot.settings import TOKENIZER

        with open("configs/model.json") as handle:
            CONFIG = json.load(handle)

        tokenizer = AutoTokenizer.from_pretrained(TOKENIZER)
        model = AutoModel.from_pretrained(CONFIG["model"], revision=CONFIG["revision"])
        """,
    "bot/util/text.py": "def clean(s):\n    return s.strip()\n",
    "scratch/try.py": "print('excluded')\n",
    "build/gen.py": "print('ignored')\n",
}

# Runs the command with an audit hook that logs every file opened and directory listed (Python's
# "open", "os.listdir" and "os.scandir" audit events), whichever module does it.
_AUDITED = """\
import json, os, sys
seen = []
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        seen.append((event, os.fsdecode(args[0])))
sys.addaudithook(hook)
from ptm_lint.command import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(seen, out)
sys.exit(code)
"""


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    then = time.time() - 60  # older than the racy window: the memo is kept
    for path in [*root.rglob("*"), root]:
        os.utime(path, (then, then), follow_symlinks=False)
    return root


@pytest.mark.parametrize(("command", "files"), [
    ("inventory", PROJECT),  # discovery, configuration, imported modules, configs the code reads
    ("check", {k: v for k, v in PROJECT.items() if k != "bot/serve.py"}),  # + the project's declarations
])
def test_every_file_a_remembered_run_opened_or_listed_is_in_its_memo(tmp_path: Path, command: str,
                                                                   files: dict[str, str]) -> None:
    root = _tree(tmp_path / "repo", files)
    cache = tmp_path / "cache"
    env = {**os.environ, "PTM_LINT_CACHE_DIR": str(cache)}
    _, newest = signatures(installation())  # (a fresh install's files are too new for a memo)
    time.sleep(max(0.0, min((newest + RACY_NS - time.time_ns()) / 1e9 + 0.05, RACY_NS / 1e9)))
    log = tmp_path / "audit.json"
    argv = [sys.executable, "-c", _AUDITED, str(log), command, str(root), "--format", "json", "-j", "1"]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    memos = list((cache / "runs").rglob("*.json"))
    assert len(memos) == 1, "the run's answer was not kept"
    recorded = {os.path.realpath(p) for p in json.loads(memos[0].read_text())["paths"].split("\0")}
    real_root = os.path.realpath(root)
    touched = {os.path.realpath(os.path.join(root, path)) for _, path in json.loads(log.read_text())}
    inside = {p for p in touched if p == real_root or p.startswith(real_root + os.sep)}
    assert inside, "the audit hook saw nothing"
    assert sorted(inside - recorded) == []


# --- no stage bypasses the layer ------------------------------------------------------------------

# The stages whose reads decide an `inventory` or a `check` the run memo may replay.
INPUT_STAGES = ("config.py", "pipeline.py", "discover/*.py", "scan/*.py", "resolve/*.py")
_OS = {"stat", "lstat", "listdir", "scandir", "walk", "open", "access"}
_OS_PATH = {"exists", "lexists", "isfile", "isdir", "islink", "getsize", "getmtime", "samefile"}
_PATH = {"read_bytes", "read_text", "stat", "lstat", "is_file", "is_dir", "exists", "iterdir", "open",
         "glob", "rglob", "is_symlink", "owner", "samefile"}
# (module, the call as written) -> why it may touch the file system directly.
ALLOWED = {
    ("discover/files.py", "os.path.islink(a)"): "only after a stat failed, to word the error message",
    ("discover/files.py", "e.is_symlink()"): "a scandir entry's type, from the listing the layer recorded",
    ("discover/files.py", "e.is_dir(follow_symlinks=False)"): "a scandir entry's type, as above",
    ("discover/files.py", "self.stat(a)"): "_Walker.stat goes through the layer",
    ("discover/files.py", "self.stat(d.abs)"): "_Walker.stat goes through the layer",
    ("discover/files.py", "self.stat(path)"): "_Walker.stat goes through the layer",
    ("discover/files.py", "self.lstat(at + name)"): "_Walker.lstat goes through the layer",
    ("discover/files.py", "self.lstat(path)"): "_Walker.lstat goes through the layer",
    ("discover/manifests.py", "c.read_text(path, rel)"): "Collector.read_text goes through the layer",
    ("discover/pyproject.py", "c.read_text(path, rel)"): "Collector.read_text goes through the layer",
    ("discover/setupcfg.py", "c.read_text(path, rel)"): "Collector.read_text goes through the layer",
    ("discover/conda.py", "c.read_text(path, rel)"): "Collector.read_text goes through the layer",
    ("discover/pipfile.py", "c.read_text(path, rel)"): "Collector.read_text goes through the layer",
    ("resolve/torchvision_weights.py", '(rules_dir() / "torchvision_weights.toml").read_text(encoding="utf-8")'):
        "ptm-lint's own rule data: the memo covers it with the installation (runmemo.installation)",
}


def _direct_calls(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        direct = (isinstance(f, ast.Name) and f.id == "open") or (isinstance(f, ast.Attribute) and (
            (isinstance(f.value, ast.Name) and f.value.id == "os" and f.attr in _OS)
            or (isinstance(f.value, ast.Attribute) and isinstance(f.value.value, ast.Name)
                and f.value.value.id == "os" and f.value.attr == "path" and f.attr in _OS_PATH)
            or (f.attr in _PATH and not (isinstance(f.value, ast.Name) and f.value.id == "fsaccess"))))
        if direct:
            found.append(ast.get_source_segment(text, node) or "")
    return found


def test_the_input_stages_touch_the_file_system_only_through_the_layer() -> None:
    offenders = []
    for pattern in INPUT_STAGES:
        for path in sorted(SRC.glob(pattern)):
            module = path.relative_to(SRC).as_posix()
            offenders += [f"{module}: {call}" for call in _direct_calls(path) if (module, call) not in ALLOWED]
    assert offenders == [], "read through ptm_lint.fsaccess (or allow-list it here, saying why)"


def test_the_check_sees_a_direct_read(tmp_path: Path) -> None:
    """The AST check is not vacuous: the calls a stage would make to bypass the layer are caught."""
    module = tmp_path / "stage.py"
    module.write_text("import os\nfrom pathlib import Path\n\n"
                      "def load(p):\n    if os.path.isfile(p):\n        return Path(p).read_text()\n"
                      "    with open(p) as f:\n        return f.read()\n")
    assert _direct_calls(module) == ["os.path.isfile(p)", "Path(p).read_text()", "open(p)"]
