"""The packaging-free reading of common requirement strings (discover/versions.py) agrees with packaging."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name as packaging_canonicalize_name

from ptm_lint.discover.versions import canonicalize_name, format_specifier, simple_requirement


def by_packaging(text: str) -> tuple[str, str, str | None] | None:
    """What read_project records for `text` when packaging reads it (None: invalid)."""
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return req.name, "" if req.url else format_specifier(req.specifier), str(req.marker) if req.marker else None


COMMON = [
    "torch",
    "torch>=2.1,<2.6",
    "Transformers[torch] >=4.30, <5",
    "accelerate[deepspeed]>=0.20",
    "numpy==1.26.*",
    "scipy ~= 1.10",
    "tomli; python_version < '3.11'",
    'numpy ; python_version < "3.12"',
    "tzdata; sys_platform == 'win32' and platform_machine != \"arm64\"",
    "pywin32>=306; os_name == 'nt' or sys_platform == 'cygwin'",
    "a>=1,!=1.5,<2,>=1",
    "huggingface_hub>=0.20",
    "Foo.Bar-baz_qux[x, y]",
]
FALLBACK = [
    "x>=1.0rc1",  # a pre-release: packaging reads it
    "x @ https://example.com/x.whl",
    "x (>=1.0)",
    "x; extra == 'gpu'",  # extra values are normalised by packaging
    "x; (python_version < '3.11')",
    "x===1.0",
    "x>=1.*",  # invalid
    "x~=1",  # invalid
    "x>=",  # invalid
    "!!!",
    "x-",
    "x>=1,",
]


@pytest.mark.parametrize("text", COMMON)
def test_common_shapes_need_no_packaging(text: str) -> None:
    assert simple_requirement(text) is not None
    assert simple_requirement(text) == by_packaging(text)


@pytest.mark.parametrize("text", FALLBACK)
def test_other_shapes_are_left_to_packaging(text: str) -> None:
    assert simple_requirement(text) is None


def _mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """Usually a token the fast path reads, sometimes one it must leave to packaging."""
    return st.sampled_from(good * 9 + bad)


_NAMES = _mostly(["torch", "Foo.Bar", "a", "x_y-z", "A1", "x..y"], ["x-", "-x", "é", "x y"])
_WS = _mostly(["", " ", "  ", "\t", " \t"], ["\n", "\r", "\xa0"])
_OPS = _mostly(["==", "!=", "<=", ">=", "<", ">", "~="], ["===", "=", "=>", "<>", "= ="])
_VERSIONS = _mostly(["1", "1.2", "1.2.3", "01.0", "1.*", "1.2.*", "10.0.0"],
                    ["1.0rc1", "1.0.post1", "v1", "", "1.2+local", "2.0.0.dev0", "1..2", "\u0663", "1.*.2"])
_VARIABLES = _mostly(["python_version", "sys_platform", "os_name", "platform_python_implementation",
                      "implementation_version", "platform_machine", "python_full_version"],
                     ["os.name", "extra", "python_implementation", "python_versions", "dependency_groups"])
_VALUES = _mostly(["'3.11'", '"win32"', "'a\"b'", '"a\'b"', "''", "'x y'", "'or'", "' and '"],
                  ["'\\n'", "3.11", "'\u00e9'", "'x\\'y'", "'\t'", "\"x"])


@st.composite
def requirements(draw: st.DrawFn) -> str:
    text = draw(_WS) + draw(_NAMES) + draw(_WS)
    if draw(st.booleans()):
        extras = draw(st.lists(_NAMES, max_size=3))
        text += "[" + draw(_WS) + (draw(_WS) + "," + draw(_WS)).join(extras) + draw(_WS) + "]" + draw(_WS)
    clauses = draw(st.lists(st.tuples(_OPS, _WS, _VERSIONS), max_size=4))
    text += (draw(_WS) + "," + draw(_WS)).join(op + ws + version for op, ws, version in clauses)
    if draw(st.booleans()):
        text += draw(_WS) + ";" + draw(_WS)
        items = draw(st.lists(st.tuples(_VARIABLES, _WS, _OPS, _WS, _VALUES), min_size=1, max_size=3))
        joins = draw(st.lists(_mostly([" and ", " or ", "\tor\t", "  and "], ["and", " AND ", ")or("]),
                              min_size=len(items) - 1, max_size=len(items) - 1))
        parts = ["".join(item) for item in items]
        text += parts[0] + "".join(j + p for j, p in zip(joins, parts[1:]))
    return text + draw(_WS)


@settings(max_examples=2000, deadline=None)
@given(requirements())
def test_fast_path_agrees_with_packaging(text: str) -> None:
    fast = simple_requirement(text)
    if fast is not None:
        assert fast == by_packaging(text), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ09._- \t[],;<>=!~*'\"", max_size=30))
def test_fast_path_never_accepts_what_packaging_rejects(text: str) -> None:
    fast = simple_requirement(text)
    if fast is not None:
        assert fast == by_packaging(text), text


@given(st.text(max_size=20))
def test_canonicalize_name_is_packagings(name: str) -> None:
    assert canonicalize_name(name) == packaging_canonicalize_name(name)
