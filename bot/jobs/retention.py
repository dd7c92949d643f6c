"""Retention: a teacher's data goes away by itself a year (`RETENTION_DAYS`) after their last
activity; their coach hears a month before."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.models.events import Inbound
from bot.models.internal import RetentionNotice, TeacherWithdrew
from bot.models.jobs import Job, JobName
from bot.models.state import UserState

NOTICE_BEFORE = timedelta(days=30)


class Retention:
    """Data goes away by itself `keep` after the teacher's last activity; the coach gets a
    notice `NOTICE_BEFORE` that. One job per teacher, moved on as long as they are active."""

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep

    def _job(self, state: UserState, due: datetime, step: str) -> Job:
        stamp = int(due.timestamp())
        return Job(
            id=f"retention:{state.user_id}:{stamp}:{step}",
            user_id=state.user_id,
            name=JobName.RETENTION,
            due=due,
            payload={"step": step},
        )

    def schedule(self, state: UserState, now: datetime) -> list[Job]:
        """The retention check of a teacher who has none yet."""
        if state.role != "teacher" or state.consent_at is None:
            return []
        if any(job_id.startswith(f"retention:{state.user_id}:") for job_id in state.job_ids):
            return []
        return [self._job(state, state.last_seen + self.keep - NOTICE_BEFORE, "notice")]

    async def prepare(self, state: UserState, job: Job) -> None:
        """Nothing slow."""

    def apply(self, state: UserState, job: Job, prepared: None, ctx: Context) -> Step:
        """Look again later, tell the coach a month ahead, or delete everything."""
        deadline = state.last_seen + self.keep
        if ctx.now < deadline - NOTICE_BEFORE:
            return Step(state, jobs=[self._job(state, deadline - NOTICE_BEFORE, "notice")])
        conv = Conversation(state, Inbound.for_job(job), ctx)
        if ctx.now < deadline:
            if job.payload.get("step") == "notice" and state.coach_id is not None:
                conv.tell(state.coach_id, RetentionNotice(date=deadline.date().isoformat()))
            return Step(state, conv.replies, [self._job(state, deadline, "delete")])
        if state.coach_id is not None:
            conv.tell(state.coach_id, TeacherWithdrew())
        return Step(None, conv.replies, forget=True)
