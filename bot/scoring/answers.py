"""The scorer's view of one answer: its parts (which prompt each answered), whether it is thin
or evasive, and whether it tells a concrete, recent episode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.models.profile import TranscriptAnswer
from bot.scoring.cues import Span
from bot.text.analysis import analyse
from bot.text.cues import Cue, nearest
from bot.text.lexicon import Who
from bot.text.tokens import fold, word_count

EPISODE_QUESTIONS = frozenset(
    {"q02_click", "q03_no_click", "q04_upset", "q05_misbehave", "q08_comfort"}
)
THIN_WORDS = 5
BRIEF_WORDS = 30  # answers of a sentence or two on average: too little for a sure extreme
SUBSTANTIVE_WORDS = 8
ANCHORED_EPISODE_WORDS = 18
DETAILED_EPISODE_WORDS = 45
EVASIVE = frozenset(
    [
        *("weet niet", "weet ik niet", "geen idee", "weet ik veel", "nvt", "n v t", "geen"),
        *("nee", "ja", "niks", "niets", "ok", "oke", "dunno", "idk", "no idea", "don't know"),
        *("dont know", "not sure", "n a", "na", "none", "nothing", "no", "yes", "pass", "skip"),
        "fine",
    ]
)


@dataclass(frozen=True)
class AnswerView:
    """One answer as the scorer weighs it."""

    question_id: str
    text: str
    spans: tuple[Span, ...]
    words: int
    thin: bool
    substantive: bool
    episode: bool


def view(
    answer: TranscriptAnswer,
    lang: str,
    pupil: str,
    anchors: Sequence[Cue],
    echoes: Mapping[str, frozenset[str]],
) -> AnswerView:
    """The answer's parts located in its text, its length and whether it tells an episode: a
    time anchor ("vorige week", "on Tuesday") in an answer of some length, or a long answer to
    an episode question."""
    words = word_count(answer.text)
    bare = " ".join(fold(answer.text).replace(".", " ").replace("/", " ").split()).strip(" !?")
    thin = words < THIN_WORDS or bare.strip(" ,.!?") in EVASIVE
    anchored = words >= ANCHORED_EPISODE_WORDS and _anchored(answer.text, lang, pupil, anchors)
    detailed = answer.question_id in EPISODE_QUESTIONS and words >= DETAILED_EPISODE_WORDS
    return AnswerView(
        question_id=answer.question_id,
        text=answer.text,
        spans=spans(answer, echoes),
        words=words,
        thin=thin,
        substantive=not thin and words >= SUBSTANTIVE_WORDS,
        episode=not thin and (anchored or detailed),
    )


def spans(
    answer: TranscriptAnswer, echoes: Mapping[str, frozenset[str]] | None = None
) -> tuple[Span, ...]:
    """Where each part sits in the answer's text (one main part when parts are unknown or do
    not match the text); a part answering "what did {pupil} feel?" reads a subjectless
    sentence as the pupil's, one answering "what did you feel?" as the teacher's. `echoes`
    holds the words of each question (by id) and follow-up (by probe id)."""
    echoes = echoes or {}
    main = Span("main", 0, len(answer.text), "unknown", echoes.get(answer.question_id, frozenset()))
    found: list[Span] = []
    cursor = 0
    for part in answer.parts:
        start = answer.text.find(part.text, cursor) if part.text else -1
        if start < 0:
            return (main,)
        cursor = start + len(part.text)
        echo = main.echo if part.prompt == "main" else echoes.get(part.prompt, frozenset())
        found.append(Span(part.prompt, start, cursor, _default_who(part.prompt), echo))
    return tuple(found) or (main,)


def _default_who(prompt: str) -> Who:
    probes = set(prompt.split("+"))
    if probes == {"pupil_felt"}:
        return "pupil"
    if probes == {"felt"}:
        return "teacher"
    return "unknown"


def _anchored(text: str, lang: str, pupil: str, anchors: Sequence[Cue]) -> bool:
    for sentence in analyse(text, lang, pupil):
        if any(nearest(cue, sentence.tokens, span=3) is not None for cue in anchors):
            return True
    return False


def is_terse(views: Sequence[AnswerView]) -> bool:
    """A terse interview: half the answers thin, or answers of a dozen words on average."""
    if not views:
        return True
    thin = sum(v.thin for v in views)
    return thin * 2 >= len(views) or sum(v.words for v in views) < 12 * len(views)


def is_brief(views: Sequence[AnswerView]) -> bool:
    """A brief interview: answers (with their follow-ups) of fewer than BRIEF_WORDS words on
    average. Its extremes may be right, but they rest on a sentence or two each."""
    return not views or sum(v.words for v in views) < BRIEF_WORDS * len(views)
