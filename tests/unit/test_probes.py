"""The rule-based probe detector on typical typed answers, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialogues.probes import (
    RuleProbePolicy,
    detect,
    is_generalisation,
    is_non_answer,
    recalls_nothing,
    sounds_tough,
)
from bot.dialogues.script import load_script, load_texts
from bot.models.state import Answer, AnswerPart
from tests.support.engine_driver import EngineChat


def cues(lang: str):  # type: ignore[no-untyped-def]
    cues = load_script("interview", lang).probe_cues  # type: ignore[arg-type]
    assert cues is not None
    return cues


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "nl",
            "Gisteren kwam Noah huilend binnen. Ik ging naast hem zitten en vroeg wat er was. "
            "Ik voelde me machteloos. Volgens mij was hij bang. Uiteindelijk werd hij rustig.",
            {"happened", "did", "felt", "pupil_felt", "ending"},
        ),
        ("nl", "Hij gooide een stoel om.", set()),
        ("nl", "Toen voelde ik me echt boos worden.", {"felt"}),
        ("nl", "Ik denk dat Noah zich schaamde.", {"pupil_felt"}),
        (
            "en",
            "Yesterday Noah came in crying. I sat down next to him and asked what was wrong. "
            "I felt helpless. I think he was scared. In the end he calmed down.",
            {"happened", "did", "felt", "pupil_felt", "ending"},
        ),
        ("en", "He threw a chair.", set()),
        ("en", "He showed me his drawing.", set()),
        ("en", "That made me so angry.", {"felt"}),
        ("en", "Noah was furious with the other boy.", {"pupil_felt"}),
    ],
)
def test_detect_elements(lang: str, text: str, expected: set[str]) -> None:
    assert detect(text, cues(lang), "Noah") == expected


@pytest.mark.parametrize(
    ("lang", "text", "general"),
    [
        ("nl", "Hij liegt altijd tegen me.", True),
        ("nl", "Hij liegt altijd, maar gisteren gaf hij het toe.", False),
        ("en", "He never listens.", True),
        ("en", "He never listens, but yesterday he did.", False),
        ("en", "Yesterday he helped me.", False),
    ],
)
def test_generalisation(lang: str, text: str, general: bool) -> None:
    assert is_generalisation(text, cues(lang), "Noah") is general


def test_curly_apostrophes_are_read_like_straight_ones() -> None:
    assert detect("I’m so proud of him, he’s glad.", cues("en"), "Sam") >= {"felt", "pupil_felt"}


# --- issue 13: follow-ups that listen --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ik ben naast hem gaan zitten.",
        "Toen heb ik hem aangesproken op zijn gedrag.",
        "Ik heb hem even apart genomen.",
        "Daarna heb ik haar naar de gang gestuurd en ben ik teruggelopen.",
        "Ik schrok en liep naar hem toe.",
        "Ik ging zitten en vroeg wat er was.",
        "Ik heb toen een grapje gemaakt.",  # «toen» as «then», not «when»
    ],
)
def test_what_the_teacher_did_in_dutch_perfect_tense_and_separated_verbs(text: str) -> None:
    assert "did" in detect(text, cues("nl"), "Noah")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ze vroeg of ze mocht helpen."),
        ("nl", "Als ze dwars is, dan gaat het meestal mis."),
        ("nl", "Ik zag dat hij de stoel pakte."),
        ("en", "I saw that he grabbed the chair."),
        ("en", "He told me about his dog."),
        ("nl", "Hij huilde toen een jongen hem duwde."),
    ],
)
def test_an_act_of_someone_else_is_not_what_the_teacher_did(lang: str, text: str) -> None:
    assert "did" not in detect(text, cues(lang), "Noah")


def _answer(text: str) -> Answer:
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    return Answer(item_id="q08_comfort", parts=[AnswerPart(prompt="main", text=text, at=at)])


def _choose(lang: str, item_id: str, text: str) -> list[str]:
    script = load_script("interview", lang)  # type: ignore[arg-type]
    item = next(i for i in script.items if i.id == item_id)
    return RuleProbePolicy().choose(item, _answer(text), script, "Noah")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Nee."),
        ("nl", "nee"),
        ("nl", "Niet echt."),
        ("nl", "Nee, nooit."),
        ("nl", "Nee hoor, hij gaat liever naar de andere juf."),
        ("en", "No."),
        ("en", "Not really."),
        ("en", "No never."),
        ("en", "No, he goes to the TA instead."),
    ],
)
def test_a_plain_no_to_the_yes_no_question_gets_no_event_follow_up(lang: str, text: str) -> None:
    assert _choose(lang, "q08_comfort", text) == []


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ja, gisteren kwam hij huilend naar me toe."),
        ("nl", "Nee, maar vorige week kwam hij wel een tekening laten zien."),
        ("en", "Yes, yesterday he came to show me his drawing."),
    ],
)
def test_a_story_after_yes_or_no_still_gets_its_follow_ups(lang: str, text: str) -> None:
    assert _choose(lang, "q08_comfort", text) != []


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "nl",
            "Hij doet altijd precies het tegenovergestelde van wat ik vraag, ik word er boos van.",
        ),
        ("nl", "Elke keer weer loopt het mis bij het opruimen."),
        ("en", "She never listens and I always end up shouting, I feel awful."),
        ("en", "He keeps interrupting me whenever I explain something."),
    ],
)
def test_a_generalisation_gets_one_concrete_time_before_anything_else(lang: str, text: str) -> None:
    assert _choose(lang, "q05_misbehave", text) == ["concrete"]


@pytest.mark.parametrize(
    ("lang", "text", "empty"),
    [
        ("nl", "🙂", True),
        ("nl", "👍👍", True),
        ("nl", "...", True),
        ("nl", "?!", True),
        ("nl", "Hoi", True),
        ("nl", "hallo!", True),
        ("nl", "Goedemorgen 🙂", True),
        ("nl", "hoi juf", True),
        ("en", "hi", True),
        ("en", "Hi there!", True),
        ("en", "Good morning", True),
        ("nl", "Nee.", False),
        ("nl", "Hoi, ik wilde nog iets toevoegen over gisteren.", False),
        ("nl", "Dag in dag uit hetzelfde.", False),
        ("en", "Hi, yesterday he came to me crying.", False),
        ("en", "3", False),
    ],
)
def test_no_words_or_a_bare_greeting_is_not_an_answer(lang: str, text: str, empty: bool) -> None:
    assert is_non_answer(text, lang) is empty  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "text", "tough"),
    [
        ("nl", "Ik was echt radeloos en hij bleef schreeuwen.", True),
        ("nl", "Ik ben het zat, ik trek het niet meer.", True),
        ("nl", "Het ging prima, we hebben gelachen.", False),
        ("en", "I was exhausted and he kicked the door.", True),
        ("en", "I’m fed up with it.", True),
        ("en", "It went fine.", False),
    ],
)
def test_the_acknowledgement_hears_a_hard_moment(lang: str, text: str, tough: bool) -> None:
    assert sounds_tough(text, cues(lang), "Noah") is tough


def test_a_non_answer_is_asked_again_and_not_stored() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    said = chat.text("👍")
    assert load_texts("nl").get("not_an_answer_symbols") in said
    assert "Vraag 1 van 12" in said
    assert chat.state is not None
    assert "q01_three_words" not in chat.state.sessions[0].answers
    said = chat.text("Strijd, moe, warm. Gisteren lachten we samen om een grap in de kring.")
    assert "Vraag 2 van 12" in said


@pytest.mark.parametrize(
    ("lang", "thin", "phrase"),
    [
        ("nl", "Dinsdag bij rekenen. Hij snapte de tafel van zeven ineens.", "op dat moment"),
        ("en", "Tuesday in maths. He suddenly got the seven times table.", "at that moment"),
    ],
)
def test_two_follow_ups_in_one_message_do_not_repeat_a_phrase(
    lang: str, thin: str, phrase: str
) -> None:
    """The walk got «Wat deed jij op dat moment? Hoe voelde jij je op dat moment?»."""
    chat = EngineChat(lang=lang)
    chat.start_interview()
    chat.text("Wisselvallig, warm, vermoeiend. Gisteren lachten we samen om een grap.")
    said = chat.text(thin)
    assert said.count("?") >= 2  # two follow-ups asked together
    assert said.count(phrase) <= 1


@pytest.mark.parametrize(
    ("lang", "text", "blank"),
    [
        ("nl", "ik kan me niks herinneren", True),
        ("nl", "Ik kan me eerlijk gezegd niks herinneren, sorry.", True),
        ("nl", "ik weet het echt niet meer", True),
        ("nl", "weet ik nie meer", True),
        ("en", "I honestly can't remember", True),
        ("en", "Nothing comes to mind right now, sorry", True),
        ("nl", "Ik weet niet meer wanneer, hij huilde en ik troostte hem.", False),
        ("nl", "Gisteren, ik weet niet meer hoe laat, kwam hij binnen.", False),
        ("en", "I can't remember when, but he cried and I hugged him.", False),
        ("nl", "Ik weet het niet meer wat ik moet doen met hem.", False),  # at a loss
        ("nl", "geen idee eigenlijk", True),
        ("en", "I don't know, sorry", True),
    ],
)
def test_remembering_no_moment_is_an_answer_without_follow_ups(
    lang: str, text: str, blank: bool
) -> None:
    assert recalls_nothing(text, cues(lang), "Noah") is blank
    if blank:
        assert _choose(lang, "q03_no_click", text) == []


def test_not_remembering_is_kept_acknowledged_once_and_raises_no_alarm() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview("Mo")
    chat.text("Uitdagend, afstandelijk, zorgzaam. Hij zoekt me weinig op in de klas.")
    said = chat.text("ik kan me niks herinneren")
    assert said.startswith(load_texts("nl").get("ack_no_memory")) and "Vraag 3 van 12" in said
    said = chat.text("ik weet het echt niet meer")  # the model alone reads distress in it
    assert said.startswith(load_texts("nl").get("ack_no_memory_again")) and "Vraag 4 van 12" in said
    assert chat.state is not None and chat.state.alerts == []
    answers = chat.state.sessions[0].answers
    assert answers["q03_no_click"].text == "ik weet het echt niet meer"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Het was snel weer over."),
        ("nl", "Na vijf minuten was hij weer de oude."),
        ("nl", "Hij bleef bij me zitten tot de bel ging."),
        ("nl", "Hij liep boos weg en kwam niet meer terug die dag."),
        ("en", "After ten minutes he was fine again."),
        ("en", "By lunchtime it was forgotten."),
        ("en", "He stormed off and didn't come back."),
    ],
)
def test_how_it_ended_is_heard_so_it_is_not_asked_again(lang: str, text: str) -> None:
    """Walk: the follow-up asked how it ended after the answer had said so."""
    assert "ending" in detect(text, cues(lang), "Noah")
