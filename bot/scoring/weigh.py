"""Weighing the evidence of one scale into a score and a calibrated confidence.

The evidence is the scale's hits (signed contributions of sentences), weighted by where they
come from: the questions that are the scale's main source (`feeds`) count fully, other answers
less; a thin answer counts half; what the bot's own follow-up asked for in so many words (a
stock "ik denk dat hij ..." after "what do you think {pupil} felt?") counts little unless it
gives a reason. Silence in substantive main-source answers pulls gently towards low. The score
leans from the middle by the balance of the evidence; high needs a concrete episode, low needs
clear evidence, and thin evidence stays near the middle with a low confidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.scoring.answers import AnswerView
from bot.scoring.cues import Hit, clip
from bot.scoring.model import Reading
from bot.scoring.scales import ScaleCues, ScaleDef
from bot.scoring.stage import confidence_features
from bot.text.linear import Linear

SECONDARY = 0.6
THIN_ANSWER = 0.5
SHARED_SENTENCE = (1.0, 0.6, 0.3)
PRIOR = 1.2
LOW_STRETCH = 3.4
HIGH_STRETCH = 3.0
MIN_HIGH_SUPPORT = 2.0
MIN_LOW_AGAINST = 1.5
THIN_CONFIDENCE = 0.4
UNSURE = 0.5
BARE = 0.3
TERSE_CONFIDENCE = 0.45
TONE = 0.8
TONE_CAP = 4.0


@dataclass(frozen=True)
class Tally:
    """The weighted evidence of one scale."""

    positive: float
    negative: float
    absence: float
    hits: tuple[Hit, ...]
    episode_support: float
    main_support: float
    coverage: float
    answers_support: int
    interview_episode: bool

    @property
    def net(self) -> float:
        return self.positive - self.negative - self.absence

    @property
    def conflict(self) -> float:
        """0 when all evidence points one way, 1 when it is evenly split."""
        strongest = max(self.positive, self.negative + self.absence)
        weakest = min(self.positive, self.negative + self.absence)
        return weakest / strongest if strongest else 0.0


@dataclass(frozen=True)
class Weighed:
    """A scale's score, its unrounded lean, confidence and why it may be uncertain; with the
    second stage also what its confidence read (`reading`)."""

    score: int
    raw: float
    confidence: float
    thin: bool
    certainty: float = 0.0
    reading: Mapping[str, float] = field(default_factory=dict)


def share_sentences(hits: Sequence[Hit]) -> list[Hit]:
    """A sentence that moves several scales speaks mostly to the one it moves most: that one
    keeps its full weight, the next less, any further one little."""
    by_sentence: dict[tuple[str, int], list[Hit]] = defaultdict(list)
    for hit in hits:
        by_sentence[(hit.question_id, hit.start)].append(hit)
    shared = []
    for group in by_sentence.values():
        group.sort(key=lambda h: -abs(h.value))
        for rank, hit in enumerate(group):
            factor = SHARED_SENTENCE[min(rank, len(SHARED_SENTENCE) - 1)]
            shared.append(_scaled(hit, factor))
    return shared


def _scaled(hit: Hit, factor: float) -> Hit:
    return replace(hit, value=hit.value * factor)


def tally(
    scale: ScaleDef,
    cues: ScaleCues,
    unless: frozenset[str],
    views: Sequence[AnswerView],
    hits: Sequence[Hit],
) -> Tally:
    """The scale's evidence, weighted by source, thinness and elicitation."""
    by_question = {v.question_id: v for v in views}
    own = [
        _scaled(hit, _weight(scale, cues, unless, by_question[hit.question_id], hit))
        for hit in hits
        if hit.scale == scale.id
    ]
    positive = [h for h in own if h.value > 0]
    support = sum(h.value for h in positive)
    fed = [v for v in views if v.question_id in scale.feeds]
    silent = [
        v
        for v in fed
        if v.substantive
        and not any(abs(h.value) >= 0.3 for h in own if h.question_id == v.question_id)
    ]
    absence = cues.absence * 4 * len(silent) / max(1, len(fed)) / (1.0 + support)
    return Tally(
        positive=support,
        negative=-sum(h.value for h in own if h.value < 0),
        absence=absence,
        hits=tuple(own),
        episode_support=sum(h.value for h in positive if by_question[h.question_id].episode),
        main_support=sum(h.value for h in positive if h.question_id in scale.feeds),
        coverage=sum(v.substantive for v in fed) / max(1, len(scale.feeds)),
        answers_support=len({h.question_id for h in positive if h.value >= 0.5}),
        interview_episode=any(v.episode for v in views),
    )


def soft(
    scale: ScaleDef,
    cues: ScaleCues,
    unless: frozenset[str],
    views: Sequence[AnswerView],
    readings: Mapping[str, Sequence[Reading]],
) -> tuple[float, float]:
    """The evidence model's soft reading of the scale (the second stage's signal): per sentence
    P(high) - P(low), however unsure, weighted as the scale's hits are (thin answers half,
    stock answers to the bot's own follow-up little); summed over the main-source answers and
    over the others."""
    found = {True: 0.0, False: 0.0}
    for answer in views:
        for r in readings.get(answer.question_id, ()):
            value = r.toward(scale.id, 1.0) - r.toward(scale.id, -1.0)
            hit = Hit(scale.id, value, answer.question_id, r.start, r.end, r.prompt, r.keys)
            weight = _weight(scale, cues, unless, answer, hit)
            main = answer.question_id in scale.feeds
            found[main] += value * (weight if main else weight / SECONDARY)
    return found[True], found[False]


def _weight(
    scale: ScaleDef, cues: ScaleCues, unless: frozenset[str], answer: AnswerView, hit: Hit
) -> float:
    factor = 1.0 if hit.question_id in scale.feeds else SECONDARY
    if answer.thin:
        factor *= THIN_ANSWER
    elicited = cues.elicited
    if (
        elicited is not None
        and hit.value > 0
        and elicited.asked(hit.question_id, hit.prompt)
        and not hit.keys & unless
    ):
        factor *= elicited.factor
    return factor


def balance(tally: Tally, related: float) -> float:
    """The balance of the evidence, -1 .. 1: (for - against) / (for + against + PRIOR), with
    `related` (linked scales, the tone) on the side it points to."""
    against = tally.negative + tally.absence + max(0.0, -related)
    support = tally.positive + max(0.0, related)
    return (support - against) / (support + against + PRIOR)


def weigh(tally: Tally, related: float, terse: bool) -> Weighed:
    """The score from the balance of the evidence, gated at the ends, and its confidence (the
    first stage alone; `settle` takes the second stage's score)."""
    lean = balance(tally, related)
    raw = 4.0 + lean * (HIGH_STRETCH if lean > 0 else LOW_STRETCH)
    if raw >= 5.5 and not _carried(tally, related):
        raw = 5.4
    if raw < 2.5 and tally.negative + max(0.0, -related) < MIN_LOW_AGAINST:
        raw = 2.6
    certainty = _certainty(tally)
    if terse:
        certainty = min(certainty, TERSE_CONFIDENCE)
    if certainty < THIN_CONFIDENCE:
        raw = 4.0 + (raw - 4.0) / 2.0
    return _finish(tally, raw, certainty, certainty < UNSURE)


def settle(
    tally: Tally, raw: float, terse: bool, in_band: Linear | None = None, brief: bool = False
) -> Weighed:
    """The second stage's unrounded score made a draft score with its confidence. A terse
    interview, or a scale with next to nothing of its own (certainty below BARE), keeps the
    score within 3-5: thin answers are no evidence of an extreme; with next to nothing the lean
    is also halved. Elsewhere the stage has weighed thin evidence itself (the rest of the
    interview tells how to read it). The confidence is `in_band`'s probability that the score
    lies in the coach's band, kept below UNSURE when the scale's own evidence is thin, or too
    thin to carry an extreme by itself (then the extreme rests on the rest of the interview),
    and below UNSURE for an extreme of a brief interview (a sentence or two per answer: the
    extreme may be right, but the coach should hear that it rests on little)."""
    certainty = _certainty(tally)
    if terse:
        certainty = min(certainty, TERSE_CONFIDENCE)
    if certainty < BARE:
        raw = 4.0 + (raw - 4.0) / 2.0
    weighed = _finish(tally, raw, certainty, terse or certainty < BARE)
    reading = confidence_features(raw, certainty, weighed.score, terse)
    if in_band is None:
        return replace(weighed, reading=reading)
    found = in_band.probability(reading)
    extreme = weighed.score <= 2 or weighed.score >= 6
    if certainty < THIN_CONFIDENCE or (extreme and certainty < UNSURE):
        found = min(found, THIN_CONFIDENCE)
    if extreme and brief:
        found = min(found, TERSE_CONFIDENCE)
    return replace(weighed, confidence=round(found, 2), reading=reading)


def _finish(tally: Tally, raw: float, certainty: float, middle: bool) -> Weighed:
    score = max(1, min(7, math.floor(raw + 0.5)))
    if middle:
        score = max(3, min(5, score))
    confidence = _calibrated(certainty, raw, score)
    return Weighed(score, raw, confidence, certainty < THIN_CONFIDENCE, certainty)


def _carried(tally: Tally, related: float) -> bool:
    """High needs the construct said clearly (two full cues' worth) in a main-source answer,
    not contradicted elsewhere, and carried by an episode: told in one, or said strongly in
    several answers of an interview that tells episodes (feelings such as "nothing works" are
    said about the episodes rather than in them)."""
    support = tally.positive + max(0.0, related) * 0.5
    episode = tally.episode_support >= 0.8 or (
        tally.interview_episode and tally.answers_support >= 2 and support >= 1.5 * MIN_HIGH_SUPPORT
    )
    return (
        support >= MIN_HIGH_SUPPORT
        and episode
        and tally.main_support >= 1.0
        and tally.conflict < 0.5
    )


def _certainty(tally: Tally) -> float:
    """How much the evidence says: more of it, one-sided and from the main sources."""
    evidence = tally.positive + tally.negative + tally.absence
    amount = 1.0 - math.exp(-evidence / 1.8)
    value = 0.08 + 0.9 * amount * (0.6 + 0.4 * tally.coverage) * (1.0 - 0.5 * tally.conflict)
    return min(0.95, max(0.05, value))


def _calibrated(certainty: float, raw: float, score: int) -> float:
    """The confidence shown: how likely the level is right. The certainty of the evidence,
    lowered when the unrounded lean lies near the edge of the score's band (a lean of 5.6 is
    high by a hair) but never below the thin-evidence line when the evidence is not thin."""
    low, high = (1.0, 2.5) if score <= 2 else (5.5, 7.0) if score >= 6 else (2.5, 5.5)
    edge = min(abs(raw - low) if low > 1.0 else 9.0, abs(high - raw) if high < 7.0 else 9.0)
    margin = min(1.0, 0.6 + edge / 1.5)
    floor = THIN_CONFIDENCE if certainty >= THIN_CONFIDENCE else 0.0
    return round(max(floor, min(certainty, certainty * margin)), 2)


def related_net(scale: ScaleDef, cues: ScaleCues, nets: dict[str, float]) -> float:
    """What the evidence of linked scales adds (each other net counted up to +-6)."""
    return sum(factor * clip(nets[o], 6.0) for o, factor in cues.related.items() if o in nets)


def tone(scale: ScaleDef, nets: dict[str, float], good: dict[str, bool]) -> float:
    """The whole interview's tone as evidence for one scale (a coach reads it as a whole): the
    other scales' nets of what was said (each up to +-TONE_CAP; silence is no tone), turned
    toward their good end, averaged over all scales, times TONE; positive when the rest of the
    interview is warm and regulated. A good scale leans with it, a risk scale against it."""
    rest = sum(
        clip(net, TONE_CAP) * (1.0 if good[other] else -1.0)
        for other, net in nets.items()
        if other != scale.id
    )
    return TONE * rest / max(1, len(nets) - 1) * (1.0 if good[scale.id] else -1.0)
