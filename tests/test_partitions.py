"""Partition leases and pending entries against a real Redis: nothing a worker read is left
behind, whether the read broke off, the worker died or it lost the partition meanwhile."""

from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError

from bot.config import Settings
from bot.keys import consumer_group
from bot.models import Inbound
from bot.partitions import PartitionLeases, lease_key
from bot.runtime import LeaseKeeper, Worker
from bot.store import Store
from bot.wiring import build_service

USER = 5


def start_event(user_id: int = USER, update: int = 1) -> Inbound:
    return Inbound(event_id=f"tg:{update}", channel="telegram", user_id=user_id,
                   chat_id=user_id, kind="command", command="start")  # fmt: skip


async def pending_of(store: Store, stream: str) -> dict[str, str]:
    """Entry id -> consumer, for the entries of a stream nobody has acknowledged yet."""
    rows = await store.redis.xpending_range(stream, consumer_group(), "-", "+", 100)
    return {r["message_id"].decode(): r["consumer"].decode() for r in rows}


async def read_as(store: Store, consumer: str, stream: str) -> list[str]:
    """What a worker's read does in Redis: the new entries go on `consumer`'s pending list."""
    reply = await store.redis.xreadgroup(consumer_group(), consumer, {stream: ">"})
    return [entry_id.decode() for _, items in reply for entry_id, _ in items]


async def test_a_batch_whose_read_broke_off_is_read_again(store: Store, settings: Settings) -> None:
    """Redis delivered the batch (it is on the worker's pending list) but the connection broke
    before the reply arrived: the worker must read its pending entries again."""
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
    for _ in range(4):  # pending (none), new (breaks off), pending again, new
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
        worker.reread_pending()  # a take-over put entries on the pending list just now
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
        owner = await store.redis.get(lease_key(store.partition_keys()[number]))
        assert owner == (b"w-a" if number < 2 else b"w-b")


async def test_only_entries_other_consumers_held_too_long_are_claimed(store: Store) -> None:
    stream = store.user_keys(USER).part.ingress
    await store.enqueue([start_event(update=1)])
    [theirs] = await read_as(store, "w-b", stream)
    await store.enqueue([start_event(update=2)])
    [mine] = await read_as(store, "w-a", stream)
    leases = PartitionLeases(store.redis, 4, "w-a")
    assert await leases.claim_stale([stream], min_idle_ms=60_000) == 0
    assert await pending_of(store, stream) == {theirs: "w-b", mine: "w-a"}
    assert await leases.claim_stale([stream], min_idle_ms=0) == 1
    assert await pending_of(store, stream) == {theirs: "w-a", mine: "w-a"}


async def test_an_entry_read_by_a_worker_that_lost_the_partition_is_handled_by_the_owner(
    store: Store, settings: Settings
) -> None:
    """w-b read an entry of a partition it no longer owns (its lease ran out while Redis was
    away, or it gave the partition to a newcomer) and could not handle it: it will never read
    that partition again, so the owner claims the entry once it has waited a lease."""
    leases = PartitionLeases(store.redis, settings.partitions, "w-a", lease_ms=300)
    worker = Worker(store, build_service(store, settings), "w-a", leases)
    keeper = LeaseKeeper(leases, store, [worker])
    await keeper.once()
    assert leases.owned == set(range(settings.partitions))
    await worker.once(block_ms=None)  # its pending entries at start: none
    stream = store.user_keys(USER).part.ingress
    await store.enqueue([start_event()])
    assert len(await read_as(store, "w-b", stream)) == 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while await store.load(USER) is None and loop.time() < deadline:
        await keeper.once()
        await worker.once(block_ms=None)
        await asyncio.sleep(0.1)
    assert await store.load(USER) is not None
    assert await pending_of(store, stream) == {}


async def test_a_dead_workers_pending_entries_are_taken_over(
    store: Store, settings: Settings
) -> None:
    dead = PartitionLeases(store.redis, settings.partitions, "w-dead", lease_ms=200)
    await dead.refresh()
    stream = store.user_keys(USER).part.ingress
    await store.enqueue([start_event()])
    assert len(await read_as(store, "w-dead", stream)) == 1  # then it died
    leases = PartitionLeases(store.redis, settings.partitions, "w-a", lease_ms=10_000)
    worker = Worker(store, build_service(store, settings), "w-a", leases)
    keeper = LeaseKeeper(leases, store, [worker])
    await keeper.once()
    assert leases.owned == set()  # the dead worker's leases have not run out yet
    await asyncio.sleep(0.3)
    await keeper.once()
    assert leases.owned == set(range(settings.partitions))
    assert await pending_of(store, stream) != {}
    for _ in range(2):
        await worker.once(block_ms=None)
    assert await store.load(USER) is not None
    assert await pending_of(store, stream) == {}
