"""`python -m ptm_lint`: the same as the ptm-lint command."""

import os
import sys

# `python -m` puts the current directory first on sys.path. ptm-lint usually runs inside the
# repository it scans, and a `yaml.py` or `argparse.py` there must never be imported instead of
# the real module: the scanned code is data, not code (like `python -P`, PYTHONSAFEPATH).
if not getattr(sys.flags, "safe_path", False) and sys.path and (
    os.path.abspath(sys.path[0] or os.curdir) == os.path.abspath(os.curdir)
):
    del sys.path[0]

from .command import main  # noqa: E402 - after the sys.path fix on purpose

sys.exit(main())
