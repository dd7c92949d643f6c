"""The offline scorer: language handling, evidence, thin answers, the seed case, agreement."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest

from bot.models.profile import Draft, Transcript, TranscriptAnswer
from bot.scoring.rules import RuleScorer, find_hits
from bot.scoring.scales import CueGroup, load_scales
from bot.scoring.transcript_io import INTERVIEW_QUESTION_IDS, load_transcript, read_document
from tests.support.paths import ROOT, TRANSCRIPTS

CASES = sorted((TRANSCRIPTS / "authored").glob("*.yaml"))
SCORER = RuleScorer()
BANDS = {"low": (1, 2), "average": (3, 5), "high": (6, 7)}


def transcript(lang: str, answers: dict[str, str], pupil: str = "S.") -> Transcript:
    return Transcript(
        language=lang,  # type: ignore[arg-type]
        pupil=pupil,
        answers=[TranscriptAnswer(question_id=q, text=t) for q, t in answers.items()],
    )


def scale_score(lang: str, answers: dict[str, str], scale: str, pupil: str = "S.") -> int:
    return SCORER.score(transcript(lang, answers, pupil)).scale(scale).score


def total(lang: str, question: str, text: str, scale: str, pupil: str = "S.") -> float:
    cues = SCORER._cues(lang)
    return sum(h.value for h in find_hits(cues, question, text, pupil) if h.scale == scale)


# --- language: negation, whose feeling, intensity --------------------------------------------


@pytest.mark.parametrize(
    ("lang", "plain", "negated", "scale", "question"),
    [
        (
            "nl",
            "Ik was boos op hem.",
            "Ik was niet boos op hem.",
            "negative_feelings",
            "q05_misbehave",
        ),
        (
            "en",
            "I was angry with him.",
            "I was not angry with him.",
            "negative_feelings",
            "q05_misbehave",
        ),
        (
            "nl",
            "Ik heb veel plezier met haar.",
            "Ik heb geen enkel plezier met haar.",
            "positive_feelings",
            "q06_joy",
        ),
        (
            "en",
            "He often comes to me when he is sad.",
            "He never comes to me when he is sad.",
            "secure_base",
            "q08_comfort",
        ),
        (
            "nl",
            "Het komt wel goed met hem.",
            "Het komt niet meer goed met hem.",
            "helplessness",
            "q12_goals",
        ),
    ],
)
def test_negation_flips_the_direction(
    lang: str, plain: str, negated: str, scale: str, question: str
) -> None:
    assert total(lang, question, plain, scale) * total(lang, question, negated, scale) < 0


def test_hedged_negation_is_softer_than_plain_negation() -> None:
    plain = total("nl", "q05_misbehave", "Ik was niet boos.", "negative_feelings")
    hedged = total("nl", "q05_misbehave", "Ik was niet echt boos.", "negative_feelings")
    assert plain < hedged < 0


@pytest.mark.parametrize(
    ("lang", "pupil", "text"),
    [
        ("nl", "S.", "Hij was boos."),
        ("nl", "Noah", "Noah was boos en verdrietig."),
        ("en", "Sam", "Sam was really angry."),
        ("en", "S.", "She was furious with her friend."),
    ],
)
def test_the_pupils_feelings_are_not_the_teachers(lang: str, pupil: str, text: str) -> None:
    assert total(lang, "q03_no_click", text, "negative_feelings", pupil) == 0
    assert total(lang, "q03_no_click", text, "perspective_taking", pupil) > 0


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ik was boos."),
        ("nl", "Hij maakt me zo boos."),
        ("nl", "Dan word ik boos als hij niet luistert."),
        ("en", "I was angry."),
        ("en", "He makes me so angry."),
        ("en", "I could see he was upset and I was annoyed."),
    ],
)
def test_the_teachers_feelings_count(lang: str, text: str) -> None:
    assert total(lang, "q03_no_click", text, "negative_feelings") > 0


@pytest.mark.parametrize(
    ("lang", "mild", "strong"),
    [
        ("nl", "Ik was een beetje geïrriteerd.", "Ik ben elke dag weer ontzettend geïrriteerd."),
        ("en", "Sometimes I am a bit annoyed.", "I am extremely annoyed every day."),
    ],
)
def test_intensity_scales_the_evidence(lang: str, mild: str, strong: str) -> None:
    weak = total(lang, "q07_pain", mild, "negative_feelings")
    assert 0 < weak < total(lang, "q07_pain", strong, "negative_feelings")


def test_the_seed_initial_does_not_end_a_sentence() -> None:
    text = "S. kwam huilend naar me toe. Ik heb haar getroost."
    hits = find_hits(SCORER._cues("nl"), "q04_upset", text, "S.")
    assert any(text[h.start : h.end] == "S. kwam huilend naar me toe." for h in hits)


# --- the draft as a whole --------------------------------------------------------------------


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_scale_present_and_consistent(path: Path) -> None:
    draft = SCORER.score(load_transcript(path))
    assert [s.id for s in draft.scales] == load_scales().ids
    assert draft.scorer == "rules"
    for item in draft.scales:
        assert item.level == (
            "low" if item.score <= 2 else "high" if item.score >= 6 else "average"
        )
        assert 0.0 <= item.confidence <= 1.0


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_quote_is_verbatim_from_its_answer(path: Path) -> None:
    case = load_transcript(path)
    answers = {a.question_id: a.text for a in case.answers}
    for item in SCORER.score(case).scales:
        for evidence in item.evidence:
            assert evidence.quote and evidence.quote in answers[evidence.question_id]


def test_thin_transcript_stays_near_the_middle_with_low_confidence_and_a_note() -> None:
    answers = {q: "weet niet" for q in INTERVIEW_QUESTION_IDS if q.startswith("q")}
    draft = SCORER.score(transcript("nl", answers | {"q06_joy": "Hij is best aardig."}))
    assert all(3 <= s.score <= 5 and s.confidence < 0.5 for s in draft.scales)
    assert any("Te weinig om op te baseren" in note for note in draft.notes)


def test_an_empty_transcript_is_all_middle() -> None:
    draft = SCORER.score(transcript("en", {}))
    assert {s.score for s in draft.scales} == {4}
    assert draft.notes


def test_scoring_is_deterministic() -> None:
    case = load_transcript(CASES[0])
    first, second = RuleScorer().score(case), RuleScorer().score(case)
    assert first.model_dump(exclude={"created_at"}) == second.model_dump(exclude={"created_at"})


def test_ascore_is_score() -> None:
    case = load_transcript(CASES[0])
    drafted: Draft = asyncio.run(SCORER.ascore(case))
    assert drafted.model_dump(exclude={"created_at"}) == SCORER.score(case).model_dump(
        exclude={"created_at"}
    )


def test_seed_case_lands_on_its_clear_scales() -> None:
    draft = SCORER.score(load_transcript(TRANSCRIPTS / "authored" / "nl_01_seed_jan_noah.yaml"))
    # The article's 6; the second stage drafts 5 here (5.43 unrounded): "Momenten dat ik me
    # effectief voel zijn er weinig" is read as effective, and the rest of a conflict interview
    # says little about helplessness. Within one point, and not confident (docs/scoring.md).
    helplessness = draft.scale("helplessness")
    assert helplessness.score >= 5
    assert helplessness.level == "high" or helplessness.confidence < 0.5
    assert draft.scale("negative_feelings").level == "high"
    assert draft.scale("goal_attainment").level == "low"
    assert draft.scale("perspective_taking").level == "low"
    assert draft.scale("comfort").confidence < 0.5
    assert any("Troost bieden" in note for note in draft.notes)


def test_scoring_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the offline scorer opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    RuleScorer().score(load_transcript(CASES[-1]))


def test_agreement_with_the_coach_stays_at_least_70_percent() -> None:
    same = counted = 0
    for path in CASES:
        expected = read_document(path)["expected"]
        draft = SCORER.score(load_transcript(path))
        for scale_id, level in expected.items():
            if level != "unknown":
                counted += 1
                same += draft.scale(scale_id).level == level
    assert counted and same / counted >= 0.70


def test_no_confident_low_high_swap_on_a_risk_scale() -> None:
    risk = [s.id for s in load_scales().scales if s.direction == "risk"]
    for path in CASES:
        expected = read_document(path)["expected"]
        draft = SCORER.score(load_transcript(path))
        for scale_id in risk:
            got = draft.scale(scale_id)
            if {expected[scale_id], got.level} == {"low", "high"}:
                assert got.confidence < 0.5, (path.stem, scale_id)


# --- the scales file -------------------------------------------------------------------------


def test_scales_file_is_complete_for_the_offline_scorer() -> None:
    scales = load_scales()
    assert len(scales.scales) == 8 and scales.version
    for scale in scales.scales:
        cues = scale.typed_cues()
        assert cues.nl and cues.en, scale.id
        assert set(scale.feeds) <= set(INTERVIEW_QUESTION_IDS), scale.id
        assert set(cues.related) <= set(scales.ids), scale.id
        for group in cues.nl + cues.en:
            assert set(group.questions) <= set(INTERVIEW_QUESTION_IDS), scale.id


def test_the_scorer_code_names_no_scale() -> None:
    files = [*(ROOT / "bot" / "scoring").glob("*.py"), *(ROOT / "bot" / "text").glob("*.py")]
    code = "".join(path.read_text() for path in files)
    assert not [s for s in load_scales().ids if re.search(rf"\b{s}\b", code)]


def test_a_malformed_cue_term_is_rejected() -> None:
    with pytest.raises(ValueError, match="malformed cue term"):
        CueGroup(toward="high", terms=["boos||kwaad"])


@pytest.mark.parametrize(
    ("lang", "question", "text", "scale", "sign"),
    [
        # «never such a bond» says more than ever: it denies nothing
        ("nl", "q06_joy", "Ik heb nog nooit zo'n band gehad met een kind.", "positive_feelings", 1),
        ("en", "q06_joy", "I have never been so happy with a class.", "positive_feelings", 1),
        ("en", "q06_joy", "I was never happy with him.", "positive_feelings", -1),
        # a «niet» inside a clause opened by «waarom» is that clause's, not the explaining's
        ("nl", "q05_misbehave", "Ik heb uitgelegd waarom dat niet kan.", "sensitive_discipline", 1),
        # said in the negative, these are calm: not anger
        ("en", "q07_pain", "I'm not bothered by him at all.", "negative_feelings", -1),
        ("nl", "q07_pain", "Ik neem het niet persoonlijk.", "negative_feelings", -1),
        ("en", "q07_pain", "It really bothers me when he sulks.", "negative_feelings", 1),
        # a plain «no» to what is hard says there is little of it; «niks helpt» is the opposite
        ("nl", "q07_pain", "Nee.", "negative_feelings", -1),
        ("en", "q10_helpless", "Nothing really, it goes fine.", "helplessness", -1),
        ("nl", "q10_helpless", "Niks helpt.", "helplessness", 1),
    ],
)
def test_negation_reads_like_a_person(
    lang: str, question: str, text: str, scale: str, sign: int
) -> None:
    """t4: «nog nooit zo'n band» counted against warmth, «not bothered by him» for anger."""
    assert total(lang, question, text, scale) * sign > 0


def test_a_goal_is_a_wish_not_what_happens_now() -> None:
    """Walk: «dat hij vaker naar me toe komt» (the goal) was quoted as support for secure base."""
    answers = {"q12_goals": "Dat hij vaker naar me toe komt."}
    draft = RuleScorer().score(transcript("nl", answers))
    secure = next(s for s in draft.scales if s.id == "secure_base")
    assert not [e for e in secure.evidence if e.direction == "supports"]
