"""Check stage: the engine that runs the rules (one module each in ptm_lint.checks, paired with
rules/checks/*.toml by check.registry) over the references and files."""
