"""Drafting the relationship profile of a submitted interview, as a background job.

Submitting an interview schedules the job `interview_submitted` (stable id per session). The
scheduler claims it atomically; the scorer runs outside the teacher's lock (an LLM may take a
minute), then the draft is saved in the same atomic step that completes the job. A restart or a
second worker neither loses nor duplicates a draft: an unfinished job is claimed again when its
lease ends, and a session that already has a draft is left alone.
"""

from __future__ import annotations

import logging

from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.dialogues.flows import send_drafts_to_coach
from bot.dialogues.script import load_script
from bot.models.events import Inbound
from bot.models.jobs import Job
from bot.models.profile import Draft, Transcript, TranscriptAnswer, TranscriptPart
from bot.models.state import AccessRecord, Session, UserState
from bot.scoring.protocol import Scorer

log = logging.getLogger(__name__)
NOT_SCORED = frozenset({"pseudonym", "short"})


def transcript_of(state: UserState, session: Session) -> Transcript:
    """The scorer's view of an interview: the pseudonym and the answers, nothing else."""
    script = load_script(session.script_id, state.lang, session.script_version)
    pupil = state.pupil(session.pupil_slot)
    answers = [
        TranscriptAnswer(
            question_id=item.id,
            text=session.answers[item.id].text,
            parts=[
                TranscriptPart(prompt=p.prompt, text=p.text) for p in session.answers[item.id].parts
            ],
        )
        for item in script.items
        if item.kind not in NOT_SCORED
        and item.id in session.answers
        and session.answers[item.id].parts
    ]
    return Transcript(language=state.lang, pupil=pupil.pseudonym if pupil else "", answers=answers)


def _session(state: UserState, job: Job) -> Session | None:
    session = state.session(job.payload.get("session_id"))
    if session is None or session.status != "submitted" or session.script_id != "interview":
        return None
    return session


class DraftJob:
    """The job handler that drafts a profile with the configured scorer."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    async def prepare(self, state: UserState, job: Job) -> Draft | None:
        """Score the interview (slow, before the turn); None when there is nothing to do."""
        session = _session(state, job)
        if session is None or session.draft is not None:
            return None
        draft = await self.scorer.ascore(transcript_of(state, session))
        log.info(
            "draft for session %s by %s (fallback: %s)",
            session.id,
            draft.scorer,
            draft.fallback_reason,
        )
        return draft

    def apply(self, state: UserState, job: Job, prepared: Draft | None, ctx: Context) -> Step:
        """Keep the draft with its session (unless one is there) and send it to the coach."""
        session = _session(state, job)
        if prepared is not None and session is not None and session.draft is None:
            session.draft = prepared
            what = f"{session.id} ({prepared.scorer})"
            record = AccessRecord(at=ctx.now, who="system", action="drafted", what=what)
            state.access_log.append(record)
        conv = Conversation(state, Inbound.for_job(job), ctx)
        send_drafts_to_coach(conv)
        return Step(state, conv.replies)
