"""Scripts (interview, reflection, check-in) and UI texts as data, validated at load.

A script lives in `prompts/<lang>/<script_id>.yaml`; UI texts in `prompts/<lang>/ui.yaml`.
Loading checks that every language has the same item ids, kinds and version, the same probe
ids, and the same placeholders in every text, so a missing translation fails at start-up and
in the tests, never in a conversation.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import PromptFileError, ScriptError
from bot.models.language import LANGUAGES, Language
from bot.text.prompts import prompt_file, read_yaml
from bot.text.punctuation import fill

ItemKind = Literal["pseudonym", "short", "open", "event", "list", "per_action", "yesno"]
Section = Literal["intake", "questions", "closing"]


class Item(BaseModel):
    """One question of a script."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: ItemKind
    section: Section
    title: str
    text: str
    # the heading the coach reads (workspace, PDF, inbox) where `title` speaks to the teacher
    # («Je doel» -> «Doel»); empty: the title serves both
    coach_title: str = ""
    # "forward": a goal or a plan, "progress": a progress report; the word after it encourages
    # (a joyful report may get a joyful one) and never calls the answer heavy because it names a
    # hard moment ("dat ik rustig blijf als hij boos wordt")
    ack: Literal["", "forward", "progress"] = ""
    # the question asks for the teacher's hard feelings (helplessness, pain, worry): the trained
    # model alone hearing distress in the answer asks the coach to read it, it does not send the
    # teacher the crisis lines (a rule's signal still does)
    asks_hard_feelings: bool = False
    # what the question means, in other words, for a teacher who asks («wat bedoel je met
    # klikken?»); empty: the question is only asked again
    explain: str = ""


class ProbeCues(BaseModel):
    """Word lists the rule-based probe detector matches (bot/dialogues/probes.py): phrases,
    and `actions` as verbs by lemma; `language` says how to read them."""

    model_config = ConfigDict(frozen=True)

    language: Language
    first_person: list[str]
    third_person: list[str]
    thinking: list[str]
    emotions: list[str]
    actions: list[str]
    ending: list[str]
    concrete: list[str]
    general: list[str]
    tough: list[str]
    declines: list[str] = Field(default_factory=list)
    no_memory: list[str] = Field(default_factory=list)  # "ik kan me niks herinneren"
    joy: list[str] = Field(default_factory=list)
    mixed: list[str] = Field(default_factory=list)  # a hard word: the answer is not pure joy


class Script(BaseModel):
    """A script in one language: items in order, probe texts, acknowledgements and cues."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    title: str
    items: list[Item]
    probes: dict[str, str] = Field(default_factory=dict)
    acknowledgements: list[str]
    acknowledgements_tough: list[str] = Field(default_factory=list)
    acknowledgements_joy: list[str] = Field(default_factory=list)
    acknowledgements_short: list[str] = Field(default_factory=list)
    acknowledgements_forward: list[str] = Field(default_factory=list)  # after a goal or plan
    probe_cues: ProbeCues | None = None
    intro: str = ""
    list_prompt_more: str = ""
    list_prompt_enough: str = ""  # after the third entry: the most, on to the next item
    list_done_button: str = ""
    list_item_label: str = ""

    @property
    def counted(self) -> list[Item]:
        """The numbered questions ("question 4 of 12")."""
        return [item for item in self.items if item.section == "questions"]


def placeholders(text: str) -> set[str]:
    """The {names} a text uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _read(*parts: str) -> dict[str, Any]:
    try:
        return read_yaml(*parts)
    except PromptFileError as exc:
        raise ScriptError(str(exc)) from exc


def _texts_of(data: Any, path: str = "") -> dict[str, str]:
    """Every string in a nested structure, keyed by its path (lists of words excluded)."""
    found: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found.update(_texts_of(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for value in data:
            found.update(_texts_of(value, f"{path}[{value.get('id', '?')}]"))
    elif isinstance(data, str):
        found[path] = data
    return found


def compare_texts(name: str, first: dict[str, str], other: dict[str, str], lang: str) -> None:
    """ScriptError unless `other` (in `lang`) has the keys and placeholders of `first`."""
    if set(first) != set(other):
        diff = sorted(set(first) ^ set(other))
        raise ScriptError(f"{name}: {lang} differs from {LANGUAGES[0]} in keys {diff[:5]}")
    for key, text in first.items():
        if placeholders(text) != placeholders(other[key]):
            raise ScriptError(f"{name}: {lang} placeholders differ at {key}")


@cache
def load_script(script_id: str, lang: Language, version: str | None = None) -> Script:
    """One script in one language, after checking every language agrees with it.

    With a `version` other than the current one, the archived copy
    `prompts/<lang>/archive/<script_id>-<version>.yaml` is used when it exists, so a session
    keeps the questions it started with; without an archive the current script serves (item
    ids are stable, so answers still line up).
    """
    _check_languages(script_id)
    current = Script.model_validate(_read(lang, f"{script_id}.yaml"))
    if version is None or version == current.version:
        return current
    archived = ("archive", f"{script_id}-{version}.yaml")
    if not prompt_file(lang, *archived).is_file():
        return current
    return Script.model_validate(_read(lang, *archived))


@cache
def _check_languages(script_id: str) -> None:
    loaded = {lang: _read(lang, f"{script_id}.yaml") for lang in LANGUAGES}
    scripts = {lang: Script.model_validate(data) for lang, data in loaded.items()}
    first = scripts[LANGUAGES[0]]
    shape = [(i.id, i.kind, i.section, i.ack) for i in first.items]
    ids = [i.id for i in first.items]
    if len(ids) != len(set(ids)):
        raise ScriptError(f"{script_id}: item ids must be unique")
    for lang, script in scripts.items():
        if [(i.id, i.kind, i.section, i.ack) for i in script.items] != shape:
            raise ScriptError(f"{script_id}: items in {lang} differ from {LANGUAGES[0]}")
        if script.version != first.version or set(script.probes) != set(first.probes):
            raise ScriptError(f"{script_id}: version or probes in {lang} differ")
    texts = {
        lang: _texts_of({k: v for k, v in d.items() if k != "probe_cues"})
        for lang, d in loaded.items()
    }
    for lang in LANGUAGES[1:]:
        compare_texts(script_id, texts[LANGUAGES[0]], texts[lang], lang)


class Texts(BaseModel):
    """UI texts of one language: message id -> text, plus word lists and command descriptions."""

    model_config = ConfigDict(frozen=True)

    messages: dict[str, str]
    greetings: list[str]
    yes_words: list[str]  # typed at the consent question, they mean its buttons
    no_words: list[str]
    fillers: list[str]  # a hesitation alone ("hmm") is no answer
    agreements: list[str] = []  # nor is a bare «ja», «oké», "thanks" at a question in words
    puzzled: list[str]  # nor is puzzlement ("huh?", "wat bedoel je?"): the question is repeated
    # inside a short question to the bot («wat bedoel je met klikken?»): asks what is meant
    puzzled_phrases: list[str] = []
    # «zie hierboven», "as above": points at another answer instead of saying it (not an action)
    reference_phrases: list[str] = []
    part_words: list[str]  # «Deel 2:», "Part 2:": a message that continues the answer before
    # «… lief maar», "and then he": a message ending on one was cut; the next one goes on with it
    continuation_words: list[str] = []
    done_words: list[str]  # «klaar»: an answer sent in parts is complete
    commands: dict[str, str]

    def get(self, message_id: str, **params: object) -> str:
        """The text of a message with its placeholders filled in (no doubled full stop when a
        value ends in one: «N.»)."""
        return fill(self.messages[message_id], **params)


@cache
def load_texts(lang: Language) -> Texts:
    """The UI texts of one language, after checking every language has the same ids."""
    _check_texts()
    return _parse_texts(_read(lang, "ui.yaml"))


def _parse_texts(data: dict[str, Any]) -> Texts:
    names = (
        "greetings",
        "yes_words",
        "no_words",
        "fillers",
        "agreements",
        "puzzled",
        "puzzled_phrases",
        "reference_phrases",
        "part_words",
        "continuation_words",
        "done_words",
    )
    lists = {name: data.pop(name, []) for name in names}
    commands = data.pop("commands", {})
    bad = [key for key, value in data.items() if not isinstance(value, str)]
    if bad:
        raise ScriptError(f"ui.yaml: not a text: {bad}")
    return Texts(messages=data, commands=commands, **lists)


@cache
def _check_texts() -> None:
    parsed = {lang: _parse_texts(_read(lang, "ui.yaml")) for lang in LANGUAGES}
    first = parsed[LANGUAGES[0]]
    for lang, texts in parsed.items():
        compare_texts("ui", first.messages, texts.messages, lang)
        if set(texts.commands) != set(first.commands):
            raise ScriptError(f"ui: commands in {lang} differ")
