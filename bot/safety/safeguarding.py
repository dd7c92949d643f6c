"""Safeguarding check: does an answer hold a sign that a child is at risk or the teacher is not ok?

`check(text, lang)` is offline, pure and deterministic. It returns one `Signal` per sentence and
kind, quoting the sentence verbatim: `child_at_risk` (signs of abuse or neglect, a child speaking
of self-harm or of not wanting to live, a child afraid to go home) or `teacher_distress` (the
teacher speaking of not being able to go on, of self-harm, of collapse).

The phrases live in `prompts/<lang>/safeguarding.yaml` (syntax at the top of that file, design
and limits in docs/safeguarding.md). A pattern match is a signal unless a negation governs it
("geen blauwe plekken gezien"), a figure of speech covers it ("dood van het lachen"), a benign
cue of its group is in the sentence (a fall the teacher saw), or the sentence says it was handled
in the past ("vorig jaar gemeld en opgelost"). Missing a disclosure costs more than a false
alarm, so the patterns err on the side of flagging.

Note for later work: an optional LLM check may ADD signals to these, never remove one; the
rule-based signals are the floor because they need no network and can be audited.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Annotated, Any, Literal

import simplemma
from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.errors import SafeguardingError
from bot.models.language import LANGUAGES as LANGS
from bot.models.language import Language as Lang
from bot.text.core import LEXICONS, fold, lemma_keys, split_sentences
from bot.text.prompts import read_yaml

Kind = Literal["child_at_risk", "teacher_distress"]
Who = Literal["teacher", "pupil", "pupil_said", "other", "unknown"]
NAME = "#name"  # in attribution lists: a name or an initial ("S.", "Sanne")
_WORD = re.compile(r"['’]?\w+(?:[-'’]\w+)*")
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]–—\"“”]|\s-\s")


class Signal(BaseModel, frozen=True):
    """One reason to bring a person in: its kind and the sentence it rests on (verbatim)."""

    kind: Kind
    quote: str


def _split(value: Any) -> Any:
    return value.split() if isinstance(value, str) else value


Words = Annotated[list[str], BeforeValidator(_split)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Group(_Model):
    """Patterns for one kind of sign; an `unless` cue in the sentence makes them benign."""

    patterns: list[str]
    unless: list[str] = []


class Signals(_Model):
    """Groups per section; `self_harm` takes its kind from who speaks."""

    child_at_risk: dict[str, Group]
    teacher_distress: dict[str, Group]
    self_harm: dict[str, Group]


class Negation(_Model):
    words: Words
    before: int
    after: int
    breakers: Words


class Handled(_Model):
    resolved: list[str]
    past: list[str]
    current: list[str]


class Attribution(_Model):
    reporting: Words
    teacher: Words
    pupil: Words
    other: Words
    names: Words


class Rules(_Model):
    """The contents of one `prompts/<lang>/safeguarding.yaml`."""

    language: Lang
    version: str
    word_order: Literal["free", "fixed"]
    max_gap: int
    words: dict[str, Words]
    signals: Signals
    negation: Negation
    figures_of_speech: list[str]
    handled: Handled
    attribution: Attribution


@lru_cache(maxsize=1 << 16)
def _keys(word: str, lang: str) -> frozenset[str]:
    """A word's keys: itself, "=" + itself (its exact form), its lemma (also for short words
    such as "wil" -> "willen", which `lemma_keys` leaves alone)."""
    folded = fold(word)
    return frozenset({folded, "=" + folded, fold(simplemma.lemmatize(folded, lang=lang))})


@dataclass(frozen=True, eq=False)
class _Slot:
    keys: frozenset[str]
    prefixes: tuple[str, ...]
    last: bool


@dataclass(frozen=True)
class _Pattern:
    slots: tuple[_Slot, ...]
    ordered: bool
    gap: int

    @property
    def width(self) -> int:
        """The largest distance between the first and the last word of a match."""
        return len(self.slots) - 1 + self.gap


def _slot(spec: str, rules: Rules) -> _Slot:
    keys: set[str] = set()
    prefixes: list[str] = []
    for alt in spec.rstrip("$").split("|"):
        if alt.startswith("@") and alt[1:] not in rules.words:
            raise SafeguardingError(f"{rules.language}: unknown word list {alt}")
        if alt.startswith("@"):
            keys.update(k for w in rules.words[alt[1:]] for k in _keys(w, rules.language))
        elif alt == NAME:
            keys.add(NAME)
        elif alt.startswith("="):
            keys.add("=" + fold(alt[1:]))
        elif alt.endswith("*") and len(alt) > 3:
            prefixes.append(fold(alt[:-1]))
        elif alt and not alt.endswith("*"):
            keys.update(_keys(alt, rules.language))
        else:
            raise SafeguardingError(f"{rules.language}: bad word {alt!r} in {spec!r}")
    return _Slot(frozenset(keys - {""}), tuple(prefixes), spec.endswith("$"))


def _pattern(spec: str, rules: Rules) -> _Pattern:
    ordered = spec.startswith(">") or rules.word_order == "fixed"
    slots = tuple(_slot(part, rules) for part in spec.lstrip(">").split())
    if not slots:
        raise SafeguardingError(f"{rules.language}: empty pattern")
    return _Pattern(slots, ordered, rules.max_gap)


@dataclass
class _Sentence:
    """One sentence's tokens: folded words, clause numbers, clause-final flags, and an index from
    every key to the positions that carry it."""

    start: int
    end: int
    words: list[str] = field(default_factory=list)
    clause: list[int] = field(default_factory=list)
    last: list[bool] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    cache: dict[_Slot, list[int]] = field(default_factory=dict)

    def positions(self, slot: _Slot) -> list[int]:
        """The positions a slot matches, in order (computed once per sentence and slot)."""
        if slot not in self.cache:
            hits = list(self.index.keys() & slot.keys)
            if slot.prefixes:
                hits += [k for k in self.index if k.startswith(slot.prefixes)]
            found = sorted({i for k in hits for i in self.index[k]})
            self.cache[slot] = [i for i in found if self.last[i]] if slot.last else found
        return self.cache[slot]


@dataclass(frozen=True, eq=False)
class _Compiled:
    rules: Rules
    groups: tuple[tuple[str, _Pattern, tuple[_Pattern, ...]], ...]
    figures: tuple[_Pattern, ...]
    resolved: tuple[_Pattern, ...]
    past: tuple[_Pattern, ...]
    current: tuple[_Pattern, ...]
    reporting: _Slot
    roles: tuple[tuple[Who, _Slot], ...]
    negators: frozenset[str]
    suffixes: tuple[str, ...]
    breakers: frozenset[str]
    triggers: dict[str, frozenset[int]]
    prefix_triggers: dict[str, tuple[tuple[str, int], ...]]
    teacher_words: frozenset[str]

    def candidates(self, s: _Sentence) -> list[int]:
        """The signal patterns worth trying on a sentence: it holds one word of their rarest
        slot."""
        found: set[int] = set()
        for key in s.index.keys() & self.triggers.keys():
            found |= self.triggers[key]
        for key in s.index:
            found.update(n for p, n in self.prefix_triggers.get(key[:3], ()) if key.startswith(p))
        return sorted(found)


def _rarity(slot: _Slot) -> int:
    """Longer words are rarer: the slot whose shortest word is longest triggers its pattern."""
    words = [k for k in slot.keys if not k.startswith("=")] + list(slot.prefixes)
    return min(len(w) for w in words) if words else 0


def _read(lang: str) -> Rules:
    try:
        return Rules.model_validate(read_yaml(lang, "safeguarding.yaml"))
    except ValueError as exc:
        raise SafeguardingError(f"prompts/{lang}/safeguarding.yaml: {exc}") from exc


def _shape(rules: Rules) -> tuple[object, ...]:
    sections = rules.signals.model_dump()
    return tuple(sorted(rules.words)), tuple((s, tuple(sorted(g))) for s, g in sections.items())


@cache
def load_rules(lang: Lang) -> Rules:
    """The rules of one language, after checking every language has the same keys and groups."""
    loaded = {code: _read(code) for code in LANGS}
    for code, rules in loaded.items():
        if rules.language != code:
            raise SafeguardingError(f"{code}/safeguarding.yaml says language {rules.language}")
        if _shape(rules) != _shape(loaded[LANGS[0]]):
            raise SafeguardingError(f"{code}: word lists or groups differ from {LANGS[0]}")
    return loaded[lang]


def compile_rules(rules: Rules) -> _Compiled:
    """Parse every pattern of `rules`; SafeguardingError on a malformed one."""

    def many(specs: list[str]) -> tuple[_Pattern, ...]:
        return tuple(_pattern(spec, rules) for spec in specs)

    groups = [
        (section, _pattern(p, rules), many(group["unless"]))
        for section, named in rules.signals.model_dump().items()
        for group in named.values()
        for p in group["patterns"]
    ]
    triggers: dict[str, set[int]] = {}
    prefix_triggers: dict[str, list[tuple[str, int]]] = {}
    for n, (_, pattern, _) in enumerate(groups):
        slot = max(pattern.slots, key=_rarity)
        for key in slot.keys:
            triggers.setdefault(key, set()).add(n)
        for prefix in slot.prefixes:
            prefix_triggers.setdefault(prefix[:3], []).append((prefix, n))
    who, neg = rules.attribution, rules.negation
    return _Compiled(
        rules,
        tuple(groups),
        many(rules.figures_of_speech),
        many(rules.handled.resolved),
        many(rules.handled.past),
        many(rules.handled.current),
        _slot("|".join(who.reporting), rules),
        (
            ("teacher", _slot("|".join(who.teacher), rules)),
            ("pupil", _slot("|".join(who.pupil), rules)),
            ("other", _slot("|".join(who.other), rules)),
            ("pupil", _slot("|".join(who.names), rules)),
        ),
        frozenset(fold(w) for w in neg.words if not w.startswith("*")),
        tuple(fold(w[1:]) for w in neg.words if w.startswith("*")),
        frozenset(fold(w) for w in neg.breakers),
        {key: frozenset(found) for key, found in triggers.items()},
        {key: tuple(found) for key, found in prefix_triggers.items()},
        frozenset(fold(w) for w in who.teacher),
    )


@cache
def _compiled(lang: Lang) -> _Compiled:
    return compile_rules(load_rules(lang))


def warm_up() -> None:
    """Load and compile the rules of every language (about a second: simplemma's dictionaries),
    so the first answer is checked as fast as the rest. Call it at start-up."""
    for lang in LANGS:
        check("Ok.", lang)


@lru_cache(maxsize=1 << 16)
def _token(raw: str, c: _Compiled) -> tuple[str, frozenset[str]]:
    """A word's folded form and keys; a negation word also gets the first negation word as key
    (so "niet" in a pattern matches "nooit", and "not" matches "doesn't")."""
    word, lang = fold(raw), c.rules.language
    keys = set(_keys(raw, lang) | lemma_keys(raw, lang))
    if "'" in word[1:]:
        head = word.split("'")[0]
        keys |= {head, LEXICONS[lang].contractions.get(word, head)}
    if word in c.negators or (c.suffixes and word.endswith(c.suffixes)):
        keys.add(fold(c.rules.negation.words[0]))
    return word, frozenset(keys)


def _sentences(text: str, c: _Compiled) -> list[_Sentence]:
    """Sentences of tokens; a clause ends at a comma, colon, bracket, dash or conjunction."""
    conjunctions = LEXICONS[c.rules.language].conjunctions
    result = []
    for start, end in split_sentences(text):
        s = _Sentence(start, end)
        previous = start
        for match in _WORD.finditer(text, start, end):
            raw = match.group()
            word, keys = _token(raw, c)
            if raw[0].isupper() and (len(raw) == 1 or s.words) and word not in c.teacher_words:
                keys |= {NAME}  # "S." or "Sanne" mid-sentence: most likely the pupil
            gap = text[previous : match.start()]
            if s.words and (_CLAUSE_BREAK.search(gap) or keys & conjunctions):
                s.last[-1] = True
            previous = match.end()
            for key in keys:
                s.index.setdefault(key, []).append(len(s.words))
            s.clause.append(s.clause[-1] + s.last[-1] if s.words else 0)
            s.words.append(word)
            s.last.append(False)
        if s.words:
            s.last[-1] = True
            result.append(s)
    return result


def _matches(pattern: _Pattern, s: _Sentence) -> Iterator[tuple[int, ...]]:
    """Token positions, one per slot, of each place the pattern matches. Only a contraction may
    fill two slots ("can't" is both "can" and "not")."""
    lists = []
    for slot in pattern.slots:
        found = s.positions(slot)
        if not found:
            return
        lists.append(found)
    if pattern.ordered:
        yield from _ordered(lists, pattern, s, ())
        return
    for start in sorted({p for found in lists for p in found}):
        picks: list[int] = []
        for found in lists:
            i = bisect.bisect_left(found, start)
            while i < len(found) and found[i] in picks and "'" not in s.words[found[i]]:
                i += 1
            if i == len(found) or found[i] > start + pattern.width:
                break
            picks.append(found[i])
        else:
            yield tuple(picks)


def _ordered(
    lists: list[list[int]], pattern: _Pattern, s: _Sentence, done: tuple[int, ...]
) -> Iterator[tuple[int, ...]]:
    if len(done) == len(lists):
        yield done
        return
    for p in lists[len(done)]:
        if done and (p < done[-1] or (p == done[-1] and "'" not in s.words[p])):
            continue
        if not done or p <= min(done[-1] + pattern.gap + 1, done[0] + pattern.width):
            yield from _ordered(lists, pattern, s, (*done, p))


def _any(patterns: tuple[_Pattern, ...], s: _Sentence, c: _Compiled) -> bool:
    return any(not _negated(m, s, c) for p in patterns for m in _matches(p, s))


def _negated(match: tuple[int, ...], s: _Sentence, c: _Compiled) -> bool:
    """A negation word outside the match, in the same clause, within reach, no breaker between."""
    neg = c.rules.negation
    first, last = min(match), max(match)
    for i in range(max(0, first - neg.before), min(len(s.words), last + neg.after + 1)):
        word = s.words[i]
        if i in match or not (word in c.negators or (c.suffixes and word.endswith(c.suffixes))):
            continue
        anchor = first if i < first else last if i > last else i
        between = range(min(i, anchor) + 1, max(i, anchor))
        if s.clause[i] == s.clause[anchor] and not any(s.words[j] in c.breakers for j in between):
            return True
    return False


def _covered(match: tuple[int, ...], s: _Sentence, c: _Compiled) -> bool:
    """A figure of speech lies within one clause of the match."""
    clauses = {s.clause[i] for i in match}
    return any(
        s.clause[min(m)] == s.clause[max(m)] in clauses for p in c.figures for m in _matches(p, s)
    )


def _handled(match: tuple[int, ...], at: int, sentences: list[_Sentence], c: _Compiled) -> bool:
    """Resolved (this sentence or the next), in the past (either), and nothing says "now"."""
    s = sentences[at]
    clause = s.clause[min(match)]
    for p in c.current:
        if any(s.clause[min(m)] == clause and not _negated(m, s, c) for m in _matches(p, s)):
            return False
    return any(
        _any(c.resolved, other, c) and (_any(c.past, s, c) or _any(c.past, other, c))
        for other in sentences[at : at + 2]
    )


def _who(match: tuple[int, ...], s: _Sentence, c: _Compiled) -> Who:
    """Whose words or state the match is. A reporting verb before it ("ze zei dat ...") makes it
    the pupil's words (`pupil_said`) unless its subject is the teacher or another adult; else a
    person word in the match, then the nearest subject in its clause, then in the clauses
    before."""

    def role(i: int) -> Who | None:
        return next((who for who, slot in c.roles if i in s.positions(slot)), None)

    def subject(clause: int, anchor: int) -> Who:
        span = [i for i in range(len(s.words)) if s.clause[i] == clause]
        before = [role(i) for i in reversed(span) if i <= anchor]
        return next((r for r in before + [role(i) for i in span if i > anchor] if r), "unknown")

    said = [i for i in s.positions(c.reporting) if i < min(match)]
    speaker = subject(s.clause[said[-1]], said[-1]) if said else "teacher"
    if speaker in ("pupil", "unknown"):  # an unplaced speaker ("Sanne zegt: ...") is the pupil
        return "pupil_said"
    inside = [r for i in match if (r := role(i))]
    if inside:
        return inside[0]
    found = subject(s.clause[max(match)], max(match))
    for clause in range(s.clause[min(match)] - 1, -1, -1):
        if found != "unknown":
            break
        found = subject(clause, len(s.words))
    return found


def _kind(section: str, who: Who) -> Kind | None:
    if section == "child_at_risk" or (section == "teacher_distress" and who == "pupil_said"):
        return "child_at_risk"
    if section == "teacher_distress":
        return "teacher_distress" if who in ("teacher", "unknown") else None
    return "teacher_distress" if who == "teacher" else "child_at_risk"


def check(text: str, lang: Lang) -> list[Signal]:
    """The safeguarding signals in one answer, in text order, at most one per sentence and kind.

    Pure and deterministic; no network. An optional LLM check may later add signals to this
    list but must never remove one.
    """
    c = _compiled(lang)
    sentences = _sentences(text, c)
    signals: list[Signal] = []
    for at, s in enumerate(sentences):
        kinds: set[Kind] = set()
        for n in c.candidates(s):
            section, pattern, unless = c.groups[n]
            for match in _matches(pattern, s):
                if _negated(match, s, c) or _covered(match, s, c) or _any(unless, s, c):
                    continue
                kind = _kind(section, _who(match, s, c))
                if kind and kind not in kinds and not _handled(match, at, sentences, c):
                    kinds.add(kind)
        signals += [Signal(kind=k, quote=text[s.start : s.end]) for k in sorted(kinds)]
    return signals
