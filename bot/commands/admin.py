"""Administration from the command line (`llinc coach add ID`, `llinc jobs failed`)."""

from __future__ import annotations

import secrets

from bot.config import Settings
from bot.models.events import Channel, Inbound
from bot.models.internal import MakeCoach
from bot.storage.connection import connect
from bot.storage.crypto import new_master_key_spec
from bot.storage.jobqueue import failed_jobs
from bot.storage.keys import DATA_KEYS, user_of
from bot.wiring import build_service, make_codec, make_store


async def add_coach(settings: Settings, telegram_id: int) -> int:
    """Make a Telegram user a coach, as an admin's /addcoach would; returns the exit code."""
    async with connect(settings) as redis:
        store = make_store(redis, settings)
        reference = f"cli:{secrets.token_hex(6)}"
        channel: Channel = "telegram" if settings.telegram_bot_token else "terminal"
        await build_service(store, settings).handle(
            Inbound(
                event_id=f"int:{reference}",
                channel=channel,
                user_id=telegram_id,
                chat_id=telegram_id,
                kind="internal",
                internal=MakeCoach(id=reference),
            )
        )
    print(f"llinc: {telegram_id} is now a coach; they get a message when the bot runs.")
    return 0


async def list_failed_jobs(settings: Settings) -> int:
    """List the parked jobs (`llinc jobs failed`): id, name, user id, when, exception type;
    never job data or answer text. Needs no master key: the records hold nothing sealed."""
    async with connect(settings) as redis:
        parked = await failed_jobs(redis, settings.partitions)
    if not parked:
        print("llinc: no parked jobs")
        return 0
    print(f"{'when (UTC)':<19}  {'name':<20}  {'user':<12}  {'error':<20}  id")
    for job in parked:
        print(
            f"{job.at:%Y-%m-%d %H:%M:%S}  {job.name:<20}  {job.user_id:<12}  "
            f"{job.error:<20}  {job.id}"
        )
    return 0


_SWAP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""


def new_key() -> int:
    """Print a fresh master key for LLINC_MASTER_KEY."""
    print(new_master_key_spec(f"k{secrets.randbelow(10**6)}"))
    return 0


async def rotate_keys(settings: Settings) -> int:
    """Re-wrap every data key under the first master key; running bots keep working (they
    know the old key too), and a key changed meanwhile is left for the next run."""
    async with connect(settings) as redis:
        codec = make_codec(redis, settings)
        swap = redis.register_script(_SWAP)
        done = skipped = 0
        async for name in redis.scan_iter(match=DATA_KEYS, count=500):
            wrapped: bytes | None = await redis.get(name)  # type: ignore[assignment]
            if not wrapped or wrapped.startswith(codec.keyring.current.encode() + b":"):
                skipped += 1
                continue
            user_id = user_of(name)
            rewrapped = codec.keyring.wrap(user_id, codec.keyring.unwrap(user_id, wrapped))
            done += int(await swap(keys=[name], args=[wrapped, rewrapped]))
    print(f"llinc: {done} data keys re-wrapped under {codec.keyring.current}, {skipped} already")
    return 0
