"""Use cases: take one event, apply it to the user's document, save everything in one step.

Channels (Telegram, the terminal, the web) and the scheduler hand events to `Service.handle`;
they never touch the engine or Redis themselves. Job handlers (drafting a profile, reminders)
plug in by job name (`bot.jobs.registry`) and do their slow part before the turn (an LLM call),
then commit their result as a turn like any other. A turn whose user's document another turn
changed meanwhile writes nothing (`TurnLost`) and is retried (`bot.storage.store`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.dialogues.conversation import Context
from bot.dialogues.engine import Step, step
from bot.dialogues.probes import ProbePolicy, RuleProbePolicy
from bot.errors import TurnLost
from bot.jobs.registry import Apply, JobRegistry
from bot.models.clock import Clock, utcnow
from bot.models.events import Inbound, Outbound
from bot.models.jobs import Job
from bot.models.state import UserState
from bot.storage.store import Entry, Store

log = logging.getLogger(__name__)
BEFORE_CONSENT_KEPT = timedelta(days=7)  # a person who never consents: their keys expire


@dataclass
class Service:
    """Applies events to users' states, atomically and at most once per event id."""

    store: Store
    settings: Settings
    clock: Clock = utcnow
    probe_policy: ProbePolicy = field(default_factory=RuleProbePolicy)
    jobs: JobRegistry = field(default_factory=JobRegistry)
    bot_username: str = ""
    second_look: bool = False
    web_url: str = ""
    after_turn: list[Callable[[UserState, datetime], list[Job]]] = field(default_factory=list)

    def context(self) -> Context:
        """The engine's context for a turn that happens now."""
        return Context(
            now=self.clock(),
            max_answer_chars=self.settings.max_answer_chars,
            idle_greeting=timedelta(hours=self.settings.idle_greeting_hours),
            default_language=self.settings.default_language,  # type: ignore[arg-type]
            probe_policy=self.probe_policy,
            admin_ids=self.settings.admins,
            bot_username=self.bot_username,
            invite_days=self.settings.invite_days,
            checkin_after=timedelta(days=self.settings.checkin_days),
            second_look=self.second_look,
            web_url=self.web_url,
            web_login_minutes=self.settings.web_login_minutes,
        )

    async def handle(self, event: Inbound, ack: Entry | None = None) -> list[Outbound]:
        """Apply one event; returns the replies it queued ([] for a duplicate)."""
        started = time.perf_counter()
        apply_job = await self._prepare_job(event)
        async with self.store.turn(event.user_id, event.event_id) as opened:
            ctx = self.context()
            now_ms = int(ctx.now.timestamp() * 1000)
            if opened.seen:
                await self.store.commit(opened, None, now_ms=now_ms, ack=ack, record_seen=False)
                log.info("duplicate event=%s user=%s", event.event_id, event.user_id)
                return []
            outcome = self._apply(opened.state, event, ctx, apply_job)
            if outcome.state is not None and event.kind != "job":
                for hook in self.after_turn:
                    outcome.jobs += hook(outcome.state, ctx.now)
            jobs = list(outcome.jobs)
            old_jobs = opened.state.job_ids if opened.state else []
            cancel = list(old_jobs) if outcome.forget else []
            unsee: list[str] = []
            for other in outcome.unsee:  # a teacher left: no id of theirs stays with the coach
                unsee += await self.store.seen_naming(event.user_id, other)
                unsee += [event.event_id] if _names(event.event_id, other) else []
                cancel += [j for j in old_jobs if _names(j, other)]
            if outcome.state is not None:
                outcome.state.job_ids = [
                    j for j in outcome.state.job_ids if j != _job_id(event) and j not in cancel
                ]
                outcome.state.job_ids += [j.id for j in jobs if j.id not in outcome.state.job_ids]
            result = await self.store.commit(
                opened,
                outcome.state,
                now_ms=now_ms,
                delete=outcome.forget,
                outbox=outcome.replies,
                jobs=jobs,
                cancel_jobs=cancel,
                ack=ack,
                done_job=_job_id(event),
                record_seen=outcome.state is not None or opened.state is not None,
                unsee=unsee,
                expire_ms=_expiry_ms(outcome.state),
            )
        if result == "lock_lost":
            raise TurnLost(event.event_id)
        log.info(
            "turn event=%s kind=%s user=%s replies=%d ms=%.1f",
            event.event_id,
            event.kind,
            event.user_id,
            len(outcome.replies),
            (time.perf_counter() - started) * 1000,
        )
        return outcome.replies

    async def _prepare_job(self, event: Inbound) -> Apply | None:
        """The slow half of a due job, done on a snapshot (no lock held)."""
        if event.job is None:
            return None
        state = await self.store.load(event.user_id)
        return None if state is None else await self.jobs.prepare(state, event.job)

    def _apply(
        self, state: UserState | None, event: Inbound, ctx: Context, apply_job: Apply | None
    ) -> Step:
        if event.job is None:
            return step(state, event, ctx)
        if state is None:
            log.info("job %s for a user without data: nothing to do", event.job.name)
            return Step(None)
        if apply_job is None:
            log.warning("no handler for job %s", event.job.name)
            return Step(state)
        return apply_job(state, ctx)


def _expiry_ms(state: UserState | None) -> int:
    """How long the document of someone who has not consented is kept (0: as long as needed)."""
    if state is None or state.consented:
        return 0
    return int(BEFORE_CONSENT_KEPT.total_seconds() * 1000)


def _names(job_id: str, user_id: int) -> bool:
    """Whether a job id names a user (their id as a whole number)."""
    return re.search(rf"(?<![0-9]){user_id}(?![0-9])", job_id) is not None


def _job_id(event: Inbound) -> str:
    return event.event_id.removeprefix("job:") if event.kind == "job" else ""
