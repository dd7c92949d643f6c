"""Issue 11, item 3: Telegram counts message length in UTF-16 code units, not characters.

An emoji (any character beyond the Basic Multilingual Plane) is two units. The fake Bot API
refuses over-long texts by that rule, the chunker splits by it (never inside a character), and
a teacher whose answers are full of emoji reads every one of them back at the review.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from telegram import Bot
from telegram.error import BadRequest

from bot.channels.telegram.transport import TelegramTransport
from bot.dialogues.script import load_texts
from bot.models.events import Button, Document, Outbound
from bot.text.chunks import pack, split_text, utf16_len
from tests.support.answers import ANSWERS, PROBE_ANSWER
from tests.support.e2e import PROGRESS, TOKEN, BotProcess, Teacher
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(240)
EN = load_texts("en")
SMILE = "😊"  # U+1F60A: one character, two UTF-16 units
FAMILY = "👨\u200d👩\u200d👧"  # one person-perceived character of five code points
FLAG = "🇳🇱"  # two regional indicators


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def ptb(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        yield bot


# -- the fake Bot API ---------------------------------------------------------------------------


async def test_the_fake_bot_api_counts_utf16_units_like_telegram(
    tg: FakeTelegram, ptb: Bot
) -> None:
    assert utf16_len(SMILE * 2048) == 4096
    assert (await ptb.send_message(42, SMILE * 2048)).text == SMILE * 2048
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await ptb.send_message(42, SMILE * 2048 + "x")  # 2,049 characters, 4,097 units
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await ptb.send_document(42, document=b"x", caption=SMILE * 513)
    assert len(tg.sent(42)) == 1


# -- splitting ------------------------------------------------------------------------------------


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len(SMILE) == 2
    assert utf16_len("𝄞ë") == 3  # a musical symbol (astral) and a Latin letter
    assert utf16_len(FAMILY) == 8


def test_a_text_within_the_characters_but_over_the_units_is_split() -> None:
    words = [f"{SMILE}{SMILE} answer {n}" for n in range(300)]
    text = " ".join(words)  # the shape: about 3,300 characters, over 4,096 units
    assert len(text) < 4096 < utf16_len(text)
    pieces = split_text(text)
    assert len(pieces) >= 2
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_a_hard_cut_never_splits_a_person_perceived_character() -> None:
    for glyph in (SMILE, FAMILY, FLAG, "e\u0301", "👍🏽", "❤️"):
        text = glyph * 3000  # no space to cut at
        pieces = split_text(text, limit=101)
        assert "".join(pieces) == text, glyph
        assert all(utf16_len(p) <= 101 for p in pieces)
        assert all(p.startswith(glyph) and p.endswith(glyph) for p in pieces), glyph


def test_pack_keeps_messages_within_the_units() -> None:
    blocks = [f"Question {n}\n" + SMILE * 180 + " and some words" for n in range(15)]
    messages = pack(blocks)
    assert all(utf16_len(m) <= 4096 - 96 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(["a", " ", "\n", "é", SMILE, "𝄞", "\u200d", "🏽", "\u0301", "🇳"]),
        max_size=700,
    ),
    st.integers(min_value=8, max_value=200),
)
def test_every_piece_fits_and_only_whitespace_at_a_cut_is_dropped(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


# -- the transport over the fake Bot API ------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage'")  # as bot.telegram.http does
async def test_the_transport_sends_a_long_emoji_text_in_pieces_telegram_accepts(
    tg: FakeTelegram, ptb: Bot
) -> None:
    transport = TelegramTransport(ptb)
    text = "\n".join(f"{SMILE * 30} line {n}" for n in range(150))  # 5,670 characters, 9,810 units
    keyboard = [[Button(label="OK", data="1:ok:")]]
    await transport.deliver(Outbound(channel="telegram", chat_id=42, text=text, buttons=keyboard))
    sent = tg.sent(42)
    assert len(sent) >= 3 and all(m.method == "sendMessage" for m in sent)
    assert "\n".join(m.text or "" for m in sent).split("\n") == text.split("\n")
    assert tg.buttons(sent[-1]) == [("OK", "1:ok:")]
    caption = SMILE * 600  # 600 characters, 1,200 units: too long for a caption
    document = Document(filename="a.json", content=b"{}")
    await transport.deliver(
        Outbound(channel="telegram", chat_id=43, text=caption, document=document)
    )
    await transport.deliver(
        Outbound(channel="telegram", chat_id=44, text=caption, photo=b"\x89PNG")
    )
    for chat in (43, 44):
        assert [m.text for m in tg.sent(chat) if m.text] == [caption], chat
        assert any(m.method in ("sendDocument", "sendPhoto") for m in tg.sent(chat))


# -- end to end: the review of answers full of emoji ------------------------------------------


async def test_a_teacher_reads_back_answers_full_of_emoji(
    tg: FakeTelegram, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(tg, redis_url, tmp_path / "data", tmp_path / "bot.log").start()
    try:
        teacher = Teacher(tg, 11_003, language_code="en")
        await teacher.say("/start")
        await teacher.press(EN.get("consent_yes"))
        answers = [ANSWERS["en"][0]] + [f"{a} {SMILE * 130}" for a in ANSWERS["en"][1:]]
        for answer in answers:
            said = await teacher.say(answer)
            for _ in range(3):  # the follow-up questions, if any
                if PROGRESS.search(said) or EN.get("review_intro") in said:
                    break
                said = await teacher.say(PROBE_ANSWER["en"])
        await teacher.wait_for_button(EN.get("submit"))  # the review's last message
        await asyncio.sleep(1.0)
        review = "\n".join(m.text or "" for m in teacher.messages())
        for answer in answers:
            assert answer in review
        assert "refused" not in bot.log_text() and "Traceback" not in bot.log_text()
        assert all(utf16_len(m.text or "") <= 4096 for m in teacher.messages())
    finally:
        if bot.process is not None:
            await bot.stop()
