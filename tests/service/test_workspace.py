"""The coach's web workspace on the real service and Redis: sign-in (Mini App initData, a /web
link), the pages, every write as the coach's event, and what a coach may not see."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.config import Settings
from bot.dialogues.script import load_texts
from bot.storage.store import Store
from bot.wiring import build_service
from tests.service.test_coaching import ADMIN, COACH, TEACHER, joined, make_coach
from tests.support.answers import ANSWERS
from tests.support.hub import Hub, HubUser
from tests.support.workspace import BOT_TOKEN, browser, served

EN = load_texts("en")


@pytest.fixture
def hub(store: Store, settings: Settings) -> Hub:
    settings.admin_ids = str(ADMIN)
    settings.web_public_url = "https://coach.example"
    return Hub(build_service(store, settings))


async def drafted(hub: Hub) -> tuple[HubUser, HubUser]:
    """A coach with a teacher's draft waiting."""
    coach, teacher = await joined(hub)
    for answer in ANSWERS["en"]:
        await teacher.text(answer)
    await teacher.press("Send to my coach")
    return coach, teacher


async def test_a_coach_reviews_and_releases_in_the_workspace(hub: Hub, store: Store) -> None:
    coach, teacher = await drafted(hub)
    draft_message = next(m for m in coach.inbox if "A new draft profile" in m.text)
    [[app_button]] = draft_message.buttons
    assert app_button.web_app == f"https://coach.example/app?to=/review/{TEACHER}/interview-1"
    async with served(hub.service) as base, browser(base) as coach_web:
        signed = await coach_web.sign_in(COACH)
        assert signed.status == 200
        cookie = signed.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=None" in cookie
        assert "Max-Age=28800" in cookie
        status, page = await coach_web.get("/queue")
        assert status == 200 and "Tessa about Sam" in page and "waiting less than an hour" in page
        status, page = await coach_web.get(f"/review/{TEACHER}/interview-1")
        assert status == 200
        assert "Question 4 · When Sam was upset" in page
        assert ANSWERS["en"][6].split(".")[0] in page  # the answer itself, in full
        assert "rules" not in page.lower() and "q04_upset" not in page
        assert re.search(r'title="0\.\d\d">Confidence: (confident|fairly sure|uncertain)', page)
        csrf = await coach_web.csrf(f"/review/{TEACHER}/interview-1")
        base_path = f"/review/{TEACHER}/interview-1"
        before = await store.load(COACH)
        assert before is not None
        draft = before.coaching[str(TEACHER)].reviews["interview-1"].draft.scale("comfort")
        wanted = 2 if draft.score > 3 else 6
        form = {"csrf": csrf, "scale": "comfort", "score": str(wanted), "nonce": "a" * 32}
        assert await coach_web.post(base_path + "/score", form) == 303
        assert await coach_web.post(base_path + "/score", form) == 303  # the same form: once
        minus = {"csrf": csrf, "scale": "secure_base", "delta": "-1"}
        plus = {"csrf": csrf, "scale": "secure_base", "delta": "1"}
        assert await coach_web.post(base_path + "/adjust", minus) == 303
        assert await coach_web.post(base_path + "/adjust", plus) == 303
        assert await coach_web.post(base_path + "/adjust", plus | {"delta": "5"}) == 400
        note = {"csrf": csrf, "target": "comfort", "text": "Ask about the corridor moment."}
        assert await coach_web.post(base_path + "/note", note) == 303
        state = await store.load(COACH)
        assert state is not None
        review = state.coaching[str(TEACHER)].reviews["interview-1"]
        assert review.scores["comfort"] == wanted and review.notes["comfort"].startswith(
            "Ask about"
        )
        assert [a.action for a in review.audit] == ["score", "score", "score", "note"]
        assert await coach_web.post(base_path + "/release", {"csrf": csrf, "confirm": "yes"}) == 303
        await hub.settle()
        told = teacher.new()
        assert "Ask about the corridor moment." in told  # the coach's note reaches the teacher
        assert EN.get("released_coach", teacher="Tessa") in coach.new()  # the chat hears of it
        teacher_state = await store.load(TEACHER)
        assert teacher_state is not None
        session = teacher_state.session("interview-1")
        assert session is not None and session.profile is not None
        assert {s.id: s.score for s in session.profile.scales}["comfort"] == wanted
        reads = [r.action for r in teacher_state.access_log if r.who == "coach"]
        assert reads.count("read") == 2 and "released" in reads  # chat, then web (once)


async def test_without_a_session_or_a_csrf_token_nothing_changes(hub: Hub, store: Store) -> None:
    await drafted(hub)
    async with served(hub.service) as base, browser(base) as stranger:
        assert (await stranger.get("/queue"))[0] == 401
        assert (await stranger.get(f"/review/{TEACHER}/interview-1"))[0] == 401
        await stranger.sign_in(COACH)
        path = f"/review/{TEACHER}/interview-1/release"
        assert await stranger.post(path, {"csrf": "forged"}) == 403
        assert await stranger.post(path, {}) == 403
    state = await store.load(COACH)
    assert state is not None
    assert state.coaching[str(TEACHER)].reviews["interview-1"].status == "waiting"


async def test_forged_expired_and_replayed_init_data_are_refused(hub: Hub) -> None:
    await make_coach(hub)
    async with served(hub.service) as base, browser(base) as web:
        forged = await web.sign_in(COACH, token="123456:someone-else's-token")
        old = await web.sign_in(COACH, age_s=2 * 3600)
        teacher = await web.sign_in(TEACHER)  # signed by Telegram, but not a coach
        assert (forged.status, old.status, teacher.status) == (403, 403, 403)
        from tests.support.workspace import init_data

        data = init_data(COACH)
        form = {"init_data": data, "to": "/queue"}
        first = await web.session.post(f"{base}/auth/telegram", data=form)
        again = await web.session.post(f"{base}/auth/telegram", data=form)
        assert (first.status, again.status) == (200, 403)
        altered = data.replace("Carla", "Mallory")
        assert (
            await web.session.post(f"{base}/auth/telegram", data={"init_data": altered})
        ).status == 403
        assert BOT_TOKEN not in (await again.text())


async def test_a_web_link_works_once_and_expires(hub: Hub, store: Store) -> None:
    coach = await make_coach(hub)
    said = await coach.command("web")
    link = re.search(r"https://coach\.example/login#(\S+)", said)
    assert link, said
    token = link.group(1)
    async with served(hub.service) as base, browser(base) as web, browser(base) as thief:
        first = await web.session.post(f"{base}/auth/link", data={"token": token})
        assert first.status == 200 and "SameSite=Lax" in first.headers["Set-Cookie"]
        assert (await web.get("/queue"))[0] == 200
        again = await thief.session.post(f"{base}/auth/link", data={"token": token})
        assert again.status == 403
        other = token[:-4] + "0000"
        assert (await thief.session.post(f"{base}/auth/link", data={"token": other})).status == 403
    state = await store.load(COACH)
    assert state is not None and token not in state.model_dump_json()  # only its digest


async def test_sign_in_attempts_are_rate_limited(hub: Hub, settings: Settings) -> None:
    await make_coach(hub)
    async with served(hub.service) as base, browser(base) as web:
        statuses = [
            (await web.session.post(f"{base}/auth/link", data={"token": "x"})).status
            for _ in range(settings.web_login_attempts + 2)
        ]
    assert statuses[: settings.web_login_attempts] == [403] * settings.web_login_attempts
    assert statuses[-1] == 429


async def test_a_coach_sees_only_their_own_teachers(hub: Hub) -> None:
    await drafted(hub)
    other = await make_coach(hub, 11)
    assert other is not None
    async with served(hub.service) as base, browser(base) as web:
        await web.sign_in(11)
        for path in (
            f"/teacher/{TEACHER}",
            f"/review/{TEACHER}/interview-1",
            f"/review/{TEACHER}/interview-1/chart.png",
            f"/teacher/{TEACHER}/report.pdf",
            f"/teacher/{TEACHER}/followup/1",
        ):
            assert (await web.get(path))[0] == 403, path
        csrf = await web.csrf()
        path = f"/review/{TEACHER}/interview-1/release"
        assert await web.post(path, {"csrf": csrf}) == 403


async def test_every_page_has_strict_headers(hub: Hub) -> None:
    await drafted(hub)
    async with served(hub.service) as base, browser(base) as web:
        for path in ("/app?to=/queue", "/login"):  # the sign-in pages, before any session
            status, page = await web.get(path)
            assert status == 200 and 'id="signin"' in page, path
        await web.sign_in(COACH)
        async with web.session.get(f"{base}/queue") as answer:
            headers = answer.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'self' https://web.telegram.org" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        for path in (
            f"/teacher/{TEACHER}",
            f"/teacher/{TEACHER}/followup/1",
            f"/review/{TEACHER}/interview-1/chart.png",
        ):
            status, _ = await web.get(path)
            assert status == 200, path
        async with web.session.get(f"{base}/teacher/{TEACHER}/report.pdf") as answer:
            assert answer.status == 200 and (await answer.read()).startswith(b"%PDF")


async def test_after_forget_the_teachers_pages_are_gone(hub: Hub) -> None:
    _, teacher = await drafted(hub)
    await teacher.command("forget")
    await teacher.press("Yes, delete everything")
    async with served(hub.service) as base, browser(base) as web:
        await web.sign_in(COACH)
        status, page = await web.get("/queue")
        assert status == 200 and "Sam" not in page and "Tessa" not in page
        for path in (f"/review/{TEACHER}/interview-1", f"/teacher/{TEACHER}/report.pdf"):
            assert (await web.get(path))[0] == 403


async def test_a_web_action_that_another_turn_overtook_is_applied_once(
    hub: Hub, store: Store
) -> None:
    """The coach's chat turn commits between the web action's read and its commit: the commit
    is refused (the document changed) and the action is tried again on what the chat wrote."""
    coach, _ = await drafted(hub)
    real_begin, overtaken = store.begin, []

    async def chat_turn_in_between(user_id: int, event_id: str) -> Any:
        opened = await real_begin(user_id, event_id)
        if event_id.startswith("web:") and not overtaken:
            overtaken.append(event_id)
            await coach.command("status")
        return opened

    store.begin = chat_turn_in_between  # type: ignore[method-assign]
    async with served(hub.service) as base, browser(base) as coach_web:
        await coach_web.sign_in(COACH)
        path = f"/review/{TEACHER}/interview-1"
        csrf = await coach_web.csrf(path)
        form = {"csrf": csrf, "target": "comfort", "text": "Ask about the corridor moment."}
        assert await coach_web.post(path + "/note", form) == 303
    assert overtaken
    state = await store.load(COACH)
    assert state is not None
    review = state.coaching[str(TEACHER)].reviews["interview-1"]
    assert [a.action for a in review.audit] == ["note"]
