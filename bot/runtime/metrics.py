"""Prometheus metrics of a bot process, and the Redis-side gauges read when scraped."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.storage.connection import AnyRedis
from bot.storage.jobqueue import JobQueue
from bot.storage.store import Store

REGISTRY = CollectorRegistry()
UPDATES_IN = Counter("llinc_updates_in", "Updates accepted by the ingress", registry=REGISTRY)
TURNS = Counter("llinc_turns_applied", "Turns applied (events handled)", registry=REGISTRY)
TURN_SECONDS = Histogram(
    "llinc_turn_seconds",
    "Time to apply one turn",
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SENDS_RETRIED = Counter("llinc_sends_retried", "Bot API calls retried", registry=REGISTRY)
ERRORS = Counter("llinc_errors", "Events or sends that failed", registry=REGISTRY)
STREAM_LAG = Gauge("llinc_stream_lag", "Ingress entries not yet handled", registry=REGISTRY)
JOBS_DUE = Gauge("llinc_jobs_scheduled", "Jobs scheduled or running", registry=REGISTRY)
DRAFTS = Gauge("llinc_drafts_pending", "Profile drafts waiting to be made", registry=REGISTRY)
JOBS_PARKED = Counter(
    "llinc_jobs_parked", "Jobs this process parked after the same failure twice", registry=REGISTRY
)
JOBS_FAILED = Gauge(
    "llinc_jobs_failed",
    "Jobs parked after failing the same way twice (llinc jobs failed)",
    registry=REGISTRY,
)


def turn_done(started: float) -> None:
    """Count one applied turn and its duration (from `time.perf_counter()` at its start)."""
    TURNS.inc()
    TURN_SECONDS.observe(time.perf_counter() - started)


async def ingress_lag(redis: AnyRedis, store: Store) -> int:
    """Entries waiting in the ingress streams: everything in them is not done yet."""
    total = 0
    for part in store.partition_keys():
        total += int(await redis.xlen(part.ingress))
    return total


async def render(store: Store) -> bytes:
    """The metrics in Prometheus' text format, with the Redis gauges read now."""
    STREAM_LAG.set(await ingress_lag(store.redis, store))
    jobs = JobQueue(store.redis, store.codec, store.partitions)
    JOBS_DUE.set(await jobs.pending_count())
    JOBS_FAILED.set(await jobs.failed_count())
    drafts = 0
    for part in store.partition_keys():
        for key in (part.jobs, part.jobs_running):
            drafts += len([m async for m, _ in store.redis.zscan_iter(key, match="draft:*")])
    DRAFTS.set(drafts)
    return generate_latest(REGISTRY)
