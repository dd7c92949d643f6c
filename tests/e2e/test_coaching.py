"""The whole LLInC loop over HTTP: two Telegram users (teacher and coach), the real bot
process, a restart between every phase, and the clock moved a week for the check-in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.dialogues.script import load_texts
from tests.support.answers import ANSWERS
from tests.support.e2e import BotProcess, Teacher, answer_until_review, stored
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(300)
ADMIN, COACH, TEACHER = 7001, 7002, 7003
EN = load_texts("en")
WEEK_S = 8 * 24 * 3600


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def restart(bot: BotProcess, *, kill: bool = False, **env: str) -> None:
    if kill:
        bot.kill()
    else:
        assert await bot.stop() == 0, bot.log_text()
    bot.extra_env.update(env)
    bot.start()


async def test_invite_interview_review_release_plan_and_check_in(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(
        tg, redis_url, tmp_path / "data", tmp_path / "bot.log", extra_env={"ADMIN_IDS": str(ADMIN)}
    ).start()
    try:
        await run_the_loop(tg, bot, redis)
    finally:
        if bot.process is not None:
            await bot.stop()


async def run_the_loop(tg: FakeTelegram, bot: BotProcess, redis: Redis) -> None:
    admin = Teacher(tg, ADMIN, language_code="en")
    coach = Teacher(tg, COACH, language_code="en")
    teacher = Teacher(tg, TEACHER, language_code="en")
    # an admin makes a coach; the coach invites a teacher
    assert await admin.say(f"/addcoach {COACH}") == EN.get("addcoach_done", user=COACH)
    await tg.wait_for_sent(COACH, 1)
    said = await coach.say("/invite")
    link = re.search(r"https://t\.me/(\w+)\?start=([\w-]+)", said)
    assert link, said
    await restart(bot)
    said = await teacher.say(f"/start {link.group(2)}")
    assert EN.get("linked_teacher") in said
    # session 1
    await teacher.press(EN.get("consent_yes"))
    await answer_until_review(teacher, "en", ANSWERS["en"])
    await teacher.press(EN.get("submit"))
    await coach.wait_for_button(EN.get("release_button"), timeout=30)
    await until(lambda: any(m.method == "sendPhoto" for m in coach.messages()))
    await restart(bot, kill=True)
    # the coach reviews and releases
    detail = await coach.press("Secure base")
    before = int(re.search(r"Now: (\d)", detail).group(1))  # type: ignore[union-attr]
    await coach.press("+1" if before < 7 else "−1")
    await coach.press(EN.get("note_button"))
    saved = await coach.say("Sam clearly trusts you.")
    assert EN.get("note_saved", name="Secure base", teacher="Teacher", pupil="Sam") in saved
    await coach.press(EN.get("release_button"))
    await coach.press(EN.get("release_yes"))
    await teacher.wait_for_button(EN.get("profile_read_button"), timeout=30)
    # the profile, then the chart, then «I've read it»: session 2 has not begun yet
    assert any(m.method == "sendPhoto" for m in teacher.messages())
    assert not any("Question 1 of 9" in (m.text or "") for m in teacher.messages())
    await restart(bot)
    said = await teacher.press(EN.get("profile_read_button"))
    assert "Question 1 of 9" in said
    # session 2 with the plan
    for n in range(1, 8):
        await teacher.say(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.say("Greet Sam at the door every morning")
    await teacher.press("Done")
    await teacher.say("I will feel calmer, and Sam will come to me more often.")
    await teacher.wait_for_button(EN.get("submit"))
    said = await teacher.press(EN.get("submit"))
    assert EN.get("plan_submitted", pupil="Sam") in said
    await coach.wait_for_button(EN.get("reopen_button"))  # under «Released to …»: unchanged
    # a week later
    await restart(bot, CLOCK_OFFSET_S=str(WEEK_S))
    await tg.wait_for_sent(TEACHER, len(teacher.messages()) + 1, timeout=30)
    await asyncio.sleep(1.0)
    assert "«Greet Sam at the door every morning»" in teacher.messages()[-1].text  # type: ignore[operator]
    await teacher.say("Yes, every day. Sam started greeting me first.")
    await teacher.say("I am less tense in the mornings.")
    await teacher.say("Calmer, warmer, hopeful")
    await teacher.say("Keep going, and try it at lunch too.")
    await teacher.press(EN.get("choice_yes"))  # «would you like your coach to get in touch?»
    await teacher.wait_for_button(EN.get("submit"))
    before_coach = len(coach.messages())
    await teacher.press(EN.get("submit"))
    request = EN.get("coach_contact_request", teacher="Teacher", pupil="Sam")
    await until(lambda: any(m.text == request for m in coach.messages()[before_coach:]))
    report = "\n".join(m.text or "" for m in coach.messages()[before_coach:])
    assert "Sam started greeting me first." in report and "Three words now: Calmer" in report
    await coach.wait_for_button(EN.get("contacted_button"))  # a highlighted request, to mark
    assert request in await coach.say("/queue")  # heads the queue
    # the check-in's closing words offer a second pupil; a restart later it can still start
    closing = "\n".join(m.text or "" for m in teacher.messages()[-2:])
    assert EN.get("checkin_thanks_contact", pupil="Sam") in closing
    assert EN.get("journey_new_pupil") in closing
    await restart(bot)
    for lang in ("en", "nl"):  # in the Telegram command menu, in both languages
        menu = {c["command"]: c["description"] for c in tg.commands[("default", lang)]}
        assert menu["newpupil"] == load_texts(lang).commands["newpupil"]
    assert "/newpupil" in await teacher.say("/help")
    said = await teacher.say("/start")
    assert said.startswith(EN.get("welcome_back")) and EN.get("journey_new_pupil") in said
    assert EN.get("journey_checkin_done", pupil="Sam") in said
    said = await teacher.say("/newpupil")
    assert EN.get("second_pupil_intro") in said and "Before we start (1/3)" in said
    await teacher.say("Lina")
    second = await stored(redis, TEACHER)
    assert second is not None and [p.pseudonym for p in second.pupils] == ["Sam", "Lina"]
    # nothing lost on the way
    state = await stored(redis, COACH)
    assert state is not None
    teacher_file = state.coaching[str(TEACHER)]
    assert teacher_file.reviews["interview-1"].status == "released"
    assert "reflection-1" in teacher_file.plans and "checkin-1" in teacher_file.checkins
    assert tg.flood_violations == []
    assert "Traceback" not in bot.log_text()
