"""bot/text/roles.py: whose feeling, aimed elsewhere, said in jest; the scope's complements."""

from __future__ import annotations

import pytest

from bot.text.analysis import analyse
from bot.text.lexicon import LEXICONS
from bot.text.roles import aimed_elsewhere, experiencer, ironic
from bot.text.scope import Scope, negated


def _at(text: str, lang: str, word: str, pupil: str = "") -> tuple[int, int]:
    sentence = analyse(text, lang, pupil)[0]
    for c, clause in enumerate(sentence.clauses):
        for i, token in enumerate(clause.tokens):
            if token.word == word:
                return c, i
    raise AssertionError(word)


@pytest.mark.parametrize(
    ("lang", "text", "word", "who"),
    [
        ("nl", "Ik was boos.", "boos", "teacher"),
        ("nl", "Hij was boos.", "boos", "pupil"),
        ("nl", "Dat weet ik niet.", "weet", "teacher"),
        ("nl", "Hij maakt me zo boos.", "boos", "teacher"),
        ("en", "I saw her upset.", "upset", "pupil"),
        ("nl", "Ik weet niet hoe ik Noah moet troosten.", "troosten", "teacher"),
    ],
)
def test_whose_feeling_or_act(lang: str, text: str, word: str, who: str) -> None:
    sentence = analyse(text, lang, "Noah")[0]
    c, i = _at(text, lang, word, "Noah")
    assert experiencer(sentence.clauses[c], i, LEXICONS[lang]) == who


@pytest.mark.parametrize(
    ("lang", "text", "elsewhere"),
    [
        ("nl", "Ik was razend op het systeem.", True),
        ("nl", "Ik was boos op hem.", False),
        ("en", "I was annoyed with myself.", True),
        ("en", "I was annoyed with him.", False),
    ],
)
def test_a_feeling_aimed_elsewhere(lang: str, text: str, elsewhere: bool) -> None:
    sentence = analyse(text, lang)[0]
    word = "razend" if "razend" in text else "boos" if lang == "nl" else "annoyed"
    c, i = _at(text, lang, word)
    assert aimed_elsewhere(sentence, sentence.clauses[c], i, LEXICONS[lang]) is elsewhere


def test_a_negator_before_a_question_word_reaches_the_whole_complement() -> None:
    lexicon = LEXICONS["nl"]
    tokens = analyse("Ik weet eerlijk gezegd niet goed hoe ik Noah moet troosten.", "nl")[0].tokens
    where = next(i for i, t in enumerate(tokens) if t.word == "troosten")
    plain = Scope(5, lexicon.negation_after, subject_change=True)
    assert not negated(tokens, (where,), plain)
    assert negated(
        tokens, (where,), Scope(5, 6, subject_change=True, complements=lexicon.question_words)
    )


@pytest.mark.parametrize(
    ("lang", "text", "jest"),
    [
        ("en", "Delightful, relaxing, a dream. Obviously joking.", ["Delightful"]),
        ("en", "That was a lovely day. Kidding. Sort of.", ["That"]),
        ("en", "Oh, thrilled. No.", ["Oh"]),
        ("nl", "Een feestje elke dag. Grapje.", ["Een"]),
        ("en", "She was thrilled. It was a lovely day.", []),
        ("nl", "Oh ja, dat was leuk.", []),
    ],
)
def test_said_in_jest(lang: str, text: str, jest: list[str]) -> None:
    assert sorted(text[start:].split()[0].strip(",") for start in ironic(text, lang)) == jest
