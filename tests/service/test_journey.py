"""The path between sessions on real Redis: /status and «Welcome back» name the real stage and
the next step; a new pupil can always start once the previous pupil's plan is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, TEACHER, interview, make_coach
from tests.service.test_followup import EN, Clock, plan
from tests.support.answers import ANSWERS
from tests.support.hub import Hub, HubUser

NL = load_texts("nl")
WELCOME_BACK = EN.get("welcome_back")
NEW_PUPIL = EN.get("second_pupil_button")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def hub(store: Store, settings: Settings, clock: Clock) -> Hub:
    settings.admin_ids = str(ADMIN)
    return Hub(build_service(store, settings, clock=clock))


async def status_and_start(teacher: HubUser) -> tuple[str, str]:
    """What /status says and what /start says (after «Welcome back!»)."""
    status = await teacher.command("status")
    start = await teacher.command("start")
    assert start.startswith(WELCOME_BACK), start
    return status, start


def labels(teacher: HubUser) -> list[str]:
    return [b.label for b in teacher.buttons()]


async def finish_checkin(teacher: HubUser) -> str:
    for answer in ("Yes.", "Some days.", "I was calmer.", "Calmer, closer, hopeful", "Go on."):
        await teacher.text(answer)
    await teacher.press(EN.get("choice_no"))
    return await teacher.press("Send to my coach")


async def test_status_and_welcome_back_name_each_stage_and_the_next_step(
    hub: Hub, clock: Clock
) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    said = await teacher.command("start", (await coach.command("invite")).split("/start ")[1])
    await interview(teacher)
    # with the coach
    for said in await status_and_start(teacher):
        assert EN.get("journey_with_coach", pupil="Sam") in said
    # released: the profile waits to be read, with the button to say so
    await coach.press("Release to the teacher")
    await coach.press("Yes, release it now")
    for said in await status_and_start(teacher):
        assert EN.get("journey_profile_to_read", pupil="Sam") in said
        assert labels(teacher) == [EN.get("profile_read_button")]
    assert "Question 1 of 9" in await teacher.press(EN.get("profile_read_button"))
    # during session 2
    status, start = await status_and_start(teacher)
    assert "Reflection on Sam: 0 of 9 questions answered" in status
    assert "Question 1 of 9" in start
    # after the plan: the check-in's date and a new pupil, by button or /newpupil
    for n in range(1, 8):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.text("Greet Sam at the door every morning")
    await teacher.press("Done")
    await teacher.text("I will feel calmer, and Sam will come to me more often.")
    said = await teacher.press("Send to my coach")
    assert EN.get("plan_submitted", pupil="Sam") in said
    assert EN.get("journey_new_pupil") in said and labels(teacher) == [NEW_PUPIL]
    for said in await status_and_start(teacher):
        assert EN.get("journey_plan_done", pupil="Sam", date="30 November") in said
        assert EN.get("journey_new_pupil") in said and labels(teacher) == [NEW_PUPIL]
        assert "with your coach, who is making a relationship profile" not in said
    # the check-in, and after it
    clock.now += timedelta(days=7, hours=1)
    await hub.settle()
    status, _ = await status_and_start(teacher)
    assert "Check-in about Sam: 0 of 5 questions answered" in status
    said = await finish_checkin(teacher)
    assert EN.get("checkin_thanks", pupil="Sam") in said  # the closing message offers it
    assert EN.get("journey_new_pupil") in said and labels(teacher) == [NEW_PUPIL]
    for said in await status_and_start(teacher):
        assert EN.get("journey_checkin_done", pupil="Sam") in said
        assert EN.get("journey_new_pupil") in said
    # the second pupil: its own progress, and where the first one stands
    said = await teacher.command("newpupil")
    assert EN.get("second_pupil_intro") in said and "Before we start (1/3)" in said
    await teacher.text("Lina")
    status = await teacher.command("status")
    assert "Interview about Lina: 0 of 12 questions answered" in status
    assert EN.get("journey_checkin_done", pupil="Sam") in status
    for answer in ANSWERS["en"][1:]:
        await teacher.text(answer.replace("Sam", "Lina"))
    await teacher.press("Send to my coach")
    status, _ = await status_and_start(teacher)
    assert EN.get("journey_checkin_done", pupil="Sam") in status
    assert EN.get("journey_with_coach", pupil="Lina") in status
    assert EN.get("journey_new_pupil") not in status


async def test_newpupil_says_kindly_when_a_new_pupil_cannot_start_yet(
    hub: Hub, clock: Clock
) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    said = await teacher.command("newpupil")  # before consent: the question again, briefly
    assert said == EN.get("welcome_choose")
    await teacher.command("start")
    await teacher.press("Yes, let's begin")
    said = await teacher.command("newpupil")  # in the interview
    assert said.startswith(EN.get("newpupil_busy")) and "Before we start (1/3)" in said
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    said = await teacher.command("newpupil")  # the profile is still with the coach
    assert said.startswith(EN.get("newpupil_after_plan"))
    assert EN.get("journey_with_coach", pupil="Sam") in said
    overview = said.removeprefix(EN.get("newpupil_after_plan") + "\n\n")
    assert await teacher.text(NEW_PUPIL) == overview  # the typed label: where things stand


async def test_the_typed_label_and_an_old_button_start_the_second_pupil(
    hub: Hub, clock: Clock
) -> None:
    _, teacher = await plan(hub)
    offered = next(b for b in teacher.buttons() if b.label == NEW_PUPIL)
    await teacher.command("language")  # a later keyboard
    await teacher.press("English")
    said = await teacher.send("button", data=offered.data)  # still starts the new pupil
    assert EN.get("second_pupil_intro") in said
    said = await teacher.text("Lina")
    again = await teacher.send("button", data=offered.data)  # now it fits no more
    assert again.startswith(EN.get("old_button")) and said.split("\n\n")[-1] in again


async def test_typed_in_the_other_language_the_label_starts_the_second_pupil(
    hub: Hub, clock: Clock
) -> None:
    _, teacher = await plan(hub)
    said = await teacher.text(NL.get("second_pupil_button"))  # «Begin met een tweede leerling»
    assert EN.get("second_pupil_intro") in said and "Before we start (1/3)" in said
    said = await teacher.command("newpupil")  # the second pupil is under way
    assert said.startswith(EN.get("newpupil_busy"))
