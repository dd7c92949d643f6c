"""Choosing the quotes behind each scale's score, for all scales at once.

A quote is a sentence of an answer, copied verbatim. It `supports` the score when it points the
way the score leans from the middle, and `contradicts` it otherwise. A score of 4 leans
nowhere: a quote either way is evidence of the middle («soms»), so it supports it; a
helplessness quote is never shown as contradicting «tekortschieten: 4». The
strongest sentences are placed first; a sentence already quoted for another scale is quoted
again only when it speaks to this one about as strongly (never for a third scale).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.models.profile import Direction, Evidence, EvidenceSource
from bot.scoring.answers import AnswerView
from bot.scoring.cues import Hit

MAX_SUPPORTING = 3
MAX_CONTRADICTING = 1
MIN_STRENGTH = 0.15
SECOND_SCALE = 0.6
SECOND_SCALE_SHARE = 0.75


@dataclass(frozen=True)
class _Candidate:
    scale: str
    question_id: str
    start: int
    end: int
    prompt: str
    value: float
    source: EvidenceSource = "rules"
    probability: float | None = None


def choose_quotes(
    hits: Mapping[str, Sequence[Hit]],
    lean: Mapping[str, float],
    views: Sequence[AnswerView],
) -> dict[str, list[Evidence]]:
    """The quotes per scale id, supporting ones first, each sentence for at most two scales."""
    order = {v.question_id: i for i, v in enumerate(views)}
    text = {v.question_id: v.text for v in views}
    candidates = sorted(
        (c for scale, scale_hits in hits.items() for c in _candidates(scale, scale_hits)),
        key=lambda c: (-abs(c.value), order[c.question_id], c.start, c.scale),
    )
    first_use: dict[tuple[str, int], float] = {}
    uses: Counter[tuple[str, int]] = Counter()
    taken: dict[str, Counter[Direction]] = defaultdict(Counter)
    chosen: dict[str, list[tuple[Direction, _Candidate]]] = defaultdict(list)
    for candidate in candidates:
        direction = _direction(candidate.value, lean.get(candidate.scale, 0.0))
        key = (candidate.question_id, candidate.start)
        limit = MAX_SUPPORTING if direction == "supports" else MAX_CONTRADICTING
        if taken[candidate.scale][direction] >= limit or not _may_reuse(
            abs(candidate.value), uses[key], first_use.get(key, 0.0)
        ):
            continue
        uses[key] += 1
        first_use.setdefault(key, abs(candidate.value))
        taken[candidate.scale][direction] += 1
        chosen[candidate.scale].append((direction, candidate))
    return {
        scale: [
            Evidence(
                question_id=c.question_id,
                quote=text[c.question_id][c.start : c.end],
                direction=direction,
                prompt=c.prompt,
                source=c.source,
                probability=c.probability,
            )
            for direction, c in sorted(picked, key=lambda item: item[0] != "supports")
        ]
        for scale, picked in chosen.items()
    }


def _candidates(scale: str, hits: Sequence[Hit]) -> list[_Candidate]:
    """One candidate per sentence: the sum of its contributions to the scale, and what found
    them (the model's probability when it took part)."""
    found: dict[tuple[str, int, int, str], list[Hit]] = defaultdict(list)
    for hit in hits:
        found[(hit.question_id, hit.start, hit.end, hit.prompt)].append(hit)
    candidates = []
    for (q, start, end, prompt), group in found.items():
        value = sum(hit.value for hit in group)
        if abs(value) < MIN_STRENGTH:
            continue
        sources = {hit.source for hit in group}
        source: EvidenceSource = sources.pop() if len(sources) == 1 else "both"
        probability = max((h.probability for h in group if h.source != "rules"), default=None)
        candidates.append(_Candidate(scale, q, start, end, prompt, value, source, probability))
    return candidates


def _direction(value: float, lean: float) -> Direction:
    """`lean`: the unrounded score minus 4; within [-0.5, 0.5) the score rounds to 4."""
    if -0.5 <= lean < 0.5 or (value > 0) == (lean > 0):
        return "supports"
    return "contradicts"


def _may_reuse(strength: float, uses: int, first: float) -> bool:
    """A sentence is quoted once; a second time only when it speaks to the second scale about
    as strongly as to the first; never a third time."""
    if uses == 0:
        return True
    return uses == 1 and strength >= SECOND_SCALE and strength >= SECOND_SCALE_SHARE * first
