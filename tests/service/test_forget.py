"""Issue 11, "also": after /forget nothing in Redis names the teacher any more: not the
invitation they used, not their coach's record of handled events, not a job of the coach.
On the real Redis."""

from __future__ import annotations

import re

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.models.jobs import JobName
from bot.storage.jobqueue import failed_jobs
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service import test_coaching as coaching_tests
from tests.service.test_encryption import raw_values
from tests.service.test_job_failures import BrokenChart, later
from tests.support.answers import ANSWERS
from tests.support.hub import Hub, HubUser

EN = load_texts("en")
COACH = coaching_tests.COACH
TEACHER = 7_123_456_789  # ten digits: never found by chance in other values
NAMED = re.compile(rb"(?<![0-9])7123456789(?![0-9])")


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(coaching_tests.ADMIN)
    return Hub(build_service(store, settings))


async def a_teacher_with_a_draft(hub: Hub) -> tuple[HubUser, HubUser, str]:
    coach = await coaching_tests.make_coach(hub)
    code = await coaching_tests.invite(coach)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", code)
    await teacher.press("Yes, let's begin")
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    await coach.command("export")
    await coach.press("Tessa")
    return coach, teacher, code


async def forget(teacher: HubUser) -> None:
    await teacher.command("forget")
    await teacher.press(EN.get("forget_yes"))


async def test_forget_leaves_no_trace_in_the_invitation_the_teacher_used(
    hub: Hub, store: Store, redis: Redis
) -> None:
    _, teacher, code = await a_teacher_with_a_draft(hub)
    coach = await store.load(COACH)
    assert coach is not None and coach.invites[code].used_by == TEACHER
    await forget(teacher)
    coach = await store.load(COACH)
    assert coach is not None and code not in coach.invites  # spent, and nothing names them
    assert not [key async for key in redis.scan_iter(match="*invite*")]


async def test_forget_leaves_no_id_of_the_teacher_in_the_coachs_seen_set(
    hub: Hub, store: Store, redis: Redis
) -> None:
    coach, teacher, _ = await a_teacher_with_a_draft(hub)
    seen = store.user_keys(COACH).seen
    before = [m for m in await redis.zrange(seen, 0, -1) if NAMED.search(m)]
    assert any(m.startswith(b"job:chart:") for m in before)  # the chart and export jobs
    assert any(m.startswith(b"job:export:") for m in before)
    assert any(m.startswith(b"int:job:draft:") for m in before)  # the draft the teacher sent
    await forget(teacher)
    assert coach.new() == EN.get("coach_teacher_withdrew", teacher="Tessa")
    after = await redis.zrange(seen, 0, -1)
    assert after and not [m for m in after if NAMED.search(m)]
    state = await store.load(COACH)
    assert state is not None and not [j for j in state.job_ids if str(TEACHER) in j]
    assert not NAMED.search(await raw_values(redis))  # nothing anywhere names the teacher


async def test_a_parked_job_of_the_coach_about_the_teacher_goes_too(
    hub: Hub, store: Store, redis: Redis
) -> None:
    hub.service.jobs.register(JobName.CHART, BrokenChart(ValueError(), ValueError()))
    _, teacher, _ = await a_teacher_with_a_draft(hub)
    later(hub, 61)
    await hub.settle()
    assert [j.name for j in await failed_jobs(store.redis, store.partitions)] == ["chart"]
    await forget(teacher)
    assert await failed_jobs(store.redis, store.partitions) == []
    assert not NAMED.search(await raw_values(redis))


async def test_a_withdrawal_delivered_again_changes_nothing(
    hub: Hub, store: Store, redis: Redis
) -> None:
    coach, teacher, _ = await a_teacher_with_a_draft(hub)
    await forget(teacher)
    coach.new()
    before = await store.load(COACH)
    said = await coach.send(
        "internal", data=f'{{"id": "x:1", "type": "teacher_withdrew", "from": {TEACHER}}}'
    )
    assert said == ""
    assert await store.load(COACH) == before
