"""Writes that count only once they are on enough replicas: `WAIT` sent right after them, on
the same connection, in the same round trip.

With replicas (REDIS_MIN_REPLICAS > 0), a write the primary accepted may still be lost if the
primary dies before a replica has it, and a replica promoted by Sentinel (or the Cluster) would
then not know it. So a turn's commit, an update's arrival on the ingress stream and a reply's
acknowledgement are each followed by `WAIT n timeout`: `WAIT` answers how many replicas have
every write this connection made so far. Fewer than n raises `NotReplicated`; the caller then
treats the write as not done yet (the update stays unconfirmed, the reply unsent) and retries,
and the event's seen mark makes a repeat harmless. On a Cluster, `WAIT` goes to each primary
that took a write, after that write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline, RedisCluster

from bot.errors import NotReplicated
from bot.storage.connection import AnyRedis

AnyPipeline = Pipeline | ClusterPipeline


class Replication:
    """How many replicas a write must reach (`replicas`, 0: none) and how long to wait."""

    def __init__(self, redis: AnyRedis, replicas: int = 0, wait_ms: int = 2000) -> None:
        self.redis = redis
        self.replicas = replicas
        self.wait_ms = wait_ms

    def add_wait(self, pipe: AnyPipeline, keys: Iterable[str | bytes]) -> int:
        """Append `WAIT` to a pipeline, after writes to these keys; returns how many `WAIT`s
        (0 without replicas; on a Cluster one per primary of the keys)."""
        if not self.replicas:
            return 0
        command = ("WAIT", self.replicas, self.wait_ms)
        if not isinstance(self.redis, RedisCluster):
            pipe.execute_command(*command)
            return 1
        nodes = {}
        for key in keys:
            node = self.redis.get_node_from_key(key.decode() if isinstance(key, bytes) else key)
            if node is not None:
                nodes[node.name] = node
        for node in nodes.values():
            pipe.execute_command(*command, target_nodes=node)
        return len(nodes)

    def check(self, replies: Sequence[Any]) -> None:
        """Raise `NotReplicated` when a `WAIT` reply counts fewer replicas than needed."""
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
            if int(reply) < self.replicas:
                raise NotReplicated(
                    f"a write reached {int(reply)} of {self.replicas} replica(s) "
                    f"within {self.wait_ms} ms"
                )

    async def barrier(self, keys: Iterable[str]) -> None:
        """Make sure what this process has read from these keys is on the replicas: a small
        write next to each (its partition's sync counter) and `WAIT` after it."""
        keys = list(keys)
        if not self.replicas or not keys:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
        waits = self.add_wait(pipe, keys)
        replies = await pipe.execute()
        self.check(replies[len(replies) - waits :])
