"""Issue 11, item 1: a coach's typed note belongs to the draft whose "Note" button started it.

End to end over the fake Bot API: coach A presses "Note" on teacher X's draft; before the note
is typed, teacher Y's draft arrives and is shown; the note must land on X's draft only, the
confirmation must name X and X's pupil, and Y must never see it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.dialogues.conversation import Context
from bot.dialogues.engine import step
from bot.dialogues.script import load_texts
from bot.models.events import Inbound
from bot.models.state import UserState
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service import test_coaching as coaching_tests
from tests.support.answers import ANSWERS
from tests.support.e2e import TOKEN, BotProcess, Teacher, answer_until_review, stored
from tests.support.fake_telegram import FakeTelegram
from tests.support.hub import Hub, HubUser

pytestmark = pytest.mark.timeout(300)
ADMIN, COACH, X, Y = 8101, 8102, 8103, 8104
EN = load_texts("en")
NOTE = "Sam clearly trusts you; keep greeting him at the door."


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


async def until(condition: object, timeout: float = 30.0, who: Teacher | None = None) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, [m.text for m in who.messages()] if who else "timed out"
        await asyncio.sleep(0.1)


async def join(tg: FakeTelegram, coach: Teacher, teacher: Teacher, first_name: str) -> None:
    said = await coach.say("/invite")
    code = re.search(r"start=([\w-]+)", said)
    assert code, said
    before = len(teacher.messages())
    tg.add_command(
        teacher.user_id, "start", code.group(1), language_code="en", first_name=first_name
    )
    await tg.wait_for_sent(teacher.user_id, before + 1)
    await teacher.press(EN.get("consent_yes"))


def coach_state_note(state: UserState, teacher_id: int) -> dict[str, str]:
    return state.coaching[str(teacher_id)].reviews["interview-1"].notes


async def test_a_note_started_on_one_draft_stays_there_when_another_draft_arrives(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(
        tg, redis_url, tmp_path / "data", tmp_path / "bot.log", extra_env={"ADMIN_IDS": str(ADMIN)}
    ).start()
    try:
        admin, coach = Teacher(tg, ADMIN, "en"), Teacher(tg, COACH, "en")
        x, y = Teacher(tg, X, "en"), Teacher(tg, Y, "en")
        await admin.say(f"/addcoach {COACH}")
        await tg.wait_for_sent(COACH, 1)
        await join(tg, coach, x, "Xena")
        await join(tg, coach, y, "Yara")
        robin = ["Robin", *ANSWERS["en"][1:]]
        await asyncio.gather(
            answer_until_review(x, "en", ANSWERS["en"]), answer_until_review(y, "en", robin)
        )
        # X's draft reaches the coach; the coach opens a scale and presses "Note"
        await x.press(EN.get("submit"))
        await coach.wait_for_button(EN.get("release_button"), timeout=30)
        await coach.press("Secure base")
        prompt = await coach.press(EN.get("note_button"))
        state = await stored(redis, COACH)
        assert state is not None
        x_name, y_name = state.coaching[str(X)].name, state.coaching[str(Y)].name
        assert x_name in prompt and "Sam" in prompt, prompt
        # ... and before the note is typed, Y's draft arrives and is shown
        await y.press(EN.get("submit"))
        arrived = EN.get("coach_draft_ready", teacher=y_name, pupil="Robin")
        await until(lambda: any(arrived in (m.text or "") for m in coach.messages()), 10, coach)
        await coach.wait_for_button(EN.get("release_button"))
        await asyncio.sleep(1.0)  # the rest of Y's review (its buttons) is sent
        said = await coach.say(NOTE)
        assert EN.get("note_saved", name="Secure base", teacher=x_name, pupil="Sam") in said
        assert "Robin" not in said.split("\n---\n")[0]
        state = await stored(redis, COACH)
        assert state is not None
        assert coach_state_note(state, X) == {"secure_base": NOTE}
        assert coach_state_note(state, Y) == {}
        # Y's profile is released without the note, and Y's /mydata does not hold it
        overview = f"{x_name} about Sam"  # X's overview follows the confirmation
        await until(lambda: (coach.messages()[-1].text or "").startswith(overview))
        await coach.say("/queue")
        await coach.wait_for_button(EN.get("open_button", n=2))
        assert "Robin" in (coach.messages()[-1].text or "")
        await coach.press(EN.get("open_button", n=2))
        await coach.press(EN.get("release_button"))
        await coach.press(EN.get("release_yes"))
        await y.wait_for_button(EN.get("profile_read_button"), timeout=30)  # after the chart
        await y.say("/mydata")
        document = y.messages()[-1].document
        assert document is not None
        assert NOTE not in json.dumps(json.loads(document))
        assert all(NOTE not in (m.text or "") for m in y.messages())
        assert "Traceback" not in bot.log_text()
    finally:
        if bot.process is not None:
            await bot.stop()


# -- the same rule without the Bot API: every coach button names its review -------------------

BIG_TEACHER, OTHER = 9_876_543_210, 9_876_543_211  # Telegram ids have ten digits and more


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(coaching_tests.ADMIN)
    return Hub(build_service(store, settings))


async def two_drafts_waiting(hub: Hub) -> tuple[HubUser, HubUser, HubUser]:
    coach = await coaching_tests.make_coach(hub)
    first, second = hub.user(BIG_TEACHER, name="Xena"), hub.user(OTHER, name="Yara")
    await first.command("start", await coaching_tests.invite(coach))
    await second.command("start", await coaching_tests.invite(coach))
    await coaching_tests.interview(first)
    coach.new()
    return coach, first, second


async def test_every_coach_button_names_its_review_and_fits_in_64_bytes(hub: Hub) -> None:
    coach, _, _ = await two_drafts_waiting(hub)
    shown = [b.data for b in coach.buttons()]
    await coach.press("Secure base")
    shown += [b.data for b in coach.buttons()]
    ref = f"{BIG_TEACHER}/interview-1"
    actions = {data.split(":")[1]: data.split(":")[2] for data in shown}
    assert set(actions) >= {"scale", "adj", "note", "back", "release", "history"}
    for action, arg in actions.items():
        assert arg.startswith(ref), (action, arg)
    assert max(len(d.encode()) for d in shown) <= 64


async def test_a_note_waits_for_its_own_draft_while_another_arrives(hub: Hub, store: Store) -> None:
    coach, _, second = await two_drafts_waiting(hub)
    await coach.press("Secure base")
    assert "Xena" in await coach.press(EN.get("note_button"))
    await second.press("Yes, let's begin")
    for answer in ["Robin", *ANSWERS["en"][1:]]:
        await second.text(answer)
    await second.press("Send to my coach")
    assert EN.get("coach_draft_ready", teacher="Yara", pupil="Robin") in coach.new()
    said = await coach.text("Warm and steady.")
    assert said.startswith(EN.get("note_saved", name="Secure base", teacher="Xena", pupil="Sam"))
    state = await store.load(coaching_tests.COACH)
    assert state is not None
    assert state.coaching[str(BIG_TEACHER)].reviews["interview-1"].notes == {
        "secure_base": "Warm and steady."
    }
    assert state.coaching[str(OTHER)].reviews["interview-1"].notes == {}
    assert state.pending is None and state.note_review == ""


async def test_a_note_for_a_teacher_who_left_meanwhile_is_not_kept(hub: Hub, store: Store) -> None:
    coach, first, _ = await two_drafts_waiting(hub)
    await coach.press("Secure base")
    await coach.press(EN.get("note_button"))
    await first.command("forget")
    await first.press("Yes, delete everything")
    coach.new()
    said = await coach.text("A note about nobody.")
    assert said == EN.get("coach_home")  # the awaited note ended with the teacher's data
    state = await store.load(coaching_tests.COACH)
    assert state is not None and "A note about nobody." not in state.model_dump_json()


def test_a_note_awaited_without_its_review_is_refused_not_put_elsewhere() -> None:
    """A document saved before notes were bound to a review: the note is not guessed."""
    now = datetime.now(UTC)
    coach = UserState(
        user_id=1,
        chat_id=1,
        channel="telegram",
        lang="en",
        stage="active",
        role="coach",
        pending="coach_note",
        note_target="secure_base",
        created_at=now,
        last_seen=now,
    )
    event = Inbound(
        event_id="t:1", channel="telegram", user_id=1, chat_id=1, kind="text", text="A note."
    )
    done = step(coach, event, Context(now=now))
    assert done.replies[0].text == EN.get("note_not_saved")
    assert done.state is not None and done.state.pending is None
    assert "A note." not in done.state.model_dump_json()
