"""The coach's workspace in a real browser (Debian's chromium through Playwright), with the real
bot process, the fake Bot API and Redis: a coach opens the Mini App with initData signed as
Telegram signs it, reads the whole interview, changes a score, adds a note and releases; the
teacher's chat receives the profile; reopen and release again; a forged initData and another
coach are refused. Screenshots of each page go to docs/workspace/ (phone and laptop width)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from redis.asyncio import Redis

from bot.dialogues.script import load_texts
from tests.e2e.test_coaching import until
from tests.support.answers import ANSWERS, PROBE_ANSWER
from tests.support.browser import LAPTOP, PHONE, chromium, need_browser, shoot
from tests.support.e2e import TOKEN, BotProcess, Teacher, answer_until_review
from tests.support.fake_telegram import FakeTelegram
from tests.support.workspace import init_data

pytestmark = pytest.mark.timeout(300)
ADMIN, COACH, OTHER_COACH, TEACHER = 7101, 7102, 7104, 7103
EN = load_texts("en")
PUBLIC = "https://coach.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_coach_reviews_releases_and_reopens_in_the_browser(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    need_browser()
    port = free_port()
    env = {
        "ADMIN_IDS": str(ADMIN),
        "WEB_LISTEN": f"127.0.0.1:{port}",
        "WEB_PUBLIC_URL": PUBLIC,
    }
    bot = BotProcess(tg, redis_url, tmp_path / "data", tmp_path / "bot.log", extra_env=env)
    bot.start()
    try:
        coach, teacher = await interviewed(tg)
        await in_the_browser(f"http://127.0.0.1:{port}", tg, coach, teacher)
    finally:
        code = await bot.stop()
    log = bot.log_text()
    assert code == 0, log
    assert TOKEN not in log and "tgWebAppData" not in log and "hash=" not in log
    for answer in ANSWERS["en"]:
        assert answer[:40] not in log


async def interviewed(tg: FakeTelegram) -> tuple[Teacher, Teacher]:
    admin = Teacher(tg, ADMIN, language_code="en")
    coach = Teacher(tg, COACH, language_code="en")
    teacher = Teacher(tg, TEACHER, language_code="en")
    await admin.say(f"/addcoach {COACH}")
    await admin.say(f"/addcoach {OTHER_COACH}")
    await tg.wait_for_sent(COACH, 1)
    await tg.wait_for_sent(OTHER_COACH, 1)
    said = await coach.say("/invite")
    code = said.split("?start=")[1].split()[0]
    await teacher.say(f"/start {code}")
    await teacher.press(EN.get("consent_yes"))
    answers = list(ANSWERS["en"])
    answers[6] = "Sam cried in the corridor yesterday."  # a thin answer: a follow-up comes
    await answer_until_review(teacher, "en", answers)
    await teacher.press(EN.get("submit"))
    await coach.wait_for_button(EN.get("release_button"), timeout=30)
    ready = next(m for m in coach.messages() if "A new draft profile" in (m.text or ""))
    [(label, url)] = tg.web_apps(ready)
    assert (label, url) == (
        EN.get("web_open_review"),
        f"{PUBLIC}/app?to=/review/{TEACHER}/interview-1",
    )
    await coach.say("/queue")
    queue = next(m for m in reversed(coach.messages()) if tg.web_apps(m))
    assert tg.web_apps(queue) == [(EN.get("web_open_queue"), f"{PUBLIC}/app?to=/queue")]
    teacher.sent_texts.append(PROBE_ANSWER["en"])
    return coach, teacher


def mini_app(base: str, user_id: int, to: str, **kw: str) -> str:
    """The address Telegram opens: the button's URL with the signed initData after '#'."""
    return (
        f"{base}/app?to={to}#tgWebAppData={quote(init_data(user_id, token=kw.get('token', TOKEN)))}"
    )


async def in_the_browser(base: str, tg: FakeTelegram, coach: Teacher, teacher: Teacher) -> None:
    review_path = f"/review/{TEACHER}/interview-1"
    async with chromium() as browser:
        phone = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
        page = await phone.new_page()
        await page.goto(mini_app(base, COACH, review_path))
        await page.wait_for_url(f"{base}{review_path}")
        await shoot(page, "review-phone")
        transcript = await page.inner_text("#interview")
        for text in teacher.sent_texts[1:]:  # every answer (after the invitation), in full
            if not text.startswith("/"):
                assert " ".join(text.split()) in " ".join(transcript.split()), text
        assert "Question 4 · When Sam was upset" in transcript
        assert await page.locator("#interview mark").count() > 0  # the evidence, marked
        body = await page.inner_text("body")
        assert "q0" not in body and "rules" not in body.lower() and "0 hours" not in body

        laptop = await browser.new_context(viewport=LAPTOP)
        desk = await laptop.new_page()
        await desk.goto(mini_app(base, COACH, "/queue"))
        await desk.wait_for_url(f"{base}/queue")
        await shoot(desk, "queue-laptop")
        await desk.goto(base + review_path)
        scale = desk.locator("#scale-comfort")
        before = int(await scale.locator("select").input_value())
        wanted = 2 if before > 3 else 6
        async with desk.expect_navigation():
            await scale.locator("select").select_option(str(wanted))  # submits itself
        await scale.locator("textarea").fill("Ask about the corridor moment.")
        await submit(desk, scale.get_by_role("button", name="Save note"))
        assert await scale.locator("textarea").input_value() == "Ask about the corridor moment."
        assert "changed" in await scale.inner_text()
        await shoot(desk, "review-laptop")
        before_release = len(teacher.messages())
        await desk.get_by_label("I want to give this profile to the teacher now").check()
        await submit(desk, desk.get_by_role("button", name="Release to the teacher"))
        await until(
            lambda: any(
                "corridor moment" in (m.text or "") for m in teacher.messages()[before_release:]
            )
        )
        assert "Released to the teacher" in await desk.inner_text("body")

        # reopen: a new version; the teacher hears what changed
        await submit(desk, desk.get_by_role("button", name="Reopen for changes"))
        higher = desk.locator("#scale-secure_base").get_by_role(
            "button", name="Raise Secure base by one"
        )
        lower = desk.locator("#scale-secure_base").get_by_role(
            "button", name="Lower Secure base by one"
        )
        await submit(desk, higher if await higher.is_enabled() else lower)
        await desk.get_by_label("I want to give this profile to the teacher now").check()
        await submit(desk, desk.get_by_role("button", name="Release version 2 to the teacher"))
        intro = EN.get("profile_updated_intro", pupil="Sam")
        await until(lambda: any(intro in (m.text or "") for m in teacher.messages()))
        await desk.goto(f"{base}/teacher/{TEACHER}")
        page_text = await desk.inner_text("body")
        assert "Profile reopened for changes (Sam)" in page_text
        assert "released (version 1)" in page_text and "released (version 2)" in page_text
        await shoot(desk, "teacher-laptop")
        await page.goto(f"{base}/queue")
        await shoot(page, "queue-phone")

        # a forged initData, and another coach, are refused
        stranger = await (await browser.new_context(viewport=PHONE)).new_page()
        await stranger.goto(mini_app(base, COACH, "/queue", token="123456:forged"))
        await stranger.wait_for_selector(".notice")
        assert web_text("mini_app_failed") in await stranger.inner_text("body")
        await shoot(stranger, "signin-refused-phone")
        other = await (await browser.new_context(viewport=LAPTOP)).new_page()
        await other.goto(mini_app(base, OTHER_COACH, "/queue"))
        await other.wait_for_url(f"{base}/queue")
        answer = await other.goto(base + review_path)
        assert answer is not None and answer.status == 403
        assert web_text("forbidden") in await other.inner_text("body")
        await shoot(other, "forbidden-laptop")


async def submit(page: Any, button: Any) -> None:
    """Press a form's button and wait for the page the server answers with."""
    async with page.expect_navigation():
        await button.click()


def web_text(key: str) -> str:
    from bot.channels.web.texts import web_texts

    return web_texts("en")(key)
