"""Long polling as durable ingress: an update is confirmed to Telegram only after it is in Redis.

Telegram forgets updates below the `offset` of the next getUpdates call. This loop moves the
offset on only after the batch is on the ingress streams, so a crash before that simply gets
the same updates again (and the worker's idempotency makes the repeat harmless).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.exceptions import RedisError
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.updates import ALLOWED_UPDATES, JSONDict, callback_id, to_inbound
from bot.errors import NotAnUpdate
from bot.runtime import metrics
from bot.runtime.outage import Outage
from bot.storage.store import Store

log = logging.getLogger(__name__)


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB gives an int or a timedelta)."""
    value = exc.retry_after
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


class PollingIngress:
    """getUpdates -> ingress streams, confirming each batch only once it is stored."""

    def __init__(self, bot: Bot, store: Store, timeout_s: int = 25) -> None:
        self.bot = bot
        self.store = store
        self.timeout_s = timeout_s
        self.offset: int | None = None
        self.received = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set."""
        while not stop.is_set():
            await self.once()

    async def once(self) -> int:
        """Fetch one batch and store it; returns the number of updates fetched."""
        try:
            updates = await self._get_updates(self.timeout_s, allowed_updates=ALLOWED_UPDATES)
        except RetryAfter as exc:
            await asyncio.sleep(retry_seconds(exc))
            return 0
        except NetworkError as exc:
            log.warning("getUpdates failed: %s", type(exc).__name__)
            await asyncio.sleep(1.0)
            return 0
        if not updates:
            return 0
        events = []
        for update in updates:
            try:
                if (event := to_inbound(update)) is not None:
                    events.append(event)
            except NotAnUpdate:
                log.warning("ignored an update the bot cannot read")
        outage = Outage("ingress")
        while True:
            try:
                await self.store.enqueue(events)
                outage.ok()
                break
            except (RedisError, OSError) as exc:
                await outage.failed(exc)
        self.offset = int(updates[-1]["update_id"]) + 1
        metrics.UPDATES_IN.inc(len(updates))
        self.received += len(updates)
        callbacks = [c for u in updates if (c := callback_id(u)) is not None]
        if callbacks:
            await asyncio.gather(
                *(self.bot.answer_callback_query(c) for c in callbacks), return_exceptions=True
            )
        return len(updates)

    async def confirm(self, within_s: float = 2.0) -> None:
        """Tell Telegram that everything stored so far was received (on a clean shutdown).

        Best effort: an unconfirmed batch is simply delivered again on the next start, and
        the worker's idempotency makes the repeat harmless.
        """
        if self.offset is not None:
            try:
                await asyncio.wait_for(self._get_updates(0, limit=1), within_s)
            except (TelegramError, TimeoutError) as exc:
                log.warning("could not confirm the last updates: %s", type(exc).__name__)

    async def _get_updates(self, timeout: int, **params: Any) -> list[JSONDict]:
        """getUpdates from the current offset, as the Bot API's JSON (no PTB objects)."""
        updates: list[JSONDict] = await self.bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": self.offset, "timeout": timeout, **params},
            read_timeout=timeout + 10,
        )
        return updates
