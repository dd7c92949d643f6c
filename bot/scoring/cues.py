"""Cue terms of `prompts/scales.yaml` compiled and found in an answer, sentence by sentence.

A term is space-separated slots that must all occur in one clause (or sentence); a slot is
alternatives split by `|`, compared by lemma, `=word` by the exact form only, `word*` a prefix
(docs/scoring.md). A match counts for its scale with its group's sign and weight, times the
clause's intensity; a negator in scope flips and softens it; it counts only when the feeling
or act belongs to the right person (`who`). No scale is named here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.scoring.scales import CueGroup, ScaleSet
from bot.text.core import LEXICONS, Clause, Lexicon, Sentence, Token, Who, analyse, fold, lemma_keys

CLAUSE_LIMIT = 1.2
SENTENCE_LIMIT = 2.0
# Question words that open a complement a negated "know" scopes over: "ik weet niet (goed)
# hoe ik hem moet troosten", "I'm not sure how to ...".
_WH = {
    "nl": frozenset(["hoe", "wat", "waarom", "wanneer"]),
    "en": frozenset(["how", "what", "why"]),
}
# A feeling aimed at something: "boos op", "annoyed with"; the pupil's words after it.
_AIM = {"nl": frozenset(["op", "tegen", "over"]), "en": frozenset(["at", "with", "about"])}
_PUPIL_WORDS = frozenset(["hem", "haar", "zijn", "z'n", "him", "her", "his"])
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
    """A signed contribution of one sentence (`start:end` of its answer) to one scale."""

    scale: str
    value: float
    question_id: str
    start: int
    end: int
    prompt: str = "main"
    keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Slot:
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def hits(self, token: Token) -> bool:
        return bool(self.exact & token.keys) or any(
            key.startswith(p) for p in self.prefixes for key in token.keys
        )


Term = tuple[Slot, ...]


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
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class CompiledCues:
    """The cue groups of one language, with an index from a term's first word to the term."""

    lang: str
    groups: tuple[_Group, ...]
    index: dict[str, tuple[tuple[int, int], ...]]
    scan: tuple[tuple[int, int], ...]


def compile_cues(scales: ScaleSet, lang: str) -> CompiledCues:
    """Lemmatise and index the cue terms of every scale for one language."""
    groups = tuple(
        _group(scale.id, group, lang)
        for scale in scales.scales
        for group in scale.typed_cues().groups(lang)
    )
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    scan = []
    for g, group in enumerate(groups):
        for t, term in enumerate(group.terms):
            if term[0].prefixes:
                scan.append((g, t))
            for key in term[0].exact:
                index[key].append((g, t))
    return CompiledCues(lang, groups, {k: tuple(v) for k, v in index.items()}, tuple(scan))


def _group(scale_id: str, group: CueGroup, lang: str) -> _Group:
    return _Group(
        scale=scale_id,
        sign=1 if group.toward == "high" else -1,
        who=group.who,
        weight=group.weight,
        questions=frozenset(group.questions),
        also=word_keys(group.also, lang),
        sentence_scope=group.scope == "sentence",
        aimed=group.aimed,
        terms=compile_terms(group.terms, lang),
    )


def word_keys(words: Iterable[str], lang: str) -> frozenset[str]:
    """The lemma keys of plain words (for `also` and similar word sets)."""
    return frozenset(k for word in words for k in lemma_keys(word, lang))


def compile_terms(terms: Iterable[str], lang: str) -> tuple[Term, ...]:
    """Terms in the cue syntax, compiled for `find_term`."""
    return tuple(tuple(_slot(s, lang) for s in term.split()) for term in terms)


def _slot(text: str, lang: str) -> Slot:
    """`a|b` alternatives by lemma; `=word` by its exact form only; `word*` as a prefix."""
    exact: set[str] = set()
    prefixes = []
    for alt in text.split("|"):
        if alt.endswith("*"):
            prefixes.append(fold(alt[:-1]))
        elif alt.startswith("="):
            exact.add(fold(alt[1:]))
        else:
            exact.update(lemma_keys(alt, lang))
    return Slot(frozenset(exact), tuple(prefixes))


def sentence_tokens(sentence: Sentence) -> tuple[Token, ...]:
    """All tokens of a sentence, clause after clause."""
    return tuple(token for clause in sentence.clauses for token in clause.tokens)


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
        totals: dict[str, float] = defaultdict(float)
        for clause in sentence.clauses:
            for scale, value in _clause_values(cues, lexicon, question_id, sentence, clause, span):
                totals[scale] += value
        for scale, value in _sentence_values(cues, question_id, sentence):
            totals[scale] += value
        for scale, value in sorted(totals.items()):
            if value:
                value = clip(value, SENTENCE_LIMIT)
                hits.append(
                    Hit(
                        scale,
                        value,
                        question_id,
                        sentence.start,
                        sentence.end,
                        span.prompt,
                        sentence.keys,
                    )
                )
    return hits


def _candidates(cues: CompiledCues, tokens: tuple[Token, ...]) -> list[tuple[int, int]]:
    found = {pair for token in tokens for key in token.keys for pair in cues.index.get(key, ())}
    return sorted(found | set(cues.scan))


def _clause_values(
    cues: CompiledCues,
    lexicon: Lexicon,
    question_id: str,
    sentence: Sentence,
    clause: Clause,
    span: Span,
) -> list[tuple[str, float]]:
    best: dict[int, float] = {}
    for g, t in _candidates(cues, clause.tokens):
        group = cues.groups[g]
        if group.sentence_scope or not _applies(group, question_id, sentence):
            continue
        where = find_term(group.terms[t], clause.tokens)
        if where is None:
            continue
        who = experiencer(clause, where[0], lexicon)
        factor = _who_factor(group.who, span.default_who if who == "unknown" else who)
        value = group.sign * group.weight * factor * clause.intensity
        negation = negation_in_scope(clause.tokens, where, lexicon, _WH[cues.lang])
        if negation:
            value = -value * negation * 0.9
        if group.aimed and _aimed_elsewhere(sentence, clause, where[0], _AIM[cues.lang]):
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
    cues: CompiledCues, question_id: str, sentence: Sentence
) -> list[tuple[str, float]]:
    tokens = sentence_tokens(sentence)
    values = []
    for g, t in _candidates(cues, tokens):
        group = cues.groups[g]
        if (
            group.sentence_scope
            and _applies(group, question_id, sentence)
            and find_term(group.terms[t], tokens, span=30) is not None
        ):
            values.append((group.scale, group.sign * group.weight))
    return values


def _applies(group: _Group, question_id: str, sentence: Sentence) -> bool:
    if group.questions and question_id not in group.questions:
        return False
    return not group.also or bool(group.also & sentence.keys)


def find_term(term: Term, tokens: tuple[Token, ...], span: int = 10) -> tuple[int, ...] | None:
    """The token positions of one term, each slot nearest to the first; None when absent."""
    positions = [[j for j, token in enumerate(tokens) if slot.hits(token)] for slot in term]
    if not all(positions):
        return None
    for i in positions[0]:
        used = [i]
        for options in positions[1:]:
            free = [j for j in options if j not in used]
            if not free:
                break
            used.append(min(free, key=lambda j: (abs(j - i), j)))
        else:
            if max(used) - min(used) <= span:
                return tuple(used)
    return None


def experiencer(clause: Clause, anchor: int, lexicon: Lexicon) -> Who:
    """Whose feeling or act a match is: in Dutch an inverted subject right after it ("weet
    ik"); a pupil object right before it ("saw her upset"); "me" after a causative ("maakt me
    boos"); else the nearest subject before it (a name right after "ik" is an object: "hoe ik
    Noah moet troosten"), in Dutch one of the next three words ("plezier heb ik"), else the
    sentence's subject so far."""
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
        if token.subject and not _object_name(tokens, i, lexicon):
            return token.subject
    if lexicon.verb_second:
        for token in tokens[anchor + 1 : anchor + 4]:
            if token.subject or token.keys & lexicon.complementisers:
                return token.subject or clause.inherited
    return clause.inherited


def _echo(sentence: Sentence, clause: Clause, where: tuple[int, ...], echo: frozenset[str]) -> bool:
    """A short fragment whose matched words all come from the prompt: the topic repeated."""
    words = sum(len(c.tokens) for c in sentence.clauses)
    return words <= ECHO_WORDS and all(clause.tokens[i].keys & echo for i in where)


def _aimed_elsewhere(sentence: Sentence, clause: Clause, anchor: int, aim: frozenset[str]) -> bool:
    """Whether the feeling at `anchor` is aimed at someone or something other than the pupil:
    a preposition of aim within the next eight words of the sentence, followed by no word for
    the pupil, or negated ("niet op hem")."""
    tokens = sentence_tokens(sentence)
    offset = 0
    for other in sentence.clauses:
        if other is clause:
            break
        offset += len(other.tokens)
    start = offset + anchor + 1
    for i in range(start, min(len(tokens) - 1, start + 8)):
        if tokens[i].word not in aim:
            continue
        after = tokens[i + 1 : i + 5]
        at_pupil = any(t.subject == "pupil" or t.word in _PUPIL_WORDS for t in after)
        return not at_pupil or bool(tokens[i - 1].negation)
    return False


def _object_name(tokens: tuple[Token, ...], i: int, lexicon: Lexicon) -> bool:
    token = tokens[i]
    return (
        token.subject == "pupil"
        and token.word not in lexicon.pupil_subjects
        and i > 0
        and tokens[i - 1].subject == "teacher"
    )


def _who_factor(wanted: str, who: Who) -> float:
    """Subjectless fragments ("Machteloos.", "Exhausting.") are mostly the teacher's own."""
    if wanted in ("any", who):
        return 1.0
    if who == "unknown":
        return 0.9 if wanted == "teacher" else 0.7
    return 0.0


def negation_in_scope(
    tokens: tuple[Token, ...],
    where: tuple[int, ...],
    lexicon: Lexicon,
    wh: frozenset[str] = frozenset(),
) -> float:
    """The strongest negator in scope of a match: inside it; up to 5 words before it unless a
    new subject comes between ("als hij niet luistert word ik boos"), or anywhere before it
    when a question word follows the negator ("ik weet niet goed hoe ik hem moet troosten");
    in Dutch also up to 6 words after it ("dat weet ik niet"). None when the term holds its
    own negator."""
    if any(tokens[i].negation for i in where):
        return 0.0
    low, high = min(where), max(where)
    strength = 0.0
    for i, token in enumerate(tokens):
        if not token.negation or i in where:
            continue
        if i < low:
            own = next((t.subject for t in reversed(tokens[:i]) if t.subject), None)
            between = {t.subject for t in tokens[i + 1 : low] if t.subject}
            near = low - i <= 5 and not (own and between - {own})
            in_scope = near or any(t.word in wh for t in tokens[i + 1 : min(low, i + 4)])
        else:
            in_scope = i < high or i - high <= lexicon.negation_after
        if in_scope:
            strength = max(strength, token.negation)
    return strength


def clip(value: float, limit: float) -> float:
    """`value` within -limit..limit."""
    return max(-limit, min(limit, value))
