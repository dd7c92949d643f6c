"""Issue 11, item 2: a pseudonym like `$\\frac$` broke every chart and report of its teacher,
and the failing jobs were retried forever.

Typed text reaches matplotlib and fpdf2 as plain text; a job that fails the same way twice is
parked (a record an operator lists with `llinc jobs failed`, a log line, a metric) and its user
is told, kindly, in the same atomic step.
"""

from __future__ import annotations

import datetime

import matplotlib
import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.report import render_report
from bot.scoring.chart import render_chart
from bot.store import Store
from bot.wiring import build_service
from tests import test_coaching as coaching_tests
from tests.answers import ANSWERS
from tests.hub import Hub, HubUser
from tests.test_report import GENERATED, _teacher, _text

MATH = "$\\frac$"
EN = load_texts("en")
COACH, TEACHER = coaching_tests.COACH, coaching_tests.TEACHER


# -- typed text is drawn and printed as typed -------------------------------------------------


@pytest.mark.parametrize("pupil", [MATH, "$$", "a $x^2$ b", "_Sam", "\\$"])
def test_a_chart_draws_any_pseudonym_as_plain_text(pupil: str) -> None:
    draft = _teacher().reviews["interview-1"].draft
    with matplotlib.rc_context({"text.usetex": True}):  # even a deployment's rc asking for TeX
        png = render_chart(draft, pupil=pupil, lang="nl", date=datetime.date(2026, 1, 5),
                           second=draft, first_label=pupil, second_label=MATH)  # fmt: skip
    assert png.startswith(b"\x89PNG")


def test_the_report_prints_typed_text_as_typed() -> None:
    teacher = _teacher(two=True)
    teacher.name = "Jan {nb} {n} **vet**"
    review = teacher.reviews["interview-1"]
    review.pupil = MATH
    review.notes["overall"] = "<b>niet vet</b> __ook niet__ {nb} $x$"
    data = render_report(teacher, "nl", generated=GENERATED, compress=False)
    text = _text(data)
    assert f"Jan {{nb}} {{n}} **vet** over {MATH}" in text
    assert "<b>niet vet</b> __ook niet__ {nb} $x$" in text
    assert f"Vergelijking: {MATH} en Sara" in text
    pages = text.count("vertrouwelijk · pagina")
    assert pages >= 6
    assert f"Jan {{nb}} {{n}} **vet** · vertrouwelijk · pagina 1 van {pages}" in text


# -- on the hub: the pseudonym, and a job that keeps failing ------------------------------------


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(coaching_tests.ADMIN)
    return Hub(build_service(store, settings))


async def linked(hub: Hub, pupil: str = "Sam") -> tuple[HubUser, HubUser]:
    coach = await coaching_tests.make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await coaching_tests.invite(coach))
    await teacher.press("Yes, let's begin")
    for answer in [pupil, *ANSWERS["en"][1:]]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    return coach, teacher


async def test_a_pseudonym_with_dollars_gets_its_chart_and_report(hub: Hub) -> None:
    coach, _ = await linked(hub, MATH)
    assert EN.get("coach_draft_ready", teacher="Tessa", pupil=MATH) in coach.new()
    assert [m for m in coach.inbox if m.photo and m.photo.startswith(b"\x89PNG")]
    await coach.command("export")
    said = await coach.press("Tessa")
    assert EN.get("export_caption", teacher="Tessa") in said
    assert [m for m in coach.inbox if m.document and m.document.content.startswith(b"%PDF")]
