"""The eight scales of the relationship profile, loaded and validated from `prompts/scales.yaml`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from bot.models.language import LANGUAGES
from bot.models.profile import Level
from bot.text.prompts import read_yaml

LEVELS: tuple[Level, ...] = ("low", "average", "high")


class CueGroup(BaseModel):
    """Terms that move one scale towards one end, in one language (syntax: docs/scoring.md).

    A term is space-separated slots that must all occur in one clause (or sentence); a slot is
    alternatives split by `|`; a trailing `*` matches a prefix, a leading `=` the exact word
    form only. Other words are compared by lemma. `aimed`: a feeling that counts fully only
    when aimed at the pupil or at nobody named, little when aimed elsewhere ("razend op het
    systeem", "annoyed with myself", "ambetant, maar niet op hem").
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    toward: Literal["high", "low"]
    who: Literal["teacher", "pupil", "any"] = "any"
    weight: float = Field(default=1.0, gt=0.0, le=3.0)
    questions: list[str] = []
    also: list[str] = []
    scope: Literal["clause", "sentence"] = "clause"
    aimed: bool = False
    terms: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _well_formed(self) -> CueGroup:
        for term in self.terms:
            slots = term.split()
            if not slots or any(not alt for slot in slots for alt in slot.split("|")):
                raise ValueError(f"malformed cue term {term!r}")
        return self


class Elicited(BaseModel):
    """Evidence the interview asked for in so many words (e.g. "what do you think {pupil}
    felt?" gets "ik denk dat hij ..."; "what do you want to achieve?" gets a goal): in parts
    answering `probes` or in the main answers to `questions`, support counts `factor` times,
    unless the sentence gives the teacher's own reason, context or progress (`unless`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    probes: list[str] = []
    questions: list[str] = []
    factor: float = Field(ge=0.0, le=1.0)
    unless: dict[str, list[str]] = {}

    def asked(self, question_id: str, prompt: str) -> bool:
        """Whether a part (`prompt`) of the answer to `question_id` was asked for this."""
        probes = set(prompt.split("+"))
        return bool(probes & set(self.probes)) or (
            prompt == "main" and question_id in self.questions
        )


class ScaleCues(BaseModel):
    """The offline scorer's cues for one scale: term groups per language; `absence`, the pull
    towards low per substantive feeding answer that says nothing towards high; `related`, how
    much of another scale's evidence counts here too (a coach reads the interview as a whole)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    absence: float = Field(default=0.0, ge=0.0, le=1.0)
    related: dict[str, float] = {}
    elicited: Elicited | None = None
    nl: list[CueGroup] = []
    en: list[CueGroup] = []

    @model_validator(mode="after")
    def _small_links(self) -> ScaleCues:
        if any(abs(factor) > 1.0 for factor in self.related.values()):
            raise ValueError("related factors must lie between -1 and 1")
        return self

    def groups(self, lang: str) -> list[CueGroup]:
        """The cue groups for one language (empty for an unknown language)."""
        groups: list[CueGroup] = getattr(self, lang, [])
        return groups


class ScaleDef(BaseModel):
    """One scale: stable id, group, direction, texts per language and the offline scorer's cues."""

    model_config = ConfigDict(frozen=True)

    id: str
    group: Literal["behaviour", "feelings"]
    direction: Literal["good", "risk"]
    name: dict[str, str]
    description: dict[str, str]
    levels: dict[str, dict[Level, str]]
    feeds: list[str]
    cues: dict[str, Any] = {}
    _typed: ScaleCues | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _every_language(self) -> ScaleDef:
        for field in ("name", "description", "levels"):
            missing = set(LANGUAGES) - set(getattr(self, field))
            if missing:
                raise ValueError(f"scale {self.id}: {field} lacks {sorted(missing)}")
        for lang, texts in self.levels.items():
            if set(texts) != set(LEVELS):
                raise ValueError(f"scale {self.id}: levels[{lang}] must name {LEVELS}")
        if self.cues:
            try:
                ScaleCues.model_validate(self.cues)
            except ValidationError as exc:
                raise ValueError(f"scale {self.id}: cues: {exc}") from exc
        return self

    def typed_cues(self) -> ScaleCues:
        """The cues parsed into `ScaleCues` (validated at load; empty when none are given).
        Parsed once per scale: the scorer asks for them per answer and scale."""
        if self._typed is None:
            self._typed = ScaleCues.model_validate(self.cues)
        return self._typed


class ScaleSet(BaseModel):
    """All scales in display order (behaviour first, then feelings)."""

    model_config = ConfigDict(frozen=True)

    version: str
    scales: list[ScaleDef]
    episode: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _unique_ids(self) -> ScaleSet:
        ids = [s.id for s in self.scales]
        if len(ids) != len(set(ids)):
            raise ValueError("scale ids must be unique")
        return self

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.scales]

    def get(self, scale_id: str) -> ScaleDef:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)


@cache
def load_scales(path: Path | None = None) -> ScaleSet:
    """Read and validate `prompts/scales.yaml` (cached)."""
    if path is None:
        return ScaleSet.model_validate(read_yaml("scales.yaml"))
    return ScaleSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
