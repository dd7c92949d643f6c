"""Button callback data, packed and unpacked in one place (like aiogram's `CallbackData`).

A button sends back `<menu>:<action>:<argument>`: the menu token (a button is valid only until
the next turn that shows buttons, so an old or forged one is recognised), the action, and an
argument that names what the button acts on (a review `<teacher>/<session>`, a scale, a
language). Telegram allows 64 bytes; `pack` refuses more, so no button can be made that
Telegram would reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import CallbackTooLong

LIMIT = 64
SEPARATOR = ":"


class Action(StrEnum):
    """What a button does; the value is what travels in the callback data."""

    CONSENT = "consent"
    LANGUAGE = "lang"
    FORGET = "forget"
    KEEP = "keep"
    SUBMIT = "submit"
    CHANGE = "change"
    SHOW = "show"
    PICK = "pick"
    DONE = "done"
    SECOND_PUPIL = "second"
    READ = "read"
    OPEN = "open"
    SCALE = "scale"
    ADJUST = "adj"
    NOTE = "note"
    BACK = "back"
    RELEASE = "release"
    HISTORY = "history"
    EXPORT = "export"
    ACKNOWLEDGE = "ack"
    CHOICE = "choice"
    CONTACTED = "contacted"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Callback:
    """The data of one button."""

    menu: int
    action: Action
    arg: str = ""

    def pack(self) -> str:
        """The callback data; CallbackTooLong over Telegram's 64 bytes."""
        data = SEPARATOR.join((str(self.menu), self.action.value, self.arg))
        if len(data.encode()) > LIMIT:
            raise CallbackTooLong(f"callback data of {self.action.value!r} over {LIMIT} bytes")
        return data

    @classmethod
    def unpack(cls, data: str | None) -> Callback | None:
        """The callback of button data, or None when it is not ours (old format, forged)."""
        if not data or len(data.encode()) > LIMIT:
            return None
        menu, _, rest = data.partition(SEPARATOR)
        action, sep, arg = rest.partition(SEPARATOR)
        if not sep or not menu.isdigit() or action not in Action._value2member_map_:
            return None
        return cls(int(menu), Action(action), arg)
