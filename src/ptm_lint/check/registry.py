"""The rule registry: each rules/checks/<ID>.toml paired with its module ptm_lint.checks.<id>.

A rule is one unit: its TOML (prose, metadata, examples) and one module holding its check and, if
it has one, its fix. The module declares:

- `SCOPE`: what the check looks at: "reference" (`check(ref, ctx) -> Iterable[Hit]`, one model
  reference), "project" (`check(references, ctx) -> Iterable[(index, Hit)]`, every reference at
  once) or "file" (`check(scan, ctx) -> Iterable[Hit]`, one scanned file; each Hit has a span);
- `check`: the function above;
- `fix` (optional): `fix(fx: fix.proposal.FixContext) -> Proposal | None`, a CST rewrite of the
  finding's call (libcst is imported inside it, so checking never pays for it);
- `pin_revision` (optional, with `fix`): when the fix is only a pin, the revision the pin starts
  from (`None`: the default branch; `""`: nothing to pin for this shape of call), so the engine
  can skip parsing when no pin is known.

The engines, the CLI and the reporters reach rules only through this module: none names a rule id.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..ruledata import CatalogError

SCOPES = ("reference", "project", "file")


@dataclass(frozen=True)
class RuleImpl:
    """The logic of one rule, as its module declares it."""

    id: str
    scope: str
    check: Callable[..., Iterable[Any]]
    fix: Callable[..., Any] | None = None
    pin_revision: Callable[..., str | None] | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None


def module_name(rule_id: str) -> str:
    """The module that implements a rule: PTM101 -> ptm_lint.checks.ptm101."""
    return f"{__package__.rpartition('.')[0]}.checks.{rule_id.lower()}"


@functools.lru_cache(maxsize=None)
def implementation(rule_id: str) -> RuleImpl:
    """The rule's check (and fix), imported on first use; CatalogError if the module is missing or malformed."""
    name = module_name(rule_id)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise CatalogError(f"rule {rule_id} has no implementation: expected the module {name}") from None
    scope = getattr(module, "SCOPE", None)
    check = getattr(module, "check", None)
    fix = getattr(module, "fix", None)
    pin_revision = getattr(module, "pin_revision", None)
    if scope not in SCOPES:
        raise CatalogError(f"{name}: SCOPE must be one of {SCOPES}, not {scope!r}")
    if not callable(check) or (fix is not None and not callable(fix)) \
            or (pin_revision is not None and not callable(pin_revision)):
        raise CatalogError(f"{name}: check (and fix, pin_revision where given) must be functions")
    if pin_revision is not None and fix is None:
        raise CatalogError(f"{name}: pin_revision without a fix")
    return RuleImpl(rule_id, scope, check, fix, pin_revision)


def fixable(rule_id: str) -> bool:
    """Whether the rule has a fix (imports the rule's module, not libcst)."""
    try:
        return implementation(rule_id).fixable
    except CatalogError:
        return False
