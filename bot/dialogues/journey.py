"""Where a teacher is on the path between sessions, per pupil: with the coach, a profile to
read, the plan made, the check-in done; and what comes next (a new pupil, once the previous
pupil's plan is done). `/status`, «Welcome back» and `/newpupil` read it from here."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.models.events import Button
from bot.models.state import Session, UserState
from bot.text.dates import day_month

INTERVIEW = "interview"
REFLECTION = "reflection"
CHECKIN = "checkin"
MAX_PUPILS = 2  # the method compares two pupils of the same class

Stage = Literal["open", "with_coach", "profile_to_read", "plan_done", "checkin_done", "none"]


def _of(state: UserState, script_id: str, slot: int) -> Session | None:
    return state.session(f"{script_id}-{slot}")


def slots(state: UserState) -> list[int]:
    """The pupil slots the teacher has begun, in order."""
    return sorted({s.pupil_slot for s in state.sessions})


def stage(state: UserState, slot: int) -> Stage:
    """How far the path of one pupil has come (an open session of it: 'open')."""
    sessions = [s for s in state.sessions if s.pupil_slot == slot]
    if any(s.status != "submitted" for s in sessions):
        return "open"
    checkin, reflection = _of(state, CHECKIN, slot), _of(state, REFLECTION, slot)
    interview = _of(state, INTERVIEW, slot)
    if checkin is not None:
        return "checkin_done"
    if reflection is not None:
        return "plan_done"
    if interview is not None and interview.profile is not None:
        return "profile_to_read"
    return "with_coach" if interview is not None else "none"


def profile_to_read(state: UserState) -> Session | None:
    """The interview whose released profile the teacher has not yet said they read."""
    return next(
        (
            _of(state, INTERVIEW, slot)
            for slot in slots(state)
            if stage(state, slot) == "profile_to_read"
        ),
        None,
    )


def can_start_pupil(state: UserState) -> bool:
    """Whether a new pupil may start now: nothing open, the last pupil's plan done, and a
    slot free."""
    begun = slots(state)
    if state.role != "teacher" or state.session() is not None or not begun:
        return False
    return len(begun) < MAX_PUPILS and stage(state, begun[-1]) in ("plan_done", "checkin_done")


def new_pupil_button(conv: Conversation) -> Button:
    return conv.button(conv.t("second_pupil_button"), Action.SECOND_PUPIL)


def read_button(conv: Conversation, interview: Session) -> Button:
    return conv.button(conv.t("profile_read_button"), Action.READ, interview.id)


def _date(conv: Conversation, moment: datetime) -> str:
    return day_month(moment, conv.state.lang)


def pupil_line(conv: Conversation, slot: int) -> str:
    """One sentence about one pupil's path ('' while a session of it is open)."""
    state = conv.state
    pupil = state.pupil(slot)
    name = pupil.pseudonym if pupil else "…"
    current = stage(state, slot)
    if current == "plan_done":
        reflection = _of(state, REFLECTION, slot)
        submitted = reflection.submitted_at if reflection else None
        due = (submitted or conv.ctx.now) + conv.ctx.checkin_after
        if due > conv.ctx.now:
            return conv.t("journey_plan_done", pupil=name, date=_date(conv, due))
        return conv.t("journey_checkin_soon", pupil=name)
    if current in ("with_coach", "profile_to_read", "checkin_done"):
        return conv.t(f"journey_{current}", pupil=name)
    return ""


def next_step(conv: Conversation) -> tuple[str, list[list[Button]]]:
    """What the teacher can do now that nothing is open: read a profile, start a new pupil,
    or nothing but wait (''), with the button for it."""
    state = conv.state
    interview = profile_to_read(state)
    if interview is not None and state.session() is None:
        return "", [[read_button(conv, interview)]]
    if can_start_pupil(state):
        return conv.t("journey_new_pupil"), [[new_pupil_button(conv)]]
    begun = slots(state)
    if len(begun) >= MAX_PUPILS and all(stage(state, s) == "checkin_done" for s in begun):
        return conv.t("journey_all_done"), []
    return "", []


def overview(conv: Conversation, prefix: str = "") -> None:
    """No session open: each pupil's stage and the next step (or that nothing began yet)."""
    lines = [pupil_line(conv, slot) for slot in slots(conv.state)]
    if not any(lines):
        lines = [conv.t("status_none")]
    step, buttons = next_step(conv)
    conv.say("\n\n".join(filter(None, [prefix, *lines, step])), buttons)


def others(conv: Conversation, session: Session) -> list[str]:
    """Lines about the other pupils than the open session's (for `/status`)."""
    return [pupil_line(conv, s) for s in slots(conv.state) if s != session.pupil_slot]
