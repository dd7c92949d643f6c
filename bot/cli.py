"""The `llinc` command: run the bot, chat in the terminal, score a transcript."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import Settings
from bot.errors import KeyMissing, RedisUnavailable
from bot.models.language import Language

QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access")
TERMINAL_WEB = "127.0.0.1:8088"


def setup_logging(settings: Settings, to_file: Path | None = None) -> None:
    """Log lines without answer texts or tokens (HTTP client logs carry the token: quiet)."""
    handler: logging.Handler
    if to_file is not None:
        to_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(to_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llinc", description="The LLInC interview bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="Telegram when TELEGRAM_BOT_TOKEN is set, else the terminal chat")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=["nl", "en"], default=None)
    sub.add_parser("telegram", help="run the Telegram bot (long polling), all in one process")
    sub.add_parser("ingress", help="only the long-polling ingress (with one or more workers)")
    sub.add_parser("worker", help="a worker process (any number, with one ingress)")
    hook = sub.add_parser("webhook", help="webhook mode (WEBHOOK_URL, WEBHOOK_SECRET)")
    hook.add_argument("--ingress-only", action="store_true", help="leave the updates to workers")
    sub.add_parser("web", help="only the coach's web workspace (WEB_LISTEN, WEB_PUBLIC_URL)")
    coach = sub.add_parser("coach", help="manage coaches")
    coach_sub = coach.add_subparsers(dest="action", required=True)
    add = coach_sub.add_parser("add", help="make a Telegram user a coach")
    add.add_argument("telegram_id", type=int)
    jobs = sub.add_parser("jobs", help="scheduled jobs")
    jobs_sub = jobs.add_subparsers(dest="action", required=True)
    jobs_sub.add_parser("failed", help="list the jobs parked after failing the same way twice")
    keys = sub.add_parser("keys", help="master keys for encryption at rest")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    keys_sub.add_parser("new", help="print a new master key (id:base64)")
    keys_sub.add_parser("rotate", help="re-wrap every data key under the first master key")
    sub.add_parser("score", help="draft a relationship profile from a transcript", add_help=False)
    return parser


def run_async(main: Coroutine[Any, Any, int]) -> int:
    """Run the bot's event loop: uvloop where it is installed (Linux, macOS), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["score"]:
        from bot.commands.score import run_score

        return run_score(args_list[1:])
    args = _parser().parse_args(args_list)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"llinc: setting {first['loc'][0]}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        return run_async(_run(args, settings))
    except RedisUnavailable as exc:
        print(f"llinc: {exc}", file=sys.stderr)
        return 1
    except KeyMissing as exc:
        print(f"llinc: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command
    if command == "run":
        command = "telegram" if settings.telegram_bot_token else "chat"
    if command == "keys":
        from bot.commands.admin import new_key, rotate_keys

        return new_key() if args.action == "new" else await rotate_keys(settings)
    if command == "jobs":
        from bot.commands.admin import list_failed_jobs

        return await list_failed_jobs(settings)
    if command == "coach":
        from bot.commands.admin import add_coach

        return await add_coach(settings, args.telegram_id)
    if command == "chat":
        return await _chat(settings, getattr(args, "lang", None))
    if command == "web":
        setup_logging(settings)
        return await _web(settings)
    if settings.telegram_bot_token is None:
        print("llinc: TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    if command == "webhook" and (settings.webhook_url is None or settings.webhook_secret is None):
        print("llinc: webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET", file=sys.stderr)
        return 2
    setup_logging(settings)
    return await _telegram(settings, command, getattr(args, "ingress_only", False))


async def _chat(settings: Settings, lang: Language | None) -> int:
    from bot.channels.terminal import run_chat
    from bot.channels.web.server import start_web
    from bot.wiring import open_app

    setup_logging(settings, settings.data_dir / "llinc.log")
    if settings.web_listen is None and not sys.stdin.isatty():  # a piped script: chat only
        async with open_app(settings, "terminal") as app:
            return await run_chat(app, lang)
    listen = settings.web_listen or TERMINAL_WEB
    settings = settings.model_copy(update={"web_listen": listen})
    async with open_app(settings, "terminal") as app:
        try:
            runner = await start_web(app, listen)
        except OSError as exc:  # the port is taken: the chat works without the workspace
            print(
                f"llinc: the workspace could not start on {listen}: {exc.strerror}", file=sys.stderr
            )
            return await run_chat(app, lang)
        try:
            return await run_chat(app, lang, web_url=settings.web_url())
        finally:
            await runner.cleanup()


async def _web(settings: Settings) -> int:
    """The workspace alone (any number of them, beside the bot's processes)."""
    import asyncio

    from bot.channels.web.server import start_web
    from bot.runtime.roles import run_until_stopped
    from bot.wiring import open_app

    listen = settings.web_listen or TERMINAL_WEB
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    async with open_app(settings.model_copy(update={"web_listen": listen}), "telegram") as app:
        runner = await start_web(app, listen, token)
        try:
            await run_until_stopped([], asyncio.Event())
        finally:
            await runner.cleanup()
    return 0


async def _telegram(settings: Settings, command: str, ingress_only: bool) -> int:
    from bot.channels.telegram.app import run_ingress, run_polling, run_webhook, run_worker
    from bot.wiring import telegram_app

    async with telegram_app(settings, commands=command != "worker") as (app, bot):
        token = (
            settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
        )
        runner = None
        if settings.web_listen and command in ("telegram", "webhook"):
            from bot.channels.web.server import start_web  # Jinja2: only where the web runs

            runner = await start_web(app, settings.web_listen, token)
        try:
            if command == "webhook":
                await run_webhook(app, bot, ingress_only)
            else:
                roles = {"telegram": run_polling, "ingress": run_ingress, "worker": run_worker}
                await roles[command](app, bot)
        finally:
            if runner is not None:
                await runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
