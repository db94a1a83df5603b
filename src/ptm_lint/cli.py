"""Command-line interface: `ptm-lint [check|inventory|graph|sbom|rules|rule] ...`."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, fsaccess

SUBCOMMANDS = ("check", "inventory", "graph", "sbom", "report", "outdated", "lock", "verify", "rules", "rule")
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
    parser.add_argument("--errors-fatal", action="store_true",
                        help="exit 2 when a file could not be analysed (unreadable, unparsable, or an "
                             "internal error); by default such files are reported and the run goes on")


@functools.lru_cache(maxsize=1)
def _columns() -> int:
    """The terminal width, as shutil.get_terminal_size finds it ($COLUMNS, else the terminal, else 80)."""
    try:
        return max(int(os.environ.get("COLUMNS", "")), 1)
    except ValueError:
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter with the width computed once: argparse makes one per add_argument, each
    asking shutil (itself a few ms to import) for the terminal size."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser using _Formatter, also for the subcommands (add_subparsers uses this class)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's own signature
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(commands: Sequence[str] = SUBCOMMANDS) -> argparse.ArgumentParser:
    """The command line parser, with the subcommands in `commands` (main() adds only the one that
    runs: each costs a few dozen add_argument calls)."""
    parser = _Parser(
        prog="ptm-lint",
        description="Find, pin and audit the pre-trained models your code loads.",
        epilog="Without a subcommand, `check` runs: `ptm-lint .` checks the current directory.",
    )
    parser.add_argument("--version", action="version", version=f"ptm-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in _SUBPARSERS.items():
        if name in commands:
            add(sub)
    return parser


def _add_check(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="report findings (the default command)")
    _common(check)
    check.add_argument("--format", choices=("text", "json", "sarif", "github", "markdown"), default="text",
                       help="markdown: a GitHub job summary (append it to $GITHUB_STEP_SUMMARY)")
    check.add_argument("--output-format", choices=("concise", "full"), default="concise",
                       help="text: concise (one short line per finding, each hint once after them) or full "
                            "(each finding's whole message and its fix)")
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
    check.add_argument("--sarif-root-uri", default=None, metavar="URI",
                       help="absolute URI the SARIF paths are relative to (originalUriBaseIds), e.g. "
                            "https://github.com/o/r/blob/SHA/; `local`: the scan root's file:// URI "
                            "(default: none, so the log names no local folder)")
    _fix_options(check)
    _hub_options(check)
    check.set_defaults(func=cmd_check)


def _add_rules(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=cmd_rules)


def _add_rule(sub: argparse._SubParsersAction) -> None:
    rule = sub.add_parser("rule", help="explain one rule")
    rule.add_argument("rule_id", metavar="RULE", help="rule id (PTMnnn) or name, as `ptm-lint rules` lists them")
    rule.set_defaults(func=cmd_rule)


def _add_inventory(sub: argparse._SubParsersAction) -> None:
    inv = sub.add_parser("inventory", help="list every model reference (the inventory contract)")
    _common(inv)
    inv.add_argument("--format", choices=("json", "text"), default="text")
    inv.set_defaults(func=cmd_inventory)


def _add_outdated(sub: argparse._SubParsersAction) -> None:
    outdated = sub.add_parser("outdated", help="list pinned models whose default branch moved since (pip list --outdated)")
    _common(outdated)
    outdated.add_argument("--format", choices=("text", "json"), default="text")
    outdated.add_argument("--online", action="store_true", default=None,
                          help="ask the Hugging Face Hub for the current commits (default: the caches only)")
    _hub_options(outdated)
    outdated.set_defaults(func=cmd_outdated)


def _add_graph(sub: argparse._SubParsersAction) -> None:
    graph = sub.add_parser("graph", help="export the model dependency graph")
    _common(graph)
    graph.add_argument("--format", choices=("json", "dot", "mermaid", "graphml"), default="json",
                       help="json: networkx node-link data; dot: Graphviz; mermaid: flowchart; graphml")
    graph.add_argument("--name", default=None, help="project name for the root node (default: from pyproject.toml)")
    _hub_options(graph)
    graph.add_argument("--no-metadata", action="store_true",
                       help="use no hub metadata (licences, base models), not even the local caches")
    graph.set_defaults(func=cmd_graph)


def _add_sbom(sub: argparse._SubParsersAction) -> None:
    sbom = sub.add_parser("sbom", help="write a CycloneDX ML-BOM of every model the code depends on")
    _common(sbom)
    sbom.add_argument("--format", choices=("cyclonedx-json", "cyclonedx-xml"), default="cyclonedx-json")
    sbom.add_argument("--spec-version", choices=("1.6", "1.7"), default="1.6", help="CycloneDX version (default: 1.6)")
    sbom.add_argument("--name", default=None, help="project name for the root component (default: from pyproject.toml)")
    sbom.add_argument("--reproducible", action="store_true",
                      help="byte-identical output for the same input: serialNumber derived from the content, "
                           "timestamp from SOURCE_DATE_EPOCH or left out (SOURCE_DATE_EPOCH alone implies this)")
    sbom.add_argument("--serial-number", default=None, metavar="UUID", help="use this serialNumber (urn:uuid:…)")
    sbom.add_argument("--online", action="store_true", default=None,
                      help="ask the Hugging Face Hub for metadata the caches do not have (licences, hashes, base models)")
    sbom.add_argument("--cache-dir", default=None, help="ptm-lint's hub-metadata cache directory")
    sbom.add_argument("--no-metadata", action="store_true",
                      help="use no hub metadata at all, not even the local caches: only what the code says")
    sbom.add_argument("--no-validate", action="store_true", help="do not validate the SBOM against the CycloneDX schema")
    sbom.set_defaults(func=cmd_sbom)


def _add_report(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write a self-contained HTML report (findings, models, graph)")
    _common(report)
    report.add_argument("--select", type=_csv, default=None, metavar="IDS", help="rules to enable (as for check)")
    report.add_argument("--extend-select", type=_csv, default=None, metavar="IDS", help="rules to enable in addition")
    report.add_argument("--ignore", type=_csv, default=None, metavar="IDS", help="rules to disable")
    report.add_argument("--online", action="store_true", default=None,
                        help="ask the Hugging Face Hub for metadata (licences) the caches do not have")
    report.add_argument("--cache-dir", default=None, metavar="DIR", help="ptm-lint's hub-metadata cache directory")
    report.add_argument("--no-metadata", action="store_true", help="use no hub metadata, not even the local caches")
    report.set_defaults(func=cmd_report)


def _fix_options(check: argparse.ArgumentParser) -> None:
    """--fix / --unsafe-fixes / --diff (ruff's model; see docs/fixes.md)."""
    check.add_argument("--fix", action="store_true",
                       help="apply safe fixes in place, then report what is left (exit code: the remaining findings)")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (with --fix / --diff) and mark fixes that can change behaviour")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff (a/ b/ paths relative to the root: `git apply`, "
                            "`patch -p1`) instead of writing them; exit 1 if there is anything to fix")
    check.add_argument("--no-diff-prefix", action="store_true",
                       help="with --diff: plain paths instead of a/ b/ (for `patch -p0`)")
    if not any("--online" in action.option_strings for action in check._actions):
        check.add_argument("--online", action="store_true", default=None,
                           help="ask the Hugging Face Hub (and GitHub, for torch.hub) for the commit to pin "
                                "when the local caches do not know it")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _writable(text: str) -> str:
    """`text` as it is written: hub tokens masked, lone surrogates escaped."""
    import re

    from .scan.secrets import mask_secrets

    text = mask_secrets(text)  # last line of defence: no output ever carries a hub token
    if not text.isascii():  # undecodable file names (lone surrogates) cannot be encoded: \udcXX
        text = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def _write(text: str, output: Path | None) -> None:
    text = _writable(text)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _settings(args: argparse.Namespace, rule_ids: Sequence[str] | None = None):
    """The run's api.Settings from the command line and the configuration (config errors: exit 2)."""
    from .api import load_settings

    config = _config(args, _rule_ids() if rule_ids is None else rule_ids)
    memo = getattr(args, "run_memo", None)
    return load_settings(_paths(args), config=config, online=getattr(args, "online", None),
                         use_cache=not getattr(args, "no_cache", False), cache_dir=getattr(args, "cache_dir", None),
                         root=args.root, jobs=args.jobs, progress=_stderr_is_terminal(),
                         taken=memo.taken if memo is not None else None)


def _scan(settings, while_waiting=None):
    """api.scan, with an invalid exclude pattern as a usage error."""
    from .api import scan

    try:
        return scan(settings, while_waiting)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _import_fix_stage() -> None:
    """Import what `check` runs after the scan (the fix engine: libcst, ~0.15 s of start-up), while
    worker processes scan and this process only waits for them."""
    from .fix import engine  # noqa: F401


def _fix_store(settings, root: Path):
    """Where fix suggestions are cached (cache.FixStore), or None with --no-cache."""
    if not settings.use_cache:
        return None
    import hashlib

    from .cache import FixStore, resolve_cache_dir, salt
    from .catalog import catalog_digest, rules_dir

    # Fixers also read rule data outside the loader catalog (torchvision's weights table).
    rules = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(rules_dir().rglob("*.toml")))).hexdigest()
    return FixStore(resolve_cache_dir(settings.cache_dir, root),
                    salt(catalog_digest(), {"rules": rules, "loaders": settings.config.loaders}))


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _paths(args: argparse.Namespace) -> list[Path]:
    return list(args.paths) or [Path(".")]


def cmd_inventory(args: argparse.Namespace) -> int:
    from .report.inventory import render_json, render_text

    settings = _settings(args)
    result = _scan(settings)
    report = result.report()
    text = render_json(report) if args.format == "json" else render_text(report)
    _write(text, args.output)
    code = EXIT_ERROR if _fatal(args, report.errors) else EXIT_OK
    _remember(args, settings, report, _writable(text), code)  # the inventory is the scan alone
    return code


def _fatal(args: argparse.Namespace, errors) -> bool:
    """--errors-fatal: did a file fail to be analysed? (Files skipped on purpose do not count.)"""
    return bool(getattr(args, "errors_fatal", False)) and any(e.kind != "skipped" for e in errors)


def cmd_graph(args: argparse.Namespace) -> int:
    from .api import graph
    from .graph.export import render

    settings = _settings(args)
    try:
        built, result, hub_errors = graph(settings, args.name, with_metadata=not args.no_metadata)
    except ValueError as exc:  # an invalid exclude pattern
        raise UsageError(str(exc)) from None
    _print_hub_errors(hub_errors)
    _write(render(built, args.format), args.output)
    return EXIT_ERROR if _fatal(args, result.errors) else EXIT_OK


def _rules():
    from .check.rulebook import default_rules
    from .ruledata import CatalogError

    try:
        return default_rules()
    except CatalogError as exc:
        raise UsageError(f"the rule data is broken: {exc}") from None


def _rule_ids() -> tuple[str, ...]:
    """Every rule id, for validating the configuration, without building the rules (_rules)."""
    from .ruledata import CatalogError, rule_ids

    try:
        return rule_ids()
    except CatalogError as exc:
        raise UsageError(f"the rule data is broken: {exc}") from None


def _config(args: argparse.Namespace, rule_ids: Sequence[str]):
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


# The formats whose output lists every enabled rule (SARIF's rule descriptors); the others name
# only the rules of the findings they show.
_LISTS_RULES = ("sarif",)


def cmd_check(args: argparse.Namespace) -> int:
    from . import api

    settings = _settings(args)
    result = _scan(settings, _import_fix_stage)
    fix_mode = "diff" if args.diff else "apply" if args.fix else None
    from .ruledata import CatalogError

    try:
        outcome = api.check(settings, fix=fix_mode, unsafe_fixes=args.unsafe_fixes, scan_result=result,
                            list_rules=args.format in _LISTS_RULES,
                            fix_store=lambda: _fix_store(settings, result.root))
    except CatalogError as exc:
        raise UsageError(f"the rule data is broken: {exc}") from None
    _print_hub_errors(outcome.hub_errors)
    report = outcome.report
    notes: list[str] = []
    if args.report_unused_suppressions:
        from .core import where

        notes.extend(f"{where(path, cell, line)}: unused suppression ({ids})"
                     for path, cell, line, ids in outcome.unused_suppressions)
    if fix_mode == "diff":  # the patch is the output; the exit code says whether there is one
        patch, withheld = b"", []
        if outcome.changed:
            from .fix.engine import render_diff

            patch, withheld = render_diff(outcome.changed, prefix=not args.no_diff_prefix)
        _write_bytes(patch, args.output)
        for rel in withheld:
            print(f"ptm-lint: {rel}: diff not shown because it would print a hard-coded token; use --fix",
                  file=sys.stderr)
        print(f"ptm-lint: {_fixed_note(args, outcome.fixed, _remaining(report))}", file=sys.stderr)
        return EXIT_FINDINGS if patch or withheld else EXIT_OK
    if fix_mode == "apply":
        errors = []
        if outcome.changed:
            from .fix.engine import write_changes

            errors = write_changes(Path(report.root), outcome.changed)
        if errors:  # what could not be written is not fixed: report the findings as they were
            for message in errors:
                print(f"ptm-lint: {message}", file=sys.stderr)
            outcome = api.check(settings, scan_result=result, list_rules=args.format in _LISTS_RULES)
            report = outcome.report
            notes.insert(0, f"Fixed nothing: {len(errors)} file(s) could not be written.")
        else:
            note = _fixed_note(args, outcome.fixed, _remaining(report))
            notes.insert(0, note)  # (JSON keeps it; the text summary says it ruff's way: Report.fixed)
            report = dataclasses.replace(report, fixed=outcome.fixed, quiet_notes=(*report.quiet_notes, note))
    report = dataclasses.replace(report, notes=(*notes, *report.notes))
    text = _render_check(report, args, settings)
    _write(text, args.output)
    code = _check_exit(args, settings.config, report, outcome.hub_errors)
    if not outcome.checked:  # nothing was checked: an identical later run may replay this one
        _remember(args, settings, report, _writable(text), code)
    return code


def _remaining(report) -> int:
    return sum(1 for f in report.findings if not f.suppressed)


def _check_exit(args: argparse.Namespace, config, report, hub_errors: Sequence[str]) -> int:
    if _fatal(args, report.errors) or (getattr(args, "errors_fatal", False) and hub_errors):
        return EXIT_ERROR
    if args.exit_zero or not report.findings:
        return EXIT_OK
    from .check.engine import fails

    return EXIT_FINDINGS if fails(report.findings, config.fail_on) else EXIT_OK


def _remember(args: argparse.Namespace, settings, report, text: str, code: int) -> None:
    """Keep the answer of an `inventory`, or of a `check` that had nothing to check, for the same
    command line (runmemo): what decided it is the scan, the configuration and (for `check`) the
    project's declarations, all known by the paths they read, stat'ed or listed (recorded by
    ptm_lint.fsaccess while the command ran). (A `check` with model references also depends on hub
    metadata, which expires: it is not kept.)

    Only output written to stdout, with the result cache in its default folder (where the command
    looks for memos before it reads any configuration), and only when no file failed for a reason
    that may not last (unreadable: "io"; a bug: "internal")."""
    memo = getattr(args, "run_memo", None)
    if memo is None or args.command not in ("check", "inventory") or args.output is not None \
            or getattr(args, "fix", False) or getattr(args, "diff", False) or not settings.use_cache \
            or settings.cache_dir is not None:
        return
    if any(e.kind in ("io", "internal") for e in report.errors):
        return
    memo.record(args.accesses.paths, text, code)


def _hub_options(parser: argparse.ArgumentParser) -> None:
    """--online (unless already there) and --cache-dir: hub metadata (docs/metadata.md)."""
    if not any("--online" in action.option_strings for action in parser._actions):
        parser.add_argument("--online", action="store_true", default=None,
                            help="ask the Hugging Face Hub for metadata the caches do not have (config: online)")
    if not any("--cache-dir" in action.option_strings for action in parser._actions):
        parser.add_argument("--cache-dir", default=None, metavar="DIR",
                            help="ptm-lint's cache folder, hub metadata included (config: cache-dir; default: "
                                 "$PTM_LINT_CACHE_DIR or $XDG_CACHE_HOME/ptm-lint)")


def _print_hub_errors(errors: Sequence[str]) -> None:
    shown = errors[:5]
    for message in shown:
        print(f"ptm-lint: hub: {message}", file=sys.stderr)
    if len(errors) > len(shown):
        print(f"ptm-lint: hub: … and {len(errors) - len(shown)} more lookup failures", file=sys.stderr)


def cmd_outdated(args: argparse.Namespace) -> int:
    from .api import hub_metadata
    from .report.outdated import outdated_rows, render_json, render_text

    settings = _settings(args)
    result = _scan(settings)
    hub = hub_metadata(settings, result.references)
    _print_hub_errors(hub.errors)
    rows = outdated_rows(result.references, hub)
    notes = [*hub.notes, *([hub.summary_note()] if hub.summary_note() else [])]
    if args.format == "json":
        _write(render_json(rows, notes, __version__), args.output)
    else:
        _write(render_text(rows, notes), args.output)
    return EXIT_ERROR if _fatal(args, result.errors) or (args.errors_fatal and hub.errors) else EXIT_OK


def _fixed_note(args: argparse.Namespace, fixed: int, remaining: int) -> str:
    """The summary of --fix ("Fixed ...") or --diff ("Would fix ...")."""
    return f"{'Would fix' if args.diff else 'Fixed'} {fixed} finding{'s' if fixed != 1 else ''} ({remaining} remaining)."


def _write_bytes(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def cmd_sbom(args: argparse.Namespace) -> int:
    from . import api
    from .sbom import SbomError, SbomOptions

    settings = _settings(args)
    try:
        sbom_options = SbomOptions.from_env(
            fmt=args.format, spec_version=args.spec_version, reproducible=args.reproducible,
            serial_number=args.serial_number, validate=False if args.no_validate else None,
            project_name=args.name, tool_version=__version__)
        outcome = api.sbom(settings, sbom_options, with_metadata=not args.no_metadata)
    except SbomError as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # an invalid exclude pattern
        raise UsageError(str(exc)) from None
    for message in outcome.messages:
        print(f"ptm-lint: {message}", file=sys.stderr)
    _write(outcome.text, args.output)
    errors = (*outcome.scan.errors, *outcome.project.errors)
    for err in errors:
        print(f"ptm-lint: {err.path}: {err.message}", file=sys.stderr)
    return EXIT_ERROR if _fatal(args, errors) else EXIT_OK


def _render_check(report, args: argparse.Namespace, settings) -> str:
    if args.format == "json":
        from .report.findings_json import render_json

        return render_json(report)
    root = Path(report.root)

    def read_source(path: str) -> str | None:
        try:
            return (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def metadata():
        if getattr(args, "no_metadata", False):
            return None
        from .api import report_metadata

        return report_metadata(settings, report.references)

    if args.format == "sarif":
        from .report.sarif import render_sarif

        from .report.sarif import root_uri, valid_root_uri

        base = args.sarif_root_uri
        if base == "local":
            base = root_uri(report.root)
        elif base is not None and not valid_root_uri(base):
            raise UsageError(f"--sarif-root-uri {base!r}: not an absolute URI (scheme://...), nor `local`")
        return render_sarif(report, include_suppressed=args.show_suppressed, read_source=read_source,
                            category=args.sarif_category or None, root=base)
    if args.format == "github":
        from .report.github import render_github

        return render_github(report, read_source=read_source)
    def lock():  # the lock status per model (locked / drifted / not locked)
        from .api import model_lock

        found, _, broken = model_lock(settings, root)
        if broken:
            print(f"ptm-lint: warning: {broken}; the report does not use it", file=sys.stderr)
        return found

    if args.format == "markdown":
        from .report.markdown import render_markdown

        return render_markdown(report, metadata=metadata(), lock=lock())
    if args.format == "html":  # `ptm-lint report`
        from .report.html import render_html

        return render_html(report, read_source=read_source, metadata=metadata(), lock=lock())
    from .report.text import render_text

    color = args.color == "always" or (args.color == "auto" and args.output is None and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    return render_text(report, color=color, show_suppressed=args.show_suppressed,
                       unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
                       output_format=getattr(args, "output_format", "concise"))


def cmd_report(args: argparse.Namespace) -> int:
    """`ptm-lint report PATH -o report.html`: runs `check` and renders HTML; exits 0 unless it fails."""
    # Every `check` option the report command does not take gets check's default.
    merged = vars(build_parser(("check",)).parse_args(["check"]))
    merged.update(vars(args))
    merged.update(format="html", exit_zero=True, show_suppressed=True)
    return cmd_check(argparse.Namespace(**merged))


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    rules = _rules()
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


def _add_lock(sub: argparse._SubParsersAction) -> None:
    lock = sub.add_parser("lock", help="write ptm-lint.lock: the exact commits and file hashes the code loads "
                                       "(docs/lock.md)")
    _common(lock)
    lock.add_argument("--check", action="store_true",
                      help="exit 1 when the code and the lock disagree (CI, pre-commit); never writes")
    lock.add_argument("--upgrade", nargs="*", default=None, metavar="ID",
                      help="move the named entries (all when none is named) to the current commit of the branch "
                           "they follow and print a model changelog (put PATHs before --upgrade)")
    lock.add_argument("--dry-run", action="store_true", help="with --upgrade: print the changelog, write nothing")
    lock.add_argument("--allow-unresolved", action="store_true",
                      help="exit 0 even when some entries could not be pinned (they are written as unresolved)")
    lock.add_argument("--lock-file", type=Path, default=None, metavar="FILE",
                      help="the lock file (config: lock-file; default: ptm-lint.lock at the project root)")
    _hub_options(lock)
    lock.set_defaults(func=cmd_lock)


def _add_verify(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="re-hash the locked model files on this machine (deploy, containers)")
    verify.add_argument("paths", nargs="*", type=Path, help="the project, or its lock file (default: .)")
    verify.add_argument("-o", "--output", type=Path, help="write the report to this file instead of stdout")
    verify.add_argument("--config", type=Path, help="configuration file (default: found upward from the paths)")
    verify.add_argument("--lock-file", type=Path, default=None, metavar="FILE",
                        help="the lock file (config: lock-file; default: ptm-lint.lock at the project root)")
    verify.add_argument("--model-dir", action="append", default=[], metavar="[ID=]DIR",
                        help="a directory written by save_pretrained / snapshot_download(local_dir=...) to verify "
                             "instead of the Hugging Face cache (repeatable)")
    verify.add_argument("--id", action="append", default=[], dest="ids", metavar="ID",
                        help="verify only this locked id (repeatable)")
    verify.add_argument("--allow-missing", action="store_true",
                        help="do not fail for locked files that are not on this machine (only changed ones fail)")
    verify.add_argument("--jobs", "-j", type=int, default=None, help="files hashed in parallel (default: up to 4)")
    verify.set_defaults(func=cmd_verify)


def cmd_lock(args: argparse.Namespace) -> int:
    """`ptm-lint lock [--check | --upgrade [ID...]]` (lock.commands does the work)."""
    from . import api
    import io

    from .lock import commands

    settings = _settings(args)
    result = _scan(settings)
    path = args.lock_file or api.lock_file(settings, result.root)
    out = io.StringIO()  # the report goes through _write: -o, tokens masked
    if args.check:
        code = commands.run_check(result.references, result.root, path, out=out)
    elif args.upgrade is not None:
        code = commands.run_upgrade(result.references, result.root, path, api.lock_sources(settings), args.upgrade,
                                    dry_run=args.dry_run, out=out)
    else:
        code = commands.run_lock(result.references, result.root, path, api.lock_sources(settings),
                                 allow_unresolved=args.allow_unresolved, out=out)
    _write(out.getvalue(), args.output)
    return code


def cmd_verify(args: argparse.Namespace) -> int:
    """`ptm-lint verify`: needs the lock only, not a scan."""
    from .config import ConfigError, load_config
    import io

    from .discover.files import search_root
    from .lock import commands

    root, _ = search_root(_paths(args))
    try:
        config = load_config(root, args.config, _rule_ids())
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    explicit = args.lock_file
    if explicit is None and len(args.paths) == 1 and args.paths[0].is_file():
        explicit = args.paths[0]  # `ptm-lint verify path/to/ptm-lint.lock`
    out = io.StringIO()
    code = commands.run_verify(root, commands.lock_path(root, config, explicit), model_dirs=args.model_dir,
                               ids=args.ids, allow_missing=args.allow_missing, jobs=args.jobs,
                               progress=_stderr_is_terminal(), out=out)
    _write(out.getvalue(), args.output)
    return code


# Each subcommand's parser, in the order `ptm-lint --help` lists them.
_SUBPARSERS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "check": _add_check, "rules": _add_rules, "rule": _add_rule, "inventory": _add_inventory,
    "outdated": _add_outdated, "graph": _add_graph, "sbom": _add_sbom, "report": _add_report,
    "lock": _add_lock, "verify": _add_verify,
}


def main(argv: Sequence[str] | None = None, *, memo=None) -> int:
    """The CLI; `memo` (a runmemo.Memo, from the ptm-lint command) keeps a replayable answer."""
    from .gcpolicy import few_gc_passes

    with few_gc_passes():
        return _main(list(sys.argv[1:] if argv is None else argv), memo)


def _main(argv: list[str], memo=None) -> int:
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["check", *argv]
    parser = build_parser((argv[0],) if argv[0] in SUBCOMMANDS else SUBCOMMANDS)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_ERROR
    args.run_memo = memo
    try:
        # Every input the command reads is recorded (fsaccess), for the run memo.
        with fsaccess.recording(memo.taken if memo is not None else None) as args.accesses:
            return func(args)
    except UsageError as exc:
        print(f"ptm-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ptm-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug must exit 2 (not Python's 1, which means findings)
        import traceback

        from .scan.secrets import mask_secrets

        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(mask_secrets(trace) + mask_secrets(f"ptm-lint: internal error: {type(exc).__name__}: {exc}"),
              file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
