"""Before consent, on real Redis: an old or forged button says why the welcome comes back; a
person who never consents keeps only what the next turn needs, and that expires after a week
(set in the turn's own commit); consenting keeps the document for good."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.service import BEFORE_CONSENT_KEPT
from bot.storage.store import Store
from bot.wiring import build_service
from tests.conftest import envelope_store
from tests.service.test_coaching import COACH, TEACHER, invite, make_coach
from tests.support.hub import Hub

EN = load_texts("en")
WEEK_MS = int(BEFORE_CONSENT_KEPT.total_seconds() * 1000)


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = "9"
    return Hub(build_service(store, settings))


async def ttls(redis: Redis, store: Store, user_id: int) -> list[int]:
    """PTTL of the user's document, seen set and data key (-1: kept, -2: gone)."""
    keys = store.user_keys(user_id)
    return [await redis.pttl(k) for k in (keys.doc, keys.seen, keys.data_key)]


@pytest.mark.parametrize("data", ["1:consent:yes", "999:lang:en", "forged", "7:nothing:x"])
async def test_an_old_or_forged_button_before_consent_says_why_the_welcome_comes_back(
    hub: Hub, data: str
) -> None:
    teacher = hub.user(TEACHER)
    await teacher.command("start")
    await teacher.command("language")  # a later keyboard: the welcome's buttons are old now
    said = await teacher.send("button", data=data)
    assert said == EN.get("old_button_welcome") + "\n\n" + EN.get("welcome")
    assert teacher.buttons()[0].label == EN.get("consent_yes")


async def test_a_forged_button_from_a_stranger_gets_the_reason_and_the_welcome(hub: Hub) -> None:
    said = await hub.user(TEACHER).send("button", data="3:submit:")
    assert said == EN.get("old_button_welcome") + "\n\n" + EN.get("welcome")


async def test_who_never_consents_keeps_only_language_and_stage_for_a_week(
    hub: Hub, store: Store, redis: Redis
) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start")
    await teacher.command("mydata")  # writes to the audit log once consented; not now
    await teacher.text("Noah is a pupil of mine")  # not an answer: the question again
    state = await store.load(TEACHER)
    assert state is not None and state.stage == "welcome" and state.lang == "en"
    assert (state.name, state.last_initial, state.access_log) == ("", "", [])
    assert state.sessions == [] and state.pupils == []
    for ttl in await ttls(redis, store, TEACHER):
        assert WEEK_MS - 60_000 < ttl <= WEEK_MS
    # consent: the same commit makes the document lasting
    await teacher.press(EN.get("consent_yes"))
    assert await ttls(redis, store, TEACHER) == [-1, -1, -1]
    state = await store.load(TEACHER)
    assert state is not None and state.consent_at is not None and state.name == "Tessa"


async def test_a_teacher_invited_by_a_coach_keeps_the_link_but_not_the_name_before_consent(
    hub: Hub, store: Store, redis: Redis
) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    assert EN.get("linked_teacher") in await teacher.command("start", await invite(coach))
    state = await store.load(TEACHER)
    assert state is not None and state.coach_id == COACH and state.name == ""
    assert all(ttl > 0 for ttl in await ttls(redis, store, TEACHER))
    assert await ttls(redis, store, COACH) == [-1, -1, -1]  # a coach needs no consent


async def test_after_the_week_the_person_starts_afresh_and_the_new_document_opens(
    hub: Hub, store: Store, redis: Redis, settings: Settings
) -> None:
    teacher = hub.user(TEACHER)
    await teacher.command("start")
    keys = store.user_keys(TEACHER)
    for key in (keys.doc, keys.seen, keys.data_key):  # the week has passed
        await redis.pexpire(key, 1)
    await asyncio.sleep(0.05)
    assert await ttls(redis, store, TEACHER) == [-2, -2, -2]
    assert EN.get("welcome") in await teacher.command("start")
    await teacher.press(EN.get("consent_yes"))
    fresh = envelope_store(redis, settings.partitions)  # another process: no cached key
    state = await fresh.load(TEACHER)
    assert state is not None and state.consent_at is not None
