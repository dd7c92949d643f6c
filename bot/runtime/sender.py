"""Sending: the outbox streams to a transport (Telegram, the terminal), within the shared rate
limits; and the relay that hands internal events to the user they are for."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.exceptions import RedisError

from bot.models.events import Channel, Inbound, Outbound, Route
from bot.runtime import metrics
from bot.runtime.streams import StreamReader
from bot.storage.keys import partition_of_key
from bot.storage.partitions import PartitionLeases
from bot.storage.ratelimit import RateLimiter
from bot.storage.store import Entry, Store

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Delivers one message to a chat (Telegram, the terminal, a test double)."""

    async def deliver(self, message: Outbound) -> None: ...

    async def typing(self, chat: int) -> None: ...


class Sender(StreamReader[Outbound]):
    """Sends queued replies in order per chat, within the shared rate limits."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        limiter: RateLimiter | None = None,
        channel: Route = "telegram",
        *,
        consumer: str,
        leases: PartitionLeases | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.limiter = limiter
        self.channel = channel
        self.consumer = consumer
        self.leases = leases
        self._sent: set[tuple[str, str]] = set()  # sent, not acknowledged yet: (stream, id)
        self._redis_failed = False  # in this batch: stop sending

    role = "sender"

    async def read(
        self, block_ms: int | None, pending: bool, only: set[int] | None
    ) -> list[tuple[Entry, Outbound]]:
        """New or pending replies of this channel."""
        self._redis_failed = False
        batch = await self.store.read_outbox(
            self.consumer, self.channel, block_ms=block_ms, pending=pending, only=only
        )
        if pending and self._sent:  # forget what is gone from its stream (its ack got through)
            got = {(entry.stream, entry.entry_id) for entry, _ in batch}
            for stream, entry_id in self._sent - got:
                if not await self.store.still_queued(Entry(stream, entry_id, 0)):
                    self._sent.discard((stream, entry_id))
        return batch

    def unacknowledged(self) -> set[int]:
        """The partitions of replies sent but not acknowledged yet (Redis was away): kept,
        not given to another worker, which would send them again."""
        return {partition_of_key(stream) for stream, _ in self._sent}

    def key(self, entry: Entry, item: Outbound) -> int:
        """One chat's messages in order."""
        return item.chat_id

    async def handle(self, items: list[tuple[Entry, Outbound]]) -> None:
        """Send one chat's messages in order, within the rate limits. A message sent whose
        acknowledgement failed (Redis away) is remembered and only acknowledged next time,
        not sent again."""
        if len(items) > 1:
            await self.transport.typing(items[0][1].chat_id)
        for entry, message in items:
            sent = (entry.stream, entry.entry_id)
            try:
                if sent not in self._sent:
                    if self.limiter is not None:
                        await self.limiter.wait(message.chat_id)
                    if self._redis_failed or not await self.still_mine(entry):
                        continue
                    await self.transport.deliver(message)
                    self._sent.add(sent)
                await self.store.ack(entry)
                self._sent.discard(sent)
            except (RedisError, OSError):
                # Redis is away: the other chats of the batch stop sending too (what cannot
                # be acknowledged would be sent again by a worker that dies meanwhile); the
                # rest of the batch stays pending and is read again.
                self._redis_failed = True
                raise
            except Exception:
                log.exception("sending to chat %s failed; will retry", message.chat_id)
                metrics.ERRORS.inc()
                self.reread_pending()
                return


class Relay:
    """Delivers internal events (route 'internal' in an outbox) to the addressed user.

    A coach's turn may need to change a teacher's data, or the other way round. The turn
    writes an internal event to its own outbox in the same atomic step as its state; this
    relay hands it on to the other user (their ingress stream, or straight to the service in
    the terminal). At least once, and exactly once in effect: the receiving turn's event id is
    stable (`int:<origin event>:<n>`), so a repeat is a duplicate.
    """

    def __init__(self, forward: Callable[[Inbound], Awaitable[object]], channel: Channel) -> None:
        self.forward = forward
        self.channel = channel

    async def deliver(self, message: Outbound) -> None:
        """Turn one internal message into an event for its addressee."""
        if message.internal is None:
            return
        await self.forward(
            Inbound(
                event_id=f"int:{message.internal.id}",
                channel=self.channel,
                user_id=message.chat_id,
                chat_id=message.chat_id,
                kind="internal",
                internal=message.internal,
            )
        )

    async def typing(self, chat: int) -> None:
        """Nothing to show."""
