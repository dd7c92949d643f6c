"""Auto-pipelining: the Redis commands that many concurrent turns issue in the same moment
travel as one pipeline, in one round trip.

A worker handles the users of a batch concurrently. Each user's turn awaits its own `begin`,
then its own `commit`, then the sender its own acknowledgement; issued one by one, that is a
round trip per call. Here a call is queued, and the queue is flushed once the event loop has
run everything that was ready at that moment: so the turns of one batch share a round trip,
and a lone turn waits for nothing (the flush runs in the very next loop iteration). Each call
still gets its own result or its own error, and a script is loaded again when Redis lost it
(a restart).

Non-transactional pipelines only: every command keeps its own atomicity (a Lua script, or a
MULTI inside the script's body), and no command depends on another in the same flush.

A command marked `durable` (a turn's commit, a reply's acknowledgement) counts only once it is
on the replicas (`bot.storage.replicas`): its flush ends with `WAIT`, one for all its writes,
and when too few replicas confirm, each durable command of the flush raises `NotReplicated`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from hashlib import sha1
from typing import Any

from redis.exceptions import NoScriptError

from bot.storage.connection import AnyRedis
from bot.storage.replicas import Replication

Arg = str | int | float | bytes
Queued = tuple[tuple[Arg, ...], "asyncio.Future[Any]", bool]  # command, its reply, durable


class AutoPipeline:
    """Queues commands and sends each loop iteration's queue as one pipeline."""

    def __init__(self, redis: AnyRedis, replication: Replication | None = None) -> None:
        self.redis = redis
        self.replication = replication or Replication(redis)
        self._queue: list[Queued] = []
        self._flushes: set[asyncio.Task[None]] = set()
        self._scripts: dict[str, str] = {}  # sha -> source
        self.flushes = 0
        self.commands = 0

    async def call(self, *command: Arg, durable: bool = False) -> Any:
        """One command's reply, sent along with whatever else is queued right now; a durable
        one only once its write is on the replicas."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append((command, future, durable))
        return await future

    def script(self, source: str) -> str:
        """Register a Lua script; returns its SHA for `run`."""
        sha = sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._scripts[sha] = source
        return sha

    async def run(
        self, sha: str, keys: Sequence[Arg], args: Sequence[Arg], *, durable: bool = False
    ) -> Any:
        """Run a registered script (loading it first if Redis does not know it)."""
        command = ("EVALSHA", sha, len(keys), *keys, *args)
        try:
            return await self.call(*command, durable=durable)
        except NoScriptError:
            await self.redis.script_load(self._scripts[sha])
            return await self.call(*command, durable=durable)

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _send(self, batch: list[Queued]) -> None:
        self.flushes += 1
        self.commands += len(batch)
        durable = [command for command, _, is_durable in batch if is_durable]
        try:
            replies, unsafe = await self._execute([command for command, _, _ in batch], durable)
        except BaseException as exc:  # the connection failed (or we stop): tell every caller
            fail_waiters([future for _, future, _ in batch], exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future, is_durable), reply in zip(batch, replies, strict=True):
            if future.done():  # the caller was cancelled
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            elif is_durable and unsafe is not None:
                future.set_exception(unsafe)
            else:
                future.set_result(reply)

    async def _execute(
        self, commands: list[tuple[Arg, ...]], durable: list[tuple[Arg, ...]]
    ) -> tuple[list[Any], Exception | None]:
        """The replies of the commands (an error reply as an exception object, not raised),
        and why the durable ones are not safe yet (None: they are, or there are none)."""
        if len(commands) == 1 and not (durable and self.replication.replicas):
            return [await self.redis.execute_command(*commands[0])], None
        pipe = self.redis.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        waits = self.replication.add_wait(pipe, [key for c in durable for key in _keys(c)])
        replies: list[Any] = await pipe.execute(raise_on_error=False)
        replies, waited = replies[: len(commands)], replies[len(commands) :]
        try:
            self.replication.check(waited[:waits])
        except Exception as exc:
            return replies, exc
        return replies, None


def _keys(command: tuple[Arg, ...]) -> list[str | bytes]:
    """The keys of an EVALSHA/EVAL command (where a Cluster's `WAIT` must go)."""
    if str(command[0]).upper() not in ("EVALSHA", "EVAL"):
        return []
    count = int(command[2])
    return [k if isinstance(k, bytes) else str(k) for k in command[3 : 3 + count]]


def fail_waiters(futures: list[asyncio.Future[Any]], exc: BaseException) -> None:
    """Every caller still waiting gets the error (or is cancelled when we stop)."""
    for future in futures:
        if future.done():
            continue
        if isinstance(exc, Exception):
            future.set_exception(exc)
        else:
            future.cancel()
