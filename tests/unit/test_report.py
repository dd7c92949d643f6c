"""The coach's PDF export: structure, real text (decoded through the fonts' ToUnicode maps of an
uncompressed PDF), Dutch characters, and the comparison of two pupils."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.dialogues.transcript import script_titles
from bot.models.interview import ItemPart, SessionItem
from bot.models.profile import Draft, Evidence, ScaleScore, level_for
from bot.models.state import Alert, AuditEntry, Review, TeacherFile
from bot.render.pdf import clean
from bot.render.report import render_report
from bot.scoring.compare import compare_profiles
from bot.scoring.scales import load_scales

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
GENERATED = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
NOAH = {
    "secure_base": 4,
    "comfort": 4,
    "sensitive_discipline": 3,
    "perspective_taking": 2,
    "positive_feelings": 3,
    "negative_feelings": 6,
    "helplessness": 6,
    "goal_attainment": 2,
}
SARA = {
    "secure_base": 5,
    "comfort": 4,
    "sensitive_discipline": 3,
    "perspective_taking": 4,
    "positive_feelings": 6,
    "negative_feelings": 3,
    "helplessness": 5,
    "goal_attainment": 3,
}
QUOTES = {
    "secure_base": ("q08_comfort", "Soms komt hij ’s ochtends even naar mijn bureau."),
    "comfort": ("q04_upset", "Ik weet niet goed wat hij dan voelt."),
    "sensitive_discipline": ("q05_misbehave", "Ik moet hem de hele dag corrigeren."),
    "perspective_taking": ("q09_pupil_view", "Geen idee hoe hij mij ziet, eerlijk gezegd."),
    "positive_feelings": ("q06_joy", "Bij tekenen is hij “echt” trots, dat is leuk."),
    "negative_feelings": ("q07_pain", "Ik word er doodmoe van, elke dag weer. Ik ben geïrriteerd."),
    "helplessness": ("q10_helpless", "Wat ik ook probeer, niets werkt. Ik schiet tekort."),
    "goal_attainment": ("q12_goals", "Ik hoop dat het ooit beter wordt; ideeën heb ik niet."),
}


def _review(session_id: str, pupil: str, scores: dict[str, int], day: int) -> Review:
    scales = [
        ScaleScore(
            id=sid,
            score=score,
            level=level_for(score),
            confidence=0.3 if sid == "comfort" else 0.8,
            evidence=[
                Evidence(
                    question_id=QUOTES[sid][0],
                    quote=QUOTES[sid][1],
                    direction="contradicts" if sid == "comfort" else "supports",
                )
            ],
        )
        for sid, score in scores.items()
    ]
    at = T0 + timedelta(days=day)
    draft = Draft(
        scorer="rules", scales=scales, notes=["Te weinig houvast: comfort."], created_at=at
    )
    interview = [
        SessionItem(
            id=question,
            number=int(question[1:3]),
            title=f"Titel {question[1:3]}",
            question=f"De vraag {int(question[1:3])} over {pupil}?",
            parts=[
                ItemPart(text=f"Eerst iets anders. {quote}"),
                ItemPart(prompt="felt", question="Hoe voelde je je toen?", text="Moe."),
            ],
        )
        for question, quote in sorted(QUOTES.values())
    ]
    return Review(
        session_id=session_id,
        pupil=pupil,
        draft=draft,
        scores=dict(scores),
        received_at=at,
        interview=interview,
    )


def _teacher(two: bool = False) -> TeacherFile:
    first = _review("interview-1", "Noah", NOAH, 0)
    first.scores["perspective_taking"] = 3
    first.notes = {
        "perspective_taking": "Bij q04 noemt ze wél wat hij voelde: één punt erbij.",
        "overall": "Een eerlijk, open gesprek; de uitputting valt op.",
    }
    first.audit = [
        AuditEntry(
            at=T0 + timedelta(hours=2), action="score", scale="perspective_taking", old=2, new=3
        ),
        AuditEntry(at=T0 + timedelta(hours=2), action="note", scale="perspective_taking"),
        AuditEntry(at=T0 + timedelta(hours=3), action="note", scale="overall"),
        AuditEntry(at=T0 + timedelta(hours=4), action="release"),
    ]
    first.status, first.released_at = "released", T0 + timedelta(hours=4)
    teacher = TeacherFile(teacher_id=42, name="Jan de Vries", linked_at=T0)
    teacher.reviews["interview-1"] = first
    teacher.plans["reflection-1"] = {
        "r01_recognise": "Ja, vooral het «tekortschieten» herken ik.",
        "p02_actions": "1. Elke ochtend één compliment.\n2. Noah’s plek aanpassen.",
        "x99_extra": "Een antwoord zonder titel.",
    }
    teacher.checkins["checkin-1"] = {"c03_three_words": "rustiger, hoopvol, moe"}
    teacher.alerts.append(
        Alert(
            kind="teacher_distress",
            session_id="interview-1",
            question_id="q07_pain",
            quote="Ik word er doodmoe van, elke dag weer.",
            at=T0,
            acknowledged_at=T0 + timedelta(hours=1),
        )
    )
    teacher.alerts.append(
        Alert(
            kind="child_at_risk",
            session_id="checkin-1",
            question_id="c02_noticed",
            question="vraag 2 · Wat opviel",
            quote="Hij had weer een blauwe plek 🙏, op zijn rug.",
            at=T0 + timedelta(days=8),
            acknowledged_at=T0 + timedelta(days=8, hours=2),
            no_concern=True,
        )
    )
    if two:
        teacher.reviews["interview-2"] = _review("interview-2", "Sara", SARA, 10)
    return teacher


def _fonts(data: bytes) -> dict[bytes, dict[bytes, str]]:
    """Font resource name -> its ToUnicode map (2-byte code -> text)."""
    objects = {
        int(m[1]): m[2] for m in re.finditer(rb"(?m)^(\d+) 0 obj\n(.*?)\nendobj", data, re.S)
    }
    fonts: dict[bytes, dict[bytes, str]] = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)])
        assert cmap_ref is not None
        pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4,})>", objects[int(cmap_ref[1])])
        fonts[name] = {
            bytes.fromhex(c.decode()): bytes.fromhex(u.decode()).decode("utf-16-be")
            for c, u in pairs
        }
    return fonts


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match[1]
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def _text(data: bytes) -> str:
    """The text shown on the pages, all whitespace (wrapped lines too) as single spaces; needs
    an uncompressed PDF."""
    fonts = _fonts(data)
    lines, cmap = [], {}
    op = re.compile(
        rb"/(F\d+) [\d.]+ Tf|\[((?:\((?:\\.|[^\\)])*\)|[^\]])*)\] TJ|"
        rb"\(((?:\\.|[^\\)])*)\) Tj",
        re.S,
    )
    for match in op.finditer(data):
        if match[1]:
            cmap = fonts[match[1]]
            continue
        pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\)", match[2], re.S) if match[2] else [match[3]]
        words = []
        for piece in pieces:
            raw = _unescape(piece)
            words.append("".join(cmap.get(raw[i : i + 2], "?") for i in range(0, len(raw), 2)))
        lines.append(" ".join(words))
    return " ".join(" ".join(lines).split())


def _pages(data: bytes) -> int:
    found = re.search(rb"/Count (\d+)", data)
    assert found is not None
    return int(found[1])


def test_one_review_in_dutch_has_every_part(caplog: pytest.LogCaptureFixture) -> None:
    teacher = _teacher()
    teacher.checkins["checkin-1"]["c02_noticed"] = "Hij lachte\tweer.\x07"
    titles = script_titles("nl")
    data = render_report(teacher, "nl", generated=GENERATED, compress=False, titles=titles)
    assert "missing" not in caplog.text  # every character has a glyph in DejaVu Sans
    assert data.startswith(b"%PDF")
    assert 3 <= _pages(data) <= 6
    text = _text(data)
    for expected in (
        "Jan de Vries over Noah",
        "Gemaakt op 20 november 2026, 17:05",
        "Vertrouwelijk",
        "Veilige basis",
        "Gevoelens van tekortschieten · risico",
        "Inleven en perspectief nemen",
        "«Wat ik ook probeer, niets werkt.",
        "ondersteunt; Vraag 10 · Titel 10",
        "spreekt tegen; Vraag 04 · Titel 04".replace("04 ·", "4 ·"),
        "weinig bewijs",
        "Veiligheid",
        "Mogelijk een leerkracht in acute nood, Vraag 7 · Titel 07",
        "Door de coach gezien op 2 november 2026, 11:30",
        "terugblik na een week, vraag 2 · Wat opviel",  # not only session 1's alerts
        "Hij had weer een blauwe plek [person with folded hands], op zijn rug.",  # no emoji lost
        ": geen reden tot zorg.",
        "op zijn rug.» Door de coach gelezen",  # the line break kept (it was lost with the emoji)
        "Het hele interview",
        "Vraag 10 · Titel 10 De vraag 10 over Noah?",
        "Doorvraag: Hoe voelde je je toen? Moe.",
        "’s ochtends",
        "“echt”",
        "geïrriteerd",
        "één punt erbij",
        "Een eerlijk, open gesprek",
        "Vrijgegeven aan de leerkracht op 2 november 2026, 14:30",
        "2 → 3",
        "algemene notitie",
        "Reflectie en actieplan",
        "Zichzelf herkennen",  # the coach reads neutral headings, not «Jezelf herkennen»
        "Terugblik na een week",
        "Drie woorden nu",
        "rustiger, hoopvol, moe",
        "Wat opviel Hij lachte weer.",
        "vertrouwelijk · pagina 1 van",
    ):
        assert expected in text, expected
    assert "Vergelijking" not in text
    assert "Wat je merkte" not in text and "Jezelf herkennen" not in text
    assert not re.search(r"\b[qrpc]\d\d_[a-z_]+", text)  # no raw question id anywhere
    assert "x99_extra" not in text and "rules" not in text


def test_two_reviews_end_with_a_comparison_in_english() -> None:
    teacher = _teacher(two=True)
    data = render_report(
        teacher, "en", generated=GENERATED, compress=False, titles=script_titles("en")
    )
    assert 6 <= _pages(data) <= 12
    text = _text(data)
    assert text.count("Jan de Vries about") == 2
    assert text.index("Jan de Vries about Noah") < text.index("Jan de Vries about Sara")
    assert "Comparison: Noah and Sara" in text
    assert "likely the teacher's pattern" in text
    assert "likely the match with this pupil" in text
    assert "Positive feelings: 3 / 6" in text
    assert "Not released yet" in text
    assert text.count("Self-recognition") == 1  # the plan shows under Noah only


def test_compressed_report_is_smaller_and_a_teacher_without_reviews_still_renders() -> None:
    teacher = _teacher()
    assert len(render_report(teacher, "en", generated=GENERATED)) < len(
        render_report(teacher, "en", generated=GENERATED, compress=False)
    )
    empty = TeacherFile(teacher_id=7, name="Els", linked_at=T0)
    data = render_report(empty, "nl", generated=GENERATED, compress=False)
    assert _pages(data) == 1
    assert "Er is nog geen profiel" in _text(data)


def test_compare_profiles_splits_in_scale_order() -> None:
    same, different = compare_profiles(NOAH, SARA)
    assert same == [
        "secure_base",
        "comfort",
        "sensitive_discipline",
        "helplessness",
        "goal_attainment",
    ]
    assert different == ["perspective_taking", "positive_feelings", "negative_feelings"]
    assert set(same) | set(different) == set(load_scales().ids)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ({"comfort": 4}, {"comfort": 5}, (["comfort"], [])),
        ({"comfort": 4}, {"comfort": 6}, ([], ["comfort"])),
        ({"comfort": 4, "helplessness": 2}, {"comfort": 4}, (["comfort"], [])),
        ({}, {}, ([], [])),
    ],
)
def test_compare_profiles_edges(
    first: dict[str, int], second: dict[str, int], expected: tuple[list[str], list[str]]
) -> None:
    assert compare_profiles(first, second) == expected


def test_typed_text_keeps_its_line_breaks_and_names_what_the_font_cannot_draw() -> None:
    """The emoji naming had dropped every line break: «4gemiddeld», «rug.»Door»."""
    assert clean("1. Elke ochtend.\n2. Plek 🙏\tnu") == (
        "1. Elke ochtend.\n2. Plek [person with folded hands] nu"
    )
