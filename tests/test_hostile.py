"""Hostile trees and failure modes: ptm-lint runs on repositories it did not write.

- Trees: symlink loops, links out of the root, FIFOs, device files, sockets, unreadable files,
  directories named like source files, 100,000 tiny files, a 50 MB file, and file names with
  spaces, unicode, newlines, escape sequences and undecodable bytes, through every output format.
- Failures: an internal error in one file is a per-file error (exit 2 only with --errors-fatal);
  a worker process that dies costs no other file its results, and a file that kills its worker
  again when retried alone becomes a per-file error.

(Discovery unit tests live in test_discover.py; this file checks whole runs.)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ptm_lint import cli, fsaccess, pipeline
from ptm_lint.pipeline import ScanOptions, scan_files, scan_paths
from ptm_lint.resolve import classify as classify_mod
from ptm_lint.scan import scanner
from ptm_lint.report.sarif import preflight

REPO = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
PYPROJECT = '[project]\nname = "hostile"\nversion = "0"\n'


def load(model: str) -> str:
    return f'from transformers import AutoModel\nm = AutoModel.from_pretrained("{model}")\n'


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def _formats(command: str) -> list[str]:
    """The --format choices the CLI offers for `command` (others add formats concurrently)."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return list(next(a for a in sub._actions if a.dest == "format").choices)


def _scanning_subcommands() -> dict[str, list[str] | None]:
    """Subcommands that take paths to scan, with their --format choices (None: no --format)."""
    parser = cli.build_parser()
    out = {}
    for name, sub in next(a for a in parser._actions if a.dest == "command").choices.items():
        if any(a.dest == "paths" for a in sub._actions):
            fmt = next((a for a in sub._actions if a.dest == "format"), None)
            out[name] = list(fmt.choices) if fmt is not None and fmt.choices else None
    return out


def _cli(*argv: str) -> int:
    return cli.main([str(a) for a in argv])


# --------------------------------------------------------------------------- odd names, all formats

ODD_NAMES = [
    "with space.py",
    "ünïcødé_模型.py",
    "new\nline.py",
    "carriage\rreturn.py",
    "tab\tname.py",
    "esc\x1b[31mred.py",
    "bidi\u202egnp.py",
    "pct%0Aname.py",
    "colon:comma,name.py",
    "[link](0).py",
    "<script>alert(1)<script>.py",
    "-rf.py",
    "::error file=x::injected.py",
    "x" * 200 + ".py",
]
UNDECODABLE = b"bad\xff\xfename.py"


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    root = _project(tmp_path / "odd root with spaces é")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    for i, name in enumerate(ODD_NAMES):
        (root / name).write_text(load(f"org/odd{i}"), encoding="utf-8")
    sub = root / "dir with\nnewline"
    sub.mkdir()
    (sub / "inner.py").write_text(load("org/inner"), encoding="utf-8")
    try:
        with open(os.path.join(os.fsencode(root), UNDECODABLE), "wb") as f:
            f.write(load("org/undecodable").encode())
    except OSError:  # a file system that only takes UTF-8 names
        pass
    return root


def test_odd_names_in_every_format(odd_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # JSON: every path exactly as on disk (undecodable bytes as lone surrogates, \u-escaped).
    assert _cli("inventory", odd_tree, "--format", "json", "-o", out / "inv.json", "--jobs", "1") == 0
    raw = (out / "inv.json").read_bytes()
    inv = json.loads(raw.decode("utf-8"))
    paths = {r["path"]: r["model"] for r in inv["references"]}
    assert not inv["errors"], inv["errors"]
    for i, name in enumerate(ODD_NAMES):
        assert paths[name] == f"org/odd{i}"
    assert paths["dir with\nnewline/inner.py"] == "org/inner"
    if any(p.startswith("bad") for p in paths):
        assert paths[os.fsdecode(UNDECODABLE)] == "org/undecodable"

    for fmt in _formats("check"):
        target = out / f"check.{fmt}"
        assert _cli("check", odd_tree, "--format", fmt, "-o", target, "--jobs", "1") == 1, fmt
        text = target.read_bytes().decode("utf-8")  # always valid UTF-8
        _assert_escaped(fmt, text)
    for fmt in _formats("inventory"):
        target = out / f"inventory.{fmt}"
        assert _cli("inventory", odd_tree, "--format", fmt, "-o", target, "--jobs", "1") == 0
        _assert_escaped("inventory-" + fmt, target.read_bytes().decode("utf-8"))
    # Every other subcommand that scans (graph, sbom, report, ...): no crash, valid UTF-8, the
    # format's syntax intact, no raw C0 control characters.
    for command, formats in _scanning_subcommands().items():
        if command in ("check", "inventory"):
            continue
        for fmt in formats or [None]:
            target = out / f"{command}.{fmt}"
            argv = [command, odd_tree, "-o", target, "--jobs", "1", *(["--format", fmt] if fmt else [])]
            assert _cli(*argv) in (0, 1), (command, fmt)
            text = target.read_bytes().decode("utf-8")
            assert not (set(text) & _C0), (command, fmt)
            if fmt and "json" in fmt:
                json.loads(text)
            elif fmt and ("xml" in fmt or fmt == "graphml"):
                import xml.etree.ElementTree as ET

                ET.fromstring(text.encode("utf-8"))


_C0 = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))}
_CONTROL = {*_C0, chr(0x7F), *(chr(c) for c in range(0x80, 0xA0))}
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def _assert_escaped(fmt: str, text: str) -> None:
    if fmt in ("json", "sarif", "inventory-json"):
        assert not (set(text) & (_CONTROL | _BIDI)), f"{fmt}: controls not \\u-escaped"
        doc = json.loads(text)
        if fmt == "sarif":
            _check_sarif(doc)
        return
    assert not (set(text) & _CONTROL), f"{fmt}: raw control characters in the output"
    if fmt in ("text", "github", "inventory-text"):
        assert not (set(text) & _BIDI), f"{fmt}: raw bidi controls in the output"
    if fmt == "github":
        # One workflow command per line: a name with a newline cannot start a command of its own.
        for line in text.splitlines():
            assert line.startswith(("::warning ", "::error ", "::notice ")), line
            props = line.split("::")[1].split(" ", 1)[1]
            for prop in props.split(","):
                key, _, value = prop.partition("=")
                assert key in ("file", "line", "col", "endLine", "endColumn", "title"), line
                assert ":" not in value and "\n" not in value, line
    if fmt in ("text", "inventory-text"):
        # Every line starts with a path (escaped), a summary, or a note: none begins mid-name.
        for line in text.splitlines():
            assert not line.startswith(("line.py", "newline/", "return.py")), line


def _check_sarif(doc: dict) -> None:
    assert preflight(doc) == []
    if SARIF_SCHEMA.exists():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    for result in doc["runs"][0]["results"]:
        for loc in result["locations"]:
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert all(0x21 <= ord(c) < 0x7F for c in uri), uri  # percent-encoded ASCII only
            assert not set(uri) & set("<>[]\"'` \\"), uri


# --------------------------------------------------------------------------- special files


@pytest.fixture
def special_tree(tmp_path: Path) -> Path:
    root = _project(tmp_path / "root")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text(load("outside/evil"), encoding="utf-8")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    # Symlink loops and links out of the root.
    os.symlink(".", root / "loop")
    (root / "a" / "b").mkdir(parents=True)
    os.symlink("../..", root / "a" / "b" / "up")
    os.symlink(outside, root / "outside_dir")
    os.symlink(outside / "evil.py", root / "outside_file.py")
    os.symlink("/etc", root / "etc")
    os.symlink("/dev/null", root / "null.py")
    os.symlink("/dev/zero", root / "zero.py")
    os.symlink("does-not-exist.py", root / "dangling.py")
    # A FIFO: opening it would block forever.
    os.mkfifo(root / "pipe.py")
    os.mkfifo(root / "pipe.ipynb")
    # A socket.
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "sock.py"))
    except OSError:
        pass
    finally:
        sock.close()
    # A device node (needs privileges; a link to /dev/zero above covers the rest).
    try:
        os.mknod(root / "device.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    except (OSError, AttributeError):
        pass
    # Directories named like source files.
    (root / "pkg.py").mkdir()
    (root / "pkg.py" / "inner.py").write_text(load("org/in-dir-named-py"), encoding="utf-8")
    (root / "nb.ipynb").mkdir()
    (root / "empty.py").write_bytes(b"")
    (root / "bom_only.py").write_bytes(b"\xef\xbb\xbf")
    return root


def _isolated_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a ptm-lint subprocess, with its caches in `tmp_path`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONSAFEPATH") and not k.startswith(("PTM_LINT_", "XDG_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    return env


def _run_cli_subprocess(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real console entry, in a subprocess with a timeout: a FIFO must not hang the run."""
    code = "import sys; from ptm_lint.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          timeout=timeout, env=_isolated_env(cwd.parent if cwd.name == "root" else cwd))


def test_special_files_are_skipped_without_blocking(special_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "inv.json"
    proc = _run_cli_subprocess(["inventory", str(special_tree), "--format", "json", "-o", str(out)],
                               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    inv = json.loads(out.read_text(encoding="utf-8"))
    models = sorted(r["model"] for r in inv["references"])
    assert models == ["org/good", "org/in-dir-named-py"]  # once each: the loops added nothing
    errors = {e["path"]: e for e in inv["errors"]}
    for name in ("outside_file.py", "outside_dir", "null.py", "zero.py"):
        assert errors[name]["kind"] == "skipped" and "outside the scan root" in errors[name]["message"]
    for name in ("pipe.py", "pipe.ipynb"):
        assert errors[name]["kind"] == "skipped" and "FIFO" in errors[name]["message"]
    if (special_tree / "device.py").exists():
        assert "device" in errors["device.py"]["message"]
    if (special_tree / "sock.py").exists():
        assert "socket" in errors["sock.py"]["message"]
    assert "dangling.py" in errors
    assert not any("outside/evil" == r["model"] for r in inv["references"])
    # Explicit file arguments (pre-commit passes names) get the same treatment.
    proc = _run_cli_subprocess(["inventory", "pipe.py", "outside_file.py", "null.py", "good.py",
                                "--format", "json"], cwd=special_tree)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    inv = json.loads(proc.stdout)
    assert [r["model"] for r in inv["references"]] == ["org/good"]
    assert {e["path"] for e in inv["errors"]} == {"pipe.py", "outside_file.py", "null.py"}
    # --errors-fatal: skipped files are a choice, not a failure.
    proc = _run_cli_subprocess(["inventory", str(special_tree), "--errors-fatal", "-o", str(out)],
                               cwd=tmp_path)
    assert proc.returncode == 2  # the dangling link is an error: it was meant to be a source file
    (special_tree / "dangling.py").unlink()
    proc = _run_cli_subprocess(["inventory", str(special_tree), "--errors-fatal", "-o", str(out)],
                               cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")


def test_unreadable_file_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    (root / "secret.py").write_text(load("org/secret"), encoding="utf-8")
    real_open = open

    def guarded_open(file, *args, **kwargs):  # what chmod 000 does for a user who is not root
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(fsaccess, "open", guarded_open, raising=False)  # (the pipeline reads through it)
    result = scan_paths([root], ScanOptions(jobs=1), root=root)
    assert [r.model for r in result.references] == ["org/good"]
    assert [(e.path, e.kind) for e in result.errors] == [("secret.py", "io")]
    assert "permission denied" in result.errors[0].message.lower()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_chmod(tmp_path: Path) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    secret = root / "secret.py"
    secret.write_text(load("org/secret"), encoding="utf-8")
    secret.chmod(0)
    try:
        result = scan_paths([root], ScanOptions(jobs=1), root=root)
    finally:
        secret.chmod(0o600)
    assert [r.model for r in result.references] == ["org/good"]
    assert [(e.path, e.kind) for e in result.errors] == [("secret.py", "io")]


# --------------------------------------------------------------------------- size


def test_50mb_file_is_not_read(tmp_path: Path) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    for name in ("huge.py", "huge.ipynb"):
        with open(root / name, "wb") as f:  # sparse: 50 MB on paper, nothing on disk
            f.write(load("org/huge").encode())
            f.truncate(50 * 1024 * 1024)
    for args in ([root], [root / "huge.py", root / "good.py"]):
        result = scan_paths(args, ScanOptions(jobs=1), root=root)
        assert [r.model for r in result.references] == ["org/good"]
        errors = {e.path: e for e in result.errors}
        assert errors["huge.py"].kind == "skipped" and "50.0 MB" in errors["huge.py"].message
    # Raised limit: read, and reported once (NUL bytes) without costing the other file.
    result = scan_paths([root], ScanOptions(jobs=1, max_bytes=100 * 1024 * 1024), root=root)
    assert [r.model for r in result.references] == ["org/good"]
    assert sorted(e.path for e in result.errors) == ["huge.ipynb", "huge.py"]


@pytest.mark.slow
def test_100k_tiny_files(tmp_path: Path) -> None:
    root = _project(tmp_path / "root")
    expected = []
    for d in range(100):
        sub = root / f"d{d:02}"
        sub.mkdir()
        for i in range(1000):
            if i % 100 == 7:
                (sub / f"m{i:03}.py").write_text(load(f"org/m{d}-{i}"), encoding="utf-8")
                expected.append(f"org/m{d}-{i}")
            else:
                (sub / f"m{i:03}.py").write_bytes(b"x = 1\n")
    result = scan_paths([root], ScanOptions(), root=root)  # default jobs: the process pool
    assert len(result.scans) == 100_000
    assert not result.errors
    assert sorted(r.model for r in result.references) == sorted(expected)


# --------------------------------------------------------------------------- internal errors


def _crashy_tree(tmp_path: Path, n: int = 60, crash: tuple[str, ...] = ("crash.py",)) -> tuple[Path, list[str]]:
    root = _project(tmp_path / "root")
    rels = []
    for i in range(n):
        (root / f"f{i:03}.py").write_text(load(f"org/m{i}"), encoding="utf-8")
        rels.append(f"f{i:03}.py")
    for name in crash:
        (root / name).write_text(load("org/crash") + "# CRASH-THE-WORKER\n", encoding="utf-8")
        rels.append(name)
    return root, sorted(rels)


_REAL_SCAN_CHUNK = pipeline._scan_chunk


def _crashing_chunk(root: str, rels, *args, **kwargs):
    """A worker that dies (os._exit, as a segfault would) on files marked CRASH-THE-WORKER.

    Pickled by reference into the workers, so it works with any start method. Never kills
    the test process itself.
    """
    for rel in rels:
        if b"CRASH-THE-WORKER" in Path(root, rel).read_bytes():
            once = Path(root, rel + ".crashed-once")
            if b"ONLY-ONCE" in Path(root, rel).read_bytes():
                if once.exists():
                    continue
                once.write_text("")
            if multiprocessing.parent_process() is None:
                raise RuntimeError("would have killed the main process")
            os._exit(70)
    return _REAL_SCAN_CHUNK(root, rels, *args, **kwargs)


def _unpicklable_chunk(root: str, rels, *args, **kwargs):
    """A worker whose result for one file cannot be sent back (e.g. nested too deeply to pickle)."""
    out = _REAL_SCAN_CHUNK(root, rels, *args, **kwargs)
    for i, (rel, scan) in enumerate(zip(rels, out)):
        if rel == "crash.py":
            out[i] = pipeline.FileScan(rel, depends_on=(lambda: None,))  # type: ignore[arg-type]
    return out


def _baseline(root: Path, rels: list[str]) -> dict[str, object]:
    return {s.path: s for s in _REAL_SCAN_CHUNK(str(root), rels)}


def test_worker_crash_loses_no_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, rels = _crashy_tree(tmp_path, crash=("crash.py", "f030-crash.py", "zz-crash.py"))
    expected = _baseline(root, rels)
    monkeypatch.setattr(pipeline, "_scan_chunk", _crashing_chunk)
    scans = scan_files(root, rels, jobs=2)
    assert [s.path for s in scans] == rels
    for scan in scans:
        if "crash" in scan.path:
            assert not scan.calls and len(scan.errors) == 1
            error = scan.errors[0]
            assert error.kind == "internal" and "worker process died" in error.message
        else:
            assert scan == expected[scan.path]


def test_transient_worker_crash_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, rels = _crashy_tree(tmp_path)
    (root / "crash.py").write_text(load("org/crash") + "# CRASH-THE-WORKER ONLY-ONCE\n", encoding="utf-8")
    expected = _baseline(root, rels)
    monkeypatch.setattr(pipeline, "_scan_chunk", _crashing_chunk)
    scans = scan_files(root, rels, jobs=2)
    assert {s.path: s for s in scans} == expected  # the retry in a fresh worker succeeded
    assert (root / "crash.py.crashed-once").exists()


def test_unsendable_result_is_a_per_file_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, rels = _crashy_tree(tmp_path)
    expected = _baseline(root, rels)
    monkeypatch.setattr(pipeline, "_scan_chunk", _unpicklable_chunk)
    scans = {s.path: s for s in scan_files(root, rels, jobs=2)}
    assert [e.kind for e in scans["crash.py"].errors] == ["internal"]
    assert all(scans[rel] == expected[rel] for rel in rels if rel != "crash.py")


def test_no_worker_processes_falls_back_to_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, rels = _crashy_tree(tmp_path, crash=())
    expected = _baseline(root, rels)

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError(38, "Function not implemented (no sem_open)")

    monkeypatch.setattr(pipeline, "_new_pool", NoProcesses)
    assert {s.path: s for s in scan_files(root, rels, jobs=2)} == expected


def test_parallel_equals_serial_on_broken_inputs(tmp_path: Path) -> None:
    """Broken fixtures, notebooks and encodings among many files: the pool changes nothing."""
    import shutil

    root = _project(tmp_path / "root")
    shutil.copytree(REPO / "testdata" / "fixtures", root / "fixtures")
    shutil.copytree(REPO / "testdata" / "demo-app" / "app", root / "app")
    for i in range(40):
        (root / f"pad{i}.py").write_text(load(f"org/pad{i}"), encoding="utf-8")
    serial = scan_paths([root], ScanOptions(jobs=1), root=root)
    parallel = scan_paths([root], ScanOptions(jobs=2), root=root)
    assert len(serial.scans) >= pipeline.PARALLEL_THRESHOLD
    assert serial.scans == parallel.scans
    assert serial.references == parallel.references and serial.errors == parallel.errors


def test_internal_error_is_per_file_and_fatal_only_when_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good") + '\nAutoModel.from_pretrained("org/pinned", revision="' + "a" * 40 + '")\n',
                                  encoding="utf-8")
    (root / "bad.py").write_text(load("org/bad"), encoding="utf-8")
    real = scanner.scan_bytes

    def buggy(data, rel, *args, **kwargs):
        if rel == "bad.py":
            raise KeyError("a bug in ptm-lint")
        return real(data, rel, *args, **kwargs)

    monkeypatch.setattr(scanner, "scan_bytes", buggy)
    out = tmp_path / "out.json"
    assert _cli("check", root, "--format", "json", "-o", out, "--jobs", "1", "--exit-zero") == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [(e["path"], e["kind"]) for e in doc["errors"]] == [("bad.py", "internal")]
    assert "KeyError" in doc["errors"][0]["message"]
    assert {f["path"] for f in doc["findings"]} == {"good.py"}
    assert _cli("check", root, "--format", "json", "-o", out, "--jobs", "1") == 1  # findings
    assert _cli("check", root, "--format", "json", "-o", out, "--jobs", "1", "--errors-fatal") == 2
    assert _cli("check", root, "--format", "json", "-o", out, "--jobs", "1", "--errors-fatal",
                "--exit-zero") == 2
    assert _cli("inventory", root, "--format", "json", "-o", out, "--jobs", "1") == 0
    assert _cli("inventory", root, "--format", "json", "-o", out, "--jobs", "1", "--errors-fatal") == 2
    # SARIF: a tool execution notification, and the run is marked unsuccessful.
    assert _cli("check", root, "--format", "sarif", "-o", out, "--jobs", "1") == 1
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = [n for n in invocation["toolExecutionNotifications"] if n.get("locations")]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["bad.py"]
    assert notes[0]["level"] == "error" and "internal error" in notes[0]["message"]["text"]
    capsys.readouterr()


def test_internal_error_while_classifying_is_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")
    (root / "bad.py").write_text(load("org/bad"), encoding="utf-8")
    real = classify_mod.classify

    def buggy(site, loader):
        if site.path == "bad.py":
            raise ValueError("a bug in classification")
        return real(site, loader)

    monkeypatch.setattr(classify_mod, "classify", buggy)
    result = scan_paths([root], ScanOptions(jobs=1), root=root)
    assert [r.model for r in result.references] == ["org/good"]
    assert [(e.path, e.kind) for e in result.errors] == [("bad.py", "internal")]


def test_crash_outside_any_file_exits_2_with_a_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    root = _project(tmp_path / "root")
    (root / "good.py").write_text(load("org/good"), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("unexpected hf_" + "S" * 34)

    monkeypatch.setattr(pipeline, "scan_paths", broken)
    assert _cli("check", root) == 2  # not Python's 1, which would read as "findings"
    err = capsys.readouterr().err
    assert "ptm-lint: internal error: RuntimeError" in err
    assert "S" * 34 not in err  # masked like PTM206 does


def test_worker_crash_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = _crashy_tree(tmp_path)
    monkeypatch.setattr(pipeline, "_scan_chunk", _crashing_chunk)
    out = tmp_path / "inv.json"
    assert _cli("inventory", root, "--format", "json", "-o", out, "--jobs", "2") == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["references"]) == 60
    assert [(e["path"], e["kind"]) for e in doc["errors"]] == [("crash.py", "internal")]
    assert _cli("inventory", root, "--format", "json", "-o", out, "--jobs", "2", "--errors-fatal") == 2


# --------------------------------------------------------------------------- hostile working directory

SHADOWS = ("yaml", "argparse", "sarif_om", "pathspec", "jinja2", "tomllib", "gzip", "concurrent",
           "multiprocessing", "networkx", "huggingface_hub", "packaging", "json", "typing_extensions")


@pytest.mark.parametrize("how", ["python -m", "console script"])
def test_modules_in_the_scanned_directory_are_never_imported(tmp_path: Path, how: str) -> None:
    """ptm-lint usually runs inside the repo it scans: a `yaml.py` there is data, not code."""
    root = _project(tmp_path / "repo")
    markers = tmp_path / "markers"
    markers.mkdir()
    for name in SHADOWS:
        body = f"open({str(markers / name)!r}, 'w').write('imported')\nraise SystemExit(99)\n"
        if name in ("concurrent",):
            (root / name).mkdir()
            (root / name / "__init__.py").write_text(body, encoding="utf-8")
        else:
            (root / f"{name}.py").write_text(body, encoding="utf-8")
    (root / "app.py").write_text(load("org/app") + "import yaml\ncfg = yaml.safe_load(open('c.yaml'))\n"
                                 "AutoModel.from_pretrained(cfg['model'])\n", encoding="utf-8")
    (root / "c.yaml").write_text("model: org/from-yaml\n", encoding="utf-8")
    for i in range(50):  # enough files for the process pool
        (root / f"pad{i}.py").write_text(load(f"org/pad{i}"), encoding="utf-8")
    if how == "python -m":
        head = [sys.executable, "-m", "ptm_lint"]
    else:
        script = Path(sys.executable).parent / "ptm-lint"
        if not script.exists():
            pytest.skip("the ptm-lint console script is not installed next to the interpreter")
        head = [str(script)]
    env = _isolated_env(tmp_path)
    for args in (["check", ".", "--format", "sarif"], ["inventory", ".", "--format", "json"],
                 ["check", ".", "--format", "json", "--jobs", "1"]):
        proc = subprocess.run([*head, *args], cwd=root, capture_output=True, timeout=300, env=env)
        assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
        assert not list(markers.iterdir()), f"imported from the scanned directory: {list(markers.iterdir())}"
    inv = json.loads(proc.stdout)
    assert "org/from-yaml" in {r["model"] for r in inv["references"]}


# --------------------------------------------------------------------------- helpers for other tests


def test_crashing_helper_never_kills_the_main_process(tmp_path: Path) -> None:
    root, _ = _crashy_tree(tmp_path, n=1)
    with pytest.raises(RuntimeError):
        _crashing_chunk(str(root), ["crash.py"])
