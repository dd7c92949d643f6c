"""Words: the one word pattern (with character offsets), folding and lemma keys.

Every part of the bot that reads an answer (the scorer, the safeguarding check, the follow-up
detector) finds its words with `WORD` and compares them folded (`fold`: lower case, no accents,
straight apostrophes) and by lemma (`lemma_keys`, simplemma). Nothing here knows a language's
grammar; that is `lexicon` and `analysis`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import simplemma

# A word, with an apostrophe in front ("'k", "'s") or inside ("m'n", "can't") and hyphenated
# parts ("burn-out", "time-out") kept together.
WORD = re.compile(r"['’]?\w+(?:[-'’]\w+)*")
WORDS_KEPT = 256  # texts whose words are kept (recent answers, the phrases they are read against)


def fold(word: str) -> str:
    """Lower case without accents, with straight apostrophes ("Geïrriteerd" -> "geirriteerd")."""
    if word.isascii():  # nothing to decompose or straighten: most words, at a fraction of the cost
        return word.lower()
    return _fold_unicode(word)


@lru_cache(maxsize=1 << 14)
def _fold_unicode(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.lower().replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@cache
def lemma_keys(word: str, lang: str) -> frozenset[str]:
    """The keys a word is matched by: the folded word, its lemma (words of four letters or more)
    and any hyphenated parts. `analysis` adds short words' lemmas ("wil" -> "willen")."""
    folded = fold(word)
    if folded.startswith("'") and len(folded) > 3:
        folded = folded[1:]
    keys = {folded}
    if len(folded) > 3 and "'" not in folded:
        keys.add(lemma(folded, lang))
    if "-" in folded:
        keys.update(part for part in folded.split("-") if part)
    return frozenset(keys)


@lru_cache(maxsize=1 << 14)
def lemma(word: str, lang: str) -> str:
    """simplemma's lemma of a word, folded ("sloeg" -> "slaan", "wil" -> "willen"). Its
    dictionaries are read in place (`low_memory`): the same lemmas in 22 MB instead of 92 MB
    for Dutch and English, at a few µs more per word the first time (then cached here)."""
    folded = fold(word)
    return fold(simplemma.lemmatize(folded, lang=lang, low_memory=True)).replace("_", "")


def word_count(text: str) -> int:
    """The number of words in `text`."""
    return len(WORD.findall(text))


def words(text: str) -> list[str]:
    """The folded words of a text, in order ("Ik ben naast hem gaan zitten" -> ["ik", ...])."""
    return list(_words(text))


@lru_cache(maxsize=WORDS_KEPT)
def _words(text: str) -> tuple[str, ...]:
    # One turn reads its answer, and the fixed phrases it compares with («klaar», "that's
    # all"), many times over (the follow-up detector, the non-answer check, the safeguarding
    # model): the words of the last few hundred texts are kept.
    return tuple(fold(match.group()) for match in WORD.finditer(text))


def spans(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """The words of `text[start:end]` as matches (with their offsets in `text`)."""
    return WORD.finditer(text, start, len(text) if end is None else end)
