"""The composition root: everything a process runs is built here, and only here.

`open_app` connects Redis (or starts the embedded one), checks the master key, builds the store,
the job handlers, the scorer and the service, and hands the channels an `App`; the Telegram
processes get their initialised `Bot` from `telegram_app`. Nothing is patched after it is built.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import Bot

from bot.channels.telegram.app import make_bot, set_commands
from bot.config import Settings
from bot.errors import CodecError, KeyMissing
from bot.jobs.chart import ChartJob
from bot.jobs.checkin import CheckinJob
from bot.jobs.draft import DraftJob
from bot.jobs.export import ExportJob
from bot.jobs.registry import JobRegistry
from bot.jobs.reminders import Reminders
from bot.jobs.retention import Retention
from bot.jobs.second_look import SecondLook, SecondLookJob
from bot.models.clock import Clock, MovableClock
from bot.models.events import Channel
from bot.models.jobs import JobName
from bot.runtime.app import App
from bot.runtime.outage import until_redis_answers
from bot.safety.safeguarding import warm_up
from bot.scoring.protocol import Scorer
from bot.service import Service
from bot.storage.connection import AnyRedis, connect
from bot.storage.crypto import EnvelopeCodec, Keyring, embedded_master_key
from bot.storage.jobqueue import JobQueue
from bot.storage.keys import DATA_KEYS, user_of
from bot.storage.replicas import Replication
from bot.storage.store import Store


def make_codec(redis: AnyRedis, settings: Settings) -> EnvelopeCodec:
    """The codec of every stored text: the configured master key, or, on the embedded Redis
    only, a key made on first run in the data directory. Never silent plaintext."""
    if settings.llinc_master_key is not None:
        spec = settings.llinc_master_key.get_secret_value()
    elif settings.redis_url is None:
        spec = embedded_master_key(settings.data_dir)
    else:
        raise KeyMissing(
            "LLINC_MASTER_KEY is not set (needed with REDIS_URL); make one with: llinc keys new"
        )
    try:
        return EnvelopeCodec(redis, Keyring(spec), settings.partitions)
    except CodecError as exc:
        raise KeyMissing(str(exc)) from None


def make_store(redis: AnyRedis, settings: Settings) -> Store:
    """The store with its codec, as every process uses it."""
    return Store(
        redis,
        make_codec(redis, settings),
        partitions=settings.partitions,
        replication=Replication(redis, settings.min_replicas, settings.redis_wait_ms),
    )


async def check_master_key(store: Store) -> None:
    """Refuse to start when the master key does not open the data keys already stored."""
    codec = store.codec
    async for name in store.redis.scan_iter(match=DATA_KEYS, count=100):
        wrapped: bytes | None = await store.redis.get(name)  # type: ignore[assignment]
        user_id = user_of(name)
        try:
            codec.keyring.unwrap(user_id, wrapped or b"")
        except CodecError:
            raise KeyMissing(
                "LLINC_MASTER_KEY does not open the data keys stored in Redis (wrong key?)"
            ) from None
        return


def default_scorer(settings: Settings) -> Scorer:
    """The LLM scorer when LLM_PROVIDER is set (offline rules behind it), else the rules."""
    from bot.scoring.rules import RuleScorer

    if settings.llm.provider is None:
        return RuleScorer()
    from bot.scoring.llm import make_scorer

    return make_scorer(settings.llm, RuleScorer())


def default_second_look(settings: Settings) -> SecondLook | None:
    """The LLM safeguarding check when LLM_PROVIDER is set, else None."""
    if settings.llm.provider is None:
        return None
    from bot.safety.llm_check import LlmSafeguard

    return LlmSafeguard(settings.llm)


def build_service(
    store: Store,
    settings: Settings,
    clock: Clock | None = None,
    scorer: Scorer | None = None,
    second_look: SecondLook | None = None,
    bot_username: str = "",
    web_url: str | None = None,
) -> Service:
    """The service as every process runs it (clock, scorer and second look: for tests)."""
    reminders = Reminders(
        timedelta(hours=settings.reminder_hours), settings.quiet, settings.timezone
    )
    retention = Retention(timedelta(days=settings.retention_days))
    jobs = (
        JobRegistry()
        .register(JobName.RETENTION, retention)
        .register(JobName.DRAFT, DraftJob(scorer or default_scorer(settings)))
        .register(JobName.CHECKIN, CheckinJob())
        .register(JobName.REMINDER, reminders)
        .register(JobName.CHART, ChartJob())
        .register(JobName.EXPORT, ExportJob())
    )
    checker = second_look or default_second_look(settings)
    if checker is not None:
        jobs.register(JobName.SECOND_LOOK, SecondLookJob(checker))
    return Service(
        store,
        settings,
        clock=clock or MovableClock(timedelta(seconds=settings.clock_offset_s)),
        jobs=jobs,
        bot_username=bot_username,
        web_url=settings.web_url() if web_url is None else web_url,
        second_look=checker is not None,
        after_turn=[reminders.schedule, retention.schedule],
    )


@asynccontextmanager
async def open_app(
    settings: Settings, channel: Channel, bot: Bot | None = None
) -> AsyncIterator[App]:
    """Everything a process of this channel needs, ready; Redis and `bot` closed at the end."""
    async with connect(settings) as redis:
        store = make_store(redis, settings)
        await until_redis_answers(lambda: check_master_key(store), "start-up")
        await asyncio.to_thread(warm_up)
        clock = MovableClock(timedelta(seconds=settings.clock_offset_s))
        jobs = JobQueue(redis, store.codec, settings.partitions)
        if bot is None:
            yield App(settings, redis, store, build_service(store, settings, clock), jobs, clock)
            return
        async with bot:
            username = bot.bot.username or ""
            service = build_service(store, settings, clock, bot_username=username)
            yield App(settings, redis, store, service, jobs, clock)


@asynccontextmanager
async def telegram_app(settings: Settings, commands: bool) -> AsyncIterator[tuple[App, Bot]]:
    """The app of a Telegram process and its initialised `Bot` (the command menu set when the
    process takes updates)."""
    bot = make_bot(settings)
    async with open_app(settings, "telegram", bot) as app:
        if commands:
            await set_commands(bot, settings.default_language)
        yield app, bot
