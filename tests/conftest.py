"""Shared fixtures: a real Redis for every storage test, settings pointing at it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.storage.crypto import EnvelopeCodec, Keyring
from bot.storage.store import Store
from tests.support.redis_server import RedisServer

# A fixed master key for tests (never for real data): 32 bytes of 0x2a.
TEST_MASTER_KEY = "t1:KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio="


def envelope_store(redis: Redis, partitions: int) -> Store:
    """A store on the real envelope codec with the test master key."""
    codec = EnvelopeCodec(redis, Keyring(TEST_MASTER_KEY), partitions)
    return Store(redis, codec, partitions=partitions)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when it is set (e.g. the machine's 127.0.0.1:6379), else a private server."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        partitions=4,
        llinc_master_key=TEST_MASTER_KEY,  # type: ignore[arg-type]
    )


@pytest.fixture
async def store(redis: Redis, settings: Settings) -> Store:
    return envelope_store(redis, settings.partitions)
