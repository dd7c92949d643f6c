"""Load benchmark: N simulated teachers against the real bot, the fake Bot API and a private Redis.

Starts the fake Bot API server (tests/support/fake_telegram.py) in this process, a private
redis-server
with AOF on (appendfsync everysec) and the bot itself as child processes (`python -m bot
telegram`), then lets N teachers take the interview at the same time. A turn is one update and
its replies; its latency runs from the moment the update is added to the fake server to the
moment the fake server receives the first reply (both times on this process's monotonic clock).
Prints numbers and the targets for context; asserts nothing. Method and results:
docs/performance.md.

Run from the repository root:
    .venv/bin/python bench/load.py [--teachers N] [--workers W] [--think S] [--questions Q]
                                   [--mode polling|webhook] [--json] [--lift-limits] [--timeout S]
--lift-limits raises the bot's own send limits (Telegram's 30 messages/s, about 1/s per chat)
so that the bot's capacity is measured instead of those limits. W > 1 starts one `llinc
ingress` and W `llinc worker` processes (when the bot has them).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
import contextlib
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis import Redis as SyncRedis
from redis.asyncio import Redis

from bot.dialogues.script import Texts, load_texts
from tests.support.answers import ANSWERS, PROBE_ANSWER
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:bench-token-for-the-fake-server"
LANG = "nl"
WARMUP_USERS = range(1, 17)
FIRST_USER = 100_000
MAX_PROBES = 3  # follow-ups answered per question before moving on regardless
LOG_GRACE_S = 5.0  # how long a reply may precede its "turn ..." log line being readable
RESERVE_S = 30.0  # of the global timeout, kept for the checks and the clean-up
READY_S = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
TURN_LINE = re.compile(rb"turn event=(\S+)(?: kind=(\S+))?.*?replies=(\d+) ms=([\d.]+)")
PROGRESS = re.compile(r"Vraag \d+ van \d+|Laatste vraag|Voordat we beginnen \(\d+/\d+\)")
# Raises the bot's shared rate limits (SEND_RATE_BOT, SEND_RATE_CHAT) so that they never
# bind; the limiter still runs (and still costs its Redis calls). Nothing else is changed.
LIFTED_RATE = "100000/second"
TARGETS = [
    ("throughput", "one worker sustains >= 400 turns/s with AOF on (think 0)"),
    ("latency", "p99 < 50 ms at half that load"),
    ("redis", "<= 3 Redis round trips per turn"),
    ("memory", "peak RSS flat in N, <= 120 MB per bot process at 200 teachers"),
    ("bytes", "<= 1.5 KB written per turn at the first and the last question, last <= 1.2x first"),
    ("safety", "lost = 0 and duplicated_answers = 0"),
]
_STARTED: list[subprocess.Popen[bytes]] = []  # every child process, for the last-resort kill


@dataclass(frozen=True)
class Options:
    """The command line."""

    teachers: int
    workers: int
    think: float
    questions: int | None
    mode: str
    json: bool
    timeout: float
    turn_timeout: float
    fsync: str
    lift_limits: bool
    split: bool
    seed: int
    keep: Path | None
    profile: Path | None = None


def parse_options(argv: list[str] | None = None) -> Options:
    """Options from the command line (defaults: 100 teachers, 1 worker, think 0, all)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--teachers", type=int, default=100, help="simulated teachers (N)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (W)")
    p.add_argument("--think", type=float, default=0.0, help="seconds after a reply (x0.5-1.5)")
    p.add_argument("--questions", type=int, default=None, help="answer at most Q questions")
    p.add_argument("--mode", choices=["polling", "webhook"], default="polling")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--timeout", type=float, default=600.0, help="global timeout in seconds")
    p.add_argument("--turn-timeout", type=float, default=120.0, help="wait for one reply")
    p.add_argument("--fsync", choices=["everysec", "always", "no"], default="everysec")
    p.add_argument(
        "--lift-limits",
        action="store_true",
        help="raise the bot's 30/s and 3-per-3-s-per-chat send limits (measures capacity)",
    )
    p.add_argument(
        "--split",
        action="store_true",
        help="one ingress + W workers even for W=1 (if the bot has them)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", type=Path, default=None, help="keep logs and Redis data here")
    p.add_argument(
        "--profile", type=Path, default=None, help="run each bot under cProfile: DIR/<name>.prof"
    )
    a = p.parse_args(argv)
    return Options(
        a.teachers,
        a.workers,
        a.think,
        a.questions,
        a.mode,
        a.json,
        a.timeout,
        a.turn_timeout,
        a.fsync,
        a.lift_limits,
        a.split,
        a.seed,
        a.keep,
        a.profile,
    )


# ---- processes --------------------------------------------------------------------------------


@dataclass
class Child:
    """One bot process (a role of `python -m bot`) and its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path


def bot_subcommands() -> set[str]:
    """The subcommands `python -m bot` offers now (others are changing the bot meanwhile)."""
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    found = re.search(r"\{([\w,-]+)\}", out.stdout)
    return set(found.group(1).split(",")) if found else set()


def plan_roles(workers: int, split: bool, notes: list[str], mode: str = "polling") -> list[str]:
    """The roles to start: one `telegram` (or `webhook`) process, or one ingress plus W
    workers when the bot has them (and a sender when that is a role of its own)."""
    if mode == "webhook":
        if workers <= 1 and not split:
            return ["webhook"]
        return ["webhook --ingress-only", *["worker"] * workers]
    if workers <= 1 and not split:
        return ["telegram"]
    commands = bot_subcommands()
    if {"worker", "ingress"} <= commands:
        return ["ingress", *["worker"] * workers, *(["sender"] if "sender" in commands else [])]
    message = "W>1 needs llinc worker (not yet): running W=1"
    print(message, file=sys.stderr, flush=True)
    notes.append(message)
    return ["telegram"]


def free_port() -> int:
    """A TCP port nobody listens on now (for the bot's webhook)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(tg_url: str, redis_url: str, key: str, data_dir: Path, consumer: str) -> dict[str, str]:
    """The environment of a bot process: the fake API, the private Redis, no LLM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=tg_url,
        REDIS_URL=redis_url,
        LLINC_MASTER_KEY=key,
        DATA_DIR=str(data_dir),
        POLL_TIMEOUT_S="1",
        LLINC_CONSUMER=consumer,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def bot_commit() -> str:
    """The commit of the bot's code (read-only git), "+dirty" with uncommitted changes to it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "bot", "prompts"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def start_child(
    name: str, role: str, env: dict[str, str], work: Path, lift: bool, profile: Path | None = None
) -> Child:
    """Start one bot process in `work` (no stray .env is read), its output to a log file."""
    command = [sys.executable, "-m", "bot", *role.split()]
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        command[1:1] = ["-m", "cProfile", "-o", str(profile.resolve() / f"{name}.prof")]
    if lift:
        env = env | {"SEND_RATE_BOT": LIFTED_RATE, "SEND_RATE_CHAT": LIFTED_RATE}
    log = work / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(command, env=env, cwd=work, stdout=out, stderr=out)
    _STARTED.append(popen)
    return Child(name, popen, log)


def start_bots(
    opts: Options, roles: list[str], tg: FakeTelegram, redis_url: str, key: str, work: Path
) -> list[Child]:
    """Start every bot process, each with a consumer name of its own."""
    children = []
    hook = free_port()
    for i, role in enumerate(roles):
        name = f"{role.split()[0]}-{i}"
        env = bot_env(tg.base_url, redis_url, key, work / "data", f"bench-{name}")
        if role.startswith("webhook"):
            env |= {
                "WEBHOOK_URL": f"http://127.0.0.1:{hook}/telegram",
                "WEBHOOK_SECRET": "bench-secret",
                "WEBHOOK_LISTEN": f"127.0.0.1:{hook}",
            }
        children.append(start_child(name, role, env, work, opts.lift_limits, opts.profile))
    return children


async def wait_ready(tg: FakeTelegram, children: list[Child]) -> None:
    """Wait until the bot polls the fake server; fail early (with its log) if it died."""
    deadline = time.monotonic() + READY_S
    while tg.calls["getUpdates"] < 1 and not tg.webhook:
        for child in children:
            if child.popen.poll() is not None:
                tail = child.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{child.name} exited with {child.popen.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot did not poll within {READY_S:.0f}s")
        await asyncio.sleep(0.05)


async def wait_balanced(redis: Redis, workers: int, notes: list[str]) -> None:
    """With several workers: wait until every partition is leased and shared out fairly."""
    try:
        from bot.storage.keys import PartitionKeys
    except ImportError:
        await asyncio.sleep(2.0)
        return
    parts = int(os.environ.get("PARTITIONS", "16"))
    keys = [PartitionKeys(p).lease for p in range(parts)]
    deadline, owners = time.monotonic() + READY_S, Counter[Any]()
    while time.monotonic() < deadline:
        owners = Counter(await redis.mget(keys))
        fair = max(owners.values()) <= math.ceil(parts / workers)
        if None not in owners and len(owners) == workers and fair:
            return
        await asyncio.sleep(0.2)
    shares = {str(k): n for k, n in owners.items()}
    notes.append(f"partition leases not shared out after {READY_S:.0f}s: {shares}")


async def stop_children(children: list[Child], grace_s: float = 10.0) -> list[int | None]:
    """SIGTERM every bot process and wait for clean exits (SIGKILL after the grace time)."""
    for child in children:
        if child.popen.poll() is None:
            child.popen.send_signal(signal.SIGTERM)
    codes: list[int | None] = []
    for child in children:
        try:
            codes.append(await asyncio.to_thread(child.popen.wait, grace_s))
        except subprocess.TimeoutExpired:
            child.popen.kill()
            codes.append(None)
    return codes


def kill_bots(children: list[Child]) -> None:
    """Kill the bot processes still running (a no-op after a clean stop)."""
    for child in children:
        if child.popen.poll() is None:
            child.popen.kill()
            child.popen.wait()


def kill_all() -> None:
    """Last resort (finally, Ctrl-C, atexit): kill every child process still running."""
    for popen in _STARTED:
        if popen.poll() is None:
            popen.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(5)


def start_redis(work: Path, fsync: str) -> RedisServer:
    """A private redis-server with AOF on, switched to the requested fsync policy."""
    server = RedisServer(work / "redis", appendonly=True).start()
    if server.process is not None:
        _STARTED.append(server.process)
    client = SyncRedis(port=server.port)
    try:
        client.config_set("appendfsync", fsync)
    finally:
        client.close()
    return server


# ---- /proc and Redis counters -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process in seconds, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size (VmHWM) of a process in MB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@dataclass
class Snapshot:
    """CPU seconds per process and Redis counters at one moment."""

    cpu: dict[str, float]
    commands: Counter[str]
    reads: int


async def snapshot(redis: Redis, pids: dict[str, int]) -> Snapshot:
    """Take CPU times of the given processes and Redis's command and read-event counters."""
    cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
    info = await redis.info("all")
    commands = Counter(
        {
            k.removeprefix("cmdstat_"): int(v["calls"])
            for k, v in info.items()
            if k.startswith("cmdstat_")
        }
    )
    return Snapshot(cpu, commands, int(info["total_reads_processed"]))


# ---- the bot's log ----------------------------------------------------------------------------


class BotLogs:
    """Reads the bot's log files as they grow: replies and time of each turn, tracebacks."""

    def __init__(self, paths: list[Path]) -> None:
        """Open every log file from its start."""
        self._files = [path.open("rb") for path in paths]
        self._rest = [b""] * len(paths)
        self._read_at = 0.0
        self.turns: dict[str, tuple[int, float]] = {}  # event id -> (replies, ms)
        self.job_turns = 0
        self.tracebacks = 0
        self.error_lines = 0
        self.unlogged = 0

    def refresh(self) -> None:
        """Read what was written since the last call (at most every 5 ms)."""
        now = time.monotonic()
        if now - self._read_at < 0.005:
            return
        self._read_at = now
        for i, file in enumerate(self._files):
            chunk = file.read()
            if chunk:
                *lines, self._rest[i] = (self._rest[i] + chunk).split(b"\n")
                for line in lines:
                    self._line(line)

    def _line(self, line: bytes) -> None:
        """Take the numbers out of one log line."""
        if found := TURN_LINE.search(line):
            event = found[1].decode()
            self.turns[event] = (int(found[3]), float(found[4]))
            self.job_turns += event.startswith("job:")
        elif b"Traceback" in line:
            self.tracebacks += 1
        if b" ERROR " in line:
            self.error_lines += 1

    async def replies(self, event_id: str) -> int:
        """How many replies the bot queued for an event (1 if its log line does not come)."""
        deadline = time.monotonic() + LOG_GRACE_S
        while True:
            self.refresh()
            if (found := self.turns.get(event_id)) is not None:
                return found[0]
            if time.monotonic() > deadline:
                self.unlogged += 1
                return 1
            await asyncio.sleep(0.01)

    def close(self) -> None:
        """Close the log files."""
        for file in self._files:
            file.close()


# ---- teachers ---------------------------------------------------------------------------------


@dataclass
class Bench:
    """What every simulated teacher shares."""

    tg: FakeTelegram
    logs: BotLogs
    opts: Options
    texts: Texts


@dataclass(frozen=True)
class Turn:
    """One update and its replies, on the monotonic clock of this process."""

    event_id: str
    added: float
    first: float
    last: float


@dataclass
class Teacher:
    """One simulated teacher: /start, consent, the answers (and follow-ups), submit."""

    bench: Bench
    user_id: int
    rng: random.Random
    questions: int | None
    think: float
    seen: int = 0  # messages to this chat that belong to earlier turns
    turns: list[Turn] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)  # per question: main answer, probes
    reviewed: bool = False
    done: bool = False

    async def interview(self) -> None:
        """The whole run of one teacher."""
        if self.think > 0:
            await asyncio.sleep(self.rng.uniform(0, self.think))  # do not all start at once
        tg, uid = self.bench.tg, self.user_id
        await self.turn(lambda: tg.add_command(uid, "start", language_code=LANG))
        await self.press(self.bench.texts.get("consent_yes"))
        await self.answer_questions()
        if self.reviewed:
            await self.press(self.bench.texts.get("submit"))
        self.done = True

    async def answer_questions(self) -> None:
        """Answer up to Q questions, each follow-up with PROBE_ANSWER, until the review."""
        answers, review = ANSWERS[LANG], self.bench.texts.get("review_intro")
        limit = self.questions if self.questions is not None else 10**6
        while len(self.items) < limit and not self.reviewed:
            text = answers[len(self.items) % len(answers)]
            said, parts = await self.say(text), [text]
            for _ in range(MAX_PROBES):
                if PROGRESS.search(said) or review in said:
                    break
                said = await self.say(PROBE_ANSWER[LANG])
                parts.append(PROBE_ANSWER[LANG])
            self.items.append(parts)
            self.reviewed = review in said

    async def say(self, text: str) -> str:
        """Type a message; returns the replies' texts."""
        tg, uid = self.bench.tg, self.user_id
        return await self.turn(lambda: tg.add_text(uid, text, language_code=LANG))

    async def press(self, label: str) -> str:
        """Press the button with this label in the latest keyboard that has it."""
        tg, uid = self.bench.tg, self.user_id
        data = next(
            (d for m in reversed(tg.sent(uid)) for lab, d in tg.buttons(m) if lab == label), None
        )
        if data is None:
            raise LookupError(f"teacher {uid}: no button {label!r}")
        return await self.turn(lambda: tg.press_button(uid, data))

    async def turn(self, send: Callable[[], int]) -> str:
        """Add one update, wait for all its replies, record the times, then think."""
        tg, timeout = self.bench.tg, self.bench.opts.turn_timeout
        added = time.monotonic()
        event_id = f"tg:{send()}"
        await tg.wait_for_sent(self.user_id, self.seen + 1, timeout)
        count = max(await self.bench.logs.replies(event_id), 1)
        sent = await tg.wait_for_sent(self.user_id, self.seen + count, timeout)
        replies: list[SentMessage] = sent[self.seen : self.seen + count]
        self.seen += count
        self.turns.append(Turn(event_id, added, replies[0].time, replies[-1].time))
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
        return "\n".join(m.text or "" for m in replies)


@dataclass
class Outcome:
    """The teacher phase: who ran, whether the time ran out, the first failures."""

    teachers: list[Teacher]
    timed_out: bool
    failures: list[str]


async def drive(bench: Bench, budget_s: float) -> Outcome:
    """Run N teachers concurrently, within the time budget."""
    rng = random.Random(bench.opts.seed)
    teachers = [
        Teacher(
            bench,
            FIRST_USER + i,
            random.Random(rng.random()),
            bench.opts.questions,
            bench.opts.think,
        )
        for i in range(bench.opts.teachers)
    ]
    tasks = [asyncio.create_task(t.interview()) for t in teachers]
    try:
        done, pending = await asyncio.wait(tasks, timeout=max(budget_s, 1.0))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    failures = [repr(t.exception())[:300] for t in done if t.exception() is not None]
    return Outcome(teachers, bool(pending), failures)


async def warm_up(bench: Bench) -> None:
    """A few teachers' first turns before measuring (one per partition, so every worker
    takes part): the imports and caches the bot loads lazily are not measured."""
    teachers = [Teacher(bench, uid, random.Random(uid), 1, 0.0) for uid in WARMUP_USERS]
    await asyncio.gather(*(t.interview() for t in teachers))


# ---- bytes per turn ---------------------------------------------------------------------------

METERED_USERS = range(90_000, 90_003)  # teachers that run alone after the measured phase
QUESTION = re.compile(r"Vraag (\d+) van (\d+)")


async def aof_size(redis: Redis) -> int:
    """The AOF's size in bytes now (`aof_current_size`, every AOF file of Redis 7 together)."""
    info = await redis.info("persistence")
    return int(info["aof_current_size"])


def aof_tail(directory: Path) -> Path | None:
    """The AOF file Redis appends to now (the manifest's `type i` file)."""
    manifest = next(directory.rglob("*.manifest"), None)
    if manifest is None:
        return None
    for line in manifest.read_text().splitlines():
        words = line.split()
        if words[-2:] == ["type", "i"]:
            return manifest.parent / words[1]
    return None


def aof_commands(data: bytes) -> list[tuple[list[bytes], int]]:
    """The commands (RESP arrays) in a piece of AOF, each with its size in bytes."""
    commands, i = [], 0
    while i < len(data):
        start, end = i, data.index(b"\r\n", i)
        args = []
        for _ in range(int(data[i + 1 : end])):
            i = end + 2
            end = data.index(b"\r\n", i)
            size = int(data[i + 1 : end])
            args.append(data[end + 2 : end + 2 + size])
            end += 2 + size
        i = end + 2
        commands.append((args, i - start))
    return commands


def aof_kind(args: list[bytes], user_id: int) -> str:
    """What an AOF command writes: the user's document, the user's lock and seen set, the
    streams (ingress, outbox, their consumer-group bookkeeping), the send limits, MULTI/EXEC,
    or other (another user's keys, the partition leases: not this turn's)."""
    key = args[1] if len(args) > 1 else b""
    if args[0].upper() in (b"MULTI", b"EXEC"):
        return "multi_exec"
    if b":u:" in key and f":u:{user_id}:".encode() not in key:
        return "other"
    if key.endswith((b":doc", b":state")):
        return "document"
    if b":u:" in key:
        return "lock_seen"
    if key.endswith((b":ingress", b":telegram", b":internal")):
        return "streams"
    if b":limits:" in key:
        return "send_limits"
    return "other"


@dataclass
class MeteredTeacher(Teacher):
    """A teacher who runs alone and records the AOF's growth over each of its turns: from just
    before the update is added until its replies are sent and acknowledged (outbox empty)."""

    redis: Redis | None = None
    outbox: str = ""
    aof: Path | None = None
    prompt: str = ""  # the bot's last words: the question this turn answers
    main: bool = False
    sizes: list[dict[str, Any]] = field(default_factory=list)

    async def say(self, text: str) -> str:
        """Type a message (remember whether it is a main answer)."""
        self.main = text != PROBE_ANSWER[LANG]
        return await super().say(text)

    async def turn(self, send: Callable[[], int]) -> str:
        """One turn, metered."""
        assert self.redis is not None
        before, prompt, main = await aof_size(self.redis), self.prompt, self.main
        offset = self.aof.stat().st_size if self.aof else 0
        self.main = False
        said = await super().turn(send)
        deadline = time.monotonic() + 10
        while await self.redis.xlen(self.outbox) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        grown = await aof_size(self.redis) - before
        found = QUESTION.search(prompt)
        question = f"{found[1]}/{found[2]}" if found and main else ""
        kinds: Counter[str] = Counter()
        if self.aof is not None:
            with self.aof.open("rb") as tail:
                tail.seek(offset)
                for args, size in aof_commands(tail.read()):
                    kinds[aof_kind(args, self.user_id)] += size
            grown = sum(kinds.values()) - kinds["other"]
        self.sizes.append({"question": question, "bytes": grown, "kinds": dict(kinds)})
        self.prompt = said
        return said


async def bytes_per_turn(bench: Bench, redis: Redis, aof: Path | None) -> dict[str, Any]:
    """The Redis bytes written per turn (AOF growth), measured on a few teachers who each take
    the whole interview alone once the load is over: the first and the last question's main
    answer (median over the teachers), and every turn of the first teacher. Auto AOF rewrites
    are paused meanwhile, so that the size only grows."""
    from bot.storage.keys import UserKeys

    parts = int(os.environ.get("PARTITIONS", "16"))
    await settled(redis)
    config = await redis.config_get("auto-aof-rewrite-percentage")
    await redis.config_set("auto-aof-rewrite-percentage", 0)
    teachers = []
    try:
        for uid in METERED_USERS:
            outbox = UserKeys(uid, parts).part.outbox_for("telegram")
            teacher = MeteredTeacher(bench, uid, random.Random(uid), None, 0.0)
            teacher.redis, teacher.outbox, teacher.aof = redis, outbox, aof
            await teacher.interview()
            teachers.append(teacher)
    finally:
        await redis.config_set("auto-aof-rewrite-percentage", config["auto-aof-rewrite-percentage"])
    answered = [[s for s in t.sizes if s["question"]] for t in teachers]
    first = sorted((a[0] for a in answered if a), key=lambda s: int(s["bytes"]))
    last = sorted((a[-1] for a in answered if a), key=lambda s: int(s["bytes"]))
    return {
        "bytes_per_turn": {
            "first_question": first[len(first) // 2]["bytes"] if first else None,
            "last_question": last[len(last) // 2]["bytes"] if last else None,
            "first_question_by_kind": first[len(first) // 2]["kinds"] if first else {},
            "last_question_by_kind": last[len(last) // 2]["kinds"] if last else {},
            "questions": f"{answered[0][0]['question']} .. {answered[0][-1]['question']}"
            if answered and answered[0]
            else "",
            "turns": [s["bytes"] for s in teachers[0].sizes] if teachers else [],
        }
    }


async def settled(redis: Redis, still_s: float = 1.0, limit_s: float = 120.0) -> None:
    """Wait until the bot is done with what the load left behind (the draft jobs of the
    submitted interviews): the AOF has not grown for `still_s`."""
    deadline, size, since = time.monotonic() + limit_s, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = await aof_size(redis)
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= still_s:
            return
        await asyncio.sleep(0.1)


async def aof_bytes(redis: Redis) -> tuple[int, int]:
    """The AOF's size and the number of AOF rewrites so far."""
    info = await redis.info("persistence")
    return int(info["aof_current_size"]), int(info.get("aof_rewrites", 0))


# ---- checks -----------------------------------------------------------------------------------


@dataclass
class Checks:
    """What the stored states and the sent messages say about correctness."""

    lost: int = 0
    duplicated_answers: int = 0
    duplicate_replies: int = 0
    submitted: int = 0
    left_in_streams: int = 0  # ingress and outbox entries never done (XLEN after the run)


async def check_stored(redis_url: str, key: str, teachers: list[Teacher], checks: Checks) -> None:
    """Compare every teacher's stored answers (read with the bot's store) with what was sent."""
    from bot.config import Settings
    from bot.wiring import make_store

    settings = Settings(_env_file=None, redis_url=redis_url, llinc_master_key=key)
    redis = Redis.from_url(redis_url)
    try:
        store = make_store(redis, settings)
        for teacher in teachers:
            state = await store.load(teacher.user_id)
            session = state.sessions[0] if state is not None and state.sessions else None
            answers = session.answers.values() if session else []
            stored = [[part.text for part in answer.parts] for answer in answers]
            compare_answers(teacher, stored, checks)
            checks.submitted += session is not None and session.status == "submitted"
        for part in store.partition_keys():
            for stream in (part.ingress, part.outbox_for("telegram")):
                checks.left_in_streams += await redis.xlen(stream)
    finally:
        await redis.aclose()


def compare_answers(teacher: Teacher, stored: list[list[str]], checks: Checks) -> None:
    """Lost: a confirmed answer part missing or out of order; duplicated: a part stored twice."""
    sent = teacher.items
    extra = stored[len(sent) :]
    lost = len(stored) < len(sent) or (teacher.done and bool(extra))
    for mine, theirs in zip(sent, stored, strict=False):
        lost |= bool(Counter(mine) - Counter(theirs)) or theirs[:1] != mine[:1]
        checks.duplicated_answers += sum((Counter(theirs) - Counter(mine)).values())
    mains = Counter(parts[0] for parts in stored if parts)
    checks.duplicated_answers += sum(n - 1 for n in mains.values() if n > 1)
    checks.lost += lost


def count_duplicate_replies(tg: FakeTelegram, teachers: list[Teacher]) -> int:
    """Identical consecutive sendMessage texts in a chat (the interview never repeats itself)."""
    total = 0
    for teacher in teachers:
        texts = tg.texts(teacher.user_id)
        total += sum(a == b for a, b in itertools.pairwise(texts))
    return total


# ---- numbers ----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95, p99 and max (nearest rank), rounded to 0.1."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        """The value at quantile q."""
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": rank(1.0)}


def per_turn(value: float, turns: int, digits: int = 2) -> float | None:
    """A total divided by the number of turns."""
    return round(value / turns, digits) if turns else None


def redis_numbers(before: Snapshot, after: Snapshot, turns: int) -> dict[str, Any]:
    """Commands per turn (Redis counts those run inside Lua scripts too) and round trips per
    turn, estimated as socket read events (`total_reads_processed`): one per request or
    pipeline a client sends and then waits for; the benchmark's own INFO is taken off."""
    diff = after.commands - before.commands
    del diff["info"]  # the benchmark's own snapshots
    top = {name: per_turn(n, turns) for name, n in diff.most_common(12)}
    return {
        "redis_cmds_per_turn": per_turn(sum(diff.values()), turns),
        "redis_roundtrips_per_turn": per_turn(after.reads - before.reads - 1, turns),
        "redis_top_cmds_per_turn": top,
    }


def cpu_numbers(before: Snapshot, after: Snapshot, turns: int) -> dict[str, Any]:
    """CPU milliseconds per turn: the bot's processes, Redis, and this process (fake+bench)."""
    spent = {name: (after.cpu[name] - before.cpu[name]) * 1000 for name in after.cpu}
    bots = sum(ms for name, ms in spent.items() if name not in ("redis", "fake+bench"))
    return {
        "cpu_ms_per_turn": per_turn(bots, turns),
        "cpu_ms_per_turn_redis": per_turn(spent["redis"], turns),
        "cpu_ms_per_turn_fake_bench": per_turn(spent["fake+bench"], turns),
    }


def report(
    opts: Options,
    roles: list[str],
    outcome: Outcome,
    bench: Bench,
    snaps: tuple[Snapshot, Snapshot],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The result object (the keys the brief asks for first, then the details)."""
    turns = [t for teacher in outcome.teachers for t in teacher.turns]
    span = max((t.last for t in turns), default=0) - min((t.added for t in turns), default=0)
    bot_ms = [bench.logs.turns[t.event_id][1] for t in turns if t.event_id in bench.logs.turns]
    workers = roles.count("worker") or 1
    return {
        "teachers": opts.teachers,
        "workers": workers,
        "mode": opts.mode,
        "turns": len(turns),
        "turns_per_s": round(len(turns) / span, 1) if span > 0 else None,
        "latency_ms": percentiles([(t.first - t.added) * 1000 for t in turns]),
        **cpu_numbers(*snaps, len(turns)),
        **redis_numbers(*snaps, len(turns)),
        "peak_rss_mb": extra.pop("peak_rss_mb"),
        **extra.pop("checks"),
        "errors": bench.logs.tracebacks,
        "think_s": opts.think,
        "questions": opts.questions,
        "roles": roles,
        "limits": "lifted" if opts.lift_limits else "telegram",
        "appendfsync": opts.fsync,
        "duration_s": round(span, 1),
        "latency_last_reply_ms": percentiles([(t.last - t.added) * 1000 for t in turns]),
        "bot_turn_ms": percentiles(bot_ms),
        "job_turns": bench.logs.job_turns,
        "completed_teachers": sum(t.done for t in outcome.teachers),
        "timed_out": outcome.timed_out,
        "failed_teachers": len(outcome.failures),
        "failures": outcome.failures[:3],
        "error_log_lines": bench.logs.error_lines,
        "unlogged_turns": bench.logs.unlogged,
        "flood_violations": len(bench.tg.flood_violations),
        "flood_violations_by_kind": dict(Counter(v.reason for v in bench.tg.flood_violations)),
        **extra,
    }


# ---- the run ----------------------------------------------------------------------------------


async def measure(opts: Options, work: Path, notes: list[str]) -> dict[str, Any]:
    """Start Redis and the fake server, run, and stop every process (also on Ctrl-C/SIGTERM)."""
    deadline = time.monotonic() + opts.timeout
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    roles = plan_roles(opts.workers, opts.split, notes, opts.mode)
    server = start_redis(work, opts.fsync)
    try:
        async with FakeTelegram(token=TOKEN) as tg:
            children: list[Child] = []
            try:
                return await session(opts, roles, tg, server, work, children, deadline, notes)
            finally:
                kill_bots(children)  # before the fake server stops: a polling bot keeps it busy
    finally:
        kill_all()
        server.stop()


async def session(
    opts: Options,
    roles: list[str],
    tg: FakeTelegram,
    server: RedisServer,
    work: Path,
    children: list[Child],
    deadline: float,
    notes: list[str],
) -> dict[str, Any]:
    """Start the bot and warm it up, run the teachers between two snapshots, check, stop."""
    key, commit = "bench:" + base64.b64encode(os.urandom(32)).decode(), bot_commit()
    children.extend(start_bots(opts, roles, tg, server.url, key, work))
    redis = Redis.from_url(server.url)
    try:
        bench = await get_ready(opts, roles, tg, redis, children, notes)
        pids = {c.name: c.popen.pid for c in children} | {"fake+bench": os.getpid()}
        pids["redis"] = server.process.pid if server.process else os.getpid()
        aof_before = await aof_bytes(redis)
        before = await snapshot(redis, pids)
        outcome = await drive(bench, deadline - time.monotonic() - RESERVE_S)
        after = await snapshot(redis, pids)
        aof_after = await aof_bytes(redis)
        metered = await bytes_per_turn(bench, redis, aof_tail(server.directory))
    finally:
        await redis.aclose()
    extra: dict[str, Any] = {"peak_rss_mb": {n: peak_rss_mb(pid) for n, pid in pids.items()}}
    turns = sum(len(t.turns) for t in outcome.teachers)
    rewritten = aof_after[1] != aof_before[1]
    grown = None if rewritten else per_turn(aof_after[0] - aof_before[0], turns, 0)
    extra |= {"aof_bytes_per_turn": grown, **metered}
    checks = Checks(duplicate_replies=count_duplicate_replies(tg, outcome.teachers))
    await check_stored(server.url, key, outcome.teachers, checks)
    extra |= {"checks": vars(checks), "exit_codes": await stop_children(children)}
    bench.logs.refresh()
    bench.logs.close()
    extra |= {"notes": notes, "commit": commit}
    return report(opts, roles, outcome, bench, (before, after), extra)


async def get_ready(
    opts: Options,
    roles: list[str],
    tg: FakeTelegram,
    redis: Redis,
    children: list[Child],
    notes: list[str],
) -> Bench:
    """Wait until the bot polls (and the workers share the partitions), then warm it up."""
    await wait_ready(tg, children)
    if "worker" in roles:
        await wait_balanced(redis, roles.count("worker"), notes)
    bench = Bench(tg, BotLogs([c.log for c in children]), opts, load_texts(LANG))
    await warm_up(bench)
    return bench


def table_rows(result: dict[str, Any]) -> list[tuple[str, object]]:
    """The result as (label, value) rows for the readable form."""
    lat, last = result["latency_ms"], result["latency_last_reply_ms"]
    return [
        ("teachers / workers", f"{result['teachers']} / {result['workers']} {result['roles']}"),
        ("bot commit", result["commit"]),
        ("think, questions", f"{result['think_s']} s, {result['questions'] or 'all'}"),
        ("send limits, fsync", f"{result['limits']}, appendfsync {result['appendfsync']}"),
        ("turns", f"{result['turns']} in {result['duration_s']} s"),
        ("turns/s", result["turns_per_s"]),
        ("latency ms (1st reply)", " ".join(f"{k} {v}" for k, v in lat.items())),
        ("latency ms (last reply)", " ".join(f"{k} {v}" for k, v in last.items())),
        ("bot turn ms (log)", " ".join(f"{k} {v}" for k, v in result["bot_turn_ms"].items())),
        ("CPU ms/turn bot", result["cpu_ms_per_turn"]),
        ("CPU ms/turn redis", result["cpu_ms_per_turn_redis"]),
        ("CPU ms/turn fake+bench", result["cpu_ms_per_turn_fake_bench"]),
        ("Redis commands/turn", result["redis_cmds_per_turn"]),
        ("Redis round trips/turn", result["redis_roundtrips_per_turn"]),
        ("top commands/turn", result["redis_top_cmds_per_turn"]),
        ("peak RSS MB", result["peak_rss_mb"]),
        ("AOF bytes/turn (load)", result["aof_bytes_per_turn"]),
        (
            "bytes/turn 1st, last q",
            f"{result['bytes_per_turn']['first_question']}, "
            f"{result['bytes_per_turn']['last_question']} "
            f"({result['bytes_per_turn']['questions']})",
        ),
        ("  1st q by kind", result["bytes_per_turn"]["first_question_by_kind"]),
        ("  last q by kind", result["bytes_per_turn"]["last_question_by_kind"]),
        ("lost / duplicated", f"{result['lost']} / {result['duplicated_answers']}"),
        ("duplicate replies", result["duplicate_replies"]),
        ("errors (tracebacks)", result["errors"]),
        ("completed / submitted", f"{result['completed_teachers']} / {result['submitted']}"),
        ("left in streams", result["left_in_streams"]),
        ("timed out, failed", f"{result['timed_out']}, {result['failed_teachers']} teachers"),
        ("first failures", result["failures"] or "none"),
    ]


def print_table(result: dict[str, Any]) -> None:
    """The readable form, with the targets for context (nothing is asserted)."""
    for name, value in table_rows(result):
        print(f"{name:<25} {value}")
    for note in result["notes"]:
        print(f"note: {note}")
    print("targets (for context, not asserted):")
    for name, text in TARGETS:
        print(f"  {name:<10} {text}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once and print the result."""
    opts = parse_options(argv)
    atexit.register(kill_all)
    work = opts.keep or Path(tempfile.mkdtemp(prefix="llinc-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = asyncio.run(measure(opts, work, []))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; every process started was stopped", file=sys.stderr)
        return 130
    finally:
        kill_all()
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if opts.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
