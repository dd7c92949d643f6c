"""Due jobs by name: every handler registered under its `JobName`, typed end to end.

A handler does its slow work first, on a snapshot and without the user's lock (`prepare`: an
LLM call, drawing a chart), then folds the result into the current state in a quick, pure turn
under the lock (`apply`). The registry keeps the prepared value's type between the two by
handing the service a closure (`Apply`), so no value travels as `object`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar

from bot.dialogues.conversation import Context
from bot.dialogues.engine import Step
from bot.models.jobs import Job, JobName
from bot.models.state import UserState

P = TypeVar("P")
Apply = Callable[[UserState, Context], Step]
"""The second half of a job: applied to the state read under the user's lock."""


class JobHandler(Protocol[P]):
    """What a due job does."""

    async def prepare(self, state: UserState, job: Job) -> P:
        """Slow work on a snapshot of the state, no lock held."""
        ...

    def apply(self, state: UserState, job: Job, prepared: P, ctx: Context) -> Step:
        """Fold the prepared value into the current state (pure)."""
        ...


class JobRegistry:
    """The handler of every job name this process runs."""

    def __init__(self) -> None:
        self._prepare: dict[JobName, Callable[[UserState, Job], Awaitable[Apply]]] = {}

    def register(self, name: JobName, handler: JobHandler[P]) -> JobRegistry:
        """Run `handler` for jobs called `name` (returns the registry, for chaining)."""

        async def prepare(state: UserState, job: Job) -> Apply:
            value = await handler.prepare(state, job)
            return lambda current, ctx: handler.apply(current, job, value, ctx)

        self._prepare[name] = prepare
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
