"""Telegram updates in, normalised `Inbound` events out (the only place that reads updates)."""

from __future__ import annotations

from telegram import Update

from bot.models import Inbound

MEDIA = (
    "sticker", "voice", "audio", "video_note", "video", "photo", "animation", "document",
    "location", "contact", "poll", "dice", "venue", "story",
)  # fmt: skip
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def to_inbound(update: Update) -> Inbound | None:
    """The event of an update from a private chat; None for anything the bot ignores."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private" or user.is_bot:
        return None
    base = {
        "event_id": f"tg:{update.update_id}",
        "channel": "telegram",
        "user_id": user.id,
        "chat_id": chat.id,
        "language_code": user.language_code,
    }
    if update.callback_query is not None:
        return Inbound(kind="button", data=update.callback_query.data or "", **base)
    if update.edited_message is not None:
        return Inbound(kind="edited", **base)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, _, rest = text.partition(" ")
            command = head[1:].split("@", 1)[0].lower()
            return Inbound(kind="command", command=command, text=rest.strip(), **base)
        return Inbound(kind="text", text=text, **base)
    media = next((name for name in MEDIA if getattr(message, name, None)), "other")
    return Inbound(kind="media", media=media, **base)
