"""Invitations: a coach's single-use link, and a teacher joining through it.

The code names its coach (`<coach id in hex>-<random>`), so the teacher's turn knows whom to
ask; the coach's own turn checks it against the invitations in the coach's document (there
is no invitation key of its own in Redis) and answers. Each step is an internal event applied
in one user's atomic turn, so "one turn, one atomic write" holds here too.

    teacher: /start <code> --JoinRequest--> coach: valid, unused, not expired?
    teacher <--JoinAnswer(accepted)-- coach: adds the teacher (or refuses)
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.dialogues.conversation import Conversation
from bot.dialogues.flows import link_coach
from bot.dialogues.told import handles
from bot.models.internal import JoinAnswer, JoinRequest
from bot.models.state import Invite, TeacherFile

CODE = re.compile(r"^([0-9a-f]{1,16})-([0-9a-f]{12,32})$")


def new_code(coach_id: int, token: str) -> str:
    """An invitation code of this coach (token: random hex)."""
    return f"{coach_id:x}-{token}"


def coach_of(code: str) -> int | None:
    """The coach an invitation code names, or None when it is not a code of ours."""
    match = CODE.match(code)
    return int(match.group(1), 16) if match else None


def invite(conv: Conversation) -> None:
    """/invite (coach): a single-use link that works for `invite_days`."""
    state, now = conv.state, conv.ctx.now
    if state.role != "coach":
        conv.say(conv.t("not_coach"))
        return
    state.invites = {code: i for code, i in state.invites.items() if i.expires_at > now}
    code = new_code(state.user_id, conv.ctx.new_token())
    days = conv.ctx.invite_days
    state.invites[code] = Invite(created_at=now, expires_at=now + timedelta(days=days))
    username = conv.ctx.bot_username
    if username:
        conv.say(conv.t("invite_link", link=f"https://t.me/{username}?start={code}", days=days))
    else:  # the terminal trial: the teacher is the other local user
        conv.say(conv.t("invite_link_terminal", link=f"/start {code}", days=days))


def ask_to_join(conv: Conversation, code: str) -> None:
    """/start <code> (teacher): ask the code's coach to take this teacher on."""
    coach = coach_of(code)
    if coach is None or coach == conv.state.user_id:
        conv.say(conv.t("invite_invalid"))
        return
    if coach == conv.state.coach_id:
        return  # already this coach's teacher
    conv.state.join_pending = coach
    request = JoinRequest(code=code, name=conv.state.name, last_initial=conv.state.last_initial)
    conv.tell(coach, request)


@handles(JoinRequest)
def on_join_request(conv: Conversation, event: JoinRequest) -> None:
    """The coach's turn: a valid, unexpired code not used by another teacher links them."""
    state, teacher_id = conv.state, event.sender
    found = state.invites.get(event.code) if state.role == "coach" else None
    valid = (
        found is not None
        and found.expires_at > conv.ctx.now
        and found.used_by in (None, teacher_id)
    )
    conv.tell(teacher_id, JoinAnswer(accepted=valid))
    if found is None or not valid:
        return
    found.used_by = teacher_id
    if str(teacher_id) not in state.coaching:
        teacher = TeacherFile(
            teacher_id=teacher_id,
            name=event.name,
            last_initial=event.last_initial,
            linked_at=conv.ctx.now,
        )
        state.coaching[str(teacher_id)] = teacher
        conv.say(conv.t("coach_teacher_linked", teacher=conv.teacher_name(teacher)))


@handles(JoinAnswer)
def on_join_answer(conv: Conversation, event: JoinAnswer) -> None:
    """The teacher's turn: linked to the coach they asked, or told the link no longer works."""
    if conv.state.join_pending != event.sender:
        return
    conv.state.join_pending = None
    if event.accepted:
        link_coach(conv, event.sender)
    else:
        conv.say(conv.t("invite_invalid"))


def forget_teacher(conv: Conversation, teacher_id: int) -> None:
    """The coach's invitations keep no trace of a teacher who left (the code is spent)."""
    conv.state.invites = {
        code: found for code, found in conv.state.invites.items() if found.used_by != teacher_id
    }
