"""Telegram's flood limits: about 30 messages a second for the bot as a whole and about one a
second per chat, with a short burst allowed. `wait` blocks until both windows have room;
nothing is ever dropped.

The bot-wide window is shared by every sender process through Redis (`limits`, moving window).
The senders that wait at the same moment ask for their permits together: one Redis call for all
of them, not one per message. The permits of a batch are then handed out evenly spaced (1/25 s
apart at 25/s), not all at once: Telegram counts messages as they arrive, and a burst sent at
once arrives bunched. Spacing also keeps few messages in flight at any moment, and so few to
repeat after a crash (a message sent but not yet acknowledged is sent again).

The per-chat window is kept in this process: a chat's replies are sent by exactly one sender at
a time (the owner of its partition, see `bot.partitions`), so no other process sends to that
chat meanwhile. A new owner after a take-over starts that window empty, which allows at most
one extra burst to a chat. It is a few lines of our own (`ChatWindows`): `limits`' asyncio
memory storage sweeps every key, through a thread, on every hit, which cost 5 % of a turn with
400 chats and grows with them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from limits import RateLimitItem, parse
from limits.aio.storage import RedisClusterStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import RedisCluster

from bot.storage.autopipe import fail_waiters
from bot.storage.connection import AnyRedis
from bot.storage.keys import LIMITS_PREFIX

MIN_SPACING_S = 0.002  # a limit so high that its permits would come closer is not spaced


def _storage(redis: AnyRedis) -> RedisStorage:
    """The shared window's storage on the bot's Redis: its connection pool, or on a Cluster
    the same nodes (the window is one key: one slot)."""
    if isinstance(redis, RedisCluster):
        nodes = ",".join(f"{node.host}:{node.port}" for node in redis.get_nodes())
        return RedisClusterStorage(
            f"async+redis+cluster://{nodes}", implementation="redispy", key_prefix=LIMITS_PREFIX
        )
    return RedisStorage(
        "async+redis://localhost:6379",  # unused: the connection pool is passed
        implementation="redispy",
        connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        key_prefix=LIMITS_PREFIX,
    )


class RateLimiter:
    """Waits for room in the bot-wide and the per-chat window."""

    def __init__(self, redis: AnyRedis, global_rate: str, chat_rate: str) -> None:
        storage = _storage(redis)
        self._shared = MovingWindowRateLimiter(storage)
        self._chats = ChatWindows(parse(chat_rate))  # e.g. "3 per 3 seconds"
        self._global: RateLimitItem = parse(global_rate)  # e.g. "25/second"
        self._waiting: list[asyncio.Future[None]] = []
        self._granting: asyncio.Task[None] | None = None
        self.shared_calls = 0
        spacing = self._global.get_expiry() / self._global.amount
        self._spacing = spacing if spacing >= MIN_SPACING_S else 0.0
        self._next_at = 0.0  # monotonic time the next permit may be handed out

    async def wait(self, chat_id: int) -> None:
        """Return when one more message to `chat_id` fits both limits (and count it)."""
        while (delay := self._chats.delay(chat_id, time.monotonic())) > 0:
            await asyncio.sleep(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if self._granting is None or self._granting.done():
            self._granting = asyncio.create_task(self._grant())
        await future
        self._chats.stamp(chat_id, time.monotonic())  # counted when it goes, not when it asked

    async def _grant(self) -> None:
        """Hand out bot-wide permits to everyone waiting, with as few Redis calls as can be."""
        try:
            await asyncio.sleep(0)  # let the senders of this moment join the queue
            while self._waiting:
                granted, retry_in = await self._take(len(self._waiting))
                batch, self._waiting = self._waiting[:granted], self._waiting[granted:]
                for future in batch:
                    await self._spaced()
                    if not future.done():
                        future.set_result(None)
                if granted == 0:
                    await asyncio.sleep(retry_in)
        except BaseException as exc:  # Redis failed (or we are stopping): tell every waiter
            waiting, self._waiting = self._waiting, []
            fail_waiters(waiting, exc)
            if not isinstance(exc, Exception):
                raise

    async def _spaced(self) -> None:
        """Wait until the next permit may go: `spacing` after the one before."""
        now = time.monotonic()
        if now < self._next_at:
            await asyncio.sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + self._spacing

    async def _take(self, wanted: int) -> tuple[int, float]:
        """Count up to `wanted` messages in the bot-wide window: how many fit now, and, when
        none does, how long until the window has room again."""
        self.shared_calls += 1
        if await self._shared.hit(self._global, "bot", cost=wanted):
            return wanted, 0.0
        stats = await self._shared.get_window_stats(self._global, "bot")
        room = min(stats.remaining, wanted)
        if room > 0 and await self._shared.hit(self._global, "bot", cost=room):
            return room, 0.0
        return 0, _until(stats.reset_time)


def _until(reset_time: float) -> float:
    """Seconds until a window's oldest message leaves it (a little at least, a second at most)."""
    return min(max(reset_time - time.time(), 0.005), 1.0)


class ChatWindows:
    """At most `amount` messages per `seconds` to each chat (a moving window), in memory.
    Memory stays small: every thousand messages, chats whose window is empty are dropped."""

    SWEEP_EVERY = 1000

    def __init__(self, item: RateLimitItem) -> None:
        self.amount = item.amount
        self.seconds = float(item.get_expiry())
        self._sent: dict[int, deque[float]] = {}
        self._calls = 0

    def delay(self, chat_id: int, now: float) -> float:
        """0.0 when one more message fits now (and count it); else the wait until it does."""
        self._calls += 1
        if self._calls % self.SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._sent.setdefault(chat_id, deque())
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if len(times) < self.amount:
            times.append(now)
            return 0.0
        return max(times[0] + self.seconds - now, 0.001)

    def stamp(self, chat_id: int, now: float) -> None:
        """Count the chat's newest message at `now`, when it was really let go (after the
        bot-wide wait), so that the window holds the times messages left."""
        times = self._sent.get(chat_id)
        if times:
            times[-1] = now

    def __len__(self) -> int:
        return len(self._sent)

    def _sweep(self, now: float) -> None:
        idle = [
            chat
            for chat, times in self._sent.items()
            if not times or times[-1] <= now - self.seconds
        ]
        for chat in idle:
            del self._sent[chat]
