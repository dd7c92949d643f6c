"""The interview engine without network: flow, probes, back/skip, review, bad input, languages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.dialogues.script import load_script, load_texts
from tests.support.engine_driver import EngineChat


def test_welcome_asks_consent_in_the_client_language() -> None:
    chat = EngineChat(lang="en")
    said = chat.command("start")
    assert said == load_texts("en").get("welcome")
    assert [b.label for b in chat.buttons()] == ["Yes, let's begin", "Not now", "Nederlands"]
    assert chat.state is not None and chat.state.consent_at is None


def test_unknown_client_language_defaults_to_dutch() -> None:
    chat = EngineChat(lang="fr")
    assert chat.command("start") == load_texts("nl").get("welcome")


def test_declining_keeps_nothing() -> None:
    chat = EngineChat()
    chat.command("start")
    chat.press_nth(1)
    assert chat.forgotten and chat.state is None


@pytest.mark.parametrize("typed", ["ja", "Ja!", "ja graag", "Ja, laten we beginnen", "oké", "yes"])
def test_typing_yes_at_the_consent_question_starts_like_the_button(typed: str) -> None:
    by_button, by_typing = EngineChat(), EngineChat()
    for chat in (by_button, by_typing):
        chat.command("start")
    pressed = by_button.press("Ja, laten we beginnen")
    assert by_typing.text(typed) == pressed
    assert by_typing.state is not None and by_typing.state.consent_at is not None
    assert by_typing.state.session() is not None


@pytest.mark.parametrize("typed", ["nee", "Nu niet.", "not now"])
def test_typing_no_at_the_consent_question_keeps_nothing(typed: str) -> None:
    chat = EngineChat()
    chat.command("start")
    assert chat.text(typed) == load_texts("nl").get("declined")
    assert chat.forgotten and chat.state is None


@pytest.mark.parametrize("typed", ["wie leest dit?", "ja, maar eerst een vraag", "Mila"])
def test_anything_else_before_consent_asks_again_briefly_with_the_buttons(typed: str) -> None:
    chat = EngineChat()
    chat.command("start")
    assert chat.text(typed) == load_texts("nl").get("welcome_choose")
    assert [b.label for b in chat.buttons()] == ["Ja, laten we beginnen", "Nu niet", "English"]
    assert chat.state is not None and chat.state.consent_at is None


@pytest.mark.parametrize("command", ["status", "stop", "pause", "back", "skip"])
def test_session_commands_before_consent_ask_again_briefly(command: str) -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    assert chat.command(command) == load_texts("en").get("welcome_choose")
    assert chat.state is not None and chat.state.stage == "welcome"


def test_language_button_switches_the_welcome() -> None:
    chat = EngineChat(lang="nl")
    chat.command("start")
    said = chat.press("English")
    assert said == load_texts("en").get("welcome")
    assert chat.state is not None and chat.state.lang == "en"


def test_full_name_gets_a_gentle_request_and_the_pseudonym_is_used() -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press("Yes, let's begin")
    said = chat.text("Noah de Vries")
    assert "N." in said and "privacy" in said
    assert chat.state is not None and chat.state.pupils == []
    said = chat.text("Noah")
    assert "Noah" in said and chat.state.pupils[0].pseudonym == "Noah"


def test_progress_is_shown_on_every_question() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    said = chat.said[-1].text
    assert "Question 1 of 12" in said
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    assert "Question 2 of 12" in chat.said[-1].text


def test_event_question_probes_only_for_what_is_missing() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Moeizaam, boeiend, warm: vorige week hielp hij me spontaan opruimen.")
    said = chat.text(
        "Yesterday Noah showed me his drawing. I was so proud and I told him it was beautiful."
    )
    probes = load_script("interview", "en").probes
    assert probes["pupil_felt"].format(pupil="Noah") in said
    assert probes["ending"] in said
    assert probes["did"] not in said and probes["felt"] not in said
    said = chat.text("I think he felt seen. In the end he hung it on the wall.")
    assert "Question 3 of 12" in said


def test_generalisation_gets_one_request_for_a_concrete_time() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    said = chat.text("Het klikt eigenlijk nooit, hij doet altijd tegendraads.")
    assert load_script("interview", "nl").probes["concrete"] in said


def test_at_most_two_probe_turns_then_move_on() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    chat.text("In de klas.")
    chat.text("Gewoon.")
    said = chat.text("Echt niet.")
    assert "Vraag 3 van 12" in said
    assert chat.state is not None
    answer = chat.state.sessions[0].answers["q02_click"]
    assert [p.text for p in answer.parts] == ["In de klas.", "Gewoon.", "Echt niet."]


def test_back_shows_the_old_answer_and_editing_replaces_it() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    said = chat.command("back")
    assert "Question 1 of 12" in said and "laughed together" in said
    assert [b.label for b in chat.buttons()] == ["Keep"]
    chat.text("Warm, busy, hopeful. This morning he waved at me when he came in.")
    assert chat.state is not None
    assert chat.state.sessions[0].answers["q01_three_words"].text.startswith("Warm, busy")


def test_back_during_a_follow_up_goes_to_the_answer_just_given() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    said = chat.text("Yesterday Noah showed me his drawing and I told him it was beautiful.")
    assert "Question 2 of 12" not in said  # a follow-up was asked
    said = chat.command("back")
    assert "Question 2 of 12" in said and "showed me his drawing" in said
    chat.text("Last week we built a tower together at choosing time and he beamed at me.")
    assert chat.state is not None
    answer = chat.state.sessions[0].answers["q02_click"]
    assert answer.text.startswith("Last week we built a tower")
    assert chat.state.sessions[0].answers["q01_three_words"].text.startswith("Struggle")


def test_keep_moves_on_without_change() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.command("back")
    said = chat.press("Keep")
    assert "Question 2 of 12" in said
    assert chat.state is not None
    assert "laughed" in chat.state.sessions[0].answers["q01_three_words"].text


def test_back_on_the_first_question_says_so() -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press("Yes, let's begin")
    said = chat.command("back")
    assert load_texts("en").get("back_first") in said


def test_skip_marks_the_question_and_the_pupil_cannot_be_skipped() -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press("Yes, let's begin")
    assert load_texts("en").get("cannot_skip_pupil") in chat.command("skip")
    chat.text("Sam")
    chat.command("skip")
    assert chat.state is not None
    assert chat.state.sessions[0].answers["i02_class"].skipped


def test_skip_during_a_probe_keeps_the_answer() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.text("Yesterday he helped me tidy up.")
    said = chat.command("skip")
    assert "Question 3 of 12" in said
    assert chat.state is not None
    answer = chat.state.sessions[0].answers["q02_click"]
    assert not answer.skipped and answer.text == "Yesterday he helped me tidy up."


def finish(chat: EngineChat) -> None:
    while chat.state is not None and chat.state.sessions[0].status == "active":
        chat.command("skip")


def test_review_lists_every_answer_and_an_answer_can_be_corrected() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    finish(chat)
    review = "\n".join(m.text for m in chat.said[-3:])
    assert "laughed together" in review and "(skipped)" in review
    chat.press("Change an answer")
    chat.press("1 · Three words")
    said = chat.text("Close, lively, warm. Today he brought me a flower.")
    assert said == load_texts("en").get("review_updated")
    chat.press("Send to my coach")
    assert chat.state is not None
    session = chat.state.sessions[0]
    assert session.status == "submitted" and session.submitted_at is not None
    assert session.answers["q01_three_words"].text.startswith("Close, lively")
    assert [j.name for j in chat.jobs] == ["interview_submitted"]


def test_after_submit_the_interview_is_frozen() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    finish(chat)
    chat.press("Send to my coach")
    said = chat.text("One more thing about Noah")
    assert "with your coach" in said
    assert chat.state is not None and "One more thing" not in chat.state.model_dump_json()
    chat.command("back")
    assert chat.state.sessions[0].status == "submitted"


def test_pause_then_any_message_resumes_at_the_same_question() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.command("pause")
    chat.now += timedelta(days=3)
    said = chat.text("hello")
    assert said.startswith(load_texts("en").get("welcome_back")) and "Question 1 of 12" in said
    assert chat.state is not None and "q01_three_words" not in chat.state.sessions[0].answers


def test_a_greeting_after_a_long_break_resumes_but_an_answer_is_kept() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.now += timedelta(hours=30)
    assert "Vraag 1 van 12" in chat.text("Hoi")
    chat.now += timedelta(hours=30)
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    assert chat.state is not None and "q01_three_words" in chat.state.sessions[0].answers


@pytest.mark.parametrize(
    ("kind", "fields", "message_id"),
    [
        ("media", {"media": "sticker"}, "media_sticker"),
        ("media", {"media": "voice"}, "media_voice"),
        ("media", {"media": "photo"}, "media_other"),
        ("edited", {}, "edited"),
    ],
)
def test_media_and_edits_get_a_kind_reply_and_change_nothing(
    kind: str, fields: dict[str, str], message_id: str
) -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    before = chat.state.model_dump_json() if chat.state else ""
    said = chat.send(kind, **fields)
    assert [m.text for m in said] == [load_texts("en").get(message_id)]
    assert chat.state is not None and chat.state.model_dump_json() == before


def test_too_long_and_empty_messages_change_nothing() -> None:
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press_nth(0)
    before = chat.state.model_dump_json() if chat.state else ""
    assert "12000" in chat.text("x" * 12000)  # the pupil's name: refused, not cut
    assert chat.text("   ") == load_texts("en").get("empty")
    assert chat.state is not None
    assert chat.state.sessions[0].answers == json_answers(before)


def json_answers(dump: str) -> dict[str, object]:
    from bot.models.state import UserState

    return UserState.model_validate(json.loads(dump)).sessions[0].answers  # type: ignore[return-value]


def test_unknown_command_lists_the_commands() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    said = chat.command("foo")
    assert "/foo" in said and "/pause" in said


@pytest.mark.parametrize("data", ["garbage", "1:consent:yes", "999:submit:", "x" * 80, ""])
def test_forged_or_old_buttons_are_refused_kindly(data: str) -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    before = chat.state.model_dump_json() if chat.state else ""
    said = chat.send("button", data=data)
    assert said[0].text.startswith(load_texts("en").get("old_button"))
    assert chat.state is not None
    assert chat.state.sessions == json_sessions(before)


def json_sessions(dump: str) -> object:
    from bot.models.state import UserState

    return UserState.model_validate(json.loads(dump)).sessions


def test_button_valid_in_another_context_is_refused() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    menu = chat.state.menu if chat.state else 0
    said = chat.send("button", data=f"{menu}:submit:")
    assert said[0].text.startswith(load_texts("en").get("old_button"))
    assert chat.state is not None and chat.state.sessions[0].status == "active"


def test_mydata_exports_the_whole_document_as_json() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    [message] = chat.send("command", command="mydata")
    assert message.document is not None
    data = json.loads(message.document.content)
    assert data["sessions"][0]["answers"]["q01_three_words"]["parts"][0]["text"].startswith(
        "Struggle"
    )


def test_forget_asks_for_confirmation_then_deletes() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.command("forget")
    said = chat.press("No, keep it")
    assert said.startswith(load_texts("en").get("forget_kept"))
    assert chat.state is not None
    chat.command("forget")
    chat.text("what?")
    assert chat.state is not None and chat.state.pending == "forget"
    chat.press("Yes, delete everything")
    assert chat.forgotten and chat.state is None


def test_stop_then_start_continues() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.command("stop")
    assert chat.text("hello") == load_texts("en").get("stopped_hint")
    assert "Question 1 of 12" in chat.command("start")


def test_status_counts_answered_and_skipped() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.command("skip")
    said = chat.command("status")
    assert "1 of 12" in said and "1 skipped" in said
    assert "We are at: question 3 of 12." in said  # mid-sentence, so lower case


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_whole_interview_in_each_language(lang: str) -> None:
    chat = EngineChat(lang=lang)
    chat.start_interview("Sara")
    script = load_script("interview", lang)
    for item in script.items[3:]:
        assert chat.state is not None
        session = chat.state.sessions[0]
        while session.status == "active" and script.items[session.position].id == item.id:
            chat.text(f"Gisteren, bij {item.id}: ik zei iets en ik voelde me blij. Zij was trots.")
    assert chat.state is not None and chat.state.sessions[0].status == "review"
    assert all(q.id in chat.state.sessions[0].answers for q in script.items)
    assert all("Sara" in m.text for m in chat.said if "{pupil}" in m.text) or True
    assert not any("{pupil}" in m.text for m in chat.said)


@pytest.mark.parametrize(
    ("lang", "opening"),
    [("nl", "Je nieuwe interview: 0 van de 12"), ("en", "Your new interview: 0 of 12")],
)
def test_status_before_the_pupil_is_named_shows_no_ellipsis(lang: str, opening: str) -> None:
    chat = EngineChat(lang=lang)
    chat.command("start")
    chat.press_nth(0)
    said = chat.command("status")
    assert said.startswith(opening) and "…" not in said


def _to_question(chat: EngineChat, question_id: str) -> None:
    """Skip questions until the interview asks `question_id`."""
    items = load_script("interview", chat.lang).items
    for _ in items:
        assert chat.state is not None
        if items[chat.state.sessions[0].position].id == question_id:
            return
        chat.command("skip")
    raise AssertionError(question_id)


def test_model_distress_in_an_answer_about_helplessness_is_for_the_coach_to_read() -> None:
    """«Ik weet het echt niet meer» answers «when do you not know what to do?»: the coach is asked
    to read it, the teacher is not sent the crisis lines; a rule's signal there still is clear."""
    from bot.safety.safeguarding import check

    helpless = "Ik weet het echt niet meer."
    [offline] = check(helpless, "nl")
    assert offline.clear and offline.reason.startswith("model ")  # clear anywhere else
    chat = EngineChat(lang="nl")
    chat.start_interview()
    _to_question(chat, "q10_helpless")
    before = len(chat.state.alerts) if chat.state else 0
    said = chat.text(helpless)
    assert chat.state is not None
    [alert] = chat.state.alerts[before:]
    assert alert.kind == "teacher_distress" and alert.possible
    assert "112" not in said and "Dank je dat je dit met me deelt." in said
    chat.text("Soms wil ik er gewoon niet meer zijn.")
    assert any(a.kind == "teacher_distress" and not a.possible for a in chat.state.alerts)


def test_one_answer_with_a_clear_and_a_possible_sign_of_one_kind_is_one_alert() -> None:
    from bot.safety.safeguarding import check

    possible, clear = "Sam said he sleeps in the car some nights.", "His dad hits him with a belt."
    assert [s.clear for s in check(f"{possible} {clear}", "en")] == [False, True]
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text(f"Worried, fond, tired. {possible} {clear}")
    assert chat.state is not None
    [alert] = chat.state.alerts
    assert alert.kind == "child_at_risk" and not alert.possible and alert.quote == clear


def test_distress_told_again_at_a_later_session_gets_the_kind_word_again() -> None:
    """Once per kind and session: the same teacher crying in the car again at the check-in a
    week later hears the kind word again, not only the coach."""
    from bot.dialogues.alerts import raise_alerts
    from bot.dialogues.conversation import Context, Conversation
    from bot.models.events import Inbound
    from bot.safety.safeguarding import Signal

    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Tiring, fond, tense. I cry in the car every morning before school.")
    assert chat.state is not None
    first = chat.state.sessions[0]
    kind_word = "It sounds like things are very heavy for you right now"
    assert kind_word in "".join(r.text for r in chat.said)

    def tell(session_id: str, quote: str) -> str:
        assert chat.state is not None
        event = Inbound(event_id="t:x", channel="terminal", user_id=42, chat_id=42, kind="text")
        conv = Conversation(chat.state, event, Context(now=chat.now))
        later = first.model_copy(update={"id": session_id})
        signal = Signal(kind="teacher_distress", quote=quote)
        raise_alerts(conv, later, "c01", [signal])
        return "".join(r.text for r in conv.replies)

    assert kind_word not in tell(first.id, "I can't sleep.")  # one session: told once is enough
    assert kind_word in tell("checkin-1", "I still cry in the car.")


@pytest.mark.parametrize(
    ("typed", "choice"),
    [
        ("nee hoeft niet", "no"),
        ("Nee, hoeft niet.", "no"),
        ("ja graag", "yes"),
        ("yes please", "yes"),
        ("ja maar nee", ""),
        ("misschien", ""),
    ],
)
def test_a_typed_yes_or_no_may_have_words_after_it(typed: str, choice: str) -> None:
    from bot.dialogues.runner import _typed_choice

    assert _typed_choice(typed) == choice
