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
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from hashlib import sha1
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

Arg = str | int | float | bytes


class AutoPipeline:
    """Queues commands and sends each loop iteration's queue as one pipeline."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._queue: list[tuple[tuple[Arg, ...], asyncio.Future[Any]]] = []
        self._flushes: set[asyncio.Task[None]] = set()
        self._scripts: dict[str, str] = {}  # sha -> source
        self.flushes = 0
        self.commands = 0

    async def call(self, *command: Arg) -> Any:
        """One command's reply, sent along with whatever else is queued right now."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append((command, future))
        return await future

    def script(self, source: str) -> str:
        """Register a Lua script; returns its SHA for `run`."""
        sha = sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._scripts[sha] = source
        return sha

    async def run(self, sha: str, keys: Sequence[Arg], args: Sequence[Arg]) -> Any:
        """Run a registered script (loading it first if Redis does not know it)."""
        command = ("EVALSHA", sha, len(keys), *keys, *args)
        try:
            return await self.call(*command)
        except NoScriptError:
            await self.redis.script_load(self._scripts[sha])
            return await self.call(*command)

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _send(self, batch: list[tuple[tuple[Arg, ...], asyncio.Future[Any]]]) -> None:
        self.flushes += 1
        self.commands += len(batch)
        try:
            replies = await self._execute([command for command, _ in batch])
        except BaseException as exc:  # the connection failed (or we stop): tell every caller
            fail_waiters([future for _, future in batch], exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # the caller was cancelled
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _execute(self, commands: list[tuple[Arg, ...]]) -> list[Any]:
        """The replies of the commands (an error reply as an exception object, not raised)."""
        if len(commands) == 1:
            return [await self.redis.execute_command(*commands[0])]  # type: ignore[no-untyped-call]
        pipe = self.redis.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        replies: list[Any] = await pipe.execute(raise_on_error=False)
        return replies


def fail_waiters(futures: list[asyncio.Future[Any]], exc: BaseException) -> None:
    """Every caller still waiting gets the error (or is cancelled when we stop)."""
    for future in futures:
        if future.done():
            continue
        if isinstance(exc, Exception):
            future.set_exception(exc)
        else:
            future.cancel()
