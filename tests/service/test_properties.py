"""Property-based: any sequence of updates of any kind, from several users, never raises,
never leaves a state that does not round-trip, and never shows one teacher's words to another."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot.dialogues.commands import COMMANDS
from bot.dialogues.conversation import Context
from bot.dialogues.engine import step
from bot.dialogues.script import load_script
from bot.models.events import Inbound, Outbound
from bot.models.state import UserState
from bot.storage.document import assemble, split

USERS = (101, 102, 103)  # two teachers who type secrets, and a stranger
SECRET = {101: "zebra-quartz-101", 102: "violet-magma-102"}
MEDIA = ("sticker", "voice", "photo", "video", "document", "location", "other")
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


class Conversations(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.states: dict[int, UserState | None] = dict.fromkeys(USERS)
        self.replies: dict[int, list[Outbound]] = {u: [] for u in USERS}
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        self.numbers = itertools.count(1)

    def send(self, user: int, kind: str, **fields: object) -> None:
        self.now += timedelta(minutes=7)
        event = Inbound(
            event_id=f"p:{next(self.numbers)}",
            channel="telegram",
            user_id=user,
            chat_id=user,
            kind=kind,
            language_code="en",
            **fields,
        )  # type: ignore[arg-type]
        outcome = step(self.states[user], event, Context(now=self.now))
        self.states[user] = outcome.state
        for reply in outcome.replies:
            if reply.channel != "internal":
                assert reply.chat_id == user
                self.replies[user].append(reply)

    @rule(user=st.sampled_from(USERS), text=words, secret=st.booleans())
    def type_text(self, user: int, text: str, secret: bool) -> None:
        self.send(
            user, "text", text=f"{text} {SECRET[user]}" if secret and user in SECRET else text
        )

    @rule(
        user=st.sampled_from(USERS),
        command=st.sampled_from((*COMMANDS, "queue", "invite", "export", "addcoach", "nonsense")),
        args=words,
    )
    def command(self, user: int, command: str, args: str) -> None:
        self.send(user, "command", command=command, text=args)

    @rule(user=st.sampled_from(USERS), pick=st.integers(min_value=0, max_value=30))
    def press_a_shown_button(self, user: int, pick: int) -> None:
        shown = [b for r in self.replies[user] for row in r.buttons for b in row]
        if shown:
            self.send(user, "button", data=shown[pick % len(shown)].data)

    @rule(user=st.sampled_from(USERS), data=words)
    def press_a_forged_button(self, user: int, data: str) -> None:
        self.send(user, "button", data=data)

    @rule(user=st.sampled_from(USERS), owner=st.sampled_from(USERS), pick=st.integers(0, 30))
    def press_someone_elses_button(self, user: int, owner: int, pick: int) -> None:
        shown = [b for r in self.replies[owner] for row in r.buttons for b in row]
        if shown:
            self.send(user, "button", data=shown[pick % len(shown)].data)

    @rule(user=st.sampled_from(USERS), media=st.sampled_from(MEDIA))
    def media(self, user: int, media: str) -> None:
        self.send(user, "media", media=media)

    @rule(user=st.sampled_from(USERS))
    def edit(self, user: int) -> None:
        self.send(user, "edited")

    @rule(hours=st.integers(min_value=1, max_value=24 * 30))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def states_are_valid(self) -> None:
        for state in self.states.values():
            if state is None:
                continue
            assert UserState.model_validate_json(state.model_dump_json()) == state
            assert assemble(split(state)) == state  # as the store keeps it: in parts
            session = state.session()
            if session is not None:
                script = load_script(session.script_id, state.lang)
                assert 0 <= session.position < len(script.items)

    @invariant()
    def nobody_sees_another_teachers_words(self) -> None:
        for user, replies in self.replies.items():
            shown = "\n".join(r.text for r in replies) + "".join(
                (r.document.content.decode() if r.document else "") for r in replies
            )
            for owner, secret in SECRET.items():
                if owner != user:
                    assert secret not in shown
            assert "{pupil}" not in shown


Conversations.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestConversations = Conversations.TestCase


def test_duplicates_and_out_of_order_delivery_change_nothing_twice(redis_url: str) -> None:
    """On the real service and Redis: any interleaving of new and repeated updates from
    several users; a repeat never changes a state or produces a reply."""
    import asyncio

    from hypothesis import given

    from bot.config import Settings
    from bot.wiring import build_service
    from tests.conftest import TEST_MASTER_KEY, envelope_store

    kinds = st.sampled_from(["text", "command", "media", "button", "edited"])
    plan = st.lists(
        st.tuples(st.sampled_from(USERS), kinds, words, st.booleans()), min_size=1, max_size=25
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plan)
    def run(steps: list[tuple[int, str, str, bool]]) -> None:
        asyncio.run(apply(steps))

    async def apply(steps: list[tuple[int, str, str, bool]]) -> None:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        await redis.flushdb()
        store = envelope_store(redis, 4)
        config = Settings(redis_url=redis_url, partitions=4, llinc_master_key=TEST_MASTER_KEY)  # type: ignore[arg-type]
        service = build_service(store, config)
        sent: list[Inbound] = []
        for n, (user, kind, text, repeat) in enumerate(steps):
            if repeat and sent:
                event = sent[n % len(sent)]
                before = await store.load(event.user_id)
                assert await service.handle(event) == []
                assert await store.load(event.user_id) == before
                continue
            fields: dict[str, object] = {"text": text}
            if kind == "command":
                fields["command"] = (text.split() or ["start"])[0][:20].lower() or "start"
            elif kind == "media":
                fields["media"] = "sticker"
            elif kind == "button":
                fields["data"] = text[:64]
            event = Inbound(
                event_id=f"tg:{1000 - n}",
                channel="telegram",
                user_id=user,
                chat_id=user,
                kind=kind,
                **fields,
            )  # type: ignore[arg-type]
            await service.handle(event)
            sent.append(event)
        await redis.aclose()

    run()
