"""Split long texts into pieces Telegram accepts, at natural boundaries.

Telegram counts a message's length in UTF-16 code units (4,096 for a text, 1,024 for a
caption): an emoji or any other character beyond the Basic Multilingual Plane counts twice.
Every limit here is in those units (`utf16_len`). A cut falls at a blank line, a line end or a
space; only a text without any falls back to a hard cut, and that never falls inside a
character as a person sees it (an emoji with its skin tone, a family joined by zero-width
joiners, a flag, a letter with its accent).
"""

from __future__ import annotations

import unicodedata

TELEGRAM_LIMIT = 4096
CAPTION_LIMIT = 1024
_ZWJ = "\u200d"
_REGIONAL = range(0x1F1E6, 0x1F200)  # two of these make a flag


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text`, from its start, fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _joins_previous(char: str) -> bool:
    """Whether a character belongs to the one before it (so no cut may fall before it)."""
    code = ord(char)
    return (
        char == _ZWJ
        or unicodedata.category(char) in ("Mn", "Me", "Mc")  # accents and other marks
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (the emoji presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tags (subdivision flags)
    )


def _safe_cut(text: str, cut: int) -> int:
    """The nearest position at or before `cut` that does not fall inside a character as a
    person sees it; `cut` itself when there is none (a run of combining marks only)."""
    at = cut
    while 0 < at < len(text) and (_joins_previous(text[at]) or text[at - 1] == _ZWJ):
        at -= 1
    if 0 < at < len(text) and ord(text[at]) in _REGIONAL:
        run = 0
        while at - run > 0 and ord(text[at - run - 1]) in _REGIONAL:
            run += 1
        at -= run % 2  # keep the pairs of a flag together
    return at if at > 0 else cut


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at a blank line, a line end, a space, or
    (when there is none in the second half of the window) hard, between two characters."""
    if limit < 2:
        raise ValueError("a limit below 2 UTF-16 units cannot hold every character")
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end = _fitting(rest, limit)
        window = rest[:end]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < end // 2:
            cut = _safe_cut(rest, end)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def pack(blocks: list[str], limit: int = TELEGRAM_LIMIT - 96) -> list[str]:
    """Join blocks with blank lines into as few messages as fit (in UTF-16 units), splitting
    oversized blocks."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(candidate) > limit and current:
                messages.append(current)
                candidate = piece
            current = candidate
    if current:
        messages.append(current)
    return messages
