"""Quoted speech: the spans between quotation marks (bot/text/quotes.py)."""

from __future__ import annotations

import pytest

from bot.text.quotes import inside, quoted_spans


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('he shouted "oh, seven piles!" and we laughed', ["oh, seven piles!"]),
        ("hij riep «ik ben boos!» en lachte", ["ik ben boos!"]),
        ("„Nee,” zei hij, “nooit.”", ["Nee,", "nooit."]),
        ("I don't know, it's Noah's turn", []),
        ('he said "stop', ["stop"]),
    ],
)
def test_quoted_spans(text: str, quoted: list[str]) -> None:
    spans = quoted_spans(text)
    assert [text[a:b] for a, b in spans] == quoted
    assert all(inside(spans, a) and not inside(spans, a - 1) for a, _ in spans)
