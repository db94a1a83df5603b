"""PTM206 hardcoded-hub-token: a Hugging Face access token in the source; only its masked form is shown (check only)."""

from __future__ import annotations

from collections.abc import Iterable

from ..check.context import Context, Hit
from ..core import FileScan

SCOPE = "file"


def check(scan: FileScan, ctx: Context) -> Iterable[Hit]:
    for secret in scan.secrets:
        yield Hit(f"a Hugging Face access token ({secret.masked}) is hard-coded in the source: anyone who "
                  f"can read the code can use it; revoke it and read it from the HF_TOKEN environment "
                  f"variable instead", span=secret.span, cell=secret.cell)
