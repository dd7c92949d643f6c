"""The workspace's pages (GET: read the coach's document through the store) and actions (POST:
a typed `WebAction` applied as an event of the coach's through the service, like a chat turn).
A teacher who is not the coach's is a 403; a teacher or review that is gone is a 404."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from pydantic import ValidationError

from bot.channels.web import review_view, views, words
from bot.channels.web.server import check_csrf, context, workspace
from bot.dialogues.transcript import script_titles
from bot.errors import TurnLost
from bot.models.events import Inbound
from bot.models.state import Review, TeacherFile, UserState
from bot.models.web import WEB_ACTION, Exported, ReadReview

log = logging.getLogger(__name__)
NONCE = re.compile(r"^[0-9a-f]{32}$")
WEB_TRIES = 5  # a web action refused because another turn of the coach's came first: tries


def add_routes(router: web.UrlDispatcher) -> None:
    """Every page (GET) and action (POST) of the workspace."""
    teacher, on_review = "/teacher/{tid:\\d+}", "/review/{tid:\\d+}/{sid}"
    pages = {
        "/": home,
        "/queue": queue,
        teacher: teacher_page,
        f"{teacher}/followup/{{slot:\\d}}": followup,
        f"{teacher}/compare": compare,
        f"{teacher}/compare.png": compare_chart,
        f"{teacher}/report.pdf": report,
        on_review: review,
        f"{on_review}/chart.png": review_chart,
    }
    for path, handler in pages.items():
        router.add_get(path, handler)
    actions = (
        "{act:adjust|score|note|release|reopen}",
        "/alert/{tid:\\d+}/{index:\\d+}/{verdict:ack|clear}",
    )
    router.add_post(f"{on_review}/{actions[0]}", act)
    router.add_post(actions[1], act)
    router.add_post("/contact/{tid:\\d+}/{sid}", act)


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/queue")


def _teacher(state: UserState, request: web.Request) -> TeacherFile:
    """The coach's own teacher named in the path; 403 for anyone else's (or a gone one: the
    workspace cannot tell those apart, and neither may a visitor)."""
    teacher = state.coaching.get(request.match_info["tid"])
    if teacher is None:
        raise web.HTTPForbidden()
    return teacher


def _review(state: UserState, request: web.Request) -> tuple[TeacherFile, Review]:
    teacher = _teacher(state, request)
    review = teacher.reviews.get(request.match_info["sid"])
    if review is None:
        raise web.HTTPNotFound()
    return teacher, review


def _render(request: web.Request, template: str, values: dict[str, Any]) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, values)


async def queue(request: web.Request) -> web.Response:
    ws = workspace(request)
    session, state = await ws.coach(request)
    t, now = ws.texts(state.lang), ws.app.clock()
    values = context(
        t,
        session,
        alerts=views.alerts(state, t, now),
        contacts=views.contacts(state, t, now),
        waiting=views.waiting(state, t, now),
        teachers=views.teachers(state, t),
    )
    return _render(request, "queue.html", values)


async def teacher_page(request: web.Request) -> web.Response:
    ws = workspace(request)
    session, state = await ws.coach(request)
    teacher, t = _teacher(state, request), ws.texts(state.lang)
    values = context(
        t,
        session,
        name=views.name(state, t, teacher),
        tid=teacher.teacher_id,
        sessions=views.sessions(t, teacher),
        timeline=views.timeline(state, t, teacher),
        audit=review_view.audit_lines(t, teacher),
        compare=len(teacher.reviews) >= 2,
    )
    return _render(request, "teacher.html", values)


async def review(request: web.Request) -> web.Response:
    ws = workspace(request)
    session, state = await ws.coach(request)
    teacher, current = _review(state, request)
    read = ReadReview(teacher_id=teacher.teacher_id, session_id=current.session_id)
    once = f"{session.csrf[:12]}:{current.session_id}:{current.version}"  # once per sign-in
    await _apply(request, state, read, once)
    t = ws.texts(state.lang)
    alerts = [
        t(
            review_view.alert_key(a),
            question=words.label_of(t, current.interview, a.question_id),
            quote=a.quote,
            date=words.date(t, a.acknowledged_at) if a.acknowledged_at else "",
        )
        for a in teacher.alerts
        if a.session_id == current.session_id
    ]
    values = context(
        t,
        session,
        name=views.name(state, t, teacher),
        tid=teacher.teacher_id,
        review=current,
        base=f"/review/{teacher.teacher_id}/{current.session_id}",
        received=words.age(t, current.received_at, ws.app.clock(), "age_received"),
        released=words.date(t, current.released_at) if current.released_at else "",
        versions=[(v.version, words.date(t, v.released_at)) for v in current.versions],
        chart_version=_scores_tag(current),
        alerts=alerts,
        rows=review_view.scale_rows(t, current),
        transcript=review_view.transcript(t, current),
        audit=[review_view.audit_action(t, e) for e in reversed(current.audit)],
    )
    return _render(request, "review.html", values)


def _scores_tag(review: Review) -> str:
    scores = ",".join(f"{k}{v}" for k, v in sorted(review.scores.items()))
    return hashlib.sha256(scores.encode()).hexdigest()[:12]


async def followup(request: web.Request) -> web.Response:
    ws = workspace(request)
    session, state = await ws.coach(request)
    teacher, t = _teacher(state, request), ws.texts(state.lang)
    found = views.followup(teacher, request.match_info["slot"])
    if found is None:
        raise web.HTTPNotFound()
    name = views.name(state, t, teacher)
    values = context(t, session, name=name, tid=teacher.teacher_id, f=found)
    return _render(request, "followup.html", values)


async def compare(request: web.Request) -> web.Response:
    ws = workspace(request)
    session, state = await ws.coach(request)
    teacher, t = _teacher(state, request), ws.texts(state.lang)
    found = views.comparison(t, teacher)
    if found is None:
        raise web.HTTPNotFound()
    name = views.name(state, t, teacher)
    values = context(t, session, name=name, tid=teacher.teacher_id, c=found)
    return _render(request, "compare.html", values)


def _png(png: bytes) -> web.Response:
    return web.Response(body=png, content_type="image/png")


async def review_chart(request: web.Request) -> web.Response:
    """The profile chart with the coach's scores as they are now (drawn on request)."""
    ws = workspace(request)
    _, state = await ws.coach(request)
    _, current = _review(state, request)
    t = ws.texts(state.lang)
    from bot.render.chart import render_chart  # matplotlib: loaded by the first chart drawn

    png = await asyncio.to_thread(
        render_chart,
        current.draft,
        pupil=current.pupil,
        lang=state.lang,
        date=current.received_at.date(),
        second=current.adjusted(),
        first_label=t("chart_draft"),
        second_label=t("chart_coach"),
    )
    return _png(png)


async def compare_chart(request: web.Request) -> web.Response:
    ws = workspace(request)
    _, state = await ws.coach(request)
    found = views.comparison(ws.texts(state.lang), _teacher(state, request))
    if found is None:
        raise web.HTTPNotFound()
    first, second = found.first, found.second
    from bot.render.chart import render_chart

    png = await asyncio.to_thread(
        render_chart,
        first.adjusted(),
        pupil=f"{first.pupil} / {second.pupil}",
        lang=state.lang,
        date=max(first.received_at, second.received_at).date(),
        second=second.adjusted(),
        first_label=first.pupil,
        second_label=second.pupil,
    )
    return _png(png)


async def report(request: web.Request) -> web.Response:
    """The teacher's PDF, made now and not kept anywhere; the export is audited as in chat."""
    ws = workspace(request)
    _, state = await ws.coach(request)
    teacher, t = _teacher(state, request), ws.texts(state.lang)
    await _apply(request, state, Exported(teacher_id=teacher.teacher_id), secrets.token_hex(16))
    name = views.name(state, t, teacher)
    now = ws.app.clock()
    from bot.render.report import render_report  # fpdf2: loaded by the first report made

    pdf = await asyncio.to_thread(
        render_report,
        teacher,
        state.lang,
        generated=now,
        name=name,
        titles=script_titles(state.lang),
    )
    filename = re.sub(r"[^\w-]+", "-", name).strip("-") or "report"
    disposition = f'attachment; filename="llinc-{filename}-{now:%Y-%m-%d}.pdf"'
    return web.Response(
        body=pdf, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )


async def act(request: web.Request) -> web.StreamResponse:
    """A form of the workspace: check the CSRF token, build the typed action, apply it as the
    coach's event, then show the page again (the document as the turn left it)."""
    ws = workspace(request)
    session, state = await ws.coach(request)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    check_csrf(session, form)
    teacher = _teacher(state, request)
    match = request.match_info
    fields: dict[str, Any] = {"teacher_id": teacher.teacher_id}
    if "index" in match:
        no_concern = match["verdict"] == "clear"
        fields |= {"act": "ack", "index": match["index"], "no_concern": no_concern}
        back = "/queue"
    elif request.path.startswith("/contact/"):
        fields |= {"act": "contacted", "session_id": match["sid"]}
        back = form.get("back", "/queue")
    else:
        fields |= {"act": match["act"], "session_id": match["sid"]}
        fields |= {k: form[k] for k in ("scale", "score", "target", "text") if k in form}
        if form.get("delta") in ("-1", "1"):
            fields["delta"] = int(form["delta"])
        back = f"/review/{teacher.teacher_id}/{match['sid']}#{form.get('at', 'top')}"
        if match["act"] == "release" and form.get("confirm") != "yes":  # the box not ticked
            raise web.HTTPSeeOther(back)
    try:
        action = WEB_ACTION.validate_python(fields)
    except ValidationError:
        raise web.HTTPBadRequest() from None
    nonce = form.get("nonce", "")
    await _apply(request, state, action, nonce if NONCE.match(nonce) else secrets.token_hex(16))
    raise web.HTTPSeeOther(back if back.startswith("/") else "/queue")


async def _apply(request: web.Request, state: UserState, action: Any, key: str) -> None:
    """One action as an event of the coach's, through the service (atomic commit, audit); the
    same form sent twice is one event. A turn of the coach's that came first (their chat, a
    job) makes the commit refuse this one: it is tried again on what that turn wrote."""
    event = Inbound(
        event_id=f"web:{state.user_id}:{action.act}:{key}",
        channel=state.channel,
        user_id=state.user_id,
        chat_id=state.chat_id,
        kind="web",
        web=action,
    )
    for attempt in range(WEB_TRIES):
        try:
            await workspace(request).app.service.handle(event)
            break
        except TurnLost:
            if attempt == WEB_TRIES - 1:
                raise
            await asyncio.sleep(0.01 * (attempt + 1))
    log.info("web action=%s coach=%s", action.act, state.user_id)
