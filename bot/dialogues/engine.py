"""The pure conversation engine: (state, event, context) -> (new state, replies, jobs).

No Telegram, no Redis, no clock of its own. Expected user mistakes (media, unknown commands,
old buttons, messages that are too long) are replies, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The modules whose `@handles` apply internal events (imported for that).
from bot.dialogues import alerts, coach_inbox, coach_review, coaching, flows, invites  # noqa: F401
from bot.dialogues import runner as run
from bot.dialogues.buttons import consent, on_button
from bot.dialogues.coach_web import apply_web
from bot.dialogues.commands import on_command
from bot.dialogues.conversation import Context, Conversation
from bot.dialogues.home import welcome, where_we_are
from bot.dialogues.probes import words
from bot.dialogues.script import load_texts
from bot.dialogues.told import apply_told
from bot.models.events import Inbound, Outbound
from bot.models.internal import (
    JoinAnswer,
    JoinRequest,
    MakeCoach,
    TeacherName,
)
from bot.models.jobs import Job
from bot.models.language import LANGUAGES, Language
from bot.models.state import Session, UserState


@dataclass
class Step:
    """The outcome of one event: the new state (None = forget the user), replies and jobs."""

    state: UserState | None
    replies: list[Outbound] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    forget: bool = False
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
    if event.kind in ("internal", "web"):
        return (_internal if event.kind == "internal" else _web)(state, event, ctx)
    conv = Conversation(state or new_state(event, ctx), event, ctx)
    if not conv.state.lang_chosen:  # created by another user's event: adopt the client's
        conv.state.lang = language_for(event.language_code, conv.state.lang)
        conv.state.lang_chosen = True
    _remember_name(conv)
    idle = ctx.now - conv.state.last_seen
    if event.kind == "button":
        on_button(conv)
    elif event.kind == "command":
        on_command(conv, event.command or "")
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
    state = conv.state if conv.state.consented else conv.state.before_consent()
    return Step(state, conv.replies, conv.jobs)


def _remember_name(conv: Conversation) -> None:
    """Keep the user's Telegram name current; a teacher's coach hears of a change (the coach
    shows teachers by first name, never by id)."""
    name, initial = conv.event.user_name.strip(), conv.event.user_last_initial.strip()
    if not name or (conv.state.name, conv.state.last_initial) == (name, initial):
        return
    conv.state.name, conv.state.last_initial = name, initial
    if conv.state.coach_id is not None and conv.state.consent_at is not None:
        conv.tell(conv.state.coach_id, TeacherName(name=name, last_initial=initial))


def _internal(state: UserState | None, event: Inbound, ctx: Context) -> Step:
    """An event from another user's turn (a coach's release, a teacher's draft...)."""
    told = event.internal
    if told is None:
        return Step(state)
    conv = Conversation(state or new_state(event, ctx), event, ctx)
    if state is None and isinstance(told, MakeCoach) and told.lang is not None:
        conv.state.lang = told.lang  # a coach the bot has not met: the admin's language
    if state is None and not isinstance(told, MakeCoach):
        if isinstance(told, JoinRequest):  # no such coach (any more): the teacher hears so
            conv.tell(told.sender, JoinAnswer(accepted=False))
        return Step(None, conv.replies)  # the addressee deleted their data: keep nothing
    apply_told(conv, told)
    state = conv.state if conv.state.consented else conv.state.before_consent()
    return Step(state, conv.replies, conv.jobs, unsee=conv.unsee)


def _web(state: UserState | None, event: Inbound, ctx: Context) -> Step:
    """What a coach did in the web workspace (only for a stored coach's document)."""
    if state is None or event.web is None:
        return Step(state)
    conv = Conversation(state, event, ctx)
    apply_web(conv, event.web)
    return Step(conv.state, conv.replies, conv.jobs)


def _on_text(conv: Conversation, text: str, greeting: bool) -> None:
    text = text.strip()
    state = conv.state
    if not text:
        conv.say(conv.t("empty"))
        return
    if len(text) > conv.ctx.max_answer_chars and not _answering(conv):
        conv.say(conv.t("too_long", length=len(text), limit=conv.ctx.max_answer_chars))
        return
    if state.pending == "coach_note":
        coach_review.take_note(conv, text)
        return
    if state.stage == "welcome":
        _typed_consent(conv, text)
        return
    session = state.session()
    if state.stage == "active" and session is None and flows.typed_next_step(conv, text):
        return
    if state.stage != "active" or session is None or state.pending == "forget":
        where_we_are(conv)
        return
    _in_session(conv, session, text, greeting)


def _in_session(conv: Conversation, session: Session, text: str, greeting: bool) -> None:
    """A typed message during a session: back from a pause, on the review, or an answer."""
    state = conv.state
    if state.paused or (greeting and _is_greeting(conv, text)):
        state.paused = False
        where_we_are(conv, conv.t("welcome_back"))
        return
    if session.status == "review" and state.pending != "review_edit":
        if state.pending == "review_pick" and run.typed_pick(conv, session, text):
            return
        if not run.joins_on_review(conv, session, text):
            run.review_actions(conv, session, "review_free_text")
        return
    run.take_answer(conv, session, text)


def _answering(conv: Conversation) -> bool:
    """Whether a typed message will be taken as an answer (a long one is then kept in parts,
    `runner.take_answer`); anywhere else an over-long message is refused."""
    state = conv.state
    session = state.session()
    if state.stage != "active" or session is None or state.paused:
        return False
    if state.pending is not None:
        return state.pending == "review_edit"
    return session.status == "active"


def _typed_consent(conv: Conversation, text: str) -> None:
    """A typed answer to the consent question: "ja" or "nee" (in either language) count as
    its buttons; anything else asks the question again, briefly."""
    texts = [load_texts(lang) for lang in LANGUAGES]
    if _one_of(text, [phrase for t in texts for phrase in t.yes_words]):
        consent(conv, "yes")
    elif _one_of(text, [phrase for t in texts for phrase in t.no_words]):
        consent(conv, "no")
    else:
        welcome(conv, "welcome_choose")


def _one_of(text: str, phrases: list[str]) -> bool:
    """Whether the text is one of the phrases, give or take case and punctuation."""
    said = " ".join(words(text))
    return any(said == " ".join(words(phrase)) for phrase in phrases)


def _is_greeting(conv: Conversation, text: str) -> bool:
    return _one_of(text, conv.texts.greetings)


def _on_media(conv: Conversation, media: str) -> None:
    message = {"voice": "media_voice", "audio": "media_voice", "sticker": "media_sticker"}
    conv.say(conv.t(message.get(media, "media_other")))
