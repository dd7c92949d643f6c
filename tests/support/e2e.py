"""End-to-end helpers: the real bot as a subprocess against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from bot.dialogues.script import load_texts
from bot.models.state import UserState
from tests.conftest import TEST_MASTER_KEY, envelope_store
from tests.support.answers import PROBE_ANSWER
from tests.support.fake_telegram import SEND_METHODS, FakeTelegram, SentMessage

TOKEN = "123456:TEST-token-for-the-fake-server"
QUIET_S = 0.25


@dataclass
class BotProcess:
    """`llinc telegram` running against the fake server and a Redis URL."""

    tg: FakeTelegram
    redis_url: str
    data_dir: Path
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    role: str = "telegram"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "TELEGRAM_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=self.tg.base_url,
            REDIS_URL=self.redis_url,
            DATA_DIR=str(self.data_dir),
            POLL_TIMEOUT_S="1",
            LLINC_CONSUMER="e2e",
            LLINC_MASTER_KEY=TEST_MASTER_KEY,
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", self.role],
                env=self.env(),
                stdout=log,
                stderr=log,
            )
        return self

    def kill(self) -> None:
        """SIGKILL, like a crash or a pulled plug."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    async def stop(self) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(self.process.wait, 20)
        self.process = None
        return code

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Teacher:
    """A Telegram user typing and pressing buttons through the fake server."""

    tg: FakeTelegram
    user_id: int
    language_code: str = "nl"
    sent_texts: list[str] = field(default_factory=list)

    def messages(self) -> list[SentMessage]:
        return [m for m in self.tg.sent(self.user_id) if m.method in SEND_METHODS]

    async def _replies(self, before: int, timeout: float) -> list[SentMessage]:
        await self.tg.wait_for_sent(self.user_id, before + 1, timeout=timeout)
        count = len(self.messages())
        while True:  # wait until the bot has said everything for this turn
            await asyncio.sleep(QUIET_S)
            now = len(self.messages())
            if now == count:
                return self.messages()[before:]
            count = now

    async def say(self, text: str, timeout: float = 15.0) -> str:
        before = len(self.messages())
        self.sent_texts.append(text)
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            self.tg.add_command(self.user_id, command, args, language_code=self.language_code)
        else:
            self.tg.add_text(self.user_id, text, language_code=self.language_code)
        return "\n---\n".join(m.text or "" for m in await self._replies(before, timeout))

    def buttons(self) -> list[tuple[str, str]]:
        for message in reversed(self.messages()):
            found = self.tg.buttons(message)
            if found:
                return found
        return []

    async def wait_for_button(self, label: str, timeout: float = 15.0) -> str:
        """Wait until the latest keyboard has a button with this label (or one starting with
        it, as a person reads it); returns its data. A turn's last reply may come a moment
        after the others: the bot paces messages to one chat as Telegram asks."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [d for lab, d in self.buttons() if lab == label or lab.startswith(label)]
            if found:
                return found[0]
            if loop.time() > deadline:
                raise TimeoutError(f"no button {label!r}; last: {self.buttons()}")
            await asyncio.sleep(0.05)

    async def press(self, label: str, timeout: float = 15.0) -> str:
        data = await self.wait_for_button(label, timeout)
        before = len(self.messages())
        self.tg.press_button(self.user_id, data)
        return "\n---\n".join(m.text or "" for m in await self._replies(before, timeout))

    async def media(self, kind: str, timeout: float = 15.0) -> str:
        before = len(self.messages())
        getattr(self.tg, f"add_{kind}")(self.user_id)
        return "\n---\n".join(m.text or "" for m in await self._replies(before, timeout))


PARTITIONS = 16  # the bot's default


async def stored(redis: Redis, user_id: int) -> UserState | None:
    """A user's document as the bot process stored it."""
    return await envelope_store(redis, PARTITIONS).load(user_id)


PROGRESS = re.compile(r"(Vraag|Question) \d+ (van|of) 12|Laatste vraag|Last question|\(\d/3\)")


async def answer_until_review(
    teacher: Teacher, lang: str, answers: list[str], review: bool = True
) -> None:
    """Answer each question; answer follow-up probes until the next question comes."""
    texts = load_texts(lang)  # type: ignore[arg-type]
    for text in answers:
        said = await teacher.say(text)
        while not PROGRESS.search(said) and texts.get("review_intro") not in said:
            said = await teacher.say(PROBE_ANSWER[lang])
    if review:
        await teacher.wait_for_button(texts.get("submit"))
