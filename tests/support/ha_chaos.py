"""Failover chaos: teachers answer while the Redis primary is SIGKILLed, behind Sentinel or in
a Cluster; the bot processes are never restarted. Every teacher's answers must be stored
exactly once, in order, every message must have had a reply, and no message may reach a
teacher twice (no question asked twice): a write counts only once a replica has it
(REDIS_MIN_REPLICAS=1, `bot.storage.replicas`), so the promoted replica knows every reply that
went out and every update that was confirmed to Telegram.

A kill: the primary (or, at random in the long run, a replica) is SIGKILLed; once a replica is
promoted the killed server starts again and comes back as a replica. Used by
tests/e2e/test_failover.py (one kill) and bench/chaos.py --sentinel / --cluster (random kills).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from redis.asyncio import Redis

from tests.support.answers import ANSWERS
from tests.support.chaos import (
    ANSWER_ENV,
    ITEMS,
    KILLED_AT,
    ChaosResult,
    _check,
    _count_tracebacks,
    _repeats,
    _teacher,
    _users,
)
from tests.support.e2e import TOKEN, BotProcess, Teacher
from tests.support.fake_telegram import FakeTelegram
from tests.support.redis_ha import ClusterGroup, SentinelGroup, SingleServer

Mode = Literal["sentinel", "cluster", "single"]


class Group(Protocol):
    """Redis with replicas under the test's control (`tests.support.redis_ha`)."""

    def start(self) -> Group: ...
    def stop(self) -> None: ...
    def env(self) -> dict[str, str]: ...
    def fail_over(self, victim: str = "primary") -> float: ...
    async def client(self) -> Redis: ...


@dataclass
class FailoverResult(ChaosResult):
    mode: str = ""
    failover_s: list[float] = field(default_factory=list)  # kill -> a replica promoted
    bot_exits: int = 0  # bot processes that died (none may: the bot follows by itself)
    turns_per_s: float = 0.0  # answers (and /start, consent) handled per second, kills included

    def ok(self) -> bool:
        return (
            not (self.lost or self.duplicated_answers or self.unanswered or self.errors)
            and not self.repeated_messages
            and not self.bot_exits
        )


def make_group(mode: Mode, directory: Path) -> Group:
    if mode == "sentinel":
        return SentinelGroup(directory)
    if mode == "single":
        return SingleServer(directory)
    return ClusterGroup(directory)


async def run_failover(
    tmp: Path,
    *,
    mode: Mode,
    teachers: int,
    kills: int = 1,
    seed: int = 7,
    random_kills: bool = False,
    timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
    min_replicas: int = 1,
) -> FailoverResult:
    """Start the servers, one ingress and two workers; let `teachers` answer while `kills`
    failovers happen (the first when a third of the replies are out; with `random_kills` at
    random moments, sometimes of a replica); then check what is stored and what was sent."""
    KILLED_AT.clear()
    group = await asyncio.to_thread(make_group(mode, tmp / "redis").start)
    result = FailoverResult(teachers, mode=mode)
    bots: list[BotProcess] = []
    try:
        async with FakeTelegram(token=TOKEN) as tg:
            # LEASE_MS stays at its default (15 s), longer than a failover: a lease that ran
            # out meanwhile would hand a partition, and a reply sent but not yet acknowledged,
            # to the other worker, which would send it again.
            env = {
                "REDIS_MIN_REPLICAS": str(min_replicas),
            }
            env |= ANSWER_ENV | group.env() | (extra_env or {})
            for name, role in (
                ("ingress", "ingress"),
                ("worker-a", "worker"),
                ("worker-b", "worker"),
            ):
                bots.append(
                    BotProcess(
                        tg,
                        "",
                        tmp / name,
                        tmp / f"{name}.log",
                        extra_env=env | {"LLINC_CONSUMER": name},
                        role=role,
                    ).start()
                )
            await _run(tg, group, result, teachers, kills, seed, random_kills, timeout)
            result.bot_exits = sum(
                1 for bot in bots if bot.process and bot.process.poll() is not None
            )
            client = await group.client()
            await _check(client, result, teachers)
            await client.aclose()
            causes: Counter[str] = Counter()
            result.repeated_messages = sum(
                _repeats(tg, u, causes, result.repeat_examples) for u in _users(teachers)
            )
            result.repeats_after = dict(causes)
            for bot in bots:
                _count_tracebacks(bot.log_text(), result)
    finally:
        for bot in bots:
            if bot.process is not None:
                await bot.stop()
        await asyncio.to_thread(group.stop)
    return result


async def _run(
    tg: FakeTelegram,
    group: Group,
    result: FailoverResult,
    teachers: int,
    kills: int,
    seed: int,
    random_kills: bool,
    timeout: float,
) -> None:
    people = [Teacher(tg, user, language_code="nl") for user in _users(teachers)]
    answers = ANSWERS["nl"][: len(ITEMS)]
    done = asyncio.Event()
    started = time.monotonic()
    killer = asyncio.create_task(
        _kills(tg, group, result, teachers, kills, seed, random_kills, done)
    )
    outcomes = await asyncio.gather(*(_teacher(p, answers, timeout) for p in people))
    result.turns_per_s = teachers * (2 + len(ITEMS)) / (time.monotonic() - started)
    done.set()
    await killer
    unanswered = [outcome for outcome in outcomes if outcome is not None]
    result.unanswered = len(unanswered)
    result.problems += unanswered


async def _kills(
    tg: FakeTelegram,
    group: Group,
    result: FailoverResult,
    teachers: int,
    kills: int,
    seed: int,
    random_kills: bool,
    done: asyncio.Event,
) -> None:
    """The first kill (of the primary) once a third of all replies are out; the others at
    random moments after it."""
    rng = random.Random(seed)
    expected = teachers * (2 + len(ITEMS))
    while len(tg.sent()) < expected // 3 and not done.is_set():
        await asyncio.sleep(0.05)
    for number in range(kills):
        if done.is_set():
            return
        victim = "primary"
        if random_kills and number and rng.random() < 0.25:
            victim = "replica"
        KILLED_AT.append((time.monotonic(), victim))
        result.kills[victim] = result.kills.get(victim, 0) + 1
        result.failover_s.append(round(await asyncio.to_thread(group.fail_over, victim), 2))
        if random_kills:
            await asyncio.sleep(rng.uniform(0.5, 3.0))
