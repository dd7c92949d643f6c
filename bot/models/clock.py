"""Time as data: the bot's clock, injected wherever "now" matters."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware (the default clock)."""
    return datetime.now(UTC)
