"""Split long texts into pieces Telegram accepts (4096 characters), at natural boundaries."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a blank line, a line end, a space, or hard."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def pack(blocks: list[str], limit: int = TELEGRAM_LIMIT - 96) -> list[str]:
    """Join blocks with blank lines into as few messages as fit, splitting oversized blocks."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) > limit and current:
                messages.append(current)
                candidate = piece
            current = candidate
    if current:
        messages.append(current)
    return messages
