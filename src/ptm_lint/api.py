"""The pipeline as a library: settings in, results out. The CLI, `--fix` and the tests all call this.

    from ptm_lint import api
    settings = api.load_settings([Path("src")])
    outcome = api.check(settings)            # scan → resolve → (hub metadata) → rules → fixes
    print(len(outcome.report.findings))

`Settings` resolves once what every stage must agree on: the configuration, whether the run is
online, whether ptm-lint's caches are used (`--no-cache`), where they live (`--cache-dir`, else the
configuration's `cache-dir` relative to its file, else the default folder), and the Hub endpoint
and token from the environment. Every stage below reads them from here, so no command can honour
one of them and forget another.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import Config

if TYPE_CHECKING:
    from .check.engine import Selection
    from .check.rulebook import RuleMeta
    from .core import Finding, Reference, Report
    from .discover.project import Project
    from .hub.resolver import MetadataResult
    from .pipeline import ScanResult


@dataclass(frozen=True)
class Settings:
    """One run's settings, resolved once (see the module docstring)."""

    paths: tuple[Path, ...] = (Path("."),)
    root: Path | None = None  # None: searched upward from the paths (pipeline.scan_paths)
    config: Config = field(default_factory=Config)
    online: bool = False
    use_cache: bool = True  # False: --no-cache (no result cache, no metadata store, no fix store)
    cache_dir: Path | None = None  # absolute; None: the default folder (cachedir.default_cache_dir)
    endpoint: str | None = None  # HF_ENDPOINT
    token: str | None = field(default=None, repr=False)  # HF_TOKEN: never printed
    jobs: int | None = None
    progress: bool = False
    # Stats the run memo took before it missed (runmemo.Memo.taken): discovery reuses them.
    taken: Mapping[str, os.stat_result] | None = field(default=None, compare=False, repr=False)

    @property
    def selection(self) -> Selection:
        from .check.engine import Selection

        c = self.config
        return Selection(c.select, c.extend_select, c.ignore, c.per_file_ignores)


def load_settings(paths: Sequence[Path] = (), *, config: Config | None = None, config_file: Path | None = None,
                  rule_ids: Sequence[str] | None = None, online: bool | None = None, use_cache: bool = True,
                  cache_dir: str | os.PathLike[str] | None = None, root: Path | None = None, jobs: int | None = None,
                  progress: bool = False, taken: Mapping[str, os.stat_result] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Settings for `paths`: the configuration found upward from them (or `config`), with the command
    line's `online` / `use_cache` / `cache_dir` over it. Raises config.ConfigError for a bad config."""
    env = os.environ if env is None else env
    paths = tuple(Path(p) for p in paths) or (Path("."),)
    if config is None:
        from .config import load_config
        from .ruledata import rule_ids as all_rule_ids

        start = Path(os.path.commonpath([str(p.resolve()) for p in paths]))
        config = load_config(start, config_file, tuple(rule_ids) if rule_ids is not None else all_rule_ids())
    if cache_dir is not None:  # a command-line folder is relative to the working directory
        resolved: Path | None = Path(os.path.expanduser(os.fspath(cache_dir))).resolve()
    elif config.cache_dir:  # a configured one to the configuration file, like its other paths
        folder = Path(os.path.expanduser(config.cache_dir))
        anchor = config.path.parent if config.path is not None else Path.cwd()
        resolved = folder if folder.is_absolute() else (anchor / folder).resolve()
    else:
        resolved = None
    return Settings(paths=paths, root=root, config=config, online=config.online if online is None else online,
                    use_cache=use_cache, cache_dir=resolved, endpoint=env.get("HF_ENDPOINT") or None,
                    token=env.get("HF_TOKEN") or None, jobs=jobs, progress=progress, taken=taken)


# -- stages ---------------------------------------------------------------------------------------
def scan(settings: Settings, while_waiting: Callable[[], None] | None = None) -> ScanResult:
    """Discover, scan and classify (the inventory). Raises ValueError for an invalid exclude pattern.
    `while_waiting`: see pipeline.ScanOptions."""
    from .pipeline import ScanOptions, scan_paths

    c = settings.config
    options = ScanOptions(exclude=c.exclude, extend_exclude=c.extend_exclude, respect_gitignore=c.respect_gitignore,
                          max_bytes=c.max_file_size, jobs=settings.jobs, cache=settings.use_cache,
                          cache_dir=str(settings.cache_dir) if settings.cache_dir else None,
                          progress=settings.progress, taken=settings.taken, loaders=c.loaders,
                          while_waiting=while_waiting)
    return scan_paths(list(settings.paths), options, root=settings.root)


def project(root: Path) -> Project:
    from .discover.project import read_project

    return read_project(root)


def hub_metadata(settings: Settings, references: Sequence[Reference]) -> MetadataResult:
    """Hub metadata for `references`: the local HF cache, ptm-lint's store (unless --no-cache), the
    Hub only when online. Never raises for network or cache problems (they are in `.errors`)."""
    from .hub.resolver import MetadataResult, lookup_all

    if not references:  # what lookup_all answers for none, without importing its dependencies
        return MetadataResult(online=settings.online)
    return lookup_all(references, online=settings.online, cache_dir=settings.cache_dir, endpoint=settings.endpoint,
                      token=settings.token, use_store=settings.use_cache)


def with_lineage(settings: Settings, metadata: Mapping | None) -> Mapping | None:
    """`metadata` plus the base models along each model's lineage (the graph and lineage rules)."""
    from .graph.keys import expand_lineage

    if not metadata:
        return metadata
    return expand_lineage(metadata, lambda refs: hub_metadata(settings, refs).by_key)


def rules() -> tuple[RuleMeta, ...]:
    from .check.rulebook import default_rules

    return default_rules()


def context(project: Project | None, references: Sequence[Reference], metadata: Mapping | None = None,
            loaders: str = ""):
    """The check.context.Context the rules see (`loaders`: the project's own, Config.loaders)."""
    from .catalog import catalog_for
    from .check.context import Context

    return Context(project=project, catalog=catalog_for(loaders), references=tuple(references), metadata=metadata)


# -- check (and fix) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckOutcome:
    """What `check` found: the report (findings with fixes attached), plus what the CLI prints around it."""

    report: Report
    scan: ScanResult
    hub_errors: tuple[str, ...] = ()
    unused_suppressions: tuple[tuple[str, int | None, int, str], ...] = ()
    checked: bool = True  # False: the scan found nothing any rule could report (nothing was loaded)
    changed: Mapping[str, tuple[bytes, bytes]] = field(default_factory=dict)  # --fix / --diff: rel -> (old, new)
    fixed: int = 0
    fix_errors: tuple[str, ...] = ()  # files --fix could not write


def check(settings: Settings, *, fix: str | None = None, unsafe_fixes: bool = False,
          fix_store: Callable[[], Any] | None = None, pin: Callable[..., Any] | None = None,
          suggest_fixes: bool = True, list_rules: bool = False, scan_result: ScanResult | None = None,
          ) -> CheckOutcome:
    """Scan and check; attach fixes; with `fix="apply"` or `"diff"` apply them in memory (the caller
    writes `changed`, see fix.engine.write_changes) and report what is left.

    `fix_store` opens a cache.FixStore (or returns None) when a fix is computed; `pin(ref, revision)`
    replaces the pin source (fix.options.FixOptions.pin: tests, a lock); `suggest_fixes=False` leaves
    the findings as the rules reported them (no fix attached, libcst never imported); `list_rules` asks for every enabled rule in the
    report even when nothing is checked (SARIF lists rule descriptors)."""
    from .core import Report

    result = scan_result if scan_result is not None else scan(settings)
    if _nothing_to_check(result):
        # No finding is possible: the rules, the project's requirements and hub metadata are not
        # loaded. With no reference the hub would have had no metadata, so only --online could have
        # enabled the rules that need it (Selection.enabled).
        enabled = settings.selection.enabled(rules(), settings.online) if list_rules else ()
        errors = _project_errors(result.root)
        report = Report(root=str(result.root), references=result.references, findings=(),
                        errors=(*result.errors, *errors), rules=enabled, tool_version=__version__)
        return CheckOutcome(report, result, checked=False)
    all_rules, selection = rules(), settings.selection
    proj = project(result.root)
    hub = None
    if any(r.needs_metadata for r in selection.enabled(all_rules, True)):
        hub = hub_metadata(settings, result.references)
    available = hub is not None and (hub.online or hub.available)
    enabled = selection.enabled(all_rules, available)
    metadata = hub.by_key if hub is not None else None
    if metadata and any(r.needs_lineage for r in enabled):
        metadata = with_lineage(settings, metadata)
    ctx = context(proj, result.references, metadata, settings.config.loaders)
    from .check.engine import run_checks

    findings, unused = run_checks(result.references, result.by_path, all_rules, selection, ctx,
                                  metadata_available=available)
    notes: list[str] = []
    quiet: tuple[str, ...] = ()
    if hub is not None:
        notes.extend(hub.notes)
        coverage = hub.summary_note()
        if coverage:
            notes.append(coverage)
            if not _asked_for_metadata(settings, all_rules):
                quiet = (coverage,)
    references: Sequence[Reference] = result.references
    changed: Mapping[str, tuple[bytes, bytes]] = {}
    fixed = 0
    if fix is not None or (suggest_fixes and any(f.reference is not None and not f.suppressed for f in findings)):
        findings, references, changed, fixed = _fixes(settings, result.root, findings, references, fix=fix,
                                                       unsafe=unsafe_fixes, metadata=metadata, project=proj,
                                                       available=available, store=fix_store, pin=pin)
    sub_errors = tuple(e for sub in ctx.subprojects() for e in sub.errors)  # (monorepos: Context.project_for)
    report = Report(root=str(result.root), references=tuple(references), findings=tuple(findings),
                    errors=(*result.errors, *proj.errors, *sub_errors), rules=enabled, notes=tuple(notes),
                    tool_version=__version__, quiet_notes=quiet)
    return CheckOutcome(report, result, hub_errors=hub.errors if hub is not None else (),
                        unused_suppressions=tuple(unused), changed=changed, fixed=fixed)


def _asked_for_metadata(settings: Settings, all_rules: Sequence[RuleMeta]) -> bool:
    """Did the user ask for hub metadata: --online, or a rule that needs it selected by name
    (--select / --extend-select / configuration)? Only then is the hub-coverage note ("N models could
    not be checked against the hub") worth a line in the terminal; JSON and the reports keep it."""
    from .check.engine import _matches

    named = (*(settings.config.select or ()), *settings.config.extend_select)
    return settings.online or any(r.needs_metadata and _matches(r.id, named) for r in all_rules)


def _fixes(settings: Settings, root: Path, findings: list[Finding], references: Sequence[Reference], *,
           fix: str | None, unsafe: bool, metadata: Mapping | None, project: Project, available: bool,
           store: Callable[[], Any] | None, pin: Callable[..., Any] | None = None):
    """Attach fixes; with `fix` apply them, re-checking changed files exactly as the first check did
    (same rules, project and hub metadata), so nothing vanishes from the post-fix report."""
    from .fix.options import FixOptions
    from .fix.suggest import attach_fixes

    def read(rel: str) -> bytes | None:
        try:
            return (root / rel).read_bytes()
        except OSError:
            return None

    lock, lock_file = model_lock(settings, root)[:2] if pin is None else (None, None)
    options = FixOptions(online=settings.online, pin=pin, metadata=metadata,
                         lookup=lambda refs: hub_metadata(settings, refs), lock=lock,
                         lock_name=lock_file.name if lock_file is not None else "ptm-lint.lock")
    findings = attach_fixes(findings, references, read, options, store() if store is not None else None)
    if fix is None or not findings:
        return findings, references, {}, 0
    from .fix.engine import fix_loop

    outcome = fix_loop(references, findings, read, recheck(settings, root, project, metadata, available),
                       unsafe=unsafe, options=options)
    return outcome.findings, outcome.references, outcome.changed, outcome.fixed


def recheck(settings: Settings, root: Path, project: Project | None, metadata: Mapping | None = None,
            metadata_available: bool | None = None) -> Callable[[str, bytes], tuple[tuple[Reference, ...], list[Finding]]]:
    """Re-run scan + checks on one file's (fixed) bytes in memory, as `check` did on the original."""
    from .catalog import catalog_for
    from .check.engine import run_checks
    from .pipeline import classify_scan
    from .scan.project import ModuleIndex
    from .scan.scanner import scan_bytes

    catalog = catalog_for(settings.config.loaders)
    all_rules, selection = rules(), settings.selection

    def run(rel: str, data: bytes):
        file_scan = scan_bytes(data, rel, catalog, ModuleIndex(root))
        refs = tuple(classify_scan(file_scan, catalog))
        found, _ = run_checks(refs, {rel: file_scan}, all_rules, selection,
                              context(project, refs, metadata, settings.config.loaders),
                              metadata_available=metadata_available)
        return refs, found

    return run


def _nothing_to_check(result: ScanResult) -> bool:
    """True when the scan found no model reference, no hard-coded token and no suppression comment:
    what every finding and every unused-suppression note comes from (check.engine.run_checks)."""
    return not result.references and not any(s.secrets or s.suppressions for s in result.scans)


def _project_errors(root: Path) -> tuple:
    """The errors of reading the project's declarations (reported even without findings; what was
    read is recorded by fsaccess, for the run memo)."""
    from .discover.declarations import declares_nothing

    if declares_nothing(root):
        return ()
    return project(root).errors


# -- the model lock -------------------------------------------------------------------------------
def lock_file(settings: Settings, root: Path) -> Path:
    """The project's model lock: the configuration's `lock-file` (relative to its file), else
    <root>/ptm-lint.lock."""
    from .lock.commands import lock_path

    return lock_path(root, settings.config)


def model_lock(settings: Settings, root: Path) -> tuple[Any, Path, str | None]:
    """(the project's lock.lockfile.Lock or None, its path, why a lock that exists cannot be used)."""
    from .lock.commands import load_if_present
    from .lock.lockfile import LockError

    path = lock_file(settings, root)
    try:
        return load_if_present(path), path, None
    except LockError as exc:
        return None, path, str(exc)


def lock_sources(settings: Settings):
    """Where `ptm-lint lock` finds pins (lock.build.Sources): the HF cache, ptm-lint's metadata store
    (unless --no-cache), the Hub when online."""
    from .hub.store import default_cache_dir
    from .lock.build import Sources

    store = (settings.cache_dir or default_cache_dir()) if settings.use_cache else None
    return Sources(store_dir=store, online=settings.online, endpoint=settings.endpoint, token=settings.token)


# -- other commands -------------------------------------------------------------------------------
def report_metadata(settings: Settings, references: Sequence[Reference]) -> Mapping | None:
    """Hub metadata (licences) for the readable reports; None when it cannot be had (never raises)."""
    try:
        return hub_metadata(settings, references).by_key
    except Exception:  # noqa: BLE001 - licences are optional; never fail a report over them
        return None


def graph(settings: Settings, name: str | None = None, *, with_metadata: bool = True):
    """(the model dependency graph, the scan, hub lookup errors)."""
    from .graph.build import build_graph

    result = scan(settings)
    metadata, errors = None, ()
    if with_metadata:  # the local caches; the Hub only when online
        found = hub_metadata(settings, result.references)
        metadata, errors = with_lineage(settings, found.by_key), found.errors
    return build_graph(result, name, metadata, project=project(result.root)), result, tuple(errors)


@dataclass(frozen=True)
class SbomOutcome:
    text: str
    scan: ScanResult
    project: Project
    messages: tuple[str, ...] = ()  # hub notes and errors, for stderr


def sbom(settings: Settings, options: Any, *, with_metadata: bool = True) -> SbomOutcome:
    """The model SBOM (sbom.SbomOptions `options`). Raises sbom.SbomError."""
    from .sbom import generate

    result = scan(settings)
    proj = project(result.root)
    metadata, messages = None, ()
    if with_metadata:
        found = hub_metadata(settings, result.references)
        metadata, messages = found.by_key, (*found.notes, *found.errors)
    lock, _, broken = model_lock(settings, result.root)
    if broken:
        messages = (*messages, f"warning: {broken}; the SBOM does not use it")
    text = generate(result.references, proj, options, metadata=metadata, lock=lock)
    return SbomOutcome(text, result, proj, tuple(messages))
