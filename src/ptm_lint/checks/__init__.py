"""The rules: one module per rule (ptmNNN.py) holding its check and its fix; prose, metadata and
examples live in rules/checks/PTMNNN.toml. check/registry.py pairs the two."""
