"""Coaches and their teachers: invitations, the coach's review of a draft, the release.

Everything a coach may do is checked here against the coach's own document: a coach only has
the teachers who joined through their invitation, and only the drafts those teachers sent. A
change that concerns the other person travels as an internal event (`Conversation.tell`).
"""

from __future__ import annotations

from typing import Any

from bot.dialogues import alerts as safeguarding
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.dialogues.flows import send_chart
from bot.dialogues.invites import forget_teacher
from bot.models.internal import (
    AccessNote,
    CheckinSubmitted,
    DraftReady,
    MakeCoach,
    PlanSubmitted,
    ProfileReleased,
    RetentionNotice,
    TeacherName,
    TeacherWithdrew,
)
from bot.models.jobs import Job, JobName
from bot.models.profile import Draft, level_for
from bot.models.state import (
    AccessRecord,
    AuditEntry,
    Profile,
    ProfileScale,
    Review,
    TeacherFile,
    UserState,
)
from bot.scoring.compare import compare_profiles
from bot.scoring.scales import load_scales
from bot.text.chunks import pack

COACH_COMMANDS = ("invite", "queue", "export")
ADMIN_COMMANDS = ("addcoach",)


def is_coach(state: UserState) -> bool:
    return state.role == "coach"


# -- admin and coach commands ---------------------------------------------------------------


def add_coach(conv: Conversation, argument: str) -> None:
    """/addcoach <telegram id>: admins only; the new coach is told by an internal event."""
    if conv.state.user_id not in conv.ctx.admin_ids:
        conv.say(conv.t("not_admin"))
        return
    if not argument.strip().isdigit():
        conv.say(conv.t("addcoach_usage"))
        return
    target = int(argument.strip())
    conv.tell(target, MakeCoach())
    conv.say(conv.t("addcoach_done", user=target))


def queue(conv: Conversation) -> None:
    """/queue: drafts waiting for this coach, oldest first, with their age."""
    if not is_coach(conv.state):
        conv.say(conv.t("not_coach"))
        return
    waiting = waiting_reviews(conv.state)
    alerts = safeguarding.open_alerts(conv)
    if not waiting and not alerts:
        conv.say(conv.t("queue_empty"))
        return
    lines = [line for line, _ in alerts] + ([conv.t("queue_header")] if waiting else [])
    buttons = [
        [conv.button(f"{conv.t('acknowledge_button')} ({n})", Action.ACKNOWLEDGE, ref)]
        for n, (_, ref) in enumerate(alerts, start=1)
    ]
    for n, (teacher, review) in enumerate(waiting, start=1):
        age = _age(conv, review.received_at)
        name = conv.teacher_name(teacher)
        lines.append(conv.t("queue_item", n=n, teacher=name, pupil=review.pupil, age=age))
        ref = review_ref(teacher, review)
        buttons.append([conv.button(conv.t("open_button", n=n), Action.OPEN, ref)])
    conv.say("\n".join(lines), buttons)


def export(conv: Conversation) -> None:
    """/export [name]: the PDF report of one teacher (made by a job); a list to choose from."""
    if not is_coach(conv.state):
        conv.say(conv.t("not_coach"))
        return
    wanted = conv.event.text.strip().lower()
    teachers = sorted(conv.state.coaching.values(), key=lambda t: t.linked_at)
    chosen = [t for t in teachers if wanted and conv.teacher_name(t).lower().startswith(wanted)]
    if len(chosen) == 1:
        export_teacher(conv, str(chosen[0].teacher_id))
        return
    if not teachers:
        conv.say(conv.t("export_none"))
        return
    rows = [[conv.button(conv.teacher_name(t), Action.EXPORT, str(t.teacher_id))] for t in teachers]
    conv.say(conv.t("export_pick"), rows)


def export_teacher(conv: Conversation, teacher_id: str) -> bool:
    """Schedule the report of one of this coach's teachers."""
    teacher = conv.state.coaching.get(teacher_id)
    if teacher is None:
        return False
    for review in teacher.reviews.values():
        review.audit.append(AuditEntry(at=conv.ctx.now, action="export"))
    _log(conv, teacher, "exported", "report")
    user_id = conv.state.user_id
    conv.jobs.append(
        Job(
            id=f"export:{user_id}:{teacher_id}:{conv.event.event_id}",
            user_id=user_id,
            name=JobName.EXPORT,
            due=conv.ctx.now,
            payload={"teacher_id": teacher_id},
        )
    )
    conv.say(conv.t("export_preparing", teacher=conv.teacher_name(teacher)))
    return True


def waiting_reviews(state: UserState) -> list[tuple[TeacherFile, Review]]:
    """(teacher, review) pairs not yet released, oldest first."""
    pairs = [
        (teacher, review)
        for teacher in state.coaching.values()
        for review in teacher.reviews.values()
        if review.status == "waiting"
    ]
    return sorted(pairs, key=lambda pair: pair[1].received_at)


def _age(conv: Conversation, since: Any) -> str:
    hours = int((conv.ctx.now - since).total_seconds() // 3600)
    if hours >= 48:
        return conv.t("age_days", n=hours // 24)
    return conv.t("age_hours", n=max(hours, 0))


# -- the review -----------------------------------------------------------------------------


def review_ref(teacher: TeacherFile, review: Review) -> str:
    """The reference of one review, '<teacher id>/<session id>': every coach button and every
    awaited input carries the review it acts on, never "the review open now"."""
    return f"{teacher.teacher_id}/{review.session_id}"


def _open(conv: Conversation, ref: str) -> tuple[TeacherFile, Review] | None:
    """The coach's own review named by `ref` (only this coach's teachers and their drafts)."""
    teacher_id, _, session_id = ref.partition("/")
    teacher = conv.state.coaching.get(teacher_id)
    review = teacher.reviews.get(session_id) if teacher else None
    return (teacher, review) if teacher and review else None


def _split(arg: str) -> tuple[str, str]:
    """A button's argument '<teacher>/<session>/<rest>' as (review reference, rest)."""
    teacher_id, _, rest = arg.partition("/")
    session_id, _, rest = rest.partition("/")
    return f"{teacher_id}/{session_id}", rest


def _scale_name(conv: Conversation, scale_id: str) -> str:
    return load_scales().get(scale_id).name[conv.state.lang]


def _level(conv: Conversation, score: int) -> str:
    return conv.t(f"level_{level_for(score)}")


def show_review(conv: Conversation, ref: str, *, read: bool = True) -> bool:
    """The overview of one review: a line and a button per scale, note, release, history.
    `read`: the coach opens it (told to the teacher's audit log), not comes back to it."""
    opened = _open(conv, ref)
    if opened is None:
        return False
    teacher, review = opened
    if read:
        _log(conv, teacher, "read", review.session_id)
    draft = review.draft
    lines = [
        conv.t("review_alert", quote=a.quote, question=a.question_id)
        for a in teacher.alerts
        if a.session_id == review.session_id
    ]
    lines.append(
        conv.t(
            "review_header",
            teacher=conv.teacher_name(teacher),
            pupil=review.pupil,
            scorer=draft.scorer,
        )
    )
    rows = []
    for index, scale in enumerate(draft.scales):
        score = review.scores[scale.id]
        mark = "*" if score != scale.score else ""
        name = _scale_name(conv, scale.id)
        lines.append(
            conv.t(
                "review_scale_line",
                name=name,
                score=score,
                mark=mark,
                level=_level(conv, score),
                confidence=f"{scale.confidence:.1f}",
            )
        )
        rows.append([conv.button(f"{name}: {score}{mark}", Action.SCALE, f"{ref}/{index}")])
    thin = [_scale_name(conv, s.id) for s in draft.scales if s.confidence < 0.5]
    if thin:
        lines.append(conv.t("review_low_confidence", scales=", ".join(thin)))
    if review.status == "released":
        lines.append(conv.t("review_released"))
    else:
        rows.append([conv.button(conv.t("overall_note_button"), Action.NOTE, f"{ref}/overall")])
        rows.append([conv.button(conv.t("release_button"), Action.RELEASE, ref)])
    rows.append([conv.button(conv.t("history_button"), Action.HISTORY, ref)])
    conv.say("\n".join(lines), rows)
    return True


def back(conv: Conversation, ref: str) -> bool:
    """Back to the overview of a review (not a new reading of it)."""
    return show_review(conv, ref, read=False)


def open_scale(conv: Conversation, arg: str) -> bool:
    """The scale button '<review>/<index>'."""
    ref, index = _split(arg)
    return index.isdigit() and show_scale(conv, ref, int(index))


def show_scale(conv: Conversation, ref: str, index: int) -> bool:
    """One scale: draft and current score, the quotes, the note; −/+ and note buttons."""
    opened = _open(conv, ref)
    if opened is None or not 0 <= index < len(opened[1].draft.scales):
        return False
    _, review = opened
    scale = review.draft.scales[index]
    score = review.scores[scale.id]
    quotes = "\n".join(f"«{e.quote}» ({e.question_id})" for e in scale.evidence)
    text = conv.t(
        "review_scale_detail",
        name=_scale_name(conv, scale.id),
        draft=scale.score,
        draft_level=_level(conv, scale.score),
        score=score,
        level=_level(conv, score),
        confidence=f"{scale.confidence:.1f}",
        quotes=quotes or conv.t("review_no_quotes"),
        note=review.notes.get(scale.id) or "–",
    )
    rows = [[conv.button(conv.t("back_button"), Action.BACK, ref)]]
    if review.status == "waiting":
        rows.insert(
            0,
            [
                conv.button("−1", Action.ADJUST, f"{ref}/{index}-"),
                conv.button("+1", Action.ADJUST, f"{ref}/{index}+"),
                conv.button(conv.t("note_button"), Action.NOTE, f"{ref}/{index}"),
            ],
        )
    conv.say(text, rows)
    return True


def adjust(conv: Conversation, arg: str) -> bool:
    """−1 / +1 ('<review>/<index><sign>') on a scale, within 1..7, written to the audit trail."""
    ref, change = _split(arg)
    opened = _open(conv, ref)
    if opened is None or len(change) < 2 or not change[:-1].isdigit() or change[-1] not in "+-":
        return False
    _, review = opened
    index = int(change[:-1])
    if review.status != "waiting" or not 0 <= index < len(review.draft.scales):
        return False
    scale_id = review.draft.scales[index].id
    old = review.scores[scale_id]
    new = min(7, max(1, old + (1 if change[-1] == "+" else -1)))
    review.scores[scale_id] = new
    review.audit.append(
        AuditEntry(at=conv.ctx.now, action="score", scale=scale_id, old=old, new=new)
    )
    return show_scale(conv, ref, index)


def _note_name(conv: Conversation, target: str) -> str:
    return conv.t("overall_note_button") if target == "overall" else _scale_name(conv, target)


def ask_note(conv: Conversation, arg: str) -> bool:
    """Wait for the coach's typed note on a scale ('<review>/<index>') or on the whole
    ('<review>/overall'). The awaited note is bound to that review, whatever arrives before
    the coach types it (another teacher's draft, say)."""
    ref, which = _split(arg)
    opened = _open(conv, ref)
    if opened is None or opened[1].status != "waiting":
        return False
    teacher, review = opened
    scales = review.draft.scales
    if which == "overall":
        target = "overall"
    elif which.isdigit() and int(which) < len(scales):
        target = scales[int(which)].id
    else:
        return False
    conv.state.pending = "coach_note"
    conv.state.note_review = ref
    conv.state.note_target = target
    name = conv.teacher_name(teacher)
    conv.say(conv.t("note_prompt", name=_note_name(conv, target), teacher=name, pupil=review.pupil))
    return True


def take_note(conv: Conversation, text: str) -> None:
    """Store the typed note on the scale of the review the coach chose it for."""
    ref, target = conv.state.note_review, conv.state.note_target
    opened = _open(conv, ref) if ref else None
    conv.state.pending = None
    conv.state.note_review = conv.state.note_target = ""
    if opened is None or opened[1].status != "waiting":
        conv.say(conv.t("note_not_saved"))
        queue(conv)
        return
    teacher, review = opened
    review.notes[target] = text
    review.audit.append(AuditEntry(at=conv.ctx.now, action="note", scale=target))
    conv.say(
        conv.t(
            "note_saved",
            name=_note_name(conv, target),
            teacher=conv.teacher_name(teacher),
            pupil=review.pupil,
        )
    )
    show_review(conv, ref, read=False)


def history(conv: Conversation, ref: str) -> bool:
    """The audit trail of a review."""
    opened = _open(conv, ref)
    if opened is None:
        return False
    _, review = opened
    lines = [conv.t("history_header")]
    for entry in review.audit:
        when = entry.at.strftime("%Y-%m-%d %H:%M")
        change = f" {entry.old}→{entry.new}" if entry.old is not None else ""
        scale = _scale_name(conv, entry.scale) if entry.scale not in ("", "overall") else ""
        lines.append(f"{when} {conv.t('audit_' + entry.action)} {scale}{change}".rstrip())
    conv.say("\n".join(lines), [[conv.button(conv.t("back_button"), Action.BACK, ref)]])
    return True


def release(conv: Conversation, ref: str) -> bool:
    """Send the coach's version of the profile to the teacher; the draft stays beside it."""
    opened = _open(conv, ref)
    if opened is None or opened[1].status != "waiting":
        return False
    teacher, review = opened
    review.status = "released"
    review.released_at = conv.ctx.now
    review.audit.append(AuditEntry(at=conv.ctx.now, action="release"))
    changed = sum(1 for s in review.draft.scales if review.scores[s.id] != s.score)
    _log(conv, teacher, "changed", f"{review.session_id}: {changed} scales")
    _log(conv, teacher, "released", review.session_id)
    scales = [
        ProfileScale(
            id=s.id,
            score=review.scores[s.id],
            note=review.notes.get(s.id, ""),
            quotes=[e.quote for e in s.evidence[:2]],
        )
        for s in review.draft.scales
    ]
    profile = Profile(scales=scales, note=review.notes.get("overall", ""), released_at=conv.ctx.now)
    conv.tell(teacher.teacher_id, ProfileReleased(session_id=review.session_id, profile=profile))
    conv.say(conv.t("released_coach", teacher=conv.teacher_name(teacher)))
    return True


# -- internal events --------------------------------------------------------------------------


def _log(conv: Conversation, teacher: TeacherFile, action: str, what: str) -> None:
    """Tell the teacher's own audit log what the coach did (the teacher's data is theirs)."""
    conv.tell(teacher.teacher_id, AccessNote(action=action, what=what))


def on_access(conv: Conversation, event: AccessNote) -> None:
    """A line in the teacher's audit log, from their own coach only."""
    if event.sender != conv.state.coach_id:
        return
    conv.state.access_log.append(
        AccessRecord(at=conv.ctx.now, who="coach", action=event.action, what=event.what)
    )


def on_make_coach(conv: Conversation, event: MakeCoach) -> None:
    conv.state.role = "coach"
    conv.state.stage = "active"
    conv.say(conv.t("became_coach"))


def on_teacher_name(conv: Conversation, event: TeacherName) -> None:
    """A teacher's Telegram name as it is now (it changed, or it reached the bot only now)."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is not None and event.name:
        teacher.name, teacher.last_initial = event.name, event.last_initial


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
    )
    conv.say(conv.t("coach_draft_ready", teacher=conv.teacher_name(teacher), pupil=event.pupil))
    _evidence(conv, draft)
    _compare(conv, teacher, teacher.reviews[session_id])
    ref = review_ref(teacher, teacher.reviews[session_id])
    send_chart(conv, ref)
    show_review(conv, ref)


def on_plan_submitted(conv: Conversation, event: PlanSubmitted) -> None:
    """A teacher's reflection and action plan (session 2)."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:
        return
    answers = dict(event.answers)
    teacher.plans[event.session_id] = answers
    name = conv.teacher_name(teacher)
    blocks = [conv.t("coach_plan_received", teacher=name, pupil=event.pupil)]
    blocks += [f"{item_id}:\n{text}" for item_id, text in answers.items()]
    for message in pack(blocks):
        conv.say(message)


def on_checkin_submitted(conv: Conversation, event: CheckinSubmitted) -> None:
    """A teacher's check-in a week after the plan."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:
        return
    answers = dict(event.answers)
    for n, item in enumerate(event.actions, start=1):
        answers[f"c01_actions#{n}"] = f"{item.action} -> {item.answer}"
    teacher.checkins[event.session_id] = answers
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
    blocks += [f"{k}:\n{v}" for k, v in answers.items() if k in ("c02_noticed", "c04_next")]
    for message in pack(blocks):
        conv.say(message)


def _evidence(conv: Conversation, draft: Draft) -> None:
    """Every scale with its score and the quotes behind it, in as few messages as fit."""
    blocks = []
    for scale in draft.scales:
        head = conv.t(
            "review_scale_line",
            name=_scale_name(conv, scale.id),
            score=scale.score,
            mark="",
            level=_level(conv, scale.score),
            confidence=f"{scale.confidence:.1f}",
        )
        quotes = [f"«{e.quote}» ({e.question_id})" for e in scale.evidence]
        blocks.append("\n".join([head, *(quotes or [conv.t("review_no_quotes")])]))
    if draft.notes:
        blocks.append("\n".join(draft.notes))
    for message in pack(blocks):
        conv.say(message)


def _compare(conv: Conversation, teacher: TeacherFile, review: Review) -> None:
    """With a second pupil: which scales agree (the teacher) and which differ (the match)."""
    others = [r for r in teacher.reviews.values() if r.session_id != review.session_id]
    if not others:
        return
    other = others[0]
    same, different = compare_profiles(other.scores, review.scores)
    names = ", ".join(_scale_name(conv, s) for s in same) or "–"
    differ = ", ".join(_scale_name(conv, s) for s in different) or "–"
    conv.say(
        conv.t(
            "coach_comparison", first=other.pupil, second=review.pupil, same=names, different=differ
        )
    )


def on_retention_notice(conv: Conversation, event: RetentionNotice) -> None:
    """A teacher's data goes away soon unless they come back."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is not None:
        name = conv.teacher_name(teacher)
        conv.say(conv.t("coach_retention_notice", teacher=name, date=event.date))


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
