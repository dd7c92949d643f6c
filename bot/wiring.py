"""Composition root: the service with its job handlers and the configured scorer."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis.asyncio import Redis

from bot.charts import ChartJob
from bot.config import Settings
from bot.crypto import CodecError, EnvelopeCodec, Keyring, embedded_master_key
from bot.dialogues.coaching import EXPORT_JOB
from bot.dialogues.flows import CHART_JOB
from bot.dialogues.safeguarding import SECOND_LOOK_JOB
from bot.drafting import JOB_NAME as DRAFT_JOB
from bot.drafting import DraftJob
from bot.followup import (
    CHECKIN_JOB,
    REMINDER_JOB,
    RETENTION_JOB,
    CheckinJob,
    Reminders,
    Retention,
)
from bot.keys import PREFIX
from bot.models import utcnow
from bot.report import ExportJob
from bot.scoring.protocol import Scorer
from bot.screening import SecondLookJob
from bot.service import FAILED_JOB, Clock, FailureNotice, Service
from bot.store import Store


class KeyMissing(RuntimeError):
    """Encryption at rest is required and no master key is configured (one-line message)."""


def make_codec(redis: Redis, settings: Settings) -> EnvelopeCodec:
    """The codec of every stored text: the configured master key, or, on the embedded Redis
    only, a key made on first run in the data directory. Never silent plaintext."""
    if settings.llinc_master_key is not None:
        spec = settings.llinc_master_key.get_secret_value()
    elif settings.redis_url is None:
        spec = embedded_master_key(settings.data_dir)
    else:
        raise KeyMissing("LLINC_MASTER_KEY is not set (needed with REDIS_URL); "
                         "make one with: llinc keys new")  # fmt: skip
    try:
        return EnvelopeCodec(redis, Keyring(spec), settings.partitions)
    except CodecError as exc:
        raise KeyMissing(str(exc)) from None


def make_store(redis: Redis, settings: Settings) -> Store:
    """The store with its codec, as every process uses it."""
    return Store(redis, make_codec(redis, settings), partitions=settings.partitions,
                 lock_ttl_ms=settings.lock_ttl_ms)  # fmt: skip


async def check_master_key(store: Store) -> None:
    """Refuse to start when the master key does not open the data keys already stored."""
    codec = store.codec
    if not isinstance(codec, EnvelopeCodec):
        return
    async for name in store.redis.scan_iter(match=f"{PREFIX}:*:u:*:datakey", count=100):
        wrapped: bytes | None = await store.redis.get(name)  # type: ignore[assignment]
        user_id = int(name.decode().split(":u:")[1].split(":")[0])
        try:
            codec.keyring.unwrap(user_id, wrapped or b"")
        except CodecError:
            raise KeyMissing(
                "LLINC_MASTER_KEY does not open the data keys stored in Redis (wrong key?)"
            ) from None
        return


def default_scorer() -> Scorer:
    """The LLM scorer when LLM_PROVIDER is set (offline rules behind it), else the rules."""
    from bot.scoring.llm import LlmEnvSettings, make_scorer
    from bot.scoring.rules import RuleScorer

    return make_scorer(LlmEnvSettings(_env_file=".env"), RuleScorer())


def default_second_look() -> object | None:
    """The LLM safeguarding check when LLM_PROVIDER is set, else None."""
    from bot.scoring.llm import LlmEnvSettings

    settings = LlmEnvSettings(_env_file=".env")
    if settings.provider is None:
        return None
    from bot.safety.llm_check import LlmSafeguard

    return LlmSafeguard(settings)


def build_service(
    store: Store,
    settings: Settings,
    clock: Clock = utcnow,
    scorer: Scorer | None = None,
    second_look: object | None = None,
) -> Service:
    """The service as every process runs it (scorer and second look: for tests)."""
    if settings.clock_offset_s and clock is utcnow:
        offset = timedelta(seconds=settings.clock_offset_s)

        def clock() -> datetime:
            return utcnow() + offset

    reminders = Reminders(timedelta(hours=settings.reminder_hours), settings.quiet,
                          settings.timezone)  # fmt: skip
    retention = Retention(timedelta(days=settings.retention_days))
    handlers = {
        RETENTION_JOB: retention,
        DRAFT_JOB: DraftJob(scorer or default_scorer()),
        CHECKIN_JOB: CheckinJob(),
        REMINDER_JOB: reminders,
        CHART_JOB: ChartJob(),
        EXPORT_JOB: ExportJob(),
    }
    checker = second_look or default_second_look()
    if checker is not None:
        handlers[SECOND_LOOK_JOB] = SecondLookJob(checker)  # type: ignore[arg-type]
    handlers[FAILED_JOB] = FailureNotice(handlers)  # type: ignore[arg-type]
    return Service(store, settings, clock=clock, job_handlers=handlers,  # type: ignore[arg-type]
                   after_turn=[reminders.schedule, retention.schedule],
                   second_look=checker is not None)  # fmt: skip
