"""A long answer in parts: what is kept is said, the rest joins the same answer, «Klaar»
completes it, and a second part never becomes the next question's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogues.parts import cut, labelled
from bot.dialogues.script import load_script, load_texts
from tests.support.engine_driver import EngineChat

NL, EN = load_texts("nl"), load_texts("en")
LIMIT = 4000


def story(sentences: int, start: int = 1) -> str:
    return " ".join(
        f"Op dag {n} kwam Noah binnen en ik zei hem goedemorgen bij de deur."
        for n in range(start, start + sentences)
    )


def q01(chat: EngineChat) -> str:
    assert chat.state is not None
    return chat.state.sessions[0].answers["q01_three_words"].text


def test_cut_keeps_whole_sentences_and_labels_are_read() -> None:
    text = story(80)
    kept = cut(text, LIMIT)
    assert len(kept) <= LIMIT and kept.endswith("deur.") and text.startswith(kept)
    assert cut("a" * 5000, LIMIT) == "a" * LIMIT
    assert labelled("Deel 2: en toen ging hij zitten.") == "en toen ging hij zitten."
    assert labelled("Part 3/3 - and then he sat down.") == "and then he sat down."
    assert labelled("(vervolg) hij bleef boos.") == "hij bleef boos."
    assert labelled("Deel van het probleem: hij luistert niet.") is None
    assert labelled("Gisteren kwam hij binnen.") is None


def test_over_the_limit_the_first_part_is_kept_and_part_two_joins_the_same_answer() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    text = story(80)
    kept = cut(text, LIMIT)
    said = chat.text(text)
    assert said.startswith(NL.get("long_kept", limit=LIMIT, tail="…")[:40])
    assert "ik zei hem goedemorgen bij de deur." in said  # where it stopped
    assert "Vraag 2 van 12" not in said
    assert [b.label for b in chat.buttons()] == [NL.get("long_done_button")]
    assert q01(chat) == kept
    rest = text[len(kept) :].strip()
    said = chat.text(f"Deel 2: {rest}")
    assert said.startswith(NL.get("long_added"))
    assert "Vraag 2 van 12" not in said
    assert q01(chat) == f"{kept}\n{rest}"
    said = chat.press(NL.get("long_done_button"))
    assert "Vraag 2 van 12" in said
    assert chat.state is not None
    assert "q02_click" not in chat.state.sessions[0].answers
    assert not chat.state.sessions[0].more


def test_typing_klaar_completes_a_long_answer_and_is_not_stored() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text(story(80))
    kept = q01(chat)
    said = chat.text("done")
    assert "Question 2 of 12" in said and q01(chat) == kept


def test_telegram_splitting_a_pasted_text_loses_no_part_to_the_next_question() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    text = story(100)
    split = text.rfind(" ", 0, 4096)  # a client sends a long paste as messages of 4096 at most
    first, second = text[:split], text[split + 1 :]
    chat.text(first)
    chat.now -= timedelta(seconds=58)  # the second part a moment later (the driver adds 60 s)
    said = chat.text(second)
    assert said.startswith(NL.get("long_added"))
    assert q01(chat).split() == text.split()  # nothing between the parts lost
    assert chat.state is not None and "q02_click" not in chat.state.sessions[0].answers
    said = chat.press(NL.get("long_done_button"))
    assert "Vraag 2 van 12" in said


def test_a_message_right_after_a_long_one_joins_it_and_the_question_is_asked_again() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    long = story(35)  # under the limit, but long
    chat.text(long)
    assert "Vraag 2 van 12" in chat.said[-1].text
    chat.now += timedelta(seconds=5) - timedelta(minutes=1)  # the driver adds a minute
    said = chat.text("En dat deed hij de hele week, elke ochtend weer.")
    assert said.startswith(NL.get("long_joined")) and "Vraag 2 van 12" in said
    assert q01(chat).endswith("elke ochtend weer.")
    assert chat.state is not None and "q02_click" not in chat.state.sessions[0].answers
    chat.now -= timedelta(seconds=50)  # sent again at once: now it is the answer to question 2
    chat.text("En dat deed hij de hele week, elke ochtend weer.")
    assert chat.state.sessions[0].answers["q02_click"].text.startswith("En dat deed hij")


def test_a_labelled_part_joins_the_previous_answer_even_later() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.now += timedelta(minutes=20)
    said = chat.text("Part 2: and he stayed close to me all afternoon.")
    assert said.startswith(EN.get("long_joined_labelled")) and "Question 2 of 12" in said
    assert q01(chat).endswith("\nand he stayed close to me all afternoon.")


def test_a_short_answer_after_a_short_one_is_the_next_answer() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.now -= timedelta(seconds=50)
    chat.text("Yesterday he helped me tidy up.")
    assert chat.state is not None
    assert chat.state.sessions[0].answers["q02_click"].text == "Yesterday he helped me tidy up."


def test_after_a_pause_the_open_long_answer_is_shown_with_its_button() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text(story(80))
    chat.command("pause")
    said = chat.text("hoi")
    assert "Vraag 1 van 12" in said and "eindigt met" in said
    assert [b.label for b in chat.buttons()] == [NL.get("long_done_button")]
    said = chat.press(NL.get("long_done_button"))
    assert "Vraag 2 van 12" in said


def test_the_advice_names_no_way_that_does_not_work() -> None:
    for texts in (NL, EN):
        advice = texts.get("long_kept", limit=LIMIT, tail="x")
        assert "verdelen" not in advice and "split" not in advice
        assert "verdelen" not in texts.get("too_long", length=5000, limit=LIMIT)
        assert "split" not in texts.get("too_long", length=5000, limit=LIMIT)


def test_an_over_long_correction_on_the_review_is_refused_and_changes_nothing() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    while chat.state is not None and chat.state.sessions[0].status == "active":
        chat.command("skip")
    chat.press(NL.get("change"))
    chat.press_nth(0)
    said = chat.text(story(80))
    assert said == NL.get("too_long", length=len(story(80)), limit=LIMIT)
    assert q01(chat).startswith("Strijd, moe, warm.")
    assert chat.text("Warm, druk, eerlijk.") == NL.get("review_updated")
    assert q01(chat) == "Warm, druk, eerlijk."


def test_the_second_part_of_the_last_answer_joins_it_on_the_review() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    while chat.state is not None and chat.state.sessions[0].position < 15:
        chat.command("skip")
    chat.text(story(35))  # the last question, long: the review follows
    assert chat.state is not None and chat.state.sessions[0].status == "review"
    chat.now -= timedelta(seconds=50)
    said = chat.send("text", "En daarna ging het gelukkig weer beter.")
    assert said[-1].text == NL.get("long_joined_review")
    last = chat.state.sessions[0].answers["q13_anything_else"]
    assert last.text.endswith("\nEn daarna ging het gelukkig weer beter.")


def test_skip_after_a_cut_answer_keeps_it_and_moves_on() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text(story(80))
    kept = q01(chat)
    said = chat.command("skip")
    assert "Vraag 2 van 12" in said and not said.startswith(NL.get("skip_item_ack"))
    assert chat.state is not None and not chat.state.sessions[0].answers["q01_three_words"].skipped
    assert q01(chat) == kept


def test_a_quick_answer_after_a_thorough_but_not_split_answer_is_its_own() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text(story(20))  # about 1,300 characters: thorough, not a text split in two
    chat.now -= timedelta(seconds=40)
    chat.text("Gisteren hielp hij me spontaan met opruimen.")
    assert chat.state is not None
    assert chat.state.sessions[0].answers["q02_click"].text.startswith("Gisteren hielp hij")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Vorige week in de kring ging hij naast me zitten,",
            "en toen las hij zelf een stukje voor.",
        ),
        (
            "Vorige week in de kring ging hij naast me zitten en",
            "toen las hij zelf een stukje voor.",
        ),
        ("ze is eigenlijk een lief meisje maar", "ze klapt dicht als ik iets vraag."),
        ("Vorige week in de kring ging hij naast me zitten…", "hij las zelf een stukje voor."),
    ],
)
def test_an_answer_sent_in_two_quick_messages_stays_one_answer(first: str, second: str) -> None:
    """Walk: the second half of an answer, sent straight after the first, became the answer to
    the follow-up that came in between."""
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text(first)
    chat.now -= timedelta(seconds=50)  # the next message 10 seconds later
    said = chat.text(second)
    assert said.startswith(load_texts("nl").get("long_joined"))
    assert chat.state is not None
    answer = chat.state.sessions[0].answers["q02_click"]
    assert [p.text for p in answer.parts] == [f"{first}\n{second}"]


def test_a_quick_answer_to_the_follow_up_is_not_joined() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text("Vorige week in de kring ging hij naast me zitten.")
    chat.now -= timedelta(seconds=40)
    chat.text("Ik voelde me blij.")
    assert chat.state is not None
    answer = chat.state.sessions[0].answers["q02_click"]
    assert [p.text for p in answer.parts][1] == "Ik voelde me blij."


def test_an_answer_opening_with_because_answers_the_question_below() -> None:
    """Walk: «because honestly he's driving me up the wall» to "What made you choose Jayden?"
    was glued to the class («Year 4»), and every later answer slid one question down."""
    chat = EngineChat(lang="en")
    chat.command("start")
    chat.press_nth(0)
    chat.text("Jayden")
    chat.text("Year 4")
    chat.now -= timedelta(seconds=55)
    chat.text("because honestly he's driving me up the wall")
    assert chat.state is not None
    answers = chat.state.sessions[0].answers
    assert answers["i02_class"].text == "Year 4"
    assert answers["i03_reason"].text == "because honestly he's driving me up the wall"


def test_a_full_stop_ends_an_answer_whatever_its_last_word() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("I keep getting irritated when he calls out, and I do not want that.")
    chat.now -= timedelta(seconds=55)
    said = chat.text("Struggle, tiring and sometimes warm.")
    assert not said.startswith(EN.get("long_joined"))


def test_emoji_after_a_full_stop_do_not_make_an_answer_unfinished() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("I keep getting irritated when he calls out, and I do not want that. 😀😀😀")
    chat.now -= timedelta(seconds=55)
    said = chat.text("Struggle, tiring and sometimes warm.")
    assert not said.startswith(EN.get("long_joined"))


def test_a_second_part_that_answers_the_follow_up_changes_the_follow_up() -> None:
    """Walk: the second half of an answer was joined, but the follow-up chosen for the first half
    came again under the whole main question, asking what the second half had just told."""
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    first = chat.text("Vorige week in de kring ging hij naast me zitten,")
    did = load_script("interview", "nl").probes["did"]
    assert did in first
    chat.now -= timedelta(seconds=50)
    said = chat.text("ik heb hem een knipoog gegeven en hij las zelf een stukje voor.")
    assert said.startswith(load_texts("nl").get("long_joined"))
    assert did not in said  # what she did is told now
    assert "Vraag 2 van 12" not in said  # the question she just answered is not repeated
    assert chat.state is not None and chat.state.sessions[0].awaiting not in ("main", "did")
