"""The languages the bot speaks, defined once."""

from __future__ import annotations

from typing import Literal

Language = Literal["nl", "en"]

LANGUAGES: tuple[Language, ...] = ("nl", "en")
