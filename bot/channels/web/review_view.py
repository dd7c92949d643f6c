"""What the review page shows of one profile: every scale with the draft's and the coach's
score, confidence in words, the quotes behind it (supporting or speaking against), and the whole
interview with those quotes marked where the teacher said them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.channels.web import words
from bot.channels.web.texts import WebTexts
from bot.models.interview import SessionItem
from bot.models.profile import Evidence
from bot.models.state import Alert, AuditEntry, Review, TeacherFile
from bot.scoring.scales import load_scales


@dataclass
class Mark:
    """A quote marked in the transcript: which scales it is evidence for, and which way."""

    anchor: str
    direction: str
    title: str


@dataclass
class Segment:
    text: str
    mark: Mark | None = None


@dataclass
class Part:
    question: str
    segments: list[Segment]


@dataclass
class Item:
    label: str
    question: str
    parts: list[Part]
    skipped: bool


@dataclass
class Quote:
    text: str
    direction: str
    direction_label: str
    question: str
    anchor: str


@dataclass
class ScaleRow:
    id: str
    name: str
    group: str
    risk: bool
    draft: int
    draft_level: str
    score: int
    level: str
    changed: bool
    confidence_words: str
    confidence: str
    note: str
    quotes: list[Quote] = field(default_factory=list)


def alert_key(alert: Alert) -> str:
    """How an alert heads the review: urgent until the coach has seen it, then with the
    coach's verdict (acting on it, or no cause for concern)."""
    if alert.acknowledged_at is None:
        return "review_alert"
    return "review_alert_no_concern" if alert.no_concern else "review_alert_seen"


def scale_rows(t: WebTexts, review: Review) -> list[ScaleRow]:
    """One row per scale of the draft, in the scales' own order."""
    rows = []
    for definition in load_scales().scales:
        try:
            draft = review.draft.scale(definition.id)
        except KeyError:
            continue
        score = review.scores.get(definition.id, draft.score)
        rows.append(
            ScaleRow(
                id=definition.id,
                name=definition.name[t.lang],
                group=definition.group,
                risk=definition.direction == "risk",
                draft=draft.score,
                draft_level=words.level(t, draft.score),
                score=score,
                level=words.level(t, score),
                changed=score != draft.score,
                confidence_words=words.confidence(t, draft.confidence),
                confidence=f"{draft.confidence:.2f}",
                note=review.notes.get(definition.id, ""),
                quotes=[
                    _quote(t, review.interview, definition.id, n, e)
                    for n, e in enumerate(draft.evidence)
                ],
            )
        )
    return rows


def _quote(t: WebTexts, items: list[SessionItem], scale: str, n: int, e: Evidence) -> Quote:
    return Quote(
        text=e.quote,
        direction=e.direction,
        direction_label=t(e.direction),
        question=words.label_of(t, items, e.question_id),
        anchor=f"q-{scale}-{n}",
    )


def transcript(t: WebTexts, review: Review) -> list[Item]:
    """The interview in order, each quote of the draft marked where it was said (in the part
    it came from when it is there, else in the first part of that answer that holds it)."""
    found = _evidence_by_question(review)
    items = []
    for item in review.interview:
        pending = found.get(item.id, [])
        placed: dict[int, list[Found]] = {}
        for part in sorted(item.parts, key=lambda p: p.prompt != "main"):
            mine = [f for f in pending if f[4] == part.prompt] + [
                f for f in pending if f[4] != part.prompt
            ]
            hits = [f for f in mine if f[0] and f[0] in part.text]
            placed[id(part)] = hits
            pending = [f for f in pending if f not in hits]
        parts = []
        for part in item.parts:
            question = t("followup_question", question=part.question) if part.question else ""
            segments = _segments(t, part.text, placed.get(id(part), []))
            parts.append(Part(question=question, segments=segments))
        items.append(
            Item(
                label=words.question(t, item),
                question=item.question,
                parts=parts,
                skipped=item.skipped,
            )
        )
    return items


Found = tuple[str, str, str, str, str]  # quote, direction, scale id, anchor, prompt


def _evidence_by_question(review: Review) -> dict[str, list[Found]]:
    found: dict[str, list[Found]] = {}
    for scale in review.draft.scales:
        for n, e in enumerate(scale.evidence):
            entry = (e.quote, e.direction, scale.id, f"q-{scale.id}-{n}", e.prompt)
            found.setdefault(e.question_id, []).append(entry)
    return found


def _segments(t: WebTexts, text: str, marks: list[Found]) -> list[Segment]:
    """The text cut around each quote found in it (the first place it occurs; overlapping
    quotes: the earlier one wins, and the later one's scales join its title)."""
    spans: list[tuple[int, int, list[Found]]] = []
    for found in marks:
        start = text.find(found[0])
        if start < 0 or not found[0]:
            continue
        end = start + len(found[0])
        overlap = next((s for s in spans if s[0] < end and start < s[1]), None)
        if overlap is not None:
            overlap[2].append(found)
            continue
        spans.append((start, end, [found]))
    segments, at = [], 0
    for start, end, group in sorted(spans):
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(Segment(text[start:end], _mark(t, group)))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def _mark(t: WebTexts, group: list[Found]) -> Mark:
    titles = [
        t("mark_title", scale=words.scale_name(t, scale), direction=t(direction))
        for _, direction, scale, _, _ in group
    ]
    directions = {direction for _, direction, _, _, _ in group}
    direction = directions.pop() if len(directions) == 1 else "mixed"
    return Mark(anchor=group[0][3], direction=direction, title="; ".join(titles))


@dataclass
class AuditLine:
    when: str
    text: str


def audit_lines(t: WebTexts, teacher: TeacherFile) -> list[AuditLine]:
    """Every review's audit trail, newest first, in words."""
    entries: list[tuple[datetime, str, AuditEntry]] = [
        (entry.at, review.pupil, entry)
        for review in teacher.reviews.values()
        for entry in review.audit
    ]
    entries.sort(key=lambda e: e[0], reverse=True)
    return [
        AuditLine(words.date(t, at), t("audit_line", pupil=pupil, action=audit_action(t, entry)))
        for at, pupil, entry in entries
    ]


def audit_action(t: WebTexts, entry: AuditEntry) -> str:
    """One audit entry in words ('score of Comfort: 4 → 5', 'released (version 2)')."""
    scale = words.scale_name(t, entry.scale)
    if entry.action == "score":
        return t("audit_score", scale=scale, old=entry.old, new=entry.new)
    if entry.action == "note":
        return t("audit_note_overall") if entry.scale == "overall" else t("audit_note", scale=scale)
    if entry.action in ("release", "reopen"):
        return t(f"audit_{entry.action}", version=entry.new or 1)
    return t("audit_export")
