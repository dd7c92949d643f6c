"""The one sentence splitter: character spans, so a quote is always `text[start:end]` verbatim.

A sentence ends at `.`, `!`, `?` or `…` (with any closing quote or bracket) before a space or
the end, and at a line break. An initial ("S.") or a known abbreviation ("bijv.", "e.g.") does
not end one.
"""

from __future__ import annotations

import re

from bot.text.lexicon import LEXICONS
from bot.text.tokens import fold

_SENTENCE_END = re.compile(r"[.!?…]+[\"'’”)]*(?=\s|$)|\n+")
_ABBREVIATIONS = frozenset().union(*(lexicon.abbreviations for lexicon in LEXICONS.values()))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`, stripped of surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        words = text[start : match.start()].split()
        if match.group().startswith(".") and words and _is_abbreviation(words[-1]):
            continue
        _add_span(spans, text, start, match.end())
        start = match.end()
    _add_span(spans, text, start, len(text))
    return spans


def _is_abbreviation(word: str) -> bool:
    bare = word.strip("(\"'“")
    return (len(bare) == 1 and bare.isupper()) or fold(bare) in _ABBREVIATIONS


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    if piece.strip():
        spans.append((start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())))
