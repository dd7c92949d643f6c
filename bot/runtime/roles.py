"""The roles of a process put together: a worker's loops, running them until a signal, and
the terminal's drain until nothing is left."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from bot.runtime.app import App
from bot.runtime.leases import LeaseKeeper
from bot.runtime.outage import until_redis_answers
from bot.runtime.scheduler import Scheduler
from bot.runtime.sender import Relay, Sender, Transport
from bot.runtime.worker import Worker
from bot.storage.partitions import PartitionLeases

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 3.0
Role = Coroutine[Any, Any, None]


async def worker_roles(
    app: App, transport: Transport, stop: asyncio.Event, leases: PartitionLeases
) -> list[Role]:
    """Apply updates, send replies, relay internal events and run due jobs of the leased
    partitions, and keep the leases. The leases are taken before this returns, so the first
    updates are read at once (not a lease-keeper tick later)."""
    store, name = app.store, leases.consumer
    worker = Worker(store, app.service, name, leases)
    sender = Sender(store, transport, app.limiter(), consumer=name, leases=leases)
    relay = Sender(
        store,
        Relay(store.enqueue_one, "telegram"),
        channel="internal",
        consumer=name,
        leases=leases,
    )
    keeper = LeaseKeeper(leases, store, [worker, sender, relay])
    await until_redis_answers(keeper.once, "start-up")
    return [
        worker.run(stop),
        sender.run(stop),
        relay.run(stop),
        Scheduler(store, app.service, app.jobs).run(stop),
        keeper.run(stop, app.settings.lease_ms / 3000),
    ]


async def run_until_stopped(roles: list[Role], stop: asyncio.Event) -> None:
    """Run the roles until `stop` is set (SIGINT/SIGTERM), then give them a moment to finish."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(role) for role in roles]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("a role stopped: %r", task.exception())
    if tasks:
        await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def run_until_quiet(relay: Sender, scheduler: Scheduler, sender: Sender) -> None:
    """Relay internal events, run due jobs and send replies until nothing is left (terminal)."""
    while True:
        pending = relay.pending_first or sender.pending_first
        moved = await relay.once(block_ms=None) + await scheduler.once()
        moved += await sender.once(block_ms=None)
        if not moved and not pending:
            return
