"""Sentences -> clauses -> tokens with roles: the one reading of an answer.

An answer becomes sentences (`split_sentences`, character spans, so quotes stay verbatim),
sentences become clauses (a clause ends at a comma, colon, semicolon, bracket, quote, dash or a
conjunction of the lexicon), clauses become tokens. Each token has its keys (the folded word,
its lemma, hyphenated parts, a contraction's head, and for a negator the language's negation
key: "nooit" also matches "niet"), its character span, its clause, and its role: a subject (the
teacher or the pupil), an object, a negator (and how strong), an intensifier, a name.
No scale or signal is named here: this module is only the language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from bot.text.lexicon import LEXICONS, Lexicon, Who
from bot.text.sentences import split_sentences
from bot.text.tokens import WORD, fold, lemma, lemma_keys, words

_CLAUSE_PUNCT = re.compile(r"[,;:()\[\]–—\"“”]|\s-\s")
NAME = "#name"  # the index key of a name or an initial ("Sanne" after the first word, "S.")
ANALYSED_KEPT = 64  # answers whose reading is kept (one turn reads its answer several times)


class Token(NamedTuple):
    """One word: as typed (folded), its keys (also the lemma) and its role in the clause.

    `start:end` is the word in the analysed text; `clause` counts the sentence's clauses from
    0; `last` marks the clause's last word; `name` a capitalised word after the first (or an
    initial) that is not the teacher ("I"); `lemma` is simplemma's lemma also of a short word
    ("wil" -> "willen"), which `keys` leave out (their lemma needs four letters); `stem` is the
    verb of a Dutch separable compound ("aangesproken" -> "spreken", "toelopen" -> "lopen").
    Immutable (a named tuple: made five times faster than a frozen dataclass, and an answer's
    reading makes one per word and place)."""

    word: str
    keys: frozenset[str]
    subject: Who | None
    teacher_object: bool
    pupil_object: bool
    negation: float
    intensity: float
    start: int = 0
    end: int = 0
    clause: int = 0
    last: bool = False
    name: bool = False
    lemma: str = ""
    stem: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    """The tokens between two clause boundaries; `inherited` is the sentence's subject so far."""

    tokens: tuple[Token, ...]
    inherited: Who
    intensity: float


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an answer, `text[start:end]`, with its clauses and all its keys.

    `tokens` are all the clauses' tokens in order; `index` maps every key (and the lemma, "=" +
    the exact word, and `NAME` for names) to the positions in `tokens` that carry it."""

    start: int
    end: int
    clauses: tuple[Clause, ...]
    keys: frozenset[str]
    tokens: tuple[Token, ...] = ()
    index: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def analyse(text: str, lang: str, pupil: str = "") -> list[Sentence]:
    """Split one answer into sentences and clauses of annotated tokens; words of `pupil` (the
    pseudonym) are the pupil as subject. One answer is read by the follow-up detector, the
    acknowledgement, safeguarding and the scorer in the same turn: the reading is kept for the
    last few answers (the sentences are frozen, so sharing them is safe)."""
    return list(_analysed(text, lang, pupil))


@lru_cache(maxsize=ANALYSED_KEPT)
def _analysed(text: str, lang: str, pupil: str) -> tuple[Sentence, ...]:
    lexicon = LEXICONS[lang]
    names = frozenset(fold(part) for part in re.findall(r"\w+", pupil))
    if names and names.isdisjoint(words(text)):
        # The pupil's name is not in the text: the reading is the one without it (which the
        # safeguarding check has usually made already), not a second one.
        return _analysed(text, lang, "")
    if "\n" in text:
        joined = _joined(text, lang, pupil)
        if joined is not None:
            return joined
    return tuple(
        _sentence(text, start, end, lang, lexicon, names) for start, end in split_sentences(text)
    )


def _joined(text: str, lang: str, pupil: str) -> tuple[Sentence, ...] | None:
    """A text of several lines (an answer's parts, joined) read line by line: each line's
    reading (kept: the turn that stored the newest part has just read it) moved to where the
    line is, when the text's sentences are the lines' sentences (else None: read it whole). A
    sentence's reading depends only on its own characters."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        sentences.extend(_moved(sentence, offset) for sentence in _analysed(line, lang, pupil))
        offset += len(line) + 1
    if [(s.start, s.end) for s in sentences] != split_sentences(text):
        return None
    return tuple(sentences)


def _moved(sentence: Sentence, offset: int) -> Sentence:
    """The same reading `offset` characters further on."""
    if not offset:
        return sentence
    clauses = tuple(
        Clause(tuple(_shifted(t, offset) for t in c.tokens), c.inherited, c.intensity)
        for c in sentence.clauses
    )
    flat = tuple(token for clause in clauses for token in clause.tokens)
    start, end = sentence.start + offset, sentence.end + offset
    return Sentence(start, end, clauses, sentence.keys, flat, sentence.index)


def _shifted(t: Token, offset: int) -> Token:
    return Token(
        t.word,
        t.keys,
        t.subject,
        t.teacher_object,
        t.pupil_object,
        t.negation,
        t.intensity,
        t.start + offset,
        t.end + offset,
        t.clause,
        t.last,
        t.name,
        t.lemma,
        t.stem,
    )


def _sentence(
    text: str, start: int, end: int, lang: str, lexicon: Lexicon, names: frozenset[str]
) -> Sentence:
    groups: list[list[tuple[Token, bool, int, int]]] = [[]]
    previous_end = start
    conjunctions = lexicon.conjunctions
    for match in WORD.finditer(text, start, end):
        raw = match.group()
        token = _word(raw, lang)
        a, b = match.span()
        gap = text[previous_end:a]
        previous_end = b
        if groups[-1] and (
            (gap != " " and _CLAUSE_PUNCT.search(gap)) or not token.keys.isdisjoint(conjunctions)
        ):
            groups.append([])
        name = raw[0].isupper() and _is_name(raw, token, lexicon, first=not groups[0])
        groups[-1].append((token, name, a, b))
    clauses: list[Clause] = []
    subject: Who = "unknown"
    for group in filter(None, groups):
        n, last = len(clauses), len(group) - 1
        placed = [
            _placed(t, names, name, a, b, n, i == last) for i, (t, name, a, b) in enumerate(group)
        ]
        tokens = _hedge(placed, lexicon)
        clauses.append(Clause(tokens, subject, _intensity(tokens, lexicon)))
        subject = next((t.subject for t in reversed(tokens) if t.subject), subject)
    flat = tuple(token for clause in clauses for token in clause.tokens)
    keys = frozenset(k for token in flat for k in token.keys)
    return Sentence(start, end, tuple(clauses), keys, flat, _index(flat))


def _placed(
    t: Token, names: frozenset[str], name: bool, start: int, end: int, clause: int, last: bool
) -> Token:
    """The word's token at its place: offsets, clause, and the pupil's name as a subject."""
    subject = "pupil" if t.word in names and not t.word.startswith("'") else t.subject
    return Token(
        t.word,
        t.keys,
        subject,
        t.teacher_object,
        t.pupil_object,
        t.negation,
        t.intensity,
        start,
        end,
        clause,
        last,
        name,
        t.lemma,
        t.stem,
    )


def _is_name(raw: str, token: Token, lexicon: Lexicon, first: bool) -> bool:
    """A capitalised word after the first of its sentence, or an initial, and not "I"."""
    capital = raw[0].isupper() and (len(raw) == 1 or not first)
    return capital and not token.keys & (lexicon.teacher_subjects | lexicon.teacher_objects)


def _index(tokens: tuple[Token, ...]) -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        extra = ["=" + token.word, token.lemma]
        if token.stem:
            extra.append("~" + token.stem)
        if token.name:
            extra.append(NAME)
        for key in (*token.keys, *extra):
            index.setdefault(key, []).append(i)
    return {key: tuple(found) for key, found in index.items()}


@lru_cache(maxsize=1 << 14)
def _word(raw: str, lang: str) -> Token:
    """A word's keys and roles, which depend only on the word (cached)."""
    lexicon = LEXICONS[lang]
    keys = lemma_keys(raw, lang)
    folded = fold(raw)
    if "'" in folded[1:]:
        head = folded.split("'")[0]
        keys = keys | {head, lexicon.contractions.get(folded, head)}
    if folded in lexicon.contractions:
        keys = keys | {lexicon.contractions[folded]}
    negation = lexicon.negators.get(folded, 0.0)
    if folded.endswith("n't"):
        negation = max(negation, lexicon.negators.get("n't", 0.0))
    if negation:
        keys = keys | {lexicon.negation_key}
    subject: Who | None = None
    if keys & lexicon.teacher_subjects:
        subject = "teacher"
    elif keys & lexicon.pupil_subjects:
        subject = "pupil"
    teacher_object = bool(keys & lexicon.teacher_objects)
    pupil_object = bool(keys & lexicon.pupil_objects)
    intensity = lexicon.intensity.get(folded, 1.0)
    return Token(
        folded,
        keys,
        subject,
        teacher_object,
        pupil_object,
        negation,
        intensity,
        lemma=lemma(folded, lang),
        stem=_stem(folded, lang, lexicon),
    )


def _stem(folded: str, lang: str, lexicon: Lexicon) -> str:
    """The verb inside a separable compound: particle off, then the lemma of the rest."""
    for particle in lexicon.particles:
        if folded.startswith(particle) and len(folded) - len(particle) >= 4:
            return lemma(folded[len(particle) :], lang)
    return ""


def _hedge(tokens: list[Token], lexicon: Lexicon) -> tuple[Token, ...]:
    """ "niet echt boos", "not really angry": a softer negation, not a stronger feeling."""
    result = list(tokens)
    for i in range(len(result) - 1):
        if _more_than_ever(result, i, lexicon):
            result[i] = result[i]._replace(negation=0.0)
            continue
        if result[i].negation and result[i + 1].word in lexicon.hedges:
            result[i] = result[i]._replace(negation=result[i].negation * 0.55)
            result[i + 1] = result[i + 1]._replace(intensity=1.0)
    return tuple(result)


NEVER = frozenset({"nooit", "never"})
SUPERLATIVE_REACH = 3  # «never been so», «nooit eerder zo'n», "never had such a"


def _more_than_ever(tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """«Ik heb nog nooit zo'n band gehad», "I've never been so happy": a «never» before «so» or
    «such» says more than ever, it denies nothing."""
    if tokens[i].word not in NEVER:
        return False
    ahead = tokens[i + 1 : i + 1 + SUPERLATIVE_REACH]
    return any(t.word in lexicon.superlatives and t.clause == tokens[i].clause for t in ahead)


def _found(phrase: tuple[str, ...], tokens: tuple[Token, ...]) -> bool:
    """Whether the phrase's words follow each other somewhere among the tokens."""
    n, first = len(phrase), phrase[0]
    for i in range(len(tokens) - n + 1):
        if first not in tokens[i].keys:  # tested alone: most words start no phrase
            continue
        for j in range(1, n):
            if phrase[j] not in tokens[i + j].keys:
                break
        else:
            return True
    return False


def _intensity(tokens: tuple[Token, ...], lexicon: Lexicon) -> float:
    factor = 1.0
    for token in tokens:
        factor *= token.intensity
    for phrase, value in lexicon.phrases.items():
        if _found(phrase, tokens):
            factor *= value
    return min(max(factor, 0.4), 1.6)
