#!/usr/bin/env python3
"""Run ptm-lint on pinned releases of real libraries and applications that load pre-trained models.

For each package in PACKAGES the script downloads one pinned wheel or sdist with
`pip download --no-deps` into a cache folder (default ~/.cache/ptm-lint-eval, reused between runs),
unpacks it next to the download, runs `ptm-lint inventory --format json` on the unpacked tree and
prints one Markdown table: files scanned, references, references with a resolved model id, the
references by pin class, file errors and wall time.

Nothing downloaded is imported or executed: pip only fetches the archives (`--no-deps`,
`--no-build-isolation` is never needed because nothing is built), and ptm-lint reads the sources.
The downloaded code is never copied into this repository.

    python scripts/evaluate_realworld.py                    # all packages, table on stdout
    python scripts/evaluate_realworld.py timm peft          # only these
    python scripts/evaluate_realworld.py --list out/        # also write each package's text inventory
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from realworld_fetch import DEFAULT_CACHE, FetchError, pypi_tree, run

PIN_CLASSES = ("immutable", "weak", "library", "mutable", "local", "unknown")
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class Package:
    name: str            # PyPI name
    version: str         # pinned exact version
    kind: str = "wheel"  # wheel | sdist
    scan: tuple[str, ...] = ()  # sub-paths of the unpacked tree to scan (default: all of it)
    note: str = ""


# Pinned versions checked with `pip index versions NAME` (the newest release at the time of writing,
# except transformers, pinned to the 4.x line the brief asks for).
PACKAGES: tuple[Package, ...] = (
    # libraries whose job is loading models
    Package("transformers", "4.57.1"),
    Package("diffusers", "0.42.1"),
    Package("sentence-transformers", "6.2.0"),
    Package("timm", "1.0.31"),
    Package("open_clip_torch", "3.3.0"),
    Package("peft", "0.21.2"),
    Package("setfit", "1.2.0"),
    Package("keras-hub", "0.32.0"),
    Package("optimum", "2.3.0"),
    Package("tensorflow-hub", "0.16.1"),
    Package("kagglehub", "1.0.3"),
    # applications and libraries that load models for their users
    Package("langchain-huggingface", "1.2.3"),
    Package("ultralytics", "8.4.190"),
    Package("openai-whisper", "20250625", kind="sdist"),
    Package("speechbrain", "1.1.2"),
    Package("pyannote.audio", "4.0.7"),
    Package("mlx-lm", "0.32.2"),
    Package("gradio", "6.31.0", note="31 MB wheel, mostly the bundled web front end"),
    # only the Python package of the sdist (the vendored llama.cpp C++ tree holds conversion
    # scripts that are not part of the installed library)
    Package("llama-cpp-python", "0.3.36", kind="sdist", scan=("llama_cpp",)),
)

# Left out on purpose (see docs/real-world.md): vllm (the 0.33.0 wheel is 336 MB).


@dataclass
class Result:
    package: Package
    files: int = 0
    references: int = 0
    resolved: int = 0
    pins: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    internal_errors: int = 0
    seconds: float = 0.0
    failure: str = ""


def evaluate_tree(pkg: Package, cache: Path) -> Path:
    """The unpacked tree of `pkg` (downloaded and unpacked once)."""
    return pypi_tree(pkg.name, pkg.version, pkg.kind, cache)


def count_files(paths: list[Path]) -> int:
    """Files ptm-lint discovers (its own discovery when importable, else a plain count)."""
    try:
        from ptm_lint.discover.files import discover  # type: ignore[import-not-found]
    except ImportError:
        return sum(1 for p in paths for f in p.rglob("*") if f.suffix in SOURCE_SUFFIXES and f.is_file())
    root = paths[0].parent if len(paths) > 1 else paths[0]
    return len(discover(paths, root).files)


def ptm_lint_command(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    here = Path(sys.executable).parent / "ptm-lint"
    if here.exists():
        return [str(here)]
    found = shutil.which("ptm-lint")
    if found:
        return [found]
    return [sys.executable, "-m", "ptm_lint"]


def evaluate(pkg: Package, cache: Path, ptm_lint: list[str], list_dir: Path | None) -> Result:
    result = Result(pkg)
    try:
        tree = evaluate_tree(pkg, cache)
    except (FetchError, OSError) as exc:
        result.failure = str(exc)
        return result
    paths = [tree / sub for sub in pkg.scan] if pkg.scan else [tree]
    result.files = count_files(paths)
    out = cache / "results" / f"{pkg.name}-{pkg.version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*ptm_lint, "inventory", *map(str, paths), "--root", str(tree), "--format", "json",
           "--no-cache", "-o", str(out)]
    out.unlink(missing_ok=True)  # never report a stale result
    start = time.perf_counter()
    proc = run(cmd)
    result.seconds = time.perf_counter() - start
    if proc.returncode != 0 or not out.is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        result.failure = f"ptm-lint exited {proc.returncode}: {last[0][:200]}"
        return result
    data = json.loads(out.read_text(encoding="utf-8"))
    refs = data["references"]
    result.references = len(refs)
    result.resolved = sum(1 for r in refs if r.get("model") is not None)
    for ref in refs:
        result.pins[ref["pin"]] = result.pins.get(ref["pin"], 0) + 1
    result.errors = len(data["errors"])
    result.internal_errors = sum(1 for e in data["errors"] if "internal error" in e.get("message", ""))
    if list_dir is not None:
        list_dir.mkdir(parents=True, exist_ok=True)
        text = run([*ptm_lint, "inventory", *map(str, paths), "--root", str(tree), "--format", "text", "--no-cache"])
        (list_dir / f"{pkg.name}.txt").write_text(text.stdout, encoding="utf-8")
    return result


def table(results: list[Result]) -> str:
    head = ["package", "version", "dist", "files", "refs", "id resolved", *PIN_CLASSES, "errors", "time (s)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = Result(Package("**total**", ""))
    for r in results:
        if r.failure:
            failure = r.failure.replace("|", "\\|")
            rows.append(f"| {r.package.name} | {r.package.version} | {r.package.kind} | failed: {failure} |")
            continue
        errs = str(r.errors) + (f" ({r.internal_errors} internal)" if r.internal_errors else "")
        pct = f"{r.resolved} ({100 * r.resolved / r.references:.0f}%)" if r.references else "0"
        rows.append("| " + " | ".join([
            r.package.name, r.package.version, r.package.kind, str(r.files), str(r.references), pct,
            *(str(r.pins.get(p, 0)) for p in PIN_CLASSES), errs, f"{r.seconds:.1f}",
        ]) + " |")
        total.files += r.files
        total.references += r.references
        total.resolved += r.resolved
        total.errors += r.errors
        total.internal_errors += r.internal_errors
        total.seconds += r.seconds
        for p, n in r.pins.items():
            total.pins[p] = total.pins.get(p, 0) + n
    pct = f"{total.resolved} ({100 * total.resolved / total.references:.0f}%)" if total.references else "0"
    errs = str(total.errors) + (f" ({total.internal_errors} internal)" if total.internal_errors else "")
    rows.append("| " + " | ".join([
        "**total**", "", "", str(total.files), str(total.references), pct,
        *(str(total.pins.get(p, 0)) for p in PIN_CLASSES), errs, f"{total.seconds:.1f}",
    ]) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", help="only these packages (PyPI names)")
    parser.add_argument("--cache", type=Path,
                        default=DEFAULT_CACHE,
                        help="download/unpack cache (reused; default ~/.cache/ptm-lint-eval)")
    parser.add_argument("--ptm-lint", help="ptm-lint executable (default: the one next to this Python)")
    parser.add_argument("--list", type=Path, metavar="DIR", help="also write each text inventory to DIR/<package>.txt")
    args = parser.parse_args(argv)

    wanted = {n.lower() for n in args.packages}
    packages = [p for p in PACKAGES if not wanted or p.name.lower() in wanted]
    unknown = wanted - {p.name.lower() for p in PACKAGES}
    if unknown:
        parser.error(f"not in PACKAGES: {', '.join(sorted(unknown))}")
    ptm_lint = ptm_lint_command(args.ptm_lint)
    results = []
    for pkg in packages:
        print(f"... {pkg.name}=={pkg.version}", file=sys.stderr, flush=True)
        results.append(evaluate(pkg, args.cache, ptm_lint, args.list))
    print(table(results))
    return 1 if any(r.failure for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
