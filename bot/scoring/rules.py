"""The offline scorer: deterministic, no network, driven by `prompts/scales.yaml`.

Each answer is read part by part (the main answer and each follow-up, `answers.py`); cue terms
found in its sentences add signed evidence to their scales (`cues.py`); a sentence that moves
several scales speaks mostly to one. Per scale the evidence is weighted by source (the main
questions of the scale first), thinness and elicitation, and weighed into a score and a
calibrated confidence (`weigh.py`); the quotes are chosen for all scales at once, each marked as
supporting or contradicting its score (`quotes.py`). Notes, in the transcript's language, say
which scales had too little to go on or mixed signals. See docs/scoring.md.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from bot.models.language import Language
from bot.models.profile import Draft, ScaleScore, Transcript, level_for
from bot.scoring.answers import AnswerView, is_brief, is_terse, view
from bot.scoring.cues import CompiledCues, Hit, compile_cues, compile_terms, find_hits, keys_of
from bot.scoring.model import Reading, combine, evidence_model, read
from bot.scoring.quotes import choose_quotes
from bot.scoring.scales import ScaleSet, load_scales
from bot.scoring.stage import Signals, Stage, features, predict, shipped_stage
from bot.scoring.weigh import (
    THIN_CONFIDENCE,
    UNSURE,
    Tally,
    Weighed,
    balance,
    related_net,
    settle,
    share_sentences,
    soft,
    tally,
    tone,
    weigh,
)
from bot.text.cues import Cue
from bot.text.linear import Model
from bot.text.prompts import read_yaml
from bot.text.roles import ironic

_WORDS = re.compile(r"\w+")
# What the cue rules find in a sentence said in jest counts the other way, at half strength.
IRONY = 0.5


@cache
def _notes(language: Language) -> dict[str, str]:
    texts: dict[str, Any] = read_yaml(language, "scoring.yaml")["rules_notes"]
    return {key: str(value) for key, value in texts.items()}


class _Language:
    """What the scorer compiles once per language: cues, episode anchors, reason words."""

    def __init__(self, scales: ScaleSet, lang: str) -> None:
        self.cues: CompiledCues = compile_cues(scales, lang)
        self.anchors: tuple[Cue, ...] = compile_terms(scales.episode.get(lang, []), lang)
        self.unless: dict[str, frozenset[str]] = {}
        for scale in scales.scales:
            elicited = scale.typed_cues().elicited
            words = elicited.unless.get(lang, []) if elicited else []
            self.unless[scale.id] = keys_of(words, lang)
        script = read_yaml(lang, "interview.yaml")
        texts = {str(item["id"]): str(item.get("text", "")) for item in script.get("items", [])}
        texts |= {str(k): str(v) for k, v in dict(script.get("probes") or {}).items()}
        self.echoes: dict[str, frozenset[str]] = {
            key: keys_of(_WORDS.findall(text), lang) for key, text in texts.items()
        }


@dataclass(frozen=True)
class _Interview:
    """What the first stage found in one interview: the answers, each scale's weighted evidence,
    the evidence model's readings per question, and whether the interview is terse or brief."""

    views: list[AnswerView]
    tallies: dict[str, Tally]
    readings: dict[str, list[Reading]]
    terse: bool
    brief: bool


class RuleScorer:
    """The default scorer: cue lexicons per language, lemmatised, no network."""

    name = "rules"

    def __init__(
        self,
        scales: ScaleSet | None = None,
        model: Model | bool | None = True,
        stage: Stage | bool | None = True,
    ) -> None:
        """`model`: the evidence model (True: the shipped one; False or None: rules alone);
        `stage`: the second stage (True: the shipped one, when there is an evidence model;
        False or None: the first stage's own score)."""
        self._scales = scales or load_scales()
        self._model = evidence_model() if model is True else model or None
        shipped = stage is True and self._model is not None
        self._stage = shipped_stage() if shipped else None if stage is True else stage or None
        self._good = {scale.id: scale.direction == "good" for scale in self._scales.scales}
        self._languages: dict[str, _Language] = {}
        self._one_at_a_time = asyncio.Lock()

    def score(self, transcript: Transcript) -> Draft:
        """Draft all scales of the profile from the transcript's answers (pure, deterministic)."""
        found = self._first(transcript)
        weighed = self._weigh(found, self._language(transcript.language))
        quotes = choose_quotes(
            {sid: t.hits for sid, t in found.tallies.items()},
            {sid: w.raw - 4.0 for sid, w in weighed.items()},
            found.views,
        )
        scores = [
            ScaleScore(
                id=scale.id,
                score=weighed[scale.id].score,
                level=level_for(weighed[scale.id].score),
                confidence=weighed[scale.id].confidence,
                evidence=quotes.get(scale.id, []),
            )
            for scale in self._scales.scales
        ]
        notes = self._draft_notes(
            transcript.language, found.views, found.terse, found.brief, scores
        )
        return Draft(scorer="rules", scales=scores, notes=notes)

    def weighed(self, transcript: Transcript) -> dict[str, Weighed]:
        """Each scale's weighed score (unrounded score, certainty) by id, for the training
        script of the second stage's confidence."""
        return self._weigh(self._first(transcript), self._language(transcript.language))

    def stage_features(self, transcript: Transcript) -> dict[str, dict[str, float]]:
        """The second stage's features per scale id (for its training script)."""
        return self._features(self._first(transcript), self._language(transcript.language))

    async def ascore(self, transcript: Transcript) -> Draft:
        """The async form of `score`, for the product's scorer protocol: in a thread, so the
        other teachers' turns go on meanwhile (scoring takes about 15 ms), and one at a time:
        threads share the interpreter, so parallel drafts would only starve the event loop."""
        async with self._one_at_a_time:
            return await asyncio.to_thread(self.score, transcript)

    def _first(self, transcript: Transcript) -> _Interview:
        lang = self._language(transcript.language)
        views = [
            view(a, transcript.language, transcript.pupil, lang.anchors, lang.echoes)
            for a in transcript.answers
            if a.text.strip()
        ]
        hits: list[Hit] = []
        readings: dict[str, list[Reading]] = {}
        for v in views:
            found, readings[v.question_id] = self._hits(lang, transcript, v)
            hits += found
        tallies = self._tallies(lang, views, share_sentences(hits))
        return _Interview(views, tallies, readings, is_terse(views), is_brief(views))

    def _weigh(self, found: _Interview, lang: _Language) -> dict[str, Weighed]:
        tallies = found.tallies
        if self._stage is not None:
            stage = self._stage
            return {
                sid: settle(
                    tallies[sid], predict(stage, x), found.terse, stage.in_band, found.brief
                )
                for sid, x in self._features(found, lang).items()
            }
        nets = {scale_id: t.net for scale_id, t in tallies.items()}
        said = {scale_id: t.positive - t.negative for scale_id, t in tallies.items()}
        return {
            scale.id: weigh(
                tallies[scale.id],
                related_net(scale, scale.typed_cues(), nets) + tone(scale, said, self._good),
                found.terse,
            )
            for scale in self._scales.scales
        }

    def _features(self, found: _Interview, lang: _Language) -> dict[str, dict[str, float]]:
        nets = {scale_id: t.net for scale_id, t in found.tallies.items()}
        signals = {}
        for scale in self._scales.scales:
            cues = scale.typed_cues()
            main, other = soft(scale, cues, lang.unless[scale.id], found.views, found.readings)
            own = balance(found.tallies[scale.id], related_net(scale, cues, nets))
            signals[scale.id] = Signals(own, main, other)
        return features(signals, self._good)

    def _hits(
        self, lang: _Language, transcript: Transcript, answer: AnswerView
    ) -> tuple[list[Hit], list[Reading]]:
        """The evidence in one answer, the cue rules' and the model's joined, and the model's
        readings of its sentences."""
        language, pupil = transcript.language, transcript.pupil
        rules = find_hits(lang.cues, answer.question_id, answer.text, pupil, answer.spans)
        jest = ironic(answer.text, language)
        rules = [replace(h, value=-h.value * IRONY) if h.start in jest else h for h in rules]
        if self._model is None:
            return rules, []
        readings = read(self._model, language, answer.question_id, answer.text, answer.spans)
        return combine(rules, readings, answer.question_id), readings

    def _cues(self, lang: str) -> CompiledCues:
        return self._language(lang).cues

    def _language(self, lang: str) -> _Language:
        if lang not in self._languages:
            self._languages[lang] = _Language(self._scales, lang)
        return self._languages[lang]

    def _tallies(
        self, lang: _Language, views: list[AnswerView], hits: list[Hit]
    ) -> dict[str, Tally]:
        return {
            scale.id: tally(scale, scale.typed_cues(), lang.unless[scale.id], views, hits)
            for scale in self._scales.scales
        }

    def _draft_notes(
        self,
        language: Language,
        views: list[AnswerView],
        terse: bool,
        brief: bool,
        scores: list[ScaleScore],
    ) -> list[str]:
        texts = _notes(language)
        name = {s.id: s.name[language] for s in self._scales.scales}
        notes = [texts["evasive"]] if terse or not views else []
        extremes = [name[s.id] for s in scores if s.level != "average" and not _too_little(s)]
        if brief and not terse and extremes:
            notes.append(texts["brief"].format(names=", ".join(extremes)))
        thin = [name[s.id] for s in scores if _too_little(s)]
        mixed = [name[s.id] for s in scores if s.mixed_evidence and not _too_little(s)]
        silent = [name[s.id] for s in scores if not s.evidence and not _too_little(s)]
        for key, names in (("thin", thin), ("mixed", mixed), ("silent", silent)):
            if names:
                notes.append(texts[key].format(names=", ".join(names)))
        return notes


def _too_little(score: ScaleScore) -> bool:
    """Too little to go on: a low confidence, or nothing to quote and not confident either."""
    return score.confidence < THIN_CONFIDENCE or (not score.evidence and score.confidence < UNSURE)
