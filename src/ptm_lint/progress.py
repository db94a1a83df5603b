"""A one-line progress bar on stderr for long scans: only on a terminal, gone when the scan ends."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

MIN_FILES = 200  # below this a scan is over before a bar would help
_INTERVAL = 0.1  # seconds between two redraws


class Progress:
    """Counts files done; draws `scanning [#####.....] 1234/2214 files` and erases it on close().

    Never used when stderr is not a terminal (CI logs, pre-commit, redirected output), so it can
    never end up in machine-readable output, which goes to stdout or a file anyway.
    """

    def __init__(self, total: int, stream: TextIO, *, label: str = "scanning", unit: str = "files",
                 divisor: int = 1) -> None:
        self.label, self.unit, self.divisor = label, unit, max(divisor, 1)  # e.g. bytes shown as MB
        self.total = total
        self.done = 0
        self.stream = stream
        self._last = 0.0
        self._shown = False

    @classmethod
    def maybe(cls, total: int, *, enabled: bool, stream: TextIO | None = None, min_total: int = MIN_FILES,
              label: str = "scanning", unit: str = "files", divisor: int = 1) -> Progress | None:
        stream = stream or sys.stderr
        if not enabled or total < min_total or os.environ.get("TERM") == "dumb":
            return None
        try:
            if not stream.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        return cls(total, stream, label=label, unit=unit, divisor=divisor)

    def __call__(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        now = time.monotonic()
        if now - self._last >= _INTERVAL or self.done == self.total:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        line = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done // self.divisor}/{self.total // self.divisor} {self.unit}")
        try:
            self.stream.write("\r" + line)
            self.stream.flush()
            self._shown = True
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if not self._shown:
            return
        try:
            self.stream.write("\r\x1b[2K")  # back to the start of the line, erase it
            self.stream.flush()
        except (OSError, ValueError):
            pass
        self._shown = False
