"""Issue 11, item 4: coaches saw their teachers as numbers ("7000001 has joined through your
invitation"). A coach sees a teacher's Telegram first name (with the last name's initial when
two of their teachers share a first name), kept current, sealed at rest, never the id.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.channels.telegram.updates import to_inbound
from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.jobs import export
from bot.models.jobs import Job, JobName
from bot.models.state import TeacherFile, UserState
from bot.render import report
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service import test_coaching as coaching_tests
from tests.service.test_encryption import raw_values
from tests.support.e2e import TOKEN, BotProcess, Teacher, stored
from tests.support.fake_telegram import FakeTelegram
from tests.support.hub import Hub

pytestmark = pytest.mark.timeout(240)
ADMIN, COACH, ANNA_J, ANNA_D, BRAM = 7_000_010, 7_000_011, 7_000_001, 7_000_002, 7_000_003
EN = load_texts("en")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


# -- end to end over the fake Bot API ---------------------------------------------------------


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def join(tg: FakeTelegram, coach: Teacher, teacher_id: int, first: str, last: str) -> str:
    """The teacher opens an invitation; what the coach is told about it."""
    said = await coach.say("/invite")
    code = re.search(r"start=([\w-]+)", said)
    assert code, said
    told = len(coach.messages())
    tg.add_command(
        teacher_id, "start", code.group(1), language_code="en", first_name=first, last_name=last
    )
    await tg.wait_for_sent(COACH, told + 1)
    return coach.messages()[told].text or ""


async def test_the_coach_sees_first_names_and_an_initial_for_two_of_the_same(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(
        tg, redis_url, tmp_path / "data", tmp_path / "bot.log", extra_env={"ADMIN_IDS": str(ADMIN)}
    ).start()
    try:
        coach = Teacher(tg, COACH, "en")
        await Teacher(tg, ADMIN, "en").say(f"/addcoach {COACH}")
        await tg.wait_for_sent(COACH, 1)
        said = await join(tg, coach, ANNA_J, "Anna", "Jansen")
        assert said == EN.get("coach_teacher_linked", teacher="Anna")
        said = await join(tg, coach, ANNA_D, "Anna", "de Vries")
        assert said == EN.get("coach_teacher_linked", teacher="Anna D.")
        said = await join(tg, coach, BRAM, "Bram", "")
        assert said == EN.get("coach_teacher_linked", teacher="Bram")
        await coach.say("/export")
        assert [label for label, _ in coach.buttons()] == ["Anna J.", "Anna D.", "Bram"]
        said = await coach.press("Anna D.")
        assert EN.get("export_preparing", teacher="Anna D.") in said
        await until(lambda: any(m.method == "sendDocument" for m in coach.messages()))
        [pdf] = [m for m in coach.messages() if m.method == "sendDocument"]
        assert pdf.filename is not None and pdf.filename.startswith("llinc-Anna-D-")
        assert pdf.text == EN.get("export_caption", teacher="Anna D.")
        # the first Anna changes her Telegram name: the coach's list follows
        # (a name changed before consent reaches the coach with the consent; after, at once)
        before = len(Teacher(tg, ANNA_J, "en").messages())
        tg.add_text(ANNA_J, EN.get("consent_yes"), language_code="en", first_name="Anna")
        await tg.wait_for_sent(ANNA_J, before + 1)
        before = len(Teacher(tg, ANNA_J, "en").messages())
        tg.add_command(ANNA_J, "status", language_code="en", first_name="Annie")
        await tg.wait_for_sent(ANNA_J, before + 1)

        async def renamed() -> bool:
            state = await stored(redis, COACH)
            return state is not None and state.coaching[str(ANNA_J)].name == "Annie"

        for _ in range(50):
            if await renamed():
                break
            await asyncio.sleep(0.1)
        await coach.say("/export")
        assert [label for label, _ in coach.buttons()] == ["Annie", "Anna", "Bram"]
        # never an id in front of the coach; the names are sealed at rest, the last name unkept
        for message in coach.messages():
            for teacher_id in (ANNA_J, ANNA_D, BRAM):
                assert str(teacher_id) not in (message.text or ""), message.text
        everything = await raw_values(redis)
        for plain in (b"Anna", b"Annie", b"Bram", b"Jansen", b"Vries"):
            assert plain not in everything, plain
        state = await stored(redis, COACH)
        assert state is not None
        files = {t.name: t.last_initial for t in state.coaching.values()}
        assert files == {"Annie": "J", "Anna": "D", "Bram": ""}
        assert "Jansen" not in state.model_dump_json()
        assert "Traceback" not in bot.log_text()
    finally:
        if bot.process is not None:
            await bot.stop()


# -- the parts -------------------------------------------------------------------------------


def test_an_update_carries_the_first_name_and_the_last_initial_only() -> None:
    update = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "hoi",
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": " Anna ", "last_name": "de Vries"},
        },
    }
    event = to_inbound(update)
    assert event is not None
    assert (event.user_name, event.user_last_initial) == ("Anna", "D")
    assert "Vries" not in event.model_dump_json()


def coach_with(*teachers: tuple[int, str, str]) -> UserState:
    state = UserState(
        user_id=1, chat_id=1, channel="telegram", role="coach", created_at=T0, last_seen=T0
    )
    for n, (teacher_id, name, initial) in enumerate(teachers):
        state.coaching[str(teacher_id)] = TeacherFile(
            teacher_id=teacher_id,
            name=name,
            last_initial=initial,
            linked_at=T0 + timedelta(hours=n),
        )
    return state


@pytest.mark.parametrize(
    ("teachers", "expected"),
    [
        ([(11, "Anna", "J"), (12, "Bob", "")], ["Anna", "Bob"]),
        ([(11, "Anna", "J"), (12, "anna", "D")], ["Anna J.", "anna D."]),
        ([(11, "Anna", "J"), (12, "Anna", "J")], ["Anna J. (1)", "Anna J. (2)"]),
        ([(11, "Anna", ""), (12, "Anna", "")], ["Anna (1)", "Anna (2)"]),
        ([(11, "11", ""), (12, "", ""), (13, "Bob", "")], ["Teacher 1", "Teacher 2", "Bob"]),
    ],
)
def test_how_a_coach_sees_each_teacher(
    teachers: list[tuple[int, str, str]], expected: list[str]
) -> None:
    state = coach_with(*teachers)
    unnamed = EN.messages["teacher_unnamed"]
    assert [state.teacher_label(t, unnamed) for t, _, _ in teachers] == expected


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(coaching_tests.ADMIN)
    return Hub(build_service(store, settings))


async def test_a_teacher_whose_name_arrives_later_is_named_from_then_on(
    hub: Hub, store: Store
) -> None:
    coach = await coaching_tests.make_coach(hub)
    teacher = hub.user(coaching_tests.TEACHER, name="Tessa")
    teacher.name = ""  # a client that sent no name at first
    await teacher.command("start", await coaching_tests.invite(coach))
    assert coach.new() == EN.get("coach_teacher_linked", teacher="Teacher 1")
    teacher.name = "Tessa"
    await teacher.command("status")  # before consent the name stays with the teacher's client
    state = await store.load(coaching_tests.COACH)
    assert state is not None and state.coaching[str(coaching_tests.TEACHER)].name == ""
    await teacher.press(EN.get("consent_yes"))  # with the consent the coach learns it
    state = await store.load(coaching_tests.COACH)
    assert state is not None and state.coaching[str(coaching_tests.TEACHER)].name == "Tessa"
    assert await coach.command("export") == EN.get("export_pick")
    assert [b.label for b in coach.buttons()] == ["Tessa"]


async def test_the_pdf_names_the_teacher_as_the_coach_sees_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def render(teacher: TeacherFile, lang: str, **kwargs: Any) -> bytes:
        seen.update(kwargs)
        return b"%PDF"

    monkeypatch.setattr(report, "render_report", render)  # the job imports it when it runs
    state = coach_with((11, "Anna", "J"), (12, "Anna", "D"))
    job = Job(
        id="export:1:12:x", user_id=1, name=JobName.EXPORT, due=T0, payload={"teacher_id": "12"}
    )
    assert await export.ExportJob().prepare(state, job) == b"%PDF"
    assert seen["name"] == "Anna D."
