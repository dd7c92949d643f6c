"""The worker: takes events from the ingress streams and applies them, one user at a time."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from bot.errors import TurnLost
from bot.models.events import Inbound
from bot.runtime import metrics
from bot.runtime.streams import StreamReader
from bot.service import Service
from bot.storage.partitions import PartitionLeases
from bot.storage.store import Entry, Store

log = logging.getLogger(__name__)


class Worker(StreamReader[Inbound]):
    """Takes events from the ingress streams and applies them, one user at a time, in order."""

    def __init__(
        self,
        store: Store,
        service: Service,
        consumer: str,
        leases: PartitionLeases | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.consumer = consumer
        self.leases = leases

    role = "worker"

    async def read(
        self, block_ms: int | None, pending: bool, only: set[int] | None
    ) -> list[tuple[Entry, Inbound]]:
        """New or pending incoming events."""
        return await self.store.read_ingress(
            self.consumer, block_ms=block_ms, pending=pending, only=only
        )

    def key(self, entry: Entry, item: Inbound) -> int:
        """One user's events in order."""
        return entry.user_id

    async def handle(self, items: list[tuple[Entry, Inbound]]) -> None:
        """Apply one user's events in order; stop at the first that must be retried."""
        for entry, event in items:
            try:
                if not await self.still_mine(entry):
                    continue
                started = time.perf_counter()
                await self.service.handle(event, ack=entry)
                metrics.turn_done(started)
            except (TurnLost, RedisError, OSError) as exc:
                log.warning("event %s left for a retry: %s", event.event_id, type(exc).__name__)
                self.reread_pending()
                return
            except Exception:
                log.exception("event %s failed; dropped", event.event_id)
                metrics.ERRORS.inc()
                await self.store.ack(entry)
