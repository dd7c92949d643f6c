"""Chaos: teachers answer while a worker, the ingress or Redis itself is SIGKILLed at random
and restarted. Afterwards every teacher's stored answers must be exactly what they sent, in
order, none twice, and every message must have had a reply. Used by tests/test_chaos.py (short)
and bench/chaos.py (long)."""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

from bot.dialogues.script import load_texts
from tests.answers import ANSWERS
from tests.e2e import TOKEN, BotProcess, Teacher
from tests.fake_telegram import FakeTelegram
from tests.redis_server import RedisServer
from tests.test_e2e_telegram import stored

ITEMS = ("i01_pupil", "i02_class", "i03_reason", "q01_three_words")
NL = load_texts("nl")


@dataclass
class ChaosResult:
    teachers: int
    kills: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicated_answers: int = 0
    unanswered: int = 0
    repeated_messages: int = 0
    errors: int = 0

    def ok(self) -> bool:
        return not (self.lost or self.duplicated_answers or self.unanswered or self.errors)


async def _teacher(teacher: Teacher, answers: list[str], timeout: float) -> bool:
    """One teacher's interview start; False when a message got no reply in time."""
    try:
        await teacher.say("/start", timeout=timeout)
        await teacher.press(NL.get("consent_yes"), timeout=timeout)
        for answer in answers:
            await teacher.say(answer, timeout=timeout)
    except (TimeoutError, StopIteration):
        return False
    return True


async def _chaos(roles: dict[str, BotProcess | RedisServer], kills: int, seed: int,
                 counts: dict[str, int], done: asyncio.Event) -> None:  # fmt: skip
    rng = random.Random(seed)
    for _ in range(kills):
        if done.is_set():
            return
        await asyncio.sleep(rng.uniform(0.3, 1.5))
        _supervise(roles, counts)
        name = rng.choice(sorted(roles))
        victim = roles[name]
        victim.kill()
        counts[name] = counts.get(name, 0) + 1
        await asyncio.sleep(rng.uniform(0.1, 0.6))
        victim.start()


def _supervise(roles: dict[str, BotProcess | RedisServer], counts: dict[str, int]) -> None:
    """Like a process supervisor: start again what exited by itself (e.g. it started while
    Redis was down and said so in one line)."""
    for role in roles.values():
        if isinstance(role, BotProcess) and role.process and role.process.poll() is not None:
            role.process = None
            role.start()
            counts["restarted by supervisor"] = counts.get("restarted by supervisor", 0) + 1


def _repeats(tg: FakeTelegram, user: int) -> int:
    texts = [m.text for m in tg.sent(user) if m.method == "sendMessage"]
    return sum(1 for a, b in itertools.pairwise(texts) if a == b)


async def run_chaos(tmp: Path, *, teachers: int, kills: int, seed: int = 7,
                    timeout: float = 60.0) -> ChaosResult:  # fmt: skip
    """Start Redis (AOF, fsync always), one ingress and two workers; let `teachers` answer
    while `kills` random SIGKILLs happen; then check what is stored."""
    redis = RedisServer(tmp / "redis", appendonly=True).start()
    async with FakeTelegram(token=TOKEN) as tg:
        env = {"LEASE_MS": "2000"}
        roles: dict[str, BotProcess | RedisServer] = {"redis": redis}
        for name, role in (("ingress", "ingress"), ("worker-a", "worker"), ("worker-b", "worker")):
            roles[name] = BotProcess(tg, redis.url, tmp / name, tmp / f"{name}.log",
                                     extra_env=env | {"LLINC_CONSUMER": name},
                                     role=role).start()  # fmt: skip
        result = ChaosResult(teachers)
        try:
            await _run(tg, roles, result, teachers, kills, seed, timeout)
            from redis.asyncio import Redis

            client = Redis.from_url(redis.url)
            await _check(client, result, teachers)
            await client.aclose()
            result.repeated_messages = sum(_repeats(tg, 20_000 + n) for n in range(teachers))
            for name in ("ingress", "worker-a", "worker-b"):
                log = roles[name].log_text()  # type: ignore[union-attr]
                result.errors += log.count("Traceback")
        finally:
            for role in roles.values():
                if isinstance(role, BotProcess) and role.process is not None:
                    await role.stop()
            redis.stop()
    return result


async def _run(tg: FakeTelegram, roles: dict[str, BotProcess | RedisServer],
               result: ChaosResult, teachers: int, kills: int, seed: int,
               timeout: float) -> None:  # fmt: skip
    people = [Teacher(tg, 20_000 + n, language_code="nl") for n in range(teachers)]
    answers = ANSWERS["nl"][: len(ITEMS)]
    done = asyncio.Event()
    chaos = asyncio.create_task(_chaos(roles, kills, seed, result.kills, done))
    watch = asyncio.create_task(_watch(roles, result.kills, done))
    outcomes = await asyncio.gather(*(_teacher(p, answers, timeout) for p in people))
    done.set()
    await chaos
    await watch
    result.unanswered = outcomes.count(False)


async def _watch(roles: dict[str, BotProcess | RedisServer], counts: dict[str, int],
                 done: asyncio.Event) -> None:  # fmt: skip
    while not done.is_set():
        _supervise(roles, counts)
        await asyncio.sleep(0.5)


async def _check(redis: object, result: ChaosResult, teachers: int) -> None:
    answers = ANSWERS["nl"][: len(ITEMS)]
    for n in range(teachers):
        state = await stored(redis, 20_000 + n)  # type: ignore[arg-type]
        got = state.sessions[0].answers if state and state.sessions else {}
        mains = [got[i].parts[0].text if i in got and got[i].parts else None for i in ITEMS]
        if mains != answers:
            result.lost += 1
        parts = [p.text for a in got.values() for p in a.parts]
        result.duplicated_answers += len(parts) - len(set(parts))
