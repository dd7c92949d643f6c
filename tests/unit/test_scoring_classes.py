"""The failure classes of issue 13, pinned with short transcripts written for these tests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.models.profile import Draft, Transcript, TranscriptAnswer, TranscriptPart
from bot.scoring.rules import RuleScorer
from bot.scoring.transcript_io import load_transcript, read_document
from tests.support.paths import TRANSCRIPTS

SCORER = RuleScorer()
DATA = TRANSCRIPTS
FILES = sorted((DATA / "authored").glob("*.yaml")) + sorted((DATA / "dev").glob("*.yaml"))

Answers = dict[str, str | list[tuple[str, str]]]


def interview(lang: str, answers: Answers, pupil: str = "Noah") -> Transcript:
    """A transcript; an answer given as [(prompt, text), ...] has follow-up parts."""
    items = []
    for question, given in answers.items():
        if isinstance(given, str):
            items.append(TranscriptAnswer(question_id=question, text=given))
        else:
            parts = [TranscriptPart(prompt=prompt, text=text) for prompt, text in given]
            items.append(TranscriptAnswer(question_id=question, parts=parts))
    return Transcript(language=lang, pupil=pupil, answers=items)  # type: ignore[arg-type]


# Jan about Noah, told afresh (not the article's words): he does not know how to comfort Noah,
# and Noah goes to another adult.
JAN_NOAH: Answers = {
    "q01_three_words": "Vermoeiend, strijd, machteloos. Vermoeiend omdat ik de hele dag achter "
    "hem aan zit, gisteren nog bij taal.",
    "q03_no_click": [
        ("main", "Vorige week dinsdag bij het dictee liep hij steeds weg."),
        ("did", "Ik heb hem teruggeroepen en op de gang gezet."),
        ("felt", "Ik was boos en moe."),
        ("pupil_felt", "Ik denk dat hij boos was."),
    ],
    "q04_upset": [
        ("main", "Ik zie hem eigenlijk nooit verdrietig."),
        (
            "concrete",
            "Vorige maand huilde hij na de pauze. Ik weet eerlijk gezegd niet goed hoe ik "
            "Noah moet troosten. Hij ging toen naar juf Els van de zorg en die heeft het "
            "opgevangen.",
        ),
    ],
    "q07_pain": "Dat ik elke dag weer met hem in de clinch lig. Ik tel de dagen tot de zomer.",
    "q08_comfort": "Nee, voor troost gaat hij naar juf Els, niet naar mij.",
    "q10_helpless": "Bijna altijd. Wat ik ook probeer, niets lijkt te werken.",
    "q12_goals": "Het jaar doorkomen. Ik denk niet dat het nog goed komt.",
}


def test_comfort_is_not_high_when_the_teacher_cannot_comfort_and_the_pupil_goes_elsewhere() -> None:
    comfort = SCORER.score(interview("nl", JAN_NOAH)).scale("comfort")
    assert comfort.level != "high" and comfort.score <= 4
    assert all(e.direction == "supports" for e in comfort.evidence if "troosten" in e.quote)


def test_the_fresh_jan_noah_story_reads_as_the_article_does() -> None:
    draft = SCORER.score(interview("nl", JAN_NOAH))
    assert draft.scale("helplessness").level == "high"
    assert draft.scale("negative_feelings").score >= 5
    assert draft.scale("perspective_taking").score <= 4


PUPIL_FELT_ONLY: Answers = {
    "q03_no_click": [
        ("main", "Gisteren bij rekenen gooide hij zijn schrift op de grond en liep weg."),
        ("did", "Ik heb gezegd dat hij het moest oprapen."),
        ("pupil_felt", "Ik denk dat hij boos was."),
    ],
    "q05_misbehave": [
        ("main", "Vrijdag schopte hij tegen de deur toen de les begon."),
        ("pupil_felt", "Ik denk dat hij gefrustreerd was."),
    ],
}


def test_a_stock_answer_to_the_pupil_felt_probe_is_not_perspective_taking() -> None:
    stock = SCORER.score(interview("nl", PUPIL_FELT_ONLY)).scale("perspective_taking")
    assert stock.score <= 4
    own = dict(PUPIL_FELT_ONLY)
    own["q09_pupil_view"] = (
        "Ik denk dat hij vaak boos is omdat zijn vader sinds de zomer weg is, en dat hij zich "
        "bij mij niet veilig genoeg voelt om dat te zeggen."
    )
    assert SCORER.score(interview("nl", own)).scale("perspective_taking").score > stock.score


def test_a_reason_given_in_the_pupil_felt_answer_does_count() -> None:
    stock = SCORER.score(interview("en", {"q04_upset": [("pupil_felt", "I think he was sad.")]}))
    reason = SCORER.score(
        interview(
            "en",
            {"q04_upset": [("pupil_felt", "I think he was sad because his dog had died.")]},
        )
    )
    assert reason.scale("perspective_taking").score >= stock.scale("perspective_taking").score
    assert (
        reason.scale("perspective_taking").confidence > stock.scale("perspective_taking").confidence
    )


def _uses(draft: Draft) -> Counter[tuple[str, str]]:
    return Counter((e.question_id, e.quote) for s in draft.scales for e in s.evidence)


def test_one_sentence_is_not_quoted_for_three_scales() -> None:
    draft = SCORER.score(interview("nl", JAN_NOAH))
    assert max(_uses(draft).values()) <= 2
    for path in FILES:
        assert max(_uses(SCORER.score(load_transcript(path))).values(), default=0) <= 2, path


def test_contradicting_quotes_are_marked_so() -> None:
    answers: Answers = {
        "q02_click": "Gisteren bij het voorlezen kroop ze tegen me aan en lachte om het verhaal. "
        "Ik genoot er echt van, wat een heerlijk kind.",
        "q06_joy": "Ik heb veel plezier met haar, ze maakt me elke dag aan het lachen.",
        "q07_pain": "Soms heb ik eerlijk gezegd helemaal geen plezier in haar.",
    }
    scale = SCORER.score(interview("nl", answers, pupil="Ilse")).scale("positive_feelings")
    assert scale.score >= 5
    against = [e for e in scale.evidence if e.direction == "contradicts"]
    assert against and all("geen plezier" in e.quote for e in against)
    assert all(e.direction == "supports" for e in scale.evidence if "genoot" in e.quote)


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [("en", "Nothing I try seems to work."), ("nl", "Niets lijkt te werken.")],
)
def test_nothing_seems_to_work_raises_helplessness(lang: str, sentence: str) -> None:
    base: Answers = {
        "q05_misbehave": "Last week he threw a pencil across the room, I sent him out."
        if lang == "en"
        else "Vorige week gooide hij een potlood door de klas, ik heb hem eruit gestuurd.",
        "q10_helpless": "Often." if lang == "en" else "Vaak.",
    }
    without = SCORER.score(interview(lang, base)).scale("helplessness")
    said = dict(base)
    said["q10_helpless"] = f"{base['q10_helpless']} {sentence}"
    with_it = SCORER.score(interview(lang, said)).scale("helplessness")
    assert with_it.score > without.score and with_it.score >= 5
    assert any(sentence in e.quote and e.direction == "supports" for e in with_it.evidence)


TERSE: Answers = {
    "q01_three_words": "Druk, lastig, ok.",
    "q02_click": "Geen idee.",
    "q03_no_click": [("main", "Elke dag."), ("concrete", "Maandag. Praatte door alles heen.")],
    "q04_upset": "Nee.",
    "q05_misbehave": [("main", "Vechten."), ("felt", "Boos.")],
    "q06_joy": "Hij tekent goed.",
    "q07_pain": "Zijn gedrag.",
    "q08_comfort": "Nee.",
    "q10_helpless": "Soms.",
    "q12_goals": "Rustiger.",
}


def test_a_terse_interview_gets_no_confident_extremes() -> None:
    draft = SCORER.score(interview("nl", TERSE, pupil="K."))
    assert all(s.level == "average" or s.confidence < 0.5 for s in draft.scales)
    assert draft.notes


def _terse(path: Path) -> bool:
    data = read_document(path)
    return data.get("kind") == "terse" or "terse" in (data.get("styles") or [])


TUNING = FILES + sorted((DATA / "dev2").glob("*.yaml")) + sorted((DATA / "tune3").glob("*.yaml"))

# Brief, not empty: a sentence or two per answer, plainly negative. Extremes may be right here,
# but they rest on little, and the coach must hear that.
BRIEF: Answers = {
    "q01_three_words": "Druk, brutaal, vermoeiend. Hij luistert gewoon nooit naar mij, ook niet "
    "als ik het drie keer vraag, en dan lacht hij me uit.",
    "q02_click": "Eigenlijk nooit. Misschien één keer met gym, toen hij won en blij was, maar "
    "dat had niks met mij te maken.",
    "q03_no_click": [
        ("main", "Gisteren gooide hij zijn schrift door de klas toen ik zei dat hij moest werken."),
        ("felt", "Kwaad. Ik heb geschreeuwd en hem eruit gestuurd, ik was het zo zat."),
    ],
    "q04_upset": "Dat zie ik niet, hij laat niks zien behalve boosheid. Dan ga ik er ook niet "
    "op in, daar heb ik geen tijd voor.",
    "q05_misbehave": "Elke dag wel iets. Ik straf hem en het helpt niets, hij lacht erom en "
    "de volgende dag begint het weer opnieuw.",
    "q06_joy": "Weinig, eerlijk gezegd. Als hij ziek is, is het rustig in de klas en dat "
    "vind ik dan stiekem wel fijn.",
    "q07_pain": "Dat ik elke dag met hem in de clinch lig en er doodmoe van word. Ik "
    "ontplof veel sneller dan vroeger.",
    "q08_comfort": "Nee, nooit. Hij komt niet naar mij toe, ook niet als hij gevallen is of "
    "als er iets is gebeurd.",
    "q10_helpless": "Altijd. Niets werkt, belonen niet, straffen niet, ik weet het echt niet "
    "meer met hem.",
    "q12_goals": "Het jaar doorkomen, verder verwacht ik niks meer. Ik denk niet dat het nog "
    "goed komt tussen ons.",
}


def test_a_brief_interview_gets_no_confident_extremes() -> None:
    draft = SCORER.score(interview("nl", BRIEF, pupil="Milan"))
    extremes = [s for s in draft.scales if s.level != "average"]
    assert extremes, "a plainly negative brief interview still shows where it leans"
    assert all(s.confidence < 0.5 for s in extremes)


@pytest.mark.parametrize("path", [p for p in TUNING if _terse(p)], ids=lambda p: p.stem)
def test_no_confident_extremes_on_the_terse_transcripts(path: Path) -> None:
    draft = SCORER.score(load_transcript(path))
    assert all(s.level == "average" or s.confidence < 0.5 for s in draft.scales)


SARCASM: Answers = {
    "q01_three_words": "Delightful, relaxing, a dream. Obviously joking. Exhausting, battle, "
    "war. This morning he refused to take his coat off for twenty minutes.",
    "q03_no_click": [
        ("main", "On Monday he told me 'make me' in front of the whole class."),
        ("felt", "Oh, thrilled. No. Humiliated and furious."),
    ],
    "q06_joy": "Pleasure. That was a lovely day when he was off sick. Kidding. Sort of.",
}


def test_praise_said_in_jest_is_not_read_literally() -> None:
    draft = SCORER.score(interview("en", SARCASM, pupil="Tyler"))
    literal = RuleScorer(model=False)
    assert draft.scale("positive_feelings").score <= 3
    assert draft.scale("negative_feelings").score >= 5
    assert (
        literal.score(interview("en", SARCASM, pupil="Tyler")).scale("positive_feelings").score <= 4
    )


def test_the_drafts_mixed_note_names_the_scales_with_quotes_for_and_against() -> None:
    """The note says «mixed» for exactly the scales the coach's review marks so: quotes both
    support and contradict the score (one meaning of the word across chat, PDF and draft)."""
    from bot.scoring.scales import load_scales
    from bot.text.prompts import read_yaml

    names = {s.id: s.name["nl"] for s in load_scales().scales}
    prefix = read_yaml("nl", "scoring.yaml")["rules_notes"]["mixed"].split("{names}")[0]
    seen_mixed = 0
    for path in sorted((DATA / "dev").glob("a0*_nl_*.yaml")):
        draft = SCORER.score(load_transcript(path))
        both = {
            names[s.id]
            for s in draft.scales
            if len({e.direction for e in s.evidence}) > 1 and s.confidence >= 0.4
        }
        note = next((n for n in draft.notes if n.startswith(prefix)), "")
        said = {name for name in names.values() if name in note}  # names may hold a comma
        assert said == both, path.stem
        seen_mixed += bool(both)
    assert seen_mixed, "some draft of the set has mixed evidence"
