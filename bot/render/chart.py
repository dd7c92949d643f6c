"""The relationship-profile chart: a PNG that reads well on a phone (1080 px wide).

Two panels stacked (behaviour above feelings: side by side the long scale names would not fit a
phone), one bar per scale on the 1-7 axis over the shaded bands low / average / high. Risk scales
say so after their name and have a red-tinted high band; a worrying level is drawn in a warm
colour; a low-confidence score is hatched and lighter. An optional second draft (the coach's
adjusted scores or a second pupil) is a diamond per scale on a line of its own under the bar,
with its number beside it (both numbers are printed, nothing covers a label), and a legend.
Uses matplotlib's Figure and the Agg canvas directly, so no pyplot state is touched. Every text
is drawn as plain text (no mathtext, no TeX), whatever a pseudonym holds.
"""

from __future__ import annotations

import datetime
import io
from functools import cache

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from bot.errors import PromptFileError
from bot.models.language import LANGUAGES
from bot.models.profile import Draft, ScaleScore
from bot.scoring.scales import ScaleDef, load_scales
from bot.text.dates import long_date
from bot.text.prompts import read_yaml

WIDTH_IN, HEIGHT_IN, DPI = 7.2, 10.0, 150
BANDS = ((0.5, 2.5), (2.5, 5.5), (5.5, 7.5))
BAND_SHADES = ("#eef1f4", "#e3e8ee", "#eef1f4")
RISK_BAND = "#f9dcdc"
COLOURS = {"fine": "#2a9d8f", "middle": "#5b7fa6", "worry": "#d1495b"}
FIRST = "#8a96a3"
SECOND = "#2d2a4a"
LOW_CONFIDENCE = 0.5
TEXT_KEYS = frozenset(
    {"title", "behaviour", "feelings", "bands", "risk", "first", "second"}
    | {"uncertain", "risk_band", "missing"}
)


@cache
def chart_texts(lang: str) -> dict[str, str]:
    """The chart's words in `lang` (prompts/<lang>/chart.yaml; English for another language)."""
    data = read_yaml(lang if lang in LANGUAGES else "en", "chart.yaml")
    missing = TEXT_KEYS - set(data)
    if missing:
        raise PromptFileError(f"prompts/{lang}/chart.yaml: missing {sorted(missing)}")
    return {key: str(data[key]) for key in TEXT_KEYS}


def render_chart(
    draft: Draft,
    *,
    pupil: str,
    lang: str,
    date: datetime.date,
    second: Draft | None = None,
    second_label: str | None = None,
    first_label: str | None = None,
) -> bytes:
    """The profile of `draft` as PNG bytes, texts in `lang` (nl or en), `second` as diamonds."""
    figure = chart_figure(
        draft,
        pupil=pupil,
        lang=lang,
        date=date,
        second=second,
        second_label=second_label,
        first_label=first_label,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def chart_figure(
    draft: Draft,
    *,
    pupil: str,
    lang: str,
    date: datetime.date,
    second: Draft | None = None,
    second_label: str | None = None,
    first_label: str | None = None,
) -> Figure:
    """The chart as a matplotlib figure (what `render_chart` saves; tests measure its layout)."""
    texts = chart_texts(lang)
    scales = load_scales().scales
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, gridspec_kw={"hspace": 0.32})
    for axes, group in ((top, "behaviour"), (bottom, "feelings")):
        rows = [scale for scale in scales if scale.group == group]
        _panel(axes, rows, draft, second, texts, lang)
        axes.set_title(texts[group], loc="left", fontsize=15, fontweight="bold", pad=26)
    figure.suptitle(_title(texts, pupil, date, lang), fontsize=16, fontweight="bold", y=0.985)
    entries = _legend(figure, draft, second, texts, first_label, second_label)
    figure.subplots_adjust(left=0.05, right=0.95, top=0.90, bottom=0.05 + 0.028 * entries)
    for text in figure.findobj(Text):  # a pseudonym like «$\frac$» is drawn as typed, not as TeX
        text.set_usetex(False)
        text.set_parse_math(False)
    return figure


def _title(texts: dict[str, str], pupil: str, date: datetime.date, lang: str) -> str:
    return f"{texts['title']} · {pupil} · {long_date(date, lang if lang in LANGUAGES else 'en')}"


def _panel(
    axes: Axes,
    rows: list[ScaleDef],
    draft: Draft,
    second: Draft | None,
    texts: dict[str, str],
    lang: str,
) -> None:
    count = len(rows)
    axes.set_xlim(0.5, 7.5)
    axes.set_ylim(-0.6, count - 0.2)
    for (start, end), shade, label in zip(BANDS, BAND_SHADES, texts["bands"].split(), strict=True):
        axes.axvspan(start, end, color=shade, zorder=0)
        axes.text(
            (start + end) / 2,
            count - 0.2,
            label,
            ha="center",
            va="bottom",
            fontsize=11,
            color="#4a5560",
            transform=axes.transData,
            clip_on=False,
        )
    for position, scale in enumerate(rows):
        y = count - 1 - position
        _row(axes, y, scale, _find(draft, scale.id), _find(second, scale.id), texts, lang)
    axes.set_xticks(range(1, 8), labels=[str(n) for n in range(1, 8)])
    axes.tick_params(axis="x", labelsize=11, length=0)
    axes.set_yticks([])
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _row(
    axes: Axes,
    y: float,
    scale: ScaleDef,
    score: ScaleScore | None,
    other: ScaleScore | None,
    texts: dict[str, str],
    lang: str,
) -> None:
    risk = scale.direction == "risk"
    if risk:
        axes.fill_between((5.5, 7.5), y - 0.45, y + 0.55, color=RISK_BAND, zorder=1, lw=0)
    name = scale.name[lang] + (f" {texts['risk']}" if risk else "")
    axes.text(
        0.6,
        y + 0.3,
        name,
        fontsize=12,
        va="center",
        ha="left",
        zorder=5,
        fontweight="bold" if risk else "normal",
        color="#1f2a33",
    )
    if score is None:
        axes.text(0.6, y - 0.12, texts["missing"], fontsize=11, va="center", color="#6b7680")
        return
    uncertain = score.confidence < LOW_CONFIDENCE
    bar_y = y - 0.12 if other is None else y - 0.02
    axes.barh(
        bar_y,
        score.score - 0.5,
        left=0.5,
        height=0.34 if other is None else 0.26,
        zorder=3,
        color=COLOURS[_tone(scale, score)],
        alpha=0.45 if uncertain else 0.95,
        hatch="///" if uncertain else None,
        edgecolor="white",
        linewidth=0,
    )
    _number(axes, score.score + 0.08, bar_y, score.score)
    if other is not None:  # on a line of its own, with its own number: nothing covers a label
        marker_y = y - 0.36
        axes.plot(
            other.score,
            marker_y,
            marker="D",
            markersize=9,
            color=SECOND,
            zorder=7,
            markeredgecolor="white",
            markeredgewidth=1.2,
        )
        _number(axes, other.score + 0.16, marker_y, other.score, SECOND)


def _number(axes: Axes, x: float, y: float, value: int, colour: str = "#1f2a33") -> None:
    """A score printed beside its bar or marker."""
    axes.text(x, y, str(value), fontsize=12, va="center", fontweight="bold", zorder=6, color=colour)


def _tone(scale: ScaleDef, score: ScaleScore) -> str:
    """Warm for the worrying end (low on a good scale, high on a risk scale)."""
    if score.level == "average":
        return "middle"
    worrying = (score.level == "high") == (scale.direction == "risk")
    return "worry" if worrying else "fine"


def _find(draft: Draft | None, scale_id: str) -> ScaleScore | None:
    if draft is None:
        return None
    try:
        return draft.scale(scale_id)
    except KeyError:
        return None


def _legend(
    figure: Figure,
    draft: Draft,
    second: Draft | None,
    texts: dict[str, str],
    first_label: str | None,
    second_label: str | None,
) -> int:
    """Draw the legend below the panels; the number of entries (0 when there is none)."""
    handles: list[Patch | Line2D] = []
    if second is not None:
        handles.append(Patch(color=FIRST, label=first_label or texts["first"]))
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                color=SECOND,
                linestyle="none",
                markersize=10,
                label=second_label or texts["second"],
            )
        )
    if any(s.confidence < LOW_CONFIDENCE for s in draft.scales):
        handles.append(Patch(facecolor=FIRST, alpha=0.45, hatch="///", label=texts["uncertain"]))
    handles.append(Patch(color=RISK_BAND, label=texts["risk_band"]))
    if handles:
        figure.legend(
            handles=handles,
            loc="lower center",
            ncol=1,
            fontsize=11,
            frameon=False,
            bbox_to_anchor=(0.5, 0.005),
        )
    return len(handles)
