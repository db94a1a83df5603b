"""Graph stage: the project's model dependency graph (networkx) and the identity and lineage helpers
the project-level rules share (graph.keys).

networkx is imported lazily by `graph.build` / `graph.export` only, so `check` runs never load it.
"""
