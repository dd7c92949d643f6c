"""The workspace in Dutch, in a real browser, on the real service and Redis: a queue with an
urgent alert and a contact request, session 2 and the check-in against each action, the second
pupil's comparison, the PDF. Screenshots of each page go to docs/workspace/."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from bot.channels.web.texts import web_texts
from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, COACH, TEACHER, invite
from tests.service.test_followup import Clock
from tests.support.answers import ANSWERS
from tests.support.browser import LAPTOP, PHONE, chromium, need_browser, shoot
from tests.support.hub import Hub, HubUser
from tests.support.workspace import init_data, served

NL, WEB = load_texts("nl"), web_texts("nl")
DISCLOSURE = "Hij zei vorige week dat hij bang is om naar huis te gaan, omdat zijn vader hem slaat."


@pytest.fixture
def clock() -> Clock:
    from datetime import UTC, datetime

    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def hub(store: Store, settings: Settings, clock: Clock) -> Hub:
    settings.admin_ids = str(ADMIN)
    return Hub(build_service(store, settings, clock=clock))


async def interview(teacher: HubUser, pupil: str, disclosure: bool = False) -> None:
    answers = [pupil, *ANSWERS["nl"][1:]]
    if disclosure:
        answers[9] = DISCLOSURE  # q07: what is hardest
    for answer in answers:
        await teacher.text(answer)
    await teacher.press(NL.get("submit"))


async def the_whole_loop(hub: Hub, clock: Clock) -> tuple[HubUser, HubUser]:
    """Interview (with a disclosure), release, session 2, check-in asking for contact, and a
    second pupil's interview: everything the workspace shows."""
    await hub.user(ADMIN, lang="nl").command("addcoach", str(COACH))
    coach = hub.user(COACH, lang="nl", name="Carla")
    teacher = hub.user(TEACHER, lang="nl", name="Tessa")
    await teacher.command("start", await invite(coach))
    await teacher.press(NL.get("consent_yes"))
    await interview(teacher, "Noor", disclosure=True)
    await coach.press(NL.get("release_button"))
    await coach.press(NL.get("release_yes"))
    await teacher.press(NL.get("profile_read_button"))
    for n in range(1, 8):
        await teacher.text(f"Reflectie {n}: ik zie beter wat Noor van mij nodig heeft.")
    await teacher.text("Noor elke ochtend bij de deur begroeten")
    await teacher.text("Twee keer per dag zeggen wat Noor goed doet")
    await teacher.press(
        NL.get("list_done_button") if "list_done_button" in NL.messages else "Klaar"
    )
    await teacher.text("Ik word rustiger, en Noor komt vaker naar me toe.")
    await teacher.press(NL.get("submit"))
    await teacher.press(NL.get("second_pupil_button"))
    await interview(teacher, "Mats")
    clock.now += timedelta(days=7, hours=1)
    await hub.settle()
    for answer in (
        "Ja, bijna elke dag.",
        "Soms vergeten.",
        "Ik was rustiger.",
        "Rustig, hoopvol, dichterbij",
        "Doorgaan met begroeten.",
    ):
        await teacher.text(answer)
    await teacher.press(NL.get("choice_yes"))
    await teacher.press(NL.get("submit"))
    return coach, teacher


async def test_every_page_in_dutch_in_the_browser(hub: Hub, clock: Clock, store: Store) -> None:
    need_browser()
    await the_whole_loop(hub, clock)
    state = await store.load(COACH)
    assert state is not None and len(state.coaching[str(TEACHER)].reviews) == 2
    async with served(hub.service) as base, chromium() as browser:
        phone = await (await browser.new_context(viewport=PHONE, is_mobile=True)).new_page()
        signed = quote(init_data(COACH, now=clock.now.timestamp()))
        await phone.goto(f"{base}/app?to=/queue#tgWebAppData={signed}")
        await phone.wait_for_url(f"{base}/queue")
        queue = await phone.inner_text("main")
        assert WEB("queue_alert_child_at_risk") in queue and DISCLOSURE in queue
        assert queue.index(WEB("queue_alerts")) < queue.index(WEB("queue_contacts"))
        assert "Tessa" in queue and "Noor" in queue and "Mats" in queue
        assert "0 uur" not in queue and "Tessa over Mats wacht 7 dagen" in queue
        await shoot(phone, "queue-alert-phone")
        laptop = await (await browser.new_context(viewport=LAPTOP)).new_page()
        signed = quote(init_data(COACH, now=clock.now.timestamp(), age_s=9))  # another opening
        await laptop.goto(f"{base}/app?to=/teacher/{TEACHER}/followup/1#tgWebAppData={signed}")
        await laptop.wait_for_url(f"{base}/teacher/{TEACHER}/followup/1")
        followup = await laptop.inner_text("main")
        assert WEB("checkin_action", action="Noor elke ochtend bij de deur begroeten") in followup
        assert "Ja, bijna elke dag." in followup and WEB("checkin_contact_yes") in followup
        assert "Reflectie 1" in followup
        await shoot(laptop, "followup-laptop")
        await laptop.goto(f"{base}/teacher/{TEACHER}/compare")
        compare = await laptop.inner_text("main")
        assert WEB("compare_title", first="Noor", second="Mats") in compare
        assert await laptop.locator("img.chart").evaluate("i => i.naturalWidth") > 0
        await shoot(laptop, "compare-laptop")
        await laptop.goto(f"{base}/review/{TEACHER}/interview-1")
        review = await laptop.inner_text("body")
        assert "Vraag 7 · " in review and DISCLOSURE in review
        assert "Dringend, veiligheid, bij Vraag 7" in review
        await shoot(laptop, "review-nl-laptop", full=False)
        await laptop.goto(f"{base}/queue")
        assert await laptop.get_by_role("button", name=WEB("acknowledge")).count() == 1
        async with laptop.expect_navigation():  # read, and no cause for concern
            await laptop.get_by_role("button", name=WEB("no_concern")).click()
        assert WEB("queue_alerts") not in await laptop.inner_text("main")
        async with laptop.expect_navigation():
            await laptop.get_by_role("button", name=WEB("contact_done")).click()
        assert WEB("queue_contacts") not in await laptop.inner_text("main")
        await shoot(laptop, "queue-nl-laptop")
        await laptop.goto(f"{base}/review/{TEACHER}/interview-1")
        review = await laptop.inner_text("body")
        assert "zonder reden tot zorg, bij Vraag 7" in review and "Dringend" not in review
    state = await store.load(COACH)
    assert state is not None
    teacher_file = state.coaching[str(TEACHER)]
    assert all(a.acknowledged_at is not None and a.no_concern for a in teacher_file.alerts)
    assert all(r.done_at is not None for r in teacher_file.contact_requests)
