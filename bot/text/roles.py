"""Whose feeling or act a match is, and at whom a feeling is aimed.

A match found in a clause ("boos", "troosten", "komt naar me toe") belongs to someone: the
teacher ("ik was boos"), the pupil ("hij was boos", "ik zag haar huilen") or nobody named
("Machteloos."). And a feeling may be aimed at someone else than the pupil ("razend op het
systeem", "annoyed with myself", "ambetant, maar niet op hem"). Both rules read only the roles
`analysis` gives the tokens and the closed-class words of the `Lexicon`; nothing here names a
scale or a signal. `ironic` finds sentences said in jest ("Delightful, a dream. Obviously
joking.", "Oh, thrilled.").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.text.analysis import Clause, Sentence, Token
from bot.text.lexicon import LEXICONS, Lexicon, Who
from bot.text.sentences import split_sentences
from bot.text.tokens import WORD, fold

AIM_REACH = 8
RETRACTION_WORDS = 4


def experiencer(clause: Clause, anchor: int, lexicon: Lexicon) -> Who:
    """Whose feeling or act the match at `clause.tokens[anchor]` is: in Dutch an inverted
    subject right after it ("weet ik"); a pupil object right before it ("saw her upset"); "me"
    after a causative ("maakt me boos"); else the nearest subject before it (a name right after
    "ik" is an object: "hoe ik Noah moet troosten"), in Dutch one of the next three words
    ("plezier heb ik"), else the sentence's subject so far."""
    tokens = clause.tokens
    inverted = tokens[anchor + 1].subject if anchor + 1 < len(tokens) else None
    if lexicon.verb_second and inverted:
        return inverted
    if anchor and tokens[anchor - 1].pupil_object:
        return "pupil"
    causative = any(token.keys & lexicon.causatives for token in tokens)
    for i in range(anchor - 1, -1, -1):
        token = tokens[i]
        if causative and token.teacher_object:
            return "teacher"
        if token.subject and not object_name(tokens, i, lexicon):
            return token.subject
    if lexicon.verb_second:
        for token in tokens[anchor + 1 : anchor + 4]:
            if token.subject or token.keys & lexicon.complementisers:
                return token.subject or clause.inherited
    return clause.inherited


def object_name(tokens: Sequence[Token], i: int, lexicon: Lexicon) -> bool:
    """Whether the pupil's name at `i` is an object: right after the teacher as subject."""
    token = tokens[i]
    return (
        token.subject == "pupil"
        and token.word not in lexicon.pupil_subjects
        and i > 0
        and tokens[i - 1].subject == "teacher"
    )


def aimed_elsewhere(sentence: Sentence, clause: Clause, anchor: int, lexicon: Lexicon) -> bool:
    """Whether the feeling at `clause.tokens[anchor]` is aimed at someone or something other
    than the pupil: a preposition of aim (`lexicon.aim`) within the next eight words of the
    sentence, followed by no word for the pupil, or negated ("niet op hem")."""
    tokens = sentence.tokens
    start = _offset(sentence, clause) + anchor + 1
    pupil_words = lexicon.pupil_objects | lexicon.pupil_possessives
    for i in range(start, min(len(tokens) - 1, start + AIM_REACH)):
        if tokens[i].word not in lexicon.aim:
            continue
        after = tokens[i + 1 : i + 5]
        at_pupil = any(t.subject == "pupil" or t.word in pupil_words for t in after)
        return not at_pupil or bool(tokens[i - 1].negation)
    return False


def _offset(sentence: Sentence, clause: Clause) -> int:
    """The position in `sentence.tokens` of the clause's first token."""
    offset = 0
    for other in sentence.clauses:
        if other is clause:
            break
        offset += len(other.tokens)
    return offset


def ironic(text: str, lang: str) -> frozenset[int]:
    """The starts of the sentences of `text` said in mock earnest: one taken back by a short
    sentence after it ("Een feestje. Grapje.", "A lovely day. Kidding."), or opened with mock
    enthusiasm and a comma ("Oh, thrilled.")."""
    lexicon = LEXICONS[lang]
    spans = split_sentences(text)
    found = set()
    for n, (start, end) in enumerate(spans):
        words = [fold(w) for w in WORD.findall(text, start, end)]
        if n and len(words) <= RETRACTION_WORDS and lexicon.retractions & set(words):
            found.add(spans[n - 1][0])
        opener = WORD.match(text, start)
        mock = opener and fold(opener.group()) in lexicon.ironic_openers
        if opener and mock and text[opener.end() : opener.end() + 1] == ",":
            found.add(start)
    return frozenset(found)
