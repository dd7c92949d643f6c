"""Issue 11, item 2: a pseudonym like `$\\frac$` broke every chart and report of its teacher,
and the failing jobs were retried forever.

Typed text reaches matplotlib and fpdf2 as plain text; a job that fails the same way twice is
parked (a record an operator lists with `llinc jobs failed`, a log line, a metric) and its user
is told, kindly, in the same atomic step.
"""

from __future__ import annotations

import datetime
import logging
import os
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import matplotlib
import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.jobs.chart import ChartJob
from bot.jobs.export import ExportJob
from bot.models.clock import MovableClock
from bot.models.jobs import Job, JobName
from bot.models.state import UserState
from bot.render.chart import render_chart
from bot.render.report import render_report
from bot.runtime import metrics
from bot.storage.jobqueue import failed_jobs
from bot.storage.store import Store
from bot.wiring import build_service
from tests.conftest import TEST_MASTER_KEY
from tests.service import test_coaching as coaching_tests
from tests.support.answers import ANSWERS
from tests.support.hub import Hub, HubUser
from tests.unit.test_report import GENERATED, _teacher, _text

MATH = "$\\frac$"
EN = load_texts("en")
COACH, TEACHER = coaching_tests.COACH, coaching_tests.TEACHER


# -- typed text is drawn and printed as typed -------------------------------------------------


@pytest.mark.parametrize("pupil", [MATH, "$$", "a $x^2$ b", "_Sam", "\\$"])
def test_a_chart_draws_any_pseudonym_as_plain_text(pupil: str) -> None:
    draft = _teacher().reviews["interview-1"].draft
    with matplotlib.rc_context({"text.usetex": True}):  # even a deployment's rc asking for TeX
        png = render_chart(
            draft,
            pupil=pupil,
            lang="nl",
            date=datetime.date(2026, 1, 5),
            second=draft,
            first_label=pupil,
            second_label=MATH,
        )
    assert png.startswith(b"\x89PNG")


def test_the_report_prints_typed_text_as_typed() -> None:
    teacher = _teacher(two=True)
    teacher.name = "Jan {nb} {n} **vet**"
    review = teacher.reviews["interview-1"]
    review.pupil = MATH
    review.notes["overall"] = "<b>niet vet</b> __ook niet__ {nb} $x$"
    data = render_report(teacher, "nl", generated=GENERATED, compress=False)
    text = _text(data)
    assert f"Jan {{nb}} {{n}} **vet** over {MATH}" in text
    assert "<b>niet vet</b> __ook niet__ {nb} $x$" in text
    assert f"Vergelijking: {MATH} en Sara" in text
    pages = text.count("vertrouwelijk · pagina")
    assert pages >= 6
    assert f"Jan {{nb}} {{n}} **vet** · vertrouwelijk · pagina 1 van {pages}" in text


# -- on the hub: the pseudonym, and a job that keeps failing ------------------------------------


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(coaching_tests.ADMIN)
    return Hub(build_service(store, settings))


async def linked(hub: Hub, pupil: str = "Sam") -> tuple[HubUser, HubUser]:
    coach = await coaching_tests.make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await coaching_tests.invite(coach))
    await teacher.press("Yes, let's begin")
    for answer in [pupil, *ANSWERS["en"][1:]]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    return coach, teacher


async def test_a_pseudonym_with_dollars_gets_its_chart_and_report(hub: Hub) -> None:
    coach, _ = await linked(hub, MATH)
    assert EN.get("coach_draft_ready", teacher="Tessa", pupil=MATH) in coach.new()
    assert [m for m in coach.inbox if m.photo and m.photo.startswith(b"\x89PNG")]
    await coach.command("export")
    said = await coach.press("Tessa")
    assert EN.get("export_caption", teacher="Tessa") in said
    assert [m for m in coach.inbox if m.document and m.document.content.startswith(b"%PDF")]


class BrokenChart(ChartJob):
    """A chart job whose drawing raises, in turn, the exceptions it is given."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)

    async def prepare(self, state: UserState, job: Job) -> bytes | None:
        raise self.errors.pop(0)


def later(hub: Hub, seconds: float) -> None:
    """Move the hub's clock forward."""
    clock = hub.service.clock
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(seconds=seconds))


async def parked(store: Store) -> list[tuple[str, str, int, str]]:
    return [
        (j.id, j.name, j.user_id, j.error) for j in await failed_jobs(store.redis, store.partitions)
    ]


async def scheduled(store: Store) -> list[str]:
    ids = []
    for part in store.partition_keys():
        for key in (part.jobs, part.jobs_running):
            ids += [m.decode() for m in await store.redis.zrange(key, 0, -1)]
    return ids


async def test_a_job_that_fails_the_same_way_twice_is_parked_and_the_coach_told(
    hub: Hub, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    hub.service.jobs.register(
        JobName.CHART, BrokenChart(*(ValueError(f"no {MATH}") for _ in range(9)))
    )
    coach, _ = await linked(hub)
    coach.new()
    [chart_job] = [j for j in await scheduled(store) if j.startswith("chart:")]
    assert await parked(store) == []  # the first failure: tried again in a minute
    later(hub, 61)
    await hub.settle()
    assert await parked(store) == [(chart_job, "chart", COACH, "ValueError")]
    assert coach.new() == EN.get("chart_failed")
    assert chart_job not in await scheduled(store)
    later(hub, 3600)  # parked: never tried again, the coach is told once
    await hub.settle()
    assert coach.new() == ""
    assert await parked(store) == [(chart_job, "chart", COACH, "ValueError")]
    logged = [r.getMessage() for r in caplog.records if chart_job in r.getMessage()]
    assert len([line for line in logged if "parked" in line]) == 1
    assert MATH not in caplog.text  # the exception's message may quote user text: not logged
    assert b"llinc_jobs_failed 1.0" in await metrics.render(store)


async def test_only_the_same_exception_twice_in_a_row_parks_a_job(hub: Hub, store: Store) -> None:
    errors = (ValueError("a"), KeyError("b"), ValueError("c"), RuntimeError("d"), RuntimeError("e"))
    hub.service.jobs.register(JobName.CHART, BrokenChart(*errors))
    coach, _ = await linked(hub)
    coach.new()
    for minutes in range(1, 4):
        later(hub, 61 * minutes)
        await hub.settle()
        assert await parked(store) == [], minutes
    later(hub, 61 * 4)
    await hub.settle()
    assert [(name, error) for _, name, _, error in await parked(store)] == [
        ("chart", "RuntimeError")
    ]
    assert coach.new() == EN.get("chart_failed")


async def test_a_failed_report_is_parked_and_the_coach_told_with_the_teachers_name(
    hub: Hub, store: Store
) -> None:
    class BrokenExport(ExportJob):
        async def prepare(self, state: UserState, job: Job) -> bytes | None:
            raise ValueError("fpdf")

    hub.service.jobs.register(JobName.EXPORT, BrokenExport())
    coach, _ = await linked(hub)
    await coach.command("export")
    await coach.press("Tessa")
    later(hub, 61)
    await hub.settle()
    assert coach.new() == EN.get("export_failed", teacher="Tessa")
    assert [name for _, name, _, _ in await parked(store)] == ["export"]


async def test_forget_removes_the_parked_record_with_the_user(hub: Hub, store: Store) -> None:
    hub.service.jobs.register(JobName.CHART, BrokenChart(ValueError(), ValueError()))
    coach, _ = await linked(hub)
    later(hub, 61)
    await hub.settle()
    assert len(await parked(store)) == 1
    await coach.command("forget")
    await coach.press(EN.get("forget_yes"))
    assert await parked(store) == []
    for part in store.partition_keys():
        assert await store.redis.hlen(part.job_attempts) == 0


async def test_llinc_jobs_failed_lists_the_parked_jobs(
    hub: Hub, store: Store, redis_url: str, tmp_path: Path
) -> None:
    hub.service.jobs.register(JobName.CHART, BrokenChart(ValueError(), ValueError()))
    await linked(hub)
    later(hub, 61)
    await hub.settle()
    [(job_id, _, _, _)] = await parked(store)
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        DATA_DIR=str(tmp_path),
        PARTITIONS="4",
        LLINC_MASTER_KEY=TEST_MASTER_KEY,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "failed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [header, row] = done.stdout.splitlines()
    assert header.split() == ["when", "(UTC)", "name", "user", "error", "id"]
    assert row.split()[2:] == ["chart", str(COACH), "ValueError", job_id]
    when = datetime.datetime.strptime(" ".join(row.split()[:2]), "%Y-%m-%d %H:%M:%S")
    assert abs(when.replace(tzinfo=UTC) - hub.service.clock()) < timedelta(minutes=1)
    assert "Sam" not in done.stdout and all(a not in done.stdout for a in ANSWERS["en"])


async def test_llinc_jobs_failed_says_when_there_are_none(
    redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    env = dict(os.environ, REDIS_URL=redis_url, DATA_DIR=str(tmp_path), PARTITIONS="4")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "failed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "llinc: no parked jobs")
