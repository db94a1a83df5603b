"""The `ptm-lint` command: a repeated run answered from its memo (runmemo), any other by the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run ptm-lint with `argv` (default: the command line); the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    from .runmemo import Memo

    # --no-cache reads no cache at all, the memo included (a run with it never records one).
    memo = None if "--no-cache" in args else Memo.for_command(args)
    if memo is not None:
        answer = memo.answer()
        if answer is not None:
            return _replay(*answer)
    from .cli import main as run

    return run(args, memo=memo)


def _replay(stdout: str, code: int) -> int:
    try:
        sys.stdout.write(stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # as the CLI: a closed pipe (`| head`) is not an error
        return 0
    return code
