"""Several users against the real service and Redis, with the relay and the scheduler running
between turns, and every user's messages collected from the outbox (like the sender does)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from bot.models.events import Button, Inbound, Outbound
from bot.runtime.roles import run_until_quiet
from bot.runtime.scheduler import Scheduler
from bot.runtime.sender import Relay, Sender
from bot.service import Service
from bot.storage.jobqueue import JobQueue

_numbers = itertools.count(1)


class Collector:
    """A transport that keeps every delivered message per chat."""

    def __init__(self) -> None:
        self.inbox: dict[int, list[Outbound]] = defaultdict(list)

    async def deliver(self, message: Outbound) -> None:
        self.inbox[message.chat_id].append(message)

    async def typing(self, chat: int) -> None:
        return None


@dataclass
class Hub:
    service: Service
    collector: Collector = field(default_factory=Collector)
    users: dict[int, HubUser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        store = self.service.store
        self.sender = Sender(store, self.collector, channel="terminal", consumer="hub")
        self.relay = Sender(
            store, Relay(self.service.handle, "terminal"), channel="internal", consumer="hub-relay"
        )
        jobs = JobQueue(store.redis, store.codec, store.partitions)
        self.scheduler = Scheduler(store, self.service, jobs)

    async def settle(self) -> None:
        """Run relay, scheduler and sender until nothing is left to do."""
        await run_until_quiet(self.relay, self.scheduler, self.sender)

    def user(self, user_id: int, lang: str = "en", name: str = "") -> HubUser:
        """The same HubUser for the same id (so 'new messages' stay new once)."""
        if user_id not in self.users:
            self.users[user_id] = HubUser(self, user_id, lang, name or f"User{user_id}")
        return self.users[user_id]


@dataclass
class HubUser:
    hub: Hub
    user_id: int
    lang: str
    name: str
    seen: int = 0

    @property
    def inbox(self) -> list[Outbound]:
        return self.hub.collector.inbox[self.user_id]

    def new(self) -> str:
        """Everything said to this user since the last call."""
        fresh = self.inbox[self.seen :]
        self.seen = len(self.inbox)
        return "\n---\n".join(m.text for m in fresh)

    async def send(self, kind: str, text: str = "", **fields: object) -> str:
        event = Inbound(
            event_id=f"hub:{next(_numbers)}",
            channel="terminal",
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,  # type: ignore[arg-type]
            text=text,
            language_code=self.lang,
            user_name=self.name,
            **fields,
        )  # type: ignore[arg-type]
        await self.hub.service.handle(event)
        await self.hub.settle()
        return self.new()

    async def text(self, text: str) -> str:
        return await self.send("text", text)

    async def command(self, name: str, args: str = "") -> str:
        return await self.send("command", args, command=name)

    def buttons(self) -> list[Button]:
        for message in reversed(self.inbox):
            if message.buttons:
                return [b for row in message.buttons for b in row]
        return []

    async def press(self, label: str) -> str:
        matches = [b for b in self.buttons() if b.label == label or b.label.startswith(label)]
        assert matches, f"no button {label!r} in {[b.label for b in self.buttons()]}"
        return await self.send("button", data=matches[0].data)
