"""Stream entries in few bytes: an update on the ingress, a reply on the outbox.

Every byte of an entry is written to the AOF (and the replicas) twice, once when it is added
and once more as the key and id of its deletion, on every turn (docs/performance.md). So an
entry keeps only what is not known otherwise, under one-letter names:

- an update (`Inbound`): no user id (the entry's `u` field has it), no chat id when it is the
  user's, no channel when it is Telegram, no kind when it is text, no field left empty, and
  its time as microseconds since 1970 instead of an ISO text;
- a reply (`Outbound`): no chat id when it is the user whose key seals it (the entry's `u`),
  no channel when it is Telegram, no empty buttons.

The same plaintext is sealed as before (`EnvelopeCodec`). An entry written before (the whole
model as JSON, with its long names) is still read: its JSON has `event_id` or `channel`, which
a compact one never has.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_core import from_json, to_json

from bot.models.events import Inbound, Outbound

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

_INBOUND = {
    "event_id": "i",
    "channel": "h",
    "chat_id": "o",
    "kind": "k",
    "text": "t",
    "command": "c",
    "data": "d",
    "media": "m",
    "language_code": "l",
    "user_name": "n",
    "user_last_initial": "s",
    "job": "j",
    "internal": "x",
    "web": "w",
}
_OUTBOUND = {
    "channel": "h",
    "chat_id": "o",
    "text": "t",
    "buttons": "b",
    "document": "f",
    "photo": "p",
    "internal": "x",
}
_INBOUND_LONG = {short: name for name, short in _INBOUND.items()}
_OUTBOUND_LONG = {short: name for name, short in _OUTBOUND.items()}
_EMPTY: tuple[Any, ...] = (None, "", [], {})
_TIME = "a"


def pack_inbound(event: Inbound) -> bytes:
    """The compact JSON of an update (see the module docstring)."""
    data = event.model_dump(mode="json", exclude={"user_id", "at"})
    if data["channel"] == "telegram":
        del data["channel"]
    if data["chat_id"] == event.user_id:
        del data["chat_id"]
    if data["kind"] == "text":
        del data["kind"]
    packed: dict[str, Any] = {_INBOUND[k]: v for k, v in data.items() if v not in _EMPTY}
    at = event.at if event.at.tzinfo is not None else event.at.replace(tzinfo=UTC)
    packed[_TIME] = (at - EPOCH) // MICROSECOND
    return to_json(packed)


def unpack_inbound(user_id: int, raw: bytes) -> Inbound:
    """An update from its entry, compact or written before."""
    data = from_json(raw)
    if "event_id" in data:  # the whole model, as written before
        return Inbound.model_validate_json(raw)
    fields: dict[str, Any] = {
        "user_id": user_id,
        "chat_id": user_id,
        "channel": "telegram",
        "kind": "text",
    }
    for short, value in data.items():
        if short == _TIME:
            fields["at"] = EPOCH + value * MICROSECOND
        else:
            fields[_INBOUND_LONG[short]] = value
    return Inbound.model_validate_json(to_json(fields))  # JSON's rules, as when written


def pack_outbound(owner: int, message: Outbound) -> bytes:
    """The compact JSON of a reply (or internal event) sealed under `owner`'s key."""
    data = message.model_dump(mode="json", exclude_none=True)
    if data["channel"] == "telegram":
        del data["channel"]
    if data["chat_id"] == owner:
        del data["chat_id"]
    return to_json({_OUTBOUND[k]: v for k, v in data.items() if v not in _EMPTY})


def unpack_outbound(owner: int, raw: bytes) -> Outbound:
    """A reply from its entry, compact or written before."""
    data = from_json(raw)
    if "channel" in data and "chat_id" in data:  # the whole model, as written before
        return Outbound.model_validate_json(raw)
    fields: dict[str, Any] = {"chat_id": owner, "channel": "telegram"}
    fields |= {_OUTBOUND_LONG[short]: value for short, value in data.items()}
    return Outbound.model_validate_json(to_json(fields))  # JSON's rules: bytes in base64
