"""Keeping a worker's partition leases; a partition taken over is read from its start."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime.outage import forever
from bot.runtime.sender import Sender
from bot.runtime.worker import Worker
from bot.storage.partitions import PartitionLeases
from bot.storage.store import Store

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Keeps a worker's partition leases; what a dead worker left undone in a partition it
    takes over is read again: the readers read their streams from the start."""

    def __init__(self, leases: PartitionLeases, store: Store, readers: list[Worker | Sender]):
        self.leases = leases
        self.store = store
        self.readers = readers

    async def run(self, stop: asyncio.Event, interval_s: float = 5.0) -> None:
        """Refresh the leases every few seconds until `stop`; give them back at the end."""

        async def tick() -> None:
            await self.once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

        # Back soon after Redis is: a lease not renewed in time passes to another worker,
        # with the replies this one has sent but could not acknowledge (sent again then).
        await forever("leases", stop, tick, retry_s=min(1.0, interval_s / 4))
        await self.leases.release_all()

    async def once(self) -> None:
        """One refresh; after a take-over the readers read their streams from the start."""
        keep = {p for r in self.readers if isinstance(r, Sender) for p in r.unacknowledged()}
        taken = await self.leases.refresh(keep)
        if not taken:
            return
        for reader in self.readers:
            reader.reread_pending()
            reader.wake()
