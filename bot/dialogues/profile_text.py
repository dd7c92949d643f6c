"""The released profile as the teacher reads it: per scale the level, what it means with the
pupil's pseudonym (never «je leerling»), and one quote of the teacher's own, never the same
quote twice. A sentence of a level text that claims something specific («Vaak kom je er later
nog op terug») is shown only when the teacher's answers to the questions that scale is scored
from back it (`prompts/<lang>/profile.yaml`): a cue said about another moment («aan het eind van
de dag» in the answer about a moment it did not click) backs nothing here.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict

from bot.dialogues.probes import words
from bot.models.language import Language
from bot.models.profile import ScaleScore, level_for
from bot.models.state import Profile, Session
from bot.scoring.scales import load_scales
from bot.text.prompts import read_yaml
from bot.text.punctuation import tidy


class Backed(BaseModel):
    """A sentence of a scale's level texts that needs one of its cues in the answers to
    `questions` (by default the questions the scale is scored from, its `feeds`)."""

    model_config = ConfigDict(frozen=True)

    scale: str
    sentence: str
    cues: list[str]
    questions: list[str] = []


class Contradicted(BaseModel):
    """A sentence of a scale's level texts that the teacher's own words can deny («komt soms
    naar je toe» after «zelden»): when one of its `cues` is in the answers to `questions`, the
    teacher reads `instead`, which says the level without contradicting her."""

    model_config = ConfigDict(frozen=True)

    scale: str
    sentence: str
    cues: list[str]
    instead: str
    questions: list[str] = []


class ProfileTexts(BaseModel):
    """`prompts/<lang>/profile.yaml`."""

    model_config = ConfigDict(frozen=True)

    pupil: list[str]
    backed: list[Backed]
    contradicted: list[Contradicted] = []


@cache
def load_profile_texts(lang: Language) -> ProfileTexts:
    """The teacher-facing profile rules of one language."""
    return ProfileTexts.model_validate(read_yaml(lang, "profile.yaml"))


def _said(session: Session, questions: list[str]) -> str:
    """The teacher's answers to `questions` (each part of them, follow-ups included) as folded
    words between spaces, for whole-word search; the parts are kept apart so that no cue runs
    from one into the next."""
    texts = [
        " ".join(words(part.text))
        for qid in questions
        if (answer := session.answers.get(qid)) is not None
        for part in answer.parts
    ]
    return f" {' | '.join(texts)} "


def _backed(cues: list[str], said: str) -> bool:
    return any(f" {' '.join(words(cue))} " in said for cue in cues if words(cue))


def level_text(scale_id: str, score: int, lang: Language, pupil: str, session: Session) -> str:
    """What the level of one scale means, for this teacher and this pupil."""
    rules = load_profile_texts(lang)
    text = load_scales().get(scale_id).levels[lang][level_for(score)]
    feeds = load_scales().get(scale_id).feeds
    for backed in rules.backed:
        if backed.scale == scale_id:
            said = _said(session, backed.questions or feeds)
            if not _backed(backed.cues, said):
                text = text.replace(backed.sentence, "")
    for denied in rules.contradicted:
        said = _said(session, denied.questions or feeds)
        if denied.scale == scale_id and denied.sentence in text and _backed(denied.cues, said):
            text = text.replace(denied.sentence, denied.instead)
    if pupil:
        for phrase in rules.pupil:
            text = text.replace(phrase, pupil)
    return tidy(" ".join(text.split()))


def released_quotes(draft: ScaleScore, score: int, most: int = 2) -> list[str]:
    """The quotes the teacher reads under a scale: only those that support the draft's score
    and answer a question the scale is scored from (a goal, «dat ik rustiger blijf als hij
    boos wordt», is no sign of anger now), and none when the coach moved the score to the
    other side of the middle (a quote for a high draft score would then contradict the low
    score the teacher reads)."""
    if (draft.score > 4) != (score > 4) or (draft.score < 4) != (score < 4):
        return []
    feeds = load_scales().get(draft.id).feeds
    fitting = [e for e in draft.evidence if e.direction == "supports" and e.question_id in feeds]
    return [e.quote for e in fitting][:most]


def pick_quotes(profile: Profile) -> dict[str, str]:
    """One quote per scale, none shown twice: each scale's first quote not used before."""
    used: set[str] = set()
    chosen: dict[str, str] = {}
    for scale in profile.scales:
        for quote in scale.quotes:
            key = " ".join(words(quote))
            if key and key not in used:
                used.add(key)
                chosen[scale.id] = quote
                break
    return chosen
