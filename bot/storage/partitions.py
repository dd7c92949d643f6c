"""Which worker handles which partitions: leases in Redis, shared out fairly, taken over when a
worker dies.

One teacher's updates must be applied one at a time, in order. Every user belongs to one
partition and every partition to one worker at a time (a lease: `SET NX PX`, renewed while the
worker lives), so a teacher's updates are read by one consumer only. Live workers announce
themselves in a sorted set; each takes at most its fair share (partitions / live workers,
rounded up) and gives back what is above it, so a new worker gets work within a few seconds.
A new owner reads the partition's streams from their start: what the previous owner left
undone is still there (an entry is deleted only in the step that finishes it), so nothing a
dead worker held is lost; the per-user lock and the seen set make a repeat harmless.

A worker that comes back under the same consumer name (a restart) takes its own leases back at
once instead of waiting for them to run out, so consumer names must be unique (LLINC_CONSUMER).

A worker counts a partition as surely its own only while the lease it last renewed cannot have
run out (`holds`, on its own clock, with a margin). Past that, another worker may have taken the
partition over, with the entries this one is still handling: a reader then first asks Redis
whether the lease is still its own and the entry still in its stream (`Store.still_queued`)
before it sends or applies it; if not, it leaves the entry to the new owner, which reads the
partition from its start. A reader reads only the partitions it holds.
"""

from __future__ import annotations

import itertools
import logging
import math
import time

from bot.storage.connection import AnyRedis
from bot.storage.keys import WORKERS, PartitionKeys

log = logging.getLogger(__name__)
LEASE_MS = 15_000

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_TAKE = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class PartitionLeases:
    """The partitions this worker owns right now; `refresh` keeps them up to date."""

    def __init__(
        self, redis: AnyRedis, partitions: int, consumer: str, lease_ms: int = LEASE_MS
    ) -> None:
        self.redis = redis
        self.lease_ms = lease_ms
        self.parts = [PartitionKeys(p) for p in range(partitions)]
        self.consumer = consumer
        self.owned: set[int] = set()
        self._sure_until: dict[int, float] = {}  # monotonic time the lease surely lasts to
        self._takes = itertools.count(1)
        self._taken: dict[int, int] = {}  # partition -> the number of its take (newer: higher)
        self._renew = redis.register_script(_RENEW)
        self._take = redis.register_script(_TAKE)
        self._release = redis.register_script(_RELEASE)

    async def refresh(self, keep: set[int] | None = None) -> set[int]:
        """Announce this worker, renew its leases, give back extras (never one in `keep`: it
        has replies sent but not yet acknowledged), take free partitions up to the fair share
        (a lease still in this consumer's name, left by a restart, counts as free); returns the
        partitions newly taken (their streams need reading from the start)."""
        keep = keep or set()
        now_ms = int(time.time() * 1000)
        await self.redis.zadd(WORKERS, {self.consumer: now_ms + self.lease_ms})
        await self.redis.zremrangebyscore(WORKERS, "-inf", now_ms)
        live = max(1, int(await self.redis.zcard(WORKERS)))
        share = math.ceil(len(self.parts) / live)
        for number in sorted(self.owned):
            asked = time.monotonic()
            if await self._renew(
                keys=[self.parts[number].lease], args=[self.consumer, self.lease_ms]
            ):
                self._sure(number, asked)
            else:
                self._drop(number)
        while len(self.owned) > share and self.owned - keep:  # the newest first: they go
            # back to where they were
            number = max(self.owned - keep, key=lambda n: (self._taken.get(n, 0), n))
            self._drop(number)  # first: no new read of it starts meanwhile
            await self._release(keys=[self.parts[number].lease], args=[self.consumer])
        taken: set[int] = set()
        for part in self.parts:
            if len(self.owned) >= share:
                break
            if part.partition in self.owned:
                continue
            asked = time.monotonic()
            if await self._take(keys=[part.lease], args=[self.consumer, self.lease_ms]):
                self.owned.add(part.partition)
                self._taken[part.partition] = next(self._takes)
                self._sure(part.partition, asked)
                taken.add(part.partition)
        if taken:
            log.info(
                "%s took partitions %s (owns %d of %d)",
                self.consumer,
                sorted(taken),
                len(self.owned),
                len(self.parts),
            )
        return taken

    def holds(self, number: int) -> bool:
        """Whether this worker surely owns the partition right now: its lease, renewed when
        this worker last asked, cannot have run out yet (a tenth of it kept as margin for the
        clocks of this machine and of Redis)."""
        return time.monotonic() < self._sure_until.get(number, 0.0)

    def _sure(self, number: int, asked: float) -> None:
        self._sure_until[number] = asked + self.lease_ms * 0.9 / 1000

    def _drop(self, number: int) -> None:
        self.owned.discard(number)
        self._sure_until.pop(number, None)

    async def release_all(self) -> None:
        """Give every lease back (on a clean shutdown) so others take over at once."""
        for number in list(self.owned):
            self._drop(number)
            await self._release(keys=[self.parts[number].lease], args=[self.consumer])
        await self.redis.zrem(WORKERS, self.consumer)
