"""What a coach can do to a review, whichever way they do it (chat buttons or the web
workspace): each operation checks the coach's own document, changes it, writes the audit trail
and tells the teacher's audit log, exactly the same way for both. No replies to the coach here:
the chat and the web each say it their own way."""

from __future__ import annotations

from bot.dialogues.coaching import log_access
from bot.dialogues.conversation import Conversation
from bot.dialogues.profile_text import released_quotes
from bot.models.internal import ProfileReleased
from bot.models.state import (
    AuditEntry,
    Profile,
    ProfileScale,
    ReleasedVersion,
    Review,
    TeacherFile,
    TimelineEntry,
)

OVERALL = "overall"


def find(conv: Conversation, teacher_id: int | str, session_id: str) -> tuple[TeacherFile, Review]:
    """The coach's own review of one of their teachers; KeyError when there is none (another
    coach's teacher, a teacher who left, a made-up session)."""
    teacher = conv.state.coaching[str(teacher_id)]
    return teacher, teacher.reviews[session_id]


def set_score(conv: Conversation, review: Review, scale_id: str, score: int) -> bool:
    """A scale's score (1..7) while the review is open; False when it cannot change."""
    if review.status != "waiting" or scale_id not in review.scores:
        return False
    old, new = review.scores[scale_id], min(7, max(1, score))
    if old == new:
        return False
    review.scores[scale_id] = new
    review.audit.append(
        AuditEntry(at=conv.ctx.now, action="score", scale=scale_id, old=old, new=new)
    )
    return True


def set_note(conv: Conversation, review: Review, target: str, text: str) -> bool:
    """A note on one scale or on the whole (`overall`); an empty text removes it."""
    if review.status != "waiting" or (target != OVERALL and target not in review.scores):
        return False
    if text.strip():
        review.notes[target] = text.strip()
    elif review.notes.pop(target, None) is None:
        return False
    review.audit.append(AuditEntry(at=conv.ctx.now, action="note", scale=target))
    return True


def release(conv: Conversation, teacher: TeacherFile, review: Review) -> bool:
    """Send the coach's version of the profile to the teacher; the draft stays beside it, and
    every released version is kept."""
    if review.status != "waiting":
        return False
    now = conv.ctx.now
    review.status = "released"
    review.released_at = now
    review.audit.append(AuditEntry(at=now, action="release", new=review.version))
    changed = sum(1 for s in review.draft.scales if review.scores[s.id] != s.score)
    log_access(conv, teacher, "changed", f"{review.session_id}: {changed} scales")
    log_access(conv, teacher, "released", review.session_id)
    review.versions.append(
        ReleasedVersion(
            version=review.version,
            scores=dict(review.scores),
            notes=dict(review.notes),
            released_at=now,
        )
    )
    teacher.timeline.append(
        TimelineEntry(at=now, kind="released", session_id=review.session_id, pupil=review.pupil)
    )
    scales = [
        ProfileScale(
            id=s.id,
            score=review.scores[s.id],
            note=review.notes.get(s.id, ""),
            quotes=released_quotes(s, review.scores[s.id]),
        )
        for s in review.draft.scales
    ]
    profile = Profile(
        scales=scales,
        note=review.notes.get(OVERALL, ""),
        released_at=now,
        version=review.version,
    )
    conv.tell(teacher.teacher_id, ProfileReleased(session_id=review.session_id, profile=profile))
    return True


def reopen(conv: Conversation, teacher: TeacherFile, review: Review) -> bool:
    """Open a released profile for changes: a new version; the released one stays in
    `versions` and in the audit trail."""
    if review.status != "released":
        return False
    now = conv.ctx.now
    review.status = "waiting"
    review.version += 1
    review.audit.append(AuditEntry(at=now, action="reopen", new=review.version))
    log_access(conv, teacher, "reopened", review.session_id)
    teacher.timeline.append(
        TimelineEntry(at=now, kind="reopened", session_id=review.session_id, pupil=review.pupil)
    )
    return True


def acknowledge(
    conv: Conversation, teacher: TeacherFile, index: int, *, no_concern: bool = False
) -> bool:
    """The coach has seen a safeguarding alert: they will act on it, or (`no_concern`) they
    read it and it gives no cause for concern. The latest verdict holds; the first time seen
    stays."""
    if not 0 <= index < len(teacher.alerts):
        return False
    alert = teacher.alerts[index]
    if alert.acknowledged_at is None:
        alert.acknowledged_at = conv.ctx.now
    alert.no_concern = no_concern
    return True


def contacted(conv: Conversation, teacher: TeacherFile, session_id: str) -> bool:
    """The coach got in touch with a teacher who asked for it at the check-in."""
    for request in teacher.contact_requests:
        if request.session_id == session_id and request.done_at is None:
            request.done_at = conv.ctx.now
            return True
    return False
