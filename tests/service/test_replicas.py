"""Writes that must be on a replica (REDIS_MIN_REPLICAS): with the replica frozen (SIGSTOP),
a turn's commit, an update's arrival and a reply's acknowledgement raise `NotReplicated`, and
no reply is handed to the sender; once the replica runs again, all of it goes through, and the
repeated turn is a harmless duplicate. A real primary and replica on free ports."""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from bot.errors import NotReplicated
from bot.models.events import Inbound, Outbound
from bot.models.state import UserState
from bot.storage.crypto import EnvelopeCodec, Keyring
from bot.storage.replicas import Replication
from bot.storage.store import Store
from tests.conftest import TEST_MASTER_KEY
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.timeout(60)
USER = 5
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, RedisServer]]:
    base = tmp_path_factory.mktemp("pair")
    primary = RedisServer(base / "primary").start()
    follow = ["--replicaof", "127.0.0.1", str(primary.port)]
    replica = RedisServer(base / "replica", extra=follow).start()
    client = redis.Redis(port=primary.port)
    deadline = time.monotonic() + 10
    while client.info("replication").get("slave0", {}).get("state") != "online":
        assert time.monotonic() < deadline, "the replica did not connect"
        time.sleep(0.05)
    client.close()
    yield primary, replica
    replica.stop()
    primary.stop()


@pytest.fixture
async def store(pair: tuple[RedisServer, RedisServer]) -> AsyncIterator[Store]:
    client = Redis(port=pair[0].port)
    await client.flushall()
    assert await client.execute_command("WAIT", 1, 10_000) == 1  # the replica is in step
    codec = EnvelopeCodec(client, Keyring(TEST_MASTER_KEY), 4)
    store = Store(client, codec, partitions=4, replication=Replication(client, 1, wait_ms=1000))
    yield store
    await client.aclose()


def freeze(replica: RedisServer, frozen: bool) -> None:
    assert replica.process is not None
    replica.process.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)


def event(n: int) -> Inbound:
    return Inbound(
        event_id=f"tg:{n}", channel="telegram", user_id=USER, chat_id=USER, kind="text", text="hi"
    )


async def turn(store: Store, n: int) -> str:
    reply = Outbound(channel="telegram", chat_id=USER, text=f"reply {n}")
    async with store.turn(USER, f"tg:{n}") as opened:
        state = UserState(
            user_id=USER, chat_id=USER, channel="telegram", created_at=NOW, last_seen=NOW
        )
        return await store.commit(opened, state, now_ms=1, outbox=[reply])


async def test_with_the_replica_running_every_write_counts_at_once(store: Store) -> None:
    await store.enqueue([event(1)])
    assert await turn(store, 1) == "ok"
    [(entry, message)] = await store.read_outbox("sender", block_ms=None)
    assert message.text == "reply 1"
    await store.ack(entry)


async def test_a_frozen_replica_holds_back_confirmation_reply_and_acknowledgement(
    store: Store, pair: tuple[RedisServer, RedisServer]
) -> None:
    replica = pair[1]
    freeze(replica, True)
    try:
        with pytest.raises(NotReplicated):
            await store.enqueue([event(2)])  # not confirmed to Telegram: it sends it again
        with pytest.raises(NotReplicated):
            await turn(store, 2)  # the update stays to be retried
        with pytest.raises(NotReplicated):
            await store.read_outbox("sender", block_ms=None)  # not one reply goes out
    finally:
        freeze(replica, False)
    assert await turn(store, 2) == "duplicate"  # the retry: the seen mark makes it harmless
    [(entry, message)] = await store.read_outbox("sender", block_ms=None, pending=True)
    assert message.text == "reply 2"  # queued once, sent now
    freeze(replica, True)
    try:
        with pytest.raises(NotReplicated):
            await store.ack(entry)  # the sender keeps it as sent, and only acknowledges again
    finally:
        freeze(replica, False)
    await store.ack(entry)
    assert await store.read_outbox("sender", block_ms=None, pending=True) == []


def test_min_replicas_defaults_to_one_behind_sentinel(tmp_path: Path) -> None:
    from bot.config import Settings

    assert Settings(redis_sentinels="a:1, b").sentinels == [("a", 1), ("b", 26379)]
    assert Settings(redis_sentinels="a:1").min_replicas == 1
    assert Settings(redis_url="redis://x").min_replicas == 0
    assert Settings(redis_sentinels="a:1", redis_min_replicas=2).min_replicas == 2
    assert Settings(redis_cluster_nodes="n1:7000,n2").cluster_nodes == [("n1", 7000), ("n2", 6379)]
