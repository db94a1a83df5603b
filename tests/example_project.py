"""Write a small example project (pyproject.toml, optional requirements.txt, sources) for tests."""

from __future__ import annotations

from pathlib import Path


def write_example_project(root: Path, files: dict[str, str], requirements: str | None = None) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "example"\nversion = "0"\n')
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements + "\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
