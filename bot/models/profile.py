"""The vocabulary of a relationship profile: what goes into a scorer and what comes out.

Every scorer (offline rules, LLM) takes a `Transcript` and returns a `Draft`. Scale ids are the
stable ids of `prompts/scales.yaml`; the code never names a scale.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.models.language import Language

Level = Literal["low", "average", "high"]

ScorerName = Literal["rules", "llm"]


def level_for(score: int) -> Level:
    """The band of a 1-7 score: low 1-2, average 3-5, high 6-7."""
    if score <= 2:
        return "low"
    if score >= 6:
        return "high"
    return "average"


def confidence_word(confidence: float) -> Literal["high", "medium", "low"]:
    """'high', 'medium' or 'low': the calibrated confidence in the words a person reads
    (`confidence_<word>` in the prompts; never the number itself)."""
    return "high" if confidence >= 0.8 else "medium" if confidence >= 0.5 else "low"


Direction = Literal["supports", "contradicts"]
# What found a quote of the offline scorer: its cue rules, its trained model, or both.
EvidenceSource = Literal["rules", "model", "both"]


class TranscriptPart(BaseModel):
    """One message of an answer: the reply to the main question (`main`) or to a follow-up,
    named by its probe id (concrete, happened, did, felt, pupil_felt, ending, more; the bot
    joins probes asked together with "+", e.g. "did+felt")."""

    model_config = ConfigDict(frozen=True)

    prompt: str = "main"
    text: str


class TranscriptAnswer(BaseModel):
    """One answer of the interview: the question id and everything the teacher typed for it.

    `text` is the whole answer; `parts`, when known, say which part answered which prompt, in
    order. An answer given with parts only gets `text` = the parts joined by newlines (as the
    bot joins them); an answer given with text only is one main part."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    text: str = ""
    parts: list[TranscriptPart] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _text_from_parts(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("text") and data.get("parts"):
            texts = [p.text if isinstance(p, TranscriptPart) else p["text"] for p in data["parts"]]
            return {**data, "text": "\n".join(texts)}
        return data


class Transcript(BaseModel):
    """A submitted session-1 interview, as the scorers see it (pupil by pseudonym only)."""

    model_config = ConfigDict(frozen=True)

    language: Language
    pupil: str
    answers: list[TranscriptAnswer]


class Evidence(BaseModel):
    """A verbatim quote (one sentence or part of one) from the answer to `question_id`;
    `prompt` is the part it came from ("main" or the follow-up's probe id); `direction` says
    whether it supports the scale's score or contradicts it. The offline scorer says what found
    it (`source`: its cue rules, its trained model, or both) and, when the model did, the
    model's calibrated `probability`; other scorers leave both unset."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    quote: str
    direction: Direction = "supports"
    prompt: str = "main"
    source: EvidenceSource | None = None
    probability: float | None = Field(default=None, ge=0.0, le=1.0)


class ScaleScore(BaseModel):
    """The draft score of one scale, with the teacher's own words behind it."""

    id: str
    score: int = Field(ge=1, le=7)
    level: Level
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def mixed_evidence(self) -> bool:
        """Quotes both support and contradict the score: «mixed» in the draft's notes, the
        coach's review in chat and the workspace alike."""
        return len({e.direction for e in self.evidence}) > 1


class Draft(BaseModel):
    """A proposal for the coach: one `ScaleScore` per scale, which scorer made it, and notes."""

    scorer: ScorerName
    scales: list[ScaleScore]
    notes: list[str] = Field(default_factory=list)
    fallback_reason: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def scale(self, scale_id: str) -> ScaleScore:
        """The score of one scale; KeyError when the draft lacks it."""
        for item in self.scales:
            if item.id == scale_id:
                return item
        raise KeyError(scale_id)
