"""The profile chart: a PNG in both languages, with and without a second draft."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image

from bot.models.profile import Draft, ScaleScore
from bot.render.chart import render_chart
from bot.scoring.rules import RuleScorer
from bot.scoring.transcript_io import load_transcript
from tests.support.paths import TRANSCRIPTS

CASES = TRANSCRIPTS / "authored"
DAY = datetime.date(2025, 3, 14)


@pytest.fixture(scope="module")
def drafts() -> tuple[Draft, Draft]:
    scorer = RuleScorer()
    return (
        scorer.score(load_transcript(CASES / "nl_01_seed_jan_noah.yaml")),
        scorer.score(load_transcript(CASES / "nl_02_warm_ilse.yaml")),
    )


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        return image.size


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("with_second", [False, True])
def test_chart_is_a_phone_sized_png(
    drafts: tuple[Draft, Draft], lang: str, with_second: bool
) -> None:
    first, other = drafts
    png = render_chart(
        first,
        pupil="Noah",
        lang=lang,
        date=DAY,
        second=other if with_second else None,
        second_label="Ilse" if with_second else None,
    )
    width, height = size(png)
    assert width == 1080 and height > width


def test_a_draft_missing_a_scale_still_renders() -> None:
    partial = Draft(
        scorer="rules",
        scales=[ScaleScore(id="comfort", score=2, level="low", confidence=0.3)],
    )
    assert size(render_chart(partial, pupil="S.", lang="en", date=DAY))[0] == 1080


def test_charts_differ_by_language(drafts: tuple[Draft, Draft]) -> None:
    nl = render_chart(drafts[0], pupil="Noah", lang="nl", date=DAY)
    en = render_chart(drafts[0], pupil="Noah", lang="en", date=DAY)
    assert nl != en
