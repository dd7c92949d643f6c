"""What happens later by itself: the check-in a week after the plan, and gentle reminders.

Both are jobs (stable ids, claimed atomically, see `bot/jobs.py`); their handlers are pure and
run inside the teacher's turn. A job for a teacher who deleted their data does nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dialogues import runner as run
from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.dialogues.flows import start_checkin
from bot.models.jobs import Job
from bot.models.state import UserState
from bot.service import job_event

CHECKIN_JOB = "checkin_due"
REMINDER_JOB = "reminder"
MAX_REMINDERS = 2


class CheckinJob:
    """A week after the plan: start the check-in (later, if the teacher is busy with another)."""

    async def prepare(self, state: UserState, job: Job) -> object:
        return None

    def apply(self, state: UserState, job: Job, prepared: object, ctx: Context) -> Step:
        """Start the check-in, or try again tomorrow while another session is open."""
        conv = Conversation(state, job_event(job), ctx)
        reflection = state.session(job.payload.get("session_id"))
        if reflection is None or state.stage == "stopped":
            return Step(state)
        if state.session() is not None:
            retry = job.model_copy(update={"id": f"{job.id}+", "due": ctx.now + timedelta(days=1)})
            return Step(state, jobs=[retry])
        start_checkin(conv, reflection)
        return Step(state, conv.replies, conv.jobs)


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
        return Job(id=f"remind:{state.user_id}:{session}:{number}", user_id=state.user_id,
                   name=REMINDER_JOB, due=due, payload={"session_id": session,
                                                        "number": str(number)})  # fmt: skip

    def quiet_until(self, now: datetime) -> datetime | None:
        """The end of the quiet hours when `now` falls in them, else None."""
        local = now.astimezone(self.zone)
        start, end = self.quiet_start, self.quiet_end
        inside = local.time() >= start or local.time() < end if start > end else (
            start <= local.time() < end)  # fmt: skip
        if not inside:
            return None
        day = local.date() if local.time() < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone)

    async def prepare(self, state: UserState, job: Job) -> object:
        return None

    def apply(self, state: UserState, job: Job, prepared: object, ctx: Context) -> Step:
        """Remind, wait for the end of the quiet hours, or look again later."""
        session = state.session()
        number = int(job.payload.get("number", "0"))
        if (
            session is None
            or session.id != job.payload.get("session_id")
            or state.stage == "stopped"
            or session.reminders_sent >= MAX_REMINDERS
        ):
            return Step(state)  # fmt: skip
        idle_until = state.last_seen + self.after
        if ctx.now < idle_until:
            return Step(state, jobs=[self._job(state, idle_until, number + 1)])
        quiet_end = self.quiet_until(ctx.now)
        if quiet_end is not None:
            return Step(state, jobs=[self._job(state, quiet_end, number + 1)])
        conv = Conversation(state, job_event(job), ctx)
        session.reminders_sent += 1
        run.ask(conv, session, conv.t("reminder", pupil=run.pupil_name(conv, session)))
        later = self._job(state, ctx.now + self.after, number + 1)
        return Step(state, conv.replies, [later] if session.reminders_sent < MAX_REMINDERS else [])


RETENTION_JOB = "retention"
NOTICE_BEFORE = timedelta(days=30)


class Retention:
    """Data goes away by itself `keep` after the teacher's last activity; the coach gets a
    notice `NOTICE_BEFORE` that. One job per teacher, moved on as long as they are active."""

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep

    def _job(self, state: UserState, due: datetime, step: str) -> Job:
        stamp = int(due.timestamp())
        return Job(id=f"retention:{state.user_id}:{stamp}:{step}", user_id=state.user_id,
                   name=RETENTION_JOB, due=due, payload={"step": step})  # fmt: skip

    def schedule(self, state: UserState, now: datetime) -> list[Job]:
        """The retention check of a teacher who has none yet."""
        if state.role != "teacher" or state.consent_at is None:
            return []
        if any(job_id.startswith(f"retention:{state.user_id}:") for job_id in state.job_ids):
            return []
        return [self._job(state, state.last_seen + self.keep - NOTICE_BEFORE, "notice")]

    async def prepare(self, state: UserState, job: Job) -> object:
        return None

    def apply(self, state: UserState, job: Job, prepared: object, ctx: Context) -> Step:
        """Look again later, tell the coach a month ahead, or delete everything."""
        deadline = state.last_seen + self.keep
        if ctx.now < deadline - NOTICE_BEFORE:
            return Step(state, jobs=[self._job(state, deadline - NOTICE_BEFORE, "notice")])
        conv = Conversation(state, job_event(job), ctx)
        if ctx.now < deadline:
            if job.payload.get("step") == "notice" and state.coach_id is not None:
                conv.tell(state.coach_id, "retention_notice", date=deadline.date().isoformat())
            return Step(state, conv.replies, [self._job(state, deadline, "delete")])
        if state.coach_id is not None:
            conv.tell(state.coach_id, "teacher_withdrew")
        return Step(None, conv.replies, forget=True)
