"""A quote marked as contradicting the score really points away from it: at the middle score
(4) nothing is contradicted; off the middle a quote the other way is."""

from __future__ import annotations

from bot.scoring.answers import AnswerView
from bot.scoring.cues import Hit
from bot.scoring.quotes import choose_quotes

TEXT = (
    "Als hij echt boos is en gaat schreeuwen weet ik vaak niet wat ik moet doen. "
    "Meestal lukt het me wel om rustig te blijven."
)
HELPLESS = TEXT.index(".") + 1
CALM = HELPLESS + 1


def view() -> AnswerView:
    return AnswerView(
        question_id="q10_helpless",
        text=TEXT,
        spans=(),
        words=len(TEXT.split()),
        thin=False,
        substantive=True,
        episode=False,
    )


def hits() -> dict[str, list[Hit]]:
    return {
        "helplessness": [
            Hit("helplessness", 1.0, "q10_helpless", 0, HELPLESS),
            Hit("helplessness", -0.6, "q10_helpless", CALM, len(TEXT)),
        ]
    }


def directions(lean: float) -> dict[str, str]:
    quotes = choose_quotes(hits(), {"helplessness": lean}, [view()])["helplessness"]
    return {e.quote: e.direction for e in quotes}


def test_at_the_middle_score_no_quote_contradicts_it() -> None:
    """The walk: «weet ik vaak niet wat ik moet doen» was shown as contradicting
    «tekortschieten: 4» because the unrounded score lay just below 4."""
    for lean in (-0.4, -0.1, 0.0, 0.3):
        assert set(directions(lean).values()) == {"supports"}, lean


def test_off_the_middle_a_quote_the_other_way_contradicts() -> None:
    helpless = TEXT[:HELPLESS]
    calm = TEXT[CALM:]
    assert directions(1.5) == {helpless: "supports", calm: "contradicts"}
    assert directions(-1.5) == {helpless: "contradicts", calm: "supports"}
