"""Version arithmetic on declared requirements: PEP 503 names, what a specifier set allows (as
intervals), the hull of alternatives, and a packaging-free reading of common PEP 508 strings.

packaging is imported where it is needed: importing it costs more than a small scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.specifiers import Specifier, SpecifierSet
    from packaging.version import Version


def canonicalize_name(name: str) -> str:
    """PEP 503 normalisation, as packaging.utils.canonicalize_name (which imports packaging.tags)."""
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value


# An interval of versions: (low, low_inclusive, high, high_inclusive); None = unbounded.
_Interval = tuple["Version | None", bool, "Version | None", bool]
_EVERYTHING: _Interval = (None, False, None, False)


def all_at_least(spec: SpecifierSet | None, version: str) -> bool | None:
    """True if every version `spec` allows is >= `version`; None if `spec` is None.

    Pre-releases of `version` itself (e.g. `>=2.6.0rc1` against "2.6") are not "below".
    An unsatisfiable spec allows nothing, so it is vacuously True.
    """
    if spec is None:
        return None
    from packaging.version import Version

    target = Version(version)
    if target.pre is None and target.dev is None and target.post is None:
        target = _dev0(target.epoch, target.release)
    return all(lo is not None and lo >= target for lo, _, _, _ in _allowed(spec))


def any_at_least(spec: SpecifierSet | None, version: str) -> bool | None:
    """True if some version `spec` allows is >= `version`; None if `spec` is None."""
    if spec is None:
        return None
    from packaging.version import Version

    target = Version(version)
    return any(
        hi is None or hi > target or (hi == target and hi_inc)
        for _, _, hi, hi_inc in _allowed(spec)
    )


def _dev0(epoch: int, release: Sequence[int]) -> Version:
    """The smallest version with this release number (its first dev release)."""
    from packaging.version import Version

    return Version(f"{epoch}!{'.'.join(map(str, release))}.dev0")


def bump(release: Sequence[int], index: int) -> tuple[int, ...]:
    """Increment release[index] and zero what follows, keeping the length."""
    return (*release[:index], release[index] + 1, *(0 for _ in release[index + 1 :]))


def _clause(spec: Specifier) -> list[_Interval]:
    """The versions one specifier clause allows, as intervals."""
    from packaging.version import InvalidVersion, Version

    op, text = spec.operator, spec.version
    if op == "===":
        try:
            v = Version(text)
        except InvalidVersion:
            return [_EVERYTHING]  # arbitrary string: cannot reason, assume anything
        return [(v, True, v, True)]
    if text.endswith(".*"):
        prefix = Version(text[:-2])
        lo = _dev0(prefix.epoch, prefix.release)
        hi = _dev0(prefix.epoch, bump(prefix.release, len(prefix.release) - 1))
        if op == "==":
            return [(lo, True, hi, False)]
        return [(None, False, lo, False), (hi, True, None, False)]  # "!="
    v = Version(text)
    if op == "==":
        return [(v, True, v, True)]
    if op == "!=":
        return [(None, False, v, False), (v, False, None, False)]
    if op == ">=":
        return [(v, True, None, False)]
    if op == ">":
        return [(v, False, None, False)]
    if op == "<=":
        return [(None, False, v, True)]
    if op == "<":
        # PEP 440: `<V` excludes V's own pre-releases when V is a final release.
        final = v.pre is None and v.dev is None and v.post is None and v.local is None
        return [(None, False, _dev0(v.epoch, v.release) if final else v, False)]
    if op == "~=":
        hi = _dev0(v.epoch, bump(v.release, len(v.release) - 2))
        return [(v, True, hi, False)]
    return [_EVERYTHING]  # pragma: no cover - packaging knows no other operator


def _meet(a: _Interval, b: _Interval) -> _Interval | None:
    lo, lo_inc = a[0], a[1]
    if b[0] is not None and (lo is None or b[0] > lo or (b[0] == lo and not b[1])):
        lo, lo_inc = b[0], b[1]
    hi, hi_inc = a[2], a[3]
    if b[2] is not None and (hi is None or b[2] < hi or (b[2] == hi and not b[3])):
        hi, hi_inc = b[2], b[3]
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_inc and hi_inc))):
        return None
    return (lo, lo_inc, hi, hi_inc)


def _allowed(spec: SpecifierSet) -> list[_Interval]:
    """The versions `spec` allows, as a union of disjoint-enough intervals."""
    current = [_EVERYTHING]
    for clause in spec:
        pieces = _clause(clause)
        current = [m for a in current for b in pieces if (m := _meet(a, b)) is not None]
    return current


def hull(specs: Iterable[SpecifierSet]) -> SpecifierSet:
    """The narrowest `>=lo,<hi` range containing every version any of `specs` allows."""
    from packaging.specifiers import SpecifierSet

    specs = list(specs)
    intervals = [iv for s in specs for iv in _allowed(s)]
    if not intervals:
        out = SpecifierSet()
        for s in specs:
            out &= s  # all unsatisfiable: keep them so the result stays unsatisfiable
        return out
    lows = [iv for iv in intervals if iv[0] is not None]
    highs = [iv for iv in intervals if iv[2] is not None]
    clauses = []
    if len(lows) == len(intervals):
        lo, exclusive = min((iv[0], not iv[1]) for iv in lows)  # inclusive wins a tie
        clauses.append(f"{'>' if exclusive else '>='}{lo}")
    if len(highs) == len(intervals):
        hi, inc = max((iv[2], iv[3]) for iv in highs)
        if inc:
            clauses.append(f"<={hi}")
        elif hi.dev == 0 and hi.pre is None and hi.post is None and hi.local is None:
            clauses.append(f"<{hi.base_version}")  # `<X` means below X.dev0 (PEP 440)
        else:
            clauses.append(f"<{hi}")
    return SpecifierSet(",".join(clauses))


_RANK = {"===": 0, "==": 0, "~=": 1, ">=": 2, ">": 2, "<=": 3, "<": 3, "!=": 4}


def format_specifier(spec: SpecifierSet) -> str:
    """Lower bounds first, then upper bounds, then exclusions: reads like people write it."""
    return ",".join(str(s) for s in sorted(spec, key=lambda s: _RANK.get(s.operator, 5)))


# The common shapes of a PEP 508 requirement, read without packaging: `name[extras] >=1.2, <2.0`
# with plain release numbers, and a marker of `variable op "value"` items joined by and/or.
# Anything else (pre-releases, URLs, parentheses, `extra ==`, every invalid line) goes to
# packaging; tests/test_requirement_fast_path.py checks that both give the same result.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_CLAUSE = rf"(?:==|!=)[ \t]*{_RELEASE}(?:\.\*)?|(?:<=|>=|<|>)[ \t]*{_RELEASE}|~=[ \t]*[0-9]+(?:\.[0-9]+)+"
_MARKER_VARIABLE = (
    "python_version|python_full_version|os_name|sys_platform|platform_release|platform_system"
    "|platform_version|platform_machine|platform_python_implementation|implementation_name"
    "|implementation_version"
)
# group 1-3: variable, operator, quoted value (printable ASCII, no backslash or inner quote)
_MARKER_ITEM = (rf"({_MARKER_VARIABLE})[ \t]*(==|!=|<=|>=|<|>|~=)[ \t]*"
                r"(\"[ !#-\[\]-~]*\"|'[ -&(-\[\]-~]*')")


@lru_cache(maxsize=1)
def _simple_pep508() -> re.Pattern[str]:
    extras = rf"\[[ \t]*(?:{_NAME}(?:[ \t]*,[ \t]*{_NAME})*)?[ \t]*\][ \t]*"
    marker = rf"{_MARKER_ITEM}(?:[ \t]+(?:and|or)[ \t]+{_MARKER_ITEM})*"
    return re.compile(
        rf"[ \t]*({_NAME})[ \t]*(?:{extras})?((?:{_CLAUSE})(?:[ \t]*,[ \t]*(?:{_CLAUSE}))*)?[ \t]*"
        rf"(?:;[ \t]*({marker})[ \t]*)?"
    )


def simple_requirement(text: str) -> tuple[str, str, str | None] | None:
    """(name, specifier as _format writes it, marker as packaging writes it) of a requirement in
    the common shape; None for any other text."""
    match = _simple_pep508().fullmatch(text)
    if match is None:
        return None
    name, spec, marker = match.group(1), match.group(2), match.group(3)
    if spec:
        clauses = ["".join(c.split()) for c in spec.split(",")]
        spec = ",".join(sorted(clauses, key=lambda c: _RANK[c[:2] if c[1] == "=" else c[0]]))
    if marker:
        parts = []
        for item in re.finditer(rf"{_MARKER_ITEM}|(and|or)", marker):
            if item.group(4):
                parts.append(item.group(4))
            else:
                value = item.group(3)[1:-1]
                quoted = f'"{value}"' if '"' not in value else f"'{value}'"
                parts.append(f"{item.group(1)} {item.group(2)} {quoted}")
        marker = " ".join(parts)
    return name, spec or "", marker or None
