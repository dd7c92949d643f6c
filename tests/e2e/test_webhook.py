"""Webhook mode against the real process: secret token, body limit, /healthz, /metrics, and
503 while Redis is away (so Telegram retries), carrying on by itself when Redis is back."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.dialogues.script import load_texts
from tests.support.e2e import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.redis_server import RedisServer, free_port

pytestmark = pytest.mark.timeout(180)
SECRET = "s3cret-token_for-tests"
USER = 9100


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    yield server
    server.stop()


def message(update_id: int, text: str) -> dict[str, object]:
    user = {"id": USER, "is_bot": False, "first_name": "Tessa", "language_code": "en"}
    body: dict[str, object] = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": text,
        "from": user,
        "chat": {"id": USER, "type": "private", "first_name": "Tessa"},
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": body}


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{url}/healthz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the webhook did not come up")


async def test_webhook_checks_the_secret_limits_bodies_and_survives_redis_going_away(
    tg: FakeTelegram, own_redis: RedisServer, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "WEBHOOK_URL": f"{base}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
    }
    bot = BotProcess(
        tg, own_redis.url, tmp_path / "data", tmp_path / "bot.log", extra_env=env, role="webhook"
    )
    bot.start()
    try:
        await wait_until_up(base)
        assert tg.webhook and tg.webhook.get("url") == f"{base}/telegram"
        hook = f"{base}/telegram"
        assert await tg.post_update(hook, message(1, "/start"), secret_token="wrong") == 401
        assert await tg.post_update(hook, message(1, "/start")) == 401
        async with aiohttp.ClientSession() as http:
            big = io.BytesIO(b'{"update_id": 2, "padding": "' + b"x" * (2 << 20) + b'"}')
            headers = {
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
                "Content-Type": "application/json",
            }
            async with http.post(hook, data=big, headers=headers) as answer:
                assert answer.status == 413
        assert await tg.post_update(hook, message(3, "/start"), secret_token=SECRET) == 200
        [welcome] = await tg.wait_for_sent(USER, 1)
        assert welcome.text == load_texts("en").get("welcome")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as answer:
                assert answer.status == 200 and (await answer.json())["redis"] == "ok"
            async with http.get(f"{base}/metrics") as answer:
                text = await answer.text()
                assert "llinc_updates_in_total 1.0" in text and "llinc_turns_applied" in text
        own_redis.kill()
        assert await tg.post_update(hook, message(4, "/help"), secret_token=SECRET) == 503
        async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as answer:
            assert answer.status == 503
        own_redis.start()
        for _ in range(50):  # as Telegram does: retry a 503 later
            if await tg.post_update(hook, message(4, "/help"), secret_token=SECRET) == 200:
                break
            await asyncio.sleep(0.2)
        sent = await tg.wait_for_sent(USER, 2, timeout=20)
        assert "/pause" in (sent[-1].text or "")
        log = bot.log_text()
        assert log.count("Redis unreachable") <= 4 and "Traceback" not in log
    finally:
        if bot.process is not None:
            await bot.stop()
