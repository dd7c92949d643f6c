"""The check-in a week after the action plan (a job; pure, inside the teacher's turn)."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.dialogues.flows import start_checkin
from bot.models.events import Inbound
from bot.models.jobs import Job
from bot.models.state import UserState


class CheckinJob:
    """A week after the plan: start the check-in (later, if the teacher is busy with another)."""

    async def prepare(self, state: UserState, job: Job) -> None:
        """Nothing slow."""

    def apply(self, state: UserState, job: Job, prepared: None, ctx: Context) -> Step:
        """Start the check-in, or try again tomorrow while another session is open."""
        conv = Conversation(state, Inbound.for_job(job), ctx)
        reflection = state.session(job.payload.get("session_id"))
        if reflection is None or state.stage == "stopped":
            return Step(state)
        if state.session() is not None:
            retry = job.model_copy(update={"id": f"{job.id}+", "due": ctx.now + timedelta(days=1)})
            return Step(state, jobs=[retry])
        start_checkin(conv, reflection)
        return Step(state, conv.replies, conv.jobs)
