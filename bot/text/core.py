"""The names the scorer imported from the old single text module, kept importable while it
moves to the modules of `bot.text` (docs/text.md says which name lives where). New code
imports from those modules directly; this file goes once nothing imports it.
"""

from __future__ import annotations

from bot.text.analysis import Clause, Sentence, Token, analyse
from bot.text.lexicon import LEXICONS, Lexicon, Who
from bot.text.sentences import split_sentences
from bot.text.tokens import fold, lemma_keys, word_count

__all__ = [
    "LEXICONS",
    "Clause",
    "Lexicon",
    "Sentence",
    "Token",
    "Who",
    "analyse",
    "fold",
    "lemma_keys",
    "split_sentences",
    "word_count",
]
