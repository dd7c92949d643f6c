"""The offline scorer: deterministic, no network, driven by the cues in `prompts/scales.yaml`.

Every answer is split into sentences and clauses (`bot.scoring.text`). Each cue term found in a
clause adds a signed amount to its scale: its weight, times the clause's intensity, times a
prior (1.0 when the question feeds the scale, 0.7 otherwise), flipped and softened when the
clause negates it, and kept only when the feeling or act belongs to the right person (the
teacher or the pupil). Per scale the sum becomes a 1-7 score around the middle (4); silence in
substantive answers that feed a scale pulls gently towards low; a high score needs a concrete
episode and more than one sentence; thin evidence means low confidence, a score near the middle
and a note. See docs/scoring.md.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from dataclasses import dataclass

from bot.models.profile import (
    Draft,
    Evidence,
    ScaleScore,
    Transcript,
    TranscriptAnswer,
    level_for,
)
from bot.scoring.scales import CueGroup, ScaleDef, ScaleSet, load_scales
from bot.text.core import (
    LEXICONS,
    Clause,
    Lexicon,
    Sentence,
    Token,
    Who,
    analyse,
    fold,
    lemma_keys,
    word_count,
)

EPISODE_QUESTIONS = frozenset(
    {"q02_click", "q03_no_click", "q04_upset", "q05_misbehave", "q08_comfort"}
)
THIN_WORDS = 5
SUBSTANTIVE_WORDS = 8
MAX_QUOTES = 3
CLAUSE_LIMIT = 1.2
SENTENCE_LIMIT = 2.0
PRIOR = 1.0
LOW_STRETCH = 3.6
MIN_HIGH_SUPPORT = 2.0
THIN_CONFIDENCE = 0.4
EVASIVE = frozenset(
    [
        "weet niet",
        "weet ik niet",
        "geen idee",
        "nvt",
        "n v t",
        "geen",
        "nee",
        "ja",
        "niks",
        "niets",
        "weet ik veel",
        "dunno",
        "idk",
        "no idea",
        "don't know",
        "dont know",
        "not sure",
        "n a",
        "na",
        "none",
        "nothing",
        "no",
        "yes",
        "pass",
        "skip",
    ]
)
NOTES = {
    "nl": {
        "thin": "Te weinig om op te baseren: {names}.",
        "evasive": "Veel antwoorden zijn kort of ontwijkend; deze schets is onzeker.",
        "silent": "Geen citaten; de score rust op wat niet gezegd werd: {names}.",
    },
    "en": {
        "thin": "Too little to go on: {names}.",
        "evasive": "Many answers are short or evasive; this draft is uncertain.",
        "silent": "No quotes; the score rests on what was not said: {names}.",
    },
}


@dataclass(frozen=True)
class Hit:
    """A signed contribution of one sentence (`start:end` of its answer) to one scale."""

    scale: str
    value: float
    question_id: str
    start: int
    end: int


@dataclass(frozen=True)
class _Slot:
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def hits(self, token: Token) -> bool:
        return bool(self.exact & token.keys) or any(
            key.startswith(p) for p in self.prefixes for key in token.keys
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
    terms: tuple[tuple[_Slot, ...], ...]


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
        also=frozenset(k for word in group.also for k in lemma_keys(word, lang)),
        sentence_scope=group.scope == "sentence",
        terms=tuple(tuple(_slot(s, lang) for s in term.split()) for term in group.terms),
    )


def _slot(text: str, lang: str) -> _Slot:
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
    return _Slot(frozenset(exact), tuple(prefixes))


def find_hits(cues: CompiledCues, question_id: str, text: str, pupil: str) -> list[Hit]:
    """Every sentence's signed contribution per scale in one answer."""
    lexicon = LEXICONS[cues.lang]
    hits = []
    for sentence in analyse(text, cues.lang, pupil):
        totals: dict[str, float] = defaultdict(float)
        for clause in sentence.clauses:
            for scale, value in _clause_values(cues, lexicon, question_id, sentence, clause):
                totals[scale] += value
        for scale, value in _sentence_values(cues, question_id, sentence):
            totals[scale] += value
        for scale, value in sorted(totals.items()):
            if value:
                value = _clip(value, SENTENCE_LIMIT)
                hits.append(Hit(scale, value, question_id, sentence.start, sentence.end))
    return hits


def _candidates(cues: CompiledCues, tokens: tuple[Token, ...]) -> list[tuple[int, int]]:
    found = {pair for token in tokens for key in token.keys for pair in cues.index.get(key, ())}
    return sorted(found | set(cues.scan))


def _clause_values(
    cues: CompiledCues, lexicon: Lexicon, question_id: str, sentence: Sentence, clause: Clause
) -> list[tuple[str, float]]:
    best: dict[int, float] = {}
    for g, t in _candidates(cues, clause.tokens):
        group = cues.groups[g]
        if group.sentence_scope or not _applies(group, question_id, sentence):
            continue
        where = _find(group.terms[t], clause.tokens)
        if where is None:
            continue
        factor = _who_factor(group.who, _experiencer(clause, where[0], lexicon))
        value = group.sign * group.weight * factor * clause.intensity
        negation = _negation(clause.tokens, where, lexicon)
        if negation:
            value = -value * negation * 0.9
        if factor and abs(value) > abs(best.get(g, 0.0)):
            best[g] = value
    per_scale: dict[str, float] = defaultdict(float)
    for g, value in best.items():
        per_scale[cues.groups[g].scale] += value
    return [(scale, _clip(value, CLAUSE_LIMIT)) for scale, value in per_scale.items()]


def _sentence_values(
    cues: CompiledCues, question_id: str, sentence: Sentence
) -> list[tuple[str, float]]:
    tokens = tuple(token for clause in sentence.clauses for token in clause.tokens)
    values = []
    for g, t in _candidates(cues, tokens):
        group = cues.groups[g]
        if (
            group.sentence_scope
            and _applies(group, question_id, sentence)
            and _find(group.terms[t], tokens, span=30) is not None
        ):
            values.append((group.scale, group.sign * group.weight))
    return values


def _applies(group: _Group, question_id: str, sentence: Sentence) -> bool:
    if group.questions and question_id not in group.questions:
        return False
    return not group.also or bool(group.also & sentence.keys)


def _find(
    term: tuple[_Slot, ...], tokens: tuple[Token, ...], span: int = 10
) -> tuple[int, ...] | None:
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


def _experiencer(clause: Clause, anchor: int, lexicon: Lexicon) -> Who:
    """Whose feeling or act a match is: in Dutch an inverted subject right after it ("weet
    ik"); a pupil object right before it ("saw her upset"); "me" after a causative ("maakt me
    boos"); else the nearest subject before it, in Dutch one of the next three words ("plezier
    heb ik"), else the sentence's subject so far."""
    tokens = clause.tokens
    inverted = tokens[anchor + 1].subject if anchor + 1 < len(tokens) else None
    if lexicon.verb_second and inverted:
        return inverted
    if anchor and tokens[anchor - 1].pupil_object:
        return "pupil"
    causative = any(token.keys & lexicon.causatives for token in tokens)
    for token in reversed(tokens[:anchor]):
        if causative and token.teacher_object:
            return "teacher"
        if token.subject:
            return token.subject
    if lexicon.verb_second:
        for token in tokens[anchor + 1 : anchor + 4]:
            if token.subject or token.keys & lexicon.complementisers:
                return token.subject or clause.inherited
    return clause.inherited


def _who_factor(wanted: str, who: Who) -> float:
    """Subjectless fragments ("Machteloos.", "Exhausting.") are mostly the teacher's own."""
    if wanted in ("any", who):
        return 1.0
    if who == "unknown":
        return 0.9 if wanted == "teacher" else 0.7
    return 0.0


def _negation(tokens: tuple[Token, ...], where: tuple[int, ...], lexicon: Lexicon) -> float:
    """The strongest negator in scope of a match: inside it; up to 5 words before it unless a
    new subject comes between ("als hij niet luistert word ik boos"); in Dutch also up to 4
    words after it ("dat weet ik niet"). None when the term holds its own negator."""
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
            in_scope = low - i <= 5 and not (own and between - {own})
        else:
            in_scope = i < high or i - high <= lexicon.negation_after
        if in_scope:
            strength = max(strength, token.negation)
    return strength


def _clip(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


@dataclass(frozen=True)
class _Answer:
    question_id: str
    text: str
    thin: bool
    substantive: bool
    concrete: bool


@dataclass(frozen=True)
class _Tally:
    positive: float
    negative: float
    absence: float
    hits: tuple[Hit, ...]
    concrete_positive: bool
    sentences_positive: int
    questions_positive: int
    coverage: float

    @property
    def net(self) -> float:
        return self.positive - self.negative - self.absence


class RuleScorer:
    """The default scorer: cue lexicons per language, lemmatised, no network."""

    name = "rules"

    def __init__(self, scales: ScaleSet | None = None) -> None:
        self._scales = scales or load_scales()
        self._compiled: dict[str, CompiledCues] = {}
        self._one_at_a_time = asyncio.Lock()

    def score(self, transcript: Transcript) -> Draft:
        """Draft all scales of the profile from the transcript's answers (pure, deterministic)."""
        cues = self._cues(transcript.language)
        answers = [_answer(a) for a in transcript.answers if a.text.strip()]
        hits = [
            hit
            for answer in answers
            for hit in find_hits(cues, answer.question_id, answer.text, transcript.pupil)
        ]
        tallies = {scale.id: _tally(scale, answers, hits) for scale in self._scales.scales}
        nets = {scale_id: tally.net for scale_id, tally in tallies.items()}
        scores = [
            self._scale(scale, tallies[scale.id], _related(scale, nets), answers)
            for scale in self._scales.scales
        ]
        return Draft(scorer="rules", scales=scores, notes=self._notes(transcript, answers, scores))

    async def ascore(self, transcript: Transcript) -> Draft:
        """The async form of `score`, for the product's scorer protocol: in a thread, so the
        other teachers' turns go on meanwhile (scoring takes about 15 ms), and one at a time:
        threads share the interpreter, so parallel drafts would only starve the event loop."""
        async with self._one_at_a_time:
            return await asyncio.to_thread(self.score, transcript)

    def _cues(self, lang: str) -> CompiledCues:
        if lang not in self._compiled:
            self._compiled[lang] = compile_cues(self._scales, lang)
        return self._compiled[lang]

    def _scale(
        self, scale: ScaleDef, tally: _Tally, related: float, answers: list[_Answer]
    ) -> ScaleScore:
        balance = _balance(tally, related)
        raw = 4.0 + balance * (3.0 if balance > 0 else LOW_STRETCH)
        if raw >= 5.5 and not _carried(tally, related):
            raw = 5.0
        confidence = _confidence(tally)
        if confidence < THIN_CONFIDENCE:
            raw = 4.0 + (raw - 4.0) / 2.0
        score = max(1, min(7, math.floor(raw + 0.5)))
        if confidence < 0.5:
            score = max(3, min(5, score))
        return ScaleScore(
            id=scale.id,
            score=score,
            level=level_for(score),
            confidence=confidence,
            evidence=_evidence(tally.hits, score, answers),
        )

    def _notes(
        self, transcript: Transcript, answers: list[_Answer], scores: list[ScaleScore]
    ) -> list[str]:
        lang = transcript.language
        notes = []
        if not answers or sum(a.thin for a in answers) * 2 >= len(answers):
            notes.append(NOTES[lang]["evasive"])
        name = {s.id: s.name[lang] for s in self._scales.scales}
        thin = [name[s.id] for s in scores if _too_little(s)]
        if thin:
            notes.append(NOTES[lang]["thin"].format(names=", ".join(thin)))
        silent = [name[s.id] for s in scores if not s.evidence and not _too_little(s)]
        if silent:
            notes.append(NOTES[lang]["silent"].format(names=", ".join(silent)))
        return notes


def _too_little(score: ScaleScore) -> bool:
    """Too little to go on: a low confidence, or nothing to quote and not confident either."""
    return score.confidence < THIN_CONFIDENCE or (not score.evidence and score.confidence < 0.5)


def _answer(answer: TranscriptAnswer) -> _Answer:
    words = word_count(answer.text)
    bare = " ".join(fold(answer.text).replace(".", " ").replace("/", " ").split()).strip(" !?")
    thin = words < THIN_WORDS or bare in EVASIVE
    return _Answer(
        question_id=answer.question_id,
        text=answer.text,
        thin=thin,
        substantive=not thin and words >= SUBSTANTIVE_WORDS,
        concrete=not thin and answer.question_id in EPISODE_QUESTIONS,
    )


def _tally(scale: ScaleDef, answers: list[_Answer], hits: list[Hit]) -> _Tally:
    by_question = {a.question_id: a for a in answers}
    own: list[Hit] = []
    for hit in hits:
        if hit.scale != scale.id:
            continue
        answer = by_question[hit.question_id]
        prior = 1.0 if hit.question_id in scale.feeds else 0.7
        factor = prior * (0.5 if answer.thin else 1.0)
        own.append(Hit(hit.scale, hit.value * factor, hit.question_id, hit.start, hit.end))
    positive = [h for h in own if h.value > 0]
    support = sum(h.value for h in positive)
    fed = [a for a in answers if a.question_id in scale.feeds]
    silent = [
        a
        for a in fed
        if a.substantive
        and not any(h.value >= 0.4 for h in positive if h.question_id == a.question_id)
    ]
    return _Tally(
        positive=support,
        negative=-sum(h.value for h in own if h.value < 0),
        absence=scale.typed_cues().absence * 4 * len(silent) / max(1, len(fed)) / (1.0 + support),
        hits=tuple(own),
        concrete_positive=any(by_question[h.question_id].concrete for h in positive),
        sentences_positive=len({(h.question_id, h.start) for h in positive}),
        questions_positive=len({h.question_id for h in positive}),
        coverage=sum(a.substantive for a in fed) / max(1, len(scale.feeds)),
    )


def _carried(tally: _Tally, related: float) -> bool:
    """A high score needs two full cues' worth of support (linked scales count), from an
    episode or from more than one answer."""
    spread = tally.concrete_positive or tally.questions_positive >= 2
    return spread and tally.positive + max(0.0, related) >= MIN_HIGH_SUPPORT


def _balance(tally: _Tally, related: float) -> float:
    """Evidence for minus evidence against, over all evidence plus a prior of `PRIOR`: near
    +-1 only when the interview says the same thing throughout, near 0 when mixed or thin."""
    against = tally.negative + tally.absence + max(0.0, -related)
    support = tally.positive + max(0.0, related)
    return (support - against) / (support + against + PRIOR)


def _related(scale: ScaleDef, nets: dict[str, float]) -> float:
    """What the evidence of linked scales adds (each other net counted up to ±6)."""
    links = scale.typed_cues().related.items()
    return sum(factor * _clip(nets[other], 6.0) for other, factor in links if other in nets)


def _confidence(tally: _Tally) -> float:
    evidence = tally.positive + tally.negative + tally.absence
    base = 1.0 - math.exp(-evidence / 1.6)
    strongest = max(tally.positive, tally.negative)
    conflict = min(tally.positive, tally.negative) / strongest if strongest else 0.0
    value = 0.1 + 0.8 * base * (0.6 + 0.4 * tally.coverage) - 0.25 * conflict * base
    return round(min(0.95, max(0.05, value)), 2)


def _evidence(hits: tuple[Hit, ...], score: int, answers: list[_Answer]) -> list[Evidence]:
    """The sentences that moved the score most, in the direction of the score."""
    sentences: dict[tuple[str, int, int], float] = {}
    for hit in hits:
        key = (hit.question_id, hit.start, hit.end)
        sentences[key] = sentences.get(key, 0.0) + hit.value
    if score > 4:
        ranked = [(v, k) for k, v in sentences.items() if v > 0]
    elif score < 4:
        ranked = [(-v, k) for k, v in sentences.items() if v < 0]
    else:
        ranked = [(abs(v), k) for k, v in sentences.items()]
    order = {a.question_id: i for i, a in enumerate(answers)}
    ranked.sort(key=lambda item: (-item[0], order[item[1][0]], item[1][1]))
    text = {a.question_id: a.text for a in answers}
    return [
        Evidence(question_id=q, quote=text[q][start:end])
        for _, (q, start, end) in ranked[:MAX_QUOTES]
    ]
