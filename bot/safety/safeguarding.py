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

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.errors import SafeguardingError
from bot.models.language import LANGUAGES as LANGS
from bot.models.language import Language as Lang
from bot.text.analysis import NAME, analyse
from bot.text.cues import Cue, CueError, CueSet, Search, Slot, parse_cue, parse_slot
from bot.text.lexicon import LEXICONS, Lexicon
from bot.text.prompts import read_yaml
from bot.text.scope import Scope, negated

Kind = Literal["child_at_risk", "teacher_distress"]
Who = Literal["teacher", "pupil", "pupil_said", "other", "unknown"]
STRONG_NEGATION = 0.8  # "weinig", "hardly" and a hedged "niet echt" do not deny a sign
__all__ = ["NAME", "Kind", "Lang", "Rules", "SafeguardingError", "Signal", "check", "warm_up"]


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
    before: int
    after: int


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


@dataclass(frozen=True, eq=False)
class _Compiled:
    rules: Rules
    lexicon: Lexicon
    groups: tuple[tuple[str, Cue, tuple[Cue, ...]], ...]
    figures: tuple[Cue, ...]
    resolved: tuple[Cue, ...]
    past: tuple[Cue, ...]
    current: tuple[Cue, ...]
    reporting: Slot
    roles: tuple[tuple[Who, Slot], ...]
    scope: Scope
    patterns: CueSet


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
    lang = rules.language

    def cue(spec: str) -> Cue:
        try:
            return parse_cue(
                spec, lang, rules.words, ordered=rules.word_order == "fixed", gap=rules.max_gap
            )
        except CueError as exc:
            raise SafeguardingError(str(exc)) from exc

    def many(specs: list[str]) -> tuple[Cue, ...]:
        return tuple(cue(spec) for spec in specs)

    def slot(words: list[str]) -> Slot:
        return parse_slot("|".join(words), lang, rules.words)

    groups = [
        (section, cue(p), many(group["unless"]))
        for section, named in rules.signals.model_dump().items()
        for group in named.values()
        for p in group["patterns"]
    ]
    who, neg = rules.attribution, rules.negation
    lexicon = LEXICONS[lang]
    return _Compiled(
        rules,
        lexicon,
        tuple(groups),
        many(rules.figures_of_speech),
        many(rules.handled.resolved),
        many(rules.handled.past),
        many(rules.handled.current),
        slot(who.reporting),
        (
            ("teacher", slot(who.teacher)),
            ("pupil", slot(who.pupil)),
            ("other", slot(who.other)),
            ("pupil", slot(who.names)),
        ),
        Scope(
            neg.before,
            neg.after,
            min_strength=STRONG_NEGATION,
            own_negation=False,
            breakers=lexicon.scope_breakers,
        ),
        CueSet([pattern for _, pattern, _ in groups]),
    )


@cache
def _compiled(lang: Lang) -> _Compiled:
    return compile_rules(load_rules(lang))


def warm_up() -> None:
    """Load and compile the rules of every language (about a second: simplemma's dictionaries),
    so the first answer is checked as fast as the rest. Call it at start-up."""
    for lang in LANGS:
        check("Ok.", lang)


def _any(cues: tuple[Cue, ...], s: Search, c: _Compiled) -> bool:
    return any(not _negated(m, s, c) for cue in cues for m in s.matches(cue))


def _negated(match: tuple[int, ...], s: Search, c: _Compiled) -> bool:
    return negated(s.tokens, match, c.scope)


def _covered(match: tuple[int, ...], s: Search, c: _Compiled) -> bool:
    """A figure of speech lies within one clause of the match."""
    clauses = {s.tokens[i].clause for i in match}
    return any(
        s.tokens[min(m)].clause == s.tokens[max(m)].clause in clauses
        for cue in c.figures
        for m in s.matches(cue)
    )


def _handled(match: tuple[int, ...], at: int, searches: list[Search], c: _Compiled) -> bool:
    """Resolved (this sentence or the next), in the past (either), and nothing says "now"."""
    s = searches[at]
    clause = s.tokens[min(match)].clause
    for cue in c.current:
        if any(s.tokens[min(m)].clause == clause and not _negated(m, s, c) for m in s.matches(cue)):
            return False
    return any(
        _any(c.resolved, other, c) and (_any(c.past, s, c) or _any(c.past, other, c))
        for other in searches[at : at + 2]
    )


def _who(match: tuple[int, ...], s: Search, c: _Compiled) -> Who:
    """Whose words or state the match is. A reporting verb before it ("ze zei dat ...") makes it
    the pupil's words (`pupil_said`) unless its subject is the teacher or another adult; else a
    person word in the match, then the nearest subject in its clause, then in the clauses
    before."""

    def role(i: int) -> Who | None:
        return next((who for who, slot in c.roles if i in s.positions(slot)), None)

    def subject(clause: int, anchor: int) -> Who:
        span = [i for i, token in enumerate(s.tokens) if token.clause == clause]
        before = [role(i) for i in reversed(span) if i <= anchor]
        return next((r for r in before + [role(i) for i in span if i > anchor] if r), "unknown")

    said = [i for i in s.positions(c.reporting) if i < min(match)]
    speaker = subject(s.tokens[said[-1]].clause, said[-1]) if said else "teacher"
    if speaker in ("pupil", "unknown"):  # an unplaced speaker ("Sanne zegt: ...") is the pupil
        return "pupil_said"
    inside = [r for i in match if (r := role(i))]
    if inside:
        return inside[0]
    found = subject(s.tokens[max(match)].clause, max(match))
    for clause in range(s.tokens[min(match)].clause - 1, -1, -1):
        if found != "unknown":
            break
        found = subject(clause, len(s.tokens))
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
    searches = [Search(sentence) for sentence in analyse(text, lang)]
    signals: list[Signal] = []
    for at, s in enumerate(searches):
        kinds: set[Kind] = set()
        for n in c.patterns.candidates(s.sentence):
            section, pattern, unless = c.groups[n]
            for match in s.matches(pattern):
                if _negated(match, s, c) or _covered(match, s, c) or _any(unless, s, c):
                    continue
                kind = _kind(section, _who(match, s, c))
                if kind and kind not in kinds and not _handled(match, at, searches, c):
                    kinds.add(kind)
        start, end = s.sentence.start, s.sentence.end
        signals += [Signal(kind=k, quote=text[start:end]) for k in sorted(kinds)]
    return signals
