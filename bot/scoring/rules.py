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
from dataclasses import replace
from functools import cache
from typing import Any

from bot.models.language import Language
from bot.models.profile import Draft, ScaleScore, Transcript, level_for
from bot.scoring.answers import AnswerView, is_terse, view
from bot.scoring.cues import CompiledCues, Hit, compile_cues, compile_terms, find_hits, keys_of
from bot.scoring.model import combine, evidence_model, read
from bot.scoring.quotes import choose_quotes
from bot.scoring.scales import ScaleSet, load_scales
from bot.scoring.weigh import (
    THIN_CONFIDENCE,
    UNSURE,
    Tally,
    Weighed,
    related_net,
    share_sentences,
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


class RuleScorer:
    """The default scorer: cue lexicons per language, lemmatised, no network."""

    name = "rules"

    def __init__(self, scales: ScaleSet | None = None, model: Model | bool | None = True) -> None:
        """`model`: the evidence model (True: the shipped one; False or None: rules alone)."""
        self._scales = scales or load_scales()
        self._model = evidence_model() if model is True else model or None
        self._languages: dict[str, _Language] = {}
        self._one_at_a_time = asyncio.Lock()

    def score(self, transcript: Transcript) -> Draft:
        """Draft all scales of the profile from the transcript's answers (pure, deterministic)."""
        lang = self._language(transcript.language)
        views = [
            view(a, transcript.language, transcript.pupil, lang.anchors, lang.echoes)
            for a in transcript.answers
            if a.text.strip()
        ]
        hits = share_sentences(
            [
                hit
                for v in views
                for hit in self._hits(lang, transcript.language, transcript.pupil, v)
            ]
        )
        tallies = self._tallies(lang, views, hits)
        nets = {scale_id: t.net for scale_id, t in tallies.items()}
        terse = is_terse(views)
        good = {scale.id: scale.direction == "good" for scale in self._scales.scales}
        said = {scale_id: t.positive - t.negative for scale_id, t in tallies.items()}
        weighed = {
            scale.id: weigh(
                tallies[scale.id],
                related_net(scale, scale.typed_cues(), nets) + tone(scale, said, good),
                terse,
            )
            for scale in self._scales.scales
        }
        quotes = choose_quotes(
            {sid: t.hits for sid, t in tallies.items()},
            {sid: w.raw - 4.0 for sid, w in weighed.items()},
            views,
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
        notes = self._draft_notes(transcript.language, views, terse, weighed, scores)
        return Draft(scorer="rules", scales=scores, notes=notes)

    async def ascore(self, transcript: Transcript) -> Draft:
        """The async form of `score`, for the product's scorer protocol: in a thread, so the
        other teachers' turns go on meanwhile (scoring takes about 15 ms), and one at a time:
        threads share the interpreter, so parallel drafts would only starve the event loop."""
        async with self._one_at_a_time:
            return await asyncio.to_thread(self.score, transcript)

    def _hits(self, lang: _Language, language: str, pupil: str, answer: AnswerView) -> list[Hit]:
        """The evidence in one answer: the cue rules' and the model's, joined."""
        rules = find_hits(lang.cues, answer.question_id, answer.text, pupil, answer.spans)
        jest = ironic(answer.text, language)
        rules = [replace(h, value=-h.value * IRONY) if h.start in jest else h for h in rules]
        if self._model is None:
            return rules
        readings = read(self._model, language, answer.question_id, answer.text, answer.spans)
        return combine(rules, readings, answer.question_id)

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
        weighed: dict[str, Weighed],
        scores: list[ScaleScore],
    ) -> list[str]:
        texts = _notes(language)
        name = {s.id: s.name[language] for s in self._scales.scales}
        notes = [texts["evasive"]] if terse or not views else []
        thin = [name[s.id] for s in scores if _too_little(s)]
        mixed = [name[s.id] for s in scores if weighed[s.id].mixed and not _too_little(s)]
        silent = [name[s.id] for s in scores if not s.evidence and not _too_little(s)]
        for key, names in (("thin", thin), ("mixed", mixed), ("silent", silent)):
            if names:
                notes.append(texts[key].format(names=", ".join(names)))
        return notes


def _too_little(score: ScaleScore) -> bool:
    """Too little to go on: a low confidence, or nothing to quote and not confident either."""
    return score.confidence < THIN_CONFIDENCE or (not score.evidence and score.confidence < UNSURE)
