"""Composition root: the service with its job handlers and the configured scorer."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.charts import ChartJob
from bot.config import Settings
from bot.dialogues.coaching import EXPORT_JOB
from bot.dialogues.flows import CHART_JOB
from bot.drafting import JOB_NAME as DRAFT_JOB
from bot.drafting import DraftJob
from bot.followup import CHECKIN_JOB, REMINDER_JOB, CheckinJob, Reminders
from bot.models import utcnow
from bot.report import ExportJob
from bot.scoring.protocol import Scorer
from bot.service import Clock, Service
from bot.store import Store


def default_scorer() -> Scorer:
    """The LLM scorer when LLM_PROVIDER is set (offline rules behind it), else the rules."""
    from bot.scoring.llm import LlmEnvSettings, make_scorer
    from bot.scoring.rules import RuleScorer

    return make_scorer(LlmEnvSettings(_env_file=".env"), RuleScorer())


def build_service(
    store: Store, settings: Settings, clock: Clock = utcnow, scorer: Scorer | None = None
) -> Service:
    """The service as every process runs it."""
    if settings.clock_offset_s and clock is utcnow:
        offset = timedelta(seconds=settings.clock_offset_s)

        def clock() -> datetime:
            return utcnow() + offset

    reminders = Reminders(timedelta(hours=settings.reminder_hours), settings.quiet,
                          settings.timezone)  # fmt: skip
    handlers = {
        DRAFT_JOB: DraftJob(scorer or default_scorer()),
        CHECKIN_JOB: CheckinJob(),
        REMINDER_JOB: reminders,
        CHART_JOB: ChartJob(),
        EXPORT_JOB: ExportJob(),
    }
    return Service(store, settings, clock=clock, job_handlers=handlers,  # type: ignore[arg-type]
                   after_turn=reminders.schedule)  # fmt: skip
