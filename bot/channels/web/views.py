"""What the queue, a teacher's page, the follow-up and the comparison show, built from the
coach's own document (read through the store): plain values for the templates, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.channels.web import words
from bot.channels.web.texts import WebTexts
from bot.dialogues.script import load_texts
from bot.models.interview import SessionItem
from bot.models.state import CheckinAction, Review, TeacherFile, UserState
from bot.scoring.compare import compare_profiles


@dataclass
class Row:
    """One line of a list: what it says, where it leads, and an action's form when it has one."""

    text: str
    url: str = ""
    detail: str = ""
    action: str = ""
    kind: str = ""
    url_clear: str = ""  # an alert's second verdict: read, no cause for concern


def name(state: UserState, t: WebTexts, teacher: TeacherFile) -> str:
    """How the coach sees a teacher (first name; never an id)."""
    return state.teacher_label(teacher.teacher_id, load_texts(t.lang).messages["teacher_unnamed"])


def review_url(teacher: TeacherFile, review: Review) -> str:
    return f"/review/{teacher.teacher_id}/{review.session_id}"


def slot(session_id: str) -> str:
    """'interview-2' -> '2': the pupil slot of a session."""
    return session_id.rpartition("-")[2]


def alerts(state: UserState, t: WebTexts, now: datetime) -> list[Row]:
    """Safeguarding alerts not yet acknowledged, oldest first."""
    rows = []
    for teacher in state.coaching.values():
        for index, alert in enumerate(teacher.alerts):
            if alert.acknowledged_at is not None:
                continue
            review = teacher.reviews.get(alert.session_id)
            question = words.label_of(t, review.interview if review else [], alert.question_id)
            where = t("queue_alert_line", teacher=name(state, t, teacher), question=question)
            when = words.age(t, alert.at, now, "age_received")
            rows.append(
                Row(
                    text=t(f"queue_alert_{alert.kind}"),
                    url=f"/teacher/{teacher.teacher_id}",
                    detail=f"{where} · {when}: «{alert.quote}»",
                    action=f"/alert/{teacher.teacher_id}/{index}/ack",
                    url_clear=f"/alert/{teacher.teacher_id}/{index}/clear",
                    kind=alert.at.isoformat(),
                )
            )
    return sorted(rows, key=lambda r: r.kind)


def contacts(state: UserState, t: WebTexts, now: datetime) -> list[Row]:
    """Teachers who asked at the check-in to be contacted, not yet marked done."""
    rows = []
    for teacher in state.coaching.values():
        for request in teacher.contact_requests:
            if request.done_at is None:
                when = words.age(t, request.at, now, "age_received")
                line = t(
                    "queue_contact_line",
                    teacher=name(state, t, teacher),
                    pupil=request.pupil,
                    age=when,
                )
                rows.append(
                    Row(
                        text=line,
                        url=f"/teacher/{teacher.teacher_id}/followup/{slot(request.session_id)}",
                        action=f"/contact/{teacher.teacher_id}/{request.session_id}",
                    )
                )
    return rows


def waiting(state: UserState, t: WebTexts, now: datetime) -> list[Row]:
    """Drafts (and reopened profiles) waiting for the coach, oldest first, with their age."""
    pairs = sorted(
        (
            (review.received_at, teacher, review)
            for teacher in state.coaching.values()
            for review in teacher.reviews.values()
            if review.status == "waiting"
        ),
        key=lambda p: p[0],
    )
    rows = []
    for since, teacher, review in pairs:
        detail = t("queue_waiting_age", age=words.age(t, since, now))
        if review.version > 1:
            detail += " · " + t("queue_reopened", version=review.version)
        line = t("queue_waiting_line", teacher=name(state, t, teacher), pupil=review.pupil)
        rows.append(Row(text=line, url=review_url(teacher, review), detail=detail))
    return rows


def teachers(state: UserState, t: WebTexts) -> list[Row]:
    """Every teacher of the coach, in the order they joined."""
    rows = []
    for teacher in sorted(state.coaching.values(), key=lambda f: f.linked_at):
        pupils = ", ".join(r.pupil for r in teacher.reviews.values())
        rows.append(
            Row(
                text=name(state, t, teacher),
                url=f"/teacher/{teacher.teacher_id}",
                detail=pupils or t("teacher_summary_none"),
            )
        )
    return rows


def sessions(t: WebTexts, teacher: TeacherFile) -> list[Row]:
    """A teacher's profiles with their status, oldest first."""
    rows = []
    for review in sorted(teacher.reviews.values(), key=lambda r: r.received_at):
        if review.status == "released" and review.released_at is not None:
            status = t("status_released", date=words.date(t, review.released_at))
        else:
            status = t("status_waiting")
        if review.version > 1:
            status += " · " + t("version_label", version=review.version)
        rows.append(
            Row(
                text=t("session_interview", pupil=review.pupil),
                url=review_url(teacher, review),
                detail=status,
                action=f"/teacher/{teacher.teacher_id}/followup/{slot(review.session_id)}",
            )
        )
    return rows


def timeline(state: UserState, t: WebTexts, teacher: TeacherFile) -> list[Row]:
    """Invited, joined, interview done, released, reopened, plan, check-in: oldest first."""
    moments: list[tuple[datetime, str]] = [
        (invite.created_at, t("timeline_invited"))
        for invite in state.invites.values()
        if invite.used_by == teacher.teacher_id
    ]
    moments.append((teacher.linked_at, t("timeline_joined")))
    moments += [(e.at, t(f"timeline_{e.kind}", pupil=e.pupil)) for e in teacher.timeline]
    return [Row(text=text, detail=words.date(t, at)) for at, text in sorted(moments)]


@dataclass
class Followup:
    """Session 2 and the check-in about one pupil."""

    pupil: str
    plan: list[SessionItem]
    checkin: list[SessionItem]
    actions: list[CheckinAction]
    contact: bool | None


def followup(teacher: TeacherFile, pupil_slot: str) -> Followup | None:
    """What the teacher said in session 2 and at the check-in about the pupil in a slot."""
    reviews = [r for r in teacher.reviews.values() if slot(r.session_id) == pupil_slot]
    if not reviews:
        return None
    plan = _of_slot(teacher.plan_items, pupil_slot)
    checkin_id = f"checkin-{pupil_slot}"
    checkin = teacher.checkin_items.get(checkin_id, [])
    asked = [r for r in teacher.contact_requests if r.session_id == checkin_id]
    return Followup(
        pupil=reviews[0].pupil,
        plan=plan,
        checkin=[i for i in checkin if "#" not in i.id],
        actions=teacher.checkin_actions.get(checkin_id, []),
        contact=True if asked else (None if not checkin else False),
    )


def _of_slot(items: dict[str, list[SessionItem]], pupil_slot: str) -> list[SessionItem]:
    return next((v for k, v in items.items() if slot(k) == pupil_slot), [])


@dataclass
class Comparison:
    first: Review
    second: Review
    same: list[Row]
    different: list[Row]


def comparison(t: WebTexts, teacher: TeacherFile) -> Comparison | None:
    """The first two pupils' profiles side by side, as the coach scored them."""
    reviews = sorted(teacher.reviews.values(), key=lambda r: r.received_at)
    if len(reviews) < 2:
        return None
    first, second = reviews[:2]
    same, different = compare_profiles(first.scores, second.scores)

    def rows(ids: list[str]) -> list[Row]:
        return [
            Row(
                t(
                    "compare_line",
                    scale=words.scale_name(t, s),
                    first=first.scores[s],
                    second=second.scores[s],
                )
            )
            for s in ids
        ]

    return Comparison(first, second, rows(same), rows(different))
