"""The coach's PDF export of one teacher (`/export <teacher>`), in the coach's language.

Per review (oldest first): a title with the confidentiality note, the profile chart (the draft as
bars, the coach's scores as diamonds), a table per scale (draft and coach score, confidence, the
draft's quotes, the coach's note), the overall note, the release status, the audit trail, and the
teacher's reflection, action plan and check-in for the same pupil slot. With two pupils a
comparison ends the document. Texts come from `prompts/<lang>/report.yaml`; the font is the
DejaVu Sans that matplotlib ships, so Dutch quotes («ë», “é”, ’) always render.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.dialogues.script import load_script
from bot.models.language import Language
from bot.models.profile import Draft, ScaleScore, level_for
from bot.models.state import Review, TeacherFile
from bot.render.chart import render_chart
from bot.scoring.compare import compare_profiles
from bot.scoring.scales import load_scales
from bot.text.prompts import read_yaml

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MARGIN = 15.0
CHART_WIDTH = 138.0
COMPARE_WIDTH = 112.0
GREY = (96, 104, 112)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(227, 232, 238))
CHANGED = FontFace(emphasis="BOLD")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
SCALE_COLUMNS = (32, 20, 20, 22, 53, 33)
AUDIT_COLUMNS = (38, 50, 60, 32)
PAGES_ALIAS = "\U000f0000\U000f0001"  # fpdf2 puts the page count here (not «{nb}»: typable)


class _Pdf(FPDF):
    """A4 with DejaVu Sans and a footer naming the teacher and the page.

    Typed text is printed as typed: fpdf2's markdown is off (its default) in every cell, and
    the alias fpdf2 replaces by the page count anywhere in the text is no longer «{nb}», which
    a user may type, but two private-use characters no keyboard makes."""

    def __init__(self, footer: str, teacher: str) -> None:
        super().__init__(format="A4")
        self.footer_template, self.teacher = footer, teacher
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 3)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*GREY)
        footer = self.footer_template.format(
            teacher=self.teacher, n=self.page_no(), total=PAGES_ALIAS
        )
        self.cell(0, 5, footer, align="C")
        self.set_text_color(0)


def render_report(
    teacher: TeacherFile,
    lang: Language,
    *,
    generated: datetime,
    compress: bool = True,
    name: str | None = None,
) -> bytes:
    """The teacher's file as PDF bytes for the coach, texts in `lang`, the teacher called
    `name` (as the coach sees them; their first name by default); `compress=False` keeps the
    page streams readable (for tests)."""
    texts = _texts(lang)
    name = name or teacher.name
    pdf = _Pdf(texts["footer"], name)
    pdf.set_compression(compress)
    pdf.set_title(f"LLInC · {name}")
    pdf.set_creation_date(generated)
    reviews = sorted(teacher.reviews.values(), key=lambda r: r.received_at)
    for review in reviews:
        _review(pdf, teacher, name, review, lang, generated)
    if not reviews:
        _title(pdf, texts, name, "–", generated)
        _paragraph(pdf, texts["no_reviews"])
    if len(reviews) >= 2:
        _comparison(pdf, reviews[0], reviews[1], lang)
    return bytes(pdf.output())


@cache
def _texts(lang: str) -> dict[str, str]:
    data = read_yaml(lang, "report.yaml")
    return {str(key): str(value) for key, value in data.items()}


def _review(
    pdf: _Pdf, teacher: TeacherFile, name: str, review: Review, lang: Language, now: datetime
) -> None:
    texts = _texts(lang)
    _title(pdf, texts, name, review.pupil, now)
    png = render_chart(
        review.draft,
        pupil=review.pupil,
        lang=lang,
        date=review.received_at.date(),
        second=review.adjusted(),
        first_label=texts["chart_first"],
        second_label=texts["chart_second"],
    )
    _chart(pdf, png)
    pdf.add_page()
    _heading(pdf, texts["scales_heading"])
    scorer = texts["scorer"].format(scorer=review.draft.scorer, date=_when(review.draft.created_at))
    _paragraph(pdf, "\n".join([scorer, *review.draft.notes]), size=8.5)
    _scale_table(pdf, review, lang)
    _status(pdf, review, texts)
    _audit(pdf, review, lang)
    _teacher_answers(pdf, teacher, _slot(review.session_id), lang)


def _status(pdf: _Pdf, review: Review, texts: dict[str, str]) -> None:
    _heading(pdf, texts["overall_heading"])
    _paragraph(pdf, review.notes.get("overall") or texts["none"])
    _heading(pdf, texts["status_heading"])
    if review.released_at is not None:
        _paragraph(pdf, texts["status_released"].format(date=_when(review.released_at)))
    else:
        _paragraph(pdf, texts["status_waiting"].format(date=_when(review.received_at)))


def _teacher_answers(pdf: _Pdf, teacher: TeacherFile, slot: str, lang: Language) -> None:
    """The reflection and action plan, then the check-in, of the sessions about this pupil."""
    texts = _texts(lang)
    sources = (
        ("reflection", texts["plan_heading"], teacher.plans),
        ("checkin", texts["checkin_heading"], teacher.checkins),
    )
    for script_id, heading, answers in sources:
        for session_id, items in answers.items():
            if _slot(session_id) == slot and items:
                _answers(pdf, heading, items, script_id, lang)


def _title(pdf: _Pdf, texts: dict[str, str], teacher: str, pupil: str, now: datetime) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    title = texts["title"].format(teacher=teacher, pupil=pupil)
    pdf.multi_cell(0, 8, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9.5)
    pdf.cell(0, 6, texts["generated"].format(date=_when(now)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_fill_color(249, 220, 220)
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(
        0, 4.5, texts["sensitive"], fill=True, align="L", padding=2, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_fill_color(255)
    pdf.ln(3)


def _chart(pdf: _Pdf, png: bytes, width: float = CHART_WIDTH) -> None:
    pdf.image(io.BytesIO(png), x=(pdf.w - width) / 2, w=width)


def _heading(pdf: _Pdf, text: str) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 30:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: _Pdf, text: str, *, size: float = 9.5, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, _clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _scale_table(pdf: _Pdf, review: Review, lang: Language) -> None:
    texts = _texts(lang)
    header = [texts[f"col_{key}"] for key in ("scale", "draft", "coach", "confidence")]
    header += [texts["col_quotes"], texts["col_note"]]
    pdf.set_font(FONT, size=8)
    with pdf.table(
        col_widths=SCALE_COLUMNS,
        text_align="LEFT",
        v_align="TOP",
        headings_style=HEADINGS,
        line_height=4,
        padding=1.2,
    ) as table:
        table.row(header)
        for scale in load_scales().scales:
            draft = _find(review.draft, scale.id)
            coach = review.scores.get(scale.id)
            row = table.row()
            risk = f" {texts['risk']}" if scale.direction == "risk" else ""
            row.cell(scale.name[lang] + risk)
            row.cell(_score(texts, draft.score if draft else None))
            changed = draft is not None and coach is not None and coach != draft.score
            row.cell(_score(texts, coach), style=CHANGED if changed else None)
            row.cell(f"{draft.confidence:.1f}" if draft else "–")
            row.cell(_quotes(texts, draft))
            row.cell(_clean(review.notes.get(scale.id, "")))


def _score(texts: dict[str, str], score: int | None) -> str:
    return "–" if score is None else f"{score}\n{texts['level_' + level_for(score)]}"


def _quotes(texts: dict[str, str], draft: ScaleScore | None) -> str:
    if draft is None or not draft.evidence:
        return texts["no_quotes"]
    return _clean("\n".join(f"«{e.quote}» ({e.question_id})" for e in draft.evidence))


def _audit(pdf: _Pdf, review: Review, lang: Language) -> None:
    texts = _texts(lang)
    _heading(pdf, texts["audit_heading"])
    if not review.audit:
        _paragraph(pdf, texts["none"])
        return
    header = [texts[f"col_{key}"] for key in ("time", "action", "scale", "change")]
    pdf.set_font(FONT, size=8)
    with pdf.table(
        col_widths=AUDIT_COLUMNS,
        text_align="LEFT",
        width=sum(AUDIT_COLUMNS),
        align="LEFT",
        headings_style=HEADINGS,
        line_height=4,
        padding=1.2,
    ) as table:
        table.row(header)
        for entry in review.audit:
            change = f"{entry.old} → {entry.new}" if entry.old is not None else ""
            action = texts.get(f"audit_{entry.action}", entry.action)
            table.row([_when(entry.at), action, _scale_name(entry.scale, lang), change])


def _scale_name(scale_id: str, lang: Language) -> str:
    if scale_id == "overall":
        return _texts(lang)["audit_overall"]
    try:
        return load_scales().get(scale_id).name[lang]
    except KeyError:
        return scale_id


def _answers(
    pdf: _Pdf, heading: str, items: dict[str, str], script_id: str, lang: Language
) -> None:
    titles = {item.id: item.title for item in load_script(script_id, lang).items}
    order = list(titles)
    _heading(pdf, heading)
    for item_id in sorted(items, key=lambda i: order.index(i) if i in order else len(order)):
        _paragraph(pdf, titles.get(item_id, item_id), bold=True)
        _paragraph(pdf, items[item_id])


def _comparison(pdf: _Pdf, first: Review, second: Review, lang: Language) -> None:
    texts = _texts(lang)
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    heading = texts["compare_heading"].format(first=first.pupil, second=second.pupil)
    pdf.multi_cell(0, 8, heading, align="L", new_x="LMARGIN", new_y="NEXT")
    _paragraph(pdf, texts["compare_intro"])
    png = render_chart(
        first.adjusted(),
        pupil=f"{first.pupil} / {second.pupil}",
        lang=lang,
        date=max(first.received_at, second.received_at).date(),
        second=second.adjusted(),
        first_label=first.pupil,
        second_label=second.pupil,
    )
    _chart(pdf, png, COMPARE_WIDTH)
    same, different = compare_profiles(first.scores, second.scores)
    for key, ids in (("compare_same", same), ("compare_different", different)):
        _heading(pdf, texts[key])
        lines = [
            f"• {_scale_name(sid, lang)}: {first.scores[sid]} / {second.scores[sid]}" for sid in ids
        ]
        _paragraph(pdf, "\n".join(lines) or texts["none"])


def _find(draft: Draft, scale_id: str) -> ScaleScore | None:
    try:
        return draft.scale(scale_id)
    except KeyError:
        return None


def _slot(session_id: str) -> str:
    """'interview-2' -> '2': the pupil slot of a session id."""
    return session_id.rpartition("-")[2]


def _clean(text: str) -> str:
    """Typed text without control characters the font cannot show (tabs become spaces)."""
    return CONTROL.sub("", text.replace("\t", " "))


def _when(moment: datetime) -> str:
    utc = moment.utcoffset() == timedelta(0)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if utc else "")
