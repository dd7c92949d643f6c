"""The released profile as the teacher reads it: per scale the level, what it means with the
pupil's pseudonym (never «je leerling»), and one quote of the teacher's own, never the same
quote twice. A sentence of a level text that claims something specific («Vaak kom je er later
nog op terug») is shown only when the interview's answers back it (`prompts/<lang>/profile.yaml`).
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict

from bot.dialogues.probes import words
from bot.models.language import Language
from bot.models.profile import level_for
from bot.models.state import Profile, Session
from bot.scoring.scales import load_scales
from bot.text.prompts import read_yaml
from bot.text.punctuation import tidy


class Backed(BaseModel):
    """A sentence of a scale's level texts that needs one of its cues in the answers."""

    model_config = ConfigDict(frozen=True)

    scale: str
    sentence: str
    cues: list[str]


class ProfileTexts(BaseModel):
    """`prompts/<lang>/profile.yaml`."""

    model_config = ConfigDict(frozen=True)

    pupil: list[str]
    backed: list[Backed]


@cache
def load_profile_texts(lang: Language) -> ProfileTexts:
    """The teacher-facing profile rules of one language."""
    return ProfileTexts.model_validate(read_yaml(lang, "profile.yaml"))


def _said(session: Session) -> str:
    """All the teacher's answers as folded words between spaces, for whole-word search."""
    text = " ".join(answer.text for answer in session.answers.values() if answer.parts)
    return f" {' '.join(words(text))} "


def _backed(cues: list[str], said: str) -> bool:
    return any(f" {' '.join(words(cue))} " in said for cue in cues if words(cue))


def level_text(scale_id: str, score: int, lang: Language, pupil: str, session: Session) -> str:
    """What the level of one scale means, for this teacher and this pupil."""
    rules = load_profile_texts(lang)
    text = load_scales().get(scale_id).levels[lang][level_for(score)]
    said = _said(session)
    for backed in rules.backed:
        if backed.scale == scale_id and not _backed(backed.cues, said):
            text = text.replace(backed.sentence, "")
    if pupil:
        for phrase in rules.pupil:
            text = text.replace(phrase, pupil)
    return tidy(" ".join(text.split()))


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
