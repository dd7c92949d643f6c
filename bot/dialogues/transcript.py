"""A session as the coach reads it: each question by its number, its heading for the coach (a
neutral `coach_title` where the teacher's title says «je»: «Doel», not «Je doel») and its text as
the teacher saw it (their language, the pupil's pseudonym filled in), with every message the
teacher sent to it, follow-up questions included. Sent with the draft, the plan and the
check-in, so the coach's document holds what the workspace and the PDF show."""

from __future__ import annotations

from bot.dialogues import runner as run
from bot.dialogues.conversation import Conversation
from bot.dialogues.script import Script, load_script
from bot.models.interview import ItemPart, SessionItem
from bot.models.language import Language
from bot.models.state import Answer, Session


def session_items(conv: Conversation, session: Session) -> list[SessionItem]:
    """Every item of the session's script in order, with its answer (or marked skipped);
    items never reached are left out."""
    script = run.session_script(conv, session)
    counted = [item.id for item in script.counted]
    items = []
    for item in script.items:
        answer = session.answers.get(item.id)
        if answer is None:
            continue
        number = counted.index(item.id) + 1 if item.id in counted else None
        items.append(
            SessionItem(
                id=item.id,
                number=number,
                title=run.item_text(conv, session, item.coach_title or item.title),
                question=run.item_text(conv, session, item.text),
                parts=_parts(conv, session, script, answer),
                skipped=answer.skipped and not answer.parts,
            )
        )
    return items


def _parts(conv: Conversation, session: Session, script: Script, answer: Answer) -> list[ItemPart]:
    parts = []
    for part in answer.parts:
        probes = [p for p in part.prompt.split("+") if p in script.probes]
        question = " ".join(run.item_text(conv, session, script.probes[p]) for p in probes)
        parts.append(ItemPart(prompt=part.prompt, question=question, text=part.text))
    return parts


def script_titles(lang: Language) -> dict[str, str]:
    """The short title of every item of session 2 and the check-in, for what was stored before
    the coach's copies carried their questions (the PDF must show no id)."""
    return {
        item.id: item.coach_title or item.title
        for script_id in ("reflection", "checkin")
        for item in load_script(script_id, lang).items
    }
