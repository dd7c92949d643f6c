"""What comes in (an `Inbound` from any channel) and what goes out (an `Outbound` message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.models.clock import utcnow
from bot.models.internal import INTERNAL_EVENT, InternalEvent
from bot.models.jobs import Job
from bot.models.routes import Channel, EventKind, Route
from bot.models.web import WebAction

__all__ = ["Button", "Channel", "Document", "EventKind", "Inbound", "Outbound", "Route"]


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
    internal: InternalEvent | None = Field(
        default=None, description="What another user's turn told this user ('internal')."
    )
    web: WebAction | None = Field(
        default=None, description="What a coach did in the web workspace ('web')."
    )
    at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="before")
    @classmethod
    def _legacy_internal(cls, data: Any) -> Any:
        """An internal event queued before events were typed carried its JSON in `data`."""
        legacy = isinstance(data, dict) and data.get("kind") == "internal" and data.get("data")
        if legacy and not data.get("internal"):
            data = data | {"internal": INTERNAL_EVENT.validate_json(data["data"])}
        return data

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
    """An inline button: what it says and either the callback data it sends back or (`web_app`)
    the https address of the coach's workspace, opened as a Telegram Mini App."""

    label: str
    data: str = ""
    web_app: str = Field(default="", description="A Mini App's URL instead of callback data.")


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
    internal: InternalEvent | None = Field(
        default=None, description="Route 'internal': the event for the user `chat_id`."
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy_internal(cls, data: Any) -> Any:
        """An internal event queued before events were typed carried its JSON as `text`."""
        legacy = isinstance(data, dict) and data.get("channel") == "internal" and data.get("text")
        if legacy and not data.get("internal"):
            data = data | {"internal": INTERNAL_EVENT.validate_json(data["text"]), "text": ""}
        return data
