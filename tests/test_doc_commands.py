"""Docs that match the tool: every `ptm-lint` command in README.md and docs/*.md runs, the README's
sample output is a real run, and the pre-commit snippet names a revision that exists."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "testdata" / "demo-app"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```(?:console|bash|sh|shell)\n(.*?)```", re.S)

# Commands that cannot run in a test, each with the reason. Everything else is run.
SKIPPED = {
    "ptm-lint check . --online": "asks the Hugging Face Hub (network); tests/test_hub_online.py covers "
                                 "--online against a fake hub",
    "ptm-lint outdated . --online": "asks the Hugging Face Hub (network); tests/test_hub_online.py covers it",
    "ptm-lint sbom . --online -o models.cdx.json": "asks the Hugging Face Hub (network); tests/test_sbom.py "
                                                    "covers metadata from a fake hub",
    "ptm-lint lock --upgrade acme-ml/lock-upgrade-demo --online --dry-run": "asks the Hub; this exact run is "
                                                                        "tests/test_lock.py's changelog test",
    "ptm-lint lock --upgrade gpt2 --online": "asks the Hugging Face Hub (network); tests/test_lock.py covers "
                                            "--upgrade against a fake hub",
}


def doc_commands() -> list[tuple[str, str]]:
    """(where, command) for each `ptm-lint ...` line of a console/bash block (`$ ` prompt and a
    trailing `# comment` removed), each distinct command once."""
    seen: dict[str, str] = {}
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for block in _BLOCK.finditer(text):
            lines = block.group(1).splitlines()
            prompted = any(line.strip().startswith("$ ") for line in lines)  # then the rest is output
            for offset, line in enumerate(lines):
                line = line.strip()
                if prompted and not line.startswith("$ "):
                    continue
                line = line.removeprefix("$ ")
                if not line.startswith("ptm-lint"):
                    continue
                command = re.sub(r"\s+#\s.*$", "", line).strip()
                number = text.count("\n", 0, block.start(1)) + offset + 1
                seen.setdefault(command, f"{path.relative_to(REPO)}:{number}")
    return [(where, command) for command, where in seen.items()]


COMMANDS = doc_commands()


def test_docs_have_commands_and_every_skip_is_still_in_them():
    assert len(COMMANDS) >= 20
    assert set(SKIPPED) <= {command for _, command in COMMANDS}, "a skipped command is no longer documented"


def _workspace(tmp_path: Path, command: str) -> Path:
    """Where the command runs: a copy of the demo app (commands on `.` or `src/`), or a copy of the
    repository's layout around it (commands naming testdata/demo-app)."""
    if "testdata/demo-app" in command:
        root = tmp_path / "repo"
        shutil.copytree(DEMO, root / "testdata" / "demo-app")
        return root
    root = tmp_path / "project"
    shutil.copytree(DEMO, root)
    if " src/" in command:  # the docs' generic layout: the demo app's package under src/
        (root / "app").rename(root / "src")
    return root


@pytest.mark.parametrize("where,command", COMMANDS, ids=[c for _, c in COMMANDS])
def test_documented_command_runs(where, command, tmp_path):
    if command in SKIPPED:
        pytest.skip(SKIPPED[command])
    cwd = _workspace(tmp_path, command)
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "NO_COLOR": "1",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    argv = shlex.split(command.split(">>")[0])
    checking = len(argv) == 1 or argv[1] not in ("inventory", "graph", "sbom", "report", "outdated", "rules",
                                                 "rule", "--version")
    allowed = (0, 1) if checking and "--exit-zero" not in argv else (0,)
    assert done.returncode in allowed, f"{where}: `{command}` exited {done.returncode}\n{done.stderr}"
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    if "-o" in argv:
        assert (cwd / argv[argv.index("-o") + 1]).stat().st_size > 0
    elif ">>" in command:
        assert summary.stat().st_size > 0
    else:
        assert done.stdout.strip(), f"{where}: `{command}` printed nothing"


def test_readme_sample_output_is_a_real_run():
    spec = importlib.util.spec_from_file_location("readme_sample", REPO / "scripts" / "readme_sample.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    command, shown = module.sample((REPO / "README.md").read_text(encoding="utf-8"))
    assert shown == module.run(command), "README.md's sample output drifted: run `python scripts/readme_sample.py`"
    assert "Found " in shown


def test_readme_starts_with_the_two_setup_commands():
    first = _BLOCK.search((REPO / "README.md").read_text(encoding="utf-8")).group(1).splitlines()  # type: ignore[union-attr]
    assert first == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ptm-lint testdata/demo-app",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]


def test_precommit_snippet_pins_a_commit_of_this_repository():
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    snippet = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", text, re.S)
    assert snippet is not None
    config = yaml.safe_load(snippet.group(1))
    (repo,) = config["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"]), "pin a full commit sha (pre-commit autoupdate moves it)"
    hooks = {hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert {hook["id"] for hook in repo["hooks"]} <= hooks
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the commit cannot be looked up")
    found = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", repo["rev"] + "^{commit}"], capture_output=True)
    assert found.returncode == 0, f"docs/ci.md pins {repo['rev']}, which is not a commit of this repository"
