"""Auto-pipelining against a real Redis: concurrent calls share a round trip, each keeps its
own reply or error, and a script Redis forgot is loaded again."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from bot.storage.autopipe import AutoPipeline

INCR_BY = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


async def test_calls_issued_together_share_one_round_trip(redis: Redis) -> None:
    pipe = AutoPipeline(redis)
    replies = await asyncio.gather(*(pipe.call("INCRBY", f"k{n % 3}", n) for n in range(30)))
    assert replies == [sum(m for m in range(n + 1) if m % 3 == n % 3) for n in range(30)]
    assert (pipe.flushes, pipe.commands) == (1, 30)


async def test_a_lone_call_is_sent_at_once_and_calls_in_turn_are_separate(redis: Redis) -> None:
    pipe = AutoPipeline(redis)
    assert await pipe.call("SET", "a", 1) in (True, b"OK")
    assert await pipe.call("GET", "a") == b"1"
    assert pipe.flushes == 2


async def test_each_caller_gets_its_own_error(redis: Redis) -> None:
    pipe = AutoPipeline(redis)
    await redis.set("text", "x")
    good, bad = await asyncio.gather(
        pipe.call("INCR", "counter"), pipe.call("INCR", "text"), return_exceptions=True
    )
    assert good == 1
    assert isinstance(bad, ResponseError)
    assert pipe.flushes == 1


async def test_scripts_run_in_the_pipeline_and_are_reloaded_after_a_flush(redis: Redis) -> None:
    pipe = AutoPipeline(redis)
    sha = pipe.script(INCR_BY)
    first = await asyncio.gather(*(pipe.run(sha, ["n"], [2]) for _ in range(5)))
    assert sorted(first) == [2, 4, 6, 8, 10]
    await redis.script_flush()  # as after a Redis restart
    assert await pipe.run(sha, ["n"], [1]) == 11
    both = await asyncio.gather(pipe.run(sha, ["n"], [1]), pipe.run(sha, ["m"], [5]))
    assert both == [12, 5]


async def test_a_dead_connection_fails_every_waiting_caller(redis: Redis) -> None:
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    pipe = AutoPipeline(dead)
    outcomes = await asyncio.gather(
        *(pipe.call("GET", "x") for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(o, RedisConnectionError | OSError) for o in outcomes), outcomes
    await dead.aclose()


async def test_a_cancelled_caller_does_not_disturb_the_others(redis: Redis) -> None:
    pipe = AutoPipeline(redis)
    doomed = asyncio.create_task(pipe.call("INCR", "c"))
    kept = asyncio.create_task(pipe.call("INCR", "c"))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await kept in (1, 2)
    with pytest.raises(asyncio.CancelledError):
        await doomed
