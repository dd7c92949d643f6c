"""Gentle reminders of an open session: after a quiet while, at most two, never in the quiet
hours (local time)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dialogues import runner as run
from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.models.events import Inbound
from bot.models.jobs import Job, JobName
from bot.models.state import UserState

MAX_REMINDERS = 2


class Reminders:
    """After `after` without activity in an open session, a gentle reminder; at most two, and
    never in the quiet hours (local time)."""

    def __init__(self, after: timedelta, quiet: tuple[time, time], zone: str) -> None:
        self.after = after
        self.quiet_start, self.quiet_end = quiet
        self.zone = ZoneInfo(zone)

    def schedule(self, state: UserState, now: datetime) -> list[Job]:
        """The first reminder check of an open session that has none yet."""
        session = state.session()
        if session is None or session.reminders_sent >= MAX_REMINDERS:
            return []
        prefix = f"remind:{state.user_id}:{session.id}:"
        if any(job_id.startswith(prefix) for job_id in state.job_ids):
            return []
        return [self._job(state, now + self.after, 0)]

    def _job(self, state: UserState, due: datetime, number: int) -> Job:
        session = state.active_session or ""
        return Job(
            id=f"remind:{state.user_id}:{session}:{number}",
            user_id=state.user_id,
            name=JobName.REMINDER,
            due=due,
            payload={"session_id": session, "number": str(number)},
        )

    def quiet_until(self, now: datetime) -> datetime | None:
        """The end of the quiet hours when `now` falls in them, else None."""
        local = now.astimezone(self.zone)
        start, end = self.quiet_start, self.quiet_end
        inside = (
            local.time() >= start or local.time() < end
            if start > end
            else (start <= local.time() < end)
        )
        if not inside:
            return None
        day = local.date() if local.time() < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone)

    async def prepare(self, state: UserState, job: Job) -> None:
        """Nothing slow."""

    def apply(self, state: UserState, job: Job, prepared: None, ctx: Context) -> Step:
        """Remind, wait for the end of the quiet hours, or look again later."""
        session = state.session()
        number = int(job.payload.get("number", "0"))
        if (
            session is None
            or session.id != job.payload.get("session_id")
            or state.stage == "stopped"
            or session.reminders_sent >= MAX_REMINDERS
        ):
            return Step(state)
        idle_until = state.last_seen + self.after
        if ctx.now < idle_until:
            return Step(state, jobs=[self._job(state, idle_until, number + 1)])
        quiet_end = self.quiet_until(ctx.now)
        if quiet_end is not None:
            return Step(state, jobs=[self._job(state, quiet_end, number + 1)])
        conv = Conversation(state, Inbound.for_job(job), ctx)
        session.reminders_sent += 1
        run.ask(conv, session, conv.t("reminder", pupil=run.pupil_name(conv, session)))
        later = self._job(state, ctx.now + self.after, number + 1)
        return Step(state, conv.replies, [later] if session.reminders_sent < MAX_REMINDERS else [])
