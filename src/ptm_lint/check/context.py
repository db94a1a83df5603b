"""What a rule sees and what it says: the check Context and the Hit a check yields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog
from ..core import Fix, Reference, Span

if TYPE_CHECKING:
    from ..discover.project import Project
    from ..hub.model import ModelMeta


@dataclass(frozen=True, slots=True)
class Hit:
    """One violation found by a rule; the engine adds location, rule metadata and suppression."""

    message: str
    level: str | None = None  # overrides the rule's default level
    fix: Fix | None = None
    span: Span | None = None  # overrides the reference's span (file-scope rules always give one)
    cell: int | None = None  # file-scope rules: the notebook cell of `span`
    # Structured facts for the rule's own fixer (e.g. which deprecated argument fired): fixers read
    # these, never the message text.
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What the rules may consult beyond the reference: the project, the catalog, every reference, hub metadata."""

    project: Project | None
    catalog: Catalog
    references: tuple[Reference, ...] = ()
    # Hub metadata keyed by (hub, canonical, revision); None when the run has none (offline).
    metadata: Mapping[tuple[str, str, str | None], ModelMeta] | None = None

    def declared(self, package: str):
        return self.project.specifier(package) if self.project is not None else None

    def meta(self, ref: Reference) -> ModelMeta | None:
        """The hub metadata of the (repo, revision) `ref` loads, or None (no metadata: rules stay silent)."""
        from ..graph.keys import meta_for

        return meta_for(ref, self.metadata)
