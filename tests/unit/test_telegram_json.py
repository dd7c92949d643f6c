"""The inline keyboard sent with sendMessage, built as JSON, is what PTB's objects would send."""

from __future__ import annotations

import pytest

from bot.channels.telegram.transport import keyboard_json, markup
from bot.models.events import Outbound


def _message(buttons: list[list[dict[str, str]]]) -> Outbound:
    return Outbound.model_validate(
        {"channel": "telegram", "chat_id": 7, "text": "Vraag 1", "buttons": buttons}
    )


@pytest.mark.parametrize(
    "buttons",
    [
        [[{"label": "Ja", "data": "m:3:yes"}, {"label": "Nee", "data": "m:3:no"}]],
        [[{"label": "[1] Nederlands", "data": "lang:nl"}], [{"label": "[2] English", "data": "x"}]],
        [[{"label": "Werkplek", "web_app": "https://example.org/web?t=1"}]],
        [[{"label": "Leeg", "data": ""}]],
    ],
)
def test_keyboard_json_is_what_ptb_sends(buttons: list[list[dict[str, str]]]) -> None:
    message = _message(buttons)
    ptb = markup(message)
    assert ptb is not None
    assert keyboard_json(message) == ptb.to_dict()


def test_no_buttons_no_keyboard() -> None:
    message = _message([])
    assert keyboard_json(message) is None
    assert markup(message) is None
