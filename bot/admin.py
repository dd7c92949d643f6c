"""Administration from the command line (`llinc coach add ID`)."""

from __future__ import annotations

import json
import secrets

from bot.config import Settings
from bot.crypto import PlainCodec
from bot.models import Inbound
from bot.redis_conn import connect
from bot.store import Store
from bot.wiring import build_service


async def add_coach(settings: Settings, telegram_id: int) -> int:
    """Make a Telegram user a coach, as an admin's /addcoach would; returns the exit code."""
    async with connect(settings) as redis:
        store = Store(redis, PlainCodec(), partitions=settings.partitions,
                      lock_ttl_ms=settings.lock_ttl_ms)  # fmt: skip
        await store.ensure_groups("telegram")
        reference = f"cli:{secrets.token_hex(6)}"
        payload = json.dumps({"id": reference, "type": "make_coach", "from": 0})
        channel = "telegram" if settings.telegram_bot_token else "terminal"
        await build_service(store, settings).handle(
            Inbound(
                event_id=f"int:{reference}",
                channel=channel,
                user_id=telegram_id,
                chat_id=telegram_id,
                kind="internal",
                data=payload,
            )
        )
    print(f"llinc: {telegram_id} is now a coach; they get a message when the bot runs.")
    return 0
