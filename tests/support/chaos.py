"""Chaos: teachers answer while a worker, the ingress or Redis itself is SIGKILLed at random
and restarted. Afterwards every teacher's stored answers must be exactly what they sent, in
order, none twice, and every message must have had a reply.

Then due jobs, fired by both workers' schedulers: the teachers fall silent, all bot processes
restart with their clock two hours on and a reminder's idle time cut to 3.6 s. Every teacher's
first reminder is due at once, the second 3.6 s after it, then no more (`MAX_REMINDERS` per
session), while more SIGKILLs happen. Then the clock moves on past a claimed job's lease (what
a killed worker had claimed is due again) and the run waits until no reminder job and no reply
is left in Redis. Each teacher must have got both reminders, none committed twice (a copy sent
again of a reminder committed once is counted, not failed: the Bot API has no idempotency key),
and no reminder job may be left. Used by tests/test_chaos.py (short) and bench/chaos.py (long).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from bot.dialogues.script import load_texts
from bot.jobs.reminders import MAX_REMINDERS
from bot.storage.jobqueue import JobQueue
from bot.storage.keys import PartitionKeys
from tests.support.answers import ANSWERS
from tests.support.e2e import PARTITIONS, TOKEN, BotProcess, Teacher, stored
from tests.support.fake_telegram import SEND_METHODS, FakeTelegram
from tests.support.redis_server import RedisServer

ITEMS = ("i01_pupil", "i02_class", "i03_reason", "q01_three_words")
NL = load_texts("nl")
FIRST_USER = 20_000

# While teachers answer, reminders are due an hour after the consent: never in that phase. Quiet
# hours never hold one back ("00:00-00:00" is an empty range, see Reminders.quiet_until).
ANSWER_ENV = {"REMINDER_HOURS": "1", "QUIET_HOURS": "00:00-00:00", "CLOCK_OFFSET_S": "0"}
# Then the bots' clock moves on two hours (every first reminder is due) and a reminder needs
# only 3.6 s of idle time (the second comes 3.6 s after the first).
JOB_OFFSET_S = 2 * 3600
JOB_ENV = {"REMINDER_HOURS": "0.001", "CLOCK_OFFSET_S": str(JOB_OFFSET_S)}
# A claimed job's lease: JobQueue.claim_due's default, which the Scheduler uses.
JOB_LEASE_S = inspect.signature(JobQueue.claim_due).parameters["lease_ms"].default / 1000
SETTLE_S = 3.0  # after the last expected reminder: time for anything doubled to arrive
REMINDER = NL.messages["reminder"].split("{", 1)[0]  # "Hallo! Een vriendelijke herinnering: ..."
# Logged by Service.handle after each committed turn.
JOB_TURN = re.compile(r"turn event=job:(remind:(\d+):\S+) kind=job user=\d+ replies=(\d+)")
WORKER_UP = re.compile(r"bot\.telegram\.app: worker \S+ is running$", re.MULTILINE)
LOG_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", re.MULTILINE)
# A job whose turn Redis broke off (killed): the Scheduler logs it with its traceback and the
# job runs again after its lease. Expected here, so counted apart from `errors`.
JOB_RETRY = re.compile(r"job \w+ failed; it will be retried after its lease\n")
KILLED_AT: list[tuple[float, str]] = []  # (time.monotonic(), process) of every kill of a run
REDIS_DOWN = re.compile(r"^redis\.exceptions\.(ConnectionError|TimeoutError|BusyLoadingError)\b")


@dataclass
class ChaosResult:
    teachers: int
    kills: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicated_answers: int = 0
    unanswered: int = 0
    repeated_messages: int = 0
    repeats_after: dict[str, int] = field(default_factory=dict)  # by the first kill after the
    # first copy (before the second), or "no kill" when none came between the two
    repeat_examples: list[str] = field(default_factory=list)  # the first few
    errors: int = 0
    job_kills: dict[str, int] = field(default_factory=dict)
    jobs_expected: int = 0  # reminders the teachers must get
    jobs_missing: int = 0  # expected reminders that never fired or were never sent
    jobs_doubled: int = 0  # reminder turns committed beyond the expected ones
    jobs_left: int = 0  # reminder jobs still scheduled, claimed or in a teacher's job list
    reminders_repeated: int = 0  # copies sent again of a reminder committed once (no Bot API
    # idempotency key: a crash between sending and marking sent repeats a message)
    jobs_reclaimed: int = 0  # jobs still claimed when the kills ended, run after their lease
    job_retries: int = 0  # job turns broken off by a Redis kill, run again after their lease
    job_problems: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # answers: what is missing, where

    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated_answers
            or self.unanswered
            or self.errors
            or self.jobs_missing
            or self.jobs_doubled
            or self.jobs_left
        )

    def report(self) -> str:
        """Every count and every problem, a line each (for a failed test's message)."""
        counts = {k: v for k, v in vars(self).items() if k not in ("problems", "job_problems")}
        return "\n".join([repr(counts), *self.problems, *self.job_problems])


async def _teacher(teacher: Teacher, answers: list[str], timeout: float) -> str | None:
    """One teacher's interview start; what got no reply in time, or None."""
    steps = ["/start", NL.get("consent_yes"), *answers]
    for number, step in enumerate(steps):
        try:
            if number == 1:
                await teacher.press(step, timeout=timeout)
            else:
                await teacher.say(step, timeout=timeout)
        except (TimeoutError, StopIteration) as exc:
            return f"teacher {teacher.user_id}: step {number} unanswered ({type(exc).__name__})"
    return None


async def _chaos(
    roles: dict[str, BotProcess | RedisServer],
    kills: int,
    seed: int,
    counts: dict[str, int],
    done: asyncio.Event,
) -> None:
    rng = random.Random(seed)
    for _ in range(kills):
        if done.is_set():
            return
        await asyncio.sleep(rng.uniform(0.3, 1.5))
        _supervise(roles, counts)
        name = rng.choice(sorted(roles))
        await _kill_and_restart(roles, name, counts, rng)


async def _kill_and_restart(
    roles: dict[str, BotProcess | RedisServer],
    name: str,
    counts: dict[str, int],
    rng: random.Random,
) -> None:
    """SIGKILL one process, count it, and start it again a moment later."""
    victim = roles[name]
    victim.kill()
    KILLED_AT.append((time.monotonic(), name))
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


def _reminders(tg: FakeTelegram, user: int) -> list[str]:
    return [text for text in tg.texts(user) if text.startswith(REMINDER)]


def _repeats(tg: FakeTelegram, user: int, causes: Counter[str], examples: list[str]) -> int:
    """Messages sent twice in a row (reminders aside: the second one repeats the first); each
    is put down in `causes` to the first kill between the two copies."""
    sent = [
        m
        for m in tg.sent(user)
        if m.method in SEND_METHODS and m.text and not m.text.startswith(REMINDER)
    ]
    repeats = [(a, b) for a, b in itertools.pairwise(sent) if a.text == b.text]
    for first, second in repeats:
        between = [name for at, name in KILLED_AT if first.time <= at <= second.time]
        cause = between[0] if between else "no kill"
        causes[cause] += 1
        if len(examples) < 10:
            gap = second.time - first.time
            examples.append(f"{user} after {cause}, {gap:.2f} s apart: {(first.text or '')[:50]!r}")
    return len(repeats)


def _users(teachers: int) -> range:
    return range(FIRST_USER, FIRST_USER + teachers)


async def run_chaos(
    tmp: Path,
    *,
    teachers: int,
    kills: int,
    job_kills: int | None = None,
    seed: int = 7,
    timeout: float = 60.0,
) -> ChaosResult:
    """Start Redis (AOF, fsync always), one ingress and two workers; let `teachers` answer
    while `kills` random SIGKILLs happen; then let their reminders fall due while `job_kills`
    (default: `kills`) more happen; then check what is stored and what was sent."""
    KILLED_AT.clear()
    redis = RedisServer(tmp / "redis", appendonly=True).start()
    async with FakeTelegram(token=TOKEN) as tg:
        env = {"LEASE_MS": "2000"} | ANSWER_ENV
        roles: dict[str, BotProcess | RedisServer] = {"redis": redis}
        for name, role in (("ingress", "ingress"), ("worker-a", "worker"), ("worker-b", "worker")):
            roles[name] = BotProcess(
                tg,
                redis.url,
                tmp / name,
                tmp / f"{name}.log",
                extra_env=env | {"LLINC_CONSUMER": name},
                role=role,
            ).start()
        result = ChaosResult(teachers, jobs_expected=MAX_REMINDERS * teachers)
        try:
            await _run(tg, roles, result, teachers, kills, seed, timeout)
            client = Redis.from_url(redis.url)
            await _check(client, result, teachers)
            await client.aclose()
            await _jobs(
                tg,
                roles,
                redis.url,
                result,
                teachers,
                kills if job_kills is None else job_kills,
                seed + 1,
                timeout,
            )
            client = Redis.from_url(redis.url)
            workers = [roles["worker-a"], roles["worker-b"]]
            logs = "".join(w.log_text() for w in workers if isinstance(w, BotProcess))
            await _check_jobs(client, tg, logs, result, teachers)
            await client.aclose()
            causes: Counter[str] = Counter()
            result.repeated_messages = sum(
                _repeats(tg, u, causes, result.repeat_examples) for u in _users(teachers)
            )
            result.repeats_after = dict(causes)
            for name in ("ingress", "worker-a", "worker-b"):
                _count_tracebacks(roles[name].log_text(), result)  # type: ignore[union-attr]
        finally:
            for role in roles.values():
                if isinstance(role, BotProcess) and role.process is not None:
                    await role.stop()
            redis.stop()
    return result


async def _run(
    tg: FakeTelegram,
    roles: dict[str, BotProcess | RedisServer],
    result: ChaosResult,
    teachers: int,
    kills: int,
    seed: int,
    timeout: float,
) -> None:
    people = [Teacher(tg, user, language_code="nl") for user in _users(teachers)]
    answers = ANSWERS["nl"][: len(ITEMS)]
    done = asyncio.Event()
    chaos = asyncio.create_task(_chaos(roles, kills, seed, result.kills, done))
    watch = asyncio.create_task(_watch(roles, result.kills, done))
    outcomes = await asyncio.gather(*(_teacher(p, answers, timeout) for p in people))
    done.set()
    await chaos
    await watch
    unanswered = [outcome for outcome in outcomes if outcome is not None]
    result.unanswered = len(unanswered)
    result.problems += unanswered


async def _jobs(
    tg: FakeTelegram,
    roles: dict[str, BotProcess | RedisServer],
    url: str,
    result: ChaosResult,
    teachers: int,
    kills: int,
    seed: int,
    timeout: float,
) -> None:
    """The teachers are silent; their reminders fall due while `kills` SIGKILLs happen."""
    bots = [role for role in roles.values() if isinstance(role, BotProcess)]
    users = _users(teachers)
    total = MAX_REMINDERS * len(users)
    await _restart(bots, JOB_ENV)
    async with _supervised(roles, result.job_kills):
        await _job_chaos(tg, roles, users, kills, seed, result.job_kills)
    await asyncio.gather(*(bot.stop() for bot in bots))
    client = Redis.from_url(url)
    for partition in range(PARTITIONS):  # claimed by a worker that died before its turn ended
        result.jobs_reclaimed += await client.zcard(PartitionKeys(partition).jobs_running)
    # Time passes: what a killed worker had claimed is due again once its lease has run out.
    await _restart(bots, {"CLOCK_OFFSET_S": str(JOB_OFFSET_S + int(JOB_LEASE_S) + 10)})
    async with _supervised(roles, result.job_kills):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and (await _busy(client) or _arrived(tg, users) < total):
            await asyncio.sleep(0.2)
        await asyncio.sleep(SETTLE_S)
    await client.aclose()


async def _job_chaos(
    tg: FakeTelegram,
    roles: dict[str, BotProcess | RedisServer],
    users: range,
    kills: int,
    seed: int,
    counts: dict[str, int],
) -> None:
    """Kills at random moments while reminders fall due and go out. Half of them come within
    half a second after a worker has started (when it claims what is due and runs it) and hit
    that worker or Redis; the others come after a random number of further reminders has
    arrived, right away (between sending a reminder and marking it sent) or up to about one
    scheduler poll later, and hit any process. When the awaited moment does not come for a
    random while (e.g. a dead worker's claimed jobs wait for its lease, or all is done), the
    kill comes then."""
    rng = random.Random(seed)
    for _ in range(kills):
        patience = rng.uniform(1.0, 5.0)
        if rng.random() < 0.5:
            before = _started(roles)
            await _until(lambda: _started(roles) != before, patience)  # noqa: B023
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            up = [name for name, n in _started(roles).items() if n > before[name]]
            name = rng.choice([*up[:1], "redis"]) if up else rng.choice(sorted(roles))
        else:
            target = _arrived(tg, users) + rng.randint(1, max(1, len(users) // 2))
            await _until(lambda: _arrived(tg, users) >= target, patience)  # noqa: B023
            if rng.random() < 0.5:
                await asyncio.sleep(rng.uniform(0.0, 1.2))
            name = rng.choice(sorted(roles))
        await _kill_and_restart(roles, name, counts, rng)


def _started(roles: dict[str, BotProcess | RedisServer]) -> dict[str, int]:
    """How often each worker has come up so far (its log says so)."""
    return {
        name: len(WORKER_UP.findall(role.log_text()))
        for name, role in roles.items()
        if isinstance(role, BotProcess) and role.role == "worker"
    }


def _arrived(tg: FakeTelegram, users: range) -> int:
    """Reminders sent to these users so far."""
    return sum(len(_reminders(tg, user)) for user in users)


async def _restart(bots: list[BotProcess], env: dict[str, str]) -> None:
    """Stop every bot process (SIGTERM), change their settings, start them again."""
    await asyncio.gather(*(bot.stop() for bot in bots))
    for bot in bots:
        bot.extra_env.update(env)
        bot.start()


@contextlib.asynccontextmanager
async def _supervised(
    roles: dict[str, BotProcess | RedisServer], counts: dict[str, int]
) -> AsyncIterator[None]:
    done = asyncio.Event()
    watch = asyncio.create_task(_watch(roles, counts, done))
    try:
        yield
    finally:
        done.set()
        await watch


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:
        await asyncio.sleep(0.02)


async def _watch(
    roles: dict[str, BotProcess | RedisServer], counts: dict[str, int], done: asyncio.Event
) -> None:
    while not done.is_set():
        _supervise(roles, counts)
        await asyncio.sleep(0.5)


async def _check(redis: Redis, result: ChaosResult, teachers: int) -> None:
    answers = ANSWERS["nl"][: len(ITEMS)]
    for user in _users(teachers):
        state = await stored(redis, user)
        got = state.sessions[0].answers if state and state.sessions else {}
        mains = [got[i].parts[0].text if i in got and got[i].parts else None for i in ITEMS]
        if mains != answers:
            result.lost += 1
            have = [item for item, main in zip(ITEMS, mains, strict=True) if main]
            result.problems.append(f"teacher {user}: stored {len(got)} answers, items {have}")
        parts = [p.text for a in got.values() for p in a.parts]
        result.duplicated_answers += len(parts) - len(set(parts))
    if result.lost or result.unanswered:
        result.problems += await _where(redis)


async def _where(redis: Redis) -> list[str]:
    """Where unhandled entries sit: per stream, how many; and who holds each partition's
    lease."""
    found = []
    for partition in range(PARTITIONS):
        keys = PartitionKeys(partition)
        owner = await redis.get(keys.lease)
        outboxes = [keys.outbox_for(route) for route in ("telegram", "internal")]
        for stream in (keys.ingress, *outboxes):
            length = await redis.xlen(stream)
            if length:
                found.append(f"{stream}: {length} entries, lease {owner!r}")
    return found


async def _check_jobs(
    redis: Redis, tg: FakeTelegram, logs: str, result: ChaosResult, teachers: int
) -> None:
    """Per teacher: the reminders that fired (the count in the stored session), were committed
    (the workers' turn log lines: a kill right after a commit may leave one out, never adds
    one) and were sent (fake Telegram; both reminders have the same text, so only how many);
    then the reminder jobs left in Redis."""
    committed: Counter[int] = Counter()
    per_job: Counter[str] = Counter()
    for match in JOB_TURN.finditer(logs):
        if int(match[3]):
            committed[int(match[2])] += 1
            per_job[match[1]] += 1
    result.job_problems += [f"{job} committed {n} times" for job, n in per_job.items() if n > 1]
    if not per_job and any(_reminders(tg, user) for user in _users(teachers)):
        result.errors += 1  # else `jobs_doubled` would silently stay 0
        result.job_problems.append("no reminder turn in the workers' logs: has the line changed?")
    for user in _users(teachers):
        state = await stored(redis, user)
        session = state.session() if state else None
        fired = session.reminders_sent if session else 0
        arrived = len(_reminders(tg, user))
        result.jobs_missing += MAX_REMINDERS - min(fired, arrived, MAX_REMINDERS)
        result.jobs_doubled += max(0, committed[user] - MAX_REMINDERS)
        result.reminders_repeated += max(0, arrived - max(fired, committed[user]))
        if (fired, arrived, committed[user]) != (MAX_REMINDERS,) * 3:
            result.job_problems.append(
                f"teacher {user}: {fired} reminder(s) fired, "
                f"{committed[user]} logged, {arrived} sent"
            )
        ids = [j for j in state.job_ids if j.startswith("remind:")] if state else []
        result.jobs_left += len(ids)
        result.job_problems += [f"{job} still in the job list of {user}" for job in ids]
    left = await _busy(redis)
    result.jobs_left += len(left)
    result.job_problems += [f"{what} left in Redis" for what in left]


async def _busy(redis: Redis) -> list[str]:
    """Reminder jobs scheduled or stored, any job claimed, any reply not sent yet."""
    found = []
    for partition in range(PARTITIONS):
        keys = PartitionKeys(partition)
        scheduled = await redis.zrange(keys.jobs, 0, -1)
        running = await redis.zrange(keys.jobs_running, 0, -1)
        data = await redis.hkeys(keys.job_data)
        left = {j for j in [*scheduled, *data] if j.startswith(b"remind:")} | set(running)
        found += [f"job {job.decode()}" for job in sorted(left)]
        unsent = await redis.xlen(keys.outbox_for("telegram"))
        found += [f"{unsent} unsent message(s) in partition {partition}"] if unsent else []
    return found


def _count_tracebacks(log: str, result: ChaosResult) -> None:
    """Every logged traceback is an error, except a job broken off by a Redis kill."""
    for record in LOG_RECORD.split(log):
        if "Traceback" not in record:
            continue
        last = record.rstrip().rsplit("\n", 1)[-1]
        if JOB_RETRY.search(record) and REDIS_DOWN.match(last):
            result.job_retries += 1
        else:
            result.errors += 1
