"""Command-line interface: `ptm-lint [check|inventory|rules|rule] ...`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__

SUBCOMMANDS = ("check", "inventory", "rules", "rule")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or the configuration: exit code 2."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories to scan (default: .)")
    parser.add_argument("-o", "--output", type=Path, help="write the output to this file instead of stdout")
    parser.add_argument("--config", type=Path, help="configuration file (default: found upward from the paths)")
    parser.add_argument("--root", type=Path, help="scan root that output paths are relative to")
    parser.add_argument("--exclude", action="append", default=None, metavar="PATTERN",
                        help="gitignore-style pattern to exclude (replaces the defaults; repeatable)")
    parser.add_argument("--extend-exclude", action="append", default=[], metavar="PATTERN",
                        help="gitignore-style pattern to exclude in addition to the defaults (repeatable)")
    parser.add_argument("--no-respect-gitignore", action="store_true", help="scan files that .gitignore excludes")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ptm-lint",
        description="Find, pin and audit the pre-trained models your code loads.",
        epilog="Without a subcommand, `check` runs: `ptm-lint .` checks the current directory.",
    )
    parser.add_argument("--version", action="version", version=f"ptm-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    inv = sub.add_parser("inventory", help="list every model reference (the inventory contract)")
    _common(inv)
    inv.add_argument("--format", choices=("json", "text"), default="text")
    inv.set_defaults(func=cmd_inventory)
    return parser


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _scan_options(args: argparse.Namespace):
    from .pipeline import ScanOptions

    return ScanOptions(
        exclude=tuple(args.exclude) if args.exclude is not None else None,
        extend_exclude=tuple(args.extend_exclude),
        respect_gitignore=not args.no_respect_gitignore,
        jobs=args.jobs,
    )


def _paths(args: argparse.Namespace) -> list[Path]:
    paths = list(args.paths) or [Path(".")]
    return paths


def cmd_inventory(args: argparse.Namespace) -> int:
    from .pipeline import run_inventory
    from .report.inventory import render_json, render_text

    report = run_inventory(_paths(args), _scan_options(args), root=args.root)
    _write(render_json(report) if args.format == "json" else render_text(report), args.output)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["check", *argv]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return func(args)
    except UsageError as exc:
        print(f"ptm-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ptm-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
