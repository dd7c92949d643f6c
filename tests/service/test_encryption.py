"""Encryption at rest: nothing readable in Redis or its AOF, shredding on /forget, key errors
at start-up, rotation. Against a private redis-server with AOF (fsync always)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.errors import CodecError
from bot.storage.crypto import EnvelopeCodec, Keyring, new_master_key_spec
from bot.storage.store import Store
from bot.wiring import build_service
from tests.conftest import TEST_MASTER_KEY
from tests.service.test_coaching import ADMIN, COACH, TEACHER, invite, make_coach
from tests.support.answers import ANSWERS
from tests.support.hub import Hub
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def aof_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    yield server
    server.stop()


@pytest.fixture
async def aof_redis(aof_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(aof_server.url)
    yield client
    await client.aclose()


ANSWER_PART = "a:interview-1:q01_three_words"  # one answer's field of the teacher's document


def secret_texts() -> list[str]:
    return [a for a in ANSWERS["en"] if len(a) >= 12]


async def raw_values(redis: Redis) -> bytes:
    """Every byte Redis holds, read per type."""
    out = []
    async for key in redis.scan_iter("*"):
        kind = (await redis.type(key)).decode()
        if kind == "string":
            out.append(await redis.get(key) or b"")
        elif kind == "hash":
            out += [k + v for k, v in (await redis.hgetall(key)).items()]
        elif kind == "zset":
            out += list(await redis.zrange(key, 0, -1))
        elif kind == "stream":
            out += [k + v for _, f in await redis.xrange(key) for k, v in f.items()]
        out.append(key)
    return b"\n".join(out)


def aof_bytes(directory: Path) -> bytes:
    files = [p for p in directory.rglob("*.aof*") if p.is_file()]
    assert files, "no AOF file was written"
    return b"".join(p.read_bytes() for p in files)


async def test_no_answer_text_in_redis_or_the_aof_and_forget_shreds_the_key(
    aof_redis: Redis, aof_server: RedisServer, settings: Settings
) -> None:
    settings.admin_ids = str(ADMIN)
    codec = EnvelopeCodec(aof_redis, Keyring(TEST_MASTER_KEY), settings.partitions)
    store = Store(aof_redis, codec, partitions=settings.partitions)
    hub = Hub(build_service(store, settings))
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await teacher.press("Yes, let's begin")
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    assert "Secure base" in coach.new()  # the coach has the quotes (decrypted for them)
    stored = await raw_values(aof_redis)
    on_disk = aof_bytes(aof_server.directory)
    for text in secret_texts():
        assert text.encode() not in stored, text
        assert text.encode() not in on_disk, text
    sealed_answer = await aof_redis.hget(store.user_keys(TEACHER).doc, ANSWER_PART)
    assert sealed_answer is not None and sealed_answer.startswith(b"e1:")
    assert store.codec.open(TEACHER, sealed_answer, ANSWER_PART)

    await teacher.command("forget")
    await teacher.press("Yes, delete everything")
    assert await aof_redis.exists(store.user_keys(TEACHER).data_key) == 0
    fresh = EnvelopeCodec(aof_redis, Keyring(TEST_MASTER_KEY), settings.partitions)
    await fresh.ensure(TEACHER, create=False)
    with pytest.raises(CodecError):
        fresh.open(TEACHER, sealed_answer, ANSWER_PART)  # a copy from the AOF or a backup
    coach_state = await store.load(COACH)
    assert coach_state is not None and coach_state.coaching == {}


def run_llinc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LLINC_", "TELEGRAM"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_missing_or_wrong_master_key_is_one_line_at_start_up(
    aof_server: RedisServer, aof_redis: Redis, tmp_path: Path
) -> None:
    env = {"REDIS_URL": aof_server.url, "DATA_DIR": str(tmp_path)}
    missing = run_llinc(["chat"], env)
    assert missing.returncode == 2 and "LLINC_MASTER_KEY is not set" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    made = run_llinc(["coach", "add", "55"], env | {"LLINC_MASTER_KEY": TEST_MASTER_KEY})
    assert made.returncode == 0, made.stderr
    wrong = run_llinc(["chat"], env | {"LLINC_MASTER_KEY": new_master_key_spec("k9")})
    assert wrong.returncode == 2 and "does not open" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1 and "Traceback" not in wrong.stderr
    malformed = run_llinc(["chat"], env | {"LLINC_MASTER_KEY": "k1:short"})
    assert malformed.returncode == 2 and "32 bytes" in malformed.stderr


async def test_rotation_rewraps_every_data_key_under_the_new_master_key(
    aof_server: RedisServer, aof_redis: Redis, tmp_path: Path
) -> None:
    env = {"REDIS_URL": aof_server.url, "DATA_DIR": str(tmp_path), "PARTITIONS": "4"}
    for user in ("61", "62"):
        made = run_llinc(["coach", "add", user], env | {"LLINC_MASTER_KEY": TEST_MASTER_KEY})
        assert made.returncode == 0, made.stderr
    new = new_master_key_spec("k2")
    rotated = run_llinc(["keys", "rotate"], env | {"LLINC_MASTER_KEY": f"{new},{TEST_MASTER_KEY}"})
    assert rotated.returncode == 0, rotated.stderr
    assert "2 data keys re-wrapped under k2" in rotated.stdout
    codec = EnvelopeCodec(aof_redis, Keyring(new), 4)
    state = await Store(aof_redis, codec, partitions=4).load(61)
    assert state is not None and state.role == "coach"


def test_the_embedded_default_makes_a_private_master_key(tmp_path: Path) -> None:
    done = run_llinc(["chat", "--lang", "en"], {"DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    key = tmp_path / "master.key"
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
    assert Keyring(key.read_text().strip()).current
