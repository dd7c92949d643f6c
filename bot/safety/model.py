"""The trained safeguarding model at run time: one calibrated linear model per kind.

A logistic regression per kind (`child_at_risk`, `teacher_distress`) over the words of a text
as the text core reads them: folded words, word pairs, lemmas and character 4-5-grams within
words, plus the language (`bot.text.linear`, the runtime the scorer's evidence model shares).
Trained by `bench/train_safeguarding.py` (scikit-learn, a fixed seed) on sentences written
independently of the rules; shipped as `bot/safety/model/safeguarding-<version>.json` and read
without scikit-learn. `probabilities(text, lang)` costs a few dozen microseconds a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from bot.errors import ModelError
from bot.text import linear
from bot.text.linear import Model, Spec

VERSION = "2"
KINDS = ("child_at_risk", "teacher_distress")
SPEC = Spec(lemmas=True, pairs=True, chars=(4, 5))
__all__ = ["KINDS", "SPEC", "VERSION", "Model", "ModelError", "features", "load", "parse"]


def features(text: str, lang: str) -> dict[str, float]:
    """The model's features of a text: name -> value (binary, scaled to unit length)."""
    return linear.features(text, lang, spec=SPEC)


def parse(data: Mapping[str, Any]) -> Model:
    """The safeguarding model from its JSON form; ModelError unless it has both kinds."""
    model = linear.parse(data, "safeguarding model")
    if set(model.classes) != set(KINDS) or set(model.thresholds) != set(KINDS):
        raise ModelError(f"safeguarding model: kinds must be {KINDS}")
    if model.spec != SPEC:
        raise ModelError(f"safeguarding model: features {model.spec}, expected {SPEC}")
    return model


@cache
def load(version: str = VERSION) -> Model:
    """The model shipped in the package (`bot/safety/model/safeguarding-<version>.json`)."""
    return parse(linear.read("bot.safety", f"model/safeguarding-{version}.json"))
