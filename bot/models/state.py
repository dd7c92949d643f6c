"""The user's document: one sealed JSON value per teacher or coach.

Stable string ids are persisted (script ids, item ids, probe elements); never Python names or
enum ordinals. Every model round-trips through JSON unchanged.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from bot.models.interview import SessionItem
from bot.models.language import Language
from bot.models.profile import Draft, level_for
from bot.models.routes import Channel

Role = Literal["teacher", "coach"]


class AnswerPart(BaseModel):
    """One message that belongs to an answer: the reply to the question or to a probe."""

    prompt: str = Field(description="'main', or the probe id the teacher answered.")
    text: str
    at: datetime


class Answer(BaseModel):
    """Everything the teacher said to one item of a script."""

    item_id: str
    parts: list[AnswerPart] = Field(default_factory=list)
    skipped: bool = False
    probe_turns: int = 0

    @property
    def text(self) -> str:
        """The whole answer as one text, parts in order."""
        return "\n".join(part.text for part in self.parts)


SessionStatus = Literal["active", "review", "submitted"]


class ProfileScale(BaseModel):
    """One scale of a released profile: the coach's score and note, and the draft's quotes."""

    id: str
    score: int = Field(ge=1, le=7)
    note: str = ""
    quotes: list[str] = Field(default_factory=list)


class Profile(BaseModel):
    """The relationship profile a coach released to the teacher."""

    scales: list[ProfileScale]
    note: str = ""
    released_at: datetime
    version: int = Field(default=1, description="More than 1: the coach reopened and changed it.")


class Session(BaseModel):
    """One run through a script (the interview, the reflection, the check-in) for one pupil."""

    id: str
    script_id: str
    script_version: str
    pupil_slot: int = 1
    status: SessionStatus = "active"
    position: int = 0
    awaiting: str = Field(default="main", description="'main', or the probe ids just asked.")
    return_to_review: bool = False
    answers: dict[str, Answer] = Field(default_factory=dict)
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    draft: Draft | None = Field(default=None, description="The draft profile of an interview.")
    draft_sent: bool = Field(default=False, description="The draft has gone to the coach.")
    actions: list[str] = Field(default_factory=list, description="Check-in: the planned actions.")
    params: dict[str, str] = Field(default_factory=dict, description="Texts the script uses.")
    reminders_sent: int = 0
    more: bool = Field(
        default=False, description="The current answer was cut at the limit; the rest may follow."
    )
    overflow: str = Field(
        default="", description="What did not fit of a cut message, until the client's next part."
    )
    long_at: datetime | None = Field(
        default=None, description="When a long message was stored: one sent right after joins it."
    )
    recent_acks: list[str] = Field(
        default_factory=list, description="The last acknowledgements said, so none repeats."
    )
    profile: Profile | None = Field(default=None, description="As the coach released it.")


class Pupil(BaseModel):
    """A pupil, known only by the pseudonym the teacher chose."""

    slot: int
    pseudonym: str


Stage = Literal["welcome", "active", "stopped"]

Pending = Literal["forget", "review_pick", "review_edit", "coach_note"]


class AuditEntry(BaseModel):
    """One thing a coach did with a draft (no answer text)."""

    at: datetime
    action: str
    scale: str = ""
    old: int | None = None
    new: int | None = None


class Alert(BaseModel):
    """A possible safeguarding signal in an answer: a child at risk or a teacher in distress."""

    kind: Literal["child_at_risk", "teacher_distress"]
    session_id: str
    question_id: str
    question: str = Field(
        default="", description="How the coach reads the question («vraag 3 · …»)."
    )
    quote: str
    possible: bool = Field(
        default=False,
        description="Only the trained model, below its clear level: the coach is asked to read it.",
    )
    at: datetime
    sent_at: datetime | None = Field(default=None, description="Teacher: handed to the coach.")
    acknowledged_at: datetime | None = Field(default=None, description="Coach: seen.")
    no_concern: bool = Field(
        default=False, description="Coach: read it, and it gives no cause for concern."
    )


class AccessRecord(BaseModel):
    """One line of a teacher's own audit log: who did what with their data (no answer text)."""

    at: datetime
    who: Literal["you", "coach", "system"]
    action: str
    what: str = ""


class ReleasedVersion(BaseModel):
    """A version of a profile as the coach released it (kept when the coach reopens it)."""

    version: int
    scores: dict[str, int]
    notes: dict[str, str] = Field(default_factory=dict)
    released_at: datetime


class Review(BaseModel):
    """A coach's copy of a teacher's draft, the coach's adjustments and the audit trail, with
    the whole interview as the teacher answered it (`interview`, in the teacher's language)."""

    session_id: str
    pupil: str
    draft: Draft
    scores: dict[str, int]
    notes: dict[str, str] = Field(default_factory=dict)
    status: Literal["waiting", "released"] = "waiting"
    received_at: datetime
    released_at: datetime | None = None
    audit: list[AuditEntry] = Field(default_factory=list)
    interview: list[SessionItem] = Field(default_factory=list)
    version: int = Field(default=1, description="1, then one more each time it is reopened.")
    versions: list[ReleasedVersion] = Field(
        default_factory=list, description="Every version released so far, oldest first."
    )

    def adjusted(self) -> Draft:
        """The coach's version of the draft: scores as adjusted, confidence and quotes kept."""
        scales = [
            s.model_copy(
                update={
                    "score": self.scores.get(s.id, s.score),
                    "level": level_for(self.scores.get(s.id, s.score)),
                }
            )
            for s in self.draft.scales
        ]
        return self.draft.model_copy(update={"scales": scales})


class Invite(BaseModel):
    """One of a coach's invitation links (the code is its key in `UserState.invites`)."""

    created_at: datetime
    expires_at: datetime
    used_by: int | None = Field(default=None, description="The teacher who joined with it.")


class CheckinAction(BaseModel):
    """One planned action and what the teacher said of it a week later."""

    action: str
    answer: str = ""


class ContactRequest(BaseModel):
    """At the check-in the teacher asked the coach to get in touch."""

    session_id: str
    pupil: str
    at: datetime
    done_at: datetime | None = Field(default=None, description="The coach marked it done.")


TimelineKind = Literal["draft", "released", "reopened", "plan", "checkin"]


class TimelineEntry(BaseModel):
    """One step of a teacher's path, for the coach's timeline (no answer text)."""

    at: datetime
    kind: TimelineKind
    session_id: str
    pupil: str = ""


class TeacherFile(BaseModel):
    """What a coach keeps about one linked teacher."""

    teacher_id: int
    name: str = Field(description="The teacher's Telegram first name ('' while unknown).")
    last_initial: str = Field(default="", description="The first letter of their last name.")
    linked_at: datetime
    reviews: dict[str, Review] = Field(default_factory=dict)
    alerts: list[Alert] = Field(default_factory=list, description="Safeguarding, newest last.")
    plans: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Reflection and action plan per session, as sent."
    )
    checkins: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Check-in answers per session, as sent."
    )
    plan_items: dict[str, list[SessionItem]] = Field(
        default_factory=dict, description="Session 2 per session: questions and answers."
    )
    checkin_items: dict[str, list[SessionItem]] = Field(
        default_factory=dict, description="The check-in per session: questions and answers."
    )
    checkin_actions: dict[str, list[CheckinAction]] = Field(
        default_factory=dict, description="The check-in per session: each planned action."
    )
    contact_requests: list[ContactRequest] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)


class UserState(BaseModel):
    """The whole document of one user, saved as one sealed JSON value."""

    schema_version: int = 1
    user_id: int
    chat_id: int
    channel: Channel
    lang: Language = "nl"
    lang_chosen: bool = Field(default=False, description="Language set by the user or client.")
    stage: Stage = "welcome"
    consent_at: datetime | None = None
    paused: bool = False
    pending: Pending | None = None
    menu: int = Field(default=0, description="Token of the buttons currently valid.")
    pupils: list[Pupil] = Field(default_factory=list)
    sessions: list[Session] = Field(default_factory=list)
    active_session: str | None = None
    role: Role = "teacher"
    name: str = Field(default="", description="Telegram first name, as last seen.")
    last_initial: str = Field(default="", description="First letter of the Telegram last name.")
    coach_id: int | None = None
    join_pending: int | None = Field(
        default=None, description="Teacher: the coach asked to take them on (an invitation)."
    )
    invites: dict[str, Invite] = Field(default_factory=dict, description="Coach: their links.")
    coaching: dict[str, TeacherFile] = Field(default_factory=dict, description="Coach only.")
    note_review: str = Field(
        default="", description="Coach: '<teacher>/<session>', the review a typed note is for."
    )
    note_target: str = Field(default="", description="Coach: the scale a typed note is for.")
    web_logins: dict[str, datetime] = Field(
        default_factory=dict,
        description="Coach: SHA-256 of each workspace login link (`/web`) and its expiry.",
    )
    job_ids: list[str] = Field(default_factory=list, description="Scheduled jobs, to cancel.")
    alerts: list[Alert] = Field(default_factory=list, description="Teacher: signals found.")
    alerts_told: list[str] = Field(
        default_factory=list, description="Kinds told about, once per session."
    )
    access_log: list[AccessRecord] = Field(
        default_factory=list, description="Teacher: who read, changed, released, exported what."
    )
    created_at: datetime
    last_seen: datetime

    def before_consent(self) -> UserState:
        """What is kept of a person who has not consented: only what their next turn needs
        (language, stage, the buttons shown, a coach's invitation), nothing they said."""
        kept = {
            "user_id", "chat_id", "channel", "lang", "lang_chosen", "stage", "pending", "menu",
            "role", "coach_id", "join_pending", "job_ids", "created_at", "last_seen",
        }  # fmt: skip
        return UserState.model_validate(self.model_dump(include=kept))

    @property
    def consented(self) -> bool:
        """A teacher who said yes to the welcome (a coach needs no consent)."""
        return self.consent_at is not None or self.role != "teacher"

    def session(self, session_id: str | None = None) -> Session | None:
        """The session with this id, or the active one."""
        wanted = session_id or self.active_session
        return next((s for s in self.sessions if s.id == wanted), None)

    def pupil(self, slot: int) -> Pupil | None:
        """The pupil in a slot (1 or 2)."""
        return next((p for p in self.pupils if p.slot == slot), None)

    def teacher_label(self, teacher_id: int, unnamed: str = "") -> str:
        """How this coach sees a linked teacher: the Telegram first name, with the last name's
        initial when another of the coach's teachers has the same first name (and a number
        when that still does not tell them apart). A teacher whose name never reached the bot
        is `unnamed` ('Teacher {n}'), numbered in the order they joined: never their id."""
        files = sorted(self.coaching.values(), key=lambda t: (t.linked_at, t.teacher_id))
        firsts = {
            t.teacher_id: "" if t.name == str(t.teacher_id) else t.name.strip() for t in files
        }
        labels: dict[int, str] = {}
        for number, teacher in enumerate((t for t in files if not firsts[t.teacher_id]), 1):
            labels[teacher.teacher_id] = unnamed.format(n=number)
        for teacher in files:
            first = firsts[teacher.teacher_id]
            if not first:
                continue
            twins = sum(1 for name in firsts.values() if name.casefold() == first.casefold())
            initial = teacher.last_initial
            labels[teacher.teacher_id] = f"{first} {initial}." if twins > 1 and initial else first
        counts = Counter(label.casefold() for label in labels.values())
        numbered: Counter[str] = Counter()
        for teacher in files:
            label = labels[teacher.teacher_id]
            if counts[label.casefold()] > 1:
                numbered[label.casefold()] += 1
                labels[teacher.teacher_id] = f"{label} ({numbered[label.casefold()]})"
        return labels.get(teacher_id, "")
