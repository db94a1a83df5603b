"""Tests for the discover stage: which files are scanned, and what is reported instead."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pathspec
import pytest

from ptm_lint import fsaccess
from ptm_lint.discover import files as F
from ptm_lint.discover.files import (
    DEFAULT_EXCLUDES,
    DEFAULT_MAX_BYTES,
    PROJECT_MARKERS,
    SOURCE_SUFFIXES,
    Discovered,
    discover,
    find_root,
    relpath,
)
from ptm_lint.runmemo import signatures


def touch(root: Path, *rels: str, text: str = "") -> None:
    for rel in rels:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def rels(result: Discovered, root: Path) -> list[str]:
    return [relpath(f, root) for f in result.files]


def errs(result: Discovered) -> list[tuple[str, str]]:
    return [(e.path, e.kind) for e in result.errors]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = (tmp_path / "proj").resolve()
    r.mkdir()
    (r / "pyproject.toml").write_text("", encoding="utf-8")
    return r


class MemoryListings:
    """A Listings store without the racy rule (statmanifest.Manifest's is tested in test_cache)."""

    def __init__(self) -> None:
        self.dirs: dict[str, tuple[tuple[int, int, int, int], list[str]]] = {}
        self.hits = 0
        self.walks: dict[str, object] = {}
        self.asked = 0

    def listing(self, path: str, stat: tuple[int, int, int, int]) -> list[str] | None:
        self.asked += 1
        known = self.dirs.get(path)
        if known is None or known[0] != stat:
            return None
        self.hits += 1
        return known[1]

    def record_listing(self, path: str, stat: tuple[int, int, int, int], entries: list[str]) -> bool:
        self.dirs[path] = (stat, list(entries))
        return True

    def walk(self, key: str, stat_of=os.stat) -> object:
        for path, (stat, _) in self.dirs.items():
            try:
                st = stat_of(path)
            except OSError:
                return None
            if (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev) != stat:
                return None
        return self.walks.get(key)

    def record_walk(self, key: str, walk: object, newest_mtime_ns: int) -> None:
        self.walks[key] = walk


def run(root: Path, *paths: str | Path, replay: bool = True, **kw: object) -> Discovered:
    """discover(); with `replay`, also checks that walks from recorded listings, and replays of a
    recorded walk, find the same."""
    given = [root / p for p in paths] or [root]
    with fsaccess.recording() as walked:
        result = discover(given, root, **kw)  # type: ignore[arg-type]
    if replay:
        listings = MemoryListings()
        with fsaccess.recording() as recorded_walk:
            recorded = discover(given, root, listings=listings, **kw)  # type: ignore[arg-type]
        assert recorded == result and set(recorded_walk.paths) == set(walked.paths)
        with fsaccess.recording() as replayed:
            again = discover(given, root, listings=listings, **kw)  # type: ignore[arg-type]
        assert again == result
        assert listings.hits in (0, len(listings.dirs))  # (0: the recorded walk was replayed)
        # A replay consults what the walk it replays did (for runmemo, through fsaccess): the same
        # directories (each one recorded), ignore files, .git probes and files.
        assert set(replayed.paths) == set(walked.paths)
        assert discover(given, root, listings=listings, **kw) == result  # type: ignore[arg-type]
        # With the stats the run memo took when it missed (runmemo.Memo.taken): the same answer.
        taken: dict[str, os.stat_result] = {}
        signatures(sorted(walked.paths), taken=taken)
        assert discover(given, root, listings=listings, taken=taken, **kw) == result  # type: ignore[arg-type]
        assert discover(given, root, listings=MemoryListings(), taken=taken, **kw) == result  # type: ignore[arg-type]
        assert discover(given, root, taken=taken, **kw) == result  # type: ignore[arg-type]
    return result


# --- constants and helpers --------------------------------------------------------------------


def test_constants() -> None:
    assert SOURCE_SUFFIXES == (".py", ".pyi", ".ipynb")
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert PROJECT_MARKERS == (".git", "pyproject.toml", "ptm-lint.toml", "setup.cfg", "setup.py")
    for name in (".venv", "venv", "build", "dist", "node_modules", "site-packages", ".git",
                 "__pycache__", ".ptm-lint-cache", "__pypackages__", "buck-out", ".pants.d"):
        assert name in DEFAULT_EXCLUDES
    assert len(DEFAULT_EXCLUDES) == 28


def test_relpath(root: Path) -> None:
    assert relpath(root / "a" / "b.py", root) == "a/b.py"
    assert relpath(root, root) == "."
    assert relpath(Path("/elsewhere/x.py"), root) == "/elsewhere/x.py"
    (root / "real.py").write_text("")
    (root / "link.py").symlink_to(root / "real.py")
    assert relpath(root / "link.py", root) == "link.py"  # the name, not the target


def test_relpath_through_symlinked_ancestor(tmp_path: Path, root: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    assert relpath(alias / "pkg" / "m.py", root) == "pkg/m.py"


# --- find_root --------------------------------------------------------------------------------


def test_find_root_nearest_marker(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    touch(top, "setup.cfg", "sub/pkg/mod.py", "sub/pyproject.toml", "other/x.py")
    assert find_root([top / "sub" / "pkg" / "mod.py"]) == (top / "sub").resolve()
    assert find_root([top / "sub" / "pkg"]) == (top / "sub").resolve()
    assert find_root([top / "other" / "x.py", top / "sub" / "pkg"]) == top.resolve()


@pytest.mark.parametrize("marker", PROJECT_MARKERS)
def test_find_root_each_marker(tmp_path: Path, marker: str) -> None:
    top = tmp_path / "r"
    touch(top, "a/b/c.py")
    (top / marker).mkdir() if marker == ".git" else touch(top, marker)
    assert find_root([top / "a" / "b" / "c.py"]) == top.resolve()


def test_find_root_without_marker(tmp_path: Path) -> None:
    base = tmp_path.resolve()
    if any(os.path.lexists(d / m) for d in (base, *base.parents) for m in PROJECT_MARKERS):
        pytest.skip("a project marker exists above the temporary directory")
    touch(base, "x/one.py", "x/y/two.py", "z/three.py")
    assert find_root([base / "x" / "one.py"]) == base / "x"  # a file: its parent
    assert find_root([base / "x" / "y"]) == base / "x" / "y"
    assert find_root([base / "x" / "one.py", base / "z" / "three.py"]) == base
    assert find_root([base / "x" / "missing.py"]) == base / "x"


def test_find_root_relative_and_resolved(tmp_path: Path, root: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    touch(root, "pkg/m.py")
    (tmp_path / "alias").symlink_to(root)
    monkeypatch.chdir(tmp_path / "alias" / "pkg")
    assert find_root([Path("m.py")]) == root
    assert find_root([]) == root  # no paths: the working directory


# --- walking ----------------------------------------------------------------------------------


def test_walk_keeps_sources_sorted(root: Path) -> None:
    touch(root, "b.py", "a/z.pyi", "a/nb.ipynb", "a/notes.txt", "c.pyc", "README.md",
          "weird.py/inner.py", "a/A.py")
    r = run(root)
    assert rels(r, root) == ["a/A.py", "a/nb.ipynb", "a/z.pyi", "b.py", "weird.py/inner.py"]
    assert all(f.is_absolute() for f in r.files)
    assert r.errors == ()
    assert run(root) == r  # deterministic


def test_default_excludes(root: Path) -> None:
    touch(root, "ok.py", ".venv/lib/x.py", "venv/x.py", "build/x.py", "pkg/build/x.py",
          "node_modules/x.py", "pkg/__pycache__/x.py", ".git/hooks/x.py", ".tox/x.py",
          "dist/x.py", ".ptm-lint-cache/x.py", "pkg/mod.py")
    assert rels(run(root), root) == ["ok.py", "pkg/mod.py"]


def test_exclude_replaces_defaults_and_extend_adds(root: Path) -> None:
    touch(root, "ok.py", "build/b.py", "gen/g.py", "pkg/gen/g2.py", "pkg/skip.py", "x_pb2.py")
    assert rels(run(root, exclude=["gen"]), root) == [
        "build/b.py", "ok.py", "pkg/skip.py", "x_pb2.py"]
    assert rels(run(root, extend_exclude=["gen", "*_pb2.py", "pkg/skip.py"]), root) == ["ok.py"]
    # A pattern with an inner slash is anchored at the root.
    touch(root, "other/pkg/skip.py")
    assert "other/pkg/skip.py" in rels(run(root, extend_exclude=["pkg/skip.py"]), root)
    assert rels(run(root, exclude=[]), root) == [
        "build/b.py", "gen/g.py", "ok.py", "other/pkg/skip.py", "pkg/gen/g2.py", "pkg/skip.py",
        "x_pb2.py"]


def test_invalid_exclude_pattern_is_a_config_error(root: Path) -> None:
    with pytest.raises(ValueError, match="invalid exclude pattern"):
        run(root, extend_exclude=["ok", "foo\\"])


def test_gitignore_nested_with_negation(root: Path) -> None:
    touch(root, "a_pb2.py", "local.py", "keep.py", "logs/x.py", "sub/keep_pb2.py",
          "sub/x_pb2.py", "sub/local.py", "sub/deep/local.py", "sub/deep/y.py")
    (root / ".gitignore").write_text("*_pb2.py\nlogs/\n# comment\n\n")
    (root / "sub" / ".gitignore").write_text("!keep_pb2.py\n/local.py\n")
    assert rels(run(root), root) == [
        "keep.py", "local.py", "sub/deep/local.py", "sub/deep/y.py", "sub/keep_pb2.py"]
    # Walking from a subdirectory still applies the ignore files above it.
    assert rels(run(root, "sub"), root) == ["sub/deep/local.py", "sub/deep/y.py",
                                            "sub/keep_pb2.py"]
    assert len(run(root, respect_gitignore=False).files) == 9


def test_gitignore_deeper_file_wins_and_dir_cannot_be_reincluded(root: Path) -> None:
    touch(root, "gen/a.py", "gen/b.py", "out/x.py", "pkg/t.py")
    (root / ".gitignore").write_text("gen/*\n!gen/b.py\nout/\n!out/x.py\npkg/t.py\n")
    (root / "pkg" / ".gitignore").write_text("!t.py\n")
    assert rels(run(root), root) == ["gen/b.py", "pkg/t.py"]


def test_git_info_exclude_and_gitignore_above_root(tmp_path: Path) -> None:
    top = tmp_path / "mono"
    touch(top, ".gitignore", "svc/pyproject.toml", "svc/a.py", "svc/secret.py", "svc/gen_x.py")
    (top / ".git" / "info").mkdir(parents=True)
    (top / ".git" / "info" / "exclude").write_text("svc/secret.py\n")
    (top / ".gitignore").write_text("gen_*.py\n")
    root = find_root([top / "svc"])
    assert root == (top / "svc").resolve()
    assert rels(discover([root], root), root) == ["a.py"]
    assert len(discover([root], root, respect_gitignore=False).files) == 3


def test_bad_gitignore_line_does_not_disable_the_file(root: Path) -> None:
    touch(root, "a.py", "b.py")
    (root / ".gitignore").write_text("foo\\\na.py\n!\n")
    assert rels(run(root), root) == ["b.py"]


def test_gitignore_that_is_a_fifo_is_not_read(root: Path) -> None:
    touch(root, "a.py")
    os.mkfifo(root / ".gitignore")
    assert rels(with_timeout(lambda: run(root)), root) == ["a.py"]


def test_odd_names(root: Path) -> None:
    names = ["with space.py", "ünïcødé/模型.py", "new\nline.py", "tab\t.py", "-dash.py"]
    touch(root, *names)
    assert sorted(rels(run(root), root)) == sorted(names)
    # Explicit paths with the same names too.
    assert sorted(rels(run(root, *names), root)) == sorted(names)


def test_5000_file_tree_is_quick(root: Path) -> None:
    for i in range(50):
        d = root / f"pkg{i:02d}"
        d.mkdir()
        for j in range(100):
            (d / f"m{j:03d}.py").touch()
        (d / "data.json").touch()
    (root / ".gitignore").write_text("*.pyc\n__pycache__/\n/build\ndocs/_build/\n*.egg-info/\n")
    start = time.perf_counter()
    r = run(root)
    assert time.perf_counter() - start < 10  # generous: typically well under a second
    assert len(r.files) == 5000
    assert rels(r, root)[:2] == ["pkg00/m000.py", "pkg00/m001.py"]


# --- explicit paths (pre-commit passes file names) --------------------------------------------


def test_explicit_files_bypass_gitignore_and_defaults(root: Path) -> None:
    touch(root, "ignored.py", "build/gen.py", "notes.txt", "tool.pyw", "script", "a.py")
    (root / ".gitignore").write_text("ignored.py\n")
    r = run(root, "ignored.py", "build/gen.py", "notes.txt", "tool.pyw", "script")
    assert rels(r, root) == ["build/gen.py", "ignored.py", "script", "tool.pyw"]
    assert r.errors == ()  # the .txt is dropped silently


def test_explicit_files_honour_configured_excludes(root: Path) -> None:
    touch(root, "gen/a_pb2.py", "b.py", "migrations/0001.py")
    r = run(root, "gen/a_pb2.py", "b.py", "migrations/0001.py",
            extend_exclude=["*_pb2.py", "migrations/"])
    assert rels(r, root) == ["b.py"]
    assert rels(run(root, "gen/a_pb2.py", exclude=["gen"]), root) == []


def test_explicit_missing_path(root: Path) -> None:
    touch(root, "a.py")
    r = run(root, "a.py", "gone.py")
    assert rels(r, root) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("gone.py", "io", "no such file or directory")]


def test_explicit_excluded_directory_is_walked(root: Path) -> None:
    touch(root, "build/a.py", "build/sub/b.py", "build/sub/__pycache__/c.py", "ign/x.py")
    (root / ".gitignore").write_text("ign/\n")
    assert rels(run(root, "build"), root) == ["build/a.py", "build/sub/b.py"]
    assert rels(run(root, "ign"), root) == ["ign/x.py"]
    assert rels(run(root, "build", extend_exclude=["build/sub/"]), root) == ["build/a.py"]


def test_overlapping_and_duplicate_paths(root: Path) -> None:
    touch(root, "pkg/a.py", "pkg/sub/b.py")
    r = discover([root / "pkg" / "sub", root / "pkg", root / "pkg" / "a.py",
                  root / "pkg" / "." / "a.py"], root)
    assert rels(r, root) == ["pkg/a.py", "pkg/sub/b.py"]


def test_relative_paths_resolve_against_cwd(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(root, "pkg/a.py", "pkg/b.py")
    monkeypatch.chdir(root / "pkg")
    r = discover([Path("a.py"), Path(".")], root)
    assert rels(r, root) == ["pkg/a.py", "pkg/b.py"]
    assert r.files[0] == root / "pkg" / "a.py"


def test_paths_outside_root_keep_their_given_name(tmp_path: Path, root: Path) -> None:
    touch(tmp_path, "ext/lib/x.py", "ext/y.py", "ext/build/z.py")
    r = discover([tmp_path / "ext", root], root)
    assert [e.path for e in r.errors] == []
    shown = [relpath(f, root) for f in r.files]
    assert shown == [(tmp_path / "ext/lib/x.py").as_posix(), (tmp_path / "ext/y.py").as_posix()]
    r = discover([tmp_path / "ext" / "gone.py"], root)
    assert [(e.path, e.kind) for e in r.errors] == [((tmp_path / "ext/gone.py").as_posix(), "io")]


# --- symlinks ---------------------------------------------------------------------------------


def test_symlink_loop_terminates_with_one_note(root: Path) -> None:
    touch(root, "a/m.py", "a/b/n.py")
    (root / "a" / "b" / "up").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "self").symlink_to(".", target_is_directory=True)
    r = with_timeout(lambda: run(root))
    assert rels(r, root) == ["a/b/n.py", "a/m.py"]
    assert errs(r) == [("a/b/up", "skipped"), ("a/self", "skipped")]
    assert all("loop" in e.message for e in r.errors)


def test_link_chain_loop_is_quiet(root: Path) -> None:
    touch(root, "m.py")
    (root / "l1").symlink_to("l2")
    (root / "l2").symlink_to("l1")
    r = with_timeout(lambda: run(root))
    assert rels(r, root) == ["m.py"] and r.errors == ()


def test_links_outside_root_are_not_followed(tmp_path: Path, root: Path) -> None:
    touch(tmp_path, "outside/secret.py", "outside/dir/x.py")
    touch(root, "a.py")
    (root / "ext.py").symlink_to(tmp_path / "outside" / "secret.py")
    (root / "extdir").symlink_to(tmp_path / "outside" / "dir", target_is_directory=True)
    (root / "data.csv").symlink_to(tmp_path / "outside" / "secret.py")  # not a source: quiet
    r = run(root)
    assert rels(r, root) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("ext.py", "skipped", "symbolic link points outside the scan root; not followed"),
        ("extdir", "skipped", "symbolic link points outside the scan root; not followed"),
    ]


def test_links_inside_root_are_followed_once(root: Path) -> None:
    touch(root, "src/pkg/m.py", "zz/only_via_link.py")
    (root / "src" / "alias.py").symlink_to("pkg/m.py")
    (root / "aaa").symlink_to("src", target_is_directory=True)  # sorts before its target
    (root / "build").mkdir()
    (root / "src" / "lnk").symlink_to(root / "zz" / "only_via_link.py")
    r = run(root)
    # Reported under the real names, each file once.
    assert rels(r, root) == ["src/pkg/m.py", "zz/only_via_link.py"]
    assert r.errors == ()
    # A link into a part of the tree that is not walked is followed.
    r = run(root, "src")
    assert rels(r, root) == ["src/pkg/m.py"]
    (root / "src" / "ext").symlink_to(root / "zz", target_is_directory=True)
    assert rels(run(root, "src"), root) == ["src/ext/only_via_link.py", "src/pkg/m.py"]


def test_broken_links(root: Path) -> None:
    touch(root, "a.py")
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    (root / "dangling_dir").symlink_to(root / "nowhere")  # could be anything: quiet
    r = run(root)
    assert rels(r, root) == ["a.py"]
    assert errs(r) == [("dangling.py", "io")]
    assert "broken symbolic link" in r.errors[0].message
    r = run(root, "dangling.py")
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("dangling.py", "io", "broken symbolic link (its target does not exist)")]


def test_gitignored_symlink_is_not_touched(tmp_path: Path, root: Path) -> None:
    (root / "env.py").symlink_to(tmp_path / "nowhere")
    (root / ".gitignore").write_text("env.py\n")
    assert run(root).errors == ()


# --- non-regular, large and unreadable files --------------------------------------------------


def with_timeout(fn, seconds: float = 20):  # type: ignore[no-untyped-def]
    """Run fn in a thread; fail (instead of hanging) when it blocks, e.g. by opening a FIFO."""
    box: list[object] = []
    t = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "discover blocked"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_skipped_without_opening(root: Path) -> None:
    touch(root, "a.py")
    os.mkfifo(root / "pipe.py")
    os.mkfifo(root / "pipe_no_suffix")
    (root / "link.py").symlink_to(root / "pipe.py")
    r = with_timeout(lambda: run(root))
    assert rels(r, root) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("link.py", "skipped", "not a regular file (FIFO); skipped"),
        ("pipe.py", "skipped", "not a regular file (FIFO); skipped"),
    ]
    r = with_timeout(lambda: run(root, "pipe.py"))
    assert errs(r) == [("pipe.py", "skipped")] and r.files == ()


def test_socket_is_skipped(tmp_path: Path) -> None:
    socket = pytest.importorskip("socket")
    root = Path("/tmp") / f"ptm-sock-{os.getpid()}"  # AF_UNIX paths must be short
    root.mkdir()
    try:
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(root / "s.py"))
        r = with_timeout(lambda: discover([root], root))
        assert [(e.path, e.message) for e in r.errors] == [
            ("s.py", "not a regular file (socket); skipped")]
        s.close()
    finally:
        for p in root.iterdir():
            p.unlink()
        root.rmdir()


def test_large_file_is_skipped(root: Path) -> None:
    touch(root, "small.py")
    with open(root / "huge.py", "wb") as f:
        f.truncate(int(52.4 * 1024 * 1024))  # sparse: costs no disk
    r = run(root)
    assert rels(r, root) == ["small.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [(
        "huge.py", "skipped",
        "file is 52.4 MB, over the 10.0 MB limit; skipped (raise max-file-size to scan it)")]
    assert rels(run(root, max_bytes=100 * 1024 * 1024), root) == ["huge.py", "small.py"]
    touch(root, "k.py", text="x" * 2048)
    r = run(root, "k.py", max_bytes=1000)
    assert r.errors[0].message.startswith("file is 2.0 KB, over the 1000 B limit")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_directory_chmod(root: Path) -> None:
    touch(root, "a.py", "locked/b.py")
    (root / "locked").chmod(0)
    try:
        r = run(root)
    finally:
        (root / "locked").chmod(0o755)
    assert rels(r, root) == ["a.py"]
    assert errs(r) == [("locked", "io")]


def test_unreadable_directory(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(root, "a.py", "locked/b.py", "z/c.py")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(F.os, "scandir", scandir)
    r = run(root)
    assert rels(r, root) == ["a.py", "z/c.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("locked", "io", "cannot list directory: permission denied")]
    r = run(root, "locked")
    assert errs(r) == [("locked", "io")]


def test_file_vanishing_during_the_walk(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(root, "a.py", "b.py")
    real_scandir = os.scandir

    class Listing:
        """Lists the directory, then b.py is deleted before discovery stats it."""

        def __init__(self, path: str) -> None:
            self._it = real_scandir(path)

        def __enter__(self):  # type: ignore[no-untyped-def]
            entries = list(self._it)
            (root / "b.py").unlink()
            return entries

        def __exit__(self, *exc: object) -> None:
            self._it.close()

    monkeypatch.setattr(F.os, "scandir", Listing)
    r = run(root, replay=False)  # (b.py is gone for a second walk)
    assert rels(r, root) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in r.errors] == [
        ("b.py", "io", "file disappeared during discovery")]


# --- recorded listings (discover.files.Listings) ---------------------------------------------


def test_recorded_listings_see_every_kind_of_change(root: Path) -> None:
    touch(root, "a.py", "pkg/b.py", "pkg/sub/c.py", "pkg/notes.txt")
    listings = MemoryListings()
    assert rels(discover([root], root, listings=listings), root) == ["a.py", "pkg/b.py", "pkg/sub/c.py"]
    assert "fnotes.txt" not in listings.dirs[str(root / "pkg")][1]  # only what discovery looks at
    touch(root, "pkg/new.py")  # added
    (root / "pkg" / "sub" / "c.py").rename(root / "pkg" / "sub" / "d.py")  # renamed
    (root / "a.py").unlink()
    (root / "a.py").mkdir()  # a file replaced by a directory
    touch(root, "a.py/e.py", "pkg/sub/deeper/f.py")
    before = listings.hits
    found = discover([root], root, listings=listings)
    assert found == discover([root], root)
    assert rels(found, root) == ["a.py/e.py", "pkg/b.py", "pkg/new.py", "pkg/sub/d.py", "pkg/sub/deeper/f.py"]
    assert listings.hits == before  # every directory changed: none was answered from its listing


def test_a_directory_whose_mtime_is_set_back_is_read_again(root: Path) -> None:
    touch(root, "pkg/a.py")
    pkg = root / "pkg"
    listings = MemoryListings()
    discover([root], root, listings=listings)
    old = pkg.stat()
    touch(root, "pkg/b.py")
    os.utime(pkg, ns=(old.st_atime_ns, old.st_mtime_ns))  # mtime as recorded: only ctime moved
    assert rels(discover([root], root, listings=listings), root) == ["pkg/a.py", "pkg/b.py"]


def test_a_recorded_listing_does_not_hide_a_changed_ignore_file(root: Path) -> None:
    touch(root, "a.py", "b.py")
    (root / ".gitignore").write_text("a.py\n", encoding="utf-8")
    listings = MemoryListings()
    assert rels(discover([root], root, listings=listings), root) == ["b.py"]
    (root / ".gitignore").write_text("b.py\n", encoding="utf-8")  # the directory itself is unchanged
    assert rels(discover([root], root, listings=listings), root) == ["a.py"]
    assert rels(discover([root], root, listings=listings, extend_exclude=["a.py"]), root) == []


def _replayed(root: Path, listings: MemoryListings, **kw: object) -> tuple[Discovered, bool]:
    """(what discovery finds with `listings`, checked against a plain walk; whether it was a replay)."""
    before = listings.asked
    found = discover([root], root, listings=listings, **kw)  # type: ignore[arg-type]
    assert found == discover([root], root, **kw)  # type: ignore[arg-type]
    return found, listings.asked == before  # a replay lists no directory


def test_a_recorded_walk_is_replayed_while_nothing_it_read_changed(root: Path) -> None:
    touch(root, "a.py", "pkg/b.py", "pkg/c.txt")
    (root / ".gitignore").write_text("c.py\n", encoding="utf-8")
    listings = MemoryListings()
    assert _replayed(root, listings) == (discover([root], root), False)
    found, replayed = _replayed(root, listings)
    assert replayed and rels(found, root) == ["a.py", "pkg/b.py"]
    assert _replayed(root, listings, extend_exclude=["pkg"])[1] is False  # other options: a walk of their own
    assert _replayed(root, listings, extend_exclude=["pkg"])[1] is True

    (root / "pkg" / "b.py").write_text("x = 1\n", encoding="utf-8")  # content only: still a replay
    found, replayed = _replayed(root, listings)
    assert replayed and found.stats[1] == F._file_stat(os.stat(root / "pkg" / "b.py"))

    (root / ".gitignore").write_text("b.py\n", encoding="utf-8")  # an ignore file it read
    assert _replayed(root, listings) == (discover([root], root), False)
    assert rels(discover([root], root), root) == ["a.py"]
    assert _replayed(root, listings)[1] is True

    (root / "pkg" / ".gitignore").write_text("", encoding="utf-8")  # an entry in a listed directory
    assert _replayed(root, listings)[1] is False
    assert _replayed(root, listings)[1] is True


def test_a_replay_rechecks_every_file_it_found(root: Path) -> None:
    touch(root, "a.py", "b.py")
    listings = MemoryListings()
    discover([root], root, listings=listings, max_bytes=10)
    (root / "b.py").write_text("x" * 11, encoding="utf-8")  # now over the limit: reported, not scanned
    found, replayed = _replayed(root, listings, max_bytes=10)
    assert not replayed and rels(found, root) == ["a.py"] and errs(found) == [("b.py", "skipped")]


def test_a_git_folder_appearing_above_the_root_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "top" / "proj"
    touch(root, "a.py", "b.py")
    (tmp_path / "top" / ".gitignore").write_text("b.py\n", encoding="utf-8")
    listings = MemoryListings()
    assert rels(discover([root], root, listings=listings), root) == ["a.py", "b.py"]
    assert _replayed(root, listings)[1] is True
    (tmp_path / "top" / ".git").mkdir()  # now the .gitignore above the root applies
    found, replayed = _replayed(root, listings)
    assert not replayed and rels(found, root) == ["a.py"]


def test_walks_with_links_or_named_files_are_not_replayed(root: Path) -> None:
    touch(root, "pkg/a.py", "b.py")
    listings = MemoryListings()
    discover([root / "b.py", root / "pkg"], root, listings=listings)
    assert not listings.walks
    (root / "link").symlink_to(root / "pkg", target_is_directory=True)
    discover([root], root, listings=listings)
    assert not listings.walks


@pytest.mark.parametrize("rel", ["../outside.py", "/etc/passwd", "a/../../x.py", "", "a//b.py", "a\x00.py", 7])
def test_a_tampered_walk_is_not_replayed(root: Path, rel: object) -> None:
    touch(root, "a.py")
    listings = MemoryListings()
    discover([root], root, listings=listings)
    [walk] = listings.walks.values()
    walk["files"] = ["a.py", rel]  # type: ignore[index]
    assert _replayed(root, listings) == (discover([root], root), False)


# --- the matcher's fast path agrees with pathspec ---------------------------------------------


PATTERNS = [
    "build/", "*.py", "!keep.py", "/site", "a/b", "**/x", "foo/**", "docs/_build/", "*.py[cod]",
    "a/**/z.py", "\\!bang.py", "[ab]?.py", "*.egg-info/", "**", "nested/dir/*.py", "!nested/dir/k.py",
]
PATHS = [
    "x.py", "keep.py", "build/", "build", "pkg/build/", "site", "site/", "pkg/site/", "a/b",
    "a/b/", "c/a/b", "x", "q/x", "foo/", "foo/bar.py", "docs/_build/", "m.pyc", "a/q/r/z.py",
    "!bang.py", "ab.py", "b1.py", "abc.py", "p.egg-info/", "nested/dir/k.py", "nested/dir/j.py",
    "with space/é.py", "new\nline.py", "deep/er/than/that/file.pyi",
]


@pytest.mark.parametrize("n", range(len(PATTERNS) + 1))
def test_fast_check_matches_pathspec(n: int) -> None:
    for lines in (PATTERNS[:n], PATTERNS[n:], PATTERNS[n::3]):
        ours = F._Spec.compile(lines, strict=True)
        ref = pathspec.GitIgnoreSpec.from_lines(lines)
        for p in PATHS:
            assert ours.check(p) == ref.check_file(p).include, (lines, p)
