"""The scheduler: due jobs become events for their users."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback

from redis.exceptions import RedisError

from bot.errors import TurnLost
from bot.models.events import Inbound
from bot.models.jobs import Job
from bot.runtime import metrics
from bot.runtime.outage import forever
from bot.service import Service
from bot.storage.jobqueue import JobQueue
from bot.storage.store import Store

log = logging.getLogger(__name__)


JOBS_AT_ONCE = 4


class Scheduler:
    """Turns due jobs into events for their users.

    The jobs of one claim run a few at a time (a slow one, e.g. an LLM call, does not hold up
    the others). A job that meets a busy user lock, a lost lock or a Redis outage is handed back
    as soon as Redis answers again, instead of waiting out its lease; a job whose handler
    failed waits for its lease and is tried again then.
    """

    def __init__(self, store: Store, service: Service, jobs: JobQueue) -> None:
        self.store = store
        self.service = service
        self.jobs = jobs
        self._to_release: list[Job] = []

    async def run(self, stop: asyncio.Event, interval_s: float = 1.0) -> None:
        """Poll for due jobs until `stop` is set."""

        async def tick() -> None:
            await self.once()
            await asyncio.sleep(interval_s)

        await forever("scheduler", stop, tick)

    async def once(self) -> int:
        """Claim and run the jobs due now; returns how many ran."""
        if self._to_release:
            await self.jobs.release(self._to_release)
            self._to_release = []
        now_ms = int(self.service.clock().timestamp() * 1000)
        due = await self.jobs.claim_due(now_ms)
        room = asyncio.Semaphore(JOBS_AT_ONCE)

        async def run(job: Job) -> bool:
            async with room:
                return await self._run(job)

        outcomes = await asyncio.gather(*(run(job) for job in due))
        retry = [job for job, done in zip(due, outcomes, strict=True) if not done]
        if retry:
            log.warning("%d due jobs left for a retry", len(retry))
            self._to_release = retry
        return len(due) - len(retry)

    async def _run(self, job: Job) -> bool:
        """Run one job; False when it should be handed back for a retry soon."""
        try:
            started = time.perf_counter()
            await self.service.handle(Inbound.for_job(job))
            metrics.turn_done(started)
        except (TurnLost, RedisError, OSError) as exc:
            log.info("job %s not run now: %s", job.name, type(exc).__name__)
            return False
        except Exception as exc:
            metrics.ERRORS.inc()
            await self._failed(job, exc)
        return True

    async def _failed(self, job: Job, exc: Exception) -> None:
        """A job's handler raised: log where (the exception's type and traceback, never its
        message, which may quote a user's text), then retry it in a minute, or park it when it
        failed the same way before, telling its user in the same atomic step."""
        error = type(exc).__name__
        where = "".join(traceback.format_tb(exc.__traceback__))
        log.error("job %s (%s) failed with %s at:\n%s", job.id, job.name, error, where.rstrip())
        now = self.service.clock()
        notice = self.service.jobs.failure_notice(job, now)
        try:
            outcome = await self.jobs.failed(job, error, int(now.timestamp() * 1000), notice)
        except (RedisError, OSError) as redis_exc:
            log.warning(
                "job %s: failure not recorded (%s); retried after its lease",
                job.id,
                type(redis_exc).__name__,
            )
            return
        if outcome == "parked":
            metrics.JOBS_PARKED.inc()
            log.error(
                "job %s (%s) failed twice with %s: parked, not retried; see `llinc jobs failed`",
                job.id,
                job.name,
                error,
            )
