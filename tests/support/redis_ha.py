"""Redis with replicas, started by the tests on free ports: a primary, a replica and three
Sentinels; or a Cluster of three primaries with a replica each. Kill a primary, restart it
(it comes back as a replica), and ask who the primary is now."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis
import redis.asyncio as aioredis

from tests.support.redis_server import RedisServer, free_port, redis_server_binary

SERVICE = "llinc"
DOWN_AFTER_MS = 1000  # a primary silent this long is down (the failover starts)


def cluster_port() -> int:
    """A free port whose cluster bus port (10000 higher) is free too."""
    while True:
        port = free_port()
        if port > 55535:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)


class SentinelProcess:
    """One redis-sentinel (`redis-server <conf> --sentinel`) watching the service."""

    def __init__(self, directory: Path, primary_port: int) -> None:
        self.directory = directory
        self.port = free_port()
        self.primary_port = primary_port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SentinelProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "sentinel.conf"
        if not conf.exists():  # Sentinel rewrites its file; a restart keeps what it learnt
            conf.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndir {self.directory}\n"
                f"logfile {self.directory / 'sentinel.log'}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} 4000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
        self.process = subprocess.Popen(
            [redis_server_binary(), str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        _until(lambda: bool(client.ping()), 10, f"sentinel on {self.port}")
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class SentinelGroup:
    """A primary, a replica and three Sentinels."""

    def __init__(self, directory: Path) -> None:
        first = RedisServer(directory / "redis-a", appendonly=True)
        follow = ["--replicaof", "127.0.0.1", str(first.port)]
        second = RedisServer(directory / "redis-b", appendonly=True, extra=follow)
        self.servers = [first, second]
        self.sentinels = [
            SentinelProcess(directory / f"sentinel-{n}", first.port) for n in range(3)
        ]

    @property
    def addresses(self) -> str:
        """REDIS_SENTINELS for the bot."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def start(self) -> SentinelGroup:
        for server in self.servers:
            server.start()
        self.wait_synced()
        for sentinel in self.sentinels:
            sentinel.start()
        _until(self._all_see_replica, 15, "sentinels see the replica")
        return self

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in self.servers:
            server.kill()  # a clean stop waits for replicas that are gone already

    def _ask(self, command: str) -> object:
        client = redis.Redis(port=self.sentinels[0].port, socket_timeout=2)
        try:
            return client.execute_command(command, SERVICE)
        finally:
            client.close()

    def _all_see_replica(self) -> bool:
        for sentinel in self.sentinels:
            client = redis.Redis(port=sentinel.port, socket_timeout=2)
            try:
                replicas = client.execute_command("SENTINEL", "REPLICAS", SERVICE)
                others = client.execute_command("SENTINEL", "SENTINELS", SERVICE)
            finally:
                client.close()
            if not replicas or len(others) < 2:
                return False
        return True

    def primary(self) -> RedisServer:
        """The server the Sentinels call the primary now."""
        client = redis.Redis(port=self.sentinels[0].port, socket_timeout=2)
        try:
            _, port = client.sentinel_get_master_addr_by_name(SERVICE)
        finally:
            client.close()
        return next(s for s in self.servers if s.port == int(port))

    def wait_synced(self, timeout: float = 20) -> None:
        """Until the primary has a replica that is online and caught up."""

        def synced() -> bool:
            for server in self.servers:
                client = redis.Redis(port=server.port, socket_timeout=2)
                try:
                    info = client.info("replication")
                finally:
                    client.close()
                if info.get("role") == "master" and info.get("connected_slaves", 0) >= 1:
                    replica = info["slave0"]
                    return bool(replica["state"] == "online")
            return False

        _until(synced, timeout, "a primary with an online replica")

    def env(self) -> dict[str, str]:
        """The bot's settings for this group."""
        return {"REDIS_SENTINELS": self.addresses, "REDIS_SENTINEL_SERVICE": SERVICE}

    async def client(self) -> aioredis.Redis:
        """A client of the primary now."""
        return aioredis.Redis(port=self.primary().port)

    def fail_over(self, victim: str = "primary", timeout: float = 30) -> float:
        """SIGKILL the primary, wait until the Sentinels have promoted the replica, start the
        old primary again (the Sentinels make it a replica); returns how long the promotion
        took (s). `victim="replica"`: SIGKILL the replica and start it again a second later.
        First waits until the last kill's server is a synced replica again."""
        self.wait_synced(timeout)
        old = self.primary()
        if victim == "replica":
            replica = next(s for s in self.servers if s is not old)
            replica.kill()
            time.sleep(1.0)
            replica.extra = ["--replicaof", "127.0.0.1", str(old.port)]
            replica.start()
            return 0.0
        old.kill()
        killed = time.monotonic()
        _until(lambda: self.primary() is not old, timeout, "sentinel failover")
        took = time.monotonic() - killed
        old.extra = []  # it starts as a primary; the Sentinels make it a replica
        old.start()
        return took


class ClusterGroup:
    """A Redis Cluster: three primaries, each with one replica (`redis-cli --cluster create`)."""

    def __init__(self, directory: Path) -> None:
        self.servers = [
            RedisServer(
                directory / f"node-{n}",
                appendonly=True,
                port=cluster_port(),
                extra=[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    str(DOWN_AFTER_MS),
                ],
            )
            for n in range(6)
        ]

    @property
    def addresses(self) -> str:
        """REDIS_CLUSTER_NODES for the bot."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.servers)

    def start(self) -> ClusterGroup:
        for server in self.servers:
            server.start()
        cli = str(Path(redis_server_binary()).with_name("redis-cli"))
        create = [cli, "--cluster", "create", *self._addresses(), "--cluster-replicas", "1"]
        subprocess.run(
            [*create, "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        _until(self._healthy, 30, "cluster state ok with three synced replicas")
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.kill()  # a clean stop waits for replicas that are gone already

    def _addresses(self) -> list[str]:
        return [f"127.0.0.1:{s.port}" for s in self.servers]

    def env(self) -> dict[str, str]:
        """The bot's settings for this cluster."""
        return {"REDIS_CLUSTER_NODES": self.addresses}

    async def client(self) -> aioredis.RedisCluster:
        """A cluster client (any live node will do to find the rest)."""
        live = next(s for s in self.servers if s.process is not None)
        return aioredis.RedisCluster(host="127.0.0.1", port=live.port)

    def _info(self, server: RedisServer, section: str) -> dict[str, object]:
        client = redis.Redis(port=server.port, socket_timeout=2)
        try:
            if section == "cluster":
                return dict(client.cluster("info"))
            return dict(client.info(section))
        finally:
            client.close()

    def _healthy(self) -> bool:
        live = [s for s in self.servers if s.process is not None]
        if any(self._info(s, "cluster").get("cluster_state") != "ok" for s in live):
            return False
        replication = [self._info(s, "replication") for s in live]
        primaries = [r for r in replication if r.get("role") == "master"]
        return len(primaries) == 3 and all(
            r.get("connected_slaves") == 1
            and isinstance(r.get("slave0"), dict)
            and r["slave0"].get("state") == "online"  # type: ignore[union-attr]
            for r in primaries
        )

    def primaries(self) -> list[RedisServer]:
        return [
            s
            for s in self.servers
            if s.process is not None and self._info(s, "replication").get("role") == "master"
        ]

    def fail_over(self, victim: str = "primary", timeout: float = 30) -> float:
        """SIGKILL one primary (the first), wait until its replica is promoted and the cluster
        is ok again, start the killed node again (it rejoins as a replica); returns how long
        the promotion took (s). `victim="replica"`: SIGKILL a replica, start it a second later."""
        _until(self._healthy, timeout, "a healthy cluster before the kill")
        if victim == "replica":
            replica = next(s for s in self.servers if s not in self.primaries())
            replica.kill()
            time.sleep(1.0)
            replica.start()
            return 0.0
        old = self.primaries()[0]
        old.kill()
        killed = time.monotonic()

        def promoted() -> bool:
            live = [s for s in self.servers if s.process is not None]
            states = [self._info(s, "cluster").get("cluster_state") for s in live]
            return len(self.primaries()) == 3 and all(state == "ok" for state in states)

        _until(promoted, timeout, "cluster failover")
        took = time.monotonic() - killed
        old.start()
        return took


class SingleServer:
    """One Redis at REDIS_URL, no replica: the baseline the other two are measured against."""

    def __init__(self, directory: Path) -> None:
        self.server = RedisServer(directory / "redis", appendonly=True)

    def start(self) -> SingleServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.kill()

    def env(self) -> dict[str, str]:
        return {"REDIS_URL": self.server.url}

    async def client(self) -> aioredis.Redis:
        return aioredis.Redis(port=self.server.port)

    def fail_over(self, victim: str = "primary", timeout: float = 30) -> float:
        """No replica to take over: SIGKILL and start again (AOF, fsync always)."""
        self.server.kill()
        self.server.start()
        return 0.0
