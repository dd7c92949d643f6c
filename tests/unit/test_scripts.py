"""The scripts and texts are data: both languages agree, every referenced text exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.channels.terminal import TERMINAL_COMMANDS
from bot.dialogues import script as script_module
from bot.dialogues.coaching import ADMIN_COMMANDS, COACH_COMMANDS
from bot.dialogues.commands import COMMANDS
from bot.dialogues.script import load_script, load_texts, placeholders
from bot.errors import ScriptError
from bot.models.language import LANGUAGES
from bot.text import prompts as prompts_module
from tests.support.paths import ROOT

PROMPTS = Path(str(prompts_module.root()))

BOT_DIR = ROOT / "bot"


def test_interview_has_identical_ids_kinds_and_version_in_every_language() -> None:
    nl, en = (load_script("interview", lang) for lang in LANGUAGES)
    assert [(i.id, i.kind, i.section) for i in nl.items] == [
        (i.id, i.kind, i.section) for i in en.items
    ]
    assert nl.version == en.version and set(nl.probes) == set(en.probes)


def test_the_twelve_questions_of_the_domain_are_there_in_order() -> None:
    counted = [i.id for i in load_script("interview", "en").counted]
    assert len(counted) == 12
    assert counted[0] == "q01_three_words" and counted[-1] == "q12_goals"
    assert {
        i.kind
        for i in load_script("interview", "en").items
        if i.id in ("q02_click", "q03_no_click", "q04_upset", "q05_misbehave", "q08_comfort")
    } == {"event"}


def test_every_message_id_used_in_code_exists_in_every_language() -> None:
    used: set[str] = set()
    for path in BOT_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\.t\(\s*["']([a-z_]+)["']""", source))
        used |= set(re.findall(r"""\.get\(\s*["']([a-z_]+)["']""", source)) & set(
            load_texts("en").messages
        )
    used = {u for u in used if not u.endswith("_")}  # prefixes of composed ids, e.g. level_
    used |= {f"level_{level}" for level in ("low", "average", "high")}
    assert used, "the scan found no message ids"
    for lang in LANGUAGES:
        missing = used - set(load_texts(lang).messages)
        assert not missing, f"{lang} lacks {missing}"


def test_every_command_has_a_description_in_every_language() -> None:
    for lang in LANGUAGES:
        assert set(COMMANDS) <= set(load_texts(lang).commands)


def test_same_placeholders_in_every_language() -> None:
    nl, en = (load_texts(lang) for lang in LANGUAGES)
    for key, text in en.messages.items():
        assert placeholders(text) == placeholders(nl.messages[key]), key


def test_texts_mention_only_known_commands() -> None:
    known = {f"/{c}" for c in (*COMMANDS, *COACH_COMMANDS, *ADMIN_COMMANDS, *TERMINAL_COMMANDS)}
    for lang in LANGUAGES:
        for text in load_texts(lang).messages.values():
            assert set(re.findall(r"/[a-z]+", text)) <= known, text


def test_a_language_that_disagrees_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        data = yaml.safe_load((PROMPTS / lang / "interview.yaml").read_text("utf-8"))
        if lang == "en":
            data["items"][3]["text"] = "Three words for {pupl}?"
        (tmp_path / lang / "interview.yaml").write_text(yaml.safe_dump(data), "utf-8")
    monkeypatch.setattr(prompts_module, "root", lambda: tmp_path)
    script_module._check_languages.cache_clear()
    script_module.load_script.cache_clear()
    try:
        with pytest.raises(ScriptError, match="placeholders"):
            script_module.load_script("interview", "nl")
    finally:
        script_module._check_languages.cache_clear()
        script_module.load_script.cache_clear()


def test_placeholders_are_found() -> None:
    assert placeholders("Hi {pupil}, {n} of {total}") == {"pupil", "n", "total"}


def test_a_session_keeps_the_script_version_it_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from tests.support.engine_driver import EngineChat

    chat = EngineChat(lang="en")
    chat.start_interview("Sam")
    assert chat.state is not None
    session = chat.state.sessions[0]
    for lang in LANGUAGES:
        (tmp_path / lang / "archive").mkdir(parents=True)
        for name in ("interview", "ui"):
            source = (PROMPTS / lang / f"{name}.yaml").read_text("utf-8")
            (tmp_path / lang / f"{name}.yaml").write_text(source, "utf-8")
        data = yaml.safe_load((PROMPTS / lang / "interview.yaml").read_text("utf-8"))
        data["version"] = "old-1"
        data["items"][3]["text"] = "OLD three words question about {pupil}"
        (tmp_path / lang / "archive" / "interview-old-1.yaml").write_text(
            yaml.safe_dump(data), "utf-8"
        )
    monkeypatch.setattr(prompts_module, "root", lambda: tmp_path)
    script_module.load_script.cache_clear()
    try:
        session.script_version = "old-1"
        assert "OLD three words question about Sam" in chat.command("start")
        session.script_version = load_script("interview", "en").version
        assert "OLD" not in chat.command("start")
    finally:
        script_module.load_script.cache_clear()
