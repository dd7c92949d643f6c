"""The shipped safeguarding model: what it was trained on, how it is read, what it costs."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files

import pytest

from bot.safety.model import KINDS, VERSION, ModelError, features, load, parse


def _raw() -> dict[str, object]:
    source = files("bot.safety").joinpath("model", f"safeguarding-{VERSION}.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_trained_only_on_sets_written_apart_from_the_rules_and_never_on_dev() -> None:
    trained = load().trained_on
    folders = {name.split("/")[0] for name in trained["files"]}
    assert folders == {"train", "tune2", "tune3", "tune4", "authored", "ordinary"}
    assert trained["texts"] > 1000 and trained["seed"] == 13


def test_probabilities_are_calibrated_numbers_per_kind() -> None:
    model = load()
    assert set(model.thresholds) == set(KINDS)
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())
    risky = model.probabilities("Hij zei dat papa hem met de riem slaat.", "nl")
    plain = model.probabilities("We hebben samen gelachen om een tekening.", "nl")
    assert risky["child_at_risk"] > model.thresholds["child_at_risk"] > plain["child_at_risk"]
    distress = model.probabilities("I can't sleep, I cry every night and I can't go on.", "en")
    assert distress["teacher_distress"] > model.thresholds["teacher_distress"]


def test_features_are_words_pairs_lemmas_and_character_grams_of_unit_length() -> None:
    x = features("Ze sloeg hem", "nl")
    assert {"lang=nl", "w=sloeg", "l=slaan", "b=ze_sloeg", "c= slo"} <= set(x)
    assert abs(sum(v * v for v in x.values()) - 1.0) < 1e-9
    assert features("Ze sloeg hem", "nl") == x


def test_a_malformed_model_is_refused() -> None:
    data = _raw()
    del data["thresholds"]
    with pytest.raises(ModelError):
        parse(data)
    data = _raw()
    data["kinds"] = {"child_at_risk": data["kinds"]["child_at_risk"]}  # type: ignore[index]
    with pytest.raises(ModelError):
        parse(data)


def test_the_bot_reads_the_model_without_scikit_learn() -> None:
    code = (
        "import sys; from bot.safety.safeguarding import check; check('Hij huilt.', 'nl'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'numpy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
