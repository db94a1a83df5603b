"""setup.cfg declarations: `[metadata]` name and version, `install_requires` and extras (setuptools'
declarative configuration; `file:` lists are read as pip requirements files)."""

from __future__ import annotations

import re
from pathlib import Path

from ptm_lint import fsaccess
from ptm_lint.discover.manifests import COMMENT, Collector, first_line, read_requirements, short


def _cfg_list(value: str) -> list[str]:
    # setuptools' list-semi: one entry per line, or `;`-separated on a single line.
    items = value.splitlines() if "\n" in value else value.split(";")
    items = [re.sub(COMMENT, "", item).strip() for item in items]
    return [item for item in items if item]


def read_setup_cfg(c: Collector, path: Path) -> dict[str, tuple[str, str | None]]:
    rel = c.rel(path)
    text = c.read_text(path, rel)
    if text is None:
        return {}
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.Error as exc:
        lineno = getattr(exc, "lineno", None)
        c.error(rel, f"invalid setup.cfg: {first_line(exc)}", lineno)
        return {}
    lines = text.splitlines()
    found: dict[str, tuple[str, str | None]] = {}
    name = parser.get("metadata", "name", fallback=None)
    version = parser.get("metadata", "version", fallback=None)
    if version and version.strip().startswith(("attr:", "file:")):
        version = None  # resolving these would mean importing or reading project code
    if name:
        found["setup.cfg"] = (name.strip(), version.strip() if version else None)

    def section_start(section: str) -> int:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]", re.IGNORECASE)
        return next((i for i, t in enumerate(lines) if pattern.match(t)), 0)

    def read_list(value: str, section: str, group: str | None) -> None:
        if value.strip().startswith("file:"):
            for fname in value.strip()[len("file:") :].split(","):
                target = path.parent / fname.strip()
                if fsaccess.isfile(target):
                    read_requirements(c, target, constraint=False, group=group)
                else:
                    c.error(rel, f"[{section}] file {short(fname.strip())} not found", None, "io")
            return
        start = section_start(section)
        for item in _cfg_list(value):
            line = next((i + 1 for i in range(start, len(lines)) if item in lines[i]), None)
            c.add_pep508(item, rel, line, group)

    install = parser.get("options", "install_requires", fallback=None)
    if install:
        read_list(install, "options", None)
    if parser.has_section("options.extras_require"):
        for group, value in parser.items("options.extras_require", raw=True):
            read_list(value, "options.extras_require", group)
    return found
