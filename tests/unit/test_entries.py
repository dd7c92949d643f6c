"""Stream entries in few bytes: every kind of update and reply reads back as it was written,
and what was queued in the long form before still reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.models.events import Button, Document, Inbound, Outbound
from bot.models.internal import JoinRequest
from bot.models.jobs import Job, JobName
from bot.storage.entries import pack_inbound, pack_outbound, unpack_inbound, unpack_outbound

AT = datetime(2026, 12, 5, 8, 7, 25, 41071, tzinfo=UTC)

UPDATES = [
    Inbound(
        event_id="tg:149",
        channel="telegram",
        user_id=90000,
        chat_id=90000,
        kind="text",
        text="Strijd, vermoeiend en soms heel warm.",
        language_code="nl",
        user_name="Teacher",
        at=AT,
    ),
    Inbound(
        event_id="tg:1",
        channel="telegram",
        user_id=5,
        chat_id=5,
        kind="command",
        command="start",
        user_last_initial="K",
        at=AT,
    ),
    Inbound(
        event_id="term:3",
        channel="terminal",
        user_id=5,
        chat_id=6,
        kind="button",
        data="1:consent:yes",
        at=AT,
    ),
    Inbound(event_id="tg:2", channel="telegram", user_id=5, chat_id=5, kind="media", media="voice"),
    Inbound.for_job(Job(id="draft:5", user_id=5, name=JobName.DRAFT, due=AT, payload={"a": "b"})),
    Inbound(
        event_id="int:tg:5:1",
        channel="telegram",
        user_id=10,
        chat_id=10,
        kind="internal",
        internal=JoinRequest(id="tg:5:1", sender=42, code="2a-00ff", name="Anna"),
    ),
]

REPLIES = [
    Outbound(channel="telegram", chat_id=90000, text="Vraag 2 van 12\n\nWat gebeurde er?"),
    Outbound(
        channel="telegram",
        chat_id=90000,
        text="Zullen we beginnen?",
        buttons=[
            [Button(label="Ja", data="1:consent:yes")],
            [Button(label="W", web_app="https://x")],
        ],
    ),
    Outbound(channel="terminal", chat_id=7, text="hello"),
    Outbound(channel="telegram", chat_id=0, text="Tot ziens."),  # sealed by the system key
    Outbound(
        channel="telegram",
        chat_id=90000,
        document=Document(filename="data.json", content=b"{\x00\xff}"),
        photo=b"\x89PNG\r\n",
    ),
    Outbound(
        channel="internal",
        chat_id=10,
        internal=JoinRequest(id="tg:5:1", sender=42, code="2a-00ff", name="Anna"),
    ),
]


@pytest.mark.parametrize("event", UPDATES, ids=lambda e: e.event_id)
def test_an_update_reads_back_as_written(event: Inbound) -> None:
    assert unpack_inbound(event.user_id, pack_inbound(event)) == event


@pytest.mark.parametrize("message", REPLIES, ids=lambda m: f"{m.channel}:{m.chat_id}")
@pytest.mark.parametrize("owner", [90000, 0, 10])
def test_a_reply_reads_back_as_written(message: Outbound, owner: int) -> None:
    assert unpack_outbound(owner, pack_outbound(owner, message)) == message


def test_entries_written_before_still_read() -> None:
    event, message = UPDATES[0], REPLIES[1]
    old_event = event.model_dump_json(exclude_none=True).encode()
    old_message = message.model_dump_json(exclude_none=True).encode()
    assert unpack_inbound(event.user_id, old_event) == event
    assert unpack_outbound(90000, old_message) == message


def test_an_answer_takes_less_than_half_the_bytes_it_took_besides_its_text() -> None:
    event, message = UPDATES[0], REPLIES[0]
    old = len(event.model_dump_json(exclude_none=True)) - len(event.text)
    new = len(pack_inbound(event)) - len(event.text)
    assert new * 2 < old, (new, old)
    old = len(message.model_dump_json(exclude_none=True)) - len(message.text)
    assert len(pack_outbound(90000, message)) - len(message.text) <= 10 < old
