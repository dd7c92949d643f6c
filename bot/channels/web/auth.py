"""Who is signed in to the workspace, and how they got there.

- **Telegram Mini App**: the client hands the page its `initData`; the server checks it as
  Telegram documents: `secret = HMAC_SHA256(key="WebAppData", msg=bot_token)`, then the hex
  `HMAC_SHA256(key=secret, msg=data_check_string)` (every field but `hash`, sorted by key, as
  `key=value` lines) must equal `hash`, compared in constant time; `auth_date` must be fresh;
  the same initData signs nobody in twice.
- **A browser**: the single-use link of `/web` (`<coach id hex>-<random>`): the coach's own
  document must hold its SHA-256, unexpired; the first use marks it used in Redis (SET NX).

Either way the user must be a coach. Then a session: a random cookie value whose SHA-256 names
the Redis record (coach id, CSRF token), which expires. Sign-in attempts are counted per client.
Tokens, cookies and initData are never logged and never kept in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qsl

from bot.storage.connection import AnyRedis
from bot.storage.keys import web_attempts, web_init_data_used, web_login_used, web_session

ATTEMPT_WINDOW_S = 300
Via = Literal["telegram", "link"]


def digest(value: str) -> str:
    """The SHA-256 (hex) under which a secret is looked up: never the secret itself."""
    return hashlib.sha256(value.encode()).hexdigest()


def init_data_secret(bot_token: str) -> bytes:
    """Telegram's secret key for Mini App data: HMAC-SHA256 of the token, keyed "WebAppData"."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram signs it (for tests and the fake client): the fields, url-encoded,
    with their `hash`."""
    from urllib.parse import urlencode

    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    signature = hmac.new(init_data_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": signature})


@dataclass(frozen=True)
class MiniAppUser:
    """The Telegram user a valid initData names, and the hash that signed it."""

    user_id: int
    signed: str


def check_init_data(
    init_data: str, bot_token: str, now: datetime, max_age_s: int
) -> MiniAppUser | None:
    """The user of a Mini App's initData when its signature is Telegram's and it is fresh;
    None otherwise (forged, altered, old, from the future, or without a user)."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    given = fields.pop("hash", "")
    if len(fields) + 1 != len(pairs) or not given:
        return None  # a repeated field or no hash
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    expected = hmac.new(init_data_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        return None
    try:
        age = now.timestamp() - int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        return None
    if not -60 <= age <= max_age_s:
        return None
    return MiniAppUser(user_id=user_id, signed=given.lower())


def link_coach(token: str) -> int | None:
    """The coach a `/web` link names (`<coach id hex>-<random>`), or None when malformed."""
    head, sep, rest = token.partition("-")
    if not sep or len(rest) < 32 or len(token) > 80 or not head.isalnum():
        return None
    try:
        return int(head, 16)
    except ValueError:
        return None


@dataclass(frozen=True)
class WebSession:
    """A signed-in coach."""

    coach_id: int
    csrf: str
    via: Via


class Sessions:
    """Sessions, used links and initData, and sign-in attempts, in Redis (keys.py)."""

    def __init__(self, redis: AnyRedis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def start(self, coach_id: int, via: Via) -> str:
        """A new session; returns the cookie's value (kept only as its digest)."""
        cookie = secrets.token_urlsafe(32)
        record = {"coach": coach_id, "csrf": secrets.token_urlsafe(32), "via": via}
        await self.redis.set(web_session(digest(cookie)), json.dumps(record), ex=self.ttl_s)
        return cookie

    async def get(self, cookie: str) -> WebSession | None:
        """The session of a cookie, while it lasts."""
        if not cookie or len(cookie) > 100:
            return None
        raw = await self.redis.get(web_session(digest(cookie)))
        if raw is None:
            return None
        record = json.loads(raw)
        return WebSession(int(record["coach"]), str(record["csrf"]), record["via"])

    async def end(self, cookie: str) -> None:
        """Sign out."""
        await self.redis.delete(web_session(digest(cookie)))

    async def first_use(self, key: str, ttl_s: int) -> bool:
        """Mark a link or initData used; False when it was used before."""
        return bool(await self.redis.set(key, b"1", nx=True, ex=max(ttl_s, 1)))

    async def link_used(self, token: str, ttl_s: int) -> bool:
        """True the first time a `/web` link is used, False after."""
        return await self.first_use(web_login_used(digest(token)), ttl_s)

    async def init_data_used(self, user: MiniAppUser, ttl_s: int) -> bool:
        """True the first time a signed initData is used, False after (a replay)."""
        return await self.first_use(web_init_data_used(digest(user.signed)), ttl_s)

    async def attempt(self, client: str, limit: int) -> bool:
        """Count a sign-in attempt of a client; False when it is over the limit."""
        key = web_attempts(digest(client))
        count = await self.redis.incr(key)
        if count == 1:
            await self.redis.expire(key, ATTEMPT_WINDOW_S)
        return int(count) <= limit
