"""What reaches a coach from their teachers' turns: a draft to review, a plan, a check-in, a
name, a notice, a teacher who left."""

from __future__ import annotations

from bot.dialogues import coach_ops
from bot.dialogues.callbacks import Action
from bot.dialogues.coach_review import quote_lines, show_review
from bot.dialogues.coaching import level_name, queue, review_ref, scale_name
from bot.dialogues.conversation import Conversation
from bot.dialogues.flows import send_chart
from bot.dialogues.invites import forget_teacher
from bot.dialogues.told import handles
from bot.models.internal import (
    CheckinSubmitted,
    DraftReady,
    MakeCoach,
    PlanSubmitted,
    RetentionNotice,
    TeacherName,
    TeacherWithdrew,
)
from bot.models.interview import SessionItem
from bot.models.profile import Draft, confidence_word
from bot.models.state import (
    ContactRequest,
    Review,
    TeacherFile,
    TimelineEntry,
    TimelineKind,
)
from bot.scoring.compare import compare_profiles


@handles(MakeCoach)
def on_make_coach(conv: Conversation, event: MakeCoach) -> None:
    conv.state.role = "coach"
    conv.state.stage = "active"
    conv.say(conv.t("became_coach"))


@handles(TeacherName)
def on_teacher_name(conv: Conversation, event: TeacherName) -> None:
    """A teacher's Telegram name as it is now (it changed, or it reached the bot only now)."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is not None and event.name:
        teacher.name, teacher.last_initial = event.name, event.last_initial


@handles(DraftReady)
def on_draft_ready(conv: Conversation, event: DraftReady) -> None:
    """A teacher's draft: kept for review, shown with its evidence, its chart on the way."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:  # not (or no longer) this coach's teacher
        return
    draft = event.draft.model_copy(deep=True)
    session_id = event.session_id
    if session_id in teacher.reviews:
        return
    teacher.reviews[session_id] = Review(
        session_id=session_id,
        pupil=event.pupil,
        draft=draft,
        scores={s.id: s.score for s in draft.scales},
        received_at=conv.ctx.now,
        interview=list(event.interview),
    )
    teacher.timeline.append(_step(conv, "draft", session_id, event.pupil))
    ready = conv.t("coach_draft_ready", teacher=conv.teacher_name(teacher), pupil=event.pupil)
    path = f"/review/{teacher.teacher_id}/{session_id}"
    conv.say(ready, conv.web_button(conv.t("web_open_review"), path))
    _evidence(conv, draft, list(event.interview))
    _compare(conv, teacher, teacher.reviews[session_id])
    ref = review_ref(teacher, teacher.reviews[session_id])
    send_chart(conv, ref)
    show_review(conv, ref)


@handles(PlanSubmitted)
def on_plan_submitted(conv: Conversation, event: PlanSubmitted) -> None:
    """A teacher's reflection and action plan (session 2)."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:
        return
    answers = dict(event.answers)
    teacher.plans[event.session_id] = answers
    teacher.plan_items[event.session_id] = list(event.items)
    teacher.timeline.append(_step(conv, "plan", event.session_id, event.pupil))
    name = conv.teacher_name(teacher)
    blocks = [conv.t("coach_plan_received", teacher=name, pupil=event.pupil)]
    blocks += [f"{_title(conv, event.items, k)}:\n{text}" for k, text in answers.items()]
    conv.say_blocks(blocks)


@handles(CheckinSubmitted)
def on_checkin_submitted(conv: Conversation, event: CheckinSubmitted) -> None:
    """A teacher's check-in a week after the plan."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:
        return
    answers = dict(event.answers)
    for n, item in enumerate(event.actions, start=1):
        answers[f"c01_actions#{n}"] = f"{item.action} -> {item.answer}"
    teacher.checkins[event.session_id] = answers
    teacher.checkin_items[event.session_id] = list(event.items)
    teacher.checkin_actions[event.session_id] = list(event.actions)
    teacher.timeline.append(_step(conv, "checkin", event.session_id, event.pupil))
    name = conv.teacher_name(teacher)
    blocks = [conv.t("coach_checkin_received", teacher=name, pupil=event.pupil)]
    blocks += [
        conv.t("coach_checkin_action", action=a.action, answer=a.answer or "–")
        for a in event.actions
    ]
    blocks.append(
        conv.t(
            "coach_checkin_words",
            then=event.words_then,
            now=answers.get("c03_three_words", "–"),
        )
    )
    blocks += [
        f"{_title(conv, event.items, k)}:\n{v}"
        for k, v in answers.items()
        if k in ("c02_noticed", "c04_next")
    ]
    conv.say_blocks(blocks)
    if event.contact:
        request = ContactRequest(session_id=event.session_id, pupil=event.pupil, at=conv.ctx.now)
        teacher.contact_requests.append(request)
        ref = f"{teacher.teacher_id}/{event.session_id}"
        conv.say(
            conv.t("coach_contact_request", teacher=name, pupil=event.pupil),
            [[conv.button(conv.t("contacted_button"), Action.CONTACTED, ref)]],
        )


def contacted(conv: Conversation, ref: str) -> bool:
    """The coach's «I have been in touch» under a contact request ('<teacher>/<session>')."""
    teacher_id, _, session_id = ref.partition("/")
    teacher = conv.state.coaching.get(teacher_id)
    if teacher is None or not coach_ops.contacted(conv, teacher, session_id):
        return False
    conv.say(conv.t("contacted_done", teacher=conv.teacher_name(teacher)))
    queue(conv)
    return True


def _title(conv: Conversation, items: list[SessionItem], item_id: str) -> str:
    """An answer's question as the coach reads it: its short title (never its id)."""
    item = next((i for i in items if i.id == item_id), None)
    return item.title if item is not None and item.title else conv.t("question_unknown")


def _step(conv: Conversation, kind: TimelineKind, session_id: str, pupil: str) -> TimelineEntry:
    return TimelineEntry(at=conv.ctx.now, kind=kind, session_id=session_id, pupil=pupil)


def _evidence(conv: Conversation, draft: Draft, items: list[SessionItem]) -> None:
    """Every scale with its score, how well the draft's evidence holds it (in words), and the
    quotes behind it, each supporting or contradicting the score, in as few messages as fit."""
    blocks = []
    for scale in draft.scales:
        head = conv.t(
            "review_scale_line",
            name=scale_name(conv, scale.id),
            score=scale.score,
            mark="",
            level=level_name(conv, scale.score),
            confidence=conv.t("confidence_" + confidence_word(scale.confidence)),
        )
        quotes = quote_lines(conv, scale, items) if scale.evidence else []
        blocks.append("\n".join([head, *(quotes or [conv.t("review_no_quotes")])]))
    if draft.notes:
        blocks.append("\n".join(draft.notes))
    conv.say_blocks(blocks)


def _compare(conv: Conversation, teacher: TeacherFile, review: Review) -> None:
    """With a second pupil: which scales agree (the teacher) and which differ (the match)."""
    others = [r for r in teacher.reviews.values() if r.session_id != review.session_id]
    if not others:
        return
    other = others[0]
    same, different = compare_profiles(other.scores, review.scores)
    names = ", ".join(scale_name(conv, s) for s in same) or "–"
    differ = ", ".join(scale_name(conv, s) for s in different) or "–"
    conv.say(
        conv.t(
            "coach_comparison", first=other.pupil, second=review.pupil, same=names, different=differ
        )
    )


@handles(RetentionNotice)
def on_retention_notice(conv: Conversation, event: RetentionNotice) -> None:
    """A teacher's data goes away soon unless they come back."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is not None:
        name = conv.teacher_name(teacher)
        conv.say(conv.t("coach_retention_notice", teacher=name, date=event.date))


@handles(TeacherWithdrew)
def on_teacher_withdrew(conv: Conversation, event: TeacherWithdrew) -> None:
    """A teacher deleted their data or moved on: nothing of theirs stays with this coach."""
    teacher = conv.state.coaching.get(str(event.sender))
    name = conv.teacher_name(teacher) if teacher is not None else ""
    conv.state.coaching.pop(str(event.sender), None)
    forget_teacher(conv, event.sender)
    conv.unsee.append(event.sender)  # event and job ids naming them leave the seen set
    if teacher is not None:
        if conv.state.note_review.startswith(f"{teacher.teacher_id}/"):
            conv.state.pending = None
            conv.state.note_review = conv.state.note_target = ""
        conv.say(conv.t("coach_teacher_withdrew", teacher=name))
