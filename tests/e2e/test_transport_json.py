"""sendMessage over the bot's own HTTP layer (`AiohttpRequest`), as `llinc telegram` sends it:
long texts in pieces with the keyboard on the last, Telegram's refusals and flood control
handled as PTB's Bot methods do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.transport import TelegramTransport
from bot.models.events import Button, Outbound
from bot.text.chunks import split_text
from tests.support.e2e import TOKEN
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def transport(tg: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    bot = Bot(
        TOKEN,
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    async with bot:
        yield TelegramTransport(bot)


async def test_pieces_and_the_keyboard_on_the_last(
    tg: FakeTelegram, transport: TelegramTransport
) -> None:
    text = "\n".join(f"Regel {n}: {'woord ' * 60}" for n in range(30))
    keyboard = [[Button(label="Ja", data="1:yes:"), Button(label="Nee", data="1:no:")]]
    await transport.deliver(Outbound(channel="telegram", chat_id=42, text=text, buttons=keyboard))
    sent = tg.sent(42)
    assert len(sent) >= 2 and all(m.method == "sendMessage" for m in sent)
    assert [m.text for m in sent] == split_text(text)
    assert tg.buttons(sent[-1]) == [("Ja", "1:yes:"), ("Nee", "1:no:")]
    assert all(not tg.buttons(m) for m in sent[:-1])


async def test_flood_control_is_waited_out(tg: FakeTelegram, transport: TelegramTransport) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1, times=1)
    await transport.deliver(Outbound(channel="telegram", chat_id=43, text="Vraag 2"))
    assert [m.text for m in tg.sent(43)] == ["Vraag 2"]
    assert tg.calls["sendMessage"] == 2


@pytest.mark.parametrize("status", [400, 403])
async def test_a_refused_message_is_dropped(
    tg: FakeTelegram, transport: TelegramTransport, status: int
) -> None:
    tg.fail_next("sendMessage", status=status, description="refused", times=1)
    await transport.deliver(Outbound(channel="telegram", chat_id=44, text="Vraag 3"))
    assert tg.sent(44) == []
    assert tg.calls["sendMessage"] == 1
    await transport.deliver(Outbound(channel="telegram", chat_id=44, text="Vraag 4"))
    assert [m.text for m in tg.sent(44)] == ["Vraag 4"]


async def test_typing_over_the_json_path(tg: FakeTelegram, transport: TelegramTransport) -> None:
    await transport.typing(44)
    sent = tg.sent(44)
    assert [(m.method, m.text) for m in sent] == [("sendChatAction", "typing")]
    tg.fail_next("sendChatAction", status=400, description="Bad Request: chat not found")
    await transport.typing(45)  # best effort: a refusal is not raised
