"""The trained safeguarding model at run time: features, weights, calibrated probabilities.

A linear model (logistic regression, one per kind) over the words of a text as the text core
reads them (`bot.text.tokens`): folded words, word pairs, lemmas and character 4-5-grams within
words, each present or not, scaled to unit length, plus the language. Trained by
`bench/train_safeguarding.py` (scikit-learn, a fixed seed) on sentences written independently of
the rules; shipped as `bot/safety/model/safeguarding-<version>.json` (the weights by feature
name, the bias and a Platt calibration per kind), so the bot reads it without scikit-learn.
`probabilities(text, lang)` costs a few dozen microseconds a sentence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from bot.text.tokens import lemma, words

VERSION = "1"
KINDS = ("child_at_risk", "teacher_distress")
CHAR_NGRAMS = (4, 5)


class ModelError(ValueError):
    """The model file is missing or malformed."""


def features(text: str, lang: str) -> dict[str, float]:
    """The model's features of a text: name -> value (binary, scaled to unit length)."""
    tokens = words(text)
    names = {f"lang={lang}"}
    for i, word in enumerate(tokens):
        names.add(f"w={word}")
        names.add(f"l={lemma(word, lang)}")
        if i:
            names.add(f"b={tokens[i - 1]}_{word}")
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            names.update(f"c={padded[j : j + n]}" for j in range(len(padded) - n + 1))
    scale = 1.0 / math.sqrt(len(names))
    return dict.fromkeys(names, scale)


@dataclass(frozen=True)
class KindModel:
    """One kind's weights, bias and calibration: p = sigmoid(a * (w . x + bias) + b)."""

    weights: dict[str, float]
    bias: float
    a: float
    b: float

    def probability(self, x: dict[str, float]) -> float:
        """The calibrated probability that a text with features `x` is of this kind."""
        score = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in x.items())
        z = self.a * score + self.b
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0


@dataclass(frozen=True)
class Model:
    """The shipped model: its version, thresholds and one `KindModel` per kind."""

    version: str
    thresholds: dict[str, float]
    kinds: dict[str, KindModel]
    trained_on: dict[str, Any]

    def probabilities(self, text: str, lang: str) -> dict[str, float]:
        """Calibrated probability per kind for one text."""
        x = features(text, lang)
        return {kind: model.probability(x) for kind, model in self.kinds.items()}


def parse(data: dict[str, Any]) -> Model:
    """A model from its JSON form; ModelError when a part is missing."""
    try:
        kinds = {
            kind: KindModel(
                weights={str(k): float(v) for k, v in part["weights"].items()},
                bias=float(part["bias"]),
                a=float(part["calibration"]["a"]),
                b=float(part["calibration"]["b"]),
            )
            for kind, part in data["kinds"].items()
        }
        thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
        model = Model(str(data["version"]), thresholds, kinds, dict(data.get("trained_on", {})))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"safeguarding model: {exc!r}") from exc
    if set(model.kinds) != set(KINDS) or set(model.thresholds) != set(KINDS):
        raise ModelError(f"safeguarding model: kinds must be {KINDS}")
    return model


@cache
def load(version: str = VERSION) -> Model:
    """The model shipped in the package (`bot/safety/model/safeguarding-<version>.json`)."""
    source = files("bot.safety").joinpath("model", f"safeguarding-{version}.json")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"safeguarding model {version}: {exc}") from exc
    return parse(data)
