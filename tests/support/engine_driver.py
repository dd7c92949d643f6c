"""Drive the pure engine like a user would: no Redis, no Telegram, an explicit clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.dialogues.conversation import Context
from bot.dialogues.engine import Step, step
from bot.models.events import Button, Inbound, Outbound
from bot.models.jobs import Job
from bot.models.state import UserState


@dataclass
class EngineChat:
    """One user talking to the engine; keeps the state and what the bot said."""

    lang: str = "nl"
    user_id: int = 42
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    state: UserState | None = None
    said: list[Outbound] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    forgotten: bool = False
    _n: int = 0

    def send(self, kind: str = "text", text: str = "", **fields: object) -> list[Outbound]:
        self._n += 1
        self.now += timedelta(minutes=1)
        event = Inbound(
            event_id=f"t:{self._n}",
            channel="terminal",
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,
            text=text,  # type: ignore[arg-type]
            language_code=self.lang,
            **fields,
        )  # type: ignore[arg-type]
        result: Step = step(self.state, event, Context(now=self.now))
        self.state = result.state
        self.said += result.replies
        self.jobs += result.jobs
        self.forgotten = result.forget
        return result.replies

    def text(self, text: str) -> str:
        return _joined(self.send("text", text))

    def command(self, name: str) -> str:
        return _joined(self.send("command", command=name))

    def buttons(self) -> list[Button]:
        for message in reversed(self.said):
            if message.buttons:
                return [b for row in message.buttons for b in row]
        return []

    def press(self, label: str) -> str:
        button = next(b for b in self.buttons() if b.label == label)
        return _joined(self.send("button", data=button.data))

    def press_nth(self, n: int) -> str:
        return _joined(self.send("button", data=self.buttons()[n].data))

    def start_interview(self, pupil: str = "Noah") -> None:
        self.command("start")
        self.press_nth(0)
        self.text(pupil)
        self.text("groep 6")
        self.text("Ik kom niet goed tot hem, en dat zit me dwars.")


def _joined(replies: list[Outbound]) -> str:
    return "\n---\n".join(r.text for r in replies)
