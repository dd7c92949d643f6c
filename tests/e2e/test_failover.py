"""The Redis primary SIGKILLed under a multi-teacher run, behind Sentinel (and in a Cluster):
nothing lost or doubled, no question asked twice, every teacher finishes, no bot restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.ha_chaos import run_failover
from tests.support.redis_server import redis_server_binary

pytestmark = pytest.mark.timeout(300)
TEACHERS = 50


async def test_a_killed_primary_behind_sentinel_loses_doubles_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    assert redis_server_binary()
    result = await run_failover(tmp_path, mode="sentinel", teachers=TEACHERS, kills=1)
    assert result.kills == {"primary": 1}
    assert result.failover_s and result.failover_s[0] > 0
    assert (result.lost, result.duplicated_answers, result.unanswered) == (0, 0, 0), result.report()
    assert result.repeated_messages == 0, result.report()
    assert result.bot_exits == 0 and result.errors == 0, result.report()
    assert result.ok()


async def test_a_killed_cluster_primary_loses_doubles_and_repeats_nothing(tmp_path: Path) -> None:
    result = await run_failover(tmp_path, mode="cluster", teachers=TEACHERS, kills=1)
    assert result.kills == {"primary": 1}
    assert result.failover_s and result.failover_s[0] > 0
    assert (result.lost, result.duplicated_answers, result.unanswered) == (0, 0, 0), result.report()
    assert result.repeated_messages == 0, result.report()
    assert result.bot_exits == 0 and result.errors == 0, result.report()
    assert result.ok()
