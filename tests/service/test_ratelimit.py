"""The send limits against a real Redis: the bot-wide limit is never exceeded, waiters of the
same moment share one Redis call, the shared schedule is one short value, and a chat's own
window holds its messages back."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from limits import parse
from redis.asyncio import Redis

from bot.storage.keys import LIMITS_PREFIX, SEND_SCHEDULE
from bot.storage.ratelimit import ChatWindows, RateLimiter

LIFTED = "100000/second"


async def _granted_at(limiter: RateLimiter, chats: list[int]) -> list[float]:
    loop = asyncio.get_running_loop()

    async def one(chat: int) -> float:
        await limiter.wait(chat)
        return loop.time()

    return await asyncio.gather(*(one(c) for c in chats))


def _most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_waiters_of_one_moment_share_a_single_redis_call(redis: Redis) -> None:
    limiter = RateLimiter(redis, LIFTED, LIFTED)
    await _granted_at(limiter, list(range(50)))
    assert limiter.shared_calls == 1


async def test_the_bot_wide_window_is_never_exceeded_and_nobody_is_dropped(redis: Redis) -> None:
    limiter = RateLimiter(redis, "5 per 1 second", LIFTED)
    times = await _granted_at(limiter, list(range(12)))
    assert len(times) == 12
    assert _most_in_any_window(times, 0.99) <= 5
    assert max(times) - min(times) >= 1.9  # 12 messages at 5 a second need three windows


async def test_permits_are_handed_out_evenly_spaced_not_in_a_burst(redis: Redis) -> None:
    limiter = RateLimiter(redis, "10 per 1 second", LIFTED)
    times = sorted(await _granted_at(limiter, list(range(6))))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.095  # 1/10 s apart, although all six fit the window at once
    assert limiter.shared_calls == 1


async def test_a_lone_message_is_not_held_back_by_the_spacing(redis: Redis) -> None:
    limiter = RateLimiter(redis, "10 per 1 second", LIFTED)
    loop = asyncio.get_running_loop()
    await limiter.wait(1)
    await asyncio.sleep(0.15)  # longer than the spacing
    started = loop.time()
    await limiter.wait(2)
    assert loop.time() - started < 0.05


async def test_the_window_is_shared_by_two_senders(redis: Redis) -> None:
    one, two = (
        RateLimiter(redis, "4 per 1 second", LIFTED),
        RateLimiter(redis, "4 per 1 second", LIFTED),
    )
    times = await asyncio.gather(_granted_at(one, [1, 2, 3, 4]), _granted_at(two, [5, 6, 7, 8]))
    assert _most_in_any_window(times[0] + times[1], 0.99) <= 4


async def test_a_chat_gets_a_short_burst_and_then_waits(redis: Redis) -> None:
    limiter = RateLimiter(redis, LIFTED, "3 per 1 second")
    times = await _granted_at(limiter, [42, 42, 42, 42, 7])
    burst, fourth, other = sorted(times[:3]), times[3], times[4]
    assert fourth - burst[0] >= 0.9
    assert other - burst[0] < 0.5  # another chat does not wait for chat 42


def test_chat_windows_allow_a_burst_then_space_messages_and_forget_quiet_chats() -> None:
    windows = ChatWindows(parse("3 per 3 seconds"))
    assert [windows.delay(1, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert windows.delay(1, 0.5) == pytest.approx(2.5)  # the oldest leaves at 3.0
    assert windows.delay(2, 0.5) == 0.0  # another chat is not held back
    assert windows.delay(1, 3.0) == 0.0
    assert windows.delay(1, 3.1) == 0.0 and windows.delay(1, 3.2) == 0.0
    assert windows.delay(1, 3.3) > 0
    for chat in range(3, 3 + ChatWindows.SWEEP_EVERY):
        windows.delay(chat, 100.0)
    assert len(windows) <= ChatWindows.SWEEP_EVERY  # chats 1 and 2 were forgotten


def test_a_chat_message_counts_from_when_it_went_not_from_when_it_asked() -> None:
    windows = ChatWindows(parse("2 per 1 second"))
    assert windows.delay(42, 0.0) == 0.0
    windows.stamp(42, 0.8)  # the bot-wide window held it back until 0.8
    assert windows.delay(42, 0.9) == 0.0
    windows.stamp(42, 0.9)
    assert windows.delay(42, 1.2) == pytest.approx(0.6)  # room again when 0.8 leaves, at 1.8


async def test_the_shared_schedule_is_one_short_value(redis: Redis) -> None:
    """The bot-wide limit keeps one key, the moment its next permit is free (ms, Redis' clock):
    a message writes one short value, not a list of the window's messages."""
    limiter = RateLimiter(redis, "10 per 1 second", LIFTED)
    seconds, micros = await redis.time()
    await _granted_at(limiter, [1, 2, 3])
    assert await redis.keys(f"{LIMITS_PREFIX}*") == [SEND_SCHEDULE.encode()]
    free = float(await redis.get(SEND_SCHEDULE))
    now_ms = seconds * 1000 + micros / 1000
    assert now_ms + 250 <= free <= now_ms + 2000  # three permits 100 ms apart were taken


async def test_a_schedule_far_ahead_starts_again_from_now(redis: Redis) -> None:
    """A schedule left far ahead (Redis' clock went back, or the limit was raised) does not
    hold the senders back."""
    seconds, _ = await redis.time()
    await redis.set(SEND_SCHEDULE, (seconds + 3600) * 1000)
    limiter = RateLimiter(redis, "10 per 1 second", LIFTED)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await limiter.wait(1)
    assert loop.time() - started < 0.5
