"""Graph stage: the project's model dependency graph (networkx) and the project-level rules (PTM5xx).

networkx is imported lazily by `graph.build` / `graph.export` only, so `check` runs never load it.
"""
