"""The second stage: a small trained linear model that turns each scale's evidence into a score.

The first stage (cue rules and the sentence evidence model, `cues.py`, `model.py`, `weigh.py`)
finds and weighs what each sentence says about each scale. A coach then reads the interview as
a whole: a scale's own words count most, and the rest of the interview tells how to read them.
The second stage does that with a handful of aggregated signals per scale, all turned toward
the scale's high end:

- `own`: the balance of the scale's own weighted evidence (cue rules and model hits above the
  threshold, linked scales included), -1 .. 1;
- `interview`: the same balance of the other seven scales, each turned toward its good end and
  averaged, then turned toward this scale's good end (what a warm, regulated interview says
  about this scale; negative on a risk scale);
- `interview_model`: the same for the evidence model's soft reading (below);
- `model_main`, `model_other`: the evidence model's soft reading of this scale, the sum over
  every sentence it read of P(high end) - P(low end), in the scale's main-source answers and in
  the other answers.

One linear model for all scales (`score = bias + w . features`, five weights), fitted by
`bench/train_scale_stage.py` on the transcripts scored by independent raters, and shipped as
`bot/scoring/model/scale-stage-<version>.json` in the form `bot.text.linear` reads (class
`score`; its calibration is unused: the stage is a regression onto the 1-7 scale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.text.linear import Linear, load

VERSION = "3"
CLASS = "score"
IN_BAND = "in_band"
FEATURES = ("own", "interview", "interview_model", "model_main", "model_other")
CONFIDENCE_FEATURES = ("edge", "certainty", "extreme", "terse")
# How far inside its band the unrounded score must lie to count as far from the edge.
EDGE = 1.5
# A ridge regression pulls its scores toward the middle, and the raters' ends (a warm, skilled
# teacher's 7, a lost one's 1) came out as 5 and 3. The score's distance from 4 is stretched by
# this much. Across authors (bench/train_scale_stage.py, each set held out in turn, 520 scales):
# 1.0 gives 74.8 % in band / 88.0 % within one; 1.15 gives 77.3 / 87.9 (better in band on every
# set); 1.3 gives 78.1 / 87.3 and 1.45 78.5 / 86.9 (within one falls on three of the five sets).
STRETCH = 1.15


@dataclass(frozen=True)
class Signals:
    """What the first stage found for one scale, before the interview is read as a whole."""

    own: float
    model_main: float
    model_other: float


@dataclass(frozen=True)
class Stage:
    """The second stage: the score regression and, optionally, its confidence (the probability
    that a score lies in the coach's band: a logistic regression on `CONFIDENCE_FEATURES`,
    fitted on scores drafted across authors)."""

    score: Linear
    in_band: Linear | None = None


def shipped_stage(version: str = VERSION) -> Stage:
    """The shipped second stage (read once, cached by `load`)."""
    model = load("bot.scoring", f"model/scale-stage-{version}.json")
    return Stage(model.classes[CLASS], model.classes.get(IN_BAND))


def confidence_features(raw: float, certainty: float, score: int, terse: bool) -> dict[str, float]:
    """What the confidence reads: how far inside its band the unrounded score lies (0 at the
    edge, 1 at EDGE or more), how much the scale's own evidence says, whether the score is an
    extreme, whether the interview is terse."""
    low, high = (-9.0, 2.5) if score <= 2 else (5.5, 99.0) if score >= 6 else (2.5, 5.5)
    inside = max(0.0, min(raw - low, high - raw, EDGE)) / EDGE
    return {
        "edge": inside,
        "certainty": certainty,
        "extreme": float(score <= 2 or score >= 6),
        "terse": float(terse),
    }


def features(
    signals: Mapping[str, Signals], good: Mapping[str, bool]
) -> dict[str, dict[str, float]]:
    """Per scale id, the second stage's features from all scales' signals: each of `FEATURES`
    twice, once by its name (one weight for all scales) and once as `<scale>:<name>` (this
    scale's own correction to that weight, kept small by a stronger penalty in training)."""
    turned = {
        sid: (s.own * _turn(good[sid]), (s.model_main + s.model_other) * _turn(good[sid]))
        for sid, s in signals.items()
    }
    found = {}
    for sid, s in signals.items():
        others = [value for other, value in turned.items() if other != sid]
        pooled = {
            "own": s.own,
            "interview": _mean(v[0] for v in others) * _turn(good[sid]),
            "interview_model": _mean(v[1] for v in others) * _turn(good[sid]),
            "model_main": s.model_main,
            "model_other": s.model_other,
        }
        found[sid] = pooled | {f"{sid}:{name}": value for name, value in pooled.items()}
    return found


def predict(stage: Stage, found: Mapping[str, float]) -> float:
    """The unrounded score on the 1-7 scale (not yet clamped or gated), stretched away from
    the middle by STRETCH."""
    return 4.0 + STRETCH * (stage.score.score(found) - 4.0)


def _turn(good: bool) -> float:
    return 1.0 if good else -1.0


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else 0.0
