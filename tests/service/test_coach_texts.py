"""Issue 14.6 and issue 13: what a coach reads in chat and in the PDF names questions by their
short titles, gives the draft's confidence in words and each quote's direction, and shows no
raw id or scorer jargon. The whole loop on the real Redis, in Dutch and English."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.render.report import render_report
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, COACH, TEACHER
from tests.support.answers import ANSWERS
from tests.support.hub import Hub
from tests.unit.test_report import _text as pdf_text

RAW = re.compile(
    r"\b[qrc]\d{2}_[a-z_]+|#\d|\b\d\.\d\d?\b|-scorer| scorer\)|\brules\b|\(s\)|\(en\)"
    r"|zekerheid \d|confidence \d|\b0 (uur|hours)\b"
)


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_no_raw_ids_or_jargon_for_the_coach(
    store: Store, settings: Settings, lang: str
) -> None:
    texts = load_texts(lang)  # type: ignore[arg-type]
    settings.admin_ids = str(ADMIN)
    hub = Hub(build_service(store, settings))
    await hub.user(ADMIN, lang=lang).command("addcoach", str(COACH))
    coach = hub.user(COACH, lang=lang, name="Carla")
    await coach.command("start")
    said = await coach.command("invite")
    code = re.search(r"/start (\S+)", said).group(1)  # type: ignore[union-attr]
    teacher = hub.user(TEACHER, lang=lang, name="Tessa")
    await teacher.command("start", code)
    await teacher.press(texts.get("consent_yes"))
    for answer in ANSWERS[lang]:
        await teacher.text(answer)
    await teacher.press(texts.get("submit"))
    chat = [coach.new(), await coach.command("queue")]
    assert texts.get("age_new") in chat[-1]
    for label in [b.label for b in coach.buttons()]:
        if label.startswith(texts.get("open_button", n=1)):
            chat.append(await coach.press(label))
    scales = [b.label for b in coach.buttons() if ":" in b.label]
    for label in scales:
        chat.append(await coach.press(label))
        await coach.press(texts.get("back_button"))
    chat.append(await coach.press(texts.get("release_button")))
    chat.append(await coach.press(texts.get("release_yes")))
    await teacher.press(texts.get("profile_read_button"))
    for n in range(1, 8):
        await teacher.text(f"{n}: {ANSWERS[lang][n]}")
    await teacher.text(ANSWERS[lang][1])
    await teacher.press(teacher.buttons()[0].label)  # Done: the plan has its one action
    await teacher.text(ANSWERS[lang][2])
    await teacher.press(texts.get("submit"))
    chat.append(coach.new())
    chat.append(await coach.command("export"))
    said = "\n".join(chat)
    assert not RAW.findall(said), RAW.findall(said)
    words = {texts.get(f"confidence_{w}") for w in ("high", "medium", "low")}
    assert any(w in said for w in words)
    directions = {texts.get("quote_supports"), texts.get("quote_contradicts")}
    assert any(d in said for d in directions)
    assert texts.get("question_label", n=1, title="").strip() in said
    state = await store.load(COACH)
    assert state is not None
    report = render_report(
        state.coaching[str(TEACHER)],
        lang,
        generated=datetime.now(UTC),
        compress=False,  # type: ignore[arg-type]
    )
    printed = pdf_text(report)
    assert "Tessa" in printed
    assert not RAW.findall(printed), RAW.findall(printed)
