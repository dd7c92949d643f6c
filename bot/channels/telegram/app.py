"""The Telegram bot process: polling ingress, worker, scheduler and sender on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from telegram import Bot, BotCommand

from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.polling import PollingIngress
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.channels.telegram.webhook import WebhookIngress
from bot.config import Settings
from bot.dialogues.engine import COMMANDS
from bot.dialogues.script import load_texts
from bot.models.language import LANGUAGES
from bot.runtime.loops import (
    LeaseKeeper,
    Relay,
    Scheduler,
    Sender,
    Worker,
    until_redis_answers,
)
from bot.safety.safeguarding import warm_up
from bot.service import Service
from bot.storage.connection import connect
from bot.storage.jobqueue import JobQueue
from bot.storage.partitions import PartitionLeases
from bot.storage.ratelimit import RateLimiter
from bot.storage.store import Store
from bot.wiring import build_service, check_master_key, make_store

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 3.0


def make_bot(settings: Settings) -> Bot:
    """A python-telegram-bot `Bot` for the configured token and API address."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        request=AiohttpRequest(connection_pool_size=64),
        # PTB wants one for Bot.get_updates; the polling ingress calls getUpdates through
        # `request` (bot/telegram/polling.py), so this one stays idle.
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


async def set_commands(bot: Bot, default_language: str) -> None:
    """Register the command menu in every language (and the default for other clients)."""
    for lang in LANGUAGES:
        texts = load_texts(lang)
        commands = [BotCommand(c, texts.commands[c]) for c in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)
        if lang == default_language:
            await bot.set_my_commands(commands)


async def run_until_stopped(jobs: list[Coroutine[Any, Any, None]], stop: asyncio.Event) -> None:
    """Run the roles until `stop` is set (SIGINT/SIGTERM), then give them a moment to finish."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(job) for job in jobs]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("a role stopped: %r", task.exception())
    if tasks:
        await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def worker_leases(store: Store, settings: Settings) -> PartitionLeases:
    """The partition leases of this process's worker. Even the only worker holds them: they
    are how it takes over what an earlier process under another name (a new container) left
    pending."""
    return PartitionLeases(store.redis, settings.partitions, settings.consumer("worker"),
                           settings.lease_ms)  # fmt: skip


def worker_roles(
    store: Store,
    service: Service,
    bot: Bot,
    stop: asyncio.Event,
    settings: Settings,
    leases: PartitionLeases,
) -> list[Coroutine[Any, Any, None]]:
    """Apply updates, send replies, relay internal events and run due jobs of the leased
    partitions, and keep the leases."""
    name = leases.consumer
    worker = Worker(store, service, name, leases)
    limiter = RateLimiter(store.redis, settings.send_rate_bot, settings.send_rate_chat)
    sender = Sender(store, TelegramTransport(bot), limiter, consumer=name, leases=leases)
    relay = Sender(store, Relay(store.enqueue_one, "telegram"), channel="internal",
                   consumer=name, leases=leases)  # fmt: skip
    jobs = JobQueue(store.redis, store.codec, settings.partitions)
    keeper = LeaseKeeper(leases, store, [worker, sender, relay])
    return [
        worker.run(stop),
        sender.run(stop),
        relay.run(stop),
        Scheduler(store, service, jobs).run(stop),
        keeper.run(stop, settings.lease_ms / 3000),
    ]


@asynccontextmanager
async def running_bot(
    settings: Settings, commands: bool
) -> AsyncIterator[tuple[Store, Service, Bot]]:
    """Redis, the store (key checked), the service and an initialised Bot."""
    async with connect(settings) as redis:
        store = make_store(redis, settings)
        await until_redis_answers(lambda: check_master_key(store), "start-up")
        await asyncio.to_thread(warm_up)
        await until_redis_answers(lambda: store.ensure_groups("telegram"), "start-up")
        service = build_service(store, settings)
        bot = make_bot(settings)
        async with bot:
            if commands:
                await set_commands(bot, settings.default_language)
            service.bot_username = bot.bot.username or ""
            yield store, service, bot


async def run_polling(settings: Settings) -> None:
    """Run the whole bot in one process with long polling."""
    async with running_bot(settings, commands=True) as (store, service, bot):
        log.info("bot @%s is running (long polling)", bot.bot.username)
        ingress = PollingIngress(bot, store, settings.poll_timeout_s)
        stop = asyncio.Event()
        leases = worker_leases(store, settings)
        roles = [ingress.run(stop), *worker_roles(store, service, bot, stop, settings, leases)]
        await run_until_stopped(roles, stop)
        await ingress.confirm()


async def run_ingress(settings: Settings) -> None:
    """Only the long-polling ingress (one per bot): updates into Redis; `llinc worker`
    processes apply them."""
    async with running_bot(settings, commands=True) as (store, _, bot):
        log.info("ingress for @%s is running (long polling)", bot.bot.username)
        ingress = PollingIngress(bot, store, settings.poll_timeout_s)
        stop = asyncio.Event()
        await run_until_stopped([ingress.run(stop)], stop)
        await ingress.confirm()


async def run_worker(settings: Settings) -> None:
    """A worker process: applies updates of the partitions it leases, sends their replies,
    relays internal events and runs due jobs. Start as many as needed, on any machine."""
    async with running_bot(settings, commands=False) as (store, service, bot):
        leases = worker_leases(store, settings)
        stop = asyncio.Event()
        roles = worker_roles(store, service, bot, stop, settings, leases)
        log.info("worker %s is running", leases.consumer)
        await run_until_stopped(roles, stop)


async def run_webhook(settings: Settings, ingress_only: bool) -> None:
    """Webhook mode: Telegram posts to WEBHOOK_URL; with `ingress_only`, `llinc worker`
    processes apply the updates, else this process does too."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    async with running_bot(settings, commands=True) as (store, service, bot):
        webhook = WebhookIngress(bot, store, secret, settings.webhook_path)
        runner = web.AppRunner(webhook.app(), handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        host, _, port = settings.webhook_listen.rpartition(":")
        await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
        await bot.set_webhook(settings.webhook_url, secret_token=secret,
                              allowed_updates=ALLOWED_UPDATES)  # fmt: skip
        log.info("webhook for @%s is listening on %s", bot.bot.username, settings.webhook_listen)
        stop = asyncio.Event()
        roles = [] if ingress_only else worker_roles(store, service, bot, stop, settings,
                                                     worker_leases(store, settings))  # fmt: skip
        try:
            await run_until_stopped(roles, stop)
        finally:
            await runner.cleanup()
