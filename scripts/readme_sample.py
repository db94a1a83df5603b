"""Regenerate the README's sample output from a real run: `python scripts/readme_sample.py`.

The block after "## What it finds" is a ```console block: `$ <command>` and what the command
prints. tests/test_doc_commands.py runs the command again and fails when the README drifts.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BLOCK = re.compile(r"(## What it finds\n\n```console\n)\$ (?P<command>[^\n]+)\n(?P<output>.*?)(```)", re.S)


def sample(readme: str) -> tuple[str, str]:
    """(the command, the output as the README shows it)."""
    match = BLOCK.search(readme)
    if match is None:
        raise SystemExit("README.md has no ```console block after '## What it finds'")
    return match.group("command"), match.group("output")


def run(command: str) -> str:
    """What `command` (a `ptm-lint ...` line) prints, run from the repository root without colour or cache."""
    argv = shlex.split(command)
    assert argv[0] == "ptm-lint", command
    with tempfile.TemporaryDirectory() as empty:  # no local Hugging Face cache: what a new user sees
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
        env.update(NO_COLOR="1", HF_HUB_CACHE=os.path.join(empty, "hf"), PTM_LINT_CACHE_DIR=os.path.join(empty, "ptm"))
        done = subprocess.run([sys.executable, "-m", "ptm_lint", *argv[1:], "--no-cache"], cwd=REPO, env=env,
                              capture_output=True, text=True, check=False)
    return done.stdout


def main() -> None:
    text = README.read_text(encoding="utf-8")
    command, _ = sample(text)
    fresh = BLOCK.sub(lambda m: f"{m.group(1)}$ {command}\n{run(command)}```", text, count=1)
    README.write_text(fresh, encoding="utf-8")


if __name__ == "__main__":
    main()
