"""The workspace's words: `prompts/<lang>/web.yaml`, checked like the other prompt files (the
same keys and `{placeholders}` in every language) before any page is served."""

from __future__ import annotations

from functools import cache

from bot.dialogues.script import compare_texts
from bot.errors import ScriptError
from bot.models.language import LANGUAGES, Language
from bot.text.prompts import read_yaml


class WebTexts:
    """The texts of one language; `t(key, **params)` fills in the placeholders."""

    def __init__(self, lang: Language, messages: dict[str, str]) -> None:
        self.lang = lang
        self.messages = messages

    def __call__(self, key: str, **params: object) -> str:
        return self.messages[key].format(**params)


@cache
def web_texts(lang: Language) -> WebTexts:
    """The workspace's texts in one language, after checking every language agrees."""
    check_web_texts()
    return WebTexts(lang, _read(lang))


def _read(lang: str) -> dict[str, str]:
    data = read_yaml(lang, "web.yaml")
    bad = [key for key, value in data.items() if not isinstance(value, str)]
    if bad:
        raise ScriptError(f"web.yaml ({lang}): not a text: {bad[:5]}")
    return {str(key): str(value) for key, value in data.items()}


@cache
def check_web_texts() -> None:
    """ScriptError when a language lacks a key of another or uses other placeholders."""
    loaded = {lang: _read(lang) for lang in LANGUAGES}
    first = loaded[LANGUAGES[0]]
    for lang, texts in loaded.items():
        compare_texts("web.yaml", first, texts, lang)
