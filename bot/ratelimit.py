"""Telegram's flood limits, shared by every sender process through Redis (`limits`).

About 30 messages a second for the bot as a whole and about one a second per chat, with a
short burst allowed. `wait` blocks until both windows have room; nothing is ever dropped.
"""

from __future__ import annotations

import asyncio

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from bot.keys import PREFIX

GLOBAL_RATE = "30/second"
CHAT_RATE = "3 per 3 seconds"


class RateLimiter:
    """Waits for room in the bot-wide and the per-chat window."""

    def __init__(self, redis: Redis, global_rate: str = GLOBAL_RATE, chat_rate: str = CHAT_RATE):
        storage = RedisStorage(
            "async+redis://localhost:6379",  # unused: the connection pool is passed
            implementation="redispy",
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            key_prefix=f"{PREFIX}:global:limits",
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._global: RateLimitItem = parse(global_rate)
        self._chat: RateLimitItem = parse(chat_rate)

    async def wait(self, chat_id: int) -> None:
        """Return when one more message to `chat_id` fits both limits (and count it)."""
        delay = 0.02
        while not await self._limiter.hit(self._chat, "chat", str(chat_id)):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
        delay = 0.01
        while not await self._limiter.hit(self._global, "bot"):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
