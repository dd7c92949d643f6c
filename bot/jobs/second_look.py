"""The LLM's second look at an answer for safeguarding signals, as a job (never in a turn).

It can only add alerts: the offline rules already ran in the turn. Configured with the LLM
settings of the scorer (`docs/llm.md`); without them this job is never scheduled.
"""

from __future__ import annotations

from typing import Protocol

from bot.dialogues.alerts import raise_alerts
from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.models.events import Inbound
from bot.models.jobs import Job
from bot.models.state import UserState
from bot.safety.safeguarding import Signal


class SecondLook(Protocol):
    """Something that reads an answer for safeguarding signals the rules did not catch."""

    async def signals(self, text: str, lang: str) -> list[Signal]: ...


class SecondLookJob:
    """Ask the LLM about one answer; new verified signals become alerts like the rules' ones."""

    def __init__(self, checker: SecondLook) -> None:
        self.checker = checker

    async def prepare(self, state: UserState, job: Job) -> list[Signal]:
        """The model's verified signals in the answer (slow, before the turn)."""
        session = state.session(job.payload.get("session_id"))
        answer = session.answers.get(job.payload.get("question_id", "")) if session else None
        if answer is None or not answer.parts:
            return []
        return await self.checker.signals(answer.text, state.lang)

    def apply(self, state: UserState, job: Job, prepared: list[Signal], ctx: Context) -> Step:
        """Raise the signals the rules did not already raise."""
        session = state.session(job.payload.get("session_id"))
        signals = prepared
        if session is None or not signals:
            return Step(state)
        conv = Conversation(state, Inbound.for_job(job), ctx)
        raise_alerts(conv, session, job.payload.get("question_id", ""), signals)
        return Step(state, conv.replies)
