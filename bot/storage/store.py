"""Everything the bot keeps, in Redis, behind one small interface.

A turn is two round trips, shared with the other turns of the moment (`bot.autopipe`):
`begin` reads the state, its version and whether the event was seen before (one Lua script,
writing nothing); `commit` checks that the version is still the one `begin` read, then writes
the parts of the state the turn changed (`bot.storage.document`) with a new version, marks the
event seen, queues the replies in the outbox, schedules jobs and deletes the ingress entry it
handled (one Lua script). So a state change, its replies and its idempotency mark are saved
together or not at all, and a turn whose user's document changed meanwhile (another turn of
the same user, e.g. a job, or a second worker during a take-over) writes nothing: it is
`lock_lost`, and is retried like a turn whose lock ran out (optimistic concurrency, in place
of the lock key of the layout before: that lock cost a SET and a DEL in the AOF per turn,
the version is one short field in the commit's HSET). Every stored text passes the
`EnvelopeCodec`.

Streams without consumer groups: an ingress or outbox stream holds exactly what is not done
yet (an entry is deleted in the step that finishes it: the turn's commit, the reply's
acknowledgement), so the stream is its own pending list. A reader keeps, per stream, the id
it has read up to, in memory, and reads on from there with plain `XREAD`; after a start, a
take-over or a failure it reads the stream again from its start (`pending=True`). Reading
writes nothing: a consumer group's `XREADGROUP` writes an `XCLAIM` per entry to the AOF and
the replicas, and its `XACK` another command per entry (docs/performance.md). Which reader
reads which partition is decided by the leases (`bot.storage.partitions`).

Errors: `redis.exceptions.RedisError` for Redis
itself (the caller retries the whole turn: nothing was half written); `NotReplicated` when
replicas are required (REDIS_MIN_REPLICAS) and a write is not on enough of them yet: a commit,
an enqueue or an acknowledgement then counts as not done (the caller retries; a repeated turn
is a duplicate), and replies read from the outbox are not handed out until they are on the
replicas (`bot.storage.replicas`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from redis.asyncio import RedisCluster

from bot.errors import CodecError
from bot.models.events import Inbound, Outbound, Route
from bot.models.jobs import Job
from bot.models.state import UserState
from bot.storage.autopipe import AutoPipeline
from bot.storage.connection import AnyRedis
from bot.storage.crypto import SYSTEM_USER, EnvelopeCodec
from bot.storage.document import assemble, changes, split
from bot.storage.entries import pack_inbound, pack_outbound, unpack_inbound, unpack_outbound
from bot.storage.jobqueue import encode_job
from bot.storage.keys import PartitionKeys, UserKeys, partition_of_key
from bot.storage.replicas import Replication

log = logging.getLogger(__name__)
SEEN_KEEP = 1000
VERSION = b"v"
"""The document's field holding its version: random, new with every commit that writes parts."""
CLUSTER_BLOCK_MS = 100
CommitResult = Literal["ok", "duplicate", "lock_lost"]

# KEYS: state(the old single value) seen doc
# The document's parts (HGETALL, its version `v` among them); the old single value only when
# there are none yet.
_BEGIN = """
local seen = 0
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then seen = 1 end
local doc = redis.call('HGETALL', KEYS[3])
local old = ''
if #doc == 0 then old = redis.call('GET', KEYS[1]) or '' end
return {1, old, seen, doc}
"""

# KEYS: lock(of the layout before: unused) state seen outbox jobs jobdata running ingress
#       internal-outbox datakey attempts failed doc
# ARGV: version(read by begin) event_id now_ms keep mode migrate ack (unused) done_job record
#       expire_ms
#       n_set (field sealed)* n_del (field)* n_out (route u m)* n_jobs (id due blob)*
#       n_cancel (id)* n_unsee (seen event id)*
# mode 'save' writes only the parts of the document that changed (`bot.storage.document`),
# and with them the new version (field `v`), when any;
# migrate '1' drops the old single value the document was read from, in the same step.
# expire_ms > 0 (a person who has not consented): the document, seen set and data key expire
# then; 0: they are kept (PERSIST undoes an earlier expiry, in the same step as the save).
_COMMIT = """
if (redis.call('HGET', KEYS[13], 'v') or '') ~= ARGV[1] then return 'lock_lost' end
local result = 'ok'
if redis.call('ZSCORE', KEYS[3], ARGV[2]) then
  result = 'duplicate'
else
  local mode = ARGV[5]
  local i = 12
  local n = tonumber(ARGV[i]); i = i + 1
  while n > 0 do
    local take = math.min(n, 100)
    redis.call('HSET', KEYS[13], unpack(ARGV, i, i + 2 * take - 1))
    i = i + 2 * take; n = n - take
  end
  n = tonumber(ARGV[i]); i = i + 1
  while n > 0 do
    local take = math.min(n, 200)
    redis.call('HDEL', KEYS[13], unpack(ARGV, i, i + take - 1))
    i = i + take; n = n - take
  end
  if mode == 'save' and ARGV[6] == '1' then redis.call('DEL', KEYS[2]) end
  if mode == 'delete' then redis.call('DEL', KEYS[2], KEYS[3], KEYS[10], KEYS[13]) end
  if mode ~= 'delete' and ARGV[10] == '1' then
    redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
  end
  if mode == 'save' then
    for _, key in ipairs({KEYS[2], KEYS[3], KEYS[10], KEYS[13]}) do
      if tonumber(ARGV[11]) > 0 then redis.call('PEXPIRE', key, ARGV[11])
      else redis.call('PERSIST', key) end
    end
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    local stream = KEYS[4]
    if ARGV[i] == 'internal' then stream = KEYS[9] end
    redis.call('XADD', stream, '*', ARGV[i + 1], ARGV[i + 2]); i = i + 3
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    if redis.call('HSETNX', KEYS[6], ARGV[i], ARGV[i + 2]) == 1 then
      redis.call('ZADD', KEYS[5], ARGV[i + 1], ARGV[i])
    end
    i = i + 3
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    redis.call('ZREM', KEYS[5], ARGV[i]); redis.call('ZREM', KEYS[7], ARGV[i])
    redis.call('HDEL', KEYS[6], ARGV[i]); redis.call('HDEL', KEYS[11], ARGV[i])
    redis.call('HDEL', KEYS[12], ARGV[i]); i = i + 1
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do redis.call('ZREM', KEYS[3], ARGV[i]); i = i + 1 end
end
if ARGV[9] ~= '' then
  redis.call('ZREM', KEYS[7], ARGV[9]); redis.call('HDEL', KEYS[6], ARGV[9])
  redis.call('HDEL', KEYS[11], ARGV[9])
end
if ARGV[7] ~= '' then redis.call('XDEL', KEYS[8], ARGV[7]) end
return result
"""

# KEYS: stream lease; ARGV: entry id, the reader's name ('' when there are no leases).
_QUEUED = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
return #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
"""


# A teacher who deletes their data frees the invitations they used: no record names them.


@dataclass
class Begin:
    """An open turn: the document's version and state as read, and whether seen before."""

    user_id: int
    event_id: str
    version: str
    """The document's version (field `v`) when read: '' for none. The commit is refused when
    it is no longer this."""
    state: UserState | None
    seen: bool
    parts: dict[str, bytes] = field(default_factory=dict)
    """The document's parts as read (plaintext): a commit writes only those that changed."""
    legacy: bool = False
    """The document was read from the old single value: the commit moves it into parts."""


@dataclass(frozen=True)
class Entry:
    """One stream entry: where it is (for the acknowledgement) and the user it belongs to."""

    stream: str
    entry_id: str
    user_id: int


class Store:
    """The bot's Redis storage: user documents, idempotency, outbox, ingress and jobs."""

    def __init__(
        self,
        redis: AnyRedis,
        codec: EnvelopeCodec,
        *,
        partitions: int = 16,
        replication: Replication | None = None,
    ) -> None:
        self.redis = redis
        self.codec = codec
        self.partitions = partitions
        self.replication = replication or Replication(redis)
        self.pipe = AutoPipeline(redis, self.replication)
        self._begin = self.pipe.script(_BEGIN)
        self._commit = self.pipe.script(_COMMIT)
        self._queued = self.pipe.script(_QUEUED)
        self._cursors: dict[tuple[str, str], str] = {}  # (reader, stream) -> id read up to

    def user_keys(self, user_id: int) -> UserKeys:
        """The keys of one user."""
        return UserKeys(user_id, self.partitions)

    def partition_keys(self) -> list[PartitionKeys]:
        """The shared keys of every partition."""
        return [PartitionKeys(p) for p in range(self.partitions)]

    def _partitions(self, only: set[int] | None) -> list[PartitionKeys]:
        """Every partition, or `only` these (a worker's leased ones)."""
        return [p for p in self.partition_keys() if only is None or p.partition in only]

    # -- user documents -------------------------------------------------------------------

    def _decode_state(self, user_id: int, blob: bytes) -> UserState | None:
        """A document stored the old way, as one sealed value (read, then moved into parts by
        the next commit)."""
        if not blob:
            return None
        return UserState.model_validate_json(self.codec.open(user_id, blob))

    def _open_parts(self, user_id: int, raw: dict[bytes, bytes]) -> dict[str, bytes]:
        """The plaintext of each stored part of a document (its version is no part)."""
        sealed = {_text(k): v for k, v in raw.items() if k != VERSION}
        return self.codec.open_many(user_id, sealed)

    async def load(self, user_id: int) -> UserState | None:
        """The user's document, for reading only (no turn)."""
        await self.codec.ensure(user_id, create=False)
        keys = self.user_keys(user_id)
        raw: dict[bytes, bytes] = await self.redis.hgetall(keys.doc)  # type: ignore[assignment]
        raw.pop(VERSION, None)
        if raw:
            return assemble(self._open_parts(user_id, raw))
        blob: bytes | None = await self.redis.get(keys.state)  # type: ignore[assignment]
        return self._decode_state(user_id, blob or b"")

    async def begin(self, user_id: int, event_id: str) -> Begin:
        """Read the user's state, its version and whether the event was seen before."""
        await self.codec.ensure(user_id, create=False)
        keys = self.user_keys(user_id)
        _, blob, seen, flat = await self.pipe.run(
            self._begin, [keys.state, keys.seen, keys.doc], [event_id]
        )
        raw = dict(zip(flat[::2], flat[1::2], strict=True))
        version = _text(raw.pop(VERSION, b""))
        if raw:
            parts = self._open_parts(user_id, raw)
            return Begin(user_id, event_id, version, assemble(parts), bool(seen), parts=parts)
        state = self._decode_state(user_id, blob)
        return Begin(user_id, event_id, version, state, bool(seen), legacy=state is not None)

    @asynccontextmanager
    async def turn(self, user_id: int, event_id: str) -> AsyncIterator[Begin]:
        """`begin`, for a block that ends with `commit` (or writes nothing)."""
        yield await self.begin(user_id, event_id)

    async def commit(
        self,
        opened: Begin,
        state: UserState | None,
        *,
        now_ms: int,
        delete: bool = False,
        outbox: Sequence[Outbound] = (),
        jobs: Sequence[Job] = (),
        cancel_jobs: Sequence[str] = (),
        ack: Entry | None = None,
        done_job: str = "",
        record_seen: bool = True,
        unsee: Sequence[str] = (),
        expire_ms: int = 0,
    ) -> CommitResult:
        """Write a turn's outcome atomically (see the module docstring); `lock_lost` when the
        document's version changed since `begin` (nothing written).
        With `expire_ms`, the user's keys expire that long after this turn (see `_COMMIT`)."""
        keys = self.user_keys(opened.user_id)
        part = keys.part
        if opened.state is None:  # a new document: its data key may have expired meanwhile
            self.codec.forget(opened.user_id)
        if state is not None or outbox:
            await self.codec.ensure(opened.user_id)
        for job in jobs:
            await self.codec.ensure(job.user_id)
        channel: Route = next((m.channel for m in outbox if m.channel != "internal"), "telegram")
        mode = "delete" if delete else ("save" if state is not None else "none")
        written: dict[str, bytes] = {}
        gone: list[str] = []
        if mode == "save" and state is not None:
            written, gone = changes(opened.parts, split(state))
        args: list[str | int | bytes] = [
            opened.version,
            opened.event_id,
            now_ms,
            SEEN_KEEP,
            mode,
            "1" if opened.legacy else "",
            ack.entry_id if ack else "",
            "",
            done_job,
            "1" if record_seen else "0",
            expire_ms,
        ]
        sealed_parts = self.codec.seal_many(opened.user_id, written) if written else {}
        args.append(len(sealed_parts) + 1 if sealed_parts else 0)
        for name, sealed_part in sealed_parts.items():
            args += [name, sealed_part]
        if sealed_parts:  # a new version with the parts: a turn that read the old one is refused
            args += [VERSION, secrets.token_urlsafe(6)]
        args.append(len(gone))
        args += gone
        args.append(len(outbox))
        for message in outbox:  # compact (`bot.storage.entries`)
            owner = await self._reader_key(opened.user_id, message, delete)
            sealed = self.codec.seal(owner, pack_outbound(owner, message))
            args += [message.channel, owner, sealed]
        args.append(len(jobs))
        for job in jobs:
            due_ms = int(job.due.timestamp() * 1000)
            args += [job.id, due_ms, encode_job(self.codec, job)]
        args.append(len(cancel_jobs))
        args += list(cancel_jobs)
        args.append(len(unsee))
        args += list(unsee)
        ingress = ack.stream if ack else part.ingress
        result = await self.pipe.run(
            self._commit,
            [
                keys.lock,
                keys.state,
                keys.seen,
                part.outbox_for(channel),
                part.jobs,
                part.job_data,
                part.jobs_running,
                ingress,
                part.outbox_for("internal"),
                keys.data_key,
                part.job_attempts,
                part.jobs_failed,
                keys.doc,
            ],
            args,
            durable=True,
        )
        outcome = result.decode() if isinstance(result, bytes) else str(result)
        if delete and outcome == "ok":
            self.codec.forget(opened.user_id)
        return outcome  # type: ignore[return-value]

    async def _reader_key(self, user_id: int, message: Outbound, deleting: bool) -> int:
        """Whose key seals a queued message: the reader's. An event for another user uses
        theirs (the system key when they have none: no key is made for a deleted user); the
        replies of a turn that deletes its user use the system key, as theirs is shredded."""
        owner = user_id
        if message.channel == "internal":
            await self.codec.ensure(message.chat_id, create=False)
            owner = message.chat_id if self.codec.has_key(message.chat_id) else SYSTEM_USER
        elif deleting:
            owner = SYSTEM_USER
        await self.codec.ensure(owner)
        return owner

    # -- streams --------------------------------------------------------------------------

    async def enqueue(self, events: list[Inbound]) -> None:
        """Put incoming events on their partitions' ingress streams, all in one round trip."""
        for event in events:
            await self.codec.ensure(event.user_id)
        pipe = self.redis.pipeline(transaction=False)
        streams = []
        for event in events:
            part = self.user_keys(event.user_id).part
            sealed = self.codec.seal(event.user_id, pack_inbound(event))
            pipe.xadd(part.ingress, {event.user_id: sealed})  # one field: user id -> sealed
            streams.append(part.ingress)
        waits = self.replication.add_wait(pipe, streams)
        replies = await pipe.execute()
        self.replication.check(replies[len(replies) - waits :] if waits else [])

    async def enqueue_one(self, event: Inbound) -> None:
        """Put one event on its user's ingress stream."""
        await self.enqueue([event])

    async def _read(
        self, streams: list[str], reader: str, count: int, block_ms: int | None, again: bool
    ) -> list[tuple[Entry, bytes]]:
        """The entries after what `reader` has read of each stream (from the start `again`),
        moving its place on past them: each with its sealed text."""
        if again:
            for stream in streams:
                self._cursors[(reader, stream)] = "0-0"
        after = {s: self._cursors.get((reader, s), "0-0") for s in streams}
        if isinstance(self.redis, RedisCluster) and len(streams) > 1:
            # One XREAD may not span slots: a read per partition, side by side, each
            # blocking a short while (what one returns at once waits at most that long).
            block = None if block_ms is None else min(block_ms, CLUSTER_BLOCK_MS)
            replies = await asyncio.gather(
                *(self.redis.xread({s: at}, count=count, block=block) for s, at in after.items())
            )
            reply: Any = [part for one in replies for part in one or []]
        else:
            reply = await self.redis.xread(after, count=count, block=block_ms)  # type: ignore[arg-type]
        entries: list[tuple[Entry, bytes]] = []
        for stream, items in reply or []:
            name = _text(stream)
            for entry_id, fields in items:
                self._cursors[(reader, name)] = _text(entry_id)
                user_id, sealed = _owner_and_text(fields)
                entries.append((Entry(name, _text(entry_id), user_id), sealed))
        return entries

    async def read_ingress(
        self,
        consumer: str,
        *,
        count: int = 100,
        block_ms: int | None = 1000,
        pending: bool = False,
        only: set[int] | None = None,
    ) -> list[tuple[Entry, Inbound]]:
        """Incoming events after those this reader (`consumer`) has read, of every partition
        or `only` of these; with pending=True every event not yet done, from the start."""
        streams = [p.ingress for p in self._partitions(only)]
        if not streams:
            return []
        raw = await self._read(streams, consumer, count, block_ms, pending)
        opened = await self._open(raw)
        return [(e, unpack_inbound(e.user_id, text)) for e, text in opened]

    async def read_outbox(
        self,
        consumer: str,
        channel: Route = "telegram",
        *,
        count: int = 100,
        block_ms: int | None = 1000,
        pending: bool = False,
        only: set[int] | None = None,
    ) -> list[tuple[Entry, Outbound]]:
        """Replies waiting to be sent after those this reader has read (with pending=True
        every one not yet sent, from the start), of every partition or `only` of these."""
        streams = [p.outbox_for(channel) for p in self._partitions(only)]
        if not streams:
            return []
        raw = await self._read(streams, consumer, count, block_ms, pending)
        # Not one reply goes out before the turn that queued it is on the replicas.
        tags = {partition_of_key(entry.stream) for entry, _ in raw}
        await self.replication.barrier(PartitionKeys(p).sync for p in sorted(tags))
        opened = await self._open(raw)
        return [(e, unpack_outbound(e.user_id, text)) for e, text in opened]

    async def _open(self, raw: list[tuple[Entry, bytes]]) -> list[tuple[Entry, bytes]]:
        """The plaintexts of stream entries; an entry whose user's key was shredded (the user
        deleted their data meanwhile) can never be read again and is dropped."""
        opened = []
        for entry, sealed in raw:
            await self.codec.ensure(entry.user_id, create=False)
            try:
                opened.append((entry, self.codec.open(entry.user_id, sealed)))
            except CodecError:
                log.warning("dropped an unreadable entry of user %s (key gone)", entry.user_id)
                await self.ack(entry)
        return opened

    async def still_queued(self, entry: Entry, reader: str = "") -> bool:
        """Whether the entry is still to be done (in its stream: nobody has finished it), and,
        given a `reader`, whether that reader still holds the entry's partition (its lease):
        else another worker may have taken the partition over, with the entry."""
        lease = PartitionKeys(partition_of_key(entry.stream)).lease
        found = await self.pipe.run(self._queued, [entry.stream, lease], [entry.entry_id, reader])
        return bool(found)

    async def ack(self, entry: Entry) -> None:
        """Delete a stream entry that is done (a reply sent, or an event dropped)."""
        await self.pipe.call("XDEL", entry.stream, entry.entry_id, durable=True)

    async def seen_naming(self, user_id: int, other: int) -> list[str]:
        """The event ids in a user's seen set that name another user (their id, as a whole
        number): job and internal-event ids carry the ids of the users they concern."""
        members: list[bytes] = await self.redis.zrange(self.user_keys(user_id).seen, 0, -1)  # type: ignore[assignment]
        naming = re.compile(rf"(?<![0-9]){other}(?![0-9])")
        return [_text(m) for m in members if naming.search(_text(m))]


def _owner_and_text(fields: dict[bytes, bytes]) -> tuple[int, bytes]:
    """Whose key seals a stream entry, and its sealed text. An entry is one field, the user's
    id naming the sealed text; one of the layout before had two, `u` (the id) and `e` (an
    update) or `m` (a reply)."""
    if b"u" in fields:
        owner = int(fields[b"u"])
        return owner, fields.get(b"e") or fields[b"m"]
    [(name, sealed)] = fields.items()
    return int(name), sealed


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
