"""Which parts of an event story are still missing, and which follow-up to ask (rule-based).

An event answer should cover what happened, what the teacher did, what the teacher felt, what
the teacher thinks the pupil felt, and how it ended (domain.md). The detector reads the answer
with the script's word lists; the policy picks at most two missing parts per follow-up and at
most two follow-ups per question. `ProbePolicy` is the seam where an LLM could suggest a probe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.dialogues.script import Item, ProbeCues, Script
from bot.models.state import Answer

ELEMENTS = ("happened", "did", "felt", "pupil_felt", "ending")
MAX_PROBE_TURNS = 2
MAX_PROBES_PER_TURN = 2
THIN_WORDS = 6
HAPPENED_WORDS = 8
# Subject pronouns: an action counts as the teacher's only with one of these next to it.
SUBJECTS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "ik", "k", "we", "wij"})
_WORD = re.compile(r"[\w']+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")


def words(text: str) -> list[str]:
    """Lower-case words of a text (apostrophes kept: "i'm", "'k")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [w.strip("'") or w for w in _WORD.findall(text)]


@dataclass(frozen=True)
class Lexicon:
    """The cue lists of a script with the pupil's pseudonym filled in, as sets."""

    first: frozenset[str]
    third: frozenset[str]
    emotions: frozenset[str]
    actions: frozenset[str]
    cues: ProbeCues
    pupil: str
    phrases: dict[int, tuple[str, ...]]

    @classmethod
    def build(cls, cues: ProbeCues, pupil: str) -> Lexicon:
        """The lexicon of a script's cues for one pupil (cached: built once per pair)."""
        key = (id(cues), pupil)
        cached = _LEXICONS.get(key)
        if cached is not None and cached.cues is cues:
            return cached
        name = pupil.lower().strip(".")

        def fill(items: list[str]) -> frozenset[str]:
            return frozenset(" ".join(words(i.replace("{pupil}", name))) for i in items)

        phrase_lists = (cues.thinking, cues.ending, cues.concrete, cues.general, cues.tough)
        lexicon = cls(
            first=fill(cues.first_person),
            third=fill(cues.third_person),
            emotions=fill(cues.emotions),
            actions=fill(cues.actions),
            cues=cues,
            pupil=name,
            phrases={id(items): tuple(f" {p} " for p in fill(items)) for items in phrase_lists},
        )
        if len(_LEXICONS) >= LEXICON_CACHE:
            _LEXICONS.pop(next(iter(_LEXICONS)))
        _LEXICONS[key] = lexicon
        return lexicon

    def has_phrase(self, text: str, phrases: list[str]) -> bool:
        """Whether any word or phrase of the list occurs in the text as whole words."""
        joined = f" {' '.join(words(text))} "
        prepared = self.phrases.get(id(phrases))
        if prepared is None:
            prepared = tuple(f" {' '.join(words(p.replace('{pupil}', self.pupil)))} "
                             for p in phrases)  # fmt: skip
        return any(phrase in joined for phrase in prepared)


LEXICON_CACHE = 4096
_LEXICONS: dict[tuple[int, str], Lexicon] = {}


def _subject(tokens: list[str], at: int, lex: Lexicon) -> str | None:
    """'first' or 'third': the nearest person word before (else just after) position `at`."""
    for i in range(at - 1, max(at - 6, -1), -1):
        if tokens[i] in lex.first:
            return "first"
        if tokens[i] in lex.third:
            return "third"
    for i in range(at + 1, min(at + 3, len(tokens))):
        if tokens[i] in lex.first:
            return "first"
        if tokens[i] in lex.third:
            return "third"
    return None


def _sentence_elements(sentence: str, lex: Lexicon) -> set[str]:
    tokens = words(sentence)
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token in lex.emotions:
            who = _subject(tokens, i, lex)
            found.add("pupil_felt" if who == "third" else "felt" if who == "first" else "")
        if token in lex.actions and SUBJECTS & set(tokens[max(i - 3, 0) : i + 2]):
            found.add("did")
    if lex.has_phrase(sentence, lex.cues.thinking) and lex.third & set(tokens):
        found.add("pupil_felt")
    found.discard("")
    return found


def detect(text: str, cues: ProbeCues, pupil: str) -> set[str]:
    """The story elements an answer already covers (subset of ELEMENTS)."""
    lex = Lexicon.build(cues, pupil)
    found: set[str] = set()
    for sentence in _SENTENCE.split(text):
        found |= _sentence_elements(sentence, lex)
    if len(words(text)) >= HAPPENED_WORDS:
        found.add("happened")
    if lex.has_phrase(text, cues.ending):
        found.add("ending")
    return found


def is_generalisation(text: str, cues: ProbeCues, pupil: str) -> bool:
    """An answer about "always"/"never" with no concrete moment in it."""
    lex = Lexicon.build(cues, pupil)
    return lex.has_phrase(text, cues.general) and not lex.has_phrase(text, cues.concrete)


def sounds_tough(text: str, cues: ProbeCues, pupil: str) -> bool:
    """Whether a short acknowledgement should recognise a hard moment."""
    return Lexicon.build(cues, pupil).has_phrase(text, cues.tough)


class ProbePolicy(Protocol):
    """Chooses the follow-up for an answer: probe ids of the script, or [] to move on."""

    def choose(self, item: Item, answer: Answer, script: Script, pupil: str) -> list[str]: ...


def asked_probes(answer: Answer) -> list[str]:
    """Probe ids already asked for this answer, in order."""
    return [p for part in answer.parts if part.prompt != "main" for p in part.prompt.split("+")]


class RuleProbePolicy:
    """The offline default: probe event questions for missing elements, thin answers once."""

    def choose(self, item: Item, answer: Answer, script: Script, pupil: str) -> list[str]:
        """Probe ids to ask next for this answer, or [] when it is complete enough."""
        if answer.skipped or answer.probe_turns >= MAX_PROBE_TURNS or script.probe_cues is None:
            return []
        asked = set(asked_probes(answer))
        if item.kind == "event":
            return self._event(answer, script.probe_cues, pupil, asked)
        if item.kind == "open" and item.section == "questions" and not asked:
            return ["more"] if len(words(answer.text)) < THIN_WORDS else []
        return []

    @staticmethod
    def _event(answer: Answer, cues: ProbeCues, pupil: str, asked: set[str]) -> list[str]:
        if "concrete" not in asked and is_generalisation(answer.text, cues, pupil):
            return ["concrete"]
        found = detect(answer.text, cues, pupil)
        missing = [e for e in ELEMENTS if e not in found and e not in asked]
        return missing[:MAX_PROBES_PER_TURN]
