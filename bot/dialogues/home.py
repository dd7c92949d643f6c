"""Where the user is: the welcome, the open question or review, or what comes next."""

from __future__ import annotations

from bot.dialogues import coaching, journey
from bot.dialogues import runner as run
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.models.language import Language


def welcome(conv: Conversation, message_id: str = "welcome", prefix: str = "") -> None:
    """The welcome with the consent question, or (`welcome_choose`) only the question again."""
    other: Language = "en" if conv.state.lang == "nl" else "nl"
    conv.say(
        "\n\n".join(filter(None, [prefix, conv.t(message_id)])),
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
    if state.stage == "welcome" and state.pending != "forget":
        welcome(conv, prefix=prefix)
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
    """No session open: where each pupil's path stands and what comes next."""
    journey.overview(conv, prefix)


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
