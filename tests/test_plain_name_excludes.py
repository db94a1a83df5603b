"""Pattern lists of plain names are matched without pathspec, exactly as pathspec matches them."""

from __future__ import annotations

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptm_lint.discover import files as F

NAMES = ["build", ".git", "__pycache__", "a.b", "x-y", ".venv", "node_modules", "_", "-", "x..y"]
PATHS = [
    "build", "build/", "build/x.py", "pkg/build", "pkg/build/", "pkg/build/x.py", "xbuild", "buildx/",
    "pkg.build/", "a.b", "a.b/c.py", "aXb", "x-y/", ".git/", "pkg/.git", "git", "...", "..../", ".venv.py",
    "/build", "./build/", "a//build", "new\nline/build/", "build\n", "pkg/build\n/x.py", "_", "a/-/b.py",
    "with space/build/é.py", "deep/er/than/that/__pycache__/m.pyc", "node_modules.py",
]


def by_pathspec(lines: list[str]) -> F._Spec:
    """The matcher discover used for every pattern list before plain names got their own."""
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    regexes = [p.regex for p in spec.patterns
               if p.include is not None and isinstance(p, pathspec.RegexPattern) and p.regex]
    return F._Spec(spec, F._any_of(regexes))


def test_the_default_excludes_are_plain_names():
    assert isinstance(F._Spec.compile(F.DEFAULT_EXCLUDES, strict=True), F._Names)


@pytest.mark.parametrize("lines", [NAMES, F.DEFAULT_EXCLUDES, ["build"], []])
def test_names_match_like_pathspec(lines):
    ours = F._Spec.compile(lines, strict=True)
    assert isinstance(ours, F._Names)
    ref = by_pathspec(lines)
    for path in PATHS + [f"{n}/" for n in NAMES] + [f"q/{n}" for n in NAMES]:
        assert ours.check(path) == ref.check(path), (lines, path)


@pytest.mark.parametrize("line", ["*.py", "build/", "/build", "!build", "#build", "a/b", "b[ab]", "x?", "",
                                  ".", "..", "...", "build ", " build", "a\\b", "**"])
def test_anything_else_goes_to_pathspec(line):
    assert isinstance(F._Spec.compile(["build", line], strict=False), F._Spec)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(NAMES), max_size=4),
       st.lists(st.sampled_from([*NAMES, "pkg", "x.py", "\n", "a\nb", "", ".", "é"]), min_size=1, max_size=5),
       st.booleans())
def test_names_match_like_pathspec_anywhere(lines, parts, is_dir):
    path = "/".join(parts) + ("/" if is_dir else "")
    assert F._Names.compile(lines).check(path) == by_pathspec(lines).check(path)
