"""Due jobs: a sorted set per partition, claimed atomically with a lease.

A job is scheduled inside a turn's commit (idempotent by its id). `claim_due` moves due jobs
to a running set with a lease deadline in one Lua script, so two workers never get the same
job; the job's own turn commits with `done_job` and so removes it in the same atomic step as
its effect. A worker that dies mid-job leaves the lease to expire: the job is claimed again,
and the turn's idempotency mark (`job:<id>`) keeps its effect single. A job that a living
worker could not run (Redis went away, another turn of the user came first) is handed back at
once.

A job whose handler raised is tried again a minute later (`failed`); when it fails the same way
twice (the same exception type, counted per job id in Redis), it is parked instead: taken out
of the due and running sets, with a record (id, name, user id, when, exception type) where an
operator sees it (`llinc jobs failed`), and, in the same atomic step, a notice job for its user
scheduled (the user hears the chart or report could not be made).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from bot.errors import CodecError
from bot.models.jobs import Job
from bot.storage.connection import AnyRedis
from bot.storage.crypto import EnvelopeCodec
from bot.storage.keys import PartitionKeys, partition_of

log = logging.getLogger(__name__)

_CLAIM = """
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, ARGV[2])
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[3], id); redis.call('ZADD', KEYS[1], now, id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local data = redis.call('HGET', KEYS[2], id)
  if data then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), id)
    table.insert(out, id)
    table.insert(out, data)
  end
end
return out
"""

# A claimed job goes back to the due set, unless its claim ran out and it moved on meanwhile.
_RELEASE = """
for i = 1, #ARGV, 2 do
  if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  end
end
return 0
"""

# KEYS: running jobs jobdata attempts failed
# ARGV: id error now_ms retry_at_ms limit record notice_id notice_due_ms notice_blob
_FAIL = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'gone' end
local count = 1
local before = redis.call('HGET', KEYS[4], ARGV[1])
if before then
  local space = string.find(before, ' ', 1, true)
  if string.sub(before, space + 1) == ARGV[2] then
    count = tonumber(string.sub(before, 1, space - 1)) + 1
  end
end
redis.call('ZREM', KEYS[1], ARGV[1])
if count < tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[4], ARGV[1], count .. ' ' .. ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  return 'retry'
end
redis.call('HDEL', KEYS[3], ARGV[1]); redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[6])
if ARGV[7] ~= '' and redis.call('HSETNX', KEYS[3], ARGV[7], ARGV[9]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[8], ARGV[7])
end
return 'parked'
"""
FAILURES_TO_PARK = 2
RETRY_AFTER_MS = 60_000
FailOutcome = Literal["retry", "parked", "gone"]


class JobQueue:
    """Claim due jobs across all partitions."""

    def __init__(self, redis: AnyRedis, codec: EnvelopeCodec, partitions: int) -> None:
        self.redis = redis
        self.codec = codec
        self.partitions = [PartitionKeys(p) for p in range(partitions)]
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)
        self._fail = redis.register_script(_FAIL)
        self._claimed_from: dict[str, int] = {}  # job id -> partition, of the last claim

    async def claim_due(
        self, now_ms: int, *, limit: int = 50, lease_ms: int = 120_000
    ) -> list[Job]:
        """Jobs due at `now_ms`, each now leased to the caller for `lease_ms`."""
        calls: list[ScriptCall] = [
            (self._claim, [part.jobs, part.job_data, part.jobs_running], [now_ms, limit, lease_ms])
            for part in self.partitions
        ]
        jobs = []
        self._claimed_from = {}
        for number, (part, found) in enumerate(
            zip(self.partitions, await run_scripts(self.redis, calls), strict=True)
        ):
            for job_id, blob in zip(found[::2], found[1::2], strict=True):
                await self.codec.ensure(int(blob.partition(b":")[0]), create=False)
                try:
                    jobs.append(decode_job(self.codec, blob))
                    self._claimed_from[jobs[-1].id] = number
                except CodecError:
                    log.warning("dropped a job whose user's key is gone")
                    await self.redis.zrem(part.jobs_running, job_id)
                    await self.redis.hdel(part.job_data, job_id)
        return jobs

    async def release(self, jobs: list[Job]) -> None:
        """Hand jobs of the last claim back, due again, so the next claim (by anyone) runs
        them instead of waiting for their lease."""
        by_partition: dict[int, list[str | int]] = {}
        for job in jobs:
            number = self._claimed_from.get(job.id)
            if number is not None:
                due_ms = int(job.due.timestamp() * 1000)
                by_partition.setdefault(number, []).extend([job.id, due_ms])
        calls: list[ScriptCall] = [
            (self._release, [self.partitions[n].jobs, self.partitions[n].jobs_running], args)
            for n, args in by_partition.items()
        ]
        await run_scripts(self.redis, calls)

    async def failed(
        self, job: Job, error: str, now_ms: int, notice: Job | None = None
    ) -> FailOutcome:
        """A claimed job's handler raised `error` (an exception type): due again in a minute,
        or, the second time in a row with the same type, parked, with `notice` scheduled in
        the same atomic step. 'gone' when the job is no longer claimed (done or cancelled)."""
        part = self._partition(job)
        record = json.dumps(
            {"id": job.id, "name": job.name, "user_id": job.user_id, "at": now_ms, "error": error}
        )
        notice_args: list[str | int | bytes] = ["", 0, b""]
        if notice is not None:
            await self.codec.ensure(notice.user_id, create=False)
        if notice is not None and self.codec.has_key(notice.user_id):
            notice_due = int(notice.due.timestamp() * 1000)
            notice_args = [notice.id, notice_due, encode_job(self.codec, notice)]
        outcome = await self._fail(
            keys=[part.jobs_running, part.jobs, part.job_data, part.job_attempts, part.jobs_failed],
            args=[
                job.id,
                error,
                now_ms,
                now_ms + RETRY_AFTER_MS,
                FAILURES_TO_PARK,
                record,
                *notice_args,
            ],
        )
        text = outcome.decode() if isinstance(outcome, bytes) else str(outcome)
        return text  # type: ignore[return-value]

    def _partition(self, job: Job) -> PartitionKeys:
        """The partition a job was claimed from (its user's, where every turn schedules it)."""
        number = self._claimed_from.get(job.id)
        if number is None:
            number = partition_of(job.user_id, len(self.partitions))
        return self.partitions[number]

    async def failed_count(self) -> int:
        """How many jobs are parked (for metrics)."""
        pipe = self.redis.pipeline(transaction=False)
        for part in self.partitions:
            pipe.hlen(part.jobs_failed)
        return sum(await pipe.execute())

    async def pending_count(self) -> int:
        """How many jobs are scheduled or running (for metrics and tests)."""
        pipe = self.redis.pipeline(transaction=False)
        for part in self.partitions:
            pipe.zcard(part.jobs)
            pipe.zcard(part.jobs_running)
        return sum(await pipe.execute())


@dataclass(frozen=True)
class FailedJob:
    """The record of a parked job: what an operator needs, no job data, no user text."""

    id: str
    name: str
    user_id: int
    at: datetime
    error: str

    @classmethod
    def from_json(cls, raw: bytes | str) -> FailedJob:
        data = json.loads(raw)
        at = datetime.fromtimestamp(int(data["at"]) / 1000, tz=UTC)
        return cls(str(data["id"]), str(data["name"]), int(data["user_id"]), at, str(data["error"]))


def encode_job(codec: EnvelopeCodec, job: Job) -> bytes:
    """The stored form of a job: its user id in clear (to find the key), then the sealed job."""
    return f"{job.user_id}:".encode() + codec.seal(job.user_id, job.model_dump_json().encode())


def decode_job(codec: EnvelopeCodec, blob: bytes) -> Job:
    """A job from its stored form."""
    user, _, sealed = blob.partition(b":")
    return Job.model_validate_json(codec.open(int(user), sealed))


async def failed_jobs(redis: AnyRedis, partitions: int) -> list[FailedJob]:
    """The parked jobs of every partition, oldest first (their records hold nothing sealed:
    no master key is needed)."""
    pipe = redis.pipeline(transaction=False)
    for number in range(partitions):
        pipe.hvals(PartitionKeys(number).jobs_failed)
    found = [FailedJob.from_json(raw) for rows in await pipe.execute() for raw in rows]
    return sorted(found, key=lambda job: (job.at, job.id))


ScriptCall = tuple[AsyncScript, list[str], list[Any]]


async def run_scripts(redis: AnyRedis, calls: list[ScriptCall]) -> list[Any]:
    """Run scripts in one pipeline (on a Cluster: one per node, each script on the node of its
    keys). A node that does not know a script yet (new, or promoted in a failover) has it
    loaded and only that call is run again; nothing else runs twice."""
    pipe = redis.pipeline(transaction=False)
    for script, keys, args in calls:
        pipe.evalsha(script.sha, len(keys), *keys, *args)
    replies: list[Any] = await pipe.execute(raise_on_error=False)
    for number, reply in enumerate(replies):
        if isinstance(reply, NoScriptError):
            script, keys, args = calls[number]
            replies[number] = await script(keys=keys, args=args)  # loads it, then runs it
        elif isinstance(reply, Exception):
            raise reply
    return replies
