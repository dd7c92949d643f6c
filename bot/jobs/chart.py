"""Profile charts in the chat, drawn by a job so that no turn waits for matplotlib.

The coach gets the chart of a draft (with the other pupil's profile as a second marker when
there is one); the teacher gets the chart of the released profile. Drawing happens in the
job's `prepare`, in a thread; the picture is then sent like any other reply.
"""

from __future__ import annotations

import asyncio

from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.engine import Step
from bot.dialogues.flows import offer_reading
from bot.models.events import Inbound
from bot.models.jobs import Job
from bot.models.profile import Draft, ScaleScore, level_for
from bot.models.state import Profile, UserState


def profile_draft(profile: Profile) -> Draft:
    """A released profile in the shape the chart draws."""
    scales = [
        ScaleScore(id=s.id, score=s.score, level=level_for(s.score), confidence=1.0)
        for s in profile.scales
    ]
    return Draft(scorer="rules", scales=scales)


class ChartJob:
    """Draw and send one chart."""

    async def prepare(self, state: UserState, job: Job) -> bytes | None:
        """The PNG, drawn in a thread; None when there is nothing to draw any more."""
        ref = job.payload.get("ref", "")
        args = _coach_chart(state, ref) if state.role == "coach" else _teacher_chart(state, ref)
        if args is None:
            return None
        first, second, pupil, labels = args
        from bot.render.chart import render_chart  # matplotlib: only in the process that draws

        return await asyncio.to_thread(
            render_chart,
            first,
            pupil=pupil,
            lang=state.lang,
            date=job.due.date(),
            second=second,
            first_label=labels[0],
            second_label=labels[1],
        )

    def apply(self, state: UserState, job: Job, prepared: bytes | None, ctx: Context) -> Step:
        """Send the picture."""
        if prepared is None:
            return Step(state)
        conv = Conversation(state, Inbound.for_job(job), ctx)
        conv.say("", photo=prepared)
        _after_chart(conv, job)
        return Step(state, conv.replies)

    def failed(self, state: UserState, job: Job, ctx: Context) -> Step:
        """The chart failed the same way twice and was parked: say so, kindly."""
        conv = Conversation(state, Inbound.for_job(job), ctx)
        conv.say(conv.t("chart_failed"))
        _after_chart(conv, job)
        return Step(state, conv.replies)


def _after_chart(conv: Conversation, job: Job) -> None:
    """A teacher's released profile, chart included: now they can say they have read it."""
    session = conv.state.session(job.payload.get("ref", ""))
    if conv.state.role == "teacher" and session is not None:
        offer_reading(conv, session)


ChartArgs = tuple[Draft, Draft | None, str, tuple[str | None, str | None]]


def _coach_chart(state: UserState, ref: str) -> ChartArgs | None:
    teacher_id, _, session_id = ref.partition("/")
    teacher = state.coaching.get(teacher_id)
    review = teacher.reviews.get(session_id) if teacher else None
    if teacher is None or review is None:
        return None
    others = [r for r in teacher.reviews.values() if r.session_id != session_id]
    if others:
        other = others[0]
        return (
            review.adjusted(),
            other.adjusted(),
            f"{review.pupil} / {other.pupil}",
            (review.pupil, other.pupil),
        )
    if review.scores != {s.id: s.score for s in review.draft.scales}:
        from bot.render.report import report_texts  # with the chart's drawing: only in this job

        texts = report_texts(state.lang)
        labels = (texts["chart_first"], texts["chart_second"])
        return review.draft, review.adjusted(), review.pupil, labels
    return review.draft, None, review.pupil, (None, None)


def _teacher_chart(state: UserState, ref: str) -> ChartArgs | None:
    session = state.session(ref)
    pupil = state.pupil(session.pupil_slot) if session else None
    if session is None or session.profile is None or pupil is None:
        return None
    return profile_draft(session.profile), None, pupil.pseudonym, (None, None)
