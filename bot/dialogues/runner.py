"""Running any script (interview, reflection, check-in) for one session: ask, listen, probe,
go back, skip, review and submit. The code names no question: everything comes from the script.
"""

from __future__ import annotations

from functools import cache

from bot.dialogues import parts
from bot.dialogues.alerts import screen
from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.dialogues.probes import (
    Tone,
    ack_kind,
    bare_number,
    non_answer,
    only_agrees,
    recalls_nothing,
    refers_elsewhere,
    tone,
    words,
)
from bot.dialogues.pseudonym import MAX_PSEUDONYM_CHARS, check_pseudonym
from bot.dialogues.script import Item, Script, load_texts, placeholders
from bot.models.language import LANGUAGES
from bot.models.state import Answer, AnswerPart, Pupil, Session
from bot.text.punctuation import fill

ACTION_TITLE_CHARS = 60
RECENT_ACKS = 3  # an acknowledgement is not said again while among the last three
INTERVIEW = "interview"  # its word lists also read the answers of the other scripts
# Items answered in the teacher's own words: a bare number there answers nothing (a short
# value such as the year group, «5», is a `short` item and is kept).
FREE_TEXT = frozenset({"open", "event", "list", "per_action"})
# where a bare «ja» or «oké» says nothing yet (at «is het ervan gekomen?» of an action it does)
IN_WORDS = frozenset({"open", "event", "list"})


def start_session(conv: Conversation, script_id: str, slot: int) -> Session:
    """Create a session pinned to the script's current version and make it active."""
    script = conv.script(script_id)
    session = Session(
        id=f"{script_id}-{slot}",
        script_id=script_id,
        script_version=script.version,
        pupil_slot=slot,
        started_at=conv.ctx.now,
        updated_at=conv.ctx.now,
    )
    conv.state.sessions = [s for s in conv.state.sessions if s.id != session.id] + [session]
    conv.state.active_session = session.id
    return session


def pupil_name(conv: Conversation, session: Session) -> str:
    """The pseudonym of the session's pupil, or an empty string before it is known."""
    pupil = conv.state.pupil(session.pupil_slot)
    return pupil.pseudonym if pupil else ""


def session_script(conv: Conversation, session: Session) -> Script:
    """The session's script at its pinned version, with per-action items expanded: one
    question per planned action, the session's own texts (`params`) filled in."""
    script = conv.script(session.script_id, session.script_version)
    if not session.actions and not session.params:
        return script
    items = []
    for item in script.items:
        if item.kind != "per_action":
            items.append(_filled(item, session.params))
            continue
        total = len(session.actions)
        for n, action in enumerate(session.actions, start=1):
            fields = session.params | {"action": action, "n": str(n), "total": str(total)}
            named = {
                "id": f"{item.id}#{n}",
                "title": action_title(item.title, action),
                "coach_title": action_title(item.coach_title, action) if item.coach_title else "",
            }
            items.append(_filled(item, fields).model_copy(update=named))
    return script.model_copy(update={"items": items})


def action_title(title: str, action: str) -> str:
    """A per-action item's short title names its action: «Your action: «Greet Sam…»»."""
    action = " ".join(action.split())
    short = action if len(action) <= ACTION_TITLE_CHARS else action[:ACTION_TITLE_CHARS] + "…"
    return f"{title}: «{short}»"


def _filled(item: Item, fields: dict[str, str]) -> Item:
    """An item with every placeholder but {pupil} filled in from `fields`."""
    values = {name: fields.get(name, "") for name in placeholders(item.text) if name != "pupil"}
    if not values:
        return item
    text = fill(item.text, pupil="{pupil}", **values)
    return item.model_copy(update={"text": text})


_script = session_script


def progress(conv: Conversation, session: Session, item: Item) -> str:
    """'Question 4 of 12', 'Before we start (1/3)' or 'Last question'."""
    script = _script(conv, session)
    if item.section == "questions":
        counted = script.counted
        return conv.t("progress_question", n=counted.index(item) + 1, total=len(counted))
    if item.section == "intake":
        intake = [i for i in script.items if i.section == "intake"]
        return conv.t("progress_intake", n=intake.index(item) + 1, total=len(intake))
    return conv.t("progress_closing")


def item_text(conv: Conversation, session: Session, text: str) -> str:
    """A script text with the pupil's pseudonym filled in («N.?», never «N..»)."""
    return fill(text, pupil=pupil_name(conv, session))


def ask(conv: Conversation, session: Session, prefix: str = "") -> None:
    """Ask the current item (or the probe being waited for), with progress and any old answer."""
    script = _script(conv, session)
    item = script.items[session.position]
    lines = [prefix] if prefix else []
    lines.append(progress(conv, session, item))
    lines.append(item_text(conv, session, item.text))
    answer = session.answers.get(item.id)
    if session.awaiting == "list":
        entries = "\n".join(f"• {p.text}" for p in answer.parts) if answer else ""
        lines += [entries, item_text(conv, session, script.list_prompt_more)]
        conv.say(
            "\n\n".join(filter(None, lines)), [[conv.button(script.list_done_button, Action.DONE)]]
        )
        return
    if session.more and answer and answer.parts:
        lines.append(conv.t("long_more", tail=parts.tail(answer.parts[-1].text)))
        done = conv.button(conv.t("long_done_button"), Action.DONE)
        conv.say("\n\n".join(lines), [[done]])
        return
    if session.awaiting != "main":
        lines.append(_probe_text(conv, session, session.awaiting.split("+")))
        conv.say("\n\n".join(lines))
        return
    if item.kind == "yesno":
        if answer and answer.parts:
            lines.append(conv.t("answer_so_far", answer=answer.text))
        yes, no = (
            conv.button(conv.t("choice_yes"), Action.CHOICE, "yes"),
            conv.button(conv.t("choice_no"), Action.CHOICE, "no"),
        )
        conv.say("\n\n".join(lines), [[yes, no]])
        return
    if answer and (answer.parts or answer.skipped):
        shown = answer.text if answer.parts else conv.t("skipped_mark")
        lines.append(conv.t("answer_so_far", answer=shown))
        conv.say("\n\n".join(lines), [[conv.button(conv.t("keep"), Action.KEEP)]])
        return
    conv.say("\n\n".join(lines))


def _probe_text(conv: Conversation, session: Session, probes: list[str]) -> str:
    script = _script(conv, session)
    return " ".join(item_text(conv, session, script.probes[p]) for p in probes)


def _acknowledge(
    conv: Conversation,
    session: Session,
    item: Item,
    answer: Answer,
    *,
    follow_up: bool = False,
    closing: bool = False,
) -> str:
    """A short, warm word after an answer, fitting what was said (a hard moment, a good one, a
    short factual answer, the rest) and the question (a goal, a plan or a progress report gets
    an encouraging word, never a heavy one), and never one of the last few said in this session.
    Before a follow-up it stays light (it does not claim the picture is clear yet); `closing` is
    the «Done» under a list: a calm word that reads no single entry."""
    script = _script(conv, session)
    if item.kind == "pseudonym" or answer.skipped or not answer.parts:
        return ""
    said = "" if closing else answer.parts[-1].text
    kind = ack_kind(_tone(conv, session, script, said), item, follow_up=follow_up)
    choices = {
        "tough": script.acknowledgements_tough,
        "joy": script.acknowledgements_joy,
        "short": script.acknowledgements_short,
        "forward": script.acknowledgements_forward,
    }.get(kind) or script.acknowledgements
    fresh = [a for a in choices if a not in session.recent_acks] or [
        a for a in choices if a != (session.recent_acks or [""])[-1]
    ]
    if not fresh:
        return ""
    turn = session.position + len(answer.parts)
    chosen = fresh[turn % len(fresh)]
    session.recent_acks = ([*session.recent_acks, chosen])[-RECENT_ACKS:]
    return chosen


def _tone(conv: Conversation, session: Session, script: Script, said: str) -> Tone:
    cues = script.probe_cues or conv.script(INTERVIEW).probe_cues
    return tone(said, cues, pupil_name(conv, session)) if cues and said else "plain"


def take_answer(conv: Conversation, session: Session, text: str) -> None:
    """Store a typed answer to the current item or probe, then probe or move on."""
    script = _script(conv, session)
    item = script.items[session.position]
    if _not_an_answer(conv, session, item, text):
        return
    if session.more:
        _more(conv, session, item, text)
        return
    if _diverted(conv, session, item, text):
        return
    if item.kind == "pseudonym" and not _set_pupil(conv, session, text):
        return
    if item.kind == "yesno":
        choice = _typed_choice(text)
        if choice:
            choose(conv, session, choice)
        else:
            ask(conv, session, conv.t("choice_please"))
        return
    now, limit = conv.ctx.now, conv.ctx.max_answer_chars
    kept = parts.cut(text, limit)
    screen(conv, session, item.id, text)  # all of it: what did not fit was written all the same
    if item.kind == "list" and not session.return_to_review:
        _add_to_list(conv, session, item, text)
        return
    if session.awaiting == "main":
        answer = Answer(item_id=item.id, parts=[AnswerPart(prompt="main", text=kept, at=now)])
    else:
        answer = session.answers[item.id]
        answer.parts.append(AnswerPart(prompt=session.awaiting, text=kept, at=now))
        answer.probe_turns += 1
    session.answers[item.id] = answer
    session.updated_at = now
    session.long_at = now if len(kept) >= parts.LONG_ANSWER_CHARS else None
    if len(text) > limit:
        session.more = True
        session.overflow = text[len(kept) :].strip()
        _offer_more(conv, session, "long_kept", kept)
        return
    _answered(conv, session, item, answer)


def _not_an_answer(conv: Conversation, session: Session, item: Item, text: str) -> bool:
    """A message that answers nothing is not stored: the question is asked again, gently. An
    emoji, a greeting, "hmm", "?"; a bare «ja», «oké» or "thanks" where the answer is in words
    (to «komt hij naar je toe? vertel eens» it is no more than a start); a bare number where
    the answer is in words («1»; a `short` item such as the year group keeps «5»); «klaar»
    with no long answer open (under a plan's actions it closes the list)."""
    nothing = non_answer(text, conv.state.lang)
    if nothing == "puzzled" and item.explain and session.awaiting == "main":
        explain = item_text(conv, session, item.explain)
        ask(conv, session, conv.t("not_an_answer_explained", explain=explain))
        return True
    if nothing:
        message = "not_an_answer" if nothing == "greeting" else f"not_an_answer_{nothing}"
    elif item.kind in FREE_TEXT and bare_number(text):
        message = "not_an_answer_number"
    elif item.kind in IN_WORDS and not session.more and only_agrees(text, conv.state.lang):
        message = "not_an_answer_agreement"
    elif not session.more and parts.is_done(text):
        if item.kind == "list" and session.awaiting == "list" and list_done(conv, session):
            return True
        message = "not_an_answer_done"
    else:
        return False
    ask(conv, session, conv.t(message))
    return True


def _diverted(conv: Conversation, session: Session, item: Item, text: str) -> bool:
    """A message that is not this item's answer: too long for a name, a yes or no, an entry of
    a list or a correction on the review (refused), or the continuation of the answer before
    (added to it)."""
    limit = conv.ctx.max_answer_chars
    if len(text) > limit:
        if item.kind not in ("pseudonym", "yesno", "list") and not session.return_to_review:
            return False
        conv.say(conv.t("too_long", length=len(text), limit=limit))
        return True
    return _joins_previous(conv, session, item, text)


def _answered(conv: Conversation, session: Session, item: Item, answer: Answer) -> None:
    """An answer is complete: back to the review, a follow-up, or the next question."""
    if session.return_to_review:
        _back_to_review(conv, session)
        return
    script = _script(conv, session)
    probes = conv.ctx.probe_policy.choose(item, answer, script, pupil_name(conv, session))
    if probes:
        session.awaiting = "+".join(probes)
        ack = _acknowledge(conv, session, item, answer, follow_up=True)
        conv.say(" ".join(filter(None, [ack, _probe_text(conv, session, probes)])))
        return
    if remembers_nothing(conv, session, item, answer.parts[-1].text):
        follow_up = answer.parts[-1].prompt != "main"  # «weet ik niet» to «hoe voelde jij je?»
        said = conv.t("ack_dont_know" if follow_up else "ack_no_memory")
        if said in session.recent_acks:  # the second time in a session: short
            said = conv.t("ack_no_memory_again")
        session.recent_acks = ([*session.recent_acks, said])[-RECENT_ACKS:]
        advance(conv, session, said)
        return
    advance(conv, session, _acknowledge(conv, session, item, answer))


def remembers_nothing(conv: Conversation, session: Session, item: Item, text: str) -> bool:
    """«Ik kan me niks herinneren» to a question about a moment: kept as the answer (no moment
    came to mind, which the coach reads too), with a word that it is fine, and no follow-up."""
    cues = _script(conv, session).probe_cues
    return (
        item.kind == "event"
        and cues is not None
        and recalls_nothing(text, cues, pupil_name(conv, session))
    )


def _offer_more(conv: Conversation, session: Session, text_id: str, kept: str) -> None:
    """Say what was kept of a long answer, with the button that completes it."""
    done = conv.button(conv.t("long_done_button"), Action.DONE)
    limit = conv.ctx.max_answer_chars
    conv.say(conv.t(text_id, limit=limit, tail=parts.tail(kept)), [[done]])


def _more(conv: Conversation, session: Session, item: Item, text: str) -> None:
    """A message after a cut answer: «klaar» completes it, anything else is its next part."""
    answer = session.answers.get(item.id)
    if answer is None or not answer.parts:
        session.more = False
        take_answer(conv, session, text)
        return
    if parts.is_done(text):
        more_done(conv, session)
        return
    limit, now = conv.ctx.max_answer_chars, conv.ctx.now
    rest = parts.labelled(text) or text
    if session.overflow and session.long_at and now - session.long_at <= parts.CLIENT_SPLIT:
        rest = f"{session.overflow} {rest}"  # the client split the paste: nothing in between lost
    session.overflow = ""
    kept = parts.cut(rest, limit)
    screen(conv, session, item.id, rest)
    last = answer.parts[-1]
    last.text = f"{last.text}\n{kept}"
    session.updated_at = now
    session.long_at = now
    if len(rest) > limit:
        session.overflow = rest[len(kept) :].strip()
        _offer_more(conv, session, "long_kept", kept)
    else:
        _offer_more(conv, session, "long_added", kept)


def more_done(conv: Conversation, session: Session) -> bool:
    """«Done with this answer» after a long answer in parts: go on as after any answer."""
    item = _script(conv, session).items[session.position]
    answer = session.answers.get(item.id)
    if not session.more or answer is None:
        return False
    session.more = False
    session.long_at = None
    session.overflow = ""
    _answered(conv, session, item, answer)
    return True


def _joins_previous(conv: Conversation, session: Session, item: Item, text: str) -> bool:
    """A continuation of the answer before («Deel 2: …», or a message right after a long one)
    is added to it, and the question being asked is asked again."""
    if session.return_to_review or item.kind in ("pseudonym", "yesno", "list"):
        return False
    labelled = _join(conv, session, text)
    if labelled is None:
        return False
    said = conv.t("long_joined_labelled" if labelled else "long_joined")
    if session.awaiting != "main" and item.id in session.answers:
        _follow_up_again(conv, session, item, said)
        return True
    ask(conv, session, said)
    return True


def _follow_up_again(conv: Conversation, session: Session, item: Item, said: str) -> None:
    """The answer a follow-up was chosen for has grown: the follow-up is chosen again from all
    of it (what the second part already tells is not asked), and asked without the question
    above it, which the teacher has just answered."""
    answer = session.answers[item.id]
    script = _script(conv, session)
    probes = conv.ctx.probe_policy.choose(item, answer, script, pupil_name(conv, session))
    if not probes:
        advance(conv, session, said)
        return
    session.awaiting = "+".join(probes)
    conv.say(f"{said}\n\n{_probe_text(conv, session, probes)}")


def joins_on_review(conv: Conversation, session: Session, text: str) -> bool:
    """The same after the last question: the second part of the last answer arrives when the
    review is already shown. It is added, and the review's question asked again."""
    if _join(conv, session, text) is None:
        return False
    review_actions(conv, session, "long_joined_review")
    return True


def _join(conv: Conversation, session: Session, text: str) -> bool | None:
    """Add a continuation to the teacher's last typed part: None when the text is none, else
    whether it was labelled («Deel 2:»)."""
    if len(text) > conv.ctx.max_answer_chars or not parts.continues(session, text, conv.ctx.now):
        return None
    previous = parts.last_part(session)
    if previous is None:
        return None
    item_id, part = previous
    labelled = parts.labelled(text)
    added = labelled or text
    screen(conv, session, item_id, added)
    part.text = f"{part.text}\n{added}"
    session.long_at = None
    session.updated_at = conv.ctx.now
    return labelled is not None


def _agrees_only(text: str) -> bool:
    """Whether a message is only a yes, a no or an «ok» («ja ok», "okay sure"), in either
    language: never a pupil's name."""
    said = words(text)
    return bool(said) and all(w in _agreeing_words() for w in said)


@cache
def _agreeing_words() -> frozenset[str]:
    """Every word of the typed yes and no phrases (`_choice_phrases`), either language."""
    return frozenset(w for group in _choice_phrases().values() for p in group for w in p.split())


def _typed_choice(text: str) -> str:
    """'yes' or 'no' for a typed «ja», «nee», «yes», «no» (either language), also with more
    words after it («nee hoeft niet», «ja graag, dat lijkt me fijn») when those words hold no
    word of the other answer; else ''."""
    typed = words(text)
    said = " ".join(typed)
    phrases = _choice_phrases()
    for choice in ("yes", "no"):
        if said in phrases[choice]:
            return choice
    if not typed:
        return ""
    for choice, other in (("yes", "no"), ("no", "yes")):
        if typed[0] in phrases[choice] and not set(typed[1:]) & phrases[other]:
            return choice
    return ""


@cache
def _choice_phrases() -> dict[str, frozenset[str]]:
    """The typed yes and no words of every language, as `words` reads them."""

    def read(phrases: list[str]) -> frozenset[str]:
        return frozenset(" ".join(words(phrase)) for phrase in phrases)

    texts = [load_texts(lang) for lang in LANGUAGES]
    return {
        "yes": read([p for t in texts for p in t.yes_words]),
        "no": read([p for t in texts for p in t.no_words]),
    }


def choose(conv: Conversation, session: Session, choice: str) -> bool:
    """The answer to a yes/no item (its button, or a typed «ja»/«nee»): kept as the label the
    teacher saw, with `prompt` 'yes' or 'no' (what the flows read); then move on."""
    item = _script(conv, session).items[session.position]
    if item.kind != "yesno" or choice not in ("yes", "no") or session.awaiting != "main":
        return False
    part = AnswerPart(prompt=choice, text=conv.t(f"choice_{choice}"), at=conv.ctx.now)
    session.answers[item.id] = Answer(item_id=item.id, parts=[part])
    session.updated_at = conv.ctx.now
    if session.return_to_review:
        _back_to_review(conv, session)
        return True
    advance(conv, session, _acknowledge(conv, session, item, session.answers[item.id]))
    return True


LIST_MAX = 3  # a plan asks for one to three actions: a fourth is never taken


def _add_to_list(conv: Conversation, session: Session, item: Item, text: str) -> None:
    """A list item (e.g. the actions of a plan): every message is one entry, until «Done» or
    the third entry, after which the bot says kindly that three is the most and moves on."""
    script = _script(conv, session)
    if refers_elsewhere(text, conv.state.lang):
        conv.say(conv.t("list_entry_in_words"))
        return
    answer = session.answers.get(item.id)
    if answer is None or session.awaiting == "main" or answer.skipped:
        answer = Answer(item_id=item.id)
        session.awaiting = "list"
    if len(answer.parts) < LIST_MAX:
        answer.parts.append(AnswerPart(prompt="item", text=text, at=conv.ctx.now))
    session.answers[item.id] = answer
    session.updated_at = conv.ctx.now
    if len(answer.parts) >= LIST_MAX:
        advance(conv, session, item_text(conv, session, script.list_prompt_enough))
        return
    conv.say(
        item_text(conv, session, script.list_prompt_more),
        [[conv.button(script.list_done_button, Action.DONE)]],
    )


def list_done(conv: Conversation, session: Session) -> bool:
    """«Done» under a list item: move on when at least one entry is there (or under a long
    answer in parts: it is complete)."""
    if session.more:
        return more_done(conv, session)
    item = _script(conv, session).items[session.position]
    answer = session.answers.get(item.id)
    if item.kind != "list" or answer is None or not answer.parts:
        return False
    advance(conv, session, _acknowledge(conv, session, item, answer, closing=True))
    return True


def _set_pupil(conv: Conversation, session: Session, text: str) -> bool:
    if _agrees_only(text):  # «ja ok» after «Ja, laten we beginnen»: no name
        conv.say(conv.t("pseudonym_not_a_name"))
        return False
    check = check_pseudonym(text)
    if check.pseudonym is None:
        if check.problem == "full_name":
            conv.say(conv.t("pseudonym_full_name", name=check.name, suggestion=check.suggestion))
        else:
            conv.say(conv.t("pseudonym_invalid", limit=MAX_PSEUDONYM_CHARS))
        return False
    slot = session.pupil_slot
    conv.state.pupils = [p for p in conv.state.pupils if p.slot != slot]
    conv.state.pupils.append(Pupil(slot=slot, pseudonym=check.pseudonym))
    conv.state.pupils.sort(key=lambda p: p.slot)
    return True


def advance(conv: Conversation, session: Session, prefix: str = "") -> None:
    """Move to the next item, or to the review after the last one."""
    session.awaiting = "main"
    session.more, session.overflow = False, ""
    session.position += 1
    if session.position >= len(_script(conv, session).items):
        session.position = len(_script(conv, session).items) - 1
        session.status = "review"
        show_review(conv, session, intro=True)
        return
    ask(conv, session, prefix)


def skip(conv: Conversation, session: Session) -> None:
    """Skip the current probe (keeping the answer) or the current item, and say so."""
    item = _script(conv, session).items[session.position]
    if item.kind == "pseudonym" and conv.state.pupil(session.pupil_slot) is None:
        conv.say(conv.t("cannot_skip_pupil"))
        return
    if session.more:  # the rest of a long answer is not coming: it is complete as it is
        more_done(conv, session)
        return
    probe = session.awaiting != "main"
    if not probe and item.id not in session.answers:
        session.answers[item.id] = Answer(item_id=item.id, skipped=True)
    session.updated_at = conv.ctx.now
    if session.return_to_review:
        _back_to_review(conv, session, "review_unchanged")
        return
    advance(conv, session, conv.t("skip_probe_ack" if probe else "skip_item_ack"))


def back(conv: Conversation, session: Session) -> None:
    """Go back to change an answer: during a follow-up, to this item's own question (the answer
    just given is what the teacher wants to change); otherwise to the previous item."""
    if session.awaiting != "main":
        session.awaiting = "main"
        session.more = False
        ask(conv, session)
        return
    if session.position == 0:
        conv.say(conv.t("back_first"))
        ask(conv, session)
        return
    session.position -= 1
    session.awaiting = "main"
    session.more = False
    ask(conv, session)


def keep(conv: Conversation, session: Session) -> None:
    """Keep the existing answer of the current item and move on."""
    if session.return_to_review:
        _back_to_review(conv, session, "review_unchanged")
        return
    advance(conv, session)


def item_label(conv: Conversation, session: Session, item: Item) -> str:
    """How the review and the picker name an item: the number the interview gave it and its
    short title («4 · Boos of verdrietig»); the questions before and after the numbered ones
    are named by their place («Vooraf · Klas», «Tot slot · Verder nog iets»)."""
    script = _script(conv, session)
    title = item_text(conv, session, item.title)
    if item.section == "questions":
        return conv.t("label_question", n=script.counted.index(item) + 1, title=title)
    return conv.t(f"label_{item.section}", title=title)


def _review_blocks(conv: Conversation, session: Session) -> list[str]:
    script = _script(conv, session)
    blocks = []
    for item in script.items:
        answer = session.answers.get(item.id)
        shown = answer.text if answer and answer.parts else conv.t("skipped_mark")
        label = item_label(conv, session, item)
        blocks.append(conv.t("review_item", label=label, answer=shown))
    return blocks


def review_actions(conv: Conversation, session: Session, text_id: str = "review_actions") -> None:
    """The review's buttons: send, change an answer, show all answers again."""
    buttons = [
        [conv.button(conv.t("submit"), Action.SUBMIT)],
        [
            conv.button(conv.t("change"), Action.CHANGE),
            conv.button(conv.t("show_all"), Action.SHOW),
        ],
    ]
    conv.say(conv.t(text_id), buttons)


def show_review(conv: Conversation, session: Session, intro: bool = False) -> None:
    """All answers, packed into as few messages as fit, then the review's buttons."""
    intro_id = "review_intro_sparse" if _mostly_skipped(conv, session) else "review_intro"
    blocks = ([conv.t(intro_id)] if intro else []) + _review_blocks(conv, session)
    conv.say_blocks(blocks)
    review_actions(conv, session)


def _mostly_skipped(conv: Conversation, session: Session) -> bool:
    """Whether the teacher left half the questions or more unanswered: then the review does not
    thank her for her openness, it says that she can still add to them."""
    items = _script(conv, session).counted
    answered = [i for i in items if (a := session.answers.get(i.id)) and not a.skipped]
    return bool(items) and len(answered) * 2 <= len(items)


def review_pick(conv: Conversation, session: Session) -> None:
    """Ask which answer to change: a button per item, named as in the review; the numbered
    questions first, so a channel that numbers buttons (the terminal's «[4]») gives question 4
    the number 4, then the questions before and after them."""
    conv.state.pending = "review_pick"
    script = _script(conv, session)
    order = sorted(enumerate(script.items), key=lambda found: found[1].section != "questions")
    rows = [
        [conv.button(item_label(conv, session, item), Action.PICK, str(n))] for n, item in order
    ]
    conv.say(conv.t("review_pick"), rows)


def typed_pick(conv: Conversation, session: Session, text: str) -> bool:
    """A question number typed at the picker («4») opens that question, as its button would."""
    counted = _script(conv, session).counted
    said = text.strip().rstrip(".")
    if not said.isdigit() or not 1 <= int(said) <= len(counted):
        return False
    items = _script(conv, session).items
    pick(conv, session, items.index(counted[int(said) - 1]))
    return True


def pick(conv: Conversation, session: Session, index: int) -> None:
    """Open one item of the review for a new answer."""
    script = _script(conv, session)
    if not 0 <= index < len(script.items):
        review_pick(conv, session)
        return
    item = script.items[index]
    session.position = index
    session.awaiting = "main"
    session.return_to_review = True
    conv.state.pending = "review_edit"
    answer = session.answers.get(item.id)
    shown = answer.text if answer and answer.parts else conv.t("skipped_mark")
    question = item_text(conv, session, item.text)
    label = item_label(conv, session, item)
    conv.say(conv.t("review_edit", label=label, question=question, answer=shown))


def _back_to_review(conv: Conversation, session: Session, text_id: str = "review_updated") -> None:
    session.return_to_review = False
    session.more = False
    session.status = "review"
    session.position = len(_script(conv, session).items) - 1
    session.awaiting = "main"
    conv.state.pending = None
    review_actions(conv, session, text_id)


def submit(conv: Conversation, session: Session) -> None:
    """Freeze the session; what it sets in motion is up to the flow (`flows.on_submitted`)."""
    session.status = "submitted"
    session.submitted_at = conv.ctx.now
    conv.state.active_session = None
    conv.state.pending = None
