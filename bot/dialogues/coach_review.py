"""The coach's review of one draft: the scales with their evidence, −1/+1, notes, the audit
trail and the release to the teacher. Every button names the review it acts on
(`<teacher>/<session>`), and a typed note is bound to the review whose button asked for it."""

from __future__ import annotations

from bot.dialogues import coach_ops as ops
from bot.dialogues.callbacks import Action
from bot.dialogues.coaching import level_name, log_access, queue, scale_name
from bot.dialogues.conversation import Conversation
from bot.models.interview import SessionItem
from bot.models.profile import ScaleScore, confidence_word
from bot.models.state import Alert, Review, TeacherFile


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


def show_review(conv: Conversation, ref: str, *, read: bool = True) -> bool:
    """The overview of one review: a line and a button per scale, note, release, history.
    `read`: the coach opens it (told to the teacher's audit log), not comes back to it."""
    opened = _open(conv, ref)
    if opened is None:
        return False
    teacher, review = opened
    if read:
        log_access(conv, teacher, "read", review.session_id)
    draft = review.draft
    lines = [
        conv.t(_alert_key(a), quote=a.quote, question=_question(conv, review, a.question_id))
        for a in teacher.alerts
        if a.session_id == review.session_id
    ]
    lines.append(
        conv.t(
            "review_header",
            teacher=conv.teacher_name(teacher),
            pupil=review.pupil,
            scorer=conv.t(f"scorer_{draft.scorer}"),
        )
    )
    rows = []
    for index, scale in enumerate(draft.scales):
        score = review.scores[scale.id]
        mark = "*" if score != scale.score else ""
        name = scale_name(conv, scale.id)
        lines.append(
            conv.t(
                "review_scale_line",
                name=name,
                score=score,
                mark=mark,
                level=level_name(conv, score),
                confidence=conv.t("confidence_" + confidence_word(scale.confidence)),
            )
        )
        rows.append([conv.button(f"{name}: {score}{mark}", Action.SCALE, f"{ref}/{index}")])
    thin = [scale_name(conv, s.id) for s in draft.scales if s.confidence < 0.5]
    if thin:
        lines.append(conv.t("review_low_confidence", scales=", ".join(thin)))
    mixed = [scale_name(conv, s.id) for s in draft.scales if s.mixed_evidence]
    if mixed:
        lines.append(conv.t("review_mixed", scales=", ".join(mixed)))
    if review.status == "released":
        lines.append(conv.t("review_released"))
        rows.append([conv.button(conv.t("reopen_button"), Action.REOPEN, ref)])
    else:
        rows.append([conv.button(conv.t("overall_note_button"), Action.NOTE, f"{ref}/overall")])
        rows.append([conv.button(conv.t("release_button"), Action.RELEASE, ref)])
    rows.append([conv.button(conv.t("history_button"), Action.HISTORY, ref)])
    conv.say("\n".join(lines), rows)
    return True


def _question(conv: Conversation, review: Review, question_id: str) -> str:
    return question_label(conv, review.interview, question_id)


def question_label(conv: Conversation, items: list[SessionItem], question_id: str) -> str:
    """'question 4 · When Sam was upset': how the coach reads where a quote came from (the
    question's number and short title, never its id)."""
    item = next((i for i in items if i.id == question_id), None)
    if item is None:
        return conv.t("question_unknown")
    if item.number is None:
        return item.title
    return conv.t("question_label", n=item.number, title=item.title)


def quote_lines(conv: Conversation, scale: ScaleScore, items: list[SessionItem]) -> list[str]:
    """Each quote of a scale with whether it supports or contradicts the score and where it
    came from; then a word when the evidence is thin or mixed."""
    return _quotes(conv, scale, items) + _evidence_words(conv, scale)


def _quotes(conv: Conversation, scale: ScaleScore, items: list[SessionItem]) -> list[str]:
    return [
        conv.t(
            "review_quote",
            quote=e.quote,
            direction=conv.t(f"quote_{e.direction}"),
            question=question_label(conv, items, e.question_id),
        )
        for e in scale.evidence
    ]


def _evidence_words(conv: Conversation, scale: ScaleScore) -> list[str]:
    """A word when the draft's evidence for a scale is thin, or both supports and contradicts."""
    words = [conv.t("scale_thin")] if scale.confidence < 0.5 else []
    return words + ([conv.t("scale_mixed")] if scale.mixed_evidence else [])


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
    quotes = "\n".join(_quotes(conv, scale, review.interview))
    notes = _evidence_words(conv, scale)
    text = conv.t(
        "review_scale_detail",
        name=scale_name(conv, scale.id),
        draft=scale.score,
        draft_level=level_name(conv, scale.score),
        score=score,
        level=level_name(conv, score),
        confidence=conv.t("confidence_" + confidence_word(scale.confidence)),
        quotes=quotes or conv.t("review_no_quotes"),
        evidence="".join(f"\n{line}" for line in notes),
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
    delta = 1 if change[-1] == "+" else -1
    ops.set_score(conv, review, scale_id, review.scores[scale_id] + delta)
    return show_scale(conv, ref, index)


def _note_name(conv: Conversation, target: str) -> str:
    return conv.t("overall_note_button") if target == "overall" else scale_name(conv, target)


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
    ops.set_note(conv, review, target, text)
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
        scale = scale_name(conv, entry.scale) if entry.scale not in ("", "overall") else ""
        lines.append(f"{when} {conv.t('audit_' + entry.action)} {scale}{change}".rstrip())
    conv.say("\n".join(lines), [[conv.button(conv.t("back_button"), Action.BACK, ref)]])
    return True


CONFIRMED = "ok"  # the release button's argument once the coach said yes


def release(conv: Conversation, arg: str) -> bool:
    """Send the coach's version of the profile to the teacher; the draft stays beside it. The
    first press asks once more (what the teacher will see, and that it can be reopened); the
    «yes» sends it."""
    ref, confirmed = _split(arg)
    opened = _open(conv, ref)
    if opened is None or opened[1].status == "released":
        return False
    if confirmed != CONFIRMED:
        teacher, review = opened
        yes = conv.button(conv.t("release_yes"), Action.RELEASE, f"{ref}/{CONFIRMED}")
        no = conv.button(conv.t("release_not_yet"), Action.OPEN, ref)
        name = conv.teacher_name(teacher)
        conv.say(conv.t("release_confirm", teacher=name, pupil=review.pupil), [[yes], [no]])
        return True
    if not ops.release(conv, *opened):
        return False
    reopen = conv.button(conv.t("reopen_button"), Action.REOPEN, ref)
    conv.say(conv.t("released_coach", teacher=conv.teacher_name(opened[0])), [[reopen]])
    return True


def reopen(conv: Conversation, ref: str) -> bool:
    """Open a released profile again for changes (a new version), then its overview."""
    opened = _open(conv, ref)
    if opened is None or not ops.reopen(conv, *opened):
        return False
    conv.say(conv.t("reopened_coach", teacher=conv.teacher_name(opened[0]), pupil=opened[1].pupil))
    return show_review(conv, ref, read=False)


def _alert_key(alert: Alert) -> str:
    """An alert above the draft: urgent until the coach has seen it, then only named; a
    possible one (the model alone) asks to be read."""
    if alert.acknowledged_at is not None:
        return "review_alert_no_concern" if alert.no_concern else "review_alert_seen"
    return "review_alert_possible" if alert.possible else "review_alert"
