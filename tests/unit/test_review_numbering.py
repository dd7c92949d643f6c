"""One numbering from the interview to the review and the picker; /skip and free text on the
review get an answer; no doubled full stop after an initial."""

from __future__ import annotations

import pytest

from bot.dialogues.script import load_script, load_texts
from tests.support.engine_driver import EngineChat

NL = load_texts("nl")


def to_review(chat: EngineChat) -> None:
    while chat.state is not None and chat.state.sessions[0].status == "active":
        chat.command("skip")


def test_the_review_and_the_picker_use_the_interviews_numbers_and_titles() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    assert "Vraag 1 van 12" in chat.said[-1].text
    to_review(chat)
    review = "\n".join(m.text for m in chat.said[-4:])
    script = load_script("interview", "nl")
    q4 = script.counted[3].title.format(pupil="Noah")
    assert f"4 · {q4}" in review
    assert "Vooraf · Klas" in review and "Tot slot · " in review
    assert "16." not in review and "\n16" not in review
    chat.press(NL.get("change"))
    labels = [b.label for b in chat.buttons()]
    assert f"4 · {q4}" in labels and "Vooraf · Leerling" in labels
    assert labels[3] == f"4 · {q4}"  # the terminal's «[4]» is question 4
    assert not any(label.isdigit() for label in labels)  # never «[16] 16»
    said = chat.press(f"4 · {q4}")
    assert said.startswith(f"4 · {q4}")
    chat.text("Hij kwam huilend binnen, ik ging naast hem zitten.")
    answers = chat.state.sessions[0].answers if chat.state else {}
    assert answers[script.counted[3].id].text.startswith("Hij kwam huilend binnen")


def test_a_typed_number_at_the_picker_opens_that_question() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    to_review(chat)
    chat.press(load_texts("en").get("change"))
    said = chat.text("4")
    title = load_script("interview", "en").counted[3].title.format(pupil="Noah")
    assert said.startswith(f"4 · {title}")


def test_skip_is_acknowledged_and_an_unchanged_answer_is_not_called_changed() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    said = chat.command("skip")
    assert said.startswith(NL.get("skip_item_ack")) and "Vraag 2 van 12" in said
    chat.text("Gisteren hielp hij me spontaan met opruimen.")
    said = chat.command("skip")  # the follow-up
    assert said.startswith(NL.get("skip_probe_ack")) and "Vraag 3 van 12" in said
    to_review(chat)
    chat.press(NL.get("change"))
    chat.press_nth(4)
    assert chat.command("skip").startswith(NL.get("review_unchanged"))
    assert chat.state is not None and chat.state.sessions[0].answers["q05_misbehave"].skipped


def test_free_text_on_the_review_is_answered_kindly_and_changes_nothing() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    to_review(chat)
    before = chat.state.model_dump_json() if chat.state else ""
    said = chat.send("text", "Ik wil bij vraag 3 nog iets zeggen.")
    assert said[-1].text == NL.get("review_free_text")
    assert next(b.label for row in said[-1].buttons for b in row) == NL.get("submit")
    assert chat.state is not None
    assert (
        chat.state.sessions[0].answers
        == type(chat.state).model_validate_json(before).sessions[0].answers
    )


def test_an_initial_with_a_full_stop_is_not_followed_by_a_second_one() -> None:
    chat = EngineChat(lang="nl")
    chat.command("start")
    chat.press_nth(0)
    chat.text("N.")
    said = chat.text("groep 6")
    said += chat.text("Ik kom niet goed tot hem.")
    assert "N.." not in said and "N." in said
    to_review(chat)
    assert not any("N.." in m.text for m in chat.said)


def test_the_class_question_asks_for_the_class_or_year_group() -> None:
    text = load_script("interview", "en").items[1].text
    assert "class or year group" in text and "group or year is" not in text


def test_a_filled_in_phrase_ending_in_a_full_stop_gets_no_second_one() -> None:
    from bot.text.punctuation import fill

    template = "Je koos: «{words}». Over {pupil}. En ({scale})."
    said = fill(template, words="warm, druk (positieve gevoelens).", pupil="N.", scale="rust.")
    assert said == "Je koos: «warm, druk (positieve gevoelens).» Over N. En (rust.)"
    assert fill("«{x}». {y}.", x="Nee..", y="ok") == "«Nee..» ok."  # the teacher's words stay


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Sam.", "Sam"), ("N.", "N."), ("J.P.", "J.P."), ("Noah!", "Noah"), ("«Jip»", "Jip")],
)
def test_a_name_typed_as_a_sentence_loses_its_full_stop_an_initial_keeps_it(
    typed: str, kept: str
) -> None:
    from bot.dialogues.pseudonym import check_pseudonym

    assert check_pseudonym(typed).pseudonym == kept
