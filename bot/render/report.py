"""The coach's PDF of one teacher (`/export`, the workspace), in the coach's language.

Per profile (oldest first): a title with the confidentiality note, the chart (the draft as bars,
the coach's scores as diamonds, both numbers printed), a table per scale (draft and coach score
side by side, confidence in words, the quotes supporting or speaking against, the coach's
note), the overall note, the release status and versions, the safeguarding record, the audit
trail, the whole interview, then session 2 and the check-in for the same pupil. With two pupils a
comparison ends the document. Texts come from `prompts/<lang>/report.yaml`; titles of older
stored answers come from the caller (`titles`): this module reads no script.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from bot.models.interview import SessionItem
from bot.models.language import Language
from bot.models.profile import ScaleScore, confidence_word, level_for
from bot.models.state import AuditEntry, Review, TeacherFile
from bot.render.chart import render_chart
from bot.render.pdf import FONT, Pdf
from bot.scoring.compare import compare_profiles
from bot.scoring.scales import load_scales
from bot.text.dates import long_date
from bot.text.prompts import read_yaml

CHART_WIDTH = 138.0
COMPARE_WIDTH = 112.0
SCALE_COLUMNS = (30, 21, 21, 22, 56, 30)
AUDIT_COLUMNS = (38, 50, 60, 32)
ZONE = ZoneInfo("Europe/Brussels")  # the schools' time (Amsterdam and Brussels share it)


@cache
def report_texts(lang: str) -> dict[str, str]:
    """The report's texts in one language, with that language under `lang` (the dates read
    their month names from it: `bot.text.dates`)."""
    texts = {str(k): str(v) for k, v in read_yaml(lang, "report.yaml").items()}
    return {**texts, "lang": lang}


def render_report(
    teacher: TeacherFile,
    lang: Language,
    *,
    generated: datetime,
    compress: bool = True,
    name: str | None = None,
    titles: Mapping[str, str] | None = None,
) -> bytes:
    """The teacher's file as PDF bytes, texts in `lang`, the teacher called `name` (as the coach
    sees them); `titles` name the items of answers stored without their questions;
    `compress=False` keeps the page streams readable (for tests)."""
    texts = report_texts(lang)
    name = name or teacher.name
    pdf = Pdf(texts["footer"], name)
    pdf.set_compression(compress)
    pdf.set_title(f"LLInC · {name}")
    pdf.set_creation_date(generated)
    reviews = sorted(teacher.reviews.values(), key=lambda r: r.received_at)
    for review in reviews:
        _review(pdf, teacher, name, review, lang, generated, titles or {})
    if not reviews:
        _title(pdf, texts, name, "–", generated)
        pdf.paragraph(texts["no_reviews"])
    if len(reviews) >= 2:
        _comparison(pdf, reviews[0], reviews[1], lang)
    return bytes(pdf.output())


def _review(
    pdf: Pdf,
    teacher: TeacherFile,
    name: str,
    review: Review,
    lang: Language,
    now: datetime,
    titles: Mapping[str, str],
) -> None:
    texts = report_texts(lang)
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
    pdf.image_centred(png, CHART_WIDTH)
    pdf.add_page()
    pdf.heading(texts["scales_heading"])
    scorer = texts[f"scorer_{review.draft.scorer}"]
    made = texts["scorer"].format(scorer=scorer, date=_when(review.draft.created_at, texts))
    pdf.paragraph("\n".join([made, *review.draft.notes]), size=8.5)
    _scale_table(pdf, review, lang)
    _status(pdf, review, texts)
    _safeguarding(pdf, teacher, review, texts)
    _audit(pdf, review, lang)
    _interview(pdf, texts, review)
    _teacher_answers(pdf, teacher, _slot(review.session_id), texts, titles)


def _title(pdf: Pdf, texts: dict[str, str], teacher: str, pupil: str, now: datetime) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    title = texts["title"].format(teacher=teacher, pupil=pupil)
    pdf.multi_cell(0, 8, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9.5)
    pdf.cell(0, 6, texts["generated"].format(date=_when(now, texts)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_fill_color(249, 220, 220)
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(
        0, 4.5, texts["sensitive"], fill=True, align="L", padding=2, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_fill_color(255)
    pdf.ln(3)


def _scale_table(pdf: Pdf, review: Review, lang: Language) -> None:
    texts = report_texts(lang)
    header = [texts[f"col_{key}"] for key in ("scale", "draft", "coach", "confidence")]
    header += [texts["col_quotes"], texts["col_note"]]
    rows, bold = [], []
    for scale in load_scales().scales:
        draft = _find(review, scale.id)
        coach = review.scores.get(scale.id)
        risk = f" {texts['risk']}" if scale.direction == "risk" else ""
        rows.append(
            [
                scale.name[lang] + risk,
                _score(texts, draft.score if draft else None),
                _score(texts, coach),
                _confidence(texts, draft),
                _quotes(texts, review, draft),
                review.notes.get(scale.id, ""),
            ]
        )
        bold.append([False, False, draft is not None and coach != draft.score])
    pdf.table_of(SCALE_COLUMNS, header, rows, bold)


def _score(texts: dict[str, str], score: int | None) -> str:
    return "–" if score is None else f"{score}\n{texts['level_' + level_for(score)]}"


def _confidence(texts: dict[str, str], draft: ScaleScore | None) -> str:
    if draft is None:
        return "–"
    return texts["confidence_" + confidence_word(draft.confidence)]


def _quotes(texts: dict[str, str], review: Review, draft: ScaleScore | None) -> str:
    if draft is None or not draft.evidence:
        return texts["no_quotes"]
    return "\n".join(
        f"«{e.quote}» ({texts[e.direction]}; {_label(texts, review.interview, e.question_id)})"
        for e in draft.evidence
    )


def _label(texts: dict[str, str], items: list[SessionItem], item_id: str) -> str:
    """'Question 4 · When Sam was upset' (the title alone for the intake; '–' when unknown)."""
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        return "–"
    if item.number is None:
        return item.title
    return texts["question_label"].format(n=item.number, title=item.title)


def _status(pdf: Pdf, review: Review, texts: dict[str, str]) -> None:
    pdf.heading(texts["overall_heading"])
    pdf.paragraph(review.notes.get("overall") or texts["none"])
    pdf.heading(texts["status_heading"])
    lines = [
        texts["versions_line"].format(version=v.version, date=_when(v.released_at, texts))
        for v in review.versions
    ]
    if review.status == "waiting":
        lines.append(texts["status_waiting"].format(date=_when(review.received_at, texts)))
    elif not lines and review.released_at is not None:
        lines.append(texts["status_released"].format(date=_when(review.released_at, texts)))
    pdf.paragraph("\n".join(lines))


def _safeguarding(pdf: Pdf, teacher: TeacherFile, review: Review, texts: dict[str, str]) -> None:
    pdf.heading(texts["safeguarding_heading"])
    slot = review.session_id.rpartition("-")[2]  # every conversation about this pupil
    alerts = [a for a in teacher.alerts if a.session_id.rpartition("-")[2] == slot]
    if not alerts:
        pdf.paragraph(texts["safeguarding_none"])
    for alert in alerts:
        script = alert.session_id.rpartition("-")[0]
        if alert.session_id == review.session_id:
            question = _label(texts, review.interview, alert.question_id)
        else:  # session 2 or the check-in: the question as the coach was told it
            question = texts["safeguarding_later"].format(
                conversation=texts.get(f"conversation_{script}", script),
                question=alert.question or "–",
            )
        line = texts["safeguarding_line"].format(
            kind=texts[f"safeguarding_{alert.kind}"],
            question=question,
            date=_when(alert.at, texts),
            quote=alert.quote,
        )
        seen = alert.acknowledged_at
        verdict = "safeguarding_no_concern" if alert.no_concern else "safeguarding_acknowledged"
        after = texts[verdict].format(date=_when(seen, texts)) if seen else ""
        pdf.paragraph(f"{line}\n{after or texts['safeguarding_open']}")


def _audit(pdf: Pdf, review: Review, lang: Language) -> None:
    texts = report_texts(lang)
    pdf.heading(texts["audit_heading"])
    if not review.audit:
        pdf.paragraph(texts["none"])
        return
    header = [texts[f"col_{key}"] for key in ("time", "action", "scale", "change")]
    rows = [_audit_row(texts, entry, lang) for entry in review.audit]
    pdf.table_of(AUDIT_COLUMNS, header, rows)


def _audit_row(texts: dict[str, str], entry: AuditEntry, lang: Language) -> list[str]:
    change = f"{entry.old} → {entry.new}" if entry.old is not None else ""
    action = texts.get(f"audit_{entry.action}", entry.action)
    return [_when(entry.at, texts), action, _scale_name(entry.scale, lang), change]


def _scale_name(scale_id: str, lang: Language) -> str:
    if scale_id == "overall":
        return report_texts(lang)["audit_overall"]
    try:
        return load_scales().get(scale_id).name[lang]
    except KeyError:
        return ""


def _interview(pdf: Pdf, texts: dict[str, str], review: Review) -> None:
    pdf.heading(texts["interview_heading"])
    if not review.interview:
        pdf.paragraph(texts["no_interview"], grey=True)
    _items(pdf, texts, review.interview)


def _items(pdf: Pdf, texts: dict[str, str], items: list[SessionItem]) -> None:
    """Each question (label and text) and every message of its answer, follow-ups included."""
    for item in items:
        pdf.paragraph(_label(texts, items, item.id), bold=True)
        pdf.paragraph(item.question, size=8.5, grey=True)
        if item.skipped:
            pdf.paragraph(texts["skipped"])
        for part in item.parts:
            if part.question:
                question = texts["followup_question"].format(question=part.question)
                pdf.paragraph(question, size=8.5, grey=True)
            pdf.paragraph(part.text)


def _teacher_answers(
    pdf: Pdf, teacher: TeacherFile, slot: str, texts: dict[str, str], titles: Mapping[str, str]
) -> None:
    """Session 2, then the check-in, of this pupil: with their questions when the coach's copy
    has them, else under the titles the caller passed."""
    sources = (
        (texts["plan_heading"], teacher.plans, teacher.plan_items),
        (texts["checkin_heading"], teacher.checkins, teacher.checkin_items),
    )
    for heading, answers, with_questions in sources:
        for session_id in answers.keys() | with_questions.keys():
            if _slot(session_id) != slot:
                continue
            pdf.heading(heading)
            if session_id in with_questions:
                _items(pdf, texts, [i for i in with_questions[session_id] if "#" not in i.id])
                _actions(pdf, texts, teacher, session_id)
                continue
            for item_id, text in answers[session_id].items():
                pdf.paragraph(titles.get(item_id, "–"), bold=True)
                pdf.paragraph(text)


def _actions(pdf: Pdf, texts: dict[str, str], teacher: TeacherFile, session_id: str) -> None:
    for action in teacher.checkin_actions.get(session_id, []):
        pdf.paragraph(texts["checkin_action"].format(action=action.action), bold=True)
        pdf.paragraph(action.answer or "–")
    if any(r.session_id == session_id for r in teacher.contact_requests):
        pdf.paragraph(texts["checkin_contact_yes"], bold=True)


def _comparison(pdf: Pdf, first: Review, second: Review, lang: Language) -> None:
    texts = report_texts(lang)
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    heading = texts["compare_heading"].format(first=first.pupil, second=second.pupil)
    pdf.multi_cell(0, 8, heading, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph(texts["compare_intro"])
    png = render_chart(
        first.adjusted(),
        pupil=f"{first.pupil} / {second.pupil}",
        lang=lang,
        date=max(first.received_at, second.received_at).date(),
        second=second.adjusted(),
        first_label=first.pupil,
        second_label=second.pupil,
    )
    pdf.image_centred(png, COMPARE_WIDTH)
    same, different = compare_profiles(first.scores, second.scores)
    for key, ids in (("compare_same", same), ("compare_different", different)):
        pdf.heading(texts[key])
        lines = [
            f"• {_scale_name(sid, lang)}: {first.scores[sid]} / {second.scores[sid]}" for sid in ids
        ]
        pdf.paragraph("\n".join(lines) or texts["none"])


def _find(review: Review, scale_id: str) -> ScaleScore | None:
    try:
        return review.draft.scale(scale_id)
    except KeyError:
        return None


def _slot(session_id: str) -> str:
    """'interview-2' -> '2': the pupil slot of a session id."""
    return session_id.rpartition("-")[2]


def _when(moment: datetime, texts: dict[str, str]) -> str:
    """A moment as a person reads it, in the schools' time zone: «5 december 2026, 09:40»."""
    local = moment.astimezone(ZONE) if moment.tzinfo else moment
    return texts["when"].format(date=long_date(local, texts["lang"]), time=f"{local:%H:%M}")
