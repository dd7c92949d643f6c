"""What a running process is made of, as the composition root (`bot.wiring`) built it: the
channels ask this for their parts and never build any themselves."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.models.clock import MovableClock
from bot.service import Service
from bot.storage.connection import AnyRedis
from bot.storage.jobqueue import JobQueue
from bot.storage.partitions import PartitionLeases
from bot.storage.ratelimit import RateLimiter
from bot.storage.store import Store


@dataclass(frozen=True)
class App:
    """The parts every role of a process shares."""

    settings: Settings
    redis: AnyRedis
    store: Store
    service: Service
    jobs: JobQueue
    clock: MovableClock

    def leases(self, role: str = "worker") -> PartitionLeases:
        """This process's partition leases. Even the only worker holds them: they are how it
        takes over what an earlier process under another name (a new container) left
        pending."""
        settings = self.settings
        return PartitionLeases(
            self.redis, settings.partitions, settings.consumer(role), settings.lease_ms
        )

    def limiter(self) -> RateLimiter:
        """The send limits shared by every worker of the bot (through Redis)."""
        return RateLimiter(self.redis, self.settings.send_rate_bot, self.settings.send_rate_chat)
