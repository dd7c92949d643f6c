"""Telegram updates in, normalised `Inbound` events out (the only place that reads updates).

Updates are read as the Bot API's JSON (a dict), not as PTB `Update` objects: the bot needs a
handful of fields, and building the full object tree was a large share of a turn's CPU.
"""

from __future__ import annotations

from typing import Any

from bot.errors import NotAnUpdate
from bot.models.events import Inbound

MEDIA = (
    "sticker",
    "voice",
    "audio",
    "video_note",
    "video",
    "photo",
    "animation",
    "document",
    "location",
    "contact",
    "poll",
    "dice",
    "venue",
    "story",
)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
NAME_CHARS = 64  # Telegram's longest first name
JSONDict = dict[str, Any]


def to_inbound(update: JSONDict) -> Inbound | None:
    """The event of an update from a private chat; None for anything the bot ignores.
    Raises NotAnUpdate when the JSON is not an update at all."""
    try:
        return _inbound(update)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise NotAnUpdate(type(exc).__name__) from None


def callback_id(update: JSONDict) -> str | None:
    """The id of a button press, to be answered (stops the client's spinner)."""
    query = update.get("callback_query")
    return str(query["id"]) if isinstance(query, dict) and "id" in query else None


def _inbound(update: JSONDict) -> Inbound | None:
    update_id = int(update["update_id"])
    query = update.get("callback_query")
    message = update.get("message") or update.get("edited_message")
    if query is not None:
        user, chat = query.get("from"), (query.get("message") or {}).get("chat")
    elif message is not None:
        user, chat = message.get("from"), message.get("chat")
    else:
        return None
    if not user or not chat or chat.get("type") != "private" or user.get("is_bot"):
        return None
    base: JSONDict = {
        "event_id": f"tg:{update_id}",
        "channel": "telegram",
        "user_id": int(user["id"]),
        "chat_id": int(chat["id"]),
        "language_code": user.get("language_code"),
        "user_name": str(user.get("first_name") or "").strip()[:NAME_CHARS],
        "user_last_initial": str(user.get("last_name") or "").strip()[:1].upper(),
    }
    if query is not None:
        return Inbound(kind="button", data=str(query.get("data") or ""), **base)
    if "edited_message" in update and "message" not in update:
        return Inbound(kind="edited", **base)
    text = message.get("text")  # type: ignore[union-attr]
    if isinstance(text, str):
        if text.startswith("/"):
            head, _, rest = text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return Inbound(kind="command", command=command, text=rest.strip(), **base)
        return Inbound(kind="text", text=text, **base)
    media = next((name for name in MEDIA if message.get(name)), "other")  # type: ignore[union-attr]
    return Inbound(kind="media", media=media, **base)
