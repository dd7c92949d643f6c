"""Drafting as a background job on real Redis: once, also with two workers or a lost worker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from redis.exceptions import ConnectionError as RedisConnectionError

from bot.config import Settings
from bot.jobs.draft import transcript_of
from bot.models.clock import utcnow
from bot.models.profile import Draft, ScaleScore, Transcript, level_for
from bot.runtime.scheduler import Scheduler
from bot.storage.jobqueue import JobQueue
from bot.storage.store import Store
from bot.wiring import build_service
from tests.support.answers import ANSWERS
from tests.support.service_driver import ServiceChat


class CountingScorer:
    """A scorer that records every call and gives every scale a 4."""

    name = "rules"

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[Transcript] = []
        self.delay = delay

    async def ascore(self, transcript: Transcript) -> Draft:
        self.calls.append(transcript)
        await asyncio.sleep(self.delay)
        scales = [
            ScaleScore(id=f"s{i}", score=4, level=level_for(4), confidence=0.5) for i in range(8)
        ]
        return Draft(scorer="rules", scales=scales)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def submitted(
    store: Store, settings: Settings, scorer: CountingScorer, clock: Clock | None = None
) -> ServiceChat:
    chat = ServiceChat(build_service(store, settings, clock or utcnow, scorer), user_id=77)
    await chat.submit_interview(ANSWERS["en"][:6])
    return chat


async def test_submitting_schedules_one_draft_that_is_saved_with_its_session(
    store: Store, settings: Settings
) -> None:
    scorer = CountingScorer()
    chat = await submitted(store, settings, scorer)
    jobs = JobQueue(store.redis, store.codec, store.partitions)
    before = await store.load(77)
    assert before is not None
    assert [j for j in before.job_ids if j.startswith("draft:")] == ["draft:77:interview-1"]
    assert await Scheduler(store, chat.service, jobs).once() == 1
    state = await store.load(77)
    assert state is not None and state.sessions[0].draft is not None
    assert len(scorer.calls) == 1 and scorer.calls[0].pupil == "Sam"
    ids = [a.question_id for a in scorer.calls[0].answers]
    assert "i01_pupil" not in ids and "i02_class" not in ids and "q01_three_words" in ids
    assert not [j for j in state.job_ids if j.startswith("draft:")]


async def test_two_workers_polling_at_once_draft_once(store: Store, settings: Settings) -> None:
    scorer = CountingScorer(delay=0.05)
    chat = await submitted(store, settings, scorer)
    other = build_service(store, settings, scorer=scorer)
    queues = [JobQueue(store.redis, store.codec, store.partitions) for _ in range(2)]
    ran = await asyncio.gather(
        Scheduler(store, chat.service, queues[0]).once(), Scheduler(store, other, queues[1]).once()
    )
    assert sorted(ran) == [0, 1]
    assert len(scorer.calls) == 1


async def test_a_worker_that_dies_after_claiming_is_replaced_after_the_lease(
    store: Store, settings: Settings
) -> None:
    clock = Clock()
    scorer = CountingScorer()
    chat = await submitted(store, settings, scorer, clock)
    jobs = JobQueue(store.redis, store.codec, store.partitions)
    now_ms = int(clock.now.timestamp() * 1000)
    assert len(await jobs.claim_due(now_ms, lease_ms=60_000)) == 1  # ...and the worker dies
    scheduler = Scheduler(store, chat.service, jobs)
    assert await scheduler.once() == 0
    clock.now += timedelta(minutes=2)
    assert await scheduler.once() == 1
    assert await scheduler.once() == 0
    state = await store.load(77)
    assert state is not None and state.sessions[0].draft is not None
    assert len(scorer.calls) == 1


class FlakyScorer(CountingScorer):
    """Fails like a lost Redis connection the first time, then works."""

    async def ascore(self, transcript: Transcript) -> Draft:
        if not self.calls:
            self.calls.append(transcript)
            raise RedisConnectionError("Connection refused")
        return await super().ascore(transcript)


async def test_a_job_cut_off_by_redis_is_handed_back_at_once_not_after_its_lease(
    store: Store, settings: Settings
) -> None:
    clock = Clock()
    scorer = FlakyScorer()
    chat = await submitted(store, settings, scorer, clock)
    scheduler = Scheduler(store, chat.service, JobQueue(store.redis, store.codec, 4))
    assert await scheduler.once() == 0  # cut off: not done
    assert await scheduler.once() == 1  # the same moment, no lease to wait out
    assert await scheduler.once() == 0
    state = await store.load(77)
    assert state is not None and state.sessions[0].draft is not None
    assert len(scorer.calls) == 2


async def test_a_draft_job_for_a_forgotten_teacher_does_nothing(
    store: Store, settings: Settings
) -> None:
    scorer = CountingScorer()
    chat = await submitted(store, settings, scorer)
    jobs = JobQueue(store.redis, store.codec, store.partitions)
    leased = await jobs.claim_due(int(datetime.now(UTC).timestamp() * 1000) + 10**9)
    await chat.command("forget")
    await chat.press("Yes, delete everything")
    assert await jobs.pending_count() == 0  # cancelled, even the one a worker holds
    from bot.models.events import Inbound

    await chat.service.handle(Inbound.for_job(leased[0]))
    assert scorer.calls == []
    assert await store.load(77) is None
    assert [k async for k in store.redis.scan_iter("*u:77:*")] == []


def test_transcript_keeps_the_pseudonym_and_scored_answers_only() -> None:
    from tests.support.engine_driver import EngineChat

    chat = EngineChat(lang="nl")
    chat.start_interview("Noor")
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    assert chat.state is not None
    transcript = transcript_of(chat.state, chat.state.sessions[0])
    assert transcript.pupil == "Noor" and transcript.language == "nl"
    assert [a.question_id for a in transcript.answers] == ["i03_reason", "q01_three_words"]
