"""Partition leases and the entries not done yet against a real Redis: nothing a worker read is
left behind, whether the read broke off, the worker died or it lost the partition meanwhile;
and what a new owner has taken over is not sent twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.config import Settings
from bot.models.events import Inbound, Outbound
from bot.runtime.leases import LeaseKeeper
from bot.runtime.sender import Sender
from bot.runtime.worker import Worker
from bot.storage.partitions import PartitionLeases
from bot.storage.store import Store
from bot.wiring import build_service
from tests.support.transports import Recording

USER = 5


def start_event(user_id: int = USER, update: int = 1) -> Inbound:
    return Inbound(
        event_id=f"tg:{update}",
        channel="telegram",
        user_id=user_id,
        chat_id=user_id,
        kind="command",
        command="start",
    )


async def queue_reply(store: Store, text: str) -> str:
    """A turn of USER that queues one reply; returns the outbox stream it is on."""
    opened = await store.begin(USER, "tg:1")
    assert opened is not None
    message = Outbound(channel="telegram", chat_id=USER, text=text)
    await store.commit(opened, None, now_ms=0, outbox=[message])
    return store.user_keys(USER).part.outbox_for("telegram")


async def left_in(store: Store, stream: str) -> list[str]:
    """The ids of a stream's entries: what nobody has finished yet."""
    return [entry_id.decode() for entry_id, _ in await store.redis.xrange(stream)]


def unsure(leases: PartitionLeases) -> PartitionLeases:
    """Leases renewed too long ago to be sure of: the reader asks Redis before it acts."""
    leases.holds = lambda number: False  # type: ignore[method-assign]
    return leases


async def test_a_batch_whose_read_broke_off_is_read_again(store: Store, settings: Settings) -> None:
    """Redis delivered the batch (the worker's place moved past it) but the connection broke
    before the reply arrived: the worker must read its streams from the start again."""
    worker = Worker(store, build_service(store, settings), "w1")
    real = store.read_ingress
    broken = []

    async def break_off_once(consumer: str, **options: object) -> list[object]:
        batch = await real(consumer, **options)  # type: ignore[arg-type]
        if batch and not broken:
            broken.append(batch)
            raise RedisConnectionError("Connection closed by server.")
        return batch

    store.read_ingress = break_off_once  # type: ignore[assignment,method-assign]
    await store.enqueue([start_event()])
    errors = 0
    for _ in range(4):  # from the start (breaks off), from the start again, new, new
        try:
            await worker.once(block_ms=None)
        except RedisConnectionError:
            errors += 1
    assert (errors, len(broken)) == (1, 1)
    assert await store.load(USER) is not None
    assert await store.read_ingress("w1", block_ms=None, pending=True) == []


async def test_a_reread_asked_during_a_pending_read_is_not_lost(
    store: Store, settings: Settings
) -> None:
    worker = Worker(store, build_service(store, settings), "w1")
    real = store.read_ingress

    async def take_over_meanwhile(consumer: str, **options: object) -> list[object]:
        batch = await real(consumer, **options)  # type: ignore[arg-type]
        worker.reread_pending()  # a take-over just now: its streams are to be read again
        return batch

    store.read_ingress = take_over_meanwhile  # type: ignore[assignment,method-assign]
    assert worker.pending_first
    await worker.once(block_ms=None)  # the pending read at start: empty
    assert worker.pending_first, "the take-over's request was cleared by the older read"


async def test_a_restarted_worker_takes_its_own_leases_back_at_once(store: Store) -> None:
    first = PartitionLeases(store.redis, 4, "w-a", lease_ms=10_000)
    assert await first.refresh() == {0, 1, 2, 3}
    again = PartitionLeases(store.redis, 4, "w-a", lease_ms=10_000)  # the same name, restarted
    assert await again.refresh() == {0, 1, 2, 3}
    other = PartitionLeases(store.redis, 4, "w-b", lease_ms=10_000)
    assert await other.refresh() == set()  # held by w-a until w-a gives its extras back
    assert await again.refresh() == set()
    assert again.owned == {0, 1}
    assert await other.refresh() == {2, 3}
    for number in range(4):
        owner = await store.redis.get(store.partition_keys()[number].lease)
        assert owner == (b"w-a" if number < 2 else b"w-b")


async def test_a_lease_counts_as_sure_only_while_it_cannot_have_run_out(store: Store) -> None:
    leases = PartitionLeases(store.redis, 4, "w-a", lease_ms=300)
    await leases.refresh()
    assert all(leases.holds(number) for number in range(4))
    await asyncio.sleep(0.3)
    assert leases.owned == {0, 1, 2, 3} and not any(leases.holds(n) for n in range(4))
    await leases.refresh()  # renewed (or taken again: nobody else wanted them)
    assert all(leases.holds(number) for number in range(4))


async def test_an_entry_of_a_partition_another_worker_has_taken_over_is_left_to_it(
    store: Store, settings: Settings
) -> None:
    """w-a still reads a partition whose lease it can no longer be sure of, and w-b has taken
    it over meanwhile: w-a leaves the event in the stream; w-b, which reads the partition from
    its start, applies it."""
    stream = store.user_keys(USER).part.ingress
    theirs = PartitionLeases(store.redis, settings.partitions, "w-b", lease_ms=10_000)
    await theirs.refresh()
    await store.enqueue([start_event()])
    mine = unsure(PartitionLeases(store.redis, settings.partitions, "w-a", lease_ms=10_000))
    mine.owned = set(range(settings.partitions))
    late = Worker(store, build_service(store, settings), "w-a", mine)
    assert await late.once(block_ms=None) == 1
    assert await store.load(USER) is None
    assert len(await left_in(store, stream)) == 1
    owner = Worker(store, build_service(store, settings), "w-b", theirs)
    assert await owner.once(block_ms=None) == 1
    assert await store.load(USER) is not None
    assert await left_in(store, stream) == []


async def test_a_sender_does_not_send_what_a_new_owner_has_taken_over(store: Store) -> None:
    """The sender's lease is no longer sure (Redis was away) and meanwhile another worker has
    taken the partition over, with the message: only the new owner sends it."""
    stream = await queue_reply(store, "hallo")
    theirs = PartitionLeases(store.redis, 4, "s-b", lease_ms=10_000)
    await theirs.refresh()
    leases = unsure(PartitionLeases(store.redis, 4, "s-a", lease_ms=10_000))
    leases.owned = {0, 1, 2, 3}  # it reads all of them, but renewed them too long ago
    transport = Recording()
    sender = Sender(store, transport, consumer="s-a", leases=leases)
    assert await sender.once(block_ms=None) == 1
    assert transport.sent == []
    assert len(await left_in(store, stream)) == 1
    new_owner = Sender(store, transport, consumer="s-b", leases=theirs)
    assert await new_owner.once(block_ms=None) == 1
    assert transport.sent == ["hallo"]
    assert await left_in(store, stream) == []


async def test_a_sender_sends_what_is_still_its_own(store: Store) -> None:
    """The same, but nobody took the partition over: the sender sends the message although
    its lease is no longer sure."""
    await queue_reply(store, "hallo")
    leases = PartitionLeases(store.redis, 4, "s-a", lease_ms=10_000)
    await leases.refresh()
    transport = Recording()
    sender = Sender(store, transport, consumer="s-a", leases=unsure(leases))
    for _ in range(2):
        await sender.once(block_ms=None)
    assert transport.sent == ["hallo"]


async def test_a_dead_workers_entries_are_taken_over(store: Store, settings: Settings) -> None:
    dead = PartitionLeases(store.redis, settings.partitions, "w-dead", lease_ms=1000)
    await dead.refresh()
    stream = store.user_keys(USER).part.ingress
    await store.enqueue([start_event()])  # read by w-dead, which died before its commit
    leases = PartitionLeases(store.redis, settings.partitions, "w-a", lease_ms=10_000)
    worker = Worker(store, build_service(store, settings), "w-a", leases)
    keeper = LeaseKeeper(leases, store, [worker])
    await keeper.once()
    assert leases.owned == set()  # the dead worker's leases have not run out yet
    await asyncio.sleep(1.1)
    await keeper.once()
    assert leases.owned == set(range(settings.partitions))
    assert len(await left_in(store, stream)) == 1
    for _ in range(2):
        await worker.once(block_ms=None)
    assert await store.load(USER) is not None
    assert await left_in(store, stream) == []


async def test_a_taken_over_reply_the_old_owner_has_just_sent_is_not_sent_again(
    store: Store,
) -> None:
    """A new owner takes a partition over while the worker that gave it up is sending one of
    its replies. The new owner reads it (the partition from its start) and waits for a
    permit; meanwhile the old owner's send goes through and it deletes the reply: the new
    owner must not send it again, although the partition is surely its own."""
    stream = await queue_reply(store, "hallo")
    [entry_id] = await left_in(store, stream)
    leases = PartitionLeases(store.redis, 4, "s-new", lease_ms=10_000)
    assert await leases.refresh() == {0, 1, 2, 3}

    class OldOwnerAcksMeanwhile:
        async def wait(self, chat_id: int) -> None:
            await store.redis.xdel(stream, entry_id)

    transport = Recording()
    limiter: Any = OldOwnerAcksMeanwhile()
    sender = Sender(store, transport, limiter, consumer="s-new", leases=leases)
    assert await sender.once(block_ms=None) == 1  # from the start: a take-over
    assert transport.sent == []


async def test_partitions_taken_over_go_back_first_when_a_worker_returns(store: Store) -> None:
    """w-b's partitions went to w-a while w-b was away; when w-b is back, w-a gives back what
    it took last (w-b's), not its own, so fewer partitions change hands."""
    b_leases = PartitionLeases(store.redis, 4, "w-b", lease_ms=300)
    assert await b_leases.refresh() == {0, 1, 2, 3}
    a_leases = PartitionLeases(store.redis, 4, "w-a", lease_ms=10_000)
    await a_leases.refresh()
    await b_leases.refresh()  # w-b gives back its extras: 2 and 3 go to w-a
    assert await a_leases.refresh() == {2, 3}
    await asyncio.sleep(0.35)  # w-b is away: its leases and its announcement run out
    assert await a_leases.refresh() == {0, 1}
    back = PartitionLeases(store.redis, 4, "w-b-new", lease_ms=10_000)
    await back.refresh()  # announces itself; all taken
    await a_leases.refresh()
    assert a_leases.owned == {2, 3}
    assert await back.refresh() == {0, 1}


async def test_a_partition_with_a_reply_sent_but_not_acknowledged_is_not_given_back(
    store: Store,
) -> None:
    """Redis failed (or lacked its replicas) when the sender acknowledged a reply it had sent:
    while that acknowledgement is owed, a new worker's fair share does not take the partition
    (its sender would send the reply again)."""
    user = 7  # partition 3: the newest taken, the first given back
    opened = await store.begin(user, "tg:1")
    assert opened is not None
    message = Outbound(channel="telegram", chat_id=user, text="hello")
    await store.commit(opened, None, now_ms=0, outbox=[message])
    stream = store.user_keys(user).part.outbox_for("telegram")
    mine = PartitionLeases(store.redis, 4, "s-a", lease_ms=10_000)
    await mine.refresh()
    assert mine.owned == {0, 1, 2, 3}
    sender = Sender(store, Recording(), consumer="s-a", leases=mine)
    real_ack = store.ack

    async def ack_fails(entry: Any) -> None:
        raise RedisConnectionError("Connection refused")

    store.ack = ack_fails  # type: ignore[method-assign]
    with pytest.raises(RedisConnectionError):  # sent; its acknowledgement failed
        await sender.once(block_ms=None)
    owed = store.user_keys(user).part.partition
    assert owed == 3 and sender.unacknowledged() == {owed}
    keeper = LeaseKeeper(mine, store, [sender])
    other = PartitionLeases(store.redis, 4, "s-b", lease_ms=10_000)
    await other.refresh()  # announces a second worker: the fair share is now 2
    await keeper.once()
    assert owed in mine.owned and len(mine.owned) == 2
    store.ack = real_ack  # type: ignore[method-assign]
    await sender.once(block_ms=None)  # acknowledged now, not sent again
    assert sender.unacknowledged() == set()
    assert await left_in(store, stream) == []
    assert sender.transport.sent == ["hello"]  # type: ignore[attr-defined]


async def test_a_worker_holds_its_leases_before_its_first_read(
    redis: Any, store: Store, settings: Settings
) -> None:
    """Issue 14.15: the worker's loops start with their partitions already leased, so the first
    update after a start is read at once (not after a second's wait for a lease)."""
    from bot.models.clock import MovableClock
    from bot.runtime.app import App
    from bot.runtime.roles import worker_roles
    from bot.storage.jobqueue import JobQueue

    clock = MovableClock()
    jobs = JobQueue(redis, store.codec, settings.partitions)
    app = App(settings, redis, store, build_service(store, settings, clock), jobs, clock)
    leases = app.leases()
    roles = await worker_roles(app, Recording(), asyncio.Event(), leases)
    try:
        assert leases.owned == set(range(settings.partitions))
    finally:
        for role in roles:
            role.close()  # never started: this test only looks at what happened before


async def test_a_reader_waiting_for_partitions_is_woken_when_they_arrive(
    store: Store, settings: Settings
) -> None:
    """A worker that owns no partition yet (another's lease has not run out) waits for them;
    the lease keeper wakes it when it takes them, so it does not sleep its wait out."""
    other = PartitionLeases(store.redis, settings.partitions, "w-other", lease_ms=10_000)
    await other.refresh()
    leases = PartitionLeases(store.redis, settings.partitions, "w-a", lease_ms=10_000)
    worker = Worker(store, build_service(store, settings), "w-a", leases)
    keeper = LeaseKeeper(leases, store, [worker])
    await keeper.once()
    await worker.once(block_ms=None)  # its (empty) pending list
    assert leases.owned == set()  # all still w-other's
    waiting = asyncio.create_task(worker.once(block_ms=600_000))  # would wait ten minutes
    await asyncio.sleep(0)
    assert not waiting.done()
    await other.release_all()
    await keeper.once()
    assert leases.owned == set(range(settings.partitions))
    for _ in range(20):  # a few turns of the event loop, no clock: woken by the keeper
        await asyncio.sleep(0)
    assert waiting.done() and waiting.result() == 0
    await store.enqueue([start_event()])
    read = [await worker.once(block_ms=None) for _ in range(2)]  # from the start, then new
    assert read == [1, 0]
