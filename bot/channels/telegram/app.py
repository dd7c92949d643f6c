"""The Telegram bot process: polling ingress, worker, scheduler and sender on one event loop."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from telegram import Bot, BotCommand

from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.polling import PollingIngress
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.channels.telegram.webhook import WebhookIngress
from bot.config import Settings
from bot.dialogues.commands import COMMANDS
from bot.dialogues.script import load_texts
from bot.models.language import LANGUAGES
from bot.runtime.app import App
from bot.runtime.roles import run_until_stopped, worker_roles

log = logging.getLogger(__name__)


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


async def run_polling(app: App, bot: Bot) -> None:
    """Run the whole bot in one process with long polling."""
    log.info("bot @%s is running (long polling)", bot.bot.username)
    stop = asyncio.Event()
    roles = await worker_roles(app, TelegramTransport(bot), stop, app.leases())
    ingress = PollingIngress(bot, app.store, app.settings.poll_timeout_s)
    await run_until_stopped([ingress.run(stop), *roles], stop)
    await ingress.confirm()


async def run_ingress(app: App, bot: Bot) -> None:
    """Only the long-polling ingress (one per bot): updates into Redis; `llinc worker`
    processes apply them."""
    log.info("ingress for @%s is running (long polling)", bot.bot.username)
    ingress = PollingIngress(bot, app.store, app.settings.poll_timeout_s)
    stop = asyncio.Event()
    await run_until_stopped([ingress.run(stop)], stop)
    await ingress.confirm()


async def run_worker(app: App, bot: Bot) -> None:
    """A worker process: applies updates of the partitions it leases, sends their replies,
    relays internal events and runs due jobs. Start as many as needed, on any machine."""
    leases = app.leases()
    stop = asyncio.Event()
    roles = await worker_roles(app, TelegramTransport(bot), stop, leases)
    log.info("worker %s is running", leases.consumer)
    await run_until_stopped(roles, stop)


async def run_webhook(app: App, bot: Bot, ingress_only: bool) -> None:
    """Webhook mode: Telegram posts to WEBHOOK_URL; with `ingress_only`, `llinc worker`
    processes apply the updates, else this process does too."""
    settings = app.settings
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    stop = asyncio.Event()
    transport = TelegramTransport(bot)
    roles = [] if ingress_only else await worker_roles(app, transport, stop, app.leases())
    webhook = WebhookIngress(bot, app.store, secret, settings.webhook_path)
    runner = web.AppRunner(webhook.app(), handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    host, _, port = settings.webhook_listen.rpartition(":")
    await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
    await bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
    )
    log.info("webhook for @%s is listening on %s", bot.bot.username, settings.webhook_listen)
    try:
        await run_until_stopped(roles, stop)
    finally:
        await runner.cleanup()
