"""What a coach does in the web workspace, as typed events: each is applied in the coach's own
turn (`Inbound.web`, kind 'web') by `bot.dialogues.coach_web`, through the same service, lock
and atomic commit as a chat turn. The web server builds one from a checked form; nothing here
trusts the browser beyond the shape (the turn checks the coach's own document)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

NOTE_LIMIT = 2000


class _Act(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    teacher_id: int


class _OnReview(_Act):
    session_id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+-\d+$")


class ReadReview(_OnReview):
    """The coach opened a review (told to the teacher's own audit log)."""

    act: Literal["read"] = "read"


class AdjustScore(_OnReview):
    """−1 or +1 on one scale."""

    act: Literal["adjust"] = "adjust"
    scale: str = Field(max_length=40)
    delta: Literal[-1, 1]


class SetScore(_OnReview):
    """A score typed or chosen directly."""

    act: Literal["score"] = "score"
    scale: str = Field(max_length=40)
    score: int = Field(ge=1, le=7)


class SetNote(_OnReview):
    """A note on one scale, or on the whole profile (`target` 'overall'); '' removes it."""

    act: Literal["note"] = "note"
    target: str = Field(max_length=40)
    text: str = Field(max_length=NOTE_LIMIT)


class Release(_OnReview):
    """Release the profile (again, after a reopen) to the teacher."""

    act: Literal["release"] = "release"


class Reopen(_OnReview):
    """Open a released profile for changes: a new version; the released one is kept."""

    act: Literal["reopen"] = "reopen"


class Acknowledge(_Act):
    """The coach has seen a safeguarding alert."""

    act: Literal["ack"] = "ack"
    index: int = Field(ge=0)
    no_concern: bool = False  # read, and no cause for concern


class ContactDone(_OnReview):
    """The coach has got in touch with a teacher who asked for it at the check-in."""

    act: Literal["contacted"] = "contacted"


class Exported(_Act):
    """The coach downloaded the teacher's PDF report."""

    act: Literal["exported"] = "exported"


_Action = (
    ReadReview | AdjustScore | SetScore | SetNote | Release | Reopen | Acknowledge | ContactDone
) | Exported
WebAction = Annotated[_Action, Field(discriminator="act")]
WEB_ACTION: TypeAdapter[WebAction] = TypeAdapter(WebAction)
