"""Webhook mode: Telegram posts updates to us; each is in Redis before we answer 200.

Every request must carry Telegram's secret token (`X-Telegram-Bot-Api-Secret-Token`, compared in
constant time); bodies over `MAX_BODY` are refused. When Redis cannot take the update we answer
503, so Telegram tries again later: nothing is confirmed that is not stored. `/healthz` says
whether Redis answers and how far the workers lag behind; `/metrics` is Prometheus' text format.
Several webhook processes may run behind a load balancer; `llinc worker` processes apply the
updates.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError
from telegram import Bot

from bot.channels.telegram.updates import callback_id, to_inbound
from bot.errors import NotAnUpdate
from bot.runtime import metrics
from bot.runtime.outage import Outage
from bot.storage.store import Store

MAX_BODY = 1 << 20  # Telegram updates are small; a megabyte is generous
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookIngress:
    """The aiohttp application of the webhook."""

    def __init__(self, bot: Bot, store: Store, secret: str, path: str = "/telegram") -> None:
        self.bot = bot
        self.store = store
        self.secret = secret.encode()
        self.path = path
        self.outage = Outage("webhook", meanwhile="answering 503")

    def app(self) -> web.Application:
        """The routes: the webhook, /healthz and /metrics."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self.update)
        app.router.add_get("/healthz", self.health)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def update(self, request: web.Request) -> web.Response:
        """One update from Telegram: check, store, then 200 (or 503 when Redis is away)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=401, text="wrong secret token")
        try:
            data: Any = await request.json()
            if not isinstance(data, dict):
                raise NotAnUpdate("not an object")
            event = to_inbound(data)
        except (ValueError, NotAnUpdate):
            return web.Response(status=400, text="not a Telegram update")
        if event is None:
            return web.Response(status=200)
        try:
            await self.store.enqueue([event])
            self.outage.ok()
        except (RedisError, OSError) as exc:
            self.outage.noticed(exc)
            return web.Response(status=503, text="try again later")
        metrics.UPDATES_IN.inc()
        if (query := callback_id(data)) is not None:
            return web.json_response({"method": "answerCallbackQuery", "callback_query_id": query})
        return web.Response(status=200)

    async def health(self, request: web.Request) -> web.Response:
        """200 with the stream lag when Redis answers, else 503."""
        try:
            await self.store.redis.ping()
            lag = await metrics.ingress_lag(self.store.redis, self.store)
        except (RedisError, OSError):
            return web.json_response({"redis": "unreachable"}, status=503)
        return web.json_response({"redis": "ok", "stream_lag": lag})

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus metrics (503 when Redis cannot be read)."""
        try:
            body = await metrics.render(self.store)
        except (RedisError, OSError):
            return web.Response(status=503, text="redis unreachable")
        return web.Response(body=body, content_type="text/plain", charset="utf-8")
