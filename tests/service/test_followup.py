"""The check-in a week after the plan, and reminders: on real Redis with a moving clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.dialogues.script import load_script, load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, COACH, TEACHER, released
from tests.support.answers import ANSWERS
from tests.support.hub import Hub, HubUser

EN = load_texts("en")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday, 11:00 in Brussels


@pytest.fixture
def hub(store: Store, settings: Settings, clock: Clock) -> Hub:
    settings.admin_ids = str(ADMIN)
    return Hub(build_service(store, settings, clock=clock))


async def plan(hub: Hub) -> tuple[HubUser, HubUser]:
    coach, teacher = await released(hub)
    for n in range(1, 8):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.text("Greet Sam at the door every morning")
    await teacher.text("Say twice a day what Sam does well")
    await teacher.press("Done")
    await teacher.text("I will feel calmer, and Sam will come to me more often.")
    await teacher.press("Send to my coach")
    coach.new()
    return coach, teacher


async def test_a_week_after_the_plan_the_check_in_asks_about_each_action(
    hub: Hub, clock: Clock, store: Store
) -> None:
    coach, teacher = await plan(hub)
    clock.now += timedelta(days=6, hours=23)
    await hub.settle()
    assert teacher.new() == ""
    clock.now += timedelta(hours=2)
    await hub.settle()
    said = teacher.new()
    assert "About your action 1 of 2: «Greet Sam at the door every morning»" in said
    said = await teacher.text("Yes, most days. Sam smiled back.")
    assert "action 2 of 2: «Say twice a day what Sam does well»" in said
    await teacher.text("Only on some days, it is hard to remember.")
    said = await teacher.text("I was calmer. Sam came to show me a drawing.")
    assert "«Struggle, tiring and sometimes warm»" in said
    await teacher.text("Hopeful, calmer, closer")
    said = await teacher.text("Keep greeting Sam, and try the second one again.")
    assert [b.label for b in teacher.buttons()] == ["Yes", "No"]  # contact: a yes/no button
    said = await teacher.text("maybe")
    assert EN.get("choice_please") in said
    review = await teacher.press("Yes")
    # the review names each action by its text, not «1. Your action / 2. Your action»
    assert "Your action: «Greet Sam at the door every morning»\nYes, most days." in review
    assert "Your action: «Say twice a day what Sam does well»\nOnly on some days" in review
    said = await teacher.press("Send to my coach")
    # a yes is confirmed to the teacher: the coach will get in touch
    assert EN.get("checkin_thanks_contact", pupil="Sam") in said
    report = coach.new()
    assert "Greet Sam at the door every morning" in report and "Sam smiled back" in report
    assert "Three words in the interview: Struggle, tiring and sometimes warm" in report
    assert "Three words now: Hopeful, calmer, closer" in report
    request = EN.get("coach_contact_request", teacher="Tessa", pupil="Sam")
    assert request in report  # a message of its own, with a button to mark it done
    assert coach.inbox[-1].text == request
    assert await coach.command("queue") == request  # heads the queue until it is done
    state = await store.load(COACH)
    assert state is not None and "checkin-1" in state.coaching[str(TEACHER)].checkins
    assert [r.done_at for r in state.coaching[str(TEACHER)].contact_requests] == [None]
    said = await coach.press(EN.get("contacted_button"))
    assert EN.get("contacted_done", teacher="Tessa") in said
    assert EN.get("queue_empty") in said


async def checkin_started(hub: Hub, clock: Clock) -> tuple[HubUser, HubUser]:
    """A plan made, then a week and an hour later: the check-in has begun."""
    coach, teacher = await plan(hub)
    clock.now += timedelta(days=7, hours=1)
    await hub.settle()
    return coach, teacher


async def test_a_no_to_contact_at_the_check_in_asks_nothing_of_the_coach(
    hub: Hub, clock: Clock, store: Store
) -> None:
    coach, teacher = await checkin_started(hub, clock)
    for answer in ("Yes.", "Some days.", "I was calmer.", "Calmer, closer, hopeful", "Go on."):
        await teacher.text(answer)
    await teacher.text("nee")  # typed, in either language, counts as the button
    said = await teacher.press("Send to my coach")
    assert EN.get("checkin_thanks", pupil="Sam") in said
    assert EN.get("coach_contact_request", teacher="Tessa", pupil="Sam") not in coach.new()
    state = await store.load(COACH)
    assert state is not None and state.coaching[str(TEACHER)].contact_requests == []


async def test_an_idle_interview_gets_two_gentle_reminders_and_no_more(
    hub: Hub, clock: Clock
) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start")
    await teacher.press("Yes, let's begin")
    await teacher.text("Sam")
    clock.now += timedelta(hours=47)
    await hub.settle()
    assert teacher.new() == ""
    clock.now += timedelta(hours=2)  # Wednesday 11:00 in Brussels
    await hub.settle()
    first = teacher.new()
    assert (
        first.startswith(EN.get("reminder", pupil="Sam")) and "Which class or year group" in first
    )
    clock.now += timedelta(days=2)
    await hub.settle()
    assert teacher.new().startswith(EN.get("reminder", pupil="Sam"))
    clock.now += timedelta(days=10)
    await hub.settle()
    assert teacher.new() == ""


async def test_reminders_wait_for_the_end_of_the_quiet_hours(hub: Hub, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 21:30 in Brussels
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start")
    await teacher.press("Yes, let's begin")
    clock.now += timedelta(days=2, minutes=1)  # 21:31 two days later: quiet
    await hub.settle()
    assert teacher.new() == ""
    clock.now = datetime(2026, 11, 26, 7, 1, tzinfo=UTC)  # 08:01 in Brussels
    await hub.settle()
    assert teacher.new().startswith(EN.get("reminder", pupil=""))


async def test_activity_postpones_the_reminder_and_stop_cancels_it(hub: Hub, clock: Clock) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start")
    await teacher.press("Yes, let's begin")
    clock.now += timedelta(hours=40)
    await teacher.text("Sam")
    clock.now += timedelta(hours=10)
    await hub.settle()
    assert teacher.new() == ""
    await teacher.command("stop")
    clock.now += timedelta(days=5)
    await hub.settle()
    assert teacher.new() == ""


async def test_a_second_pupil_gives_the_coach_both_profiles_compared(
    hub: Hub, store: Store
) -> None:
    coach, teacher = await plan(hub)
    said = await teacher.press("Start with a second pupil")
    assert EN.get("second_pupil_intro") in said and "Before we start (1/3)" in said
    await teacher.text("Lina")
    for answer in ANSWERS["en"][1:]:
        await teacher.text(answer.replace("Sam", "Lina"))
    await teacher.press("Send to my coach")
    review = coach.new()
    assert EN.get("coach_draft_ready", teacher="Tessa", pupil="Lina") in review
    assert "Two pupils side by side, Sam and Lina" in review
    charts = [m.photo for m in coach.inbox if m.photo]
    assert len(charts) == 2
    state = await store.load(TEACHER)
    assert state is not None and [p.pseudonym for p in state.pupils] == ["Sam", "Lina"]
    assert state.session("interview-2") is not None
    assert "second" not in [b.data.split(":")[1] for b in teacher.buttons()]


async def test_data_goes_away_a_year_after_the_last_activity_with_a_notice_first(
    hub: Hub, clock: Clock, store: Store
) -> None:
    coach, teacher = await released(hub)
    await teacher.text("A first reflection answer about Sam.")
    coach.new()
    clock.now += timedelta(days=300)
    await hub.settle()
    assert coach.new() == ""
    await teacher.command("status")  # activity moves the deadline on
    clock.now += timedelta(days=340)
    await hub.settle()
    deadline = (clock.now + timedelta(days=25)).date().isoformat()
    assert coach.new() == EN.get("coach_retention_notice", teacher="Tessa", date=deadline)
    assert await store.load(TEACHER) is not None
    clock.now += timedelta(days=26)
    await hub.settle()
    assert coach.new() == EN.get("coach_teacher_withdrew", teacher="Tessa")
    assert await store.load(TEACHER) is None
    assert [k async for k in store.redis.scan_iter(f"*:u:{TEACHER}:*")] == []


async def test_after_three_actions_the_plan_says_three_is_the_most_and_moves_on(
    hub: Hub, store: Store
) -> None:
    """The walk: the plan asked for one to three actions but took a fourth."""
    _, teacher = await released(hub)
    for n in range(1, 8):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    script = load_script("reflection", "en")
    actions = ("Greet Sam", "Praise Sam twice a day", "Write one good thing")
    for n, action in enumerate(actions):
        said = await teacher.text(action)
        if n < 2:
            assert said == script.list_prompt_more
            assert [b.label for b in teacher.buttons()] == ["Done"]
    assert said.startswith(script.list_prompt_enough)
    signals = next(i for i in script.items if i.id == "p03_signals")
    assert signals.text.replace("{pupil}", "Sam").split("?")[0] in said
    await teacher.text("I notice it when Sam greets me back in the morning.")
    state = await store.load(TEACHER)
    assert state is not None
    plan = next(s for s in state.sessions if s.script_id == "reflection")
    assert [p.text for p in plan.answers["p02_actions"].parts] == list(actions)
    assert "greets me back" in plan.answers["p03_signals"].text


async def test_the_coach_reads_neutral_headings_and_done_gets_a_calm_word(
    hub: Hub, clock: Clock
) -> None:
    """Walk: the coach read the teacher's own titles («Je doel:», «Wat je merkte:»), and «Done»
    after actions naming «angry» got "Honest, and not easy." """
    coach, teacher = await released(hub)
    for n in range(1, 7):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.text("That I stay calm when Sam gets angry, and we laugh together again.")
    await teacher.text("Stay calm and kneel beside Sam when he gets angry")
    said = await teacher.press("Done")
    reflection = load_script("reflection", "en")
    assert said.startswith(tuple(reflection.acknowledgements_forward))
    await teacher.text("I will feel calmer, and Sam will come to me more often.")
    await teacher.press("Send to my coach")
    report = coach.new()
    for heading in ("Goal:\n", "Actions:\n", "Signs that it works:\n", "The way there:\n"):
        assert heading in report, heading
    assert "Your goal" not in report and "Your actions" not in report
    clock.now += timedelta(days=7, hours=1)
    await hub.settle()
    teacher.new()  # the check-in's first question
    report_words = ("Yes.", "I was calmer.", "Calmer, closer, hopeful", "Keep greeting Sam.")
    said = await teacher.text(report_words[0])
    checkin = load_script("checkin", "en")
    assert said.startswith(tuple(checkin.acknowledgements_forward + checkin.acknowledgements_joy))
    for answer in report_words[1:]:
        await teacher.text(answer)
    await teacher.press("No")
    await teacher.press("Send to my coach")
    report = coach.new()
    assert "What stood out:\nI was calmer." in report
    assert "Next steps:\nKeep greeting Sam." in report
    assert "What you noticed" not in report and "What next:" not in report


async def test_done_typed_under_the_actions_closes_the_list(hub: Hub, store: Store) -> None:
    """«Done» typed (not pressed) after two actions closes the plan's list: not a third action."""
    _, teacher = await released(hub)
    for n in range(1, 8):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.text("Greet Sam at the door every morning")
    await teacher.text("Say twice a day what Sam does well")
    said = await teacher.text("done")
    assert "Question 9 of 9" in said
    state = await store.load(TEACHER)
    assert state is not None
    plan = next(s for s in state.sessions if s.script_id == "reflection")
    assert len(plan.answers["p02_actions"].parts) == 2


async def test_see_above_is_not_taken_as_an_action(hub: Hub, store: Store) -> None:
    """Walk: «zie hierboven» was kept as an action, and the check-in asked about it a week later."""
    _, teacher = await released(hub)
    for n in range(1, 8):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    said = await teacher.text("see above")
    assert said == EN.get("list_entry_in_words")
    await teacher.text("Greet Sam at the door every morning")
    state = await store.load(TEACHER)
    assert state is not None
    plan = next(s for s in state.sessions if s.script_id == "reflection")
    assert [p.text for p in plan.answers["p02_actions"].parts] == [
        "Greet Sam at the door every morning"
    ]


async def test_the_teacher_gets_her_plan_back_when_she_sends_it_and_with_plan(hub: Hub) -> None:
    """Walk: the teacher never saw her action plan again after sending it."""
    _, teacher = await released(hub)
    said = await teacher.command("plan")
    assert said == EN.get("plan_none")
    for n in range(1, 7):
        await teacher.text(f"Reflection {n}: I see more of what Sam needs from me now.")
    await teacher.text("That Sam comes to me when something is wrong.")
    await teacher.text("Greet Sam at the door every morning")
    await teacher.text("Say twice a day what Sam does well")
    await teacher.press("Done")
    await teacher.text("Sam greets me back, and I feel calmer.")
    said = await teacher.press("Send to my coach")
    summary = (
        "Your action plan for Sam, to keep:\n\n"
        "Your goal: That Sam comes to me when something is wrong.\n\n"
        "What you will do:\n• Greet Sam at the door every morning\n"
        "• Say twice a day what Sam does well\n\n"
        "How you will notice it works: Sam greets me back, and I feel calmer."
    )
    assert said.startswith(EN.get("plan_submitted", pupil="Sam")) and summary in said
    assert await teacher.command("plan") == summary
