"""A long answer in parts. A message over the limit is cut where a sentence (else a word) ends,
and the teacher is told where; the rest may follow in the next messages. A message labelled as
a continuation («Deel 2:», "Part 2:", «Vervolg:») or one that arrives right after a long one
belongs to the answer before it. The runner (`runner.py`) does the storing; this module only
reads texts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache, lru_cache

from bot.dialogues.probes import words
from bot.dialogues.script import load_texts
from bot.models.language import LANGUAGES
from bot.models.state import AnswerPart, Session

JOIN_WINDOW = timedelta(seconds=60)  # a message this soon after a long one continues it
LONG_ANSWER_CHARS = 2000  # "a long one": half the limit, as when a text was split by hand
CLIENT_SPLIT = timedelta(seconds=10)  # a client splitting a long paste sends the parts at once
TAIL_WORDS = 8  # how many of the last kept words the teacher is shown
_SENTENCE_END = re.compile(r"[.!?…]['\"”’»)]*(?=\s)|\n")


def cut(text: str, limit: int) -> str:
    """The first part of a text that fits the limit: up to the last sentence end that keeps at
    least half of it, else up to the last space, else exactly `limit` characters."""
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        return text[: ends[-1]].rstrip()
    space = window.rfind(" ")
    return text[:space].rstrip() if space >= limit // 2 else text[:limit]


def tail(text: str) -> str:
    """The last few words of a kept part, so the teacher knows where to go on from."""
    said = text.split()
    return ("… " if len(said) > TAIL_WORDS else "") + " ".join(said[-TAIL_WORDS:])


@cache
def _label() -> re.Pattern[str]:
    labels = sorted({w for lang in LANGUAGES for w in load_texts(lang).part_words}, key=len)
    alternatives = "|".join(re.escape(w) for w in reversed(labels))
    return re.compile(
        rf"^\s*\(?(?:{alternatives})\.?(?:\s*(?:\d+|[a-z]+)(?:\s*/\s*\d+)?)?\)?\s*[:.)\-–—]\s*",
        re.IGNORECASE,
    )


def labelled(text: str) -> str | None:
    """The text after a continuation label («Deel 2: en toen…» -> «en toen…»), or None."""
    found = _label().match(text)
    if found is None:
        return None
    rest = text[found.end() :].strip()
    return rest or None


def is_done(text: str) -> bool:
    """Whether a typed message says the answer is complete («klaar», "that's all")."""
    said = " ".join(words(text))
    done_words = tuple(p for lang in LANGUAGES for p in load_texts(lang).done_words)
    return bool(said) and said in _phrases(done_words)


@lru_cache(maxsize=8)
def _phrases(entries: tuple[str, ...]) -> frozenset[str]:
    """Each entry's words, joined by single spaces (asked of every typed message: kept)."""
    return frozenset(" ".join(words(p)) for p in entries)


def last_part(session: Session) -> tuple[str, AnswerPart] | None:
    """The item id and the part of the teacher's most recent typed message in a session."""
    typed = [
        (answer.item_id, part)
        for answer in session.answers.values()
        for part in answer.parts
        if part.prompt not in ("yes", "no")
    ]
    return max(typed, key=lambda found: found[1].at) if typed else None


def continues(session: Session, text: str, now: datetime) -> bool:
    """Whether a message under the limit continues the previous answer: it is labelled as a
    continuation, or it came within a minute of a long message (once: what comes after that is
    an answer of its own)."""
    if last_part(session) is None:
        return False
    if labelled(text) is not None:
        return True
    if session.long_at is not None and now - session.long_at <= JOIN_WINDOW:
        return True
    _, part = last_part(session) or ("", None)
    if part is None or now - part.at > QUICK_WINDOW:
        return False
    if part.text.endswith("\n" + text.strip()):  # joined, and sent again for the next question
        return False
    return text.lstrip().startswith(("...", "…")) or _unfinished(part.text)


QUICK_WINDOW = timedelta(seconds=30)  # too soon to have read the next question and answered it
_TRAILING_SYMBOLS = re.compile(r"[^\w.!?…,:;)»\"”’'\-–—]+$")
_UNFINISHED = re.compile(r"(?:[,:;\-–—]|\.\.\.|…)\s*$")


def _unfinished(text: str) -> bool:
    """A message that stopped mid-sentence: on a comma, a colon, a dash, «…», or a word that
    needs more after it («ze is eigenlijk lief maar», "and then he"). A message that opens
    with «omdat» or "because" may well answer the question below («waarom hem?»): only how
    the one before ended says it was cut."""
    text = _TRAILING_SYMBOLS.sub("", text)  # «… en dat wil ik niet. 😀😀»: the emoji end nothing
    if _UNFINISHED.search(text) is not None:
        return True
    if text.rstrip().endswith((".", "!", "?", ")", "»", '"', "”")):
        return False  # «… en dat wil ik niet.»: a full stop ends it, whatever the last word
    said = words(text)
    return bool(said) and said[-1] in _continuation_words()


@cache
def _continuation_words() -> frozenset[str]:
    return frozenset(w for lang in LANGUAGES for w in load_texts(lang).continuation_words)
