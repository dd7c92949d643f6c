"""Cue terms of `prompts/scales.yaml` compiled and found in an answer, sentence by sentence.

A term is a cue in the one cue syntax of the text core (`bot.text.cues`: space-separated slots
that must all occur in one clause, or sentence; `a|b` alternatives by lemma, `=word` the exact
form, `word*` a prefix, `~verb` also inside a Dutch separable compound). A match counts for its
scale with its group's sign and weight, times the clause's intensity; a negator in scope
(`bot.text.scope`) flips and softens it; it counts only when the feeling or act belongs to the
right person (`bot.text.roles`). No scale is named here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.scoring.scales import CueGroup, ScaleSet
from bot.text.analysis import Clause, Sentence, analyse
from bot.text.cues import Cue, CueSet, nearest, parse_cue, word_keys
from bot.text.lexicon import LEXICONS, Lexicon, Who
from bot.text.roles import aimed_elsewhere, experiencer
from bot.text.scope import Scope, negation

Source = Literal["rules", "model", "both"]
CLAUSE_LIMIT = 1.2
SENTENCE_LIMIT = 2.0
# A negator governs a cue up to five words before it (not across a change of subject), and in
# Dutch up to six after it ("dat weet ik niet"); before a question word, anything after it.
NEGATION_BEFORE = 5
NEGATED = 0.9
ELSEWHERE = 0.25
# A fragment of at most ECHO_WORDS words that only repeats the prompt's own words counts little.
ECHO_WORDS = 3
ECHO = 0.2


@dataclass(frozen=True)
class Span:
    """One part of an answer, `text[start:end]`: the prompt it answered and whose feelings a
    subjectless sentence in it is about ("Boos, denk ik." after "what did {pupil} feel?"), and
    the words of the prompt itself (`echo`: "Pleasure." after "what gives you pleasure?")."""

    prompt: str
    start: int
    end: int
    default_who: Who = "unknown"
    echo: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hit:
    """A signed contribution of one sentence (`start:end` of its answer) to one scale; `source`
    says what found it (the cue rules, the trained model, or both) and `probability` the
    model's calibrated probability for the end it points to (0.0 when the model did not)."""

    scale: str
    value: float
    question_id: str
    start: int
    end: int
    prompt: str = "main"
    keys: frozenset[str] = frozenset()
    source: Source = "rules"
    probability: float = 0.0


def scope_of(lexicon: Lexicon) -> Scope:
    """The scorer's negation scope over one clause."""
    return Scope(
        NEGATION_BEFORE,
        lexicon.negation_after,
        subject_change=True,
        complements=lexicon.question_words,
        after_breakers=lexicon.subordinators,
    )


@dataclass(frozen=True)
class _Group:
    scale: str
    sign: int
    who: str
    weight: float
    questions: frozenset[str]
    also: frozenset[str]
    sentence_scope: bool
    aimed: bool


@dataclass(frozen=True)
class CompiledCues:
    """The cue groups of one language; `index` holds every group's terms (`owner`: the group
    of each), so a sentence is tried only on the terms it could match."""

    lang: str
    groups: tuple[_Group, ...]
    index: CueSet
    owner: tuple[int, ...]
    scope: Scope


def compile_cues(scales: ScaleSet, lang: str) -> CompiledCues:
    """Parse and index the cue terms of every scale for one language."""
    groups: list[_Group] = []
    terms: list[Cue] = []
    owner: list[int] = []
    for scale in scales.scales:
        for group in scale.typed_cues().groups(lang):
            compiled = compile_terms(group.terms, lang)
            owner.extend([len(groups)] * len(compiled))
            terms.extend(compiled)
            groups.append(_group(scale.id, group, lang))
    lexicon = LEXICONS[lang]
    return CompiledCues(lang, tuple(groups), CueSet(terms), tuple(owner), scope_of(lexicon))


def _group(scale_id: str, group: CueGroup, lang: str) -> _Group:
    return _Group(
        scale=scale_id,
        sign=1 if group.toward == "high" else -1,
        who=group.who,
        weight=group.weight,
        questions=frozenset(group.questions),
        also=keys_of(group.also, lang),
        sentence_scope=group.scope == "sentence",
        aimed=group.aimed,
    )


def keys_of(words: Iterable[str], lang: str) -> frozenset[str]:
    """The keys of plain words (folded and lemma), for `also` and similar word sets."""
    return frozenset(k for word in words for k in word_keys(word, lang))


def compile_terms(terms: Iterable[str], lang: str) -> tuple[Cue, ...]:
    """Terms in the cue syntax, parsed (slots in any order)."""
    return tuple(parse_cue(term, lang) for term in terms)


def find_hits(
    cues: CompiledCues,
    question_id: str,
    text: str,
    pupil: str,
    spans: Sequence[Span] = (),
) -> list[Hit]:
    """Every sentence's signed contribution per scale in one answer; `spans` name the part
    (prompt) each sentence belongs to (the whole answer is one main part without them)."""
    lexicon = LEXICONS[cues.lang]
    parts = list(spans) or [Span("main", 0, len(text))]
    hits = []
    for sentence in analyse(text, cues.lang, pupil):
        span = next((s for s in parts if s.start <= sentence.start < s.end), parts[-1])
        candidates = cues.index.candidates(sentence)
        totals: dict[str, float] = defaultdict(float)
        for clause in sentence.clauses:
            found = _clause_values(cues, lexicon, question_id, sentence, clause, span, candidates)
            for scale, value in found:
                totals[scale] += value
        for scale, value in _sentence_values(cues, question_id, sentence, candidates):
            totals[scale] += value
        keys = frozenset(sentence.index)
        for scale, value in sorted(totals.items()):
            if value:
                value = clip(value, SENTENCE_LIMIT)
                hits.append(
                    Hit(scale, value, question_id, sentence.start, sentence.end, span.prompt, keys)
                )
    return hits


def _clause_values(
    cues: CompiledCues,
    lexicon: Lexicon,
    question_id: str,
    sentence: Sentence,
    clause: Clause,
    span: Span,
    candidates: Sequence[int],
) -> list[tuple[str, float]]:
    best: dict[int, float] = {}
    for n in candidates:
        g = cues.owner[n]
        group = cues.groups[g]
        if group.sentence_scope or not _applies(group, question_id, sentence):
            continue
        where = nearest(cues.index.cues[n], clause.tokens)
        if where is None:
            continue
        who = experiencer(clause, where[0], lexicon)
        factor = _who_factor(group.who, span.default_who if who == "unknown" else who)
        value = group.sign * group.weight * factor * clause.intensity
        negator = negation(clause.tokens, where, cues.scope)
        if negator:
            value = -value * negator * NEGATED
        if group.aimed and aimed_elsewhere(sentence, clause, where[0], lexicon):
            value *= ELSEWHERE
        if _echo(sentence, clause, where, span.echo):
            value *= ECHO
        if factor and abs(value) > abs(best.get(g, 0.0)):
            best[g] = value
    per_scale: dict[str, float] = defaultdict(float)
    for g, value in best.items():
        per_scale[cues.groups[g].scale] += value
    return [(scale, clip(value, CLAUSE_LIMIT)) for scale, value in per_scale.items()]


def _sentence_values(
    cues: CompiledCues, question_id: str, sentence: Sentence, candidates: Sequence[int]
) -> list[tuple[str, float]]:
    values = []
    for n in candidates:
        group = cues.groups[cues.owner[n]]
        if (
            group.sentence_scope
            and _applies(group, question_id, sentence)
            and nearest(cues.index.cues[n], sentence.tokens, span=30) is not None
        ):
            values.append((group.scale, group.sign * group.weight))
    return values


def _applies(group: _Group, question_id: str, sentence: Sentence) -> bool:
    if group.questions and question_id not in group.questions:
        return False
    return not group.also or not group.also.isdisjoint(sentence.index)


def _echo(sentence: Sentence, clause: Clause, where: tuple[int, ...], echo: frozenset[str]) -> bool:
    """A short fragment whose matched words all come from the prompt: the topic repeated."""
    return len(sentence.tokens) <= ECHO_WORDS and all(clause.tokens[i].keys & echo for i in where)


def _who_factor(wanted: str, who: Who) -> float:
    """Subjectless fragments ("Machteloos.", "Exhausting.") are mostly the teacher's own."""
    if wanted in ("any", who):
        return 1.0
    if who == "unknown":
        return 0.9 if wanted == "teacher" else 0.7
    return 0.0


def clip(value: float, limit: float) -> float:
    """`value` within -limit..limit."""
    return max(-limit, min(limit, value))
