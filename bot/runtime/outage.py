"""Redis going away: every loop logs one line when the trouble starts, waits, and carries on
when Redis is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import ClusterDownError, MasterDownError, RedisError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
AWAY = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterDownError,  # a Cluster primary died and its replica is not promoted yet
    TryAgainError,
    MasterDownError,
    OSError,  # also NotReplicated: written, but not on the replicas yet
    TimeoutError,
)
"""What a Redis that is away, failing over or short of replicas raises: wait and retry."""


class Outage:
    """Logs one line when Redis becomes unreachable and one when it is back."""

    def __init__(self, role: str, meanwhile: str = "retrying") -> None:
        self.role = role
        self.meanwhile = meanwhile
        self.down = False

    def noticed(self, exc: Exception) -> None:
        """Redis failed: say so, once per incident."""
        if not self.down:
            log.error(
                "%s: Redis unreachable (%s); %s", self.role, type(exc).__name__, self.meanwhile
            )
            self.down = True

    async def failed(self, exc: Exception, retry_s: float = 1.0) -> None:
        """Redis failed: say so once, then wait a moment before the caller retries."""
        self.noticed(exc)
        await asyncio.sleep(retry_s)

    def ok(self) -> None:
        if self.down:
            log.warning("%s: Redis is back", self.role)
            self.down = False


async def until_redis_answers(step: Callable[[], Awaitable[object]], role: str) -> None:
    """Run one step, waiting out a Redis that went away (it answered at connection time)."""
    outage = Outage(role)
    while True:
        try:
            await step()
            outage.ok()
            return
        except AWAY as exc:
            await outage.failed(exc)


async def forever(
    role: str, stop: asyncio.Event, once: Callable[[], Awaitable[object]], retry_s: float = 1.0
) -> None:
    outage = Outage(role)
    while not stop.is_set():
        try:
            await once()
            outage.ok()
        except AWAY as exc:
            await outage.failed(exc, retry_s)
        except RedisError as exc:
            log.exception("%s: Redis error %s", role, type(exc).__name__)
            await asyncio.sleep(0.5)
