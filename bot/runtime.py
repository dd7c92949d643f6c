"""The long-running roles: worker (ingress -> service), scheduler (due jobs -> service) and
sender (outbox -> a transport). One process may run all of them on one event loop, or each
may run in processes of its own; Redis is the only state they share.

Every loop survives Redis going away: it logs one line when the trouble starts, waits, and
carries on when Redis is back. Nothing is acknowledged before it is safely handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot import metrics
from bot.jobs import JobQueue
from bot.keys import partition_of_key
from bot.models import Channel, Inbound, Job, Outbound, Route
from bot.partitions import PartitionLeases
from bot.ratelimit import RateLimiter
from bot.service import Service, TurnLost, failure_notice, job_event
from bot.store import Entry, LockTimeout, Store

log = logging.getLogger(__name__)
Item = TypeVar("Item")


def consumer_name(role: str) -> str:
    """A stable consumer name for this host and role; LLINC_CONSUMER overrides it."""
    return os.environ.get("LLINC_CONSUMER", f"{socket.gethostname()}-{role}")


class Outage:
    """Logs one line when Redis becomes unreachable and one when it is back."""

    def __init__(self, role: str, meanwhile: str = "retrying") -> None:
        self.role = role
        self.meanwhile = meanwhile
        self.down = False

    def noticed(self, exc: Exception) -> None:
        """Redis failed: say so, once per incident."""
        if not self.down:
            log.error("%s: Redis unreachable (%s); %s", self.role, type(exc).__name__,
                      self.meanwhile)  # fmt: skip
            self.down = True

    async def failed(self, exc: Exception, retry_s: float = 1.0) -> None:
        """Redis failed: say so once, then wait a moment before the caller retries."""
        self.noticed(exc)
        await asyncio.sleep(retry_s)

    def ok(self) -> None:
        if self.down:
            log.warning("%s: Redis is back", self.role)
            self.down = False


async def until_redis_answers(step: Callable[[], Awaitable[object]], role: str) -> None:
    """Run one step, waiting out a Redis that went away (it answered at connection time)."""
    outage = Outage(role)
    while True:
        try:
            await step()
            outage.ok()
            return
        except (RedisConnectionError, OSError, TimeoutError) as exc:
            await outage.failed(exc)


async def _forever(role: str, stop: asyncio.Event, once: Callable[[], Awaitable[object]],
                   retry_s: float = 1.0) -> None:  # fmt: skip
    outage = Outage(role)
    while not stop.is_set():
        try:
            await once()
            outage.ok()
        except (RedisConnectionError, OSError, TimeoutError) as exc:
            await outage.failed(exc, retry_s)
        except RedisError as exc:
            log.exception("%s: Redis error %s", role, type(exc).__name__)
            await asyncio.sleep(0.5)


class StreamReader(Generic[Item]):
    """Reads a batch from a group of streams (this consumer's pending entries first, after a
    start, a take-over or a failure), only from leased partitions when there are leases, and
    handles the entries of each key (a user, a chat) in order, keys in parallel.

    Pending entries are re-read whenever something may have left some behind: a handler that
    stopped early, a take-over, or a read that failed (Redis may have delivered the batch, and
    put it on this consumer's pending list, before the connection broke). A request made while
    a pending read is under way is kept for the next read, not cleared by it.
    """

    role = "reader"
    store: Store
    consumer: str
    leases: PartitionLeases | None
    _pending_wanted: int = 1  # requests to re-read the pending entries (1: at start)
    _pending_read: int = 0  # the requests the last empty pending read has answered
    _batch_was_pending: bool = False  # the batch being handled came from the pending list

    @property
    def pending_first(self) -> bool:
        """Whether the next read is of this consumer's pending entries."""
        return self._pending_wanted > self._pending_read

    def reread_pending(self) -> None:
        """Read this consumer's pending entries again before new ones."""
        self._pending_wanted += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Handle batches until `stop` is set."""
        await _forever(self.role, stop, self.once)

    async def once(self, block_ms: int | None = 1000) -> int:
        """Read and handle one batch; returns how many entries it had. New entries come from
        the leased partitions only; pending ones from every partition (see bot.partitions)."""
        wanted = self._pending_wanted
        pending = self.pending_first
        only = self.leases.owned if self.leases and not pending else None
        if only is not None and not only:
            await asyncio.sleep(min(block_ms or 0, 1000) / 1000)
            return 0
        try:
            batch = await self.read(block_ms, pending, only)
        except BaseException:
            self.reread_pending()
            raise
        if pending and not batch:
            self._pending_read = wanted
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
        partition this reader surely owns; otherwise only while the entry is still on its
        pending list. Elsewhere a new owner may have taken it over; and an entry re-read from
        the pending list, e.g. just taken over, may still be in the hands of the worker that
        gave the partition up, which acknowledges it when done."""
        if self.leases is None:
            return True
        if not self._batch_was_pending and self.leases.holds(partition_of_key(entry.stream)):
            return True
        return await self.store.is_pending(entry, self.consumer)

    async def handle(self, items: list[tuple[Entry, Item]]) -> None:
        raise NotImplementedError


class Worker(StreamReader[Inbound]):
    """Takes events from the ingress streams and applies them, one user at a time, in order."""

    def __init__(
        self,
        store: Store,
        service: Service,
        consumer: str | None = None,
        leases: PartitionLeases | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.consumer = consumer or consumer_name("worker")
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
                await self.service.handle(event, ack=entry)
            except (LockTimeout, TurnLost, RedisError, OSError) as exc:
                log.warning("event %s left for a retry: %s", event.event_id, type(exc).__name__)
                self.reread_pending()
                return
            except Exception:
                log.exception("event %s failed; dropped", event.event_id)
                metrics.ERRORS.inc()
                await self.store.ack(entry)


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

        await _forever("scheduler", stop, tick)

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
            await self.service.handle(job_event(job))
        except (LockTimeout, TurnLost, RedisError, OSError) as exc:
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
        notice = failure_notice(self.service.job_handlers, job, now)
        try:
            outcome = await self.jobs.failed(job, error, int(now.timestamp() * 1000), notice)
        except (RedisError, OSError) as redis_exc:
            log.warning("job %s: failure not recorded (%s); retried after its lease", job.id,
                        type(redis_exc).__name__)  # fmt: skip
            return
        if outcome == "parked":
            metrics.JOBS_PARKED.inc()
            log.error("job %s (%s) failed twice with %s: parked, not retried; see `llinc jobs "
                      "failed`", job.id, job.name, error)  # fmt: skip


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
        consumer: str | None = None,
        leases: PartitionLeases | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.limiter = limiter
        self.channel = channel
        self.consumer = consumer or consumer_name("sender")
        self.leases = leases
        self._sent: set[tuple[str, str]] = set()  # sent, not acknowledged yet: (stream, id)
        self._redis_failed = False  # in this batch: stop sending

    role = "sender"

    async def read(
        self, block_ms: int | None, pending: bool, only: set[int] | None
    ) -> list[tuple[Entry, Outbound]]:
        """New or pending replies of this channel."""
        self._redis_failed = False
        return await self.store.read_outbox(
            self.consumer, self.channel, block_ms=block_ms, pending=pending, only=only
        )

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
        payload = json.loads(message.text)
        await self.forward(
            Inbound(
                event_id=f"int:{payload['id']}",
                channel=self.channel,
                user_id=message.chat_id,
                chat_id=message.chat_id,
                kind="internal",
                data=message.text,
            )
        )

    async def typing(self, chat: int) -> None:
        """Nothing to show."""


async def run_until_quiet(relay: Sender, scheduler: Scheduler, sender: Sender) -> None:
    """Relay internal events, run due jobs and send replies until nothing is left (terminal)."""
    while True:
        pending = relay.pending_first or sender.pending_first
        moved = await relay.once(block_ms=None) + await scheduler.once()
        moved += await sender.once(block_ms=None)
        if not moved and not pending:
            return


class LeaseKeeper:
    """Keeps a worker's partition leases; takes over what a dead worker left pending."""

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
        await _forever("leases", stop, tick, retry_s=min(1.0, interval_s / 4))
        await self.leases.release_all()

    async def once(self) -> None:
        """One refresh; readers first re-read their pending entries after a take-over."""
        taken = await self.leases.refresh()
        if not taken:
            return
        moved = await self.leases.take_over(self._streams(taken))
        if moved:
            log.info("took over %d pending entries", moved)
        for reader in self.readers:
            reader.reread_pending()

    def _streams(self, partitions: set[int]) -> list[str]:
        """The ingress and outbox streams of these partitions that the readers read."""
        streams = []
        for part in self.store.partition_keys():
            if part.partition in partitions:
                streams.append(part.ingress)
                streams += [self.store.outbox_key(part, r.channel) for r in self.readers
                            if isinstance(r, Sender)]  # fmt: skip
        return streams
