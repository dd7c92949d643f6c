"""What a pressed button does. Each handler returns False when the button no longer fits
(the user moved on, it belongs to another state): the user then sees where they are."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogues import alerts as safeguarding
from bot.dialogues import coach_inbox, coach_review, coaching, flows
from bot.dialogues import runner as run
from bot.dialogues.callbacks import Action, Callback
from bot.dialogues.conversation import Conversation
from bot.dialogues.home import welcome, where_we_are
from bot.models.internal import TeacherName, TeacherWithdrew
from bot.models.language import LANGUAGES
from bot.models.state import Session

INTERVIEW = "interview"
ButtonHandler = Callable[[Conversation, str], bool]
SessionAction = Callable[[Conversation, Session, str], bool]


# Buttons that stay valid after later keyboards: they check for themselves that they fit.
STANDING = frozenset({Action.SECOND_PUPIL, Action.READ})


def on_button(conv: Conversation) -> None:
    """A button press: its handler, if the button is from the menu shown last (or standing)."""
    pressed = Callback.unpack(conv.event.data)
    if pressed is None or (pressed.menu != conv.state.menu and pressed.action not in STANDING):
        _old(conv)
        return
    if not _BUTTONS[pressed.action](conv, pressed.arg):
        _old(conv)


def _old(conv: Conversation) -> None:
    """An old or forged button: say so, and where we are (before consent: why the welcome)."""
    welcoming = conv.state.stage == "welcome" and conv.state.pending is None
    where_we_are(conv, conv.t("old_button_welcome" if welcoming else "old_button"))


def consent(conv: Conversation, arg: str) -> bool:
    """Yes: the interview starts; no: nothing is kept."""
    if conv.state.stage != "welcome" or arg not in ("yes", "no"):
        return False
    if arg == "no":
        conv.say(conv.t("declined"))
        conv.forget = True
        return True
    conv.state.stage = "active"
    conv.state.consent_at = conv.ctx.now
    if conv.state.coach_id is not None and conv.state.name:  # a name changed since the join
        name, initial = conv.state.name, conv.state.last_initial
        conv.tell(conv.state.coach_id, TeacherName(name=name, last_initial=initial))
    session = run.start_session(conv, INTERVIEW, slot=1)
    run.ask(conv, session, conv.t("intro"))
    return True


def language(conv: Conversation, arg: str) -> bool:
    """Switch the language the bot speaks."""
    if arg not in LANGUAGES:
        return False
    conv.state.lang = arg
    conv.state.lang_chosen = True
    if conv.state.stage == "welcome":
        welcome(conv)
    else:
        where_we_are(conv, conv.t("language_set"))
    return True


def forget(conv: Conversation, arg: str) -> bool:
    """The answer to «delete everything?»."""
    if conv.state.pending != "forget" or arg not in ("yes", "no"):
        return False
    conv.state.pending = None
    if arg == "yes":
        if conv.state.coach_id is not None:
            conv.tell(conv.state.coach_id, TeacherWithdrew())
        conv.say(conv.t("forget_done"))
        conv.forget = True
    else:
        where_we_are(conv, conv.t("forget_kept"))
    return True


def _in_session(action: SessionAction, status: str) -> ButtonHandler:
    """A button of the open session, valid while the session is in `status`."""

    def handle(conv: Conversation, arg: str) -> bool:
        session = conv.state.session()
        if session is None or conv.state.stage != "active" or conv.state.pending == "forget":
            return False
        if session.status != status:
            return False
        conv.state.paused = False
        return action(conv, session, arg)

    return handle


def _keep(conv: Conversation, session: Session, arg: str) -> bool:
    run.keep(conv, session)
    return True


def _submit(conv: Conversation, session: Session, arg: str) -> bool:
    run.submit(conv, session)
    flows.on_submitted(conv, session)
    return True


def _done(conv: Conversation, session: Session, arg: str) -> bool:
    return run.list_done(conv, session)


def _choice(conv: Conversation, session: Session, arg: str) -> bool:
    return run.choose(conv, session, arg)


def _change(conv: Conversation, session: Session, arg: str) -> bool:
    run.review_pick(conv, session)
    return True


def _show(conv: Conversation, session: Session, arg: str) -> bool:
    run.show_review(conv, session)
    return True


def _pick(conv: Conversation, session: Session, arg: str) -> bool:
    if not arg.isdigit():
        return False
    run.pick(conv, session, int(arg))
    return True


def _second_pupil(conv: Conversation, arg: str) -> bool:
    return conv.state.stage == "active" and flows.start_second_pupil(conv)


def _read(conv: Conversation, arg: str) -> bool:
    """«I've read it» under a released profile: session 2 begins."""
    return conv.state.stage == "active" and flows.start_reflection(conv, arg)


def _coach(action: ButtonHandler) -> ButtonHandler:
    """A coach's button: only for coaches; it ends any note the coach was about to type."""

    def handle(conv: Conversation, arg: str) -> bool:
        if not coaching.is_coach(conv.state):
            return False
        conv.state.pending = None
        return action(conv, arg)

    return handle


_BUTTONS: dict[Action, ButtonHandler] = {
    Action.CONSENT: consent,
    Action.LANGUAGE: language,
    Action.FORGET: forget,
    Action.KEEP: _in_session(_keep, "active"),
    Action.SUBMIT: _in_session(_submit, "review"),
    Action.DONE: _in_session(_done, "active"),
    Action.CHOICE: _in_session(_choice, "active"),
    Action.CHANGE: _in_session(_change, "review"),
    Action.SHOW: _in_session(_show, "review"),
    Action.PICK: _in_session(_pick, "review"),
    Action.SECOND_PUPIL: _second_pupil,
    Action.READ: _read,
    Action.OPEN: _coach(coach_review.show_review),
    Action.SCALE: _coach(coach_review.open_scale),
    Action.ADJUST: _coach(coach_review.adjust),
    Action.NOTE: _coach(coach_review.ask_note),
    Action.BACK: _coach(coach_review.back),
    Action.RELEASE: _coach(coach_review.release),
    Action.REOPEN: _coach(coach_review.reopen),
    Action.CONTACTED: _coach(coach_inbox.contacted),
    Action.HISTORY: _coach(coach_review.history),
    Action.EXPORT: _coach(coaching.export_teacher),
    Action.ACKNOWLEDGE: _coach(safeguarding.acknowledge),
}
