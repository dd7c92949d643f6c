"""Button data: packed and unpacked by one helper, never over Telegram's 64 bytes."""

from __future__ import annotations

import pytest

from bot.dialogues.callbacks import LIMIT, Action, Callback
from bot.errors import CallbackTooLong


def test_a_callback_round_trips() -> None:
    pressed = Callback(7, Action.SCALE, "9999999999/interview-2/3")
    assert pressed.pack() == "7:scale:9999999999/interview-2/3"
    assert Callback.unpack(pressed.pack()) == pressed


def test_an_argument_may_hold_the_separator() -> None:
    assert Callback.unpack("3:note:1/a:b") == Callback(3, Action.NOTE, "1/a:b")


@pytest.mark.parametrize(
    "data", [None, "", "x:scale:1", "3:explode:1", "3scale1", "3:" + "a" * 70, "é" * 40]
)
def test_data_that_is_not_ours_is_refused(data: str | None) -> None:
    assert Callback.unpack(data) is None


def test_data_over_the_limit_cannot_be_made() -> None:
    with pytest.raises(CallbackTooLong):
        Callback(1, Action.NOTE, "x" * LIMIT).pack()
    # bytes, not characters: 30 two-byte letters and the prefix are over 64
    with pytest.raises(CallbackTooLong):
        Callback(1, Action.NOTE, "é" * 30).pack()
