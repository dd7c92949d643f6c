"""Numbers and times as a coach reads them: ages in words, dates, confidence in words, levels,
questions by their short title. Nothing here shows an id."""

from __future__ import annotations

from datetime import datetime

from bot.channels.web.texts import WebTexts
from bot.models.interview import SessionItem
from bot.models.profile import level_for
from bot.scoring.scales import load_scales

HIGH_CONFIDENCE = 0.8
LOW_CONFIDENCE = 0.5
MONTHS = {
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
}


def age(t: WebTexts, since: datetime, now: datetime, prefix: str = "age") -> str:
    """How long ago, in words: 'less than an hour', '5 hours', 'since yesterday', '3 days'
    (`prefix` 'age_received' for 'an hour ago'...)."""
    hours = int(max((now - since).total_seconds(), 0) // 3600)
    if hours < 1:
        return t(f"{prefix}_now")
    if hours == 1:
        return t(f"{prefix}_one_hour")
    if hours < 24:
        return t(f"{prefix}_hours", n=hours)
    if hours < 48:
        return t(f"{prefix}_yesterday")
    return t(f"{prefix}_days", n=hours // 24)


def date(t: WebTexts, moment: datetime) -> str:
    """'4 dec 2026, 14:05' (in the coach's language)."""
    month = MONTHS.get(t.lang, MONTHS["en"]).split()[moment.month - 1]
    return f"{moment.day} {month} {moment.year}, {moment:%H:%M}"


def confidence(t: WebTexts, value: float) -> str:
    """'confident', 'fairly sure' or 'uncertain' (the number goes in a hover title)."""
    if value >= HIGH_CONFIDENCE:
        return t("confidence_high")
    if value >= LOW_CONFIDENCE:
        return t("confidence_medium")
    return t("confidence_low")


def level(t: WebTexts, score: int) -> str:
    return t(f"level_{level_for(score)}")


def scale_name(t: WebTexts, scale_id: str) -> str:
    try:
        return load_scales().get(scale_id).name[t.lang]
    except KeyError:
        return "–"


def question(t: WebTexts, item: SessionItem | None) -> str:
    """'Question 4 · When Sam was upset', or the title alone for the intake."""
    if item is None:
        return "–"
    return t("question_label", n=item.number, title=item.title) if item.number else item.title


def label_of(t: WebTexts, items: list[SessionItem], item_id: str) -> str:
    """The label of the question with this id in a session's items ('–' when unknown)."""
    return question(t, next((i for i in items if i.id == item_id), None))
