"""bot/text/linear.py: features, a calibrated linear model read from JSON, the shipped model."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bot.scoring.model import classes, evidence_model
from bot.scoring.scales import load_scales
from bot.text.linear import ModelError, Spec, features, parse


def test_features_are_binary_with_unit_length() -> None:
    x = features("Hij sloeg de deur dicht.", "nl", extra=("q=q05_misbehave",))
    assert {"w=sloeg", "l=slaan", "b=sloeg_de", "lang=nl", "q=q05_misbehave", "c= hij"} <= set(x)
    assert math.isclose(sum(v * v for v in x.values()), 1.0)


def test_the_spec_chooses_the_features() -> None:
    x = features("Hij sloeg de deur dicht.", "nl", spec=Spec(lemmas=False, pairs=False, chars=()))
    assert not [name for name in x if name.startswith(("l=", "b=", "c="))]
    assert Spec.of(Spec(chars=(4,)).as_dict()) == Spec(chars=(4,))


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "t",
        "spec": {"lemmas": True, "pairs": False, "chars": []},
        "thresholds": {"yes": 0.5},
        "classes": {
            "yes": {"weights": {"w=boos": 4.0}, "bias": -1.0, "calibration": {"a": 1.0, "b": 0.0}}
        },
    }
    data.update(changes)
    return data


def test_a_model_reads_its_weights_by_name_and_calibrates() -> None:
    model = parse(_data())
    high, low = model.probabilities("boos", "nl")["yes"], model.probabilities("blij", "nl")["yes"]
    assert high > 0.5 > low
    # one word and the language: each feature 1/sqrt(3) ("w=", "l=" and "lang=")
    assert math.isclose(high, 1 / (1 + math.exp(-(4 / math.sqrt(3) - 1))))


def test_the_first_models_json_form_still_reads() -> None:
    data = _data()
    data["kinds"] = data.pop("classes")
    assert set(parse(data).classes) == {"yes"}


@pytest.mark.parametrize(
    "bad",
    [
        {"classes": {}},
        {"classes": {"yes": {"weights": {}, "bias": "x", "calibration": {"a": 1, "b": 0}}}},
        {"thresholds": {"no": 0.5}},
        {"version": None, "classes": None},
    ],
)
def test_a_malformed_model_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ModelError):
        parse(_data(**bad))


def test_the_shipped_evidence_model_has_both_ends_of_every_scale() -> None:
    model = evidence_model()
    assert set(model.classes) == set(classes(load_scales().ids))
    assert model.trained_on["files"] and not model.spec.chars
    found = model.probabilities("Ik was zo trots op hem, ik heb het hem ook gezegd.", "nl")
    assert all(0.0 <= p <= 1.0 for p in found.values())
    assert found["positive_feelings:high"] > found["positive_feelings:low"]


def test_the_model_file_is_json_with_weights_by_feature_name() -> None:
    from importlib.resources import files

    source = files("bot.scoring").joinpath("model", "scale-evidence-1.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    weights = data["classes"]["comfort:high"]["weights"]
    assert all(name.split("=")[0] in {"w", "l", "b", "q", "lang"} for name in weights)
