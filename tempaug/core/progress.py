"""Progress of long work: a bar with rate and ETA on a terminal, a plain log line every few seconds otherwise.

Example:
    >>> import io
    >>> from tempaug.core.progress import Progress
    >>> out = io.StringIO()
    >>> bar = Progress(total=10, unit="samples", stream=out, interactive=False, every=0.0)
    >>> bar.update(4)
    >>> "4/10 samples" in out.getvalue()
    True
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_bytes", "format_duration"]


def format_duration(seconds: float) -> str:
    """``H:MM:SS`` (or ``M:SS`` under an hour).

    Example:
        >>> from tempaug.core.progress import format_duration
        >>> format_duration(75), format_duration(3725)
        ('1:15', '1:02:05')
    """
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_bytes(count: float) -> str:
    """A byte count with a binary unit.

    Example:
        >>> from tempaug.core.progress import format_bytes
        >>> format_bytes(512), format_bytes(3 * 2**20)
        ('512 B', '3.0 MiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class Progress:
    """Count work done against a total and show it.

    Args:
        total: work expected (a best guess is fine; the bar stops at 100%).
        unit: what is counted, e.g. ``"samples"``.
        stream: where to write; stderr by default.
        interactive: redraw one line in place; default: whether ``stream`` is a terminal.
        every: seconds between plain log lines when not interactive.
        enabled: False shows nothing (``--quiet``).
        done: work already done before this run (a resumed build), counted but not in the rate.
    """

    def __init__(
        self,
        total: int,
        unit: str = "samples",
        stream: TextIO | None = None,
        interactive: bool | None = None,
        every: float = 10.0,
        enabled: bool = True,
        done: int = 0,
    ) -> None:
        self.total, self.unit, self.enabled, self.every = max(total, 0), unit, enabled, every
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.start_count = self.count = done
        self.postfix = ""
        self.start = time.perf_counter()
        self._last = -float("inf") if self.interactive else self.start

    @property
    def rate(self) -> float:
        """Units per second since the start of this run."""
        elapsed = time.perf_counter() - self.start
        return (self.count - self.start_count) / elapsed if elapsed > 0 else 0.0

    def text(self) -> str:
        """The current status: done/total, rate and ETA.

        Example:
            >>> from tempaug.core.progress import Progress
            >>> Progress(total=0).text().startswith("0/0 samples")
            True
        """
        rate = self.rate
        left = max(self.total - self.count, 0)
        eta = format_duration(left / rate) if rate > 0 else "?"
        extra = f", {self.postfix}" if self.postfix else ""
        return f"{self.count}/{self.total} {self.unit}, {rate:.1f} {self.unit}/s, ETA {eta}{extra}"

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        """Add ``n`` units and redraw (a terminal) or log (elsewhere, at most every ``every`` seconds).

        ``postfix`` (e.g. the current loss) is shown after the rate and ETA until replaced.
        """
        self.count += n
        if postfix is not None:
            self.postfix = postfix
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.interactive:
            if now - self._last >= 0.1:
                self._last = now
                frac = min(self.count / self.total, 1.0) if self.total else 1.0
                filled = int(frac * 30)
                bar = "#" * filled + "." * (30 - filled)
                self.stream.write(f"\r[{bar}] {frac:4.0%} {self.text()}  ")
                self.stream.flush()
        elif now - self._last >= self.every:
            self._last = now
            self.stream.write(self.text() + "\n")
            self.stream.flush()

    def log(self, message: str) -> None:
        """Write a message on its own line (clearing the bar first on a terminal)."""
        if not self.enabled:
            return
        if self.interactive:
            self.stream.write("\r\033[K")
        self.stream.write(message + "\n")
        self.stream.flush()
        self._last = -float("inf") if self.interactive else self._last

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.enabled and self.interactive:
            self.stream.write("\n")
            self.stream.flush()
