"""The trained evidence model: per sentence, with the question it answers, the probability
that it is evidence toward the high or the low end of each scale; and how that evidence joins
the cue rules' (`combine`).

Trained by `bench/train_scale_evidence.py` on tests/data/scale_evidence/ (written by helpers who
never saw the rules); shipped as `bot/scoring/model/scale-evidence-<version>.json` and read with
`bot.text.linear` (no scikit-learn at run time). A sentence whose probability for one end of a
scale reaches `THRESHOLD` is evidence toward that end, the stronger the surer; where the rules
found the same sentence, the stronger of the two counts (not both), and where they disagree,
both count and cancel out in part. Every hit says where it came from (`Hit.source`) and the
model's probability, so a quote can show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.scoring.cues import Hit, Span, keys_of
from bot.text.linear import Model, load
from bot.text.sentences import split_sentences
from bot.text.tokens import words

VERSION = "1"
ENDS = ("high", "low")
THRESHOLD = 0.65
WEIGHT = 1.0
# The model learnt from answers of one to three sentences: a fragment of a few words ("Haar
# lach.", "Alles eigenlijk.") is outside what it knows and says nothing; short sentences count
# less.
MIN_WORDS = 6
FULL_WORDS = 16
# A rule hit on a sentence in which the model sees nothing of that end (probability below VETO)
# counts DAMPED: "Een jongen gooide de bal expres ..." is no bad intent of the pupil.
VETO = 0.1
DAMPED = 0.6


def classes(scale_ids: Iterable[str]) -> tuple[str, ...]:
    """The model's classes: each scale's two ends ("<scale>:high", "<scale>:low")."""
    return tuple(f"{scale}:{end}" for scale in scale_ids for end in ENDS)


def extra_features(question_id: str) -> tuple[str, ...]:
    """The features a sentence gets from its context: the question it answers."""
    return (f"q={question_id}",)


def evidence_model(version: str = VERSION) -> Model:
    """The shipped model (cached)."""
    return load("bot.scoring", f"model/scale-evidence-{version}.json")


@dataclass(frozen=True)
class Reading:
    """The model's reading of one sentence (`start:end` of its answer): its words and the
    probability of each class."""

    start: int
    end: int
    words: int
    probabilities: Mapping[str, float]
    keys: frozenset[str]
    prompt: str

    def toward(self, scale: str, sign: float) -> float:
        """The probability that the sentence is evidence toward one end of a scale."""
        return self.probabilities.get(f"{scale}:{'high' if sign > 0 else 'low'}", 0.0)


def read(
    model: Model, lang: str, question_id: str, text: str, spans: Sequence[Span]
) -> list[Reading]:
    """The model's reading of every sentence of an answer long enough to read (MIN_WORDS)."""
    parts = list(spans) or [Span("main", 0, len(text))]
    readings = []
    for start, end in split_sentences(text):
        found = words(text[start:end])
        if len(found) < MIN_WORDS:
            continue
        span = next((s for s in parts if s.start <= start < s.end), parts[-1])
        found_p = model.probabilities(text[start:end], lang, extra_features(question_id))
        readings.append(Reading(start, end, len(found), found_p, keys_of(found, lang), span.prompt))
    return readings


def model_hits(question_id: str, readings: Iterable[Reading]) -> list[Hit]:
    """The model's evidence in one answer: per sentence and scale, toward the end whose
    probability reaches the threshold (the surer end when both do)."""
    hits = []
    for reading in readings:
        factor = min(1.0, reading.words / FULL_WORDS)
        for scale in sorted({label.split(":")[0] for label in reading.probabilities}):
            high, low = reading.toward(scale, 1.0), reading.toward(scale, -1.0)
            p, sign = (high, 1.0) if high >= low else (low, -1.0)
            if p < THRESHOLD:
                continue
            value = sign * WEIGHT * factor * _strength(p)
            hits.append(
                Hit(
                    scale,
                    value,
                    question_id,
                    reading.start,
                    reading.end,
                    reading.prompt,
                    reading.keys,
                    "model",
                    p,
                )
            )
    return hits


def _strength(p: float) -> float:
    """From 0.5 at the threshold to 1.0 at certainty."""
    return 0.5 + 0.5 * (p - THRESHOLD) / (1.0 - THRESHOLD)


def combine(rules: Iterable[Hit], readings: Sequence[Reading], question_id: str) -> list[Hit]:
    """The rules' and the model's hits joined per sentence and scale: where they agree the
    stronger counts (source "both"), where they disagree both count. A rule hit on a sentence
    the model read and finds no evidence of that end at all (below VETO) counts less."""
    by_start = {reading.start: reading for reading in readings}
    joined: dict[tuple[str, int, str], Hit] = {}
    for hit in rules:
        reading = by_start.get(hit.start)
        if reading is not None and reading.toward(hit.scale, hit.value) < VETO:
            hit = replace(hit, value=hit.value * DAMPED)
        joined[(hit.question_id, hit.start, hit.scale)] = hit
    extra = []
    for hit in model_hits(question_id, readings):
        key = (hit.question_id, hit.start, hit.scale)
        rule = joined.get(key)
        if rule is None:
            joined[key] = hit
        elif (rule.value > 0) == (hit.value > 0):
            stronger = hit if abs(hit.value) > abs(rule.value) else rule
            joined[key] = replace(
                stronger, source="both", probability=hit.probability, keys=rule.keys
            )
        else:
            extra.append(replace(hit, keys=rule.keys))
    return [*joined.values(), *extra]
