"""The safeguarding rule files, `prompts/<lang>/safeguarding.yaml`: validated and compiled.

The rules describe a disclosure, not a word list: each group of a section names what happens
(hitting, secrets, night visits, fear responses, neglect, hurting itself, not wanting to live,
the teacher's body giving way ...) and its patterns say who does it to whom, in the cue syntax
of `bot.text.cues`; the status lists say when a match is no disclosure (negated, a figure of
speech, handled in the past, checked and dismissed, hypothetical). Both languages must have the
same word lists and groups; `SafeguardingError` otherwise, or when a pattern is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.errors import SafeguardingError
from bot.models.language import LANGUAGES as LANGS
from bot.models.language import Language as Lang
from bot.text.cues import Cue, CueError, CueSet, Slot, parse_cue, parse_slot
from bot.text.lexicon import LEXICONS
from bot.text.prompts import read_yaml
from bot.text.scope import Scope

Kind = Literal["child_at_risk", "teacher_distress"]
Who = Literal["teacher", "pupil", "pupil_said", "other", "unknown"]
STRONG_NEGATION = 0.8  # "weinig", "hardly" and a hedged "niet echt" do not deny a sign
SECRETS = "secrets"  # its `unless` cues (a surprise for mum) hold for the model's flags too


def _split(value: Any) -> Any:
    return value.split() if isinstance(value, str) else value


Words = Annotated[list[str], BeforeValidator(_split)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Group(_Model):
    """Patterns for one kind of sign; an `unless` cue in the sentence makes them benign; `gap`
    widens the window for signs told across a long sentence."""

    patterns: list[str]
    unless: list[str] = []
    gap: int | None = None


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


class Policy(_Model):
    """Talk about training and procedures in general: its frames, and the words (any person,
    or a name that is not an institution) that make it about someone after all."""

    frames: list[str]
    persons: Words
    institutions: Words


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
    dismissed: list[str]
    ordinary: list[str]
    hypothetical: list[str]
    policy: Policy
    attribution: Attribution


@dataclass(frozen=True, eq=False)
class Pattern:
    """One compiled pattern: its section, group, cue and the group's benign cues."""

    section: str
    group: str
    cue: Cue
    unless: tuple[Cue, ...]


@dataclass(frozen=True, eq=False)
class Compiled:
    """A language's rules, parsed: patterns indexed by their rarest word, the status cues, the
    attribution slots and the negation scope."""

    rules: Rules
    patterns: tuple[Pattern, ...]
    index: CueSet
    figures: tuple[Cue, ...]
    resolved: tuple[Cue, ...]
    past: tuple[Cue, ...]
    current: tuple[Cue, ...]
    dismissed: tuple[Cue, ...]
    ordinary: tuple[Cue, ...]
    hypothetical: tuple[Cue, ...]
    policy: tuple[Cue, ...]
    persons: Slot
    institutions: frozenset[str]
    surprise: tuple[Cue, ...]
    secrets: tuple[Cue, ...]
    secret: Cue
    reporting: Slot
    roles: tuple[tuple[Who, Slot], ...]
    scope: Scope


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


def compile_rules(rules: Rules) -> Compiled:
    """Parse every pattern of `rules`; SafeguardingError on a malformed one."""
    lang = rules.language
    ordered = rules.word_order == "fixed"

    def cue(spec: str, gap: int | None = None) -> Cue:
        try:
            return parse_cue(spec, lang, rules.words, ordered=ordered, gap=gap or rules.max_gap)
        except CueError as exc:
            raise SafeguardingError(str(exc)) from exc

    def many(specs: list[str]) -> tuple[Cue, ...]:
        return tuple(cue(spec) for spec in specs)

    def slot(words: list[str]) -> Slot:
        return parse_slot("|".join(words), lang, rules.words)

    patterns = tuple(
        Pattern(section, name, cue(spec, group.gap), many(group.unless))
        for section, groups in (
            ("child_at_risk", rules.signals.child_at_risk),
            ("teacher_distress", rules.signals.teacher_distress),
            ("self_harm", rules.signals.self_harm),
        )
        for name, group in groups.items()
        for spec in group.patterns
    )
    who, neg = rules.attribution, rules.negation
    breakers = LEXICONS[lang].scope_breakers
    return Compiled(
        rules=rules,
        patterns=patterns,
        index=CueSet([p.cue for p in patterns]),
        figures=many(rules.figures_of_speech),
        resolved=many(rules.handled.resolved),
        past=many(rules.handled.past),
        current=many(rules.handled.current),
        dismissed=many(rules.dismissed),
        ordinary=many(rules.ordinary),
        hypothetical=many(rules.hypothetical),
        policy=many(rules.policy.frames),
        persons=slot([*rules.policy.persons, "#name"]),
        institutions=frozenset(rules.policy.institutions),
        surprise=next((p.unless for p in patterns if p.group == SECRETS), ()),
        secrets=tuple(p.cue for p in patterns if p.group == SECRETS),
        secret=cue("@secret"),
        reporting=slot(who.reporting),
        roles=(
            ("teacher", slot(who.teacher)),
            ("pupil", slot(who.pupil)),
            ("other", slot(who.other)),
            ("pupil", slot(who.names)),
        ),
        scope=Scope(
            neg.before,
            neg.after,
            min_strength=STRONG_NEGATION,
            own_negation=False,
            breakers=breakers,
            inversion=LEXICONS[lang].verb_second,
        ),
    )


@cache
def compiled(lang: Lang) -> Compiled:
    """The compiled rules of one language (loaded once per process)."""
    return compile_rules(load_rules(lang))
