"""The LLM's second look at an answer for safeguarding signals, as a job (never in a turn).

It can only add alerts: the offline rules already ran in the turn. Configured with the LLM
settings of the scorer (`docs/llm.md`); without them this job is never scheduled.
"""

from __future__ import annotations

from bot.dialogues.alerts import raise_alerts
from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.models.jobs import Job
from bot.models.state import UserState
from bot.safety.llm_check import LlmSafeguard
from bot.safety.safeguarding import Signal
from bot.service import job_event


class SecondLookJob:
    """Ask the LLM about one answer; new verified signals become alerts like the rules' ones."""

    def __init__(self, checker: LlmSafeguard) -> None:
        self.checker = checker

    async def prepare(self, state: UserState, job: Job) -> object:
        """The model's verified signals in the answer (slow, outside the lock)."""
        session = state.session(job.payload.get("session_id"))
        answer = session.answers.get(job.payload.get("question_id", "")) if session else None
        if answer is None or not answer.parts:
            return []
        return await self.checker.signals(answer.text, state.lang)

    def apply(self, state: UserState, job: Job, prepared: object, ctx: Context) -> Step:
        """Raise the signals the rules did not already raise."""
        session = state.session(job.payload.get("session_id"))
        signals = (
            [s for s in prepared if isinstance(s, Signal)] if isinstance(prepared, list) else []
        )
        if session is None or not signals:
            return Step(state)
        conv = Conversation(state, job_event(job), ctx)
        raise_alerts(conv, session, job.payload.get("question_id", ""), signals)
        return Step(state, conv.replies)
