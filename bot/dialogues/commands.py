"""What a command does (/start, /status, /back ...): the teacher's and the coach's."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.dialogues import coaching, flows, invites, journey
from bot.dialogues import runner as run
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.dialogues.home import confirm_forget, nothing_open, welcome, where_we_are
from bot.models.events import Document
from bot.models.language import LANGUAGES
from bot.models.state import AccessRecord, Session

COMMANDS = (
    "start",
    "help",
    "back",
    "skip",
    "pause",
    "status",
    "plan",
    "newpupil",
    "stop",
    "language",
    "mydata",
    "forget",
)

WELCOME_COMMANDS = frozenset({"start", "help", "language", "mydata", "forget"})


def on_command(conv: Conversation, command: str) -> None:
    """A command, or a kind word for one the bot does not know."""
    state = conv.state
    if command == "addcoach":
        coaching.add_coach(conv, conv.event.text)
        return
    if command in coaching.COACH_COMMANDS:
        coach_commands = {
            "invite": invites.invite,
            "queue": coaching.queue,
            "export": coaching.export,
            "web": coaching.web_login,
        }
        coach_commands[command](conv)
        return
    if command not in COMMANDS:
        conv.say(conv.t("unknown_command", command=f"/{command}") + "\n\n" + conv.t("help"))
        return
    if state.stage == "welcome" and command not in WELCOME_COMMANDS:
        welcome(conv, "welcome_choose")
        return
    _COMMANDS[command](conv)


def _start(conv: Conversation) -> None:
    state = conv.state
    if conv.event.text.split() and not coaching.is_coach(state):
        invites.ask_to_join(conv, conv.event.text.split()[0])
    if state.stage == "stopped":
        state.stage = "active"
        where_we_are(conv, conv.t("welcome_back"))
    elif state.stage == "active":
        state.paused = False
        where_we_are(conv, conv.t("welcome_back"))
    else:
        welcome(conv)


def _in_session(conv: Conversation, action: Callable[[Conversation, Session], None]) -> None:
    session = conv.state.session()
    if conv.state.stage != "active" or session is None or conv.state.pending == "forget":
        where_we_are(conv)
        return
    conv.state.paused = False
    action(conv, session)


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
    rows = [[conv.button(conv.t(f"lang_{lang}"), Action.LANGUAGE, lang) for lang in LANGUAGES]]
    conv.say(conv.t("language_pick"), rows)


def _status(conv: Conversation) -> None:
    state = conv.state
    session = state.session()
    if session is None:
        nothing_open(conv, "")
        return
    script = run.session_script(conv, session)
    pupil = run.pupil_name(conv, session)
    title = script.title.format(pupil=pupil) if pupil else conv.t("status_title_new")
    elsewhere = [line for line in journey.others(conv, session) if line]
    if session.status == "review":
        conv.say("\n\n".join([conv.t("status_review", title=title), *elsewhere]))
        return
    counted = script.counted
    answered = [i for i in counted if i.id in session.answers and session.answers[i.id].parts]
    skipped = [i for i in counted if i.id in session.answers and session.answers[i.id].skipped]
    item = script.items[session.position]
    where = (
        run.progress(conv, session, item) if item.section != "intake" else conv.t("status_intake")
    )
    where = where[:1].lower() + where[1:]  # «We zijn bij: vraag 4 van 12.», mid-sentence
    status = conv.t(
        "status_active",
        title=title,
        answered=len(answered),
        total=len(counted),
        skipped=len(skipped),
        where=where,
    )
    conv.say("\n\n".join([status, *elsewhere]))


def _new_pupil(conv: Conversation) -> None:
    """/newpupil: the next pupil starts, once the previous pupil's plan is done; else why not."""
    state = conv.state
    if coaching.is_coach(state):
        conv.say(conv.t("coach_home"))
    elif flows.start_second_pupil(conv):
        return
    elif state.session() is not None:
        where_we_are(conv, conv.t("newpupil_busy"))
    elif len(journey.slots(state)) >= journey.MAX_PUPILS:
        conv.say(conv.t("newpupil_two_done"))
    elif journey.slots(state):
        nothing_open(conv, conv.t("newpupil_after_plan"))
    else:
        nothing_open(conv, "")


def _plan(conv: Conversation) -> None:
    """/plan: the teacher's action plans (the newest first), in her own words."""
    plans = [
        s
        for s in reversed(conv.state.sessions)
        if s.script_id == flows.REFLECTION and s.status == "submitted"
    ]
    if not plans:
        conv.say(conv.t("plan_none"))
        return
    conv.say("\n\n---\n\n".join(flows.plan_summary(conv, s) for s in plans))


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


def _help(conv: Conversation) -> None:
    conv.say(conv.t("coach_help" if coaching.is_coach(conv.state) else "help"))


_COMMANDS: dict[str, Callable[[Conversation], None]] = {
    "start": _start,
    "help": _help,
    "language": _pick_language,
    "status": _status,
    "plan": _plan,
    "newpupil": _new_pupil,
    "pause": _pause,
    "stop": _stop,
    "mydata": _mydata,
    "forget": confirm_forget,
    "back": lambda conv: _in_session(conv, _back),
    "skip": lambda conv: _in_session(conv, _skip),
}
