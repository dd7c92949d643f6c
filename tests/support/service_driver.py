"""Drive the real service (real Redis) like a terminal user: events in, replies from the outbox."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.models.events import Button, Inbound, Outbound
from bot.service import Service

_numbers = itertools.count(1)


@dataclass
class ServiceChat:
    service: Service
    user_id: int
    lang: str = "en"
    said: list[Outbound] = field(default_factory=list)

    async def send(self, kind: str, text: str = "", **fields: object) -> list[Outbound]:
        event = Inbound(
            event_id=f"test:{next(_numbers)}",
            channel="terminal",
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,  # type: ignore[arg-type]
            text=text,
            language_code=self.lang,
            **fields,
        )  # type: ignore[arg-type]
        replies = await self.service.handle(event)
        self.said += replies
        return replies

    async def text(self, text: str) -> str:
        return "\n".join(r.text for r in await self.send("text", text))

    async def command(self, name: str) -> str:
        return "\n".join(r.text for r in await self.send("command", command=name))

    def buttons(self) -> list[Button]:
        for message in reversed(self.said):
            if message.buttons:
                return [b for row in message.buttons for b in row]
        return []

    async def press(self, label: str) -> str:
        button = next(b for b in self.buttons() if b.label == label)
        return "\n".join(r.text for r in await self.send("button", data=button.data))

    async def submit_interview(self, answers: list[str]) -> None:
        """Consent, answer (skipping follow-ups), and send to the coach."""
        await self.command("start")
        await self.send("button", data=self.buttons()[0].data)
        for answer in answers:
            await self.text(answer)
        state = await self.service.store.load(self.user_id)
        while state is not None and state.sessions[0].status == "active":
            await self.command("skip")
            state = await self.service.store.load(self.user_id)
        submit = self.buttons()[0]
        await self.send("button", data=submit.data)
