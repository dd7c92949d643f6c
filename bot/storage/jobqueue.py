"""Due jobs: a sorted set per partition, claimed atomically with a lease.

A job is scheduled inside a turn's commit (idempotent by its id). `claim_due` moves due jobs
to a running set with a lease deadline in one Lua script, so two workers never get the same
job; the job's own turn commits with `done_job` and so removes it in the same atomic step as
its effect. A worker that dies mid-job leaves the lease to expire: the job is claimed again,
and the turn's idempotency mark (`job:<id>`) keeps its effect single. A job that a living
worker could not run (Redis went away, the user's lock was busy) is handed back at once.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from bot.errors import CodecError
from bot.models.jobs import Job
from bot.storage.crypto import EnvelopeCodec
from bot.storage.keys import PartitionKeys

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


class JobQueue:
    """Claim due jobs across all partitions."""

    def __init__(self, redis: Redis, codec: EnvelopeCodec, partitions: int) -> None:
        self.redis = redis
        self.codec = codec
        self.partitions = [PartitionKeys(p) for p in range(partitions)]
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)
        self._claimed_from: dict[str, int] = {}  # job id -> partition, of the last claim

    async def claim_due(
        self, now_ms: int, *, limit: int = 50, lease_ms: int = 120_000
    ) -> list[Job]:
        """Jobs due at `now_ms`, each now leased to the caller for `lease_ms`."""
        pipe = self.redis.pipeline(transaction=False)
        for part in self.partitions:
            await self._claim(
                keys=[part.jobs, part.job_data, part.jobs_running],
                args=[now_ms, limit, lease_ms],
                client=pipe,
            )
        jobs = []
        self._claimed_from = {}
        for number, (part, found) in enumerate(zip(self.partitions, await pipe.execute(),
                                                   strict=True)):  # fmt: skip
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
        pipe = self.redis.pipeline(transaction=False)
        for number, args in by_partition.items():
            keys = [self.partitions[number].jobs, self.partitions[number].jobs_running]
            await self._release(keys=keys, args=args, client=pipe)
        await pipe.execute()

    async def pending_count(self) -> int:
        """How many jobs are scheduled or running (for metrics and tests)."""
        pipe = self.redis.pipeline(transaction=False)
        for part in self.partitions:
            pipe.zcard(part.jobs)
            pipe.zcard(part.jobs_running)
        return sum(await pipe.execute())


def encode_job(codec: EnvelopeCodec, job: Job) -> bytes:
    """The stored form of a job: its user id in clear (to find the key), then the sealed job."""
    return f"{job.user_id}:".encode() + codec.seal(job.user_id, job.model_dump_json().encode())


def decode_job(codec: EnvelopeCodec, blob: bytes) -> Job:
    """A job from its stored form."""
    user, _, sealed = blob.partition(b":")
    return Job.model_validate_json(codec.open(int(user), sealed))
