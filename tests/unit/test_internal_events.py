"""Internal events are a typed union: every kind has a handler, and what was queued before
events were typed (JSON in `text` / `data`) still reads."""

from __future__ import annotations

import typing

from bot.dialogues import engine  # noqa: F401 (registers every handler)
from bot.dialogues.told import HANDLERS
from bot.models.events import Inbound, Outbound
from bot.models.internal import INTERNAL_EVENT, InternalEvent, JoinRequest, TeacherWithdrew


def test_every_kind_of_internal_event_has_a_handler() -> None:
    union = typing.get_args(typing.get_args(InternalEvent)[0])
    assert set(union) == set(HANDLERS)


def test_the_stored_form_keeps_its_field_names() -> None:
    told = JoinRequest(id="tg:5:1", sender=42, code="2a-00ff", name="Anna")
    raw = told.model_dump_json(by_alias=True)
    assert '"from":42' in raw and '"type":"join_request"' in raw
    assert INTERNAL_EVENT.validate_json(raw) == told


def test_messages_queued_before_events_were_typed_still_read() -> None:
    old = '{"id": "tg:9:1", "type": "teacher_withdrew", "from": 20}'
    message = Outbound(channel="internal", chat_id=10, text=old)
    assert message.internal == TeacherWithdrew(id="tg:9:1", sender=20)
    event = Inbound(
        event_id="int:tg:9:1", channel="telegram", user_id=10, chat_id=10, kind="internal", data=old
    )
    assert event.internal == TeacherWithdrew(id="tg:9:1", sender=20)
