"""Safeguarding in the conversation, on real Redis: the teacher is told once, the coach at once."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, TEACHER, invite, make_coach
from tests.support.hub import Hub

EN = load_texts("en")
DISCLOSURE = "Yesterday Sam told me his father hits him, and he had bruises on his arm."


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(ADMIN)
    return Hub(build_service(store, settings))


async def test_a_disclosure_reaches_the_coach_at_once_and_the_interview_goes_on(
    hub: Hub, store: Store
) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    coach.new()
    await teacher.press("Yes, let's begin")
    for answer in ("Sam", "Year 3", "I find it hard to reach him."):
        await teacher.text(answer)
    said = await teacher.text(DISCLOSURE)
    assert (
        EN.get(
            "safeguarding_child_at_risk",
            pupil_ref="Sam",
            coach_told=EN.get("safeguarding_coach_told"),
        )
        in said
    )
    assert "Question" in said or "Could you" in said or "Thank" in said  # it goes on calmly
    alert = coach.new()
    assert alert.startswith("URGENT") and DISCLOSURE in alert
    assert "question 1 · Three words" in alert
    assert "q01_" not in alert
    said = await teacher.text("He also said he is scared to go home because his father hits him.")
    assert (
        EN.get(
            "safeguarding_child_at_risk",
            pupil_ref="Sam",
            coach_told=EN.get("safeguarding_coach_told"),
        )
        not in said
    )  # once per kind
    assert coach.new().startswith("URGENT")  # but the coach hears every signal
    queue = await coach.command("queue")
    assert queue.count("URGENT, not yet acknowledged: Tessa") == 2
    await coach.press(f"{EN.get('acknowledge_button')} (1)")
    queue = await coach.command("queue")
    assert queue.count("URGENT, not yet acknowledged: Tessa") == 1
    await coach.press(f"{EN.get('acknowledge_button')} (1)")
    assert await coach.command("queue") == EN.get("queue_empty")
    state = await store.load(10)
    assert state is not None
    assert all(a.acknowledged_at for a in state.coaching[str(TEACHER)].alerts)


async def test_distress_of_the_teacher_and_an_alert_that_waits_for_the_coach(hub: Hub) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start")
    await teacher.press("Yes, let's begin")
    await teacher.text("Sam")
    said = await teacher.text("Honestly I can't go on like this, I think about ending it all.")
    later = EN.get("safeguarding_coach_later")
    assert EN.get("safeguarding_teacher_distress", coach_told=later) in said
    coach = await make_coach(hub)
    await teacher.command("start", await invite(coach))
    said = coach.new()
    assert "URGENT" in said and "ending it all" in said


async def test_negations_and_figures_of_speech_raise_nothing(hub: Hub) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await teacher.press("Yes, let's begin")
    await teacher.text("Sam")
    coach.new()
    said = await teacher.text("I never saw any bruises. This class is killing me, haha.")
    assert "URGENT" not in coach.new() and "112" not in said


async def test_the_llm_second_look_adds_a_signal_and_never_invents_one(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import LlmSettings
    from bot.safety.llm_check import LlmSafeguard
    from bot.safety.safeguarding import check
    from tests.support import fake_llm

    subtle = "Sam said he sleeps in the car some nights."
    [offline] = check(subtle, "en")
    assert offline.kind == "child_at_risk" and not offline.clear  # possible, not yet clear

    def answer(signals: list[dict[str, str]]) -> object:
        def make(fake: object, body: object) -> object:
            return {"signals": signals}

        return fake_llm._reply(make)  # type: ignore[arg-type]

    monkeypatch.setitem(
        fake_llm.BEHAVIOURS, "sg_found", answer([{"kind": "child_at_risk", "quote": subtle}])
    )  # type: ignore[arg-type]
    monkeypatch.setitem(
        fake_llm.BEHAVIOURS,
        "sg_invented",
        answer([{"kind": "child_at_risk", "quote": "He is beaten."}]),
    )  # type: ignore[arg-type]
    async with fake_llm.FakeLlm([]) as llm:
        llm.queue("sg_invented", "sg_invented", "sg_found", "sg_invented", "sg_invented")
        checker = LlmSafeguard(LlmSettings(provider="openai", base_url=llm.base_url, timeout_s=5))
        settings.admin_ids = str(ADMIN)
        hub = Hub(build_service(store, settings, second_look=checker))
        coach = await make_coach(hub)
        teacher = hub.user(TEACHER, name="Tessa")
        await teacher.command("start", await invite(coach))
        coach.new()
        await teacher.press("Yes, let's begin")
        await teacher.text("Sam")
        await teacher.text("Year 3")
        said = await teacher.text(subtle)
        told = EN.get("safeguarding_coach_told")
        # the offline model finds it possible at once; the second look makes it clear
        assert EN.get("safeguarding_child_at_risk", pupil_ref="Sam", coach_told=told) in (
            said + "".join(m.text for m in teacher.inbox)
        )
        alerts = [m.text for m in coach.inbox if subtle in m.text]
        assert any(a.startswith("To read:") for a in alerts)
        assert any(a.startswith("URGENT") for a in alerts)
        assert all("He is beaten" not in a for a in alerts)
        assert all("He is beaten" not in m.text for m in coach.inbox)
        assert '"answer"' in str(llm.requests[-1])  # the answer went as data


async def test_a_possible_signal_asks_the_coach_to_read_and_spares_the_teacher_the_crisis_lines(
    hub: Hub, store: Store
) -> None:
    """The model alone, below its clear level ("Sometimes I lie awake over it.", p about 0.65):
    the coach still hears at once, asked to read it; the teacher gets a gentle word, not the
    crisis numbers; a clear signal later still brings the full message."""
    from bot.safety.safeguarding import check

    possible = "Sometimes I lie awake over it."
    [signal] = check(possible, "en")
    assert signal.kind == "teacher_distress" and not signal.clear
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    coach.new()
    await teacher.press("Yes, let's begin")
    for answer in ("Sam", "Year 3", "I find it hard to reach him."):
        await teacher.text(answer)
    told = EN.get("safeguarding_coach_told")
    said = await teacher.text(f"Tiring, stubborn, funny. {possible}")
    assert EN.get("safeguarding_possible_teacher_distress", pupil_ref="Sam", coach_told=told) in (
        said
    )
    assert "113 Zelfmoordpreventie" not in said
    alert = coach.new()
    assert alert.startswith("To read:") and possible in alert and "URGENT" not in alert
    queue = await coach.command("queue")
    assert "To read, not yet acknowledged: Tessa" in queue and "URGENT" not in queue
    said = await teacher.text("Honestly I don't want to live anymore.")
    assert EN.get("safeguarding_teacher_distress", coach_told=told) in said
    assert coach.new().startswith("URGENT")


async def test_the_coach_can_mark_an_alert_read_with_no_cause_for_concern(
    hub: Hub, store: Store
) -> None:
    """Walk: the coach had only «I will act» for an alert they had read and found harmless."""
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    coach.new()
    await teacher.press("Yes, let's begin")
    for answer in ("Sam", "Year 3", "I find it hard to reach him."):
        await teacher.text(answer)
    await teacher.text(DISCLOSURE)
    assert coach.new().startswith("URGENT")
    assert [b.label for b in coach.buttons()] == [
        EN.get("acknowledge_button"),
        EN.get("no_concern_button"),
    ]
    said = await coach.press(EN.get("no_concern_button"))
    assert said == EN.get("alert_no_concern", teacher="Tessa")
    assert await coach.command("queue") == EN.get("queue_empty")
    state = await store.load(10)
    assert state is not None
    alert = state.coaching[str(TEACHER)].alerts[0]
    assert alert.acknowledged_at is not None and alert.no_concern
