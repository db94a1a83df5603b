"""The per-file result cache (ptm_lint.cache): same results with and without it, with 1 or N workers;
invalidation when the file or anything it consulted changes; corrupt entries and concurrent runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ptm_lint import cache as cache_mod
from ptm_lint import cli, pipeline
from ptm_lint.cache import ResultCache, decode, encode, prune, resolve_cache_dir, salt
from ptm_lint.catalog import default_catalog
from ptm_lint.core import FileScan
from ptm_lint.pipeline import ScanOptions, scan_paths
from ptm_lint.scan import scanner

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "testdata"
TREES = [TESTDATA / "demo-app", TESTDATA / "fixtures"]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(directory))
    return directory


def _cli_json(argv: list[str], out: Path) -> str:
    code = cli.main([*argv, "-o", str(out)])
    assert code in (0, 1), f"ptm-lint {' '.join(argv)} exited {code}"
    return out.read_text(encoding="utf-8")


def _entries(directory: Path) -> list[Path]:
    return sorted(p for p in (directory / "scan").rglob("*.json") if "manifest" not in p.parts)


def _manifests(directory: Path) -> list[Path]:
    return sorted((directory / "scan").rglob("manifest/*/*.json"))


def _no_rescans(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, scanning any file is a test failure: every result must come from the cache."""
    def boom(*args, **kwargs):
        raise AssertionError("a file was scanned again instead of being read from the cache")

    monkeypatch.setattr(scanner, "scan_bytes", boom)


# -- equivalence -----------------------------------------------------------------------------
@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
@pytest.mark.parametrize("command", ["check", "inventory"])
def test_same_json_with_and_without_cache_and_with_1_or_n_workers(tree, command, cache_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 2)  # the small trees go through the process pool too
    common = [command, str(tree), "--root", str(tree), "--format", "json"]
    if command == "check":
        common.append("--exit-zero")
    outputs = {
        "no cache, 1 worker": _cli_json([*common, "--no-cache", "-j", "1"], tmp_path / "a.json"),
        "no cache, 2 workers": _cli_json([*common, "--no-cache", "-j", "2"], tmp_path / "b.json"),
        "cold cache, 2 workers": _cli_json([*common, "-j", "2"], tmp_path / "c.json"),
    }
    assert _entries(cache_dir), "the cached run stored nothing"
    _no_rescans(monkeypatch)
    outputs["warm cache, 1 worker"] = _cli_json([*common, "-j", "1"], tmp_path / "d.json")
    outputs["warm cache, 2 workers"] = _cli_json([*common, "-j", "2"], tmp_path / "e.json")
    reference = outputs["no cache, 1 worker"]
    assert json.loads(reference)["references"], "the tree should have model references"
    for name, text in outputs.items():
        assert text == reference, f"{name} differs from a plain run"


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_every_file_scan_round_trips_through_json_to_the_same_references(tree):
    catalog = default_catalog()
    result = scan_paths([tree], ScanOptions(jobs=1), root=tree)
    for scan in result.scans:
        text = json.dumps(encode(scan), allow_nan=False)
        back = decode(json.loads(text))
        assert isinstance(back, FileScan)
        assert back.path == scan.path and back.errors == scan.errors and back.secrets == scan.secrets
        assert back.suppressions == scan.suppressions and back.depends_on == scan.depends_on
        before = [r.to_json() for r in pipeline.classify_scan(scan, catalog)]
        after = [r.to_json() for r in pipeline.classify_scan(back, catalog)]
        assert after == before, scan.path


def test_no_cache_reads_and_writes_nothing(cache_dir, tmp_path):
    _cli_json(["inventory", str(TESTDATA / "demo-app"), "--format", "json", "--no-cache"], tmp_path / "o.json")
    assert not _entries(cache_dir)


# -- invalidation ----------------------------------------------------------------------------
def _models(root: Path) -> dict[str, str | None]:
    result = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    return {f"{r.path}:{r.line}": r.model for r in result.references}


def test_changing_the_file_or_an_imported_module_invalidates(cache_dir, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "config.py").write_text('MODEL = "bert-base-uncased"\n')
    (root / "app.py").write_text("from transformers import AutoModel\nfrom config import MODEL\n"
                                 "AutoModel.from_pretrained(MODEL)\n")
    # a second file using the same module: it reuses the first one's memoised evaluator
    (root / "other.py").write_text("from transformers import AutoModel\nfrom config import MODEL\n"
                                   "AutoModel.from_pretrained(MODEL)\n")
    assert set(_models(root).values()) == {"bert-base-uncased"}
    assert _models(root) == {"app.py:3": "bert-base-uncased", "other.py:3": "bert-base-uncased"}
    (root / "config.py").write_text('MODEL = "gpt2"\n')
    assert _models(root) == {"app.py:3": "gpt2", "other.py:3": "gpt2"}
    (root / "app.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained('t5-small')\n")
    assert _models(root) == {"app.py:2": "t5-small", "other.py:3": "gpt2"}


def test_creating_a_module_that_was_absent_invalidates(cache_dir, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text("from transformers import AutoModel\nfrom settings import NAME\n"
                                 "AutoModel.from_pretrained(NAME)\n")
    before = _models(root)
    assert before["app.py:3"] != "distilgpt2"
    (root / "settings.py").write_text('NAME = "distilgpt2"\n')
    assert _models(root) == {"app.py:3": "distilgpt2"}


def test_changing_a_config_file_invalidates(cache_dir, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "conf.json").write_text('{"model": "roberta-base"}\n')
    (root / "app.py").write_text("import json\nfrom transformers import AutoModel\n"
                                 "cfg = json.load(open('conf.json'))\nAutoModel.from_pretrained(cfg['model'])\n")
    assert _models(root) == {"app.py:4": "roberta-base"}
    (root / "conf.json").write_text('{"model": "xlm-roberta-base"}\n')
    assert _models(root) == {"app.py:4": "xlm-roberta-base"}


def test_key_depends_on_path_content_tool_catalog_and_config(tmp_path):
    base = salt("catalog-a")
    assert salt("catalog-b") != base
    assert salt("catalog-a", {"option": 1}) != base
    cache = ResultCache(tmp_path, base, tmp_path)
    assert cache.key("a.py", "0" * 64) != cache.key("b.py", "0" * 64)
    assert cache.key("a.py", "0" * 64) != cache.key("a.py", "1" * 64)
    assert ResultCache(tmp_path, salt("catalog-b"), tmp_path).key("a.py", "0" * 64) != cache.key("a.py", "0" * 64)


# -- robustness ------------------------------------------------------------------------------
@pytest.mark.parametrize("garbage", [
    b"", b"{", b"not json at all", b"[]", b'{"schema": 999}', b"\x00\xff\xfe",
    b'{"schema": 1, "path": "x", "content": "y", "deps": {}, "scan": {"$": "Evaluator"}}',
])
def test_corrupt_entries_are_misses_and_get_rewritten(garbage, cache_dir, tmp_path, monkeypatch):
    tree = TESTDATA / "demo-app"
    argv = ["inventory", str(tree), "--root", str(tree), "--format", "json"]
    reference = _cli_json([*argv, "--no-cache"], tmp_path / "ref.json")
    _cli_json(argv, tmp_path / "cold.json")
    entries = _entries(cache_dir)
    assert entries
    for entry in entries:
        entry.write_bytes(garbage)
    assert _cli_json(argv, tmp_path / "again.json") == reference
    assert all(entry.read_bytes() != garbage for entry in entries), "corrupt entries were not replaced"
    _no_rescans(monkeypatch)
    assert _cli_json(argv, tmp_path / "warm.json") == reference


def test_entries_built_for_another_path_or_content_are_not_used(cache_dir, tmp_path):
    tree = TESTDATA / "demo-app"
    scan_paths([tree], ScanOptions(jobs=1, cache=True), root=tree)
    entries = _entries(cache_dir)
    # Swap the contents of two entries: each now claims the other file. Both must be misses.
    a, b = entries[0], entries[1]
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    directory = resolve_cache_dir(None, tree)
    cache = ResultCache(directory, salt(default_catalog().digest), tree)
    hits = 0
    for path in sorted(p for p in tree.rglob("*") if p.suffix in (".py", ".ipynb")):
        rel = path.relative_to(tree).as_posix()
        scan = cache.get(rel, path.read_bytes())
        if scan is not None:
            hits += 1
            assert scan.path == rel
    assert hits <= len(entries) - 2


def test_decoding_builds_only_known_records():
    with pytest.raises(TypeError):
        decode({"$": "Popen", "args": ["true"]})
    with pytest.raises(TypeError):
        decode({"$str": "Path", "text": "/"})
    assert decode(encode(frozenset({"PTM101", "PTM102"}))) == frozenset({"PTM101", "PTM102"})
    assert decode(encode({(None, 3): None, (0, 1): frozenset({"PTM101"})})) == {(None, 3): None, (0, 1): frozenset({"PTM101"})}
    assert decode(encode({"$x": [1, (2, 3)], "b": b"\x00"})) == {"$x": [1, (2, 3)], "b": b"\x00"}
    assert decode(encode(float("inf"))) == float("inf")


def test_concurrent_runs_share_one_cache_safely(cache_dir, tmp_path, monkeypatch):
    tree = TESTDATA / "fixtures"
    reference = [r.to_json() for r in scan_paths([tree], ScanOptions(jobs=1), root=tree).references]
    results: list[list[dict]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            refs = scan_paths([tree], ScanOptions(jobs=1, cache=True), root=tree).references
            results.append([r.to_json() for r in refs])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    # and two other processes at the same time
    code = ("import sys; from pathlib import Path; from ptm_lint.pipeline import ScanOptions, scan_paths; "
            "t = Path(sys.argv[1]); scan_paths([t], ScanOptions(jobs=2, cache=True), root=t)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tree)], env=dict(os.environ)) for _ in range(2)]
    for thread in threads:
        thread.join()
    assert all(p.wait(timeout=300) == 0 for p in procs)
    assert not errors, errors
    assert all(r == reference for r in results)
    assert not list((cache_dir / "scan").rglob(".tmp-*")), "temporary files left behind"
    for entry in _entries(cache_dir):
        json.loads(entry.read_bytes())  # every entry is complete JSON
    _no_rescans(monkeypatch)
    warm = [r.to_json() for r in scan_paths([tree], ScanOptions(jobs=1, cache=True), root=tree).references]
    assert warm == reference


# -- where and how much ----------------------------------------------------------------------
def test_cache_dir_from_config_env_and_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(tmp_path / "from-env"))
    assert resolve_cache_dir(None, tmp_path) == tmp_path / "from-env"
    assert resolve_cache_dir("rel", tmp_path / "root", tmp_path / "cfg") == tmp_path / "cfg" / "rel"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PTM_LINT_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    assert resolve_cache_dir(None, root) == root / ".ptm-lint-cache"
    assert (root / ".ptm-lint-cache" / ".gitignore").read_text().strip().endswith("*")
    assert (root / ".ptm-lint-cache" / "CACHEDIR.TAG").exists()


def test_config_cache_dir_is_used_by_the_cli(tmp_path, monkeypatch):
    monkeypatch.delenv("PTM_LINT_CACHE_DIR", raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.ptm-lint]\ncache-dir = "build/ptm-cache"\n')
    (root / "app.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained('gpt2')\n")
    assert cli.main(["check", str(root), "--exit-zero", "-o", str(tmp_path / "out.txt")]) == 0
    assert _entries(root / "build" / "ptm-cache")


def test_prune_keeps_the_cache_under_its_cap(tmp_path):
    directory = tmp_path / "cache"
    shard = directory / "scan" / f"v{cache_mod.SCHEMA}" / "ab"
    shard.mkdir(parents=True)
    for i in range(20):
        path = shard / f"{i:02d}.json"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    stale = shard / ".tmp-abandoned.part"
    stale.write_bytes(b"half")
    os.utime(stale, (1_000_000, 1_000_000))
    removed = prune(directory, max_bytes=10_000, force=True)
    left = sorted(p.name for p in shard.iterdir())
    assert ".tmp-abandoned.part" not in left
    assert sum((shard / n).stat().st_size for n in left) <= 10_000 * 3 // 4
    assert "19.json" in left and "00.json" not in left  # the oldest go first
    assert removed == 1 + (20 - len(left))
    assert prune(directory, max_bytes=10_000) == 0  # at most once a day unless forced


# -- the stat manifest -------------------------------------------------------------------------
def _age(root: Path, seconds: float = 60) -> None:
    """Make every file and directory under root look last modified `seconds` ago (older than the
    racy window)."""
    for path in [*root.rglob("*"), root]:
        then = path.stat().st_mtime - seconds
        os.utime(path, (then, then))


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, hashing any file's content is a test failure: stats must answer."""
    def boom(*args, **kwargs):
        raise AssertionError("a file was read and hashed although its stat was unchanged")

    from ptm_lint.scan import project

    _no_rescans(monkeypatch)
    monkeypatch.setattr(cache_mod, "content_digest", boom)
    monkeypatch.setattr(pipeline, "_has_token", boom)
    monkeypatch.setattr(project, "file_state", boom)  # dependencies (config.py) too


def _tree(root: Path) -> Path:
    root.mkdir()
    (root / "config.py").write_text('MODEL = "bert-base-uncased"\n')
    (root / "app.py").write_text("from transformers import AutoModel\nfrom config import MODEL\n"
                                 "AutoModel.from_pretrained(MODEL)\n")
    (root / "plain.py").write_text("import json\nprint(json.load(open('x')))\n")
    return root


def test_unchanged_files_are_answered_from_their_stat(cache_dir, tmp_path, monkeypatch):
    root = _tree(tmp_path / "repo")
    _age(root)
    first = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert len(_manifests(cache_dir)) == 1
    _no_reads(monkeypatch)
    again = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert again.scans == first.scans and again.references == first.references
    assert {r.model for r in again.references} == {"bert-base-uncased"}


def test_a_rewrite_that_keeps_size_and_mtime_is_still_seen(cache_dir, tmp_path):
    root = _tree(tmp_path / "repo")
    _age(root)
    assert _models(root) == {"app.py:3": "bert-base-uncased"}
    config = root / "config.py"
    old = config.stat()
    config.write_text('MODEL = "roberta-base-abcd"\n')
    os.utime(config, ns=(old.st_atime_ns, old.st_mtime_ns))  # same size, same mtime: only ctime moved
    assert config.stat().st_size == old.st_size
    assert _models(root) == {"app.py:3": "roberta-base-abcd"}
    app = root / "app.py"
    old = app.stat()
    app.write_text(app.read_text().replace("MODEL)", "'gpt2')"))
    app.write_text(app.read_text() + " " * (old.st_size - app.stat().st_size))
    os.utime(app, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert _models(root) == {"app.py:3": "gpt2"}


def test_racily_fresh_files_are_not_trusted(cache_dir, tmp_path):
    root = _tree(tmp_path / "repo")  # written just now: inside the racy window
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    for manifest in _manifests(cache_dir):
        assert not json.loads(manifest.read_text())["files"]
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    files = json.loads(_manifests(cache_dir)[0].read_text())["files"]
    assert files["plain.py"][-1] == cache_mod.EMPTY and len(files["app.py"][-1]) == 64


@pytest.mark.parametrize("garbage", [b"", b"{", b"[]", b'{"schema": 1, "files": {"app.py": [1, 2]}, "states": {}}',
                                     b'{"schema": 1, "files": {"app.py": "x"}, "states": []}'])
def test_a_corrupt_manifest_is_ignored_and_rewritten(garbage, cache_dir, tmp_path):
    root = _tree(tmp_path / "repo")
    _age(root)
    expected = _models(root)
    [manifest] = _manifests(cache_dir)
    manifest.write_bytes(garbage)
    assert _models(root) == expected
    assert manifest.read_bytes() != garbage


def test_a_token_in_a_file_name_never_reaches_the_manifest(cache_dir, tmp_path):
    root = _tree(tmp_path / "repo")
    name = "hf_" + "a1B2" * 9 + ".py"
    (root / name).write_text("x = 1\n")
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    text = _manifests(cache_dir)[0].read_text()
    assert "hf_" not in text and "plain.py" in text


def test_deleted_files_leave_the_manifest(cache_dir, tmp_path):
    root = _tree(tmp_path / "repo")
    (root / "gone.py").write_text("x = 1\n")
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert "gone.py" in json.loads(_manifests(cache_dir)[0].read_text())["files"]
    (root / "gone.py").unlink()
    (root / "new.py").write_text("y = 2\n")
    _age(root)
    scan_paths([root / "new.py"], ScanOptions(jobs=1, cache=True), root=root)  # a run on one file
    files = json.loads(_manifests(cache_dir)[0].read_text())["files"]
    assert "gone.py" not in files and {"new.py", "app.py", "plain.py"} <= set(files)


# -- directory listings in the manifest ----------------------------------------------------------
def _no_listing(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """From here on, reading a directory under root is a test failure: its recorded listing must answer."""
    real = os.scandir

    def boom(path="."):
        if os.fspath(path).startswith(str(root)):
            raise AssertionError(f"{path} was read although it is unchanged")
        return real(path)

    monkeypatch.setattr(os, "scandir", boom)


def _dirs(cache_dir: Path) -> dict[str, list]:
    [manifest] = _manifests(cache_dir)
    return json.loads(manifest.read_text())["dirs"]


def _nested(root: Path) -> Path:
    _tree(root)
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "deep.py").write_text("y = 2\n")
    (root / "pkg" / "data.csv").write_text("a,b\n")
    return root


def test_unchanged_directories_are_answered_from_their_listing(cache_dir, tmp_path, monkeypatch):
    root = _nested(tmp_path / "repo")
    _age(root)
    first = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert set(_dirs(cache_dir)) == {".", "pkg", "pkg/sub"}
    assert _dirs(cache_dir)["pkg"][-1] == "dsub"  # only what discovery looks at: no data.csv
    _no_listing(monkeypatch, root)
    _no_reads(monkeypatch)
    other = scan_paths([root], ScanOptions(jobs=1, cache=True, extend_exclude=("*.txt",)), root=root)
    assert other == first  # other options: a walk of its own, from the recorded listings


def test_a_warm_run_replays_the_walk(cache_dir, tmp_path, monkeypatch):
    from ptm_lint.discover import files

    root = _nested(tmp_path / "repo")
    _age(root)
    first = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert json.loads(_manifests(cache_dir)[0].read_text())["walk"][1]["files"] == [
        "app.py", "config.py", "pkg/sub/deep.py", "plain.py"]

    def boom(*args):
        raise AssertionError("the walk was not replayed")

    monkeypatch.setattr(files._Walker, "_list", boom)
    _no_reads(monkeypatch)
    assert scan_paths([root], ScanOptions(jobs=1, cache=True), root=root) == first
    (root / "pkg" / "new.py").write_text("x = 1\n")  # a new entry: the directory is listed again
    with pytest.raises(AssertionError, match="not replayed"):
        scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)


def test_a_walk_that_read_a_fresh_ignore_file_is_not_recorded(cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    _age(root)
    (root / ".gitignore").write_text("plain.py\n")
    then = (root / "pkg").stat().st_mtime
    os.utime(root, (then, then))  # only the ignore file is recent
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    manifest = json.loads(_manifests(cache_dir)[0].read_text())
    assert manifest["walk"] is None and set(manifest["dirs"]) == {".", "pkg", "pkg/sub"}


def test_a_file_added_to_a_listed_directory_is_scanned(cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    _age(root)
    assert _models(root) == {"app.py:3": "bert-base-uncased"}
    (root / "pkg" / "sub" / "more.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained('gpt2')\n")
    assert _models(root) == {"app.py:3": "bert-base-uncased", "pkg/sub/more.py:2": "gpt2"}
    (root / "pkg" / "sub" / "more.py").rename(root / "pkg" / "moved.py")
    assert _models(root) == {"app.py:3": "bert-base-uncased", "pkg/moved.py:2": "gpt2"}


def test_racily_fresh_directories_are_not_recorded(cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    for path in root.rglob("*.py"):  # old files in directories changed just now
        os.utime(path, (1_000_000, 1_000_000))
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert _dirs(cache_dir) == {}
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert set(_dirs(cache_dir)) == {".", "pkg", "pkg/sub"}


def test_removed_directories_leave_the_manifest(cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    (root / "pkg" / "sub" / "deep.py").unlink()
    (root / "pkg" / "sub").rmdir()
    _age(root)
    scan_paths([root / "app.py"], ScanOptions(jobs=1, cache=True), root=root)  # one file: no walk
    assert "pkg/sub" in _dirs(cache_dir)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert set(_dirs(cache_dir)) == {".", "pkg"}


@pytest.mark.parametrize("listing", ["f../../outside.py", "fa.py/f../x.py", "x", "fa\u0000b.py", "f..", "d.",
                                     "dpkg//fapp.py", "qapp.py"])
def test_a_tampered_listing_is_a_miss(listing, cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    _age(root)
    expected = _models(root)
    [manifest] = _manifests(cache_dir)
    data = json.loads(manifest.read_text())
    data["dirs"]["."][-1] = listing
    data["dirs"]["pkg"] = [1, 2]
    manifest.write_text(json.dumps(data))
    found = scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    assert {s.path for s in found.scans} == {"app.py", "config.py", "plain.py", "pkg/sub/deep.py"}
    assert _models(root) == expected


def test_a_token_in_a_directory_entry_never_reaches_the_manifest(cache_dir, tmp_path):
    root = _nested(tmp_path / "repo")
    (root / "pkg" / ("hf_" + "a1B2" * 9)).mkdir()
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    text = _manifests(cache_dir)[0].read_text()
    assert "hf_" not in text and "pkg/sub" in text


def test_a_token_in_the_path_above_the_root_never_reaches_the_manifest(cache_dir, tmp_path):
    above = tmp_path / ("hf_" + "a1B2" * 9)
    above.mkdir()
    root = _nested(above / "repo")
    _age(root)
    scan_paths([root], ScanOptions(jobs=1, cache=True), root=root)
    text = _manifests(cache_dir)[0].read_text()
    assert "hf_" not in text and json.loads(text)["walk"] is None and "pkg/sub" in text
