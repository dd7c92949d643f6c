"""The coach's workspace against the real service and Redis: the aiohttp application served on
127.0.0.1 (a real port, for aiohttp's client and for the browser), and Telegram's side of a
Mini App sign-in (initData signed with the bot's token)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.channels.web.auth import sign_init_data
from bot.channels.web.server import make_web_app
from bot.runtime.app import App
from bot.service import Service
from bot.storage.jobqueue import JobQueue

BOT_TOKEN = "123456:TEST-token-for-the-workspace"


def init_data(
    user_id: int, *, token: str = BOT_TOKEN, age_s: int = 5, now: float | None = None
) -> str:
    """initData as a Telegram client hands it to a Mini App (signed with `token`), made
    `age_s` seconds before `now` (the bot's clock; the real time by default)."""
    user = json.dumps({"id": user_id, "first_name": "Carla", "language_code": "en"})
    moment = int(time.time() if now is None else now) - age_s
    fields = {"auth_date": str(moment), "query_id": "AAE1", "user": user}
    return sign_init_data(fields, token)


def app_of(service: Service) -> App:
    """The `App` a workspace process would have, around a test's service."""
    store = service.store
    jobs = JobQueue(store.redis, store.codec, store.partitions)
    return App(service.settings, store.redis, store, service, jobs, service.clock)  # type: ignore[arg-type]


@asynccontextmanager
async def served(service: Service, token: str = BOT_TOKEN) -> AsyncIterator[str]:
    """The workspace on a free port of 127.0.0.1; yields its base URL."""
    runner = web.AppRunner(make_web_app(app_of(service), token), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Browser:
    """A coach's HTTP client: keeps the session cookie (Secure cookies on 127.0.0.1 too)."""

    base: str
    session: aiohttp.ClientSession

    async def sign_in(self, user_id: int, **kw: str) -> aiohttp.ClientResponse:
        form = {"init_data": init_data(user_id, **kw), "to": "/queue"}
        return await self.session.post(f"{self.base}/auth/telegram", data=form)

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path, allow_redirects=False) as answer:
            return answer.status, (await answer.read()).decode(errors="replace")

    async def csrf(self, path: str = "/queue") -> str:
        _, page = await self.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page[:400]
        return found.group(1)

    async def post(self, path: str, form: dict[str, str]) -> int:
        async with self.session.post(self.base + path, data=form, allow_redirects=False) as a:
            return a.status


@asynccontextmanager
async def browser(base: str) -> AsyncIterator[Browser]:
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base])
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield Browser(base, session)
