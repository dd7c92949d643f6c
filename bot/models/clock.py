"""Time as data: the bot's clock, injected wherever "now" matters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware (the default clock)."""
    return datetime.now(UTC)


class MovableClock:
    """The real time plus an offset that can move forward: trials (`CLOCK_OFFSET_S`) and the
    terminal's `/advance` try what happens days later without waiting for it."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, by: timedelta) -> None:
        """Move the clock forward."""
        self.offset += by
