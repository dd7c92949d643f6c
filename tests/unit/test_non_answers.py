"""Messages that answer nothing are never stored: the question is asked again, gently."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogues.probes import non_answer
from bot.dialogues.script import load_script, load_texts
from tests.support.engine_driver import EngineChat

NL, EN = load_texts("nl"), load_texts("en")


@pytest.mark.parametrize(
    ("lang", "text", "kind"),
    [
        ("nl", "😊🙏", "symbols"),
        ("nl", "...", "symbols"),
        ("nl", "?", "puzzled"),
        ("nl", "??", "puzzled"),
        ("nl", "Wat bedoel je?", "puzzled"),
        ("en", "Sorry?", "puzzled"),
        ("en", "what do you mean", "puzzled"),
        ("nl", "Hmm", "filler"),
        ("nl", "ehm...", "filler"),
        ("en", "Let me think", "filler"),
        ("nl", "hoi", "greeting"),
        ("en", "Hi!", "greeting"),
        ("nl", "Hmm, lastig. Hij zoekt me eigenlijk nooit op.", ""),
        ("nl", "Wat bedoel je met klikken?", "puzzled"),
        ("nl", "ik begrijp de vraag niet goed", "puzzled"),
        ("en", "What do you mean by 'click'?", "puzzled"),
        ("en", "what counts as a moment?", "puzzled"),
        ("nl", "Dat snap ik niet?", ""),  # q10: «niet weten wat je met hem aan moet»
        ("nl", "Ik snap zijn gedrag niet. Wat bedoelt hij ermee?", ""),
        ("en", "I wonder what he means by it when he slams the door?", ""),
        ("nl", "Sorry, ik was even weg: hij kwam gisteren huilend binnen.", ""),
        ("en", "What I enjoy most is his humour.", ""),
    ],
)
def test_kinds_of_non_answers(lang: str, text: str, kind: str) -> None:
    assert non_answer(text, lang) == kind  # type: ignore[arg-type]


def answers(chat: EngineChat) -> dict[str, object]:
    assert chat.state is not None
    return dict(chat.state.sessions[0].answers)


def test_a_greeting_after_pause_and_a_restart_is_not_stored_as_the_next_answer() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    before = answers(chat)
    chat.command("pause")
    # A restart: the engine keeps nothing but the stored document, so a new driver on the same
    # state is what the bot sees after it comes back up.
    restarted = EngineChat(lang="nl", state=chat.state, now=chat.now + timedelta(minutes=20))
    said = restarted.text("hoi")
    assert said.startswith(NL.get("welcome_back")) and "Vraag 2 van 12" in said
    said = restarted.text("Hoi")  # once more, right after the welcome back
    assert said.startswith(NL.get("not_an_answer")) and "Vraag 2 van 12" in said
    assert answers(restarted) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("👍", "not_an_answer_symbols"),
        ("hmm", "not_an_answer_filler"),
    ],
)
def test_an_emoji_a_question_mark_or_a_hesitation_repeats_the_question(
    text: str, message: str
) -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    said = chat.text(text)
    assert said.startswith(NL.get(message)) and "Vraag 1 van 12" in said
    assert "q01_three_words" not in answers(chat)
    assert not any(ack in said for ack in load_script("interview", "nl").acknowledgements)


def test_a_non_answer_to_a_follow_up_repeats_the_follow_up_and_keeps_the_answer() -> None:
    chat = EngineChat(lang="en")
    chat.start_interview()
    chat.text("Struggle, tiring, warm. Yesterday we laughed together at a joke in the circle.")
    chat.text("Yesterday he helped me tidy up.")
    probe = load_script("interview", "en").probes["did"]
    said = chat.text("?")
    assert said.startswith(EN.get("not_an_answer_puzzled")) and probe in said
    answer = chat.state.sessions[0].answers["q02_click"] if chat.state else None
    assert answer is not None and answer.text == "Yesterday he helped me tidy up."


def test_done_typed_with_no_long_answer_open_is_not_the_next_answer() -> None:
    """The walk: «klaar» typed after the long answer was already closed was stored as the
    next question's answer."""
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    before = answers(chat)
    said = chat.text("klaar")
    assert said.startswith(NL.get("not_an_answer_done")) and "Vraag 2 van 12" in said
    assert answers(chat) == before
    english = EngineChat(lang="en")
    english.start_interview()
    said = english.text("Done.")
    assert said.startswith(EN.get("not_an_answer_done")) and "Question 1 of 12" in said
    assert "q01_three_words" not in answers(english)


@pytest.mark.parametrize("text", ["1", " 2. ", "3)"])
def test_a_bare_number_at_a_question_in_words_is_not_stored(text: str) -> None:
    """The walk: a lone «1» typed where no buttons were shown was stored as an answer."""
    chat = EngineChat(lang="nl")
    chat.start_interview()
    said = chat.text(text)
    assert said.startswith(NL.get("not_an_answer_number")) and "Vraag 1 van 12" in said
    assert "q01_three_words" not in answers(chat)
    said = chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    assert "q01_three_words" in answers(chat)


def test_a_bare_number_is_kept_where_a_short_value_is_asked() -> None:
    """«5» answers the year group question (a `short` item)."""
    chat = EngineChat(lang="nl")
    chat.command("start")
    chat.press_nth(0)
    chat.text("Noah")
    chat.text("5")
    stored = chat.state.sessions[0].answers["i02_class"] if chat.state else None
    assert stored is not None and stored.text == "5"


@pytest.mark.parametrize(
    "text", ["?", "Wat bedoel je met klikken?", "wat bedoel je met drie woorden"]
)
def test_a_question_about_the_question_gets_it_in_other_words_and_is_not_stored(text: str) -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview("Mo")
    said = chat.text(text)
    explain = load_script("interview", "nl").items[3].explain.replace("{pupil}", "Mo")
    assert said.startswith("Goede vraag. " + explain) and "/skip" in said
    assert "Vraag 1 van 12" in said and "q01_three_words" not in answers(chat)


def test_a_question_during_a_follow_up_repeats_the_follow_up() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text("Vorige week lachten we samen.")  # q02: a moment, so a follow-up comes
    said = chat.text("wat bedoel je?")
    assert said.startswith(NL.get("not_an_answer_puzzled"))
    assert [p.text for p in chat.state.sessions[0].answers["q02_click"].parts] == [
        "Vorige week lachten we samen."
    ]


def test_a_yes_is_not_the_pupils_name() -> None:
    """Walk: «ja ok» after the consent became the pupil's name («In welke groep zit ja ok?»)."""
    chat = EngineChat(lang="nl")
    chat.command("start")
    chat.press_nth(0)
    said = chat.text("ja ok")
    assert said == NL.get("pseudonym_not_a_name")
    assert chat.state is not None and chat.state.pupils == []
    assert "Lotte" in chat.text("Lotte")


def test_dont_know_to_a_follow_up_ends_the_follow_ups_kindly() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text("Vorige week lachten we samen.")  # a follow-up comes
    said = chat.text("weet ik niet")
    assert said.startswith(NL.get("ack_dont_know")) and "Vraag 3 van 12" in said


@pytest.mark.parametrize(("lang", "text"), [("nl", "ok"), ("nl", "Ja hoor!"), ("en", "ok thanks")])
def test_a_bare_yes_or_ok_to_a_question_in_words_is_not_stored(lang: str, text: str) -> None:
    """Walk: «ok» to the three words became the answer, «ja» to a follow-up was «Genoteerd»."""
    texts = load_texts(lang)  # type: ignore[arg-type]
    chat = EngineChat(lang=lang)
    chat.start_interview()
    said = chat.text(text)
    assert said.startswith(texts.get("not_an_answer_agreement"))
    assert "q01_three_words" not in answers(chat)
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text("Vorige week in de kring ging hij naast me zitten.")  # a follow-up comes
    probe_asked = chat.said[-1].text
    said = chat.text(text)
    assert said.startswith(texts.get("not_an_answer_agreement"))
    assert probe_asked.split(". ")[-1] in said  # the follow-up is asked again
    answer = chat.state.sessions[0].answers["q02_click"] if chat.state else None
    assert answer is not None and [p.text for p in answer.parts] == [
        "Vorige week in de kring ging hij naast me zitten."
    ]


def test_good_to_how_it_ended_and_yes_at_the_consent_are_answers() -> None:
    chat = EngineChat(lang="nl")
    chat.command("start")
    chat.text("ja")  # the consent's typed yes: the interview starts
    assert "Noah" in chat.text("Noah") and chat.state is not None
    chat.text("groep 6")
    chat.text("Ik kom niet goed tot hem.")
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    chat.text("Vorige week ging hij naast me zitten. Ik gaf hem een knipoog en was blij.")
    said = chat.text("goed")  # to «hoe liep het af?» (and what he felt): an answer
    assert not said.startswith(NL.get("not_an_answer_agreement"))
    assert chat.state.sessions[0].answers["q02_click"].parts[-1].text == "goed"


def test_the_review_does_not_thank_for_openness_after_mostly_skips() -> None:
    """Walk: «Dank je voor je openheid» after ten skipped questions."""
    chat = EngineChat(lang="nl")
    chat.start_interview()
    chat.text("Warm, druk, grappig. Hij maakt me aan het lachen maar is ook vaak onrustig.")
    said = ""
    for _ in range(40):
        said = chat.command("skip")
        if chat.state is not None and chat.state.sessions[0].status == "review":
            break
    assert said.startswith(NL.get("review_intro_sparse")), said[:80]
    assert "openheid" not in said
