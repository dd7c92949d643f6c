"""The coach hand-off on real Redis: invite, draft to the coach, review, release, session 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.conftest import TEST_MASTER_KEY, envelope_store
from tests.support.answers import ANSWERS, PROBE_ANSWER
from tests.support.hub import Hub, HubUser

ADMIN, COACH, TEACHER, OTHER_COACH, OTHER_TEACHER = 9, 10, 20, 11, 21
EN = load_texts("en")


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(ADMIN)
    return Hub(build_service(store, settings))


async def make_coach(hub: Hub, coach_id: int = COACH) -> HubUser:
    admin = hub.user(ADMIN, name="Admin")
    said = await admin.command("addcoach", str(coach_id))
    assert said == EN.get("addcoach_done", user=coach_id)
    coach = hub.user(coach_id, name="Carla")
    assert coach.new() == EN.get("became_coach")  # the admin's language until they speak
    return coach


@pytest.mark.parametrize(("admin_lang", "coach_lang"), [("nl", None), ("en", None), ("nl", "en")])
async def test_a_new_coach_is_told_in_their_own_or_else_the_admins_language(
    hub: Hub, admin_lang: str, coach_lang: str | None
) -> None:
    """The first message to a coach goes out before they ever wrote (in the admin's language);
    a coach the bot has met hears it in their own Telegram client's language."""
    if coach_lang is not None:
        await hub.user(COACH, lang=coach_lang, name="Carla").command("help")
    admin = hub.user(ADMIN, lang=admin_lang, name="Admin")
    await admin.command("addcoach", str(COACH))
    expected = load_texts(coach_lang or admin_lang).get("became_coach")  # type: ignore[arg-type]
    assert hub.user(COACH).new().split("\n---\n")[-1] == expected


async def invite(coach: HubUser) -> str:
    said = await coach.command("invite")
    match = re.search(r"/start (\S+)", said)
    assert match, said
    return match.group(1)


async def joined(hub: Hub) -> tuple[HubUser, HubUser]:
    """A coach and a teacher who joined through the coach's invitation and consented."""
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await teacher.press("Yes, let's begin")
    return coach, teacher


async def interview(teacher: HubUser) -> None:
    await teacher.press("Yes, let's begin")
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")


async def released(hub: Hub) -> tuple[HubUser, HubUser]:
    """A coach, a linked teacher whose interview profile the coach has released."""
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await interview(teacher)
    await coach.press("Release to the teacher")
    await coach.press("Yes, release it now")
    await teacher.press(EN.get("profile_read_button"))
    teacher.new()
    return coach, teacher


async def test_the_coach_gets_the_draft_adjusts_it_and_releases_it(hub: Hub, store: Store) -> None:
    coach = await make_coach(hub)
    code = await invite(coach)
    teacher = hub.user(TEACHER, name="Tessa")
    said = await teacher.command("start", code)
    assert EN.get("linked_teacher") in said
    assert coach.new() == EN.get("coach_teacher_linked", teacher="Tessa")
    await interview(teacher)
    review = coach.new()
    assert EN.get("coach_draft_ready", teacher="Tessa", pupil="Sam") in review
    assert "Secure base" in review
    [chart] = [m.photo for m in coach.inbox if m.photo]
    assert chart is not None and chart.startswith(b"\x89PNG")
    detail = await coach.press("Secure base")
    assert "Draft:" in detail
    before = int(re.search(r"Now: (\d)", detail).group(1))  # type: ignore[union-attr]
    adjusted = await coach.press("+1" if before < 7 else "−1")
    after = int(re.search(r"Now: (\d)", adjusted).group(1))  # type: ignore[union-attr]
    assert after == (before + 1 if before < 7 else before - 1)
    await coach.press("Note")
    saved = EN.get("note_saved", name="Secure base", teacher="Tessa", pupil="Sam")
    assert saved in await coach.text("You clearly want to be there for Sam.")
    assert "score" in await coach.press("History")
    await coach.press("Back to the overview")
    confirm = await coach.press("Release to the teacher")
    assert confirm == EN.get("release_confirm", teacher="Tessa", pupil="Sam")
    assert teacher.new() == ""  # nothing reaches the teacher before the coach says yes
    released = await coach.press(EN.get("release_yes"))
    assert released == EN.get("released_coach", teacher="Tessa")
    profile = teacher.new()
    assert EN.get("profile_intro", pupil="Sam") in profile
    assert "You clearly want to be there for Sam." in profile
    assert "Question 1 of 9" not in profile  # not in the same breath as the profile
    # the profile, then its chart, then «I've read it»; only then session 2 begins
    photos = [n for n, m in enumerate(teacher.inbox) if m.photo and m.photo.startswith(b"\x89PNG")]
    prompt = [n for n, m in enumerate(teacher.inbox) if m.buttons]
    assert photos and prompt and photos[-1] < prompt[-1] == len(teacher.inbox) - 1
    assert teacher.inbox[-1].text == EN.get("profile_read_prompt", pupil="Sam")
    said = await teacher.press(EN.get("profile_read_button"))
    assert "Thank you for reading the profile" in said and "Question 1 of 9" in said
    state = await store.load(COACH)
    assert state is not None
    kept = state.coaching[str(TEACHER)].reviews["interview-1"]
    assert kept.draft.scale("secure_base").score == before and kept.scores["secure_base"] == after
    assert [e.action for e in kept.audit] == ["score", "note", "release"]


async def test_session_two_ends_in_an_action_plan_for_the_coach(hub: Hub, store: Store) -> None:
    coach, teacher = await released(hub)
    for n in range(1, 8):
        await teacher.text(f"Reflection answer {n}: I think I see more of what Sam needs now.")
    await teacher.text("Every morning I greet Sam at the door.")
    assert "Done" in [b.label for b in teacher.buttons()]
    await teacher.text("Twice a day I notice something Sam does well and say so.")
    said = await teacher.press("Done")
    assert "Question 9 of 9" in said
    await teacher.text("I will feel calmer, and Sam will come to me more often.")
    said = await teacher.press("Send to my coach")
    assert EN.get("plan_submitted", pupil="Sam") in said
    plan = coach.new()
    assert "Every morning I greet Sam at the door." in plan
    state = await store.load(COACH)
    assert state is not None and "reflection-1" in state.coaching[str(TEACHER)].plans


async def test_coach_commands_are_refused_to_teachers_and_forged_buttons_to_everyone(
    hub: Hub,
) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    assert await teacher.command("queue") == EN.get("not_coach")
    assert await teacher.command("invite") == EN.get("not_coach")
    assert await teacher.command("addcoach", str(TEACHER)) == EN.get("not_admin")
    coach.new()
    assert await coach.command("addcoach", str(TEACHER)) == EN.get("not_admin")
    await interview(teacher)
    coach.new()
    release = next(b for b in coach.buttons() if b.label == "Release to the teacher")
    said = await teacher.send("button", data=release.data)
    assert said.startswith(EN.get("old_button"))
    for data in ("0:release:", "999:adj:0+", "x", f"{release.data.split(':')[0]}:open:20/x"):
        said = await coach.send("button", data=data)
        assert said.startswith(EN.get("old_button")), data
    assert "Question" not in teacher.new()


async def test_another_coach_sees_nothing_of_this_teacher(hub: Hub, store: Store) -> None:
    coach = await make_coach(hub)
    other = await make_coach(hub, OTHER_COACH)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await interview(teacher)
    assert await other.command("queue") == EN.get("queue_empty")
    menu = (await store.load(OTHER_COACH)).menu  # type: ignore[union-attr]
    said = await other.send("button", data=f"{menu}:open:{TEACHER}/interview-1")
    assert said.startswith(EN.get("old_button"))
    assert "Tessa" not in said
    assert "Tessa" in await coach.command("queue")


async def test_an_invitation_works_once(hub: Hub) -> None:
    coach = await make_coach(hub)
    code = await invite(coach)
    first = hub.user(TEACHER, name="Tessa")
    assert EN.get("linked_teacher") in await first.command("start", code)
    other_code = await invite(coach)
    await coach.command("start", other_code)  # a coach trying their own link uses nothing up
    assert EN.get("linked_teacher") in await hub.user(OTHER_TEACHER).command("start", other_code)
    second = hub.user(OTHER_TEACHER + 1, name="Tom")
    said = await second.command("start", code)
    assert EN.get("invite_invalid") in said and EN.get("linked_teacher") not in said
    assert EN.get("invite_invalid") in await second.command("start", "not-a-real-code-123")


async def test_forget_removes_the_coachs_copies_and_tells_the_coach(hub: Hub, store: Store) -> None:
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await interview(teacher)
    coach.new()
    await teacher.command("forget")
    await teacher.press("Yes, delete everything")
    assert coach.new() == EN.get("coach_teacher_withdrew", teacher="Tessa")
    state = await store.load(COACH)
    assert state is not None and state.coaching == {}
    assert await store.load(TEACHER) is None
    assert "Sam" not in state.model_dump_json()


async def test_the_coach_exports_a_pdf_report_and_a_teacher_cannot(hub: Hub, store: Store) -> None:
    coach, teacher = await released(hub)
    assert await teacher.command("export") == EN.get("not_coach")
    said = await coach.command("export")
    assert said == EN.get("export_pick")
    said = await coach.press("Tessa")
    assert EN.get("export_preparing", teacher="Tessa") in said
    assert EN.get("export_caption", teacher="Tessa") in said
    [document] = [m.document for m in coach.inbox if m.document]
    assert document is not None and document.content.startswith(b"%PDF")
    assert document.filename.startswith("llinc-Tessa-") and document.filename.endswith(".pdf")
    state = await store.load(COACH)
    assert state is not None
    audit = state.coaching[str(TEACHER)].reviews["interview-1"].audit
    assert audit[-1].action == "export"
    assert "Tessa" in await coach.command("export", "tes")


def test_llinc_coach_add_makes_a_coach(redis_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        DATA_DIR=str(tmp_path),
        PARTITIONS="4",
        TELEGRAM_BOT_TOKEN="123:abc",
        LLINC_MASTER_KEY=TEST_MASTER_KEY,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "coach", "add", "4242"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "4242 is now a coach" in done.stdout

    async def check() -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        state = await envelope_store(client, 4).load(4242)
        await client.aclose()
        assert state is not None and state.role == "coach"

    import asyncio

    asyncio.run(check())


async def test_the_teacher_reads_who_did_what_with_their_data_in_mydata(hub: Hub) -> None:
    coach, teacher = await released(hub)
    await coach.command("export")
    await coach.press("Tessa")
    await teacher.command("mydata")
    document = teacher.inbox[-1].document
    assert document is not None
    data = json.loads(document.content)
    log = [(r["who"], r["action"], r["what"]) for r in data["access_log"]]
    assert ("you", "sent", "interview-1") in log
    assert ("system", "drafted", "interview-1 (rules)") in log
    assert ("coach", "read", "interview-1") in log
    assert ("coach", "released", "interview-1") in log
    assert ("coach", "exported", "report") in log
    assert log[-1] == ("you", "exported", "/mydata")
    assert not any(answer in json.dumps(data["access_log"]) for answer in ANSWERS["en"])


async def test_an_invitation_works_for_one_teacher_only_and_not_after_it_expires(
    hub: Hub, store: Store
) -> None:
    coach = await make_coach(hub)
    code = await invite(coach)
    first, second = hub.user(TEACHER, name="Tessa"), hub.user(TEACHER + 1, name="Tom")
    assert EN.get("linked_teacher") in await first.command("start", code)
    assert EN.get("invite_invalid") in await second.command("start", code)  # spent
    assert EN.get("invite_invalid") not in await first.command("start", code)  # same teacher
    stale = await invite(coach)
    state = await store.load(COACH)
    assert state is not None
    state.invites[stale].expires_at = state.invites[stale].created_at  # as if days had passed
    async with store.turn(COACH, "test:expire") as opened:
        await store.commit(opened, state, now_ms=0)
    assert EN.get("invite_invalid") in await second.command("start", stale)
    coach_state = await store.load(COACH)
    assert coach_state is not None and str(TEACHER + 1) not in coach_state.coaching


@pytest.mark.parametrize("code", ["nonsense", "7-", "ffffffff-00112233445566778899"])
async def test_a_code_of_nobody_or_no_coach_is_refused_kindly(hub: Hub, code: str) -> None:
    teacher = hub.user(TEACHER, name="Tessa")
    assert EN.get("invite_invalid") in await teacher.command("start", code)


async def test_the_review_holds_the_whole_interview_as_the_teacher_saw_it(
    hub: Hub, store: Store
) -> None:
    _, teacher = await joined(hub)
    for n, answer in enumerate(ANSWERS["en"]):
        if n == 6:  # q04: a thin answer, then the follow-up's answer
            said = await teacher.text("Sam cried in the corridor yesterday.")
            assert "Question 5 of 12" not in said
            await teacher.text(PROBE_ANSWER["en"])
            continue
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    state = await store.load(COACH)
    assert state is not None
    review = state.coaching[str(TEACHER)].reviews["interview-1"]
    items = {item.id: item for item in review.interview}
    assert list(items)[:4] == ["i01_pupil", "i02_class", "i03_reason", "q01_three_words"]
    q04 = items["q04_upset"]
    assert q04.number == 4 and "{pupil}" not in q04.question and "Sam" in q04.question
    assert q04.title == "When Sam was upset"
    assert q04.parts[0].prompt == "main" and q04.parts[0].question == ""
    assert q04.parts[0].text == "Sam cried in the corridor yesterday."
    assert q04.parts[1].text == PROBE_ANSWER["en"]
    assert q04.parts[1].question and "{pupil}" not in q04.parts[1].question
    assert [e.kind for e in state.coaching[str(TEACHER)].timeline] == ["draft"]


async def test_a_released_profile_reopens_as_a_new_version_and_the_teacher_hears_what_changed(
    hub: Hub, store: Store
) -> None:
    coach, teacher = await released(hub)
    state = await store.load(COACH)
    assert state is not None
    assert state.coaching[str(TEACHER)].reviews["interview-1"].status == "released"
    said = await coach.press("Reopen for changes")  # under «Released to Tessa»
    assert EN.get("reopened_coach", teacher="Tessa", pupil="Sam") in said
    await coach.press("Secure base")
    await coach.press("−1")
    await coach.press("Back")
    await coach.press("Release to the teacher")
    await coach.press("Yes, release it now")
    told = teacher.new()
    assert EN.get("profile_updated_intro", pupil="Sam") in told
    assert "Secure base" in told
    state = await store.load(COACH)
    assert state is not None
    review = state.coaching[str(TEACHER)].reviews["interview-1"]
    assert [v.version for v in review.versions] == [1, 2] and review.version == 2
    assert [a.action for a in review.audit if a.action != "score"] == [
        "release",
        "reopen",
        "release",
    ]
    teacher_state = await store.load(TEACHER)
    assert teacher_state is not None
    session = teacher_state.session("interview-1")
    assert session is not None and session.profile is not None and session.profile.version == 2
    assert teacher_state.session("reflection-1") is not None  # session 2 was not started again
    assert [r.action for r in teacher_state.access_log if r.who == "coach"].count("released") == 2


async def test_the_teacher_hears_where_the_answers_went(hub: Hub) -> None:
    """Issue 14.12: only a linked teacher is told the answers went to the coach; one without a
    coach hears that nobody reads them yet and how the coach gets them."""
    coach = await make_coach(hub)
    teacher = hub.user(TEACHER, name="Tessa")
    await teacher.command("start", await invite(coach))
    await teacher.press("Yes, let's begin")
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    assert await teacher.press("Send to my coach") == EN.get("submitted")
    alone = hub.user(OTHER_TEACHER, name="Olga")
    await alone.command("start")
    await alone.press("Yes, let's begin")
    for answer in ANSWERS["en"]:
        await alone.text(answer)
    assert await alone.press("Send to my coach") == EN.get("submitted_no_coach")


async def test_the_invitation_says_what_to_do_where_it_is_read(
    store: Store, settings: Settings
) -> None:
    """On Telegram the teacher opens the link; in the terminal trial (no bot username) the
    coach is told to switch back with /coach and type the /start line there."""
    for username, key in (("llinc_bot", "invite_link"), ("", "invite_link_terminal")):
        hub = Hub(build_service(store, settings, bot_username=username))
        settings.admin_ids = str(ADMIN)
        coach = await make_coach(hub, COACH + len(username))
        said = await coach.command("invite")
        code = said.rsplit("start", 1)[1].strip(" =").split()[0]
        link = f"https://t.me/{username}?start={code}" if username else f"/start {code}"
        assert said == EN.get(key, link=link, days=settings.invite_days)
    assert "Telegram" not in EN.get("invite_link_terminal", link="", days=1)
