"""What a rule's fixer sees (FixContext) and returns (Proposal), and the helpers fixers share.

Safe fixes (applied by `--fix`) cannot change what the code does except by removing the risk the
rule describes; unsafe fixes (`--unsafe-fixes`) may (ruff's model). A fixer sees the original unit
(usually just the finding's call; the whole file or notebook cell when it asks for more) and returns
the unit's new text through `unit.replace` / `unit.add_comment`; the fix engine turns that into
text edits. Rule modules import this inside their `fix` function: it imports libcst.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from ..catalog import Loader
from ..core import Finding, Reference
from .cst_tools import StringSite, Unit, find_arg, string_source
from .pins import Pin

SAFE, UNSAFE = "safe", "unsafe"
# Ids resolved this way are fixed values; others (a parameter default, argparse, env) can differ at run time.
FIXED_RESOLUTIONS = frozenset({"literal", "constant", "fstring", "import"})


@dataclass(frozen=True)
class Proposal:
    text: str
    applicability: str
    description: str


@dataclass
class FixContext:
    unit: Unit
    call: cst.Call
    ref: Reference
    finding: Finding
    loader: Loader | None
    pin: Callable[[Reference, str | None], Pin | None]
    declared: Callable[[str], object] = lambda package: None  # the project's specifier for a package
    hints: list[str] = field(default_factory=list)  # appended to the finding's message


def model_site(fx: FixContext) -> StringSite | None:
    """The string literal the model id comes from (at the call, or the constant it names)."""
    if fx.loader is None or fx.loader.model_from_callee:
        return None
    found = find_arg(fx.call, fx.loader.model)
    if found is None:
        return None
    return string_source(fx.unit, found[1].value)


def via(site: StringSite) -> str:
    return f" (in {site.via})" if site.via else ""


def pin_source(pin: Pin) -> str:
    return f"{pin.resolved!r} in the {pin.source}" if pin.offline else f"{pin.resolved!r} on the {pin.source}"
