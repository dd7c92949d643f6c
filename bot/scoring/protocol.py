"""What every scorer offers the rest of the bot: a name and an async `ascore`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.models.profile import Draft, Transcript


@runtime_checkable
class Scorer(Protocol):
    """Turns a submitted interview into a draft relationship profile."""

    name: str

    async def ascore(self, transcript: Transcript) -> Draft:
        """Score one interview into a draft relationship profile."""
        ...
