"""Command-line interface: `ptm-lint [check|inventory|rules|rule] ...`."""

from __future__ import annotations

import argparse
import dataclasses
import os
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

    check = sub.add_parser("check", help="report findings (the default command)")
    _common(check)
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    check.add_argument("--select", type=_csv, default=None, metavar="IDS",
                       help="comma-separated rule ids or prefixes to enable (replaces the default set)")
    check.add_argument("--extend-select", type=_csv, default=None, metavar="IDS", help="rules to enable in addition")
    check.add_argument("--ignore", type=_csv, default=None, metavar="IDS", help="rules to disable")
    check.add_argument("--fail-on", choices=("error", "warning", "note"), default=None,
                       help="lowest level that makes the exit code 1 (default: warning)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--show-suppressed", action="store_true",
                       help="also show suppressed findings (SARIF: as results with suppressions)")
    check.add_argument("--report-unused-suppressions", action="store_true",
                       help="list `# ptm-lint: ignore` / `# noqa` comments that suppress nothing")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("--sarif-category", default="ptm-lint", metavar="ID",
                       help="SARIF automationDetails.id, to tell several uploads apart (empty: none)")
    check.set_defaults(func=cmd_check)

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=cmd_rules)

    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("rule_id", metavar="RULE", help="rule id or name, e.g. PTM101")
    rule.set_defaults(func=cmd_rule)

    inv = sub.add_parser("inventory", help="list every model reference (the inventory contract)")
    _common(inv)
    inv.add_argument("--format", choices=("json", "text"), default="text")
    inv.set_defaults(func=cmd_inventory)
    return parser


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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


def _rules():
    from .catalog import CatalogError
    from .check.rulebook import default_rules

    try:
        return default_rules()
    except CatalogError as exc:
        raise UsageError(f"the rule data is broken: {exc}") from None


def _config(args: argparse.Namespace, rule_ids: list[str]):
    from .config import ConfigError, load_config, validate_selectors

    start = Path(os.path.commonpath([str(p.resolve()) for p in _paths(args)]))
    try:
        config = load_config(start, args.config, rule_ids)
        overrides = {}
        for name in ("select", "extend_select", "ignore"):
            value = getattr(args, name, None)
            if value is not None:
                overrides[name] = validate_selectors(value, rule_ids, "--" + name.replace("_", "-"))
        if getattr(args, "fail_on", None):
            overrides["fail_on"] = args.fail_on
        if args.exclude is not None:
            overrides["exclude"] = tuple(args.exclude)
        if args.extend_exclude:
            overrides["extend_exclude"] = (*config.extend_exclude, *args.extend_exclude)
        if args.no_respect_gitignore:
            overrides["respect_gitignore"] = False
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return dataclasses.replace(config, **overrides)


def cmd_check(args: argparse.Namespace) -> int:
    from .catalog import default_catalog
    from .check.engine import Selection, fails, run_checks
    from .check.rules import Context
    from .core import Report
    from .discover.files import find_root
    from .discover.project import read_project
    from .pipeline import ScanOptions, scan_paths

    rules = _rules()
    config = _config(args, [r.id for r in rules])
    options = ScanOptions(exclude=config.exclude, extend_exclude=config.extend_exclude,
                          respect_gitignore=config.respect_gitignore, max_bytes=config.max_file_size, jobs=args.jobs)
    paths = _paths(args)
    root = (args.root or find_root(paths)).resolve()
    try:
        result = scan_paths(paths, options, root=root)
    except ValueError as exc:  # an invalid exclude pattern
        raise UsageError(str(exc)) from None
    project = read_project(root)
    selection = Selection(config.select, config.extend_select, config.ignore, config.per_file_ignores)
    enabled = selection.enabled(rules)
    ctx = Context(project=project, catalog=default_catalog(), references=result.references)
    findings, unused = run_checks(result.references, result.by_path, rules, selection, ctx)
    notes = []
    if args.report_unused_suppressions:
        notes.extend(f"{path}{f':cell {cell}' if cell is not None else ''}:{line}: unused suppression ({ids})"
                     for path, cell, line, ids in unused)
    report = Report(root=str(root), references=result.references, findings=tuple(findings),
                    errors=(*result.errors, *project.errors), rules=enabled, notes=tuple(notes),
                    tool_version=__version__)
    _write(_render_check(report, args), args.output)
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if fails(findings, config.fail_on) else EXIT_OK


def _render_check(report, args: argparse.Namespace) -> str:
    if args.format == "json":
        from .report.findings_json import render_json

        return render_json(report)
    root = Path(report.root)

    def read_source(path: str) -> str | None:
        try:
            return (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    if args.format == "sarif":
        from .report.sarif import render_sarif

        return render_sarif(report, include_suppressed=args.show_suppressed, read_source=read_source,
                            category=args.sarif_category or None)
    if args.format == "github":
        from .report.github import render_github

        return render_github(report, read_source=read_source)
    from .report.text import render_text

    color = args.color == "always" or (args.color == "auto" and args.output is None and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    return render_text(report, color=color, show_suppressed=args.show_suppressed)


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    from .check.rules import CHECKS, FILE_RULES

    rules = [r for r in _rules() if r.id in CHECKS or r.id in FILE_RULES]
    if args.format == "json":
        _write(json.dumps([{"id": r.id, "name": r.name, "level": r.level, "category": r.category,
                            "summary": r.summary, "tags": list(r.tags),
                            "security_severity": r.security_severity} for r in rules], indent=2) + "\n", None)
        return EXIT_OK
    width = max((len(r.name) for r in rules), default=10)
    lines = [f"{'ID':<7} {'NAME':<{width}} {'LEVEL':<8} SUMMARY"]
    lines += [f"{r.id:<7} {r.name:<{width}} {r.level:<8} {r.summary}" for r in rules]
    _write("\n".join(lines) + "\n", None)
    return EXIT_OK


def cmd_rule(args: argparse.Namespace) -> int:
    from .docs import render_rule_text

    wanted = args.rule_id.strip()
    for rule in _rules():
        if wanted.upper() == rule.id or wanted == rule.name:
            _write(render_rule_text(rule), None)
            return EXIT_OK
    raise UsageError(f"unknown rule {wanted!r} (see `ptm-lint rules`)")


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
