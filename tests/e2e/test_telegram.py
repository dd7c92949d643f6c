"""End to end: the real bot process, over HTTP, against the fake Bot API server and real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.dialogues.script import load_script, load_texts
from tests.support.answers import ANSWERS
from tests.support.e2e import PROGRESS, TOKEN, BotProcess, Teacher, answer_until_review, stored
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
async def bot(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(tg, redis_url, tmp_path / "data", tmp_path / "bot.log").start()
    yield process
    if process.process is not None:
        assert await process.stop() == 0, process.log_text()


async def begin(teacher: Teacher, lang: str) -> str:
    said = await teacher.say("/start")
    assert said == load_texts(lang).get("welcome")  # type: ignore[arg-type]
    return await teacher.press(load_texts(lang).get("consent_yes"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("lang", "user_id"), [("nl", 1001), ("en", 1002)])
async def test_a_teacher_completes_the_interview(
    tg: FakeTelegram, bot: BotProcess, redis: Redis, lang: str, user_id: int
) -> None:
    teacher = Teacher(tg, user_id, language_code=lang)
    said = await begin(teacher, lang)
    assert PROGRESS.search(said)
    await answer_until_review(teacher, lang, ANSWERS[lang])
    texts = load_texts(lang)  # type: ignore[arg-type]
    said = await teacher.press(texts.get("submit"))
    assert said == texts.get("submitted_no_coach")  # no invitation used
    state = await stored(redis, user_id)
    assert state is not None
    session = state.sessions[0]
    assert session.status == "submitted"
    script = load_script("interview", lang)  # type: ignore[arg-type]
    assert [i.id for i in script.items] == list(session.answers)
    for item, text in zip(script.items, ANSWERS[lang], strict=True):
        assert session.answers[item.id].parts[0].text == text
    assert tg.calls["setMyCommands"] >= 2
    assert tg.flood_violations == []
    log = bot.log_text()
    for text in teacher.sent_texts:
        assert text not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_sigkill_mid_interview_resumes_where_the_teacher_was(
    tg: FakeTelegram, bot: BotProcess, redis: Redis
) -> None:
    teacher = Teacher(tg, 2001, language_code="nl")
    await begin(teacher, "nl")
    await answer_until_review(teacher, "nl", ANSWERS["nl"][:5], review=False)
    bot.kill()
    # answers typed while the bot is down wait at Telegram
    teacher.tg.add_text(2001, ANSWERS["nl"][5], language_code="nl")
    before = await stored(redis, 2001)
    assert before is not None and before.sessions[0].answers["q02_click"]
    bot.start()
    await tg.wait_for_sent(2001, len(teacher.messages()) + 1, timeout=30)
    await asyncio.sleep(0.5)
    said = await teacher.say("/status")
    assert "vraag 3 van 12" in said.lower() or "vraag 4 van 12" in said.lower()
    state = await stored(redis, 2001)
    assert state is not None
    answers = state.sessions[0].answers
    assert answers["q03_no_click"].parts[0].text == ANSWERS["nl"][5]
    texts = [p.text for a in answers.values() for p in a.parts]
    for typed in ANSWERS["nl"][:6]:
        assert texts.count(typed) == 1, typed


async def test_a_redelivered_update_is_stored_once_and_answered_once(
    tg: FakeTelegram, bot: BotProcess, redis: Redis
) -> None:
    teacher = Teacher(tg, 3001, language_code="en")
    await begin(teacher, "en")
    await teacher.say("Sam")
    update_id = tg.add_text(3001, "Year 4", language_code="en")
    await tg.wait_for_sent(3001, len(teacher.messages()) + 1)
    count = len(teacher.messages())
    tg.redeliver(update_id)
    said = await teacher.say("/status")
    assert len(teacher.messages()) == count + 1, said
    state = await stored(redis, 3001)
    assert state is not None
    assert [p.text for p in state.sessions[0].answers["i02_class"].parts] == ["Year 4"]
    assert "i03_reason" not in state.sessions[0].answers


async def test_media_and_huge_messages_get_a_kind_reply_and_change_nothing(
    tg: FakeTelegram, bot: BotProcess, redis: Redis
) -> None:
    teacher = Teacher(tg, 4001, language_code="en")
    await begin(teacher, "en")
    before = await stored(redis, 4001)
    texts = load_texts("en")
    assert await teacher.media("sticker") == texts.get("media_sticker")
    assert await teacher.media("voice") == texts.get("media_voice")
    said = await teacher.say("x" * 12_000)
    assert said == texts.get("too_long", length=12000, limit=4000)
    assert "Unknown" not in said
    after = await stored(redis, 4001)
    assert before is not None and after is not None
    assert after.sessions == before.sessions
    assert "Traceback" not in bot.log_text()


async def test_forget_leaves_nothing_in_redis(
    tg: FakeTelegram, bot: BotProcess, redis: Redis
) -> None:
    teacher = Teacher(tg, 5001, language_code="en")
    await begin(teacher, "en")
    await teacher.say("Sam")
    said = await teacher.say("/mydata")
    document = teacher.messages()[-1]
    assert document.method == "sendDocument" and b'"Sam"' in (document.document or b"")
    assert said == load_texts("en").get("mydata_caption")
    await teacher.say("/forget")
    await teacher.press(load_texts("en").get("forget_yes"))
    await asyncio.sleep(0.5)
    keys = [k.decode() async for k in redis.scan_iter("*")]
    assert not [k for k in keys if ":u:5001:" in k]
    for key in keys:
        if await redis.type(key) == b"stream":
            for _, fields in await redis.xrange(key):
                assert fields.get(b"u") != b"5001" and b"5001" not in fields


async def test_flood_control_is_waited_out_and_nothing_is_dropped(
    tg: FakeTelegram, bot: BotProcess
) -> None:
    teacher = Teacher(tg, 6001, language_code="en")
    await teacher.say("/start")
    tg.fail_next("sendMessage", status=429, retry_after=1, times=2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    said = await teacher.press(load_texts("en").get("consent_yes"))
    assert "Before we start (1/3)" in said
    assert loop.time() - started >= 1.0
    assert tg.calls["sendMessage"] >= 4  # welcome, two refused attempts, the question
    assert tg.flood_violations == []
