"""The profile chart: a PNG in both languages, with and without a second draft."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from PIL import Image

from bot.models.profile import Draft, ScaleScore
from bot.render.chart import render_chart
from bot.scoring.rules import RuleScorer
from bot.scoring.scales import load_scales
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


def _layout(draft: Draft, second: Draft | None) -> tuple[list[Any], list[Any], Any]:
    """The drawn texts and diamond markers of a chart, as boxes on the canvas."""
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

    from bot.render.chart import chart_figure

    figure = chart_figure(
        draft, pupil="Sam", lang="nl", date=datetime.date(2026, 12, 5), second=second
    )
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [
        t.get_window_extent(renderer)
        for axes in figure.axes
        for t in axes.findobj(Text)
        if t.get_text().strip() and t.get_visible() and t.axes is axes
    ]
    markers = []
    for axes in figure.axes:
        for line in axes.findobj(Line2D):
            if line.get_marker() == "D":
                (x, y), size = line.get_xydata()[0], line.get_markersize() * figure.dpi / 72
                cx, cy = axes.transData.transform((x, y))
                markers.append((cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2))
    return texts, markers, figure.bbox


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box(extent: Any) -> tuple[float, ...]:
    return (extent.x0, extent.y0, extent.x1, extent.y1)


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_no_label_is_covered_and_both_numbers_are_printed(shift: int) -> None:
    """Issue 14.7: the coach's diamond sits on no score label (a 6 must not read as 5), no two
    labels overlap, every label is inside the picture, and both numbers are printed."""
    from matplotlib.text import Text

    from bot.render.chart import chart_figure

    ids = load_scales().ids
    first = Draft(
        scorer="rules",
        scales=[
            ScaleScore(id=sid, score=1 + (n * 2) % 7, level="average", confidence=0.3 + n / 10)
            for n, sid in enumerate(ids)
        ],
    )
    second = Draft(
        scorer="rules",
        scales=[
            ScaleScore(
                id=s.id, score=min(7, max(1, s.score + shift)), level="average", confidence=1.0
            )
            for s in first.scales
        ],
    )
    texts, markers, page = _layout(first, second)
    boxes = [_box(t) for t in texts]
    assert len(markers) == len(ids)
    for box in boxes:
        assert not any(_overlap(box, marker) for marker in markers), box
        assert page.x0 <= box[0] and box[2] <= page.x1 and page.y0 <= box[1] and box[3] <= page.y1
    for n, box in enumerate(boxes):
        assert not any(_overlap(box, other) for other in boxes[n + 1 :]), box
    figure = chart_figure(
        first, pupil="Sam", lang="nl", date=datetime.date(2026, 12, 5), second=second
    )
    shown = [t.get_text() for axes in figure.axes for t in axes.findobj(Text)]
    for a, b in zip(first.scales, second.scales, strict=True):
        assert str(a.score) in shown and str(b.score) in shown
    numbers = [t for axes in figure.axes for t in axes.texts if t.get_text().isdigit()]
    assert len(numbers) == 2 * len(ids)  # per scale the draft's and the coach's number


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_legend_explains_the_risk_band_in_the_chart_language(
    drafts: tuple[Draft, Draft], lang: str
) -> None:
    from matplotlib.text import Text

    from bot.render.chart import chart_figure, chart_texts

    figure = chart_figure(drafts[0], pupil="Noah", lang=lang, date=DAY)
    legend_texts = [t.get_text() for legend in figure.legends for t in legend.findobj(Text)]
    assert chart_texts(lang)["risk_band"] in legend_texts
    assert chart_texts("nl")["risk_band"] != chart_texts("en")["risk_band"]
