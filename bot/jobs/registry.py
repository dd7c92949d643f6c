"""Due jobs by name: every handler registered under its `JobName`, typed end to end.

A handler does its slow work first, on a snapshot, before the turn (`prepare`: an LLM call,
drawing a chart), then folds the result into the current state in a quick, pure turn
(`apply`). The registry keeps the prepared value's type between the two by
handing the service a closure (`Apply`), so no value travels as `object`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.dialogues.conversation import Context
from bot.dialogues.engine import Step
from bot.models.jobs import Job, JobName
from bot.models.state import UserState

P = TypeVar("P")
Apply = Callable[[UserState, Context], Step]
"""The second half of a job: applied to the state the job's turn read."""
Failed = Callable[[UserState, Job, Context], Step]
"""What a job's handler says to its user when the job was parked (`JobHandler.failed`)."""


class JobHandler(Protocol[P]):
    """What a due job does."""

    async def prepare(self, state: UserState, job: Job) -> P:
        """Slow work on a snapshot of the state, no lock held."""
        ...

    def apply(self, state: UserState, job: Job, prepared: P, ctx: Context) -> Step:
        """Fold the prepared value into the current state (pure)."""
        ...


class JobRegistry:
    """The handler of every job name this process runs.

    A handler may also have `failed(state, job, ctx) -> Step`: when its job failed the same way
    twice and is parked (`JobQueue.failed`), a notice job (`JobName.FAILED`) is scheduled in
    the same atomic step, and its turn lets the handler tell the user, kindly, what could not be
    made.
    """

    def __init__(self) -> None:
        self._prepare: dict[JobName, Callable[[UserState, Job], Awaitable[Apply]]] = {}
        self._failed: dict[JobName, Failed] = {}
        self.register(JobName.FAILED, _FailureNotice(self._failed))

    def register(self, name: JobName, handler: JobHandler[P]) -> JobRegistry:
        """Run `handler` for jobs called `name` (returns the registry, for chaining)."""

        async def prepare(state: UserState, job: Job) -> Apply:
            value = await handler.prepare(state, job)
            return lambda current, ctx: handler.apply(current, job, value, ctx)

        self._prepare[name] = prepare
        failed: Failed | None = getattr(handler, "failed", None)
        if failed is not None:
            self._failed[name] = failed
        return self

    def extend(self, handlers: Iterable[tuple[JobName, JobHandler[Any]]]) -> JobRegistry:
        """Register several handlers."""
        for name, handler in handlers:
            self.register(name, handler)
        return self

    def __contains__(self, name: JobName) -> bool:
        return name in self._prepare

    async def prepare(self, state: UserState, job: Job) -> Apply | None:
        """The job's slow half, done; None when no handler runs this job here."""
        prepare = self._prepare.get(job.name)
        return None if prepare is None else await prepare(state, job)

    def failure_notice(self, job: Job, now: datetime) -> Job | None:
        """The notice job for a job being parked, when its handler has something to say."""
        if job.name == JobName.FAILED or job.name not in self._failed:
            return None
        return Job(
            id=f"{JobName.FAILED}:{job.id}",
            user_id=job.user_id,
            name=JobName.FAILED,
            due=now,
            payload={"job": job.model_dump_json()},
        )


class _FailureNotice:
    """The turn of a notice job: the parked job's handler's kind words."""

    def __init__(self, failed: dict[JobName, Failed]) -> None:
        self.failed = failed

    async def prepare(self, state: UserState, job: Job) -> Job:
        """The parked job, from the notice's payload."""
        return Job.model_validate_json(job.payload["job"])

    def apply(self, state: UserState, job: Job, prepared: Job, ctx: Context) -> Step:
        """Let the parked job's handler speak."""
        tell = self.failed.get(prepared.name)
        return tell(state, prepared, ctx) if tell is not None else Step(state)
