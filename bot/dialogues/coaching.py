"""Coaches and their teachers: the coach's commands (/addcoach, /queue, /export) and what the
coach's other modules share. A coach only has the teachers who joined through their
invitation (`bot.dialogues.invites`), and only the drafts those teachers sent."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from bot.dialogues import alerts as safeguarding
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.models.internal import (
    AccessNote,
    MakeCoach,
)
from bot.models.jobs import JobName
from bot.models.profile import level_for
from bot.models.state import (
    AuditEntry,
    ContactRequest,
    Review,
    TeacherFile,
    UserState,
)
from bot.scoring.scales import load_scales

COACH_COMMANDS = ("invite", "queue", "export", "web")
ADMIN_COMMANDS = ("addcoach",)


def is_coach(state: UserState) -> bool:
    return state.role == "coach"


def add_coach(conv: Conversation, argument: str) -> None:
    """/addcoach <telegram id>: admins only; the new coach is told by an internal event."""
    if conv.state.user_id not in conv.ctx.admin_ids:
        conv.say(conv.t("not_admin"))
        return
    if not argument.strip().isdigit():
        conv.say(conv.t("addcoach_usage"))
        return
    target = int(argument.strip())
    conv.tell(target, MakeCoach(lang=conv.state.lang))
    conv.say(conv.t("addcoach_done", user=target))


def queue(conv: Conversation) -> None:
    """/queue: drafts waiting for this coach, oldest first, with their age."""
    if not is_coach(conv.state):
        conv.say(conv.t("not_coach"))
        return
    waiting = waiting_reviews(conv.state)
    alerts = safeguarding.open_alerts(conv)
    contacts = open_contacts(conv.state)
    web = conv.web_button(conv.t("web_open_queue"))
    if not waiting and not alerts and not contacts:
        conv.say(conv.t("queue_empty"), web)
        return
    lines = [line for line, _ in alerts]
    buttons = [
        [conv.button(f"{conv.t('acknowledge_button')} ({n})", Action.ACKNOWLEDGE, ref)]
        for n, (_, ref) in enumerate(alerts, start=1)
    ]
    for teacher, request in contacts:
        name = conv.teacher_name(teacher)
        lines.append(conv.t("coach_contact_request", teacher=name, pupil=request.pupil))
        ref = f"{teacher.teacher_id}/{request.session_id}"
        label = f"{conv.t('contacted_button')}: {name}"
        buttons.append([conv.button(label, Action.CONTACTED, ref)])
    lines += [conv.t("queue_header")] if waiting else []
    for n, (teacher, review) in enumerate(waiting, start=1):
        age = _age(conv, review.received_at)
        name = conv.teacher_name(teacher)
        lines.append(conv.t("queue_item", n=n, teacher=name, pupil=review.pupil, age=age))
        ref = review_ref(teacher, review)
        buttons.append([conv.button(conv.t("open_button", n=n), Action.OPEN, ref)])
    conv.say("\n".join(lines), buttons + web)


def open_contacts(state: UserState) -> list[tuple[TeacherFile, ContactRequest]]:
    """(teacher, request) of every contact request the coach has not marked done, oldest
    first."""
    pairs = [
        (teacher, request)
        for teacher in state.coaching.values()
        for request in teacher.contact_requests
        if request.done_at is None
    ]
    return sorted(pairs, key=lambda pair: pair[1].at)


def login_digest(token: str) -> str:
    """What is kept of a workspace login link: its SHA-256, never the link itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def web_login(conv: Conversation) -> None:
    """/web: a single-use link that signs the coach in to the workspace in a browser, valid
    for a few minutes; the coach's document keeps only its digest."""
    if not is_coach(conv.state):
        conv.say(conv.t("not_coach"))
        return
    if not conv.ctx.web_url:
        conv.say(conv.t("web_off"))
        return
    now = conv.ctx.now
    logins = {d: until for d, until in conv.state.web_logins.items() if until > now}
    token = f"{conv.state.user_id:x}-{conv.ctx.new_token()}{conv.ctx.new_token()}"
    minutes = conv.ctx.web_login_minutes
    logins[login_digest(token)] = now + timedelta(minutes=minutes)
    conv.state.web_logins = logins
    url = f"{conv.ctx.web_url.rstrip('/')}/login#{token}"
    conv.say(
        conv.t("web_link", url=url, minutes=minutes), conv.web_button(conv.t("web_open_queue"))
    )


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
    log_access(conv, teacher, "exported", "report")
    user_id = conv.state.user_id
    key = f"export:{user_id}:{teacher_id}:{conv.event.event_id}"
    conv.schedule(JobName.EXPORT, key, teacher_id=teacher_id)
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
    if hours < 1:
        return conv.t("age_new")  # not "waiting 0 hours"
    return conv.t("age_hour") if hours == 1 else conv.t("age_hours", n=hours)


def review_ref(teacher: TeacherFile, review: Review) -> str:
    """The reference of one review, '<teacher id>/<session id>': every coach button and every
    awaited input carries the review it acts on, never "the review open now"."""
    return f"{teacher.teacher_id}/{review.session_id}"


def log_access(conv: Conversation, teacher: TeacherFile, action: str, what: str) -> None:
    """Tell the teacher's own audit log what the coach did (the teacher's data is theirs)."""
    conv.tell(teacher.teacher_id, AccessNote(action=action, what=what))


def scale_name(conv: Conversation, scale_id: str) -> str:
    return load_scales().get(scale_id).name[conv.state.lang]


def level_name(conv: Conversation, score: int) -> str:
    return conv.t(f"level_{level_for(score)}")
