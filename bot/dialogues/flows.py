"""How the sessions follow each other: interview -> (coach) -> reflection -> check-in.

The engine runs any script; this module says what happens around them: what a submitted
session sets in motion, what the teacher sees when the coach releases the profile, and what the
coach hears about. It names scripts, never questions.
"""

from __future__ import annotations

import re

from bot.dialogues import journey
from bot.dialogues import runner as run
from bot.dialogues.alerts import send_alerts
from bot.dialogues.conversation import Conversation
from bot.dialogues.probes import words
from bot.dialogues.profile_text import level_text, pick_quotes
from bot.dialogues.script import load_texts
from bot.dialogues.told import handles
from bot.dialogues.transcript import session_items
from bot.models.internal import (
    AccessNote,
    CheckinSubmitted,
    DraftReady,
    PlanSubmitted,
    ProfileReleased,
    TeacherWithdrew,
)
from bot.models.jobs import JobName
from bot.models.language import LANGUAGES
from bot.models.profile import level_for
from bot.models.state import AccessRecord, CheckinAction, Profile, Session
from bot.scoring.scales import load_scales

INTERVIEW = "interview"
REFLECTION = "reflection"
CHECKIN = "checkin"
PLAN_ITEM = "p02_actions"
GOAL_ITEM = "p01_goal"
SIGNALS_ITEM = "p03_signals"
THREE_WORDS_ITEM = "q01_three_words"
CONTACT_ITEM = "c05_contact"
EARLIER_WORDS_CHARS = 120


def send_chart(conv: Conversation, ref: str) -> None:
    """Schedule the chart of a review ('<teacher>/<session>', coach) or of a released profile
    ('<session>', teacher): drawn by a job, so the turn does not wait for it."""
    user_id = conv.state.user_id
    conv.schedule(JobName.CHART, f"chart:{user_id}:{ref}:{conv.event.event_id}", ref=ref)


def on_submitted(conv: Conversation, session: Session) -> None:
    """What a submitted session sets in motion."""
    user_id = conv.state.user_id
    conv.state.access_log.append(
        AccessRecord(at=conv.ctx.now, who="you", action="sent", what=session.id)
    )
    if session.script_id == INTERVIEW:
        conv.schedule(JobName.DRAFT, f"draft:{user_id}:{session.id}", session_id=session.id)
        linked = conv.state.coach_id is not None  # else it waits for an invitation link
        conv.say(conv.t("submitted" if linked else "submitted_no_coach"))
    elif session.script_id == REFLECTION:
        if conv.state.coach_id is not None:
            answers = {k: a.text for k, a in session.answers.items() if a.parts}
            plan = PlanSubmitted(
                session_id=session.id,
                pupil=run.pupil_name(conv, session),
                answers=answers,
                items=session_items(conv, session),
            )
            conv.tell(conv.state.coach_id, plan)
        due = conv.ctx.now + conv.ctx.checkin_after
        conv.schedule(
            JobName.CHECKIN, f"checkin:{user_id}:{session.id}", due, session_id=session.id
        )
        pupil = run.pupil_name(conv, session)
        sent = "plan_submitted" if conv.state.coach_id is not None else "plan_submitted_no_coach"
        _closing(conv, "\n\n".join([conv.t(sent, pupil=pupil), plan_summary(conv, session)]))
    elif session.script_id == CHECKIN:
        if conv.state.coach_id is not None:
            conv.tell(conv.state.coach_id, checkin_summary(conv, session))
        asked = conv.state.coach_id is not None and wants_contact(session) is True
        thanks = "checkin_thanks_contact" if asked else "checkin_thanks"
        _closing(conv, conv.t(thanks, pupil=run.pupil_name(conv, session)))
    else:
        conv.say(conv.t("submitted_generic"))


def plan_summary(conv: Conversation, session: Session) -> str:
    """The teacher's own plan to keep: the goal, the actions and the signs, in her words (what
    she skipped is left out)."""
    goal, signals = _answer_text(session, GOAL_ITEM), _answer_text(session, SIGNALS_ITEM)
    actions = _actions(session)
    lines = [conv.t("plan_summary_title", pupil=run.pupil_name(conv, session))]
    if goal:
        lines.append(conv.t("plan_summary_goal", goal=goal))
    if actions:
        lines.append(conv.t("plan_summary_actions", actions="\n".join(f"• {a}" for a in actions)))
    if signals:
        lines.append(conv.t("plan_summary_signals", signals=signals))
    return "\n\n".join(lines)


def _closing(conv: Conversation, text: str) -> None:
    """A session's closing words, with what comes next (a new pupil, /newpupil)."""
    step, buttons = journey.next_step(conv)
    conv.say("\n\n".join(filter(None, [text, step])), buttons)


def send_drafts_to_coach(conv: Conversation) -> None:
    """Every finished draft not yet with the coach goes to the coach now."""
    coach = conv.state.coach_id
    if coach is None:
        return
    for session in conv.state.sessions:
        if session.draft is not None and not session.draft_sent:
            ready = DraftReady(
                session_id=session.id,
                pupil=run.pupil_name(conv, session),
                draft=session.draft,
                interview=session_items(conv, session),
            )
            conv.tell(coach, ready)
            session.draft_sent = True


def link_coach(conv: Conversation, coach_id: int) -> None:
    """Link the teacher to the coach whose invitation they used (the coach has them already)
    and unlink a previous coach; what waited for a coach goes to the new one."""
    previous = conv.state.coach_id
    if previous == coach_id:
        return
    if previous is not None:
        conv.tell(previous, TeacherWithdrew())
    conv.state.coach_id = coach_id
    for session in conv.state.sessions:
        session.draft_sent = False
    send_drafts_to_coach(conv)
    for alert in conv.state.alerts:
        alert.sent_at = None
    send_alerts(conv)
    conv.say(conv.t("linked_teacher"))


def show_profile(conv: Conversation, session: Session, profile: Profile) -> None:
    """The released profile in plain words: per scale the level, what it means for this pupil
    (only what the answers back), a quote of the teacher's own (see `profile_text`)."""
    lang = conv.state.lang
    pupil = run.pupil_name(conv, session)
    quotes = pick_quotes(profile)
    blocks = [conv.t("profile_intro", pupil=pupil)]
    for scale in profile.scales:
        name = load_scales().get(scale.id).name[lang]
        lines = [
            f"{name}: {conv.t('level_' + level_for(scale.score))}",
            level_text(scale.id, scale.score, lang, pupil, session),
        ]
        if scale.id in quotes:
            lines.append(conv.t("profile_quote", quote=quotes[scale.id]))
        if scale.note:
            lines.append(conv.t("profile_coach_note", note=scale.note))
        blocks.append("\n".join(lines))
    if profile.note:
        blocks.append(conv.t("profile_coach_note", note=profile.note))
    conv.say_blocks(blocks)


@handles(ProfileReleased)
def on_profile_released(conv: Conversation, event: ProfileReleased) -> None:
    """The coach released the profile: show it and start the reflection (session 2)."""
    session = conv.state.session(event.session_id)
    if session is None or event.sender != conv.state.coach_id:
        return
    if session.profile is not None:
        if event.profile.version > session.profile.version:
            _profile_updated(conv, session, session.profile, event.profile)
        return
    session.profile = event.profile.model_copy()
    show_profile(conv, session, session.profile)
    send_chart(conv, session.id)  # the chart's turn then asks whether the teacher has read it
    conv.state.stage = "active"
    conv.state.paused = False


def offer_reading(conv: Conversation, interview: Session) -> None:
    """After the profile and its chart: «I've read it» begins session 2 (not before)."""
    if journey.stage(conv.state, interview.pupil_slot) != "profile_to_read":
        return
    pupil = run.pupil_name(conv, interview)
    conv.say(conv.t("profile_read_prompt", pupil=pupil), [[journey.read_button(conv, interview)]])


def start_reflection(conv: Conversation, interview_id: str) -> bool:
    """The teacher has read the released profile: the reflection (session 2) begins."""
    interview = conv.state.session(interview_id)
    if interview is None or conv.state.session() is not None:
        return False
    if journey.stage(conv.state, interview.pupil_slot) != "profile_to_read":
        return False
    reflection = run.start_session(conv, REFLECTION, slot=interview.pupil_slot)
    conv.state.stage = "active"
    conv.state.paused = False
    run.ask(conv, reflection, item_intro(conv, reflection))
    return True


def _profile_updated(conv: Conversation, session: Session, old: Profile, new: Profile) -> None:
    """The coach reopened the profile and released it again: say what changed (scores, the
    coach's notes), then show the new version; the reflection goes on where it was."""
    lang = conv.state.lang
    before = {s.id: s for s in old.scales}
    lines = [conv.t("profile_updated_intro", pupil=run.pupil_name(conv, session))]
    for scale in new.scales:
        was = before.get(scale.id)
        if was is None or (was.score, was.note) == (scale.score, scale.note):
            continue
        name = load_scales().get(scale.id).name[lang]
        then, now = (
            conv.t("level_" + level_for(was.score)),
            conv.t("level_" + level_for(scale.score)),
        )
        lines.append(conv.t("profile_updated_scale", scale=name, then=then, now=now))
    if len(lines) == 1:
        lines.append(conv.t("profile_updated_notes"))
    conv.say("\n".join(lines))
    session.profile = new.model_copy()
    show_profile(conv, session, session.profile)
    send_chart(conv, session.id)


def item_intro(conv: Conversation, session: Session) -> str:
    """The script's own introduction, with the pupil's pseudonym."""
    script = conv.script(session.script_id, session.script_version)
    return run.item_text(conv, session, script.intro) if script.intro else ""


def _actions(reflection: Session) -> list[str]:
    """The plan's actions, one per message the teacher sent."""
    plan = reflection.answers.get(PLAN_ITEM)
    return [part.text for part in plan.parts] if plan else []


def _answer_text(session: Session | None, item_id: str) -> str:
    answer = session.answers.get(item_id) if session else None
    return answer.text if answer and answer.parts else ""


def earlier_words(text: str) -> str:
    """The three words of the interview, as the teacher wrote them: the heads of a list
    («Voorzichtig: … Teder: … Onzeker: …», "1. warm - …" on lines of their own), else the
    first line or sentence without its asides in brackets; short."""
    heads = [h.strip() for h in _WORD_HEAD.findall(text)]
    lines = [_BULLET.sub("", line).strip() for line in text.splitlines() if line.strip()]
    if len(heads) >= 2:
        first = ", ".join(heads)
    elif len(lines) >= 2 and all(len(line.split()) <= SHORT_LINE_WORDS for line in lines[:3]):
        first = ", ".join(lines[:3])
    else:
        first = re.sub(r"\s*\([^)]*\)", "", lines[0] if lines else "")
        for stop in (". ", "; "):
            first = first.split(stop)[0]
        lead, colon, rest = first.partition(": ")  # «Ik denk: moeilijk, druk, lief»
        first = (rest if colon and "," in rest else lead).strip().rstrip(".")
    return first if len(first) <= EARLIER_WORDS_CHARS else first[:EARLIER_WORDS_CHARS] + "…"


SHORT_LINE_WORDS = 4  # «- afstand» on lines of its own: one word a line
_BULLET = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s*")
# a word (or two or three) heading its own explanation: at the start, after a sentence or on a
# line of its own, numbered or not, followed by a colon or a dash
_WORD_HEAD = re.compile(
    r"(?:^|(?<=[.!?])\s+|\n)\s*(?:\d+[.)]\s*|[-•*]\s*)?"
    r"([^\W\d][^\s:;.,!?()–-]*(?:\s[^\s:;.,!?()–-]+){0,2})\s*(?::|\s[–-])\s"
)


def start_checkin(conv: Conversation, reflection: Session) -> None:
    """Start the check-in about the reflection's plan: one question per planned action."""
    actions = _actions(reflection)
    interview = conv.state.session(f"{INTERVIEW}-{reflection.pupil_slot}")
    words = earlier_words(_answer_text(interview, THREE_WORDS_ITEM))
    checkin = run.start_session(conv, CHECKIN, slot=reflection.pupil_slot)
    checkin.actions = actions
    checkin.params = {"earlier_words": words or "…"}
    conv.state.stage = "active"
    conv.state.paused = False
    run.ask(conv, checkin, item_intro(conv, checkin))


def wants_contact(session: Session) -> bool | None:
    """The teacher's yes or no to «shall your coach get in touch?» (None: not asked)."""
    answer = session.answers.get(CONTACT_ITEM)
    if answer is None or not answer.parts:
        return None
    return answer.parts[-1].prompt == "yes"


def checkin_summary(conv: Conversation, session: Session) -> CheckinSubmitted:
    """What the coach gets: each action with its answer, the three words then and now."""
    actions = [
        CheckinAction(action=action, answer=_answer_text(session, f"c01_actions#{n}"))
        for n, action in enumerate(session.actions, start=1)
    ]
    answers = {k: a.text for k, a in session.answers.items() if a.parts and "#" not in k}
    return CheckinSubmitted(
        session_id=session.id,
        pupil=run.pupil_name(conv, session),
        actions=actions,
        words_then=session.params.get("earlier_words", ""),
        answers=answers,
        items=session_items(conv, session),
        contact=wants_contact(session),
    )


def start_second_pupil(conv: Conversation) -> bool:
    """Sessions 1 and 2 again, for a second pupil of the same class, once the previous
    pupil's plan is done."""
    if not journey.can_start_pupil(conv.state):
        return False
    interview = run.start_session(conv, INTERVIEW, slot=journey.slots(conv.state)[-1] + 1)
    conv.state.stage = "active"
    conv.state.paused = False
    run.ask(conv, interview, conv.t("second_pupil_intro"))
    return True


def typed_next_step(conv: Conversation, text: str) -> bool:
    """A typed button label of what comes next («Start with a second pupil», «I've read it»,
    in either language) does what the button does."""
    said = " ".join(words(text))

    def typed(key: str) -> bool:
        return said in {" ".join(words(load_texts(lang).get(key))) for lang in LANGUAGES}

    if typed("second_pupil_button"):
        return start_second_pupil(conv)
    interview = journey.profile_to_read(conv.state)
    if typed("profile_read_button") and interview is not None:
        return start_reflection(conv, interview.id)
    return False


@handles(AccessNote)
def on_access(conv: Conversation, event: AccessNote) -> None:
    """A line in the teacher's audit log, from their own coach only."""
    if event.sender != conv.state.coach_id:
        return
    conv.state.access_log.append(
        AccessRecord(at=conv.ctx.now, who="coach", action=event.action, what=event.what)
    )
