"""Reading a set of Redis streams in batches, one key at a time; what is not done yet is read
again from the start after a start, a take-over or a failure."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from typing import Generic, TypeVar

from bot.runtime.outage import forever
from bot.storage.keys import partition_of_key
from bot.storage.partitions import PartitionLeases
from bot.storage.store import Entry, Store

Item = TypeVar("Item")
RESCAN_S = 10.0
"""A reader reads its streams from the start again at least this often: a safety net for an
entry it passed over (e.g. one added on a new primary after a failover with an id below the
place it had read up to, should that failover not have broken a read)."""


class StreamReader(Generic[Item]):
    """Reads a batch from a set of streams, only from leased partitions when there are leases,
    and handles the entries of each key (a user, a chat) in order, keys in parallel.

    A stream holds what is not done yet (`bot.storage.store`): the reader reads on from where
    it was, and reads its streams from the start again ("pending", the name from the time of
    consumer groups) whenever something may have left an entry behind: a start, a handler
    that stopped early, a take-over, a read that failed, and every `RESCAN_S` at least. A
    request made while such a read is under way is kept for the next read, not cleared by it.
    """

    role = "reader"
    store: Store
    consumer: str
    leases: PartitionLeases | None
    _pending_wanted: int = 1  # requests to re-read the pending entries (1: at start)
    _pending_read: int = 0  # the requests the last empty pending read has answered
    _batch_was_pending: bool = False  # the batch being handled came from a read from the start
    _read_from_start_at: float = 0.0  # monotonic time of the last read from the start
    _leases_arrived: asyncio.Event | None = None  # set by `wake` (the lease keeper took some)

    @property
    def pending_first(self) -> bool:
        """Whether the next read is of this consumer's pending entries."""
        return self._pending_wanted > self._pending_read

    def reread_pending(self) -> None:
        """Read this consumer's pending entries again before new ones."""
        self._pending_wanted += 1

    def wake(self) -> None:
        """Partitions arrived (the lease keeper took some): a reader that owned none and is
        waiting for them reads at once, not when its wait runs out."""
        self._arrivals().set()

    def _arrivals(self) -> asyncio.Event:
        if self._leases_arrived is None:
            self._leases_arrived = asyncio.Event()
        return self._leases_arrived

    async def run(self, stop: asyncio.Event) -> None:
        """Handle batches until `stop` is set."""
        await forever(self.role, stop, self.once)

    async def once(self, block_ms: int | None = 1000) -> int:
        """Read and handle one batch; returns how many entries it had. Only from the leased
        partitions, when there are leases (see bot.storage.partitions)."""
        if time.monotonic() - self._read_from_start_at > RESCAN_S:
            self.reread_pending()
        wanted = self._pending_wanted
        pending = self.pending_first
        only = self.leases.owned if self.leases else None
        if only is not None and not only:  # no partition yet: wait until some arrive
            arrived = self._arrivals()
            arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), (block_ms or 0) / 1000)
            return 0
        try:
            batch = await self.read(block_ms, pending, only)
        except BaseException:
            self.reread_pending()
            raise
        if pending:  # every entry not done yet was read (or is after the ones read)
            self._pending_read = wanted
            self._read_from_start_at = time.monotonic()
        self._batch_was_pending = pending
        groups: dict[int, list[tuple[Entry, Item]]] = defaultdict(list)
        for entry, item in batch:
            groups[self.key(entry, item)].append((entry, item))
        try:  # every group finishes (or stops) before the next read
            outcomes = await asyncio.gather(
                *(self.handle(items) for items in groups.values()), return_exceptions=True
            )
        except BaseException:
            self.reread_pending()
            raise
        failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failed:
            self.reread_pending()  # what the batch did not finish stays pending: re-read it
            raise failed[0]
        return len(batch)

    async def read(
        self, block_ms: int | None, pending: bool, only: set[int] | None
    ) -> list[tuple[Entry, Item]]:
        raise NotImplementedError

    def key(self, entry: Entry, item: Item) -> int:
        raise NotImplementedError

    async def still_mine(self, entry: Entry) -> bool:
        """Whether this reader should still handle the entry: yes when it was read new in a
        partition this reader surely owns; otherwise only while the partition's lease is still
        its own and the entry is still in its stream. Else a new owner may have taken it over;
        and an entry read again from the start, e.g. just after a take-over, may still be in
        the hands of the worker that gave the partition up, which deletes it when done."""
        if self.leases is None:
            return True
        if not self._batch_was_pending and self.leases.holds(partition_of_key(entry.stream)):
            return True
        return await self.store.still_queued(entry, self.consumer)

    async def handle(self, items: list[tuple[Entry, Item]]) -> None:
        raise NotImplementedError
