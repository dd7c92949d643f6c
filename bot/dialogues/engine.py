"""The pure conversation engine: (state, event, context) -> (new state, replies, jobs).

No Telegram, no Redis, no clock of its own. Expected user mistakes (media, unknown commands,
old buttons, messages that are too long) are replies, never exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.dialogues import alerts as safeguarding
from bot.dialogues import coaching, flows
from bot.dialogues import runner as run
from bot.dialogues.conversation import Context, Conversation, parse_callback
from bot.dialogues.probes import words
from bot.dialogues.script import load_texts
from bot.models.events import Document, Inbound, Outbound
from bot.models.jobs import Job
from bot.models.language import LANGUAGES, Language
from bot.models.state import AccessRecord, Session, UserState

INTERVIEW = "interview"
COMMANDS = (
    "start",
    "help",
    "back",
    "skip",
    "pause",
    "status",
    "stop",
    "language",
    "mydata",
    "forget",
)
WELCOME_COMMANDS = frozenset({"start", "help", "language", "mydata", "forget"})


@dataclass
class Step:
    """The outcome of one event: the new state (None = forget the user), replies and jobs."""

    state: UserState | None
    replies: list[Outbound] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    forget: bool = False
    invites: list[str] = field(default_factory=list)
    unsee: list[int] = field(default_factory=list)  # see Conversation.unsee


def language_for(code: str | None, default: Language) -> Language:
    """The bot language for a Telegram client language code ('nl-BE' -> 'nl')."""
    prefix = (code or "").lower()[:2]
    return prefix if prefix in LANGUAGES else default


def new_state(event: Inbound, ctx: Context) -> UserState:
    """The document of a user the bot has not seen before."""
    return UserState(
        user_id=event.user_id,
        chat_id=event.chat_id,
        channel=event.channel,
        lang=language_for(event.language_code, ctx.default_language),
        lang_chosen=event.kind != "internal",
        created_at=ctx.now,
        last_seen=ctx.now,
    )


def step(state: UserState | None, event: Inbound, ctx: Context) -> Step:
    """Apply one event to a user's state."""
    if event.kind == "internal":
        return _internal(state, event, ctx)
    conv = Conversation(state or new_state(event, ctx), event, ctx)
    if not conv.state.lang_chosen:  # created by another user's event: adopt the client's
        conv.state.lang = language_for(event.language_code, conv.state.lang)
        conv.state.lang_chosen = True
    _remember_name(conv)
    idle = ctx.now - conv.state.last_seen
    if event.kind == "button":
        _on_button(conv)
    elif event.kind == "command":
        _on_command(conv, event.command or "")
    elif event.kind == "media":
        _on_media(conv, event.media or "")
    elif event.kind == "edited":
        conv.say(conv.t("edited"))
    elif event.kind == "text":
        _on_text(conv, event.text, greeting=idle >= ctx.idle_greeting)
    if event.kind in ("button", "command", "text"):
        conv.state.last_seen = ctx.now
    if conv.forget:
        return Step(None, conv.replies, [], forget=True)
    return Step(conv.state, conv.replies, conv.jobs, invites=conv.invites)


def _remember_name(conv: Conversation) -> None:
    """Keep the user's Telegram name current; a teacher's coach hears of a change (the coach
    shows teachers by first name, never by id)."""
    name, initial = conv.event.user_name.strip(), conv.event.user_last_initial.strip()
    if not name or (conv.state.name, conv.state.last_initial) == (name, initial):
        return
    conv.state.name, conv.state.last_initial = name, initial
    if conv.state.coach_id is not None and not coaching.is_coach(conv.state):
        conv.tell(conv.state.coach_id, "teacher_name", name=name, last_initial=initial)


_INTERNAL = {
    "make_coach": coaching.on_make_coach,
    "teacher_linked": coaching.on_teacher_linked,
    "teacher_name": coaching.on_teacher_name,
    "draft_ready": coaching.on_draft_ready,
    "teacher_withdrew": coaching.on_teacher_withdrew,
    "plan_submitted": coaching.on_plan_submitted,
    "checkin_submitted": coaching.on_checkin_submitted,
    "retention_notice": coaching.on_retention_notice,
    "access": coaching.on_access,
    "safeguarding": safeguarding.on_alert,
    "profile_released": flows.on_profile_released,
}


def _internal(state: UserState | None, event: Inbound, ctx: Context) -> Step:
    """An event from another user's turn (a coach's release, a teacher's draft...)."""
    payload = coaching.internal_payload(event.data)
    if payload is None or payload["type"] not in _INTERNAL:
        return Step(state)
    if state is None and payload["type"] != "make_coach":
        return Step(None)  # the addressee deleted their data: nothing to keep
    conv = Conversation(state or new_state(event, ctx), event, ctx)
    _INTERNAL[payload["type"]](conv, payload)
    return Step(conv.state, conv.replies, conv.jobs, unsee=conv.unsee)


def _welcome(conv: Conversation, message_id: str = "welcome") -> None:
    """The welcome with the consent question, or (`welcome_choose`) only the question again."""
    other: Language = "en" if conv.state.lang == "nl" else "nl"
    conv.say(
        conv.t(message_id),
        [
            [conv.button(conv.t("consent_yes"), "consent", "yes")],
            [
                conv.button(conv.t("consent_no"), "consent", "no"),
                conv.button(conv.t("switch_language"), "lang", other),
            ],
        ],
    )


def where_we_are(conv: Conversation, prefix: str = "") -> None:
    """Show the user where they are: the open question, the review, or what comes next."""
    state = conv.state
    if state.stage == "welcome":
        _welcome(conv)
        return
    if state.stage == "stopped":
        conv.say(conv.t("stopped_hint"))
        return
    session = state.session()
    if state.pending == "forget":
        _confirm_forget(conv)
        return
    if session is None and coaching.is_coach(state):
        conv.say("\n\n".join(filter(None, [prefix, conv.t("coach_home")])))
        return
    if session is None:
        _nothing_open(conv, prefix)
        return
    if state.pending == "forget":
        _confirm_forget(conv)
    elif session.status == "review" and state.pending == "review_pick":
        run.review_pick(conv, session)
    elif session.status == "review" and state.pending == "review_edit":
        run.pick(conv, session, session.position)
    elif session.status == "review":
        run.review_actions(conv, session)
    else:
        run.ask(conv, session, prefix)


def _nothing_open(conv: Conversation, prefix: str) -> None:
    done = [s for s in conv.state.sessions if s.status == "submitted"]
    if done:
        text = conv.t("done_waiting", pupil=run.pupil_name(conv, done[-1]))
    else:
        text = conv.t("status_none")
    conv.say("\n\n".join(filter(None, [prefix, text])))


def _on_text(conv: Conversation, text: str, greeting: bool) -> None:
    text = text.strip()
    state = conv.state
    if not text:
        conv.say(conv.t("empty"))
        return
    if len(text) > conv.ctx.max_answer_chars:
        conv.say(conv.t("too_long", length=len(text), limit=conv.ctx.max_answer_chars))
        return
    if state.pending == "coach_note":
        coaching.take_note(conv, text)
        return
    if state.stage == "welcome":
        _typed_consent(conv, text)
        return
    session = state.session()
    if state.stage != "active" or session is None or state.pending == "forget":
        where_we_are(conv)
        return
    if state.paused or (greeting and _is_greeting(conv, text)):
        state.paused = False
        where_we_are(conv, conv.t("welcome_back"))
        return
    if session.status == "review" and state.pending != "review_edit":
        run.review_actions(conv, session)
        return
    run.take_answer(conv, session, text)


def _typed_consent(conv: Conversation, text: str) -> None:
    """A typed answer to the consent question: "ja" or "nee" (in either language) count as
    its buttons; anything else asks the question again, briefly."""
    texts = [load_texts(lang) for lang in LANGUAGES]
    if _one_of(text, [phrase for t in texts for phrase in t.yes_words]):
        _consent(conv, "yes")
    elif _one_of(text, [phrase for t in texts for phrase in t.no_words]):
        _consent(conv, "no")
    else:
        _welcome(conv, "welcome_choose")


def _one_of(text: str, phrases: list[str]) -> bool:
    """Whether the text is one of the phrases, give or take case and punctuation."""
    said = " ".join(words(text))
    return any(said == " ".join(words(phrase)) for phrase in phrases)


def _is_greeting(conv: Conversation, text: str) -> bool:
    return _one_of(text, conv.texts.greetings)


def _on_media(conv: Conversation, media: str) -> None:
    message = {"voice": "media_voice", "audio": "media_voice", "sticker": "media_sticker"}
    conv.say(conv.t(message.get(media, "media_other")))


def _on_command(conv: Conversation, command: str) -> None:
    state = conv.state
    if command == "addcoach":
        coaching.add_coach(conv, conv.event.text)
        return
    if command in coaching.COACH_COMMANDS:
        {"invite": coaching.invite, "queue": coaching.queue, "export": coaching.export}[command](
            conv
        )
        return
    if command not in COMMANDS:
        conv.say(conv.t("unknown_command", command=f"/{command}") + "\n\n" + conv.t("help"))
        return
    if state.stage == "welcome" and command not in WELCOME_COMMANDS:
        _welcome(conv, "welcome_choose")
        return
    handler = {
        "start": _start,
        "help": lambda c: c.say(c.t("coach_help" if coaching.is_coach(c.state) else "help")),
        "language": _pick_language,
        "status": _status,
        "pause": _pause,
        "stop": _stop,
        "mydata": _mydata,
        "forget": _confirm_forget,
        "back": lambda c: _in_session(c, _back),
        "skip": lambda c: _in_session(c, _skip),
    }[command]
    handler(conv)


def _start(conv: Conversation) -> None:
    state = conv.state
    if conv.event.text and not coaching.is_coach(state):
        if conv.ctx.redeemed_coach is not None:
            code = conv.event.text.split()[0]
            if code not in state.invite_codes:  # its record names this teacher until /forget
                state.invite_codes.append(code)
            flows.link_coach(conv, conv.ctx.redeemed_coach)
        else:
            conv.say(conv.t("invite_invalid"))
    if state.stage == "stopped":
        state.stage = "active"
        where_we_are(conv, conv.t("welcome_back"))
    elif state.stage == "active":
        state.paused = False
        where_we_are(conv, conv.t("welcome_back"))
    else:
        _welcome(conv)


def _in_session(conv: Conversation, action: object) -> None:
    session = conv.state.session()
    if conv.state.stage != "active" or session is None or conv.state.pending == "forget":
        where_we_are(conv)
        return
    conv.state.paused = False
    action(conv, session)  # type: ignore[operator]


def _back(conv: Conversation, session: Session) -> None:
    if session.status == "review":
        run.review_pick(conv, session)
    else:
        run.back(conv, session)


def _skip(conv: Conversation, session: Session) -> None:
    if session.status == "review" and conv.state.pending != "review_edit":
        run.review_actions(conv, session)
    else:
        run.skip(conv, session)


def _pick_language(conv: Conversation) -> None:
    rows = [[conv.button(conv.t(f"lang_{lang}"), "lang", lang) for lang in LANGUAGES]]
    conv.say(conv.t("language_pick"), rows)


def _status(conv: Conversation) -> None:
    state = conv.state
    session = state.session()
    if session is None:
        _nothing_open(conv, "")
        return
    pupil = run.pupil_name(conv, session)
    if session.status == "review":
        conv.say(conv.t("status_review", pupil=pupil))
        return
    script = run.session_script(conv, session)
    counted = script.counted
    answered = [i for i in counted if i.id in session.answers and session.answers[i.id].parts]
    skipped = [i for i in counted if i.id in session.answers and session.answers[i.id].skipped]
    item = script.items[session.position]
    where = (
        run.progress(conv, session, item) if item.section != "intake" else conv.t("status_intake")
    )
    conv.say(
        conv.t(
            "status_active",
            pupil=pupil or "…",
            answered=len(answered),
            total=len(counted),
            skipped=len(skipped),
            where=where,
        )
    )


def _pause(conv: Conversation) -> None:
    conv.state.paused = True
    conv.say(conv.t("paused"))


def _stop(conv: Conversation) -> None:
    conv.state.stage = "stopped"
    conv.state.paused = False
    conv.say(conv.t("stopped"))


def _mydata(conv: Conversation) -> None:
    conv.state.access_log.append(
        AccessRecord(at=conv.ctx.now, who="you", action="exported", what="/mydata")
    )
    content = json.dumps(conv.state.model_dump(mode="json"), ensure_ascii=False, indent=2)
    document = Document(filename="llinc-my-data.json", content=content.encode())
    conv.say(conv.t("mydata_caption"), document=document)


def _confirm_forget(conv: Conversation) -> None:
    conv.state.pending = "forget"
    conv.say(
        conv.t("forget_confirm"),
        [
            [conv.button(conv.t("forget_yes"), "forget", "yes")],
            [conv.button(conv.t("forget_no"), "forget", "no")],
        ],
    )


def _on_button(conv: Conversation) -> None:
    parsed = parse_callback(conv.event.data)
    if parsed is None or parsed[0] != conv.state.menu:
        where_we_are(conv, conv.t("old_button"))
        return
    _, action, arg = parsed
    handled = _BUTTONS.get(action, _stale)(conv, arg)
    if handled is False:
        where_we_are(conv, conv.t("old_button"))


def _stale(conv: Conversation, arg: str) -> bool:
    return False


def _consent(conv: Conversation, arg: str) -> bool:
    if conv.state.stage != "welcome" or arg not in ("yes", "no"):
        return False
    if arg == "no":
        conv.say(conv.t("declined"))
        conv.forget = True
        return True
    conv.state.stage = "active"
    conv.state.consent_at = conv.ctx.now
    session = run.start_session(conv, INTERVIEW, slot=1)
    run.ask(conv, session, conv.t("intro"))
    return True


def _language(conv: Conversation, arg: str) -> bool:
    if arg not in LANGUAGES:
        return False
    conv.state.lang = arg
    conv.state.lang_chosen = True
    if conv.state.stage == "welcome":
        _welcome(conv)
    else:
        where_we_are(conv, conv.t("language_set"))
    return True


def _forget(conv: Conversation, arg: str) -> bool:
    if conv.state.pending != "forget" or arg not in ("yes", "no"):
        return False
    conv.state.pending = None
    if arg == "yes":
        if conv.state.coach_id is not None:
            conv.tell(conv.state.coach_id, "teacher_withdrew")
        conv.say(conv.t("forget_done"))
        conv.forget = True
    else:
        where_we_are(conv, conv.t("forget_kept"))
    return True


def _session_button(conv: Conversation, action: str, arg: str) -> bool:
    session = conv.state.session()
    if session is None or conv.state.stage != "active" or conv.state.pending == "forget":
        return False
    conv.state.paused = False
    if action == "keep" and session.status == "active":
        run.keep(conv, session)
    elif action == "submit" and session.status == "review":
        run.submit(conv, session)
        flows.on_submitted(conv, session)
    elif action == "done" and session.status == "active":
        return run.list_done(conv, session)
    elif action == "change" and session.status == "review":
        run.review_pick(conv, session)
    elif action == "show" and session.status == "review":
        run.show_review(conv, session)
    elif action == "pick" and session.status == "review" and arg.isdigit():
        run.pick(conv, session, int(arg))
    else:
        return False
    return True


_BUTTONS = {
    "consent": _consent,
    "lang": _language,
    "forget": _forget,
    "keep": lambda c, a: _session_button(c, "keep", a),
    "submit": lambda c, a: _session_button(c, "submit", a),
    "change": lambda c, a: _session_button(c, "change", a),
    "show": lambda c, a: _session_button(c, "show", a),
    "pick": lambda c, a: _session_button(c, "pick", a),
    "done": lambda c, a: _session_button(c, "done", a),
    "second": lambda c, a: c.state.stage == "active" and flows.start_second_pupil(c),
    "open": lambda c, a: _coach_button(c, coaching.show_review, a),
    "scale": lambda c, a: _coach_button(c, coaching.open_scale, a),
    "adj": lambda c, a: _coach_button(c, coaching.adjust, a),
    "note": lambda c, a: _coach_button(c, coaching.ask_note, a),
    "back": lambda c, a: _coach_button(c, coaching.back, a),
    "release": lambda c, a: _coach_button(c, coaching.release, a),
    "history": lambda c, a: _coach_button(c, coaching.history, a),
    "export": lambda c, a: _coach_button(c, coaching.export_teacher, a),
    "ack": lambda c, a: _coach_button(c, safeguarding.acknowledge, a),
}


def _coach_button(conv: Conversation, action: object, arg: str) -> bool:
    if not coaching.is_coach(conv.state):
        return False
    conv.state.pending = None
    return bool(action(conv, arg))  # type: ignore[operator]
