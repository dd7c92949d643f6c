"""The terminal chat: the same service, store and texts as Telegram, in a terminal.

Works interactively and with piped stdin (one message per line). Buttons show as numbered
options; type the number or the label. Every bot turn ends with the prompt line `> `.

Two local users share the data: the teacher (the default) and a coach. `/coach` switches to
the coach's view and back (the first switch makes the local coach a coach); messages for the
other user are shown with their name in front. `/advance DAYS` moves the local clock forward,
to try what happens later (the draft, the check-in); the offset is kept with the local data.

Files the bot sends (the coach's PDF, charts, /mydata) are saved under DATA_DIR/exports; they
are all about the one local teacher, so when the teacher's data is deleted (/forget, or the
retention period) they are deleted too.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TextIO

from bot.dialogues.script import load_texts
from bot.models.events import Button, Inbound, Outbound
from bot.models.internal import MakeCoach
from bot.models.language import Language
from bot.runtime.app import App
from bot.runtime.roles import run_until_quiet
from bot.runtime.scheduler import Scheduler
from bot.runtime.sender import Relay, Sender
from bot.storage.keys import TERMINAL_CLOCK_OFFSET, TERMINAL_EVENTS

TERMINAL_TEACHER = 1
TERMINAL_COACH = 2
PROMPT = "> "
TERMINAL_COMMANDS = ("coach", "advance")  # the terminal's own, besides the bot's commands


class TerminalTransport:
    """Prints messages; remembers the last buttons so a number or label can press them."""

    def __init__(self, out: TextIO, export_dir: Path) -> None:
        self.out = out
        self.export_dir = export_dir
        self.buttons: list[Button] = []
        self.viewer = TERMINAL_TEACHER
        self.names = {TERMINAL_TEACHER: "teacher", TERMINAL_COACH: "coach"}
        self.turn_fresh = True  # no message with buttons yet since the last typed line

    async def deliver(self, message: Outbound) -> None:
        """Print one message with its numbered buttons (files are saved, their path printed);
        a message for the other local user is shown with their name in front."""
        lines = [message.text] if message.text else []
        if message.document is not None:
            lines.append(
                f"[file] {self._save(message.document.filename, message.document.content)}"
            )
        if message.photo is not None:
            lines.append(f"[image] {self._save(f'chart-{message.chat_id}.png', message.photo)}")
        if message.chat_id != self.viewer:
            who = self.names.get(message.chat_id, str(message.chat_id))
            self.out.write(f"[for the {who}] " + "\n".join(lines) + "\n\n")
            return
        links = [b for row in message.buttons for b in row if b.web_app]
        if message.buttons:
            self.buttons = [b for row in message.buttons for b in row if not b.web_app]
            self.turn_fresh = False  # a later plain message of this turn keeps these buttons
            lines += [f"  [{n}] {b.label}" for n, b in enumerate(self.buttons, start=1)]
        elif self.turn_fresh and message.text and message.photo is None and not message.document:
            self.buttons = []  # a new question: a typed «3» is an answer, not an old button
        lines += [f"  {b.label}: {b.web_app}" for b in links]
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()

    def forget_files(self) -> int:
        """Delete every saved file (all are about the local teacher); returns how many."""
        if not self.export_dir.is_dir():
            return 0
        files = [path for path in self.export_dir.iterdir() if path.is_file()]
        for path in files:
            path.unlink(missing_ok=True)
        return len(files)

    def _save(self, filename: str, content: bytes) -> Path:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / filename
        path.write_bytes(content)
        path.chmod(0o600)
        return path

    async def typing(self, chat: int) -> None:
        """Nothing to show in a terminal."""

    def misses_a_button(self, line: str) -> bool:
        """A bare number with no button of that number on screen («9» under seven buttons): a
        slip of the finger, never an answer or a note (a typed «5» where no buttons are shown,
        the year group, stays an answer)."""
        choice = line.strip()
        return bool(self.buttons) and choice.isdigit() and not 1 <= int(choice) <= len(self.buttons)

    def pressed(self, line: str) -> Button | None:
        """The button a typed number or label means, if any."""
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1]
        return next((b for b in self.buttons if b.label.lower() == choice.lower()), None)


class TerminalChat:
    """One local user talking to the bot through stdin and stdout."""

    def __init__(self, app: App, out: TextIO, export_dir: Path) -> None:
        store, service = app.store, app.service
        self.store = store
        self.service = service
        self.clock = app.clock
        self.transport = TerminalTransport(out, export_dir)
        self.sender = Sender(store, self.transport, channel="terminal", consumer="terminal")
        self.scheduler = Scheduler(store, service, app.jobs)
        self.relay = Sender(
            store, Relay(service.handle, "terminal"), channel="internal", consumer="terminal-relay"
        )
        self.user_id = TERMINAL_TEACHER
        self.lang: Language | None = None

    async def event(self, line: str) -> Inbound:
        """The event a typed line stands for."""
        number = await self._number()
        base = {
            "event_id": f"term:{number}",
            "channel": "terminal",
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "language_code": self.lang,
            "user_name": await self._name(),
        }
        button = self.transport.pressed(line)
        if button is not None:
            return Inbound(kind="button", data=button.data, **base)
        if line.startswith("/"):
            head, _, rest = line.partition(" ")
            return Inbound(kind="command", command=head[1:].lower(), text=rest.strip(), **base)
        return Inbound(kind="text", text=line, **base)

    async def _name(self) -> str:
        """The local user's name, in their language once they chose one («Leerkracht»)."""
        lang = await self._lang()
        return load_texts(lang).get(f"terminal_{self.transport.names[self.user_id]}")

    async def _lang(self) -> Language:
        state = await self.store.load(self.user_id)
        return state.lang if state is not None else self.lang or "en"

    async def say(self, line: str) -> None:
        """Handle one typed line and print everything the bot has to say; when that deleted
        the teacher's data, the files saved about the teacher go too."""
        had_teacher = await self.store.load(TERMINAL_TEACHER) is not None
        self.transport.turn_fresh = True
        head, _, rest = line.strip().partition(" ")
        if self.transport.misses_a_button(line):
            lang = await self._lang()
            hint = load_texts(lang).get("terminal_pick_number", count=len(self.transport.buttons))
            self.transport.out.write(f"{hint}\n\n")
            self.transport.turn_fresh = False  # the buttons on screen stay the ones to press
            return
        if head == "/coach":
            await self.switch()
        elif head == "/advance":
            await self.advance(rest)
        else:
            await self.service.handle(await self.event(line))
        await self.drain()
        if had_teacher and await self.store.load(TERMINAL_TEACHER) is None:
            self._forget_files()

    def _forget_files(self) -> None:
        """The teacher's data is gone: so are the files saved about them."""
        if removed := self.transport.forget_files():
            where = self.transport.export_dir
            self.transport.out.write(f"[files] deleted {removed} saved file(s) in {where}\n\n")

    async def switch(self) -> None:
        """Between the teacher's and the coach's view of the same local data."""
        if self.user_id == TERMINAL_TEACHER:
            self.user_id = TERMINAL_COACH
            state = await self.store.load(TERMINAL_COACH)
            if state is None or state.role != "coach":
                # the new coach's first message already says what to do: no «welcome back»
                self.transport.viewer = self.user_id
                self.transport.buttons = []
                await self.service.handle(_make_coach(await self._number(), self.lang))
                return
        else:
            self.user_id = TERMINAL_TEACHER
        self.transport.viewer = self.user_id
        self.transport.buttons = []
        await self.service.handle(await self.event("/start"))

    async def advance(self, days: str) -> None:
        """Move the local clock forward by a number of days (default 1)."""
        try:
            amount = float(days or 1)
        except ValueError:
            amount = 1.0
        self.clock.advance(timedelta(days=amount))
        await self.store.redis.set(TERMINAL_CLOCK_OFFSET, self.clock.offset.total_seconds())
        self.transport.out.write(f"[clock] {self.clock():%Y-%m-%d %H:%M}\n\n")

    async def load_offset(self) -> None:
        """The clock offset kept from an earlier run."""
        stored = await self.store.redis.get(TERMINAL_CLOCK_OFFSET)
        self.clock.offset = timedelta(seconds=float(stored or 0))

    async def drain(self) -> None:
        """Relay, run due jobs and print until nothing is left to do."""
        await run_until_quiet(self.relay, self.scheduler, self.sender)

    async def _number(self) -> int:
        return int(await self.store.redis.incr(TERMINAL_EVENTS))


def _make_coach(number: int, lang: Language | None) -> Inbound:
    return Inbound(
        event_id=f"term:{number}",
        channel="terminal",
        user_id=TERMINAL_COACH,
        chat_id=TERMINAL_COACH,
        kind="internal",
        internal=MakeCoach(id=f"term:{number}"),
        language_code=lang,
    )


async def run_chat(
    app: App,
    lang: Language | None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    web_url: str = "",
) -> int:
    """The terminal chat until end of input or Ctrl-C; returns the exit code. With `web_url`,
    the coach's workspace runs beside it: its address is printed, and the local coach (once
    there is one) gets a sign-in link.

    Ctrl-C stops at once: a line already sent finishes its turn first (it is stored), nothing
    waits for Enter. Ctrl-D on an empty line stops; Ctrl-D after a half-typed line does not
    send it (Enter sends)."""
    interactive = stdin.isatty()
    chat = TerminalChat(app, out, app.settings.data_dir / "exports")
    chat.lang = lang
    await chat.load_offset()
    await chat.drain()
    if web_url:  # on stderr: a piped chat's transcript stays the chat
        print(f"[workspace] {web_url}/queue  (as the coach: /coach, then /web)", file=sys.stderr)
        coach = await app.store.load(TERMINAL_COACH)
        if coach is not None and coach.role == "coach":
            chat.user_id = TERMINAL_COACH
            await app.service.handle(await chat.event("/web"))
            chat.user_id = TERMINAL_TEACHER
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, stop.set)
    # kept to the end: a second Ctrl-C while the chat closes changes nothing
    await chat.say("/start")
    return await _talk(chat, LineReader(stdin, interactive), stop, interactive, out)


async def _talk(
    chat: TerminalChat, reader: LineReader, stop: asyncio.Event, interactive: bool, out: TextIO
) -> int:
    """Read and say lines until end of input or `stop` (Ctrl-C)."""
    while not stop.is_set():
        out.write(PROMPT)
        out.flush()
        line = await reader.next_line(stop)
        if line is None or stop.is_set():
            break
        if line.kind == "partial":
            out.write("\n" + NOT_SENT.format(text=line.text) + "\n\n")
            continue
        if not interactive:
            out.write(line.text + "\n")
        await chat.say(line.text)  # a turn under way finishes even when Ctrl-C comes meanwhile
    out.write("\n" + (STOPPED + "\n" if stop.is_set() else ""))
    out.flush()
    return 0


NOT_SENT = "[not sent] «{text}»: press Enter to send a message; Ctrl-D on an empty line stops."
STOPPED = "[stopped] Everything you sent is saved; `llinc chat` continues where you were."


@dataclass(frozen=True)
class Line:
    """A typed line: `full` (Enter, or the last line of piped input) or `partial` (Ctrl-D
    after a half-typed line in a terminal: not to be sent)."""

    kind: Literal["full", "partial"]
    text: str


class LineReader:
    """Lines from stdin, read in a daemon thread with plain `os.read`, so that nothing waits
    for it at exit (a blocked read would keep an executor, and Ctrl-C, waiting for Enter)."""

    def __init__(self, stdin: TextIO, interactive: bool) -> None:
        self.interactive = interactive
        self.loop = asyncio.get_running_loop()
        self.chunks: asyncio.Queue[str | None] = asyncio.Queue()
        self.buffer = ""
        self.ended = False
        try:
            fd: int | None = stdin.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None
        threading.Thread(target=self._pump, args=(stdin, fd), daemon=True).start()

    def _pump(self, stdin: TextIO, fd: int | None) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            try:
                raw = os.read(fd, 65536) if fd is not None else stdin.readline().encode()
            except OSError:
                raw = b""
            text = decoder.decode(raw, final=not raw)
            self.loop.call_soon_threadsafe(self.chunks.put_nowait, text if raw else None)
            if not raw:
                return

    async def next_line(self, stop: asyncio.Event) -> Line | None:
        """The next line, or None at the end of input or when `stop` is set first."""
        while True:
            if "\n" in self.buffer:
                text, _, self.buffer = self.buffer.partition("\n")
                return Line("full", text.rstrip("\r"))
            if self.ended:
                text, self.buffer = self.buffer, ""
                return Line("full", text) if text else None
            chunk = await _first(self.chunks.get(), stop)
            if stop.is_set():
                return None
            if chunk is None:
                self.ended = True
            elif self.interactive and not chunk.endswith("\n"):  # Ctrl-D mid-line
                text, self.buffer = self.buffer + chunk, ""
                return Line("partial", text)
            else:
                self.buffer += chunk


async def _first(get: Coroutine[Any, Any, str | None], stop: asyncio.Event) -> str | None:
    """What `get` gives, unless `stop` is set first (then None; the chunk stays queued)."""
    getting = asyncio.ensure_future(get)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([getting, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if getting.done():
        return getting.result()
    getting.cancel()
    return None
