"""The terminal chat: the same service, store and texts as Telegram, in a terminal.

Works interactively and with piped stdin (one message per line). Buttons show as numbered
options; type the number or the label. Every bot turn ends with the prompt line `> `.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.crypto import PlainCodec
from bot.jobs import JobQueue
from bot.keys import global_key
from bot.models import Button, Inbound, Language, Outbound
from bot.redis_conn import connect
from bot.runtime import Scheduler, Sender
from bot.service import Service
from bot.store import Store

TERMINAL_TEACHER = 1
PROMPT = "> "


class TerminalTransport:
    """Prints messages; remembers the last buttons so a number or label can press them."""

    def __init__(self, out: TextIO, export_dir: Path) -> None:
        self.out = out
        self.export_dir = export_dir
        self.buttons: list[Button] = []

    async def deliver(self, message: Outbound) -> None:
        """Print one message with its numbered buttons, or save its file."""
        lines = [message.text] if message.text else []
        if message.document is not None:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = self.export_dir / message.document.filename
            path.write_bytes(message.document.content)
            path.chmod(0o600)
            lines.append(f"[file] {path}")
        if message.photo is not None:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = self.export_dir / "profile.png"
            path.write_bytes(message.photo)
            lines.append(f"[image] {path}")
        if message.buttons:
            self.buttons = [b for row in message.buttons for b in row]
            lines += [f"  [{n}] {b.label}" for n, b in enumerate(self.buttons, start=1)]
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()

    async def typing(self, chat: int) -> None:
        """Nothing to show in a terminal."""

    def pressed(self, line: str) -> Button | None:
        """The button a typed number or label means, if any."""
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1]
        return next((b for b in self.buttons if b.label.lower() == choice.lower()), None)


class TerminalChat:
    """One local user talking to the bot through stdin and stdout."""

    def __init__(self, store: Store, service: Service, out: TextIO, export_dir: Path) -> None:
        self.store = store
        self.service = service
        self.transport = TerminalTransport(out, export_dir)
        self.sender = Sender(store, self.transport, channel="terminal", consumer="terminal")
        self.scheduler = Scheduler(
            store, service, JobQueue(store.redis, store.codec, store.partitions)
        )
        self.user_id = TERMINAL_TEACHER
        self.lang: Language | None = None

    async def event(self, line: str) -> Inbound:
        """The event a typed line stands for."""
        number = await self.store.redis.incr(global_key("terminal:events"))
        base = {
            "event_id": f"term:{number}",
            "channel": "terminal",
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "language_code": self.lang,
        }
        button = self.transport.pressed(line)
        if button is not None:
            return Inbound(kind="button", data=button.data, **base)
        if line.startswith("/"):
            head, _, rest = line.partition(" ")
            return Inbound(kind="command", command=head[1:].lower(), text=rest.strip(), **base)
        return Inbound(kind="text", text=line, **base)

    async def say(self, line: str) -> None:
        """Handle one typed line and print everything the bot has to say."""
        await self.service.handle(await self.event(line))
        await self.scheduler.once()
        await self.drain()

    async def drain(self) -> None:
        """Print every queued message for the terminal."""
        while await self.sender.once(block_ms=None) or self.sender._pending_first:
            pass


async def run_chat(
    settings: Settings, lang: Language | None, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    """The terminal chat until end of input; returns the exit code."""
    interactive = stdin.isatty()
    async with connect(settings) as redis:
        store = Store(redis, PlainCodec(), partitions=settings.partitions,
                      lock_ttl_ms=settings.lock_ttl_ms)  # fmt: skip
        await store.ensure_groups("terminal")
        chat = TerminalChat(store, Service(store, settings), out, settings.data_dir / "exports")
        chat.lang = lang
        await chat.drain()
        await chat.say("/start")
        while True:
            out.write(PROMPT)
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                out.write("\n")
                return 0
            line = line.rstrip("\r\n")
            if not interactive:
                out.write(line + "\n")
            await chat.say(line)
