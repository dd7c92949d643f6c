"""Dates as people read them, in the user's language: «5 december 2026». The month names are
the ones of `prompts/<lang>/ui.yaml` (`months`), for the chat, the chart and the PDF alike."""

from __future__ import annotations

import datetime
from functools import cache

from bot.text.prompts import read_yaml


@cache
def month_names(lang: str) -> tuple[str, ...]:
    """January to December in `lang`."""
    return tuple(str(read_yaml(lang, "ui.yaml")["months"]).split())


def day_month(day: datetime.date, lang: str) -> str:
    """«5 december»."""
    return f"{day.day} {month_names(lang)[day.month - 1]}"


def long_date(day: datetime.date, lang: str) -> str:
    """«5 december 2026»."""
    return f"{day_month(day, lang)} {day.year}"
