"""One ingress and two worker processes; one worker is killed: the other takes over its
partitions and what it had pending. Every teacher's answers are stored once, in order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.dialogues.script import load_texts
from tests.support.answers import ANSWERS
from tests.support.e2e import BotProcess, Teacher, stored
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(240)
TEACHERS = range(8001, 8009)  # spread over several partitions
NL = load_texts("nl")


def process(tg: FakeTelegram, redis_url: str, tmp: Path, role: str, name: str) -> BotProcess:
    env = {"LLINC_CONSUMER": name, "LEASE_MS": "3000"}
    return BotProcess(tg, redis_url, tmp / name, tmp / f"{name}.log", extra_env=env, role=role)


async def test_a_killed_worker_is_replaced_and_nothing_is_lost_or_doubled(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    ingress = process(tg, redis_url, tmp_path, "ingress", "ingress").start()
    first = process(tg, redis_url, tmp_path, "worker", "worker-a").start()
    second = process(tg, redis_url, tmp_path, "worker", "worker-b").start()
    try:
        teachers = [Teacher(tg, user, language_code="nl") for user in TEACHERS]
        await asyncio.gather(*(t.say("/start") for t in teachers))
        await asyncio.gather(*(t.press(NL.get("consent_yes")) for t in teachers))
        await asyncio.gather(*(t.say(ANSWERS["nl"][0]) for t in teachers))
        first.kill()
        for answer in ANSWERS["nl"][1:4]:
            await asyncio.gather(*(t.say(answer, timeout=30) for t in teachers))
        for user in TEACHERS:
            state = await stored(redis, user)
            assert state is not None, user
            answers = state.sessions[0].answers
            texts = [
                answers[i].parts[0].text
                for i in ("i01_pupil", "i02_class", "i03_reason", "q01_three_words")
            ]
            assert texts == ANSWERS["nl"][:4], user
            parts = [p.text for a in answers.values() for p in a.parts]
            assert len(parts) == len(set(parts)), user
        assert "Traceback" not in second.log_text()
        assert "took partitions" in second.log_text()
    finally:
        for role in (ingress, first, second):
            if role.process is not None:
                await role.stop()
