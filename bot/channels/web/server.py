"""The workspace's aiohttp application: security headers on every answer, sign-in (Telegram's
initData or a `/web` link), sessions in a cookie, CSRF on every form, and the pages
(`bot.channels.web.pages`). Run alone by `llinc web`, beside the bot by `llinc telegram` and
`llinc webhook` when WEB_LISTEN is set, and on 127.0.0.1 by the terminal trial."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.channels.web.auth import Sessions, WebSession, check_init_data, link_coach
from bot.channels.web.texts import WebTexts, web_texts
from bot.dialogues.coaching import login_digest
from bot.models.language import Language
from bot.models.state import UserState
from bot.runtime.app import App

log = logging.getLogger(__name__)
COOKIE = "llinc_session"
HERE = Path(__file__).parent
SAFE_PATH = re.compile(r"^/[A-Za-z0-9/_-]{0,120}$")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make Chrome send "Origin: null"
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WORKSPACE: web.AppKey[Workspace] = web.AppKey("workspace")


class Workspace:
    """What the pages share: the app (store, service, clock), sessions and the bot token."""

    def __init__(self, app: App, bot_token: str) -> None:
        self.app = app
        self.bot_token = bot_token
        self.sessions = Sessions(app.redis, int(app.settings.web_session_hours * 3600))

    def texts(self, lang: str) -> WebTexts:
        return web_texts("nl" if lang == "nl" else "en")

    def guest_texts(self, request: web.Request) -> WebTexts:
        """Before sign-in: the browser's language when it is one of ours."""
        wanted = request.headers.get("Accept-Language", "")[:2].lower()
        default: Language = self.app.settings.default_language  # type: ignore[assignment]
        return self.texts(wanted if wanted in ("nl", "en") else default)

    async def coach(self, request: web.Request) -> tuple[WebSession, UserState]:
        """The signed-in coach and their document (through the store); 401 without a session,
        403 when the user is no coach (any more)."""
        session = await self.sessions.get(request.cookies.get(COOKIE, ""))
        if session is None:
            raise web.HTTPUnauthorized()
        state = await self.app.store.load(session.coach_id)
        if state is None or state.role != "coach":
            raise web.HTTPForbidden()
        return session, state


def make_web_app(app: App, bot_token: str = "") -> web.Application:
    """The workspace as an aiohttp application."""
    from bot.channels.web.pages import add_routes

    application = web.Application(middlewares=[_headers, _errors], client_max_size=64 * 1024)
    application[WORKSPACE] = Workspace(app, bot_token)
    env = aiohttp_jinja2.setup(
        application,
        loader=jinja2.PackageLoader("bot.channels.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["static"] = _static_url
    env.globals["nonce"] = lambda: secrets.token_hex(16)  # a form sent twice is one event
    application.router.add_get("/app", sign_in_page("telegram"))
    application.router.add_get("/login", sign_in_page("link"))
    application.router.add_post("/auth/telegram", auth_telegram)
    application.router.add_post("/auth/link", auth_link)
    application.router.add_post("/logout", logout)
    application.router.add_static("/static", HERE / "static")
    add_routes(application.router)
    return application


@cache
def _static_url(name: str) -> str:
    """A static file's address with its content's hash (a new version is fetched anew)."""
    tag = hashlib.sha256((HERE / "static" / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={tag}"


def workspace(request: web.Request) -> Workspace:
    return request.app[WORKSPACE]


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Strict headers on every answer, errors too; a POST from another origin is refused."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and urlsplit(origin).netloc != request.host:
        response: web.StreamResponse = web.Response(status=403, text="cross-origin")
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(HEADERS)
            raise
    response.headers.update(HEADERS)
    return response


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A page in words for 400, 401, 403 and 404 (nothing of the request echoed)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        keys = {400: "bad_request", 401: "sign_in_failed", 403: "forbidden", 404: "not_found"}
        if exc.status not in keys or request.path.startswith("/auth/"):
            raise
        t = workspace(request).guest_texts(request)
        context = {"t": t, "message": t(keys[exc.status]), "signed_in": exc.status != 401}
        return aiohttp_jinja2.render_template("error.html", request, context, status=exc.status)


def sign_in_page(via: str) -> Handler:
    """The page that hands the initData (Mini App) or the link's token (browser) to the
    server: both stay out of the URL the server sees (Telegram and the link put them after
    '#')."""

    async def page(request: web.Request) -> web.StreamResponse:
        to = request.query.get("to", "/queue")
        to = to if SAFE_PATH.match(to) and not to.startswith("//") else "/queue"
        if via == "telegram" and await workspace(request).sessions.get(
            request.cookies.get(COOKIE, "")
        ):
            raise web.HTTPSeeOther(to)
        t = workspace(request).guest_texts(request)
        context = {"t": t, "via": via, "to": to, "signed_in": False}
        return aiohttp_jinja2.render_template("signin.html", request, context)

    return page


async def _signed_in(request: web.Request, coach_id: int, via: str, to: str) -> web.Response:
    ws = workspace(request)
    cookie = await ws.sessions.start(coach_id, "telegram" if via == "telegram" else "link")
    response = web.json_response({"to": to if SAFE_PATH.match(to) else "/queue"})
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=ws.sessions.ttl_s,
        path="/",
        secure=True,
        httponly=True,
        # Telegram Web shows a Mini App in a frame of another site: its cookie must be sent
        # there too (CSRF tokens guard every form). A browser's sign-in stays first-party.
        samesite="None" if via == "telegram" else "Lax",
    )
    log.info("web sign-in coach=%s via=%s", coach_id, via)
    return response


async def _refused(request: web.Request, key: str, status: int = 403) -> web.Response:
    t = workspace(request).guest_texts(request)
    return web.json_response({"error": t(key)}, status=status)


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def auth_telegram(request: web.Request) -> web.Response:
    """Sign in with a Mini App's initData (checked as Telegram documents it)."""
    ws = workspace(request)
    if not await ws.sessions.attempt(request.remote or "?", ws.app.settings.web_login_attempts):
        return await _refused(request, "sign_in_too_many", 429)
    form = await _form(request)
    max_age = ws.app.settings.web_initdata_max_age_s
    user = None
    if ws.bot_token:
        user = check_init_data(form.get("init_data", ""), ws.bot_token, ws.app.clock(), max_age)
    state = await ws.app.store.load(user.user_id) if user else None
    if user is None or state is None or state.role != "coach":
        return await _refused(request, "mini_app_failed")
    if not await ws.sessions.init_data_used(user, max_age):
        return await _refused(request, "mini_app_failed")  # a replay
    return await _signed_in(request, user.user_id, "telegram", form.get("to", "/queue"))


async def auth_link(request: web.Request) -> web.Response:
    """Sign in with a `/web` link: the coach's document holds its digest, unexpired; the
    first use spends it."""
    ws = workspace(request)
    if not await ws.sessions.attempt(request.remote or "?", ws.app.settings.web_login_attempts):
        return await _refused(request, "sign_in_too_many", 429)
    token = (await _form(request)).get("token", "")
    coach_id = link_coach(token)
    state = await ws.app.store.load(coach_id) if coach_id is not None else None
    until = state.web_logins.get(login_digest(token)) if state else None
    now = ws.app.clock()
    if coach_id is None or state is None or state.role != "coach" or until is None:
        return await _refused(request, "sign_in_failed")
    left = int((until - now).total_seconds())
    if left <= 0 or not await ws.sessions.link_used(token, left):
        return await _refused(request, "sign_in_failed")
    return await _signed_in(request, coach_id, "link", "/queue")


async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out (a form with the CSRF token)."""
    session, _ = await workspace(request).coach(request)
    check_csrf(session, await _form(request))
    await workspace(request).sessions.end(request.cookies.get(COOKIE, ""))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def check_csrf(session: WebSession, form: dict[str, str]) -> None:
    """403 unless the form carries this session's CSRF token."""
    if not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
        raise web.HTTPForbidden()


def context(t: WebTexts, session: WebSession, **values: Any) -> dict[str, Any]:
    """What every signed-in page's template gets."""
    return {"t": t, "csrf": session.csrf, "signed_in": True, **values}


async def start_web(app: App, listen: str, bot_token: str = "") -> web.AppRunner:
    """Serve the workspace on `listen` (host:port) until the runner is cleaned up. No access
    log: a path names nothing secret, but the workspace keeps its own quiet log lines."""
    runner = web.AppRunner(
        make_web_app(app, bot_token), handle_signals=False, access_log=None, shutdown_timeout=2.0
    )
    await runner.setup()
    host, _, port = listen.rpartition(":")
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    log.info("web workspace on %s", listen)
    return runner
