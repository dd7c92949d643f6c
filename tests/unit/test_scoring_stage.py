"""The scorer's second stage: its features, the shipped file, and what it may not do."""

from __future__ import annotations

import pytest

from bot.models.profile import Transcript, TranscriptAnswer
from bot.scoring.rules import RuleScorer
from bot.scoring.scales import load_scales
from bot.scoring.stage import (
    CONFIDENCE_FEATURES,
    FEATURES,
    Signals,
    confidence_features,
    features,
    shipped_stage,
)
from bot.scoring.transcript_io import load_transcript
from tests.support.paths import TRANSCRIPTS

SCALES = load_scales()
GOOD = {scale.id: scale.direction == "good" for scale in SCALES.scales}
SCORER = RuleScorer()
FIRST = RuleScorer(stage=False)


def test_the_interview_feature_is_the_rest_turned_toward_each_scales_good_end() -> None:
    warm = {sid: Signals(0.5 if good else -0.5, 0.0, 0.0) for sid, good in GOOD.items()}
    found = features(warm, GOOD)
    for sid, good in GOOD.items():
        assert found[sid]["interview"] == pytest.approx(0.5 if good else -0.5)
        assert found[sid]["own"] == warm[sid].own


def test_each_feature_comes_shared_and_per_scale() -> None:
    found = features({sid: Signals(0.1, 0.2, 0.3) for sid in GOOD}, GOOD)
    for sid, values in found.items():
        assert set(values) == {*FEATURES, *(f"{sid}:{name}" for name in FEATURES)}
        assert all(values[f"{sid}:{name}"] == values[name] for name in FEATURES)


def test_the_shipped_stage_reads_its_own_features() -> None:
    stage = shipped_stage()
    assert set(FEATURES) <= set(stage.score.weights)
    assert stage.in_band is not None
    assert set(stage.in_band.weights) == set(CONFIDENCE_FEATURES)


def test_confidence_features_measure_the_distance_from_the_band_edge() -> None:
    assert confidence_features(4.0, 0.7, 4, False)["edge"] == pytest.approx(1.0)
    assert confidence_features(5.4, 0.7, 5, False)["edge"] == pytest.approx(0.1 / 1.5)
    assert confidence_features(7.2, 0.7, 7, True) == {
        "edge": pytest.approx(1.0),
        "certainty": 0.7,
        "extreme": 1.0,
        "terse": 1.0,
    }


def test_the_first_stage_alone_still_scores() -> None:
    case = load_transcript(TRANSCRIPTS / "authored" / "en_01_warm_sam.yaml")
    first, second = FIRST.score(case), SCORER.score(case)
    assert [s.id for s in first.scales] == [s.id for s in second.scales]


def test_an_extreme_resting_on_the_rest_of_the_interview_is_not_confident() -> None:
    """A scale with little evidence of its own may land at an extreme through the rest of the
    interview (raters read it so), but the draft must not be sure of it."""
    for path in sorted((TRANSCRIPTS / "dev2").glob("*.yaml")):
        case = load_transcript(path)
        weighed = SCORER.weighed(case)
        for sid, w in weighed.items():
            if w.score in (1, 2, 6, 7) and w.certainty < 0.5:
                assert w.confidence < 0.5, (path.name, sid)


def test_a_scale_nobody_talked_about_stays_in_the_middle_and_unsure() -> None:
    case = Transcript(
        language="en",
        pupil="Sam",
        answers=[
            TranscriptAnswer(
                question_id="q06_joy",
                text="Last Tuesday she finished her painting and showed it to me, beaming; "
                "I loved that moment and laughed with her about the purple sky.",
            )
        ],
    )
    draft = SCORER.score(case)
    for sid in ("sensitive_discipline", "helplessness"):
        assert 3 <= draft.scale(sid).score <= 5
        assert draft.scale(sid).confidence < 0.5
