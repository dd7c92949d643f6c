"""One turn of a conversation: the state being changed and the replies being collected."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.dialogues.callbacks import Action, Callback
from bot.dialogues.probes import ProbePolicy, RuleProbePolicy
from bot.dialogues.script import Script, Texts, load_script, load_texts
from bot.models.events import Button, Document, Inbound, Outbound
from bot.models.internal import InternalEvent
from bot.models.jobs import Job, JobName
from bot.models.language import Language
from bot.models.state import TeacherFile, UserState
from bot.text.chunks import pack


@dataclass(frozen=True)
class Context:
    """What a turn may know besides the state and the event: time, limits, policies."""

    now: datetime
    max_answer_chars: int = 4000
    idle_greeting: timedelta = timedelta(hours=3)
    default_language: Language = "nl"
    probe_policy: ProbePolicy = field(default_factory=RuleProbePolicy)
    admin_ids: frozenset[int] = frozenset()
    bot_username: str = ""
    invite_days: int = 14
    checkin_after: timedelta = timedelta(days=7)
    new_token: Callable[[], str] = field(default=lambda: secrets.token_hex(9))
    second_look: bool = False  # an LLM also checks every answer for safeguarding signals
    web_url: str = ""  # the coach's workspace (WEB_PUBLIC_URL); '' when it does not run
    web_login_minutes: int = 10  # how long a `/web` login link works


@dataclass
class Conversation:
    """Collects the replies and scheduled jobs of one turn for one user."""

    state: UserState
    event: Inbound
    ctx: Context
    replies: list[Outbound] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    forget: bool = False
    # Users whose ids leave this user's seen set (a teacher who deleted their data).
    unsee: list[int] = field(default_factory=list)
    _menu_bumped: bool = False

    @property
    def texts(self) -> Texts:
        return load_texts(self.state.lang)

    def script(self, script_id: str, version: str | None = None) -> Script:
        """A script in the user's language (at a session's pinned version, when given)."""
        return load_script(script_id, self.state.lang, version)

    def t(self, message_id: str, **params: object) -> str:
        """A UI text in the user's language."""
        return self.texts.get(message_id, **params)

    def teacher_name(self, teacher: TeacherFile) -> str:
        """How the coach sees one of their teachers (see `UserState.teacher_label`)."""
        return self.state.teacher_label(teacher.teacher_id, self.texts.messages["teacher_unnamed"])

    def say(
        self,
        text: str,
        buttons: list[list[Button]] | None = None,
        document: Document | None = None,
        photo: bytes | None = None,
    ) -> None:
        """Queue a message to the user."""
        self.replies.append(
            Outbound(
                channel=self.state.channel,
                chat_id=self.state.chat_id,
                text=text,
                buttons=buttons or [],
                document=document,
                photo=photo,
            )
        )

    def say_blocks(self, blocks: list[str]) -> None:
        """Blocks of text joined by blank lines into as few messages as Telegram takes."""
        for message in pack(blocks):
            self.say(message)

    def tell(self, user_id: int, event: InternalEvent) -> None:
        """Queue an internal event for another user (a coach, a teacher); its id is this
        turn's event id and a number, so the addressee's turn of it happens once."""
        number = sum(1 for r in self.replies if r.channel == "internal") + 1
        told = event.model_copy(
            update={"id": f"{self.event.event_id}:{number}", "sender": self.state.user_id}
        )
        self.replies.append(Outbound(channel="internal", chat_id=user_id, internal=told))

    def schedule(
        self, name: JobName, key: str, due: datetime | None = None, **payload: str
    ) -> None:
        """A job of this user's, due now (or at `due`); its id `<name-ish key>` makes
        scheduling it twice one job."""
        self.jobs.append(
            Job(
                id=key,
                user_id=self.state.user_id,
                name=name,
                due=due or self.ctx.now,
                payload=payload,
            )
        )

    def web_button(self, label: str, path: str = "/queue") -> list[list[Button]]:
        """A row with a button that opens the coach's workspace at `path` as a Telegram Mini
        App; none when the workspace has no https address (Telegram opens only those)."""
        if not self.ctx.web_url.startswith("https://"):
            return []
        url = f"{self.ctx.web_url.rstrip('/')}/app?to={path}"
        return [[Button(label=label, web_app=url)]]

    def button(self, label: str, action: Action, arg: str = "") -> Button:
        """A button that is valid until the next turn that shows buttons."""
        if not self._menu_bumped:
            self.state.menu += 1
            self._menu_bumped = True
        return Button(label=label, data=Callback(self.state.menu, action, arg).pack())
