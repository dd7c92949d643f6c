"""Transports for tests of the sender: they note what they were asked to send."""

from __future__ import annotations

from bot.models.events import Outbound


class Recording:
    """Notes the text of every message it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def deliver(self, message: Outbound) -> None:
        self.sent.append(message.text)

    async def typing(self, chat: int) -> None:
        return None
