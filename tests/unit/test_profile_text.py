"""The profile text the teacher reads after release: the pupil's name, no claim the answers do
not back, no quote twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialogues.profile_text import (
    level_text,
    load_profile_texts,
    pick_quotes,
    released_quotes,
)
from bot.models.internal import ProfileReleased
from bot.models.profile import Evidence, ScaleScore
from bot.models.state import Answer, AnswerPart, Profile, ProfileScale, Session
from bot.scoring.scales import LEVELS, load_scales
from tests.support.engine_driver import EngineChat

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
COACH = 7


def session_from(answers: dict[str, list[str]]) -> Session:
    """A session with these answers by question id: the main answer, then follow-up parts."""
    return Session(
        id="interview-1",
        script_id="interview",
        script_version="x",
        started_at=NOW,
        updated_at=NOW,
        answers={
            qid: Answer(
                item_id=qid,
                parts=[
                    AnswerPart(prompt="main" if n == 0 else "probe", text=text, at=NOW)
                    for n, text in enumerate(parts)
                ],
            )
            for qid, parts in answers.items()
        },
    )


def session_with(*answers: str) -> Session:
    """Each answer as the main answer of a question comfort is scored from, in turn."""
    ids = ["q04_upset", "q08_comfort", "q01_three_words"]
    return session_from({qid: [a] for qid, a in zip(ids, answers, strict=False)})


SCORES = {"low": 1, "average": 4, "high": 7}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_level_text_names_the_pupil_never_a_generic_pupil(lang: str) -> None:
    session = session_with("Hij komt soms naar me toe.")
    for scale in load_scales().scales:
        for level in LEVELS:
            text = level_text(scale.id, SCORES[level], lang, "Noah", session)  # type: ignore[arg-type]
            assert "leerling" not in text.lower() and "pupil" not in text.lower(), text
            assert "  " not in text and ".." not in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_backed_sentence_is_part_of_its_scales_level_texts(lang: str) -> None:
    for backed in load_profile_texts(lang).backed:  # type: ignore[arg-type]
        levels = load_scales().get(backed.scale).levels[lang].values()
        assert any(backed.sentence in text for text in levels), backed.sentence


def test_a_claim_is_shown_only_when_the_teacher_said_it() -> None:
    claim = "Vaak kom je er later nog op terug."
    plain = session_with("Ik ging naast hem zitten en bleef bij hem tot hij rustig werd.")
    assert claim not in level_text("comfort", 7, "nl", "Noah", plain)
    assert level_text("comfort", 7, "nl", "Noah", plain).startswith("Als Noah van streek is")
    backed = session_with("Ik bleef bij hem. De volgende dag kwam ik er nog even op terug.")
    assert claim in level_text("comfort", 7, "nl", "Noah", backed)
    english = session_with("I sat with him until he was calm.")
    assert "later" not in level_text("comfort", 7, "en", "Sam", english)
    assert "later" in level_text(
        "comfort", 7, "en", "Sam", session_with("We talked about it the next day.")
    )


def test_a_claim_needs_the_teachers_own_doing_in_the_scales_own_questions() -> None:
    """The walk (docs/walkthrough.md): «Aan het eind van de dag heb ik even met hem gepraat»
    was said about a moment it did not click, and «Na de pauze leek hij weer wat meer
    zichzelf» is the pupil recovering; neither says the teacher came back to it."""
    claim = "Vaak kom je er later nog op terug."
    walk = {
        "q03_no_click": [
            "Ik voelde me machteloos. Aan het eind van de dag heb ik even met hem gepraat, "
            "maar hij keek me niet aan."
        ],
        "q04_upset": [
            "Ik ben naast hem gaan zitten en heb gevraagd of hij even met mij naar de gang wilde.",
            "Hij bleef de rest van de ochtend dicht bij mij. Na de pauze leek hij weer wat meer "
            "zichzelf.",
        ],
        "q08_comfort": ["Ik troost hem vooral door naast hem te gaan zitten."],
    }
    assert claim not in level_text("comfort", 7, "nl", "Noah", session_from(walk))
    later = "Later heb ik nog gevraagd hoe het ging."
    followed = {**walk, "q04_upset": [*walk["q04_upset"], later]}
    assert claim in level_text("comfort", 7, "nl", "Noah", session_from(followed))
    english = {
        "q03_no_click": ["At the end of the day I talked about it with him."],
        "q04_upset": ["I sat with him. After the break he seemed himself again, later he played."],
    }
    claim_en = "Often you check in again later."
    assert claim_en not in level_text("comfort", 7, "en", "Sam", session_from(english))
    english["q08_comfort"] = ["I came back to it the next morning."]
    assert claim_en in level_text("comfort", 7, "en", "Sam", session_from(english))


def test_the_same_quote_is_never_shown_for_two_scales() -> None:
    quote = "Ik ben trots op hem, hij doet zo zijn best."
    profile = Profile(
        scales=[
            ProfileScale(id="secure_base", score=6, quotes=[quote]),
            ProfileScale(id="comfort", score=5, quotes=[quote, "Ik ging naast hem zitten."]),
            ProfileScale(id="positive_feelings", score=6, quotes=[f" {quote} "]),
        ],
        released_at=NOW,
    )
    assert pick_quotes(profile) == {
        "secure_base": quote,
        "comfort": "Ik ging naast hem zitten.",
    }


def test_the_released_profile_the_teacher_reads() -> None:
    chat = EngineChat(lang="nl")
    chat.start_interview()
    while chat.state is not None and chat.state.sessions[0].status == "active":
        chat.command("skip")
    chat.press("Naar mijn coach sturen")
    assert chat.state is not None
    chat.state.coach_id = COACH
    quote = "Ik geniet van hem, hij is zo grappig."
    scales = [
        ProfileScale(id=scale.id, score=7 if scale.direction == "good" else 1, quotes=[quote])
        for scale in load_scales().scales
    ]
    event = ProfileReleased(
        session_id="interview-1",
        profile=Profile(scales=scales, released_at=chat.now),
        sender=COACH,
    )
    replies = chat.send("internal", internal=event)
    shown = "\n".join(r.text for r in replies)
    assert "Noah" in shown and "je leerling" not in shown.lower()
    assert "Vaak kom je er later nog op terug" not in shown
    assert shown.count(f"«{quote}»") == 1


def test_the_teacher_reads_only_quotes_that_support_the_score_she_reads() -> None:
    helpless = "Als hij boos is weet ik vaak niet wat ik moet doen."
    calm = "Meestal blijf ik rustig."
    draft = ScaleScore(
        id="helplessness",
        score=6,
        level="high",
        confidence=0.7,
        evidence=[
            Evidence(question_id="q10_helpless", quote=helpless),
            Evidence(question_id="q10_helpless", quote=calm, direction="contradicts"),
        ],
    )
    assert released_quotes(draft, 6) == [helpless]
    assert released_quotes(draft, 5) == [helpless]
    assert released_quotes(draft, 4) == []  # the coach moved it to the middle
    assert released_quotes(draft, 2) == []  # or to the other side


def test_the_teacher_reads_no_quote_from_a_question_the_scale_is_not_scored_from() -> None:
    """The walk: «Negatieve gevoelens» showed the goal «dat ik rustiger blijf als hij boos
    wordt» (q12_goals), which says nothing about anger now."""
    goal = "En voor mezelf: dat ik rustiger blijf als hij boos wordt."
    moment = "Ik was geïrriteerd, maar bleef kalm."
    draft = ScaleScore(
        id="negative_feelings",
        score=4,
        level="average",
        confidence=0.5,
        evidence=[
            Evidence(question_id="q12_goals", quote=goal),
            Evidence(question_id="q05_misbehave", quote=moment),
        ],
    )
    assert released_quotes(draft, 4) == [moment]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_contradicted_sentence_is_part_of_its_scales_level_texts(lang: str) -> None:
    for denied in load_profile_texts(lang).contradicted:  # type: ignore[arg-type]
        levels = load_scales().get(denied.scale).levels[lang].values()
        assert any(denied.sentence in text for text in levels), denied.sentence
        assert denied.instead.strip() and denied.instead != denied.sentence


def test_a_middle_level_does_not_contradict_what_the_teacher_said() -> None:
    """Walk: the coach kept secure base in the middle and the teacher, who had answered
    «Zelden» to «komt hij naar je toe?», read «Noah komt soms naar je toe»; the article's Jan,
    who does not know how to comfort Noah, read that he responds until Noah is calm."""
    rarely = session_from({"q08_comfort": ["Zelden. Hij gaat eerder naar de conciërge."]})
    text = level_text("secure_base", 4, "nl", "Noah", rarely)
    assert "komt soms" not in text and "Noah komt nog weinig" in text
    sometimes = session_from({"q08_comfort": ["Soms, als hij zich pijn gedaan heeft."]})
    assert "Noah komt soms naar je toe" in level_text("secure_base", 4, "nl", "Noah", sometimes)
    unsure = session_from({"q04_upset": ["Ik weet niet hoe ik hem moet troosten."]})
    assert "tot Noah weer rustig is" not in level_text("comfort", 4, "nl", "Noah", unsure)
    english = session_from({"q08_comfort": ["Rarely, to be honest."]})
    text = level_text("secure_base", 4, "en", "Sam", english)
    assert "sometimes comes" not in text and text.startswith("Sam rarely comes")
