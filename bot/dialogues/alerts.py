"""Safeguarding in the conversation: a possible child at risk or teacher in distress reaches a
person at once.

Every typed answer is checked (`bot.safety.safeguarding.check`, offline rules). On a signal the
interview goes on calmly; the teacher gets, once per kind, a short kind message with where to
turn (the texts and numbers are data in `prompts/<lang>/ui.yaml`, per deployment); the coach
gets an urgent alert with the question and the quoted sentence, which heads `/queue` until the
coach acknowledges it. Without a coach yet, the alert waits and goes out when they join.
"""

from __future__ import annotations

from bot.dialogues.callbacks import Action
from bot.dialogues.conversation import Conversation
from bot.dialogues.script import Item
from bot.dialogues.told import handles
from bot.models.internal import SafeguardingAlert
from bot.models.jobs import JobName
from bot.models.state import Alert, Session
from bot.safety.safeguarding import Signal, check


def screen(conv: Conversation, session: Session, question_id: str, text: str) -> None:
    """Check one answer with the rules now (and, when configured, by the LLM afterwards)."""
    signals = check(text, conv.state.lang)
    item = _item(conv, session, question_id)
    if item is not None and item.asks_hard_feelings:
        signals = [_possible_if_model_distress(s) for s in signals]
    model_distress = any(_model_distress(s) for s in signals)  # read the answer again only then
    if model_distress and item is not None and _remembers_nothing(conv, session, item, text):
        signals = [s for s in signals if not _model_distress(s)]
    clear = {s.kind for s in signals if s.clear}  # one answer: one alert of a kind, not two
    signals = [s for s in signals if s.clear or s.kind not in clear]
    raise_alerts(conv, session, question_id, signals)
    if conv.ctx.second_look:
        user_id = conv.state.user_id
        conv.schedule(
            JobName.SECOND_LOOK,
            f"safeguard:{user_id}:{conv.event.event_id}",
            session_id=session.id,
            question_id=question_id,
        )


def raise_alerts(
    conv: Conversation, session: Session, question_id: str, signals: list[Signal]
) -> None:
    """Keep each signal as an alert; tell the teacher (once per kind) and the coach (each). A
    clear signal on a sentence that was only a possible one (the LLM's second look agreeing
    with the model) is a new, urgent alert."""
    known = {(a.kind, a.quote, a.possible) for a in conv.state.alerts}
    for signal in signals:
        if (signal.kind, signal.quote, False) in known or (
            not signal.clear and (signal.kind, signal.quote, True) in known
        ):
            continue
        alert = Alert(
            kind=signal.kind,
            session_id=session.id,
            question_id=question_id,
            question=_label(conv, session, question_id),
            quote=signal.quote,
            possible=not signal.clear,
            at=conv.ctx.now,
        )
        conv.state.alerts.append(alert)
        _tell_teacher(conv, session, alert)
    send_alerts(conv)


def _tell_teacher(conv: Conversation, session: Session, alert: Alert) -> None:
    """Once per kind and session (the interview, session 2, a check-in a week later: distress
    told again later is answered again), a short kind word with where to turn: the full one
    for a clear signal, a gentler one for a possible one; a clear one still comes after a
    possible one."""
    told = conv.state.alerts_told
    clear = f"{session.id}/{alert.kind}"
    marker = f"{clear}:possible" if alert.possible else clear
    if clear in told or marker in told:
        return
    told.append(marker)
    pupil = conv.state.pupil(session.pupil_slot)
    name = pupil.pseudonym if pupil else conv.t("a_pupil")
    coach = conv.t("safeguarding_coach_" + ("told" if conv.state.coach_id is not None else "later"))
    key = f"safeguarding_{'possible_' if alert.possible else ''}{alert.kind}"
    conv.say(conv.t(key, pupil_ref=name, coach_told=coach))


def _remembers_nothing(conv: Conversation, session: Session, item: Item, text: str) -> bool:
    """«Ik weet het echt niet meer» to «what happened then?» says the teacher does not remember
    (the model, reading the sentence alone, hears «I am at my wits' end»); the rules still
    read it, as every answer."""
    from bot.dialogues import runner

    return runner.remembers_nothing(conv, session, item, text)


def _model_distress(signal: Signal) -> bool:
    return signal.kind == "teacher_distress" and signal.reason.startswith("model ")


def _item(conv: Conversation, session: Session, question_id: str) -> Item | None:
    """The session's question `question_id` (None when its script no longer has it)."""
    from bot.dialogues import runner  # the runner screens answers through this module

    return next(
        (i for i in runner.session_script(conv, session).items if i.id == question_id), None
    )


def _possible_if_model_distress(signal: Signal) -> Signal:
    """The model's teacher distress in an answer to a question about hard feelings is possible,
    not clear: «ik weet het echt niet meer» answers «when do you not know what to do?»."""
    if _model_distress(signal):
        return signal.model_copy(update={"clear": False})
    return signal


def _label(conv: Conversation, session: Session, question_id: str) -> str:
    """The question as the coach reads it («vraag 3 · Een moment dat het niet klikte»), never
    its id."""
    from bot.dialogues import runner

    item = _item(conv, session, question_id)
    if item is None:
        return conv.t("question_unknown")
    script = runner.session_script(conv, session)
    title = runner.item_text(conv, session, item.title)
    if item in script.counted:
        return conv.t("question_label", n=script.counted.index(item) + 1, title=title)
    return title


def send_alerts(conv: Conversation) -> None:
    """Every alert not yet with the coach goes to the coach now (when there is one)."""
    coach = conv.state.coach_id
    if coach is None:
        return
    for alert in conv.state.alerts:
        if alert.sent_at is None:
            alert.sent_at = conv.ctx.now
            conv.tell(coach, SafeguardingAlert(alert=alert))


@handles(SafeguardingAlert)
def on_alert(conv: Conversation, event: SafeguardingAlert) -> None:
    """The coach's side: keep the alert, say it now, marked urgent, with an acknowledge button."""
    teacher = conv.state.coaching.get(str(event.sender))
    if teacher is None:
        return
    alert = event.alert.model_copy()
    teacher.alerts.append(alert)
    index = len(teacher.alerts) - 1
    name = conv.teacher_name(teacher)
    text = conv.t(
        f"coach_alert_{'possible_' if alert.possible else ''}{alert.kind}",
        teacher=name,
        question=alert.question or conv.t("question_unknown"),
        quote=alert.quote,
    )
    ref = f"{teacher.teacher_id}/{index}"
    conv.say(
        text,
        [
            [conv.button(conv.t("acknowledge_button"), Action.ACKNOWLEDGE, ref)],
            [conv.button(conv.t("no_concern_button"), Action.ACKNOWLEDGE, f"{ref}/{NO_CONCERN}")],
        ],
    )


NO_CONCERN = "n"  # the second verdict on an alert's button: read, no cause for concern


def acknowledge(conv: Conversation, arg: str) -> bool:
    """The coach has seen an alert: they will act on it, or (`<teacher>/<index>/n`) they read
    it and it gives no cause for concern."""
    from bot.dialogues import coach_ops as ops  # coach_ops -> coaching -> this module

    teacher_id, _, rest = arg.partition("/")
    index, _, verdict = rest.partition("/")
    teacher = conv.state.coaching.get(teacher_id)
    if teacher is None or not index.isdigit():
        return False
    no_concern = verdict == NO_CONCERN
    if not ops.acknowledge(conv, teacher, int(index), no_concern=no_concern):
        return False
    said = "alert_no_concern" if no_concern else "alert_acknowledged"
    conv.say(conv.t(said, teacher=conv.teacher_name(teacher)))
    return True


def open_alerts(conv: Conversation) -> list[tuple[str, str]]:
    """For the head of /queue: (line, acknowledge reference) of every alert the coach has not
    acknowledged yet, oldest first."""
    found = []
    for teacher in conv.state.coaching.values():
        for index, alert in enumerate(teacher.alerts):
            if alert.acknowledged_at is None:
                key = "queue_alert_possible" if alert.possible else "queue_alert"
                line = conv.t(key, teacher=conv.teacher_name(teacher), quote=alert.quote)
                found.append((line, f"{teacher.teacher_id}/{index}"))
    return found
