"""Every Redis key the bot uses, built in one place.

All keys start with `llinc:v1:`. Keys of one user carry the hash tag of the user's partition
(`{p07}`), together with that partition's ingress stream, outbox and job set, so that one Lua
script may touch all of them atomically, also on Redis Cluster. The partition count is fixed
for the life of a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "llinc:v1"


def partition_of(user_id: int, partitions: int) -> int:
    """The partition that owns a user: stable for a given partition count."""
    return user_id % partitions


def partition_of_key(key: str) -> int:
    """The partition a partition key (a stream, a job set) belongs to, from its hash tag."""
    return int(key.split("{p", 1)[1].split("}", 1)[0])


@dataclass(frozen=True)
class PartitionKeys:
    """Keys shared by all users of one partition."""

    partition: int

    @property
    def tag(self) -> str:
        return f"{{p{self.partition:03d}}}"

    @property
    def ingress(self) -> str:
        """Stream of incoming updates, in arrival order."""
        return f"{PREFIX}:{self.tag}:ingress"

    @property
    def outbox(self) -> str:
        """Stream of replies waiting to be sent."""
        return f"{PREFIX}:{self.tag}:outbox"

    @property
    def jobs(self) -> str:
        """Sorted set of job ids by due time (ms)."""
        return f"{PREFIX}:{self.tag}:jobs"

    @property
    def job_data(self) -> str:
        """Hash of job id -> job JSON."""
        return f"{PREFIX}:{self.tag}:jobdata"

    @property
    def jobs_running(self) -> str:
        """Sorted set of claimed job ids by lease deadline (ms)."""
        return f"{PREFIX}:{self.tag}:jobs:running"

    @property
    def sync(self) -> str:
        """A counter written before `WAIT` to learn that what was read here is on the
        replicas (`bot.storage.replicas`)."""
        return f"{PREFIX}:{self.tag}:sync"

    @property
    def lease(self) -> str:
        """The worker that holds this partition (value: its consumer name, with a TTL)."""
        return f"{self.ingress}:owner"

    def outbox_for(self, channel: str) -> str:
        """The outbox stream of one channel ('telegram', 'terminal', or 'internal' events)."""
        return f"{self.outbox}:{channel}"

    @property
    def job_attempts(self) -> str:
        """Hash of job id -> '<failures> <exception type>': failures in a row of one kind."""
        return f"{PREFIX}:{self.tag}:jobs:attempts"

    @property
    def jobs_failed(self) -> str:
        """Hash of job id -> JSON (id, name, user id, when, exception type) of a job parked
        after failing the same way twice; no job data, no user text."""
        return f"{PREFIX}:{self.tag}:jobs:failed"


@dataclass(frozen=True)
class UserKeys:
    """Keys of one user (teacher or coach)."""

    user_id: int
    partitions: int

    @property
    def part(self) -> PartitionKeys:
        return PartitionKeys(partition_of(self.user_id, self.partitions))

    def _key(self, name: str) -> str:
        return f"{PREFIX}:{self.part.tag}:u:{self.user_id}:{name}"

    @property
    def state(self) -> str:
        """The user's document the old way, one sealed JSON value: read when there is no `doc`
        yet, and deleted by the commit that writes the `doc` (bot/storage/document.py)."""
        return self._key("state")

    @property
    def doc(self) -> str:
        """The user's document: a hash of sealed parts (bot/storage/document.py)."""
        return self._key("doc")

    @property
    def seen(self) -> str:
        """Sorted set of processed event ids (idempotency), newest kept."""
        return self._key("seen")

    @property
    def lock(self) -> str:
        """The per-user turn lock of the layout before the document's version (no longer
        written; listed so that one left by an old process is deleted with the user)."""
        return self._key("lock")

    @property
    def data_key(self) -> str:
        """The user's data key, wrapped by the master key (deleting it shreds every copy)."""
        return self._key("datakey")

    def all(self) -> list[str]:
        """Every key that holds this user's data (for export and deletion)."""
        return [self.doc, self.state, self.seen, self.lock, self.data_key]


def global_key(name: str) -> str:
    """A key that belongs to no user."""
    return f"{PREFIX}:global:{name}"


WORKERS = global_key("workers")
"""Sorted set of live workers (consumer name -> lease deadline, ms): how partitions are shared."""
LIMITS_PREFIX = global_key("limits")
"""Prefix of the shared send limits."""
SEND_SCHEDULE = f"{LIMITS_PREFIX}:bot"
"""The bot-wide send schedule: when the next permit is free (ms, Redis' clock; `ratelimit`)."""
TERMINAL_EVENTS = global_key("terminal:events")
"""Counter of the terminal chat's events (their ids)."""
TERMINAL_CLOCK_OFFSET = global_key("terminal:clock-offset-s")
"""How far the terminal trial moved its clock (seconds)."""
WEB_PREFIX = global_key("web")
"""Prefix of the web workspace's keys: sessions, used sign-in links and initData, attempts."""


def web_session(digest: str) -> str:
    """A workspace session (JSON: coach id, CSRF token, how it began), by the SHA-256 of the
    cookie's value; it expires with the session."""
    return f"{WEB_PREFIX}:session:{digest}"


def web_login_used(digest: str) -> str:
    """Set when a `/web` sign-in link (by its SHA-256) is used: the link works once."""
    return f"{WEB_PREFIX}:login-used:{digest}"


def web_init_data_used(digest: str) -> str:
    """Set when a Mini App's initData (by the SHA-256 of its hash) signed someone in: a replay
    of it is refused while it would still be fresh."""
    return f"{WEB_PREFIX}:initdata-used:{digest}"


def web_attempts(client: str) -> str:
    """Counter of a client's sign-in attempts (by the SHA-256 of its address) in a window."""
    return f"{WEB_PREFIX}:attempts:{client}"


DATA_KEYS = f"{PREFIX}:*:u:*:datakey"
"""SCAN pattern of every user's wrapped data key."""


def user_of(key: str | bytes) -> int:
    """The user id in one of a user's keys (e.g. a data key found by SCAN)."""
    name = key.decode() if isinstance(key, bytes) else key
    return int(name.split(":u:", 1)[1].split(":", 1)[0])
