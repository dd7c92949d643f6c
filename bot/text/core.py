"""Light text analysis for the offline scorer, in Dutch and English.

An answer becomes sentences (with character offsets, so quotes stay verbatim), sentences become
clauses, clauses become tokens with lemma keys (simplemma), and each token knows whether it is
a subject (the teacher or the pupil), a negator (and how strong) or a word of intensity.
No scale is named here: this module is only the language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

import simplemma

Who = Literal["teacher", "pupil", "unknown"]

_WORD = re.compile(r"['’]?\w+(?:[-'’]\w+)*")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'’”)]*(?=\s|$)|\n+")
_CLAUSE_PUNCT = re.compile(r"[,;:()\[\]–—\"“”]|\s-\s")


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def _weights(spec: str) -> dict[str, float]:
    return {w: float(v) for w, v in (item.split(":") for item in spec.split())}


def _phrases(spec: str) -> dict[tuple[str, ...], float]:
    return {tuple(p.split("_")): float(v) for p, v in (item.split(":") for item in spec.split())}


@dataclass(frozen=True)
class Lexicon:
    """The closed-class words of one language that the analysis needs."""

    negation_key: str
    verb_second: bool
    negation_after: int
    teacher_subjects: frozenset[str]
    pupil_subjects: frozenset[str]
    teacher_objects: frozenset[str]
    pupil_objects: frozenset[str]
    causatives: frozenset[str]
    complementisers: frozenset[str]
    negators: dict[str, float]
    hedges: frozenset[str]
    intensity: dict[str, float]
    phrases: dict[tuple[str, ...], float]
    conjunctions: frozenset[str]
    contractions: dict[str, str]
    abbreviations: frozenset[str]


LEXICONS: dict[str, Lexicon] = {
    "nl": Lexicon(
        negation_key="niet",
        verb_second=True,
        negation_after=6,
        teacher_subjects=_words("ik we wij 'k"),
        pupil_subjects=_words("hij zij ze"),
        teacher_objects=_words("me mij mijn m'n mezelf ons"),
        pupil_objects=_words("hem haar"),
        causatives=_words("maken krijgen drijven"),
        complementisers=_words("dat die wat of omdat als"),
        negators=_weights(
            "niet:0.8 geen:0.8 nooit:0.9 niets:0.85 niks:0.85 nergens:0.8 niemand:0.8 "
            "zelden:0.6 nauwelijks:0.6 amper:0.6 weinig:0.55"
        ),
        hedges=_words("echt zo heel erg helemaal zozeer altijd veel vaak meteen"),
        intensity=_weights(
            "heel:1.3 erg:1.3 zeer:1.3 echt:1.25 enorm:1.4 ontzettend:1.4 vreselijk:1.4 "
            "verschrikkelijk:1.4 super:1.3 hartstikke:1.3 mega:1.3 extreem:1.4 totaal:1.3 "
            "compleet:1.3 helemaal:1.3 zo:1.15 zoveel:1.2 altijd:1.3 steeds:1.25 constant:1.35 "
            "voortdurend:1.35 telkens:1.25 continu:1.35 vaak:1.2 dagelijks:1.25 beetje:0.5 "
            "soms:0.75 misschien:0.75 enigszins:0.6 redelijk:0.8 lichtjes:0.6 tikkeltje:0.6"
        ),
        phrases=_phrases(
            "elke_dag:1.3 iedere_dag:1.3 hele_dag:1.3 hele_tijd:1.3 keer_op_keer:1.3 "
            "af_en_toe:0.7 wel_eens:0.75 een_keer:0.85"
        ),
        conjunctions=_words(
            "maar want omdat doordat als toen terwijl dus en zodat hoewel nadat voordat sinds "
            "tenzij wanneer"
        ),
        contractions={"m'n": "mijn", "z'n": "zijn", "d'r": "haar", "'t": "het", "'k": "ik"},
        abbreviations=_words("bv bijv ca o.a dhr mevr nr vs m.a.w d.w.z"),
    ),
    "en": Lexicon(
        negation_key="not",
        verb_second=False,
        negation_after=0,
        teacher_subjects=_words("i we"),
        pupil_subjects=_words("he she"),
        teacher_objects=_words("me my myself us"),
        pupil_objects=_words("him her"),
        causatives=_words("make makes made drive drives drove get gets got"),
        complementisers=_words("that who what whether because if"),
        negators=_weights(
            "not:0.8 n't:0.8 never:0.9 no:0.8 nothing:0.85 nobody:0.8 none:0.8 neither:0.8 "
            "nor:0.8 without:0.6 hardly:0.6 barely:0.6 rarely:0.6 seldom:0.6 cannot:0.8 "
            "dont:0.8 doesnt:0.8 didnt:0.8 cant:0.8 wont:0.8 wouldnt:0.8 couldnt:0.8 "
            "shouldnt:0.8 isnt:0.8 wasnt:0.8 arent:0.8 werent:0.8 havent:0.8 hasnt:0.8 "
            "hadnt:0.8 aint:0.8"
        ),
        hedges=_words(
            "really very that so too entirely always much often quite exactly particularly"
        ),
        intensity=_weights(
            "very:1.3 really:1.25 so:1.2 extremely:1.4 incredibly:1.4 totally:1.3 "
            "completely:1.3 absolutely:1.3 utterly:1.4 super:1.3 terribly:1.4 awfully:1.3 "
            "deeply:1.3 hugely:1.3 genuinely:1.15 always:1.3 constantly:1.35 continually:1.35 "
            "repeatedly:1.3 often:1.2 frequently:1.2 daily:1.25 sometimes:0.75 occasionally:0.7 "
            "maybe:0.75 perhaps:0.75 slightly:0.6 somewhat:0.7 fairly:0.85 bit:0.5 kinda:0.7"
        ),
        phrases=_phrases(
            "every_day:1.3 every_single_day:1.1 all_the_time:1.3 over_and_over:1.3 "
            "again_and_again:1.3 kind_of:0.7 sort_of:0.7 now_and_then:0.7 a_little:0.7 "
            "from_time_to_time:0.7"
        ),
        conjunctions=_words(
            "but because when while and although though whereas since unless cause cos if"
        ),
        contractions={
            "can't": "can",
            "won't": "will",
            "don't": "do",
            "doesn't": "do",
            "didn't": "do",
            "isn't": "be",
            "wasn't": "be",
            "aren't": "be",
            "weren't": "be",
            "haven't": "have",
            "hasn't": "have",
            "hadn't": "have",
            "couldn't": "could",
            "wouldn't": "would",
            "shouldn't": "should",
        },
        abbreviations=_words("mr mrs ms dr e.g i.e etc vs st"),
    ),
}


@dataclass(frozen=True, slots=True)
class Token:
    """One word: as typed (folded), its keys (also the lemma) and its role in the clause."""

    word: str
    keys: frozenset[str]
    subject: Who | None
    teacher_object: bool
    pupil_object: bool
    negation: float
    intensity: float


@dataclass(frozen=True, slots=True)
class Clause:
    """The tokens between two clause boundaries; `inherited` is the sentence's subject so far."""

    tokens: tuple[Token, ...]
    inherited: Who
    intensity: float


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an answer, `text[start:end]`, with its clauses and all its keys."""

    start: int
    end: int
    clauses: tuple[Clause, ...]
    keys: frozenset[str]


def fold(word: str) -> str:
    """Lower case without accents, with straight apostrophes ("Geïrriteerd" -> "geirriteerd")."""
    text = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@cache
def lemma_keys(word: str, lang: str) -> frozenset[str]:
    """The keys a word is matched by: the folded word, its lemma and any hyphenated parts."""
    folded = fold(word)
    if folded.startswith("'") and len(folded) > 3:
        folded = folded[1:]
    keys = {folded}
    if len(folded) > 3 and "'" not in folded:
        keys.add(fold(simplemma.lemmatize(folded, lang=lang)).replace("_", ""))
    if "-" in folded:
        keys.update(part for part in folded.split("-") if part)
    return frozenset(keys)


def word_count(text: str) -> int:
    """The number of words in `text`."""
    return len(_WORD.findall(text))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`; an initial like "S." does not end one."""
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
    known = LEXICONS["nl"].abbreviations | LEXICONS["en"].abbreviations
    return (len(bare) == 1 and bare.isupper()) or fold(bare) in known


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    if piece.strip():
        spans.append((start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())))


def analyse(text: str, lang: str, pupil: str) -> list[Sentence]:
    """Split one answer into sentences and clauses of annotated tokens."""
    lexicon = LEXICONS[lang]
    names = frozenset(fold(part) for part in re.findall(r"\w+", pupil))
    sentences = []
    for start, end in split_sentences(text):
        clauses = _clauses(text[start:end], lang, lexicon, names)
        keys = frozenset(k for clause in clauses for token in clause.tokens for k in token.keys)
        sentences.append(Sentence(start, end, tuple(clauses), keys))
    return sentences


def _clauses(sentence: str, lang: str, lexicon: Lexicon, names: frozenset[str]) -> list[Clause]:
    groups: list[list[Token]] = [[]]
    previous_end = 0
    for match in _WORD.finditer(sentence):
        gap = sentence[previous_end : match.start()]
        previous_end = match.end()
        token = _token(match.group(), lang, lexicon, names)
        if groups[-1] and (_CLAUSE_PUNCT.search(gap) or token.keys & lexicon.conjunctions):
            groups.append([])
        groups[-1].append(token)
    clauses = []
    subject: Who = "unknown"
    for group in groups:
        if group:
            tokens = _hedge(group, lexicon)
            clauses.append(Clause(tokens, subject, _intensity(tokens, lexicon)))
            subject = next((t.subject for t in reversed(tokens) if t.subject), subject)
    return clauses


def _token(word: str, lang: str, lexicon: Lexicon, names: frozenset[str]) -> Token:
    keys = lemma_keys(word, lang)
    folded = fold(word)
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
    elif keys & lexicon.pupil_subjects or (folded in names and not word.startswith("'")):
        subject = "pupil"
    intensity = lexicon.intensity.get(folded, 1.0)
    return Token(
        folded,
        keys,
        subject,
        bool(keys & lexicon.teacher_objects),
        bool(keys & lexicon.pupil_objects),
        negation,
        intensity,
    )


def _hedge(tokens: list[Token], lexicon: Lexicon) -> tuple[Token, ...]:
    """ "niet echt boos", "not really angry": a softer negation, not a stronger feeling."""
    result = list(tokens)
    for i in range(len(result) - 1):
        if result[i].negation and result[i + 1].word in lexicon.hedges:
            result[i] = replace(result[i], negation=result[i].negation * 0.55)
            result[i + 1] = replace(result[i + 1], intensity=1.0)
    return tuple(result)


def _intensity(tokens: tuple[Token, ...], lexicon: Lexicon) -> float:
    factor = 1.0
    for token in tokens:
        factor *= token.intensity
    for phrase, value in lexicon.phrases.items():
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(phrase[j] in tokens[i + j].keys for j in range(n)):
                factor *= value
                break
    return min(max(factor, 0.4), 1.6)
