"""A short chaos run in the suite (bench/chaos.py runs the long one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chaos import run_chaos

pytestmark = pytest.mark.timeout(400)


async def test_random_sigkills_of_workers_ingress_and_redis_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    result = await run_chaos(tmp_path, teachers=12, kills=8, job_kills=6, seed=3)
    assert sum(n for k, n in result.kills.items() if k != "restarted by supervisor") == 8
    assert sum(n for k, n in result.job_kills.items() if k != "restarted by supervisor") == 6
    assert result.jobs_expected == 24  # two reminders per teacher, each exactly once
    jobs = (result.jobs_missing, result.jobs_doubled, result.jobs_left)
    assert jobs == (0, 0, 0), result.report()
    assert result.ok(), result.report()
