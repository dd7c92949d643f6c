"""A local fake of the Telegram Bot API (aiohttp) for end-to-end tests and load benchmarks.

Point python-telegram-bot at it with ``Bot(token, base_url=tg.base_url)``. Standalone:
``python -m tests.support.fake_telegram --port 8081 --token 123:ABC``; typed lines come from user 1
(``!data`` presses a button) and the bot's calls are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, NamedTuple

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
# Form values of these keys stay strings; all others are JSON-decoded (PTB encodes them so).
_STR_KEYS = frozenset(
    {"text", "caption", "parse_mode", "url", "secret_token", "language_code", "action"}
    | {"callback_query_id", "inline_message_id", "ip_address", "file_id", "message_effect_id"}
)
_MEDIA: dict[str, JSON] = {
    "sticker": {"width": 512, "height": 512, "type": "regular", "is_animated": False}
    | {"is_video": False, "emoji": "👍"},
    "voice": {"duration": 3, "mime_type": "audio/ogg"},
    "photo": {"width": 800, "height": 600},
    "document": {"mime_type": "application/octet-stream"},
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)


@dataclass
class SentMessage:
    """One outgoing bot call (send, edit, delete, chat action or callback answer)."""

    method: str
    chat_id: int | None
    text: str | None = None  # text; caption of a document/photo; chat action; answer text
    reply_markup: JSON | None = None
    message_id: int | None = None
    filename: str | None = None
    document: bytes | None = None
    photo: bytes | None = None
    params: JSON = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)


class FloodViolation(NamedTuple):
    """A send that real Telegram would probably have answered with 429."""

    time: float
    chat_id: int | None  # None: the global 30 messages/second limit
    reason: str


class ApiError(Exception):
    """Raised by a method handler to answer ``{"ok": false, ...}`` with an HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def utf16_len(text: str) -> int:
    """The length Telegram's limits count: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _error(status: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    return web.json_response(
        body | ({"parameters": parameters} if parameters else {}), status=status
    )


def _decode(key: str, value: Any) -> Any:
    if isinstance(value, web.FileField):
        return (value.filename, value.file.read())
    value = value.decode() if isinstance(value, bytes | bytearray) else value
    if key in _STR_KEYS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _markup(p: JSON) -> JSON | None:
    markup = p.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup


def _check_keyboard(p: JSON) -> None:
    """Refuse an inline keyboard Telegram would refuse: each button needs exactly one of
    callback data (1-64 bytes), a URL or a Mini App (``web_app``, https only)."""
    for row in (_markup(p) or {}).get("inline_keyboard", []):
        for button in row:
            kinds = [k for k in ("callback_data", "url", "web_app") if k in button]
            if len(kinds) != 1 or not button.get("text"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            app = button.get("web_app")
            if app is not None and not str(app.get("url", "")).startswith("https://"):
                url = app.get("url", "")
                raise ApiError(
                    400,
                    f"Bad Request: inline keyboard button Web App URL '{url}' is invalid: "
                    "Only HTTPS links are allowed",
                )


def _inline_markup(p: JSON) -> JSON:
    """``{"reply_markup": ...}`` for a non-empty inline keyboard, the only kind echoed back."""
    markup = _markup(p)
    return {"reply_markup": markup} if markup and markup.get("inline_keyboard") else {}


class FakeTelegram:
    """A fake Bot API server; ``async with FakeTelegram(token="123:ABC") as tg:``."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        check_flood: bool = True,
        verbose: bool = False,
    ) -> None:
        """Configure; ``port=0`` picks a free port. ``verbose`` prints every bot call."""
        self.token, self.host, self.port = token, host, port
        self.check_flood, self.verbose = check_flood, verbose
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": "FakeBot"}
        self.bot_user |= {"username": "fake_bot", "can_join_groups": False}
        self.calls: Counter[str] = Counter()
        self.confirmed_offset = 0
        self.flood_violations: list[FloodViolation] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope, language) -> commands
        self.webhook: JSON | None = None  # the setWebhook parameters while one is set
        self.allowed_updates: list[str] | None = None
        self._queue: deque[JSON] = deque()  # unconfirmed updates, ascending update_id
        self._shielded: set[int] = set()  # redelivered ids that the next offset must not drop
        self._updates: dict[int, JSON] = {}
        self._next_update, self._poll_gen, self._closing = 1, 0, False
        self._ids = itertools.count(1)  # message, file and callback query ids
        self._sent: list[SentMessage] = []
        self._sent_by_chat: defaultdict[int, list[SentMessage]] = defaultdict(list)
        self._send_counts: Counter[int] = Counter()
        self._waiters: defaultdict[int, list[tuple[int, asyncio.Future[None]]]] = defaultdict(list)
        self._messages: defaultdict[int, dict[int, JSON]] = defaultdict(dict)  # chat -> id -> msg
        self._users: dict[int, JSON] = {}
        self._files: dict[str, tuple[bytes, str | None]] = {}
        self._callbacks: dict[str, int] = {}  # unanswered callback query id -> chat id
        self._failures: dict[str, tuple[int, int, int, str | None]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, last time)
        self._recent: deque[float] = deque()
        self._event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._pushes: set[asyncio.Task[None]] = set()
        self._methods: dict[str, tuple[str, Callable[[JSON], Awaitable[Any]]]] = {
            n[3:].lower(): (n[3:], getattr(self, n)) for n in dir(self) if n.startswith("_m_")
        }

    @property
    def base_url(self) -> str:
        """The ``base_url`` for ``telegram.Bot``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The ``base_file_url`` for ``telegram.Bot``."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def __aenter__(self) -> FakeTelegram:
        """Start the HTTP server."""
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the server, ending pending long polls."""
        self._closing = True
        self._wake()
        for task in list(self._pushes):
            task.cancel()
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    # ---- control API -------------------------------------------------------------------------

    def add_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "nl",
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> int:
        """Queue a private text message from a user; commands get a ``bot_command`` entity.
        The user keeps the name given last (``first_name`` "Teacher" and no last name at
        first), as on Telegram; ``last_name=""`` removes the last name."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        frm = self._user(user_id, language_code, first_name, last_name)
        return self._add({"message": self._msg(user_id, frm, content)})

    def add_command(self, user_id: int, command: str, args: str = "", **user: str) -> int:
        """Queue ``/command args``; ``language_code``, ``first_name``, ``last_name`` as for
        :meth:`add_text`."""
        return self.add_text(user_id, f"/{command.lstrip('/')} {args}".strip(), **user)

    def add_sticker(self, user_id: int) -> int:
        """Queue a sticker (media updates reuse the user's last name and language)."""
        return self._add_media(user_id, "sticker", b"RIFF sticker", "sticker.webp")

    def add_voice(self, user_id: int, data: bytes = b"OggS fake voice") -> int:
        """Queue a voice message (its bytes can be downloaded via getFile)."""
        return self._add_media(user_id, "voice", data, "voice.ogg")

    def add_photo(self, user_id: int, data: bytes = b"\x89PNG fake") -> int:
        """Queue a photo message."""
        return self._add_media(user_id, "photo", data, "photo.jpg")

    def add_document(self, user_id: int, data: bytes = b"%PDF fake", name: str = "a.pdf") -> int:
        """Queue a document message."""
        return self._add_media(user_id, "document", data, name)

    def add_edited_text(self, user_id: int, message_id: int, text: str) -> int:
        """Queue an ``edited_message`` update for an earlier user message."""
        msg = self._msg(user_id, self._user(user_id), {"text": text})
        del self._messages[user_id][msg["message_id"]]
        msg |= {"message_id": message_id, "edit_date": msg["date"]}
        self._messages[user_id][message_id] = msg
        return self._add({"edited_message": msg})

    def press_button(
        self, user_id: int, callback_data: str, *, message_id: int | None = None
    ) -> int:
        """Queue a callback query for a button of bot message ``message_id`` (default: latest
        one with an inline keyboard). ValueError if no such button; forge with add_raw."""
        chat = self._messages[user_id]
        if message_id is None:
            msg = next((m for m in reversed(chat.values()) if m.get("reply_markup")), None)
        else:
            msg = chat.get(message_id)
        if msg is None or callback_data not in {d for _, d in self.buttons(msg)}:
            found = self.buttons(msg) if msg else "no such message"
            raise ValueError(f"no button {callback_data!r} in chat {user_id}: {found}")
        query = {"id": f"{next(self._ids)}{user_id}", "from": self._user(user_id), "message": msg}
        return self._add(
            {"callback_query": query | {"chat_instance": f"-{user_id}", "data": callback_data}}
        )

    def add_raw(self, update: JSON) -> int:
        """Queue any update dict, assigning ``update_id`` when missing."""
        return self._add(update)

    def redeliver(self, update_id: int) -> None:
        """Put a confirmed update back at the head of the queue with the same update_id."""
        if any(u["update_id"] == update_id for u in self._queue):
            raise ValueError(f"update {update_id} is still pending")
        self._queue.appendleft(self._updates[update_id])
        self._shielded.add(update_id)
        self._wake()

    def pending_updates(self) -> int:
        """Number of updates not yet confirmed by the bot."""
        return len(self._queue)

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """The bot's outgoing calls in order, for one chat or all."""
        return list(self._sent if chat_id is None else self._sent_by_chat.get(chat_id, ()))

    def texts(self, chat_id: int) -> list[str]:
        """Texts of the ``sendMessage`` calls to a chat."""
        return [m.text or "" for m in self.sent(chat_id) if m.method == "sendMessage"]

    async def wait_for_sent(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait until ``count`` messages in total were sent to a chat; return all sent ones."""
        if self._send_counts[chat_id] < count:
            fut = asyncio.get_running_loop().create_future()
            self._waiters[chat_id].append((count, fut))
            try:
                await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                got = [f"\n  {m.method} {m.text!r} {self.buttons(m)}" for m in self.sent(chat_id)]
                raise TimeoutError(
                    f"expected {count} message(s) to chat {chat_id} within {timeout}s, got "
                    f"{self._send_counts[chat_id]}. Calls for this chat:{''.join(got) or ' none'}"
                    f"\nAll calls: {dict(self.calls)}"
                ) from None
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters[chat_id].remove((count, fut))
        return [m for m in self.sent(chat_id) if m.method in SEND_METHODS]

    @staticmethod
    def buttons(message: SentMessage | JSON | None) -> list[tuple[str, str]]:
        """(label, callback_data or url) pairs of an inline keyboard (message or markup)."""
        markup = message.reply_markup if isinstance(message, SentMessage) else message
        markup = (markup or {}).get("reply_markup", markup) or {}
        rows = markup.get("inline_keyboard", [])
        return [
            (b["text"], b.get("callback_data", b.get("url", b.get("web_app", {}).get("url", ""))))
            for r in rows
            for b in r
        ]

    @staticmethod
    def web_apps(message: SentMessage) -> list[tuple[str, str]]:
        """(label, Mini App URL) of the ``web_app`` buttons of a message's inline keyboard."""
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b["web_app"]["url"]) for r in rows for b in r if "web_app" in b]

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (429 flood control by default)."""
        self._failures[method.lower()] = (status, retry_after, times, description)

    async def post_update(self, url: str, update: JSON, secret_token: str | None = None) -> int:
        """POST an update to a bot's webhook like Telegram; return the HTTP status."""
        if "update_id" not in update:
            update = {"update_id": self._next_update} | update
            self._next_update += 1
        self._session = self._session or aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with self._session.post(url, json=update, headers=headers) as response:
            return response.status

    # ---- internals ---------------------------------------------------------------------------

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def _add(self, update: JSON) -> int:
        uid: int = update.setdefault("update_id", self._next_update)
        self._next_update = max(self._next_update, uid + 1)
        self._updates[uid] = update
        if not self._queue or self._queue[-1]["update_id"] < uid:
            self._queue.append(update)
        else:
            self._queue = deque(sorted([*self._queue, update], key=lambda u: u["update_id"]))
        if query := update.get("callback_query"):
            self._callbacks[query["id"]] = query.get("message", {}).get("chat", query["from"])["id"]
        self._wake()
        if self.webhook:  # like Telegram: pushed to the webhook, retried until it answers 200
            task = asyncio.get_running_loop().create_task(self._push(update, self.webhook))
            self._pushes.add(task)
            task.add_done_callback(self._pushes.discard)
        return uid

    async def _push(self, update: JSON, hook: JSON) -> None:
        for attempt in range(60):
            with contextlib.suppress(aiohttp.ClientError, OSError):
                if await self.post_update(hook["url"], update, hook.get("secret_token")) == 200:
                    self._queue = deque(u for u in self._queue if u is not update)
                    return
            await asyncio.sleep(min(0.05 * 2**attempt, 2.0))

    def _user(
        self,
        user_id: int,
        language_code: str | None = None,
        name: str | None = None,
        last_name: str | None = None,
    ) -> JSON:
        old = self._users.get(user_id, {"first_name": "Teacher", "language_code": "nl"})
        user = {"id": user_id, "is_bot": False, "first_name": name or old["first_name"]}
        last = old.get("last_name", "") if last_name is None else last_name
        user |= {"last_name": last} if last else {}
        self._users[user_id] = user | {"language_code": language_code or old["language_code"]}
        return self._users[user_id]

    def _chat(self, chat_id: int) -> JSON:
        name = self._users.get(chat_id, {}).get("first_name", "Teacher")
        return {"id": chat_id, "type": "private", "first_name": name}

    def _msg(self, chat_id: int, sender: JSON, content: JSON) -> JSON:
        msg: JSON = {"message_id": next(self._ids), "date": int(time.time())}
        msg |= {"chat": self._chat(chat_id), "from": sender}
        msg |= {k: v for k, v in content.items() if v is not None}
        self._messages[chat_id][msg["message_id"]] = msg
        return msg

    def _add_media(self, user_id: int, kind: str, data: bytes, name: str) -> int:
        media = self._file(data, name) | _MEDIA[kind]
        media |= {"file_name": name} if kind == "document" else {}
        content = {kind: [media] if kind == "photo" else media}
        return self._add({"message": self._msg(user_id, self._user(user_id), content)})

    def _file(self, data: bytes, name: str | None) -> JSON:
        file_id = f"file{next(self._ids)}"
        self._files[file_id] = (data, name)
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(data)}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        self.calls[entry[0] if entry else name] += 1
        if entry is None:
            return _error(404, "Not Found")
        params = {k: _decode(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json" and request.body_exists:
            params |= await request.json()
        elif request.body_exists:
            params |= {k: _decode(k, v) for k, v in (await request.post()).items()}
        if failure := self._failures.pop(name.lower(), None):
            status, retry_after, times, description = failure
            if times > 1:
                self._failures[name.lower()] = (status, retry_after, times - 1, description)
            if status == 429:
                desc = description or f"Too Many Requests: retry after {retry_after}"
                return _error(429, desc, {"retry_after": retry_after})
            return _error(status, description or HTTPStatus(status).phrase)
        try:
            return web.json_response({"ok": True, "result": await entry[1](params)})
        except ApiError as exc:
            return _error(exc.status, exc.description)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        file = self._files.get(request.match_info["path"].rsplit("/", 1)[-1])
        return web.Response(body=file[0]) if file else _error(404, "Not Found")

    def _record(
        self, method: str, chat_id: int, p: JSON, msg: JSON | None = None, **kw: Any
    ) -> None:
        mid = msg["message_id"] if msg else p.get("message_id")
        sm = SentMessage(method, chat_id, reply_markup=_markup(p), message_id=mid, params=p, **kw)
        self._sent.append(sm)
        self._sent_by_chat[chat_id].append(sm)
        if self.verbose:
            print(f"-> {chat_id} {method}: {sm.text!r} {self.buttons(sm)}", flush=True)
        if method not in SEND_METHODS:
            return
        self._send_counts[chat_id] += 1
        for count, fut in self._waiters.get(chat_id, ()):
            if count <= self._send_counts[chat_id] and not fut.done():
                fut.set_result(None)
        if self.check_flood:  # token bucket per chat (1/s, burst 3), sliding second overall
            now = sm.time
            tokens, last = self._buckets.get(chat_id, (3.0, now))
            tokens = min(3.0, tokens + now - last)
            if tokens < 1:
                self.flood_violations.append(FloodViolation(now, chat_id, "over 1 msg/s in chat"))
            self._buckets[chat_id] = (tokens - 1 if tokens >= 1 else tokens, now)
            while self._recent and now - self._recent[0] >= 1:
                self._recent.popleft()
            if len(self._recent) >= 30:
                self.flood_violations.append(FloodViolation(now, None, "over 30 msg/s overall"))
            self._recent.append(now)

    def _chat_id(self, p: JSON) -> int:
        if p.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            return int(p["chat_id"])
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _bot_msg(self, chat_id: int, p: JSON, content: JSON) -> JSON:
        _check_keyboard(p)
        return self._msg(chat_id, self.bot_user, content | _inline_markup(p))

    def _text(self, p: JSON, key: str = "text", limit: int = 4096) -> str | None:
        text = p.get(key)
        if key == "caption" and not text:
            return None
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > limit:  # UTF-16 units, as Telegram; HTML tags count here too
            raise ApiError(
                400, f"Bad Request: message {'caption ' * (key == 'caption')}is too long"
            )
        return text

    async def _m_getMe(self, p: JSON) -> JSON:
        return self.bot_user

    async def _m_getUpdates(self, p: JSON) -> list[JSON]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        self.allowed_updates = p.get("allowed_updates", self.allowed_updates)
        if offset < 0:
            while len(self._queue) > -offset:
                self._queue.popleft()
        elif offset > 0:
            if self._shielded:  # rare: redelivered updates sit at the head with lower ids
                ids = self._shielded
                self._queue = deque(
                    u for u in self._queue if u["update_id"] >= offset or u["update_id"] in ids
                )
            while self._queue and self._queue[0]["update_id"] < offset and not self._shielded:
                self._queue.popleft()  # the queue is sorted: O(confirmed updates)
            self.confirmed_offset = max(self.confirmed_offset, offset)
        self._poll_gen += 1
        gen = self._poll_gen
        self._wake()  # an older long poll still waiting gets 409, like on Telegram
        while True:
            batch = list(itertools.islice(self._queue, limit))
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                self._shielded.difference_update(u["update_id"] for u in batch)
                return batch
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
            if gen != self._poll_gen:
                raise ApiError(409, "Conflict: terminated by other getUpdates request")

    async def _m_sendMessage(self, p: JSON) -> JSON:
        chat_id, text = self._chat_id(p), self._text(p)
        msg = self._bot_msg(chat_id, p, {"text": text})
        self._record("sendMessage", chat_id, p, msg, text=text)
        return msg

    def _upload(self, p: JSON, key: str) -> tuple[str | None, bytes]:
        value = p.get(key)
        if isinstance(value, tuple):
            return value[0], value[1]
        if isinstance(value, str) and value:  # a file_id sent before, or a URL
            data, name = self._files.get(value, (b"", value.rsplit("/", 1)[-1]))
            return name, data
        raise ApiError(400, f"Bad Request: there is no {key} in the request")

    async def _m_sendDocument(self, p: JSON) -> JSON:
        chat_id, caption = self._chat_id(p), self._text(p, "caption", 1024)
        name, data = self._upload(p, "document")
        doc = self._file(data, name) | {"file_name": name or "file"}
        msg = self._bot_msg(chat_id, p, {"document": doc, "caption": caption})
        self._record("sendDocument", chat_id, p, msg, text=caption, filename=name, document=data)
        return msg

    async def _m_sendPhoto(self, p: JSON) -> JSON:
        chat_id, caption = self._chat_id(p), self._text(p, "caption", 1024)
        photo = self._file(data := self._upload(p, "photo")[1], "photo.jpg") | _MEDIA["photo"]
        msg = self._bot_msg(chat_id, p, {"photo": [photo], "caption": caption})
        self._record("sendPhoto", chat_id, p, msg, text=caption, photo=data)
        return msg

    async def _m_sendChatAction(self, p: JSON) -> bool:
        self._record("sendChatAction", self._chat_id(p), p, text=p.get("action"))
        return True

    def _scope_key(self, p: JSON) -> tuple[str, str]:
        """("default" / "all_private_chats" / "chat:ID" / "chat_member:ID:USER", language)."""
        scope = p.get("scope") or {"type": "default"}
        ids = "".join(f":{scope[k]}" for k in ("chat_id", "user_id") if k in scope)
        return scope["type"] + ids, p.get("language_code") or ""

    async def _m_setMyCommands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or not all(
            re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) and c.get("description")
            for c in commands
        ):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._scope_key(p)] = commands
        return True

    async def _m_getMyCommands(self, p: JSON) -> list[JSON]:
        return self.commands.get(self._scope_key(p), [])

    async def _m_deleteMyCommands(self, p: JSON) -> bool:
        return self.commands.pop(self._scope_key(p), None) is not None or True

    async def _m_answerCallbackQuery(self, p: JSON) -> bool:
        chat_id = self._callbacks.pop(str(p.get("callback_query_id")), None)
        if chat_id is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._record("answerCallbackQuery", chat_id, p, text=p.get("text"))
        return True

    def _own_msg(self, p: JSON, verb: str) -> tuple[int, JSON]:
        chat_id = self._chat_id(p)
        msg = self._messages.get(chat_id, {}).get(int(p.get("message_id") or 0))
        if msg is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return chat_id, msg

    async def _edit(self, p: JSON, method: str, text: bool) -> JSON:
        chat_id, old = self._own_msg(p, "edit")
        unedited = {k: v for k, v in old.items() if k not in ("reply_markup", "edit_date")}
        new = unedited | ({"text": self._text(p)} if text else {}) | _inline_markup(p)
        if new == {k: v for k, v in old.items() if k != "edit_date"}:
            raise ApiError(400, _NOT_MODIFIED)
        self._messages[chat_id][old["message_id"]] = new = new | {"edit_date": int(time.time())}
        self._record(method, chat_id, p, new, text=new.get("text"))
        return new

    async def _m_editMessageText(self, p: JSON) -> JSON:
        return await self._edit(p, "editMessageText", text=True)  # no markup: keyboard removed

    async def _m_editMessageReplyMarkup(self, p: JSON) -> JSON:
        return await self._edit(p, "editMessageReplyMarkup", text=False)

    async def _m_deleteMessage(self, p: JSON) -> bool:
        chat_id, msg = self._own_msg(p, "delete")
        del self._messages[chat_id][msg["message_id"]]
        self._record("deleteMessage", chat_id, p, msg, text=msg.get("text"))
        return True

    async def _m_setWebhook(self, p: JSON) -> bool:
        if p.get("drop_pending_updates"):
            self._queue.clear()
            self._shielded.clear()
            self.confirmed_offset = self._next_update
        self.webhook = p if p.get("url") else None
        return True

    async def _m_deleteWebhook(self, p: JSON) -> bool:
        return await self._m_setWebhook(p | {"url": ""})

    async def _m_getWebhookInfo(self, p: JSON) -> JSON:
        url, pending = (self.webhook or {}).get("url", ""), len(self._queue)
        return {"url": url, "has_custom_certificate": False, "pending_update_count": pending}

    async def _m_getFile(self, p: JSON) -> JSON:
        file_id = str(p.get("file_id"))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(self._files[file_id][0])
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": size} | {
            "file_path": f"files/{file_id}"
        }

    async def _m_logOut(self, p: JSON) -> bool:
        return True

    _m_close = _m_logOut


async def _serve(token: str, host: str, port: int) -> None:
    async with FakeTelegram(token, host=host, port=port, verbose=True) as tg:
        print(f"Fake Telegram API at {tg.base_url} (token {token})", flush=True)
        loop, lines = asyncio.get_running_loop(), asyncio.Queue[str]()

        def read() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line.strip())

        threading.Thread(target=read, daemon=True).start()
        while True:
            line = await lines.get()
            try:
                if line.startswith("!"):
                    tg.press_button(1, line[1:])
                elif line:
                    tg.add_text(1, line)
            except ValueError as exc:
                print(exc, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API standalone.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123:ABC")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.token, args.host, args.port))
