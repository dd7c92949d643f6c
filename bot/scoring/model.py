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

from collections.abc import Iterable, Sequence
from dataclasses import replace

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


def classes(scale_ids: Iterable[str]) -> tuple[str, ...]:
    """The model's classes: each scale's two ends ("<scale>:high", "<scale>:low")."""
    return tuple(f"{scale}:{end}" for scale in scale_ids for end in ENDS)


def extra_features(question_id: str) -> tuple[str, ...]:
    """The features a sentence gets from its context: the question it answers."""
    return (f"q={question_id}",)


def evidence_model(version: str = VERSION) -> Model:
    """The shipped model (cached)."""
    return load("bot.scoring", f"model/scale-evidence-{version}.json")


def model_hits(
    model: Model, lang: str, question_id: str, text: str, spans: Sequence[Span]
) -> list[Hit]:
    """The model's evidence in one answer: per sentence and scale, toward the end whose
    probability reaches the threshold (the surer end when both do)."""
    parts = list(spans) or [Span("main", 0, len(text))]
    hits = []
    for start, end in split_sentences(text):
        span = next((s for s in parts if s.start <= start < s.end), parts[-1])
        sentence = text[start:end]
        found_words = words(sentence)
        if len(found_words) < MIN_WORDS:
            continue
        found = model.probabilities(sentence, lang, extra_features(question_id))
        factor = min(1.0, len(found_words) / FULL_WORDS)
        keys = keys_of(found_words, lang)
        for scale in sorted({label.split(":")[0] for label in found}):
            high, low = found.get(f"{scale}:high", 0.0), found.get(f"{scale}:low", 0.0)
            p, sign = (high, 1.0) if high >= low else (low, -1.0)
            if p < THRESHOLD:
                continue
            value = sign * WEIGHT * factor * _strength(p)
            hits.append(Hit(scale, value, question_id, start, end, span.prompt, keys, "model", p))
    return hits


def _strength(p: float) -> float:
    """From 0.5 at the threshold to 1.0 at certainty."""
    return 0.5 + 0.5 * (p - THRESHOLD) / (1.0 - THRESHOLD)


def combine(rules: Iterable[Hit], model: Iterable[Hit]) -> list[Hit]:
    """The rules' and the model's hits joined per sentence and scale: where they agree the
    stronger counts (source "both"), where they disagree both count."""
    joined: dict[tuple[str, int, str], Hit] = {}
    for hit in rules:
        joined[(hit.question_id, hit.start, hit.scale)] = hit
    extra = []
    for hit in model:
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
