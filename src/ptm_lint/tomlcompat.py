"""TOML parsing on every supported Python: the standard library's tomllib from 3.11, tomli before.

The one place that knows about the fallback. Import it where TOML is read, not at module level of
a module every run loads: most runs parse no TOML (the rule data comes from a JSON snapshot).
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError, load, loads
else:  # pragma: no cover - exercised on Python 3.10 (CI runs the suite there too)
    from tomli import TOMLDecodeError, load, loads

__all__ = ["TOMLDecodeError", "load", "loads"]
