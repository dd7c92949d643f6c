"""What a coach did in the web workspace, applied in the coach's own turn: the same operations
(`bot.dialogues.coach_ops`), audit trail and access log as the chat buttons, through the same
service, lock and atomic commit. The web shows the result by reading the document again; the
chat hears of a release or a reopen, as when it is done there."""

from __future__ import annotations

from bot.dialogues import coach_ops as ops
from bot.dialogues.coaching import is_coach, log_access
from bot.dialogues.conversation import Conversation
from bot.models.state import AuditEntry, Review, TeacherFile
from bot.models.web import (
    Acknowledge,
    AdjustScore,
    ContactDone,
    Exported,
    ReadReview,
    Release,
    Reopen,
    SetNote,
    SetScore,
    WebAction,
)


def apply_web(conv: Conversation, action: WebAction) -> bool:
    """Apply one action of the coach's; False when it does not fit the coach's document (not a
    coach, not their teacher, a review already released...): nothing changes then."""
    teacher = conv.state.coaching.get(str(action.teacher_id))
    if not is_coach(conv.state) or teacher is None:
        return False
    if isinstance(action, Acknowledge):
        return ops.acknowledge(conv, teacher, action.index, no_concern=action.no_concern)
    if isinstance(action, Exported):
        for each in teacher.reviews.values():
            each.audit.append(AuditEntry(at=conv.ctx.now, action="export"))
        log_access(conv, teacher, "exported", "report")
        return True
    if isinstance(action, ContactDone):
        return ops.contacted(conv, teacher, action.session_id)
    review = teacher.reviews.get(action.session_id)
    return review is not None and _on_review(conv, teacher, review, action)


def _on_review(conv: Conversation, teacher: TeacherFile, review: Review, action: WebAction) -> bool:
    if isinstance(action, ReadReview):
        log_access(conv, teacher, "read", review.session_id)
        return True
    if isinstance(action, AdjustScore):
        score = review.scores.get(action.scale, 0) + action.delta
        return ops.set_score(conv, review, action.scale, score)
    if isinstance(action, SetScore):
        return ops.set_score(conv, review, action.scale, action.score)
    if isinstance(action, SetNote):
        return ops.set_note(conv, review, action.target, action.text)
    name = conv.teacher_name(teacher)
    if isinstance(action, Release) and ops.release(conv, teacher, review):
        conv.say(conv.t("released_coach", teacher=name))
        return True
    if isinstance(action, Reopen) and ops.reopen(conv, teacher, review):
        conv.say(conv.t("reopened_coach", teacher=name, pupil=review.pupil))
        return True
    return False
