"""Which parts of an event story are still missing, and which follow-up to ask (rule-based).

An event answer should cover what happened, what the teacher did, what the teacher felt, what
the teacher thinks the pupil felt, and how it ended (domain.md). The detector reads the answer
with the text core (`bot.text`: sentences, clauses, subjects, lemmas) and the script's cue lists
(`probe_cues` in `prompts/<lang>/interview.yaml`). The policy asks for one concrete time first
when the answer is a generalisation, asks nothing more after a plain "no", picks at most two
missing parts per follow-up and asks at most two follow-ups per question. `ProbePolicy` is the
seam where an LLM could suggest a probe. `non_answer` tells the conversation that a message
(emoji only, punctuation, a bare greeting, "hmm", "?") is not an answer at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from bot.dialogues.script import Item, ProbeCues, Script, load_texts
from bot.models.language import Language
from bot.models.state import Answer
from bot.text.analysis import Sentence, Token, analyse
from bot.text.cues import Cue, CueSet, Search, parse_cue
from bot.text.lexicon import LEXICONS
from bot.text.lexicon import Lexicon as TextLexicon
from bot.text.quotes import inside, quoted_spans
from bot.text.scope import Scope, negated
from bot.text.tokens import words as _words

ELEMENTS = ("happened", "did", "felt", "pupil_felt", "ending")
MAX_PROBE_TURNS = 2
MAX_PROBES_PER_TURN = 2
THIN_WORDS = 6
SHORT_WORDS = 8  # below this (and no feeling in it) an answer is short and factual
HAPPENED_WORDS = 8
PERSON_BEFORE = 5  # how far back a feeling looks for its person ("ik voelde me echt boos")
PERSON_AFTER = 2  # and forward ("boos was ik")
VERB_SUBJECT_AFTER = 3  # an inverted subject after the verb: "toen pakte ik", "heb ik ..."


def words(text: str) -> list[str]:
    """The folded words of a text (the text core's tokeniser), e.g. for comparing phrases."""
    return _words(text)


def _phrase(entry: str, lang: str, gap: int = 0) -> Cue:
    """A cue list entry as exact words in this order, nothing between ("de rest van de dag"),
    or at most `gap` words between («kan me eerlijk gezegd niks herinneren»)."""
    return parse_cue(">" + " ".join("=" + w for w in _words(entry)), lang, gap=gap)


def _verb(entry: str, lang: str) -> Cue:
    """An action entry: by lemma (and "~" verbs inside separable compounds), words close by in
    any order ("ging zitten" ~ "ben gaan zitten")."""
    return parse_cue(entry, lang, gap=2)


def _phrases(entries: Sequence[str], lang: str, pupil: str) -> CueSet:
    filled = (e.replace("{pupil}", pupil) for e in entries)
    return CueSet([_phrase(e, lang) for e in filled if _words(e)])


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The cue lists of a script with the pupil's pseudonym filled in, compiled as cues."""

    lang: str
    first: CueSet
    third: CueSet
    emotions: CueSet
    actions: CueSet
    thinking: CueSet
    ending: CueSet
    concrete: CueSet
    general: CueSet
    tough: CueSet
    declines: CueSet
    no_memory: CueSet
    joy: CueSet
    mixed: CueSet

    @classmethod
    def build(cls, cues: ProbeCues, pupil: str) -> Lexicon:
        """The compiled cues of a script for one pupil (cached: built once per pair)."""
        key = (id(cues), pupil)
        cached = _LEXICONS.get(key)
        if cached is not None and cached[0] is cues:
            return cached[1]
        lexicon = _build(cues, pupil.strip().strip("."))
        if len(_LEXICONS) >= LEXICON_CACHE:
            _LEXICONS.pop(next(iter(_LEXICONS)))
        _LEXICONS[key] = (cues, lexicon)
        return lexicon


LEXICON_CACHE = 4096
_LEXICONS: dict[tuple[int, str], tuple[ProbeCues, Lexicon]] = {}


def _build(cues: ProbeCues, pupil: str) -> Lexicon:
    lang = cues.language
    return Lexicon(
        lang=lang,
        first=_phrases(cues.first_person, lang, pupil),
        third=_phrases(cues.third_person, lang, pupil),
        emotions=_phrases(cues.emotions, lang, pupil),
        actions=CueSet([_verb(e, lang) for e in cues.actions]),
        thinking=_phrases(cues.thinking, lang, pupil),
        ending=_phrases(cues.ending, lang, pupil),
        concrete=_phrases(cues.concrete, lang, pupil),
        general=_phrases(cues.general, lang, pupil),
        tough=_phrases(cues.tough, lang, pupil),
        declines=_phrases(cues.declines, lang, pupil),
        no_memory=CueSet([_phrase(e, lang, gap=2) for e in cues.no_memory if _words(e)]),
        joy=_phrases(cues.joy, lang, pupil),
        mixed=_phrases(cues.mixed, lang, pupil),
    )


def _searches(text: str, lex: Lexicon, pupil: str) -> list[Search]:
    return [Search(sentence) for sentence in analyse(text, lex.lang, pupil)]


def _persons(search: Search, lex: Lexicon) -> dict[int, str]:
    """Token position -> "first" or "third" for every person word of the sentence."""
    found: dict[int, str] = {}
    for role, cues in (("third", lex.third), ("first", lex.first)):
        for _, match in cues.matches(search):
            found[match[0]] = role
    return found


def _feeler(at: int, persons: dict[int, str]) -> str | None:
    """The nearest person word before a feeling (else just after it)."""
    for i in range(at - 1, max(at - 1 - PERSON_BEFORE, -1), -1):
        if i in persons:
            return persons[i]
    for i in range(at + 1, at + 1 + PERSON_AFTER):
        if i in persons:
            return persons[i]
    return None


def _doer(tokens: tuple[Token, ...], at: int, inherited: str, lexicon: TextLexicon) -> str:
    """Whose act a verb is: the nearest subject before it in its clause, unless a subordinate
    clause starts between ("ik vroeg hoe het ging": "ging" is not the teacher's); else a subject
    just after it (Dutch inversion: "toen pakte ik", "heb ik hem aangesproken"); else, when only
    a conjunction or a linking word comes before it ("... en vroeg", "and then asked"), the
    subject the sentence had so far."""
    clause = tokens[at].clause
    start = at
    while start and tokens[start - 1].clause == clause:
        start -= 1
    for i in range(at - 1, start - 1, -1):
        token = tokens[i]
        if token.subject:
            return token.subject
        if token.word in lexicon.subordinators and i + 1 < at:
            return tokens[i + 1].subject or "unknown"
    for token in tokens[at + 1 : at + 1 + VERB_SUBJECT_AFTER]:
        if token.clause != clause:
            break
        if token.word in lexicon.impersonal:
            return "unknown"
        if token.subject:
            return token.subject
    linking = lexicon.conjunctions | lexicon.links
    if all(t.keys & linking for t in tokens[start:at]):
        return inherited
    # «ik heb toen een grapje gemaakt»: a «toen» that is «then», not «when» (no subject of its
    # own follows), goes on with the clause before it
    adverb = tokens[start].keys & lexicon.links and not any(t.subject for t in tokens[start:at])
    return inherited if adverb else "unknown"


def _sentence_elements(search: Search, lex: Lexicon) -> set[str]:
    persons = _persons(search, lex)
    found: set[str] = set()
    for _, match in lex.emotions.matches(search):
        who = _feeler(match[0], persons)
        if who:
            found.add("pupil_felt" if who == "third" else "felt")
    if lex.thinking.found(search) and "third" in persons.values():
        found.add("pupil_felt")
    if "did" not in found and _teacher_acted(search.sentence, lex, search):
        found.add("did")
    return found


def _teacher_acted(sentence: Sentence, lex: Lexicon, search: Search) -> bool:
    inherited = {n: clause.inherited for n, clause in enumerate(sentence.clauses)}
    tokens = sentence.tokens
    lexicon = LEXICONS[lex.lang]
    for _, match in lex.actions.matches(search):
        at = match[0]
        if _doer(tokens, at, inherited[tokens[at].clause], lexicon) == "teacher":
            return True
    return False


def detect(text: str, cues: ProbeCues, pupil: str) -> set[str]:
    """The story elements an answer already covers (subset of ELEMENTS)."""
    lex = Lexicon.build(cues, pupil)
    found: set[str] = set()
    searches = _searches(text, lex, pupil)
    for search in searches:
        found |= _sentence_elements(search, lex)
    if len(_words(text)) >= HAPPENED_WORDS:
        found.add("happened")
    if any(lex.ending.found(search) for search in searches):
        found.add("ending")
    return found


def _any(text: str, cues: CueSet, lex: Lexicon, pupil: str) -> bool:
    return any(cues.found(search) for search in _searches(text, lex, pupil))


def is_generalisation(text: str, cues: ProbeCues, pupil: str) -> bool:
    """An answer about "always"/"never" with no concrete moment in it."""
    lex = Lexicon.build(cues, pupil)
    return _any(text, lex.general, lex, pupil) and not _any(text, lex.concrete, lex, pupil)


def declines(text: str, cues: ProbeCues, pupil: str) -> bool:
    """A plain "no" ("Nee.", "Niet echt", "No, never."): the event asked about did not happen,
    so there is nothing to ask more about. A "no" that goes on to a concrete time is a story."""
    lex = Lexicon.build(cues, pupil)
    searches = _searches(text, lex, pupil)
    if not searches or any(lex.concrete.found(search) for search in searches):
        return False
    first = searches[0]
    clause = first.sentence.clauses[0]
    covered = {i for _, match in lex.declines.matches(first) for i in match}
    return all(i in covered for i in range(len(clause.tokens)))


BLANK_OTHER_WORDS = 5  # «ik kan me eerlijk gezegd niks herinneren, sorry» is still only that
BLANK_AFTER_WORDS = 3  # after the «weet ik niet (meer)»: «sorry», «op dit moment», no more


def recalls_nothing(text: str, cues: ProbeCues, pupil: str) -> bool:
    """The teacher remembers no such moment («ik kan me niks herinneren», "I honestly can't
    think of one"): an answer in itself (nothing came to mind), not a story to ask more about.
    Only when that is all the answer says: «ik weet niet meer wanneer, maar hij huilde en ik
    troostte hem» is a story."""
    lex = Lexicon.build(cues, pupil)
    searches = _searches(text, lex, pupil)
    if not searches or any(lex.concrete.found(search) for search in searches):
        return False
    blank, other, after = False, 0, 0
    for search in searches:
        covered = {i for _, match in lex.no_memory.matches(search) for i in match}
        tokens = search.sentence.tokens
        other += sum(1 for i, t in enumerate(tokens) if i not in covered)
        if covered:  # «ik weet het niet meer wat ik moet doen» is at a loss, not forgetting
            blank, after = True, len(tokens) - 1 - max(covered)
    return blank and other <= BLANK_OTHER_WORDS and after <= BLANK_AFTER_WORDS


TONE_SCOPE = Scope(before=5, after=3, subject_change=True)  # "niet boos", "boos was ik niet"


def _unquoted_at(text: str, cues: CueSet, lex: Lexicon, pupil: str) -> list[int]:
    """Where the cues match (character positions), leaving out quoted speech («hij riep "ik ben
    boos!"» quotes the pupil and is not the teacher's own account) and what a negation in its
    clause turns round ("ik was niet blij", "he didn't get angry"; the one negation scope)."""
    quoted = quoted_spans(text)
    found = set()
    for search in _searches(text, lex, pupil):
        tokens = search.sentence.tokens
        for _, match in cues.matches(search):
            if any(inside(quoted, tokens[i].start) for i in match):
                continue
            if not negated(tokens, match, TONE_SCOPE):
                found.add(tokens[match[0]].start)
    return sorted(found)


def sounds_tough(text: str, cues: ProbeCues, pupil: str) -> bool:
    """Whether a short acknowledgement should recognise a hard moment (quoted speech aside)."""
    lex = Lexicon.build(cues, pupil)
    return bool(_unquoted_at(text, lex.tough, lex, pupil))


def _joy_at(text: str, lex: Lexicon, pupil: str) -> list[int]:
    """Where the good words are (character positions) that no negation turns round ("we hebben
    zo gelachen", but not "ik was niet blij"); none when a hard word mixes in outside quoted
    speech ("strijd, moe, warm")."""
    if _unquoted_at(text, lex.mixed, lex, pupil):
        return []
    return _unquoted_at(text, lex.joy, lex, pupil)


def sounds_joyful(text: str, cues: ProbeCues, pupil: str) -> bool:
    """Whether the answer tells of a good moment (joy, pride, warmth), not negated in its clause
    and not mixed with a hard word."""
    return bool(_joy_at(text, Lexicon.build(cues, pupil), pupil))


Tone = Literal["tough", "joy", "short", "plain"]


def tone(text: str, cues: ProbeCues, pupil: str) -> Tone:
    """What kind of acknowledgement an answer calls for: a hard moment is recognised first, then
    a good one; but a moment that ends in joy after a single hard word ("he shouted ... and we
    both laughed") is a good one. A short factual answer (a few words, no feeling in it) gets a
    light one."""
    lex = Lexicon.build(cues, pupil)
    tough = _unquoted_at(text, lex.tough, lex, pupil)
    joy = _joy_at(text, lex, pupil)
    if tough and not (len(tough) == 1 and joy and joy[-1] > tough[0]):
        return "tough"
    if joy:
        return "joy"
    if len(_words(text)) < SHORT_WORDS and not _any(text, lex.emotions, lex, pupil):
        return "short"
    return "plain"


AckKind = Literal["tough", "joy", "short", "plain", "forward"]


def ack_kind(said: Tone, item: Item, *, follow_up: bool = False) -> AckKind:
    """Which acknowledgements fit: the tone of the answer, and the kind of question. A goal, a
    plan (`ack: forward`) or a progress report (`ack: progress`, unless it is plainly joyful)
    gets an encouraging word, never a heavy one ("dat ik rustiger blijf als hij boos wordt" is
    a goal, not a hard moment). Before a follow-up the word stays light: it must not claim the
    picture is clear while the next line asks for more."""
    kind: AckKind = said
    if item.ack == "forward" or (item.ack == "progress" and said != "joy"):
        kind = "forward"
    if follow_up and kind in ("plain", "forward"):
        kind = "short"
    return kind


NonAnswer = Literal["", "symbols", "greeting", "filler", "puzzled"]


def non_answer(text: str, lang: Language) -> NonAnswer:
    """What kind of message answers nothing: no word at all (emoji, punctuation, "..."), only a
    greeting ("hoi", "Hallo!", "goedemorgen 🙂", "hi there"), only a hesitation ("hmm", "ehm")
    or only puzzlement ("?", "huh?", "wat bedoel je?"); '' for an answer. The conversation asks
    the question again instead of storing it."""
    said = _words(text)
    if not said:
        return "puzzled" if "?" in text else "symbols"
    joined = " ".join(said)
    lists = _word_lists(lang)
    if joined in lists["greetings"]:
        return "greeting"
    if joined in lists["fillers"]:
        return "filler"
    if joined in lists["puzzled"] or _asks_what_is_meant(said, text, lists["puzzled_phrases"]):
        return "puzzled"
    return ""


PUZZLED_WORDS = 14  # a question to the bot is short; a longer message is an answer with a «?»


def _asks_what_is_meant(said: list[str], text: str, phrases: frozenset[str]) -> bool:
    """A short question back about the question («wat bedoel je met klikken?», "What do you
    mean by 'click'?", «ik begrijp de vraag niet»): it asks what is meant, it answers nothing."""
    if len(said) > PUZZLED_WORDS:
        return False
    padded = f" {' '.join(said)} "
    return any(f" {phrase} " in padded for phrase in phrases) and (
        "?" in text or len(said) <= PUZZLED_WORDS // 2
    )


REFERENCE_OTHER_WORDS = 3  # «zie hierboven bij mijn doel»; «zoals ik al zei: elke dag een
# compliment» says the action itself


def refers_elsewhere(text: str, lang: Language) -> bool:
    """A message that points at what was written before instead of saying it («zie
    hierboven», «idem», "same as above"): no entry a check-in can ask about a week later."""
    said = _words(text)
    padded = f" {' '.join(said)} "
    return any(
        f" {phrase} " in padded and len(said) - len(phrase.split()) <= REFERENCE_OTHER_WORDS
        for phrase in _word_lists(lang)["reference_phrases"]
    )


def bare_number(text: str) -> bool:
    """Whether a message is a number and nothing else («1», "2.", "3)"): a button's number typed
    where no buttons are, never an answer in the teacher's own words."""
    return re.fullmatch(r"\s*[#(]?\d+[.):]?\s*", text) is not None


def only_agrees(text: str, lang: Language) -> bool:
    """Whether a message only agrees or thanks («ja», «oké», «ja hoor», "ok thanks", "yep"):
    at a question in words it says nothing yet. «goed», «prima», «nee», «niks» are not in the
    list: they answer «hoe liep het af?» or «is er nog iets?»."""
    return " ".join(_words(text)) in _word_lists(lang)["agreements"]


def is_non_answer(text: str, lang: Language) -> bool:
    """Whether a message answers nothing (see `non_answer`)."""
    return bool(non_answer(text, lang))


@lru_cache(maxsize=8)
def _word_lists(lang: Language) -> dict[str, frozenset[str]]:
    """The greetings of ui.yaml ("hoi", "goedemorgen", "ik ben er weer"), alone or with a word
    of address ("hallo juf", "hi there"); the hesitations and the puzzled phrases."""
    texts = load_texts(lang)

    def folded(phrases: list[str]) -> set[str]:
        return {" ".join(_words(phrase)) for phrase in phrases} - {""}

    greetings = folded(texts.greetings)
    return {
        "greetings": frozenset(greetings | {f"{p} {who}" for p in greetings for who in _ADDRESS}),
        "fillers": frozenset(folded(texts.fillers)),
        "agreements": frozenset(folded(texts.agreements)),
        "puzzled": frozenset(folded(texts.puzzled)),
        "puzzled_phrases": frozenset(folded(texts.puzzled_phrases)),
        "reference_phrases": frozenset(folded(texts.reference_phrases)),
    }


_ADDRESS = ("juf", "meester", "daar", "allemaal", "weer", "there", "again", "everyone")


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
            return ["more"] if len(_words(answer.text)) < THIN_WORDS else []
        return []

    @staticmethod
    def _event(answer: Answer, cues: ProbeCues, pupil: str, asked: set[str]) -> list[str]:
        if not asked and declines(answer.text, cues, pupil):
            return []
        if recalls_nothing(answer.parts[-1].text, cues, pupil):
            return []
        if "concrete" not in asked and is_generalisation(answer.text, cues, pupil):
            return ["concrete"]
        found = detect(answer.text, cues, pupil)
        missing = [e for e in ELEMENTS if e not in found and e not in asked]
        return missing[:MAX_PROBES_PER_TURN]
