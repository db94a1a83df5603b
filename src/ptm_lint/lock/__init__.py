"""The model lock, `ptm-lint.lock`: records and TOML (lockfile), building (build), code vs lock (check),
re-hashing (verify), moving entries with a changelog (upgrade), and the commands (commands)."""
