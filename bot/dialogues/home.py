"""Where the user is: the welcome, the open question or review, or what comes next."""

from __future__ import annotations

from bot.dialogues import coaching
from bot.dialogues import runner as run
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.models.language import Language


def welcome(conv: Conversation, message_id: str = "welcome") -> None:
    """The welcome with the consent question, or (`welcome_choose`) only the question again."""
    other: Language = "en" if conv.state.lang == "nl" else "nl"
    conv.say(
        conv.t(message_id),
        [
            [conv.button(conv.t("consent_yes"), Action.CONSENT, "yes")],
            [
                conv.button(conv.t("consent_no"), Action.CONSENT, "no"),
                conv.button(conv.t("switch_language"), Action.LANGUAGE, other),
            ],
        ],
    )


def where_we_are(conv: Conversation, prefix: str = "") -> None:
    """Show the user where they are: the open question, the review, or what comes next."""
    state = conv.state
    if state.stage == "welcome":
        welcome(conv)
        return
    if state.stage == "stopped":
        conv.say(conv.t("stopped_hint"))
        return
    session = state.session()
    if state.pending == "forget":
        confirm_forget(conv)
        return
    if session is None and coaching.is_coach(state):
        conv.say("\n\n".join(filter(None, [prefix, conv.t("coach_home")])))
        return
    if session is None:
        nothing_open(conv, prefix)
        return
    if session.status == "review" and state.pending == "review_pick":
        run.review_pick(conv, session)
    elif session.status == "review" and state.pending == "review_edit":
        run.pick(conv, session, session.position)
    elif session.status == "review":
        run.review_actions(conv, session)
    else:
        run.ask(conv, session, prefix)


def nothing_open(conv: Conversation, prefix: str) -> None:
    """No session open: the profile is with the coach, or nothing has started."""
    done = [s for s in conv.state.sessions if s.status == "submitted"]
    if done:
        text = conv.t("done_waiting", pupil=run.pupil_name(conv, done[-1]))
    else:
        text = conv.t("status_none")
    conv.say("\n\n".join(filter(None, [prefix, text])))


def confirm_forget(conv: Conversation) -> None:
    """Ask whether to delete everything (buttons: yes / no)."""
    conv.state.pending = "forget"
    conv.say(
        conv.t("forget_confirm"),
        [
            [conv.button(conv.t("forget_yes"), Action.FORGET, "yes")],
            [conv.button(conv.t("forget_no"), Action.FORGET, "no")],
        ],
    )
