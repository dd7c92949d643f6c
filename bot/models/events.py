"""What comes in (an `Inbound` from any channel) and what goes out (an `Outbound` message)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.models.clock import utcnow
from bot.models.jobs import Job

Channel = Literal["telegram", "terminal"]

Route = Literal["telegram", "terminal", "internal"]

EventKind = Literal["text", "command", "button", "media", "edited", "job", "internal"]


class Inbound(BaseModel):
    """One thing a user (or the scheduler) did, normalised from any channel."""

    event_id: str = Field(description="Unique per event: 'tg:<update_id>', 'term:<n>', 'job:<id>'.")
    channel: Channel
    user_id: int
    chat_id: int
    kind: EventKind
    text: str = ""
    command: str | None = None
    data: str | None = Field(default=None, description="Callback data of a button, or job name.")
    media: str | None = Field(default=None, description="sticker, voice, photo, ... for 'media'.")
    language_code: str | None = None
    user_name: str = Field(default="", description="Telegram first name, shown to the coach.")
    user_last_initial: str = Field(
        default="",
        description="The first letter of the Telegram last name, to tell two teachers of one "
        "coach with the same first name apart.",
    )
    job: Job | None = Field(default=None, description="The due job of a 'job' event.")
    at: datetime = Field(default_factory=utcnow)

    @classmethod
    def for_job(cls, job: Job) -> Inbound:
        """The event a due job becomes for its user (replies go to the user's own channel)."""
        return cls(
            event_id=f"job:{job.id}",
            channel="telegram",
            user_id=job.user_id,
            chat_id=job.user_id,
            kind="job",
            job=job,
        )


class Button(BaseModel):
    """An inline button: what it says and the callback data it sends back."""

    label: str
    data: str


class Document(BaseModel):
    """A file to send (e.g. the teacher's data export)."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    filename: str
    content: bytes


class Outbound(BaseModel):
    """One message to send to one chat, or (route 'internal') an event for another user."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    channel: Route
    chat_id: int
    text: str = ""
    buttons: list[list[Button]] = Field(default_factory=list)
    document: Document | None = None
    photo: bytes | None = None
