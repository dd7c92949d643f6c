"""Internal events: what one user's turn tells another user's (a coach's release reaches the
teacher, a teacher's draft reaches the coach). One pydantic model per kind, told apart by
`type` (a discriminated union); the stored JSON keeps the field names it always had
(`{"id", "type", "from", ...}`).

Each is queued in the sender's atomic commit (`Conversation.tell`) and applied in the
addressee's own turn, whose event id (`int:<id>`) makes a repeat a duplicate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.models.interview import SessionItem
from bot.models.language import Language
from bot.models.profile import Draft
from bot.models.state import Alert, CheckinAction, Profile


class _Told(BaseModel):
    """What every internal event carries: its id and the user whose turn told it."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str = Field(default="", description="'<origin event id>:<n>', set when it is told.")
    sender: int = Field(default=0, alias="from", description="The user whose turn told it.")


class MakeCoach(_Told):
    """An admin made this user a coach."""

    type: Literal["make_coach"] = "make_coach"
    lang: Language | None = Field(
        default=None, description="The admin's language: the new coach's until they write."
    )


class JoinRequest(_Told):
    """A teacher came with a coach's invitation code (teacher -> coach)."""

    type: Literal["join_request"] = "join_request"
    code: str
    name: str = ""
    last_initial: str = ""


class JoinAnswer(_Told):
    """Whether the code was valid; when it was, the sender is now the teacher's coach."""

    type: Literal["join_answer"] = "join_answer"
    accepted: bool


class TeacherName(_Told):
    """A teacher's Telegram name as it is now (teacher -> coach)."""

    type: Literal["teacher_name"] = "teacher_name"
    name: str
    last_initial: str = ""


class TeacherWithdrew(_Told):
    """The teacher deleted their data or moved to another coach (teacher -> coach)."""

    type: Literal["teacher_withdrew"] = "teacher_withdrew"


class DraftReady(_Told):
    """A draft profile for the coach to review (teacher -> coach)."""

    type: Literal["draft_ready"] = "draft_ready"
    session_id: str
    pupil: str
    draft: Draft
    interview: list[SessionItem] = Field(
        default_factory=list, description="The whole interview, in the teacher's language."
    )


class PlanSubmitted(_Told):
    """The reflection and action plan of session 2 (teacher -> coach)."""

    type: Literal["plan_submitted"] = "plan_submitted"
    session_id: str
    pupil: str
    answers: dict[str, str]
    items: list[SessionItem] = Field(default_factory=list, description="With their questions.")


class CheckinSubmitted(_Told):
    """The check-in a week after the plan (teacher -> coach)."""

    type: Literal["checkin_submitted"] = "checkin_submitted"
    session_id: str
    pupil: str
    actions: list[CheckinAction]
    words_then: str = ""
    answers: dict[str, str] = Field(default_factory=dict)
    items: list[SessionItem] = Field(default_factory=list, description="With their questions.")
    contact: bool | None = Field(default=None, description="The teacher wants to be contacted.")


class RetentionNotice(_Told):
    """The teacher's data goes away on `date` unless they are active again (teacher -> coach)."""

    type: Literal["retention_notice"] = "retention_notice"
    date: str


class AccessNote(_Told):
    """A line for the teacher's own audit log: what their coach did (coach -> teacher)."""

    type: Literal["access"] = "access"
    action: str
    what: str = ""


class SafeguardingAlert(_Told):
    """A possible child at risk or teacher in distress (teacher -> coach)."""

    type: Literal["safeguarding"] = "safeguarding"
    alert: Alert


class ProfileReleased(_Told):
    """The coach released the profile (coach -> teacher)."""

    type: Literal["profile_released"] = "profile_released"
    session_id: str
    profile: Profile


InternalEvent = Annotated[
    MakeCoach
    | JoinRequest
    | JoinAnswer
    | TeacherName
    | TeacherWithdrew
    | DraftReady
    | PlanSubmitted
    | CheckinSubmitted
    | RetentionNotice
    | AccessNote
    | SafeguardingAlert
    | ProfileReleased,
    Field(discriminator="type"),
]
INTERNAL_EVENT: TypeAdapter[InternalEvent] = TypeAdapter(InternalEvent)
