"""Small trained linear models at run time: features, weights by name, calibrated probabilities.

A judgement that rules cannot reach (paraphrase) may add a linear model trained with
scikit-learn on a corpus written independently of the rules (docs/text.md). The bot reads it
without scikit-learn: the model is a JSON file of weights by feature name, a bias and a Platt
calibration per class, shipped in the package; no pickle.

Features of a text (`features`), each present or not, scaled to unit length:

    w=word      the folded words (`bot.text.tokens.words`)
    l=lemma     their lemmas
    b=a_b       neighbouring word pairs
    c= abc      character n-grams within a padded word (" word "), `Spec.chars` long
    lang=nl     the language
    extra       any names the caller adds (e.g. "q=q04_upset", the question a sentence answers)

Which of them a model uses is its `Spec` (written in the file). A class's probability is
`sigmoid(a * (w . x + bias) + b)`: the regression's score, calibrated on out-of-fold scores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib.resources import files
from typing import Any

from bot.errors import ModelError
from bot.text.tokens import lemma, words

WORDS_KEPT = 256  # words whose feature names are kept (about 1.3 KB each; training and tests)
TABLE_WORDS_KEPT = 512  # per model (`_Table`): the two models of a bot process keep 1,024


@dataclass(frozen=True)
class Spec:
    """Which features a model reads: lemmas, word pairs, character n-gram lengths."""

    lemmas: bool = True
    pairs: bool = True
    chars: tuple[int, ...] = (3, 4, 5)

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Spec:
        """The spec written in a model file (the default set when none is written)."""
        if not data:
            return cls()
        return cls(bool(data["lemmas"]), bool(data["pairs"]), tuple(int(n) for n in data["chars"]))

    def as_dict(self) -> dict[str, Any]:
        """The spec as written into a model file."""
        return {"lemmas": self.lemmas, "pairs": self.pairs, "chars": list(self.chars)}


def features(
    text: str, lang: str, extra: Iterable[str] = (), spec: Spec | None = None
) -> dict[str, float]:
    """The features of a text: name -> value (binary, scaled to unit length)."""
    spec = spec or Spec()
    tokens = words(text)
    names = {f"lang={lang}", *extra}
    for i, word in enumerate(tokens):
        names.update(_word_features(word, lang, spec))
        if spec.pairs and i:
            names.add(f"b={tokens[i - 1]}_{word}")
    scale = 1.0 / math.sqrt(len(names))
    return dict.fromkeys(names, scale)


def _word_names(word: str, lang: str, spec: Spec) -> tuple[str, ...]:
    """The names one word gives, whatever its neighbours: w=, l= and its c= n-grams."""
    names = [f"w={word}"]
    if spec.lemmas:
        names.append(f"l={lemma(word, lang)}")
    padded = f" {word} "
    for n in spec.chars:
        names.extend(f"c={padded[j : j + n]}" for j in range(len(padded) - n + 1))
    return tuple(names)


_word_features = lru_cache(maxsize=WORDS_KEPT)(_word_names)
"""`_word_names`, kept for `WORDS_KEPT` words: the same words come back in every answer."""


class Weights(Mapping[str, float]):
    """One class's weights by name, held by feature number: `column[number[name]]`, the
    numbering shared by all classes of a model (`present`: one byte per number, 1 where this
    class has a weight). What `parse` gives each class, so a model's weights are held once,
    by number."""

    __slots__ = ("column", "count", "number", "present")

    def __init__(self, number: dict[str, int], column: list[float], present: bytes):
        self.number, self.column, self.present = number, column, present
        self.count = present.count(1)

    def __getitem__(self, name: str) -> float:
        at = self.number[name]
        if not self.present[at]:
            raise KeyError(name)
        return self.column[at]

    def get(self, name: str, default: Any = None) -> Any:
        at = self.number.get(name)
        return default if at is None or not self.present[at] else self.column[at]

    def __iter__(self) -> Iterator[str]:
        present = self.present
        return (name for name, at in self.number.items() if present[at])

    def __len__(self) -> int:
        return self.count


@dataclass(frozen=True)
class Linear:
    """One class's weights, bias and calibration: p = sigmoid(a * (w . x + bias) + b)."""

    weights: Mapping[str, float]
    bias: float
    a: float
    b: float

    def score(self, x: Mapping[str, float]) -> float:
        """The uncalibrated score w . x + bias."""
        weight = self.weights.get
        return self.bias + sum([weight(name, 0.0) * value for name, value in x.items()])

    def probability(self, x: Mapping[str, float]) -> float:
        """The calibrated probability that a text with features `x` is of this class."""
        z = self.a * self.score(x) + self.b
        if z < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Model:
    """A shipped model: its version, feature spec, thresholds and one `Linear` per class."""

    version: str
    spec: Spec
    thresholds: Mapping[str, float]
    classes: Mapping[str, Linear]
    trained_on: Mapping[str, Any]

    def features(self, text: str, lang: str, extra: Iterable[str] = ()) -> dict[str, float]:
        """The features of a text, as this model reads them."""
        return features(text, lang, extra, self.spec)

    def probabilities(self, text: str, lang: str, extra: Iterable[str] = ()) -> dict[str, float]:
        """Calibrated probability per class for one text: the same as each class's
        `probability` of `features(text, lang, extra)`, summed over feature numbers instead of
        names (`_Table`)."""
        return self._table.probabilities(self._table.reading(text, lang, extra))

    def reading(self, text: str, lang: str, extra: Iterable[str] = ()) -> Reading:
        """A text's features as this model reads them, for `probabilities_of` and `joined`."""
        return self._table.reading(text, lang, extra)

    def joined(self, first: Reading, second: Reading, text: str, lang: str) -> Reading:
        """The reading of `text`, two neighbouring texts read as `first` and `second` (same
        language and extra names) with what is between them: their features and the word pair
        across the seam, when `text`'s words are theirs; else `text` read anew."""
        return self._table.joined(first, second, text, lang)

    def probabilities_of(self, reading: Reading) -> dict[str, float]:
        """Calibrated probability per class for a text's reading (`reading`, `joined`)."""
        return self._table.probabilities(reading)

    @cached_property
    def _table(self) -> _Table:
        return _Table(self)


@dataclass(frozen=True)
class Reading:
    """A text's features for one model: the numbers of those its classes weigh, the names of
    the others (they count toward the unit length only), and the text's words."""

    numbers: frozenset[int]
    others: frozenset[str]
    words: tuple[str, ...]


class _Table:
    """A model's weights by feature number: every name some class weighs gets a number, each
    class a list of weights by number. A word's feature names are turned into numbers once
    (kept for `TABLE_WORDS_KEPT` words); a text's features are then the set of its numbers, plus the
    names no class weighs (they count toward the unit length, never toward a score)."""

    def __init__(self, model: Model) -> None:
        self.spec = model.spec
        weights = [linear.weights for linear in model.classes.values()]
        held = [w for w in weights if isinstance(w, Weights)]
        if len(held) == len(weights) and len({id(w.number) for w in held}) == 1:
            # As `parse` made them: the classes' columns, by one numbering.
            self.number, columns = held[0].number, [w.column for w in held]
        else:
            self.number, columns = _numbered(weights)
        self.classes = [
            (label, linear, column)
            for (label, linear), column in zip(model.classes.items(), columns, strict=True)
        ]
        self.word = lru_cache(maxsize=TABLE_WORDS_KEPT)(self._word)

    def _split(self, names: Iterable[str]) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Names -> (the numbers of those some class weighs, the others)."""
        known, unknown = [], []
        for name in names:
            at = self.number.get(name)
            if at is None:
                unknown.append(name)
            else:
                known.append(at)
        return tuple(known), tuple(unknown)

    def _word(self, word: str, lang: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
        return self._split(_word_names(word, lang, self.spec))

    def reading(self, text: str, lang: str, extra: Iterable[str]) -> Reading:
        tokens = words(text)
        known, unknown = self._split({f"lang={lang}", *extra})
        numbers, others = set(known), set(unknown)
        pairs, number = self.spec.pairs, self.number.get
        for i, word in enumerate(tokens):
            known, unknown = self.word(word, lang)
            numbers.update(known)
            others.update(unknown)
            if pairs and i:
                pair = f"b={tokens[i - 1]}_{word}"
                at = number(pair)
                if at is None:
                    others.add(pair)
                else:
                    numbers.add(at)
        return Reading(frozenset(numbers), frozenset(others), tuple(tokens))

    def joined(self, first: Reading, second: Reading, text: str, lang: str) -> Reading:
        tokens = tuple(words(text))
        if tokens != first.words + second.words:
            return self.reading(text, lang, ())
        numbers, others = first.numbers | second.numbers, first.others | second.others
        if self.spec.pairs and first.words and second.words:
            pair = f"b={first.words[-1]}_{second.words[0]}"
            at = self.number.get(pair)
            if at is None:
                others |= {pair}
            else:
                numbers |= {at}
        return Reading(numbers, others, tokens)

    def probabilities(self, reading: Reading) -> dict[str, float]:
        numbers = reading.numbers
        scale = 1.0 / math.sqrt(len(numbers) + len(reading.others))
        found = {}
        for label, linear, column in self.classes:
            z = linear.a * (linear.bias + sum(map(column.__getitem__, numbers)) * scale) + linear.b
            found[label] = 0.0 if z < -30.0 else 1.0 / (1.0 + math.exp(-z))
        return found


def _numbered(
    classes: Sequence[Mapping[str, float]],
) -> tuple[dict[str, int], list[list[float]]]:
    """One numbering of all the classes' feature names, and each class's weights by number
    (0.0 where a class has no weight for a name)."""
    number: dict[str, int] = {}
    for weights in classes:
        for name in weights:
            number.setdefault(name, len(number))
    columns = []
    for weights in classes:
        column = [0.0] * len(number)
        for name, weight in weights.items():
            column[number[name]] = weight
        columns.append(column)
    return number, columns


def _weights(parts: Mapping[str, Any]) -> dict[str, Weights]:
    """Each class's `Weights` from the JSON weights of all classes, one numbering (built
    straight from the JSON: no second copy of the weights by name)."""
    number: dict[str, int] = {}
    for part in parts.values():
        for name in part["weights"]:
            number.setdefault(str(name), len(number))
    found = {}
    for label, part in parts.items():
        weights: Mapping[str, Any] = part["weights"]
        column = [0.0] * len(number)
        for name, weight in weights.items():
            column[number[str(name)]] = float(weight)
        present = bytearray(len(number))
        for name in weights:
            present[number[str(name)]] = 1
        found[str(label)] = Weights(number, column, bytes(present))
    return found


def parse(data: Mapping[str, Any], name: str = "model") -> Model:
    """A model from its JSON form (`classes`, or `kinds` as the first model called them);
    ModelError when a part is missing or malformed."""
    try:
        parts: Mapping[str, Any] = data["classes"] if "classes" in data else data["kinds"]
        weights = _weights(parts)
        classes = {
            str(label): Linear(
                weights=weights[str(label)],
                bias=float(part["bias"]),
                a=float(part["calibration"]["a"]),
                b=float(part["calibration"]["b"]),
            )
            for label, part in parts.items()
        }
        thresholds = {str(k): float(v) for k, v in dict(data.get("thresholds") or {}).items()}
        spec = Spec.of(data.get("spec"))
        model = Model(str(data["version"]), spec, thresholds, classes, data.get("trained_on", {}))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{name}: {exc!r}") from exc
    if not model.classes or set(model.thresholds) - set(model.classes):
        raise ModelError(f"{name}: no classes, or thresholds for unknown classes")
    return model


def read(package: str, path: str) -> dict[str, Any]:
    """The JSON object of a model file shipped as package data (`path` inside `package`)."""
    source = files(package).joinpath(*path.split("/"))
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{package}/{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{package}/{path}: not a JSON object")
    return data


@cache
def load(package: str, path: str) -> Model:
    """A model shipped as package data: `path` inside `package` ("model/x-1.json")."""
    return parse(read(package, path), f"{package}/{path}")
