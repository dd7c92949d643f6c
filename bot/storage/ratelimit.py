"""Telegram's flood limits: about 30 messages a second for the bot as a whole and about one a
second per chat, with a short burst allowed. `wait` blocks until both windows have room;
nothing is ever dropped.

The bot-wide limit is shared by every sender process through Redis, as a schedule in one key
(GCRA, the generic cell rate algorithm): the key holds the moment from which the next permit
is free, and a permit is one interval (1/25 s at 25/s) of that schedule. Taking permits moves
the moment on; so no two permits of all the senders together come closer than an interval,
and no window of the limit's length holds more than the limit. A sender takes permits at most
one such window ahead. The senders of one process that wait at the same moment ask for their
permits together: one Redis call for all of them, not one per message, writing one short
value (`SET`, about 70 bytes of AOF; a moving window of `limits` wrote a list entry and its
expiry, about 220). The permits of a batch are handed out at their places in the schedule,
evenly spaced, not all at once: Telegram counts messages as they arrive, and a burst sent at
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

from bot.storage.autopipe import fail_waiters
from bot.storage.connection import AnyRedis
from bot.storage.keys import SEND_SCHEDULE

MIN_SPACING_S = 0.002  # a limit so high that its permits would come closer is not spaced

# KEYS: the schedule. ARGV: permits wanted, interval (ms), how far ahead one may take (ms).
# Returns {granted, ms from now to the first one, ms until asking again when none}; the times
# as text (a Lua number returned to Redis is cut to an integer). Redis' own clock: every
# sender measures with the same one. A schedule far ahead of now (a clock that jumped, a
# limit made higher) starts again from now.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, ahead = tonumber(ARGV[2]), tonumber(ARGV[3])
local free = tonumber(redis.call('GET', KEYS[1]) or '') or now
if free < now or free > now + 2 * ahead then free = now end
local room = math.max(math.ceil((now + ahead - free) / interval), 0)
local granted = math.min(tonumber(ARGV[1]), room)
if granted == 0 then return {0, '0', tostring(free - now - ahead + interval)} end
redis.call('SET', KEYS[1], string.format('%.3f', free + granted * interval))
return {granted, tostring(free - now), '0'}
"""


class RateLimiter:
    """Waits for room in the bot-wide schedule and the per-chat window."""

    def __init__(self, redis: AnyRedis, global_rate: str, chat_rate: str) -> None:
        self._schedule = redis.register_script(_TAKE)
        self._chats = ChatWindows(parse(chat_rate))  # e.g. "3 per 3 seconds"
        self._global: RateLimitItem = parse(global_rate)  # e.g. "25/second"
        self._waiting: list[asyncio.Future[None]] = []
        self._granting: asyncio.Task[None] | None = None
        self.shared_calls = 0
        spacing = self._global.get_expiry() / self._global.amount
        self._interval_ms = spacing * 1000
        self._ahead_ms = self._global.get_expiry() * 1000
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
                granted, start_in, retry_in = await self._take(len(self._waiting))
                if granted and self._spacing and start_in >= MIN_SPACING_S:
                    self._next_at = max(self._next_at, time.monotonic() + start_in)
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

    async def _take(self, wanted: int) -> tuple[int, float, float]:
        """Take up to `wanted` permits of the bot-wide schedule: how many, in how many seconds
        the first of them is due, and, when none was free, how long until one is."""
        self.shared_calls += 1
        granted, start_ms, retry_ms = await self._schedule(
            keys=[SEND_SCHEDULE], args=[wanted, repr(self._interval_ms), repr(self._ahead_ms)]
        )
        retry_in = min(max(float(retry_ms) / 1000, 0.005), 1.0)
        return int(granted), max(float(start_ms) / 1000, 0.0), retry_in


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
