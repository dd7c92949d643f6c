"""Quoted speech in an answer: the character spans between quotation marks.

A teacher often quotes the pupil («hij riep "ik ben boos!"»); what is said inside the quotes is
the pupil's voice, not the teacher's own account. Straight double quotes pair up in order;
curly quotes and guillemets pair by their opening and closing marks. Single quotes are left
alone: they are too often apostrophes ("don't", "Noah's").
"""

from __future__ import annotations

_PAIRS = {"“": "”", "„": "”", "«": "»", "‹": "›"}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """The spans `start:end` inside quotation marks (the marks left out); an unclosed quote
    runs to the end of the text."""
    spans: list[tuple[int, int]] = []
    closing = ""
    start = 0
    for at, char in enumerate(text):
        if closing:
            if char == closing:
                spans.append((start, at))
                closing = ""
        elif char == '"':
            closing, start = '"', at + 1
        elif char in _PAIRS:
            closing, start = _PAIRS[char], at + 1
    if closing:
        spans.append((start, len(text)))
    return spans


def inside(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether a character position lies inside one of the spans."""
    return any(start <= at < end for start, end in spans)
