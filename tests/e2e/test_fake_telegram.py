"""The fake Bot API speaks the protocol python-telegram-bot expects (real ``telegram.Bot``)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter

from tests.support.paths import ROOT

try:
    from tests.support.fake_telegram import FakeTelegram
except ModuleNotFoundError:  # tests/ is no package: pytest put tests/ itself on sys.path
    from fake_telegram import FakeTelegram  # type: ignore[no-redef]

from tests.support.e2e import TOKEN

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ja", callback_data="yes"),
            InlineKeyboardButton("Nee", callback_data="no"),
        ]
    ]
)


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


async def test_get_me(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (int(TOKEN.split(":")[0]), True, "fake_bot")
    assert tg.calls["getMe"] == 2  # one from `async with bot` (initialize)
    assert tg.base_url == f"http://127.0.0.1:{tg.port}/bot" and tg.port > 0


async def test_send_message_echoes_text_and_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(42, "Hallo <b>daar</b>", reply_markup=KEYBOARD, parse_mode="HTML")
    assert msg.text == "Hallo <b>daar</b>" and msg.chat.id == 42 and msg.chat.type == "private"
    assert msg.from_user is not None and msg.from_user.id == int(TOKEN.split(":")[0])
    assert msg.reply_markup == KEYBOARD
    [sent] = tg.sent(42)
    assert (sent.method, sent.chat_id, sent.message_id) == ("sendMessage", 42, msg.message_id)
    assert sent.reply_markup == KEYBOARD.to_dict() and sent.params["parse_mode"] == "HTML"
    assert tg.buttons(sent) == [("Ja", "yes"), ("Nee", "no")]
    assert tg.texts(42) == ["Hallo <b>daar</b>"] and tg.sent(43) == []
    second = await bot.send_message(42, "Tweede")
    assert second.message_id > msg.message_id and second.reply_markup is None


async def test_send_document_and_photo_with_bytes(tg: FakeTelegram, bot: Bot) -> None:
    pdf = b"%PDF-1.4 report" * 1000
    msg = await bot.send_document(42, document=pdf, filename="report.pdf", caption="Je rapport")
    assert msg.document is not None and msg.document.file_name == "report.pdf"
    assert msg.document.file_size == len(pdf) and msg.caption == "Je rapport"
    photo = await bot.send_photo(42, photo=b"\x89PNG chart")
    assert photo.photo and photo.photo[-1].file_size == len(b"\x89PNG chart")
    doc, pic = tg.sent(42)
    assert (doc.method, doc.filename, doc.document, doc.text) == (
        "sendDocument",
        "report.pdf",
        pdf,
        "Je rapport",
    )
    assert (pic.method, pic.photo) == ("sendPhoto", b"\x89PNG chart")
    again = await bot.send_document(42, document=msg.document.file_id)  # re-send by file_id
    assert again.document is not None and tg.sent(42)[-1].document == pdf


async def test_get_updates_and_offset_confirms(tg: FakeTelegram, bot: Bot) -> None:
    first = tg.add_text(7, "/start abc", language_code="en", first_name="Ann")
    second = tg.add_text(7, "tweede")
    assert second == first + 1 and tg.pending_updates() == 2
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    msg = updates[0].message
    assert msg is not None and msg.text == "/start abc" and msg.chat.id == 7
    assert msg.from_user is not None and msg.from_user.language_code == "en"
    assert msg.from_user.first_name == "Ann" and msg.parse_entities() != {}
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == len("/start")
    # Not confirmed yet: a restarted bot gets the same updates again.
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert tg.pending_updates() == 0 and tg.confirmed_offset == second + 1
    assert [u.update_id for u in await bot.get_updates(limit=1)] == []
    third = tg.add_command(7, "help")
    [update] = await bot.get_updates(offset=second + 1, limit=1, allowed_updates=["message"])
    assert update.update_id == third and update.message and update.message.text == "/help"
    assert tg.allowed_updates == ["message"]


async def test_long_poll_returns_early_when_update_arrives(tg: FakeTelegram, bot: Bot) -> None:
    start = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.3)
    assert not poll.done()
    uid = tg.add_text(5, "hoi")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in updates] == [uid]
    assert time.monotonic() - start < 3


async def test_long_poll_waits_for_timeout_without_updates(bot: Bot) -> None:
    start = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - start < 3


async def test_second_poller_terminates_first_with_conflict(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=tg.base_url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=10))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await asyncio.wait_for(first, 5)
        tg.add_text(1, "x")
        assert len(await asyncio.wait_for(second, 5)) == 1


async def test_redeliver_brings_confirmed_update_back(tg: FakeTelegram, bot: Bot) -> None:
    uid = tg.add_text(9, "eenmaal")
    assert len(await bot.get_updates()) == 1
    assert await bot.get_updates(offset=uid + 1) == ()
    tg.redeliver(uid)
    newer = tg.add_text(9, "later")
    updates = await bot.get_updates(offset=uid + 1)  # the bot's offset does not hide it
    assert [u.update_id for u in updates] == [uid, newer]
    assert updates[0].message is not None and updates[0].message.text == "eenmaal"
    assert await bot.get_updates(offset=newer + 1) == () and tg.pending_updates() == 0
    with pytest.raises(ValueError, match="still pending"):
        tg.redeliver(tg.add_text(9, "nog niet bevestigd"))


async def test_fail_next_raises_retry_after(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else reading retry_after warns (deprecation)
    tg.fail_next("sendMessage", retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(42, "te snel")
        assert info.value.retry_after == dtm.timedelta(seconds=3)
    assert (await bot.send_message(42, "nu wel")).text == "nu wel"
    assert tg.texts(42) == ["nu wel"] and tg.calls["sendMessage"] == 3
    tg.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(42, "kapot")
    tg.fail_next("sendChatAction", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_chat_action(42, "typing")


async def test_message_limits_raise_bad_request(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(42, "  ")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(42, document=b"x", caption="y" * 1025)
    assert (await bot.send_message(42, "x" * 4096)).text == "x" * 4096
    assert len(tg.sent(42)) == 1


async def test_wrong_token_is_rejected(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    assert tg.calls["getMe"] == 0


async def test_raw_http_error_bodies_and_request_encodings(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}9:X/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{url}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        tg.fail_next("getMe")
        async with http.get(f"{url}/getMe") as resp:
            assert resp.status == 429
            assert await resp.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        body = {"chat_id": 5, "text": "json", "reply_markup": keyboard}
        async with http.post(f"{url}/sendMessage", json=body) as resp:
            result = (await resp.json())["result"]
            assert result["text"] == "json" and result["reply_markup"] == keyboard
        form = {"chat_id": "5", "text": "123", "disable_notification": "true"}
        async with http.post(f"{url}/SENDMESSAGE", data=form) as resp:
            assert (await resp.json())["result"]["text"] == "123"  # stays a string
    assert tg.texts(5) == ["json", "123"] and tg.sent(5)[1].params["disable_notification"] is True
    assert tg.calls["sendMessage"] == 2 and tg.calls["noSuchMethod"] == 1


async def test_wait_for_sent(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_chat_action(42, "typing")  # chat actions do not count
    await bot.send_message(42, "Welkom!", reply_markup=KEYBOARD)
    with pytest.raises(TimeoutError) as info:
        await tg.wait_for_sent(42, 2, timeout=0.2)
    report = str(info.value)
    assert "expected 2 message(s) to chat 42" in report and "got 1" in report
    assert "'Welkom!'" in report and "('Ja', 'yes')" in report and "sendChatAction" in report

    async def send_later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(42, "Tweede")

    task = asyncio.create_task(send_later())
    got = await tg.wait_for_sent(42, 2, timeout=5)
    await task
    assert [m.text for m in got] == ["Welkom!", "Tweede"]
    assert [m.method for m in tg.sent(42)] == ["sendChatAction", "sendMessage", "sendMessage"]


async def test_press_button_and_answer_callback(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_text(42, "hoi", language_code="en")
    old = await bot.send_message(42, "Kies", reply_markup=KEYBOARD)
    new = await bot.send_message(42, "Nog eens", reply_markup=KEYBOARD)
    await bot.send_message(42, "zonder knoppen")
    latest = tg.press_button(42, "no")
    stale = tg.press_button(42, "yes", message_id=old.message_id)
    updates = await bot.get_updates(offset=latest)
    assert [u.update_id for u in updates] == [latest, stale]
    query = updates[0].callback_query
    assert query is not None and query.data == "no" and query.chat_instance
    assert query.message is not None and query.message.message_id == new.message_id
    assert query.from_user.language_code == "en" and query.from_user.id == 42
    assert updates[1].callback_query and updates[1].callback_query.message
    assert updates[1].callback_query.message.message_id == old.message_id
    assert await bot.answer_callback_query(query.id, text="Genoteerd")
    assert tg.sent(42)[-1].method == "answerCallbackQuery" and tg.sent(42)[-1].text == "Genoteerd"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="no button 'maybe'"):
        tg.press_button(42, "maybe")
    with pytest.raises(ValueError):
        tg.press_button(77, "yes")


async def test_edit_and_delete_messages(tg: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(42, "Vraag 1", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text(
        "Vraag 1 (beantwoord)", chat_id=42, message_id=msg.message_id
    )
    assert isinstance(edited, type(msg)) and edited.text == "Vraag 1 (beantwoord)"
    assert edited.reply_markup is None and edited.edit_date is not None  # keyboard removed
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Vraag 1 (beantwoord)", chat_id=42, message_id=msg.message_id)
    marked = await bot.edit_message_reply_markup(42, msg.message_id, reply_markup=KEYBOARD)
    assert not isinstance(marked, bool) and marked.reply_markup == KEYBOARD
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=999_999)
    assert await bot.delete_message(42, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(42, msg.message_id)
    methods = [m.method for m in tg.sent(42)]
    assert methods == ["sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage"]
    assert len(await tg.wait_for_sent(42, 1, timeout=0.1)) == 1  # edits are not new messages


async def test_commands_per_language_and_scope(tg: FakeTelegram, bot: Bot) -> None:
    nl = [BotCommand("start", "Begin"), BotCommand("stop", "Stoppen")]
    assert await bot.set_my_commands(nl, language_code="nl")
    assert await bot.set_my_commands([BotCommand("start", "Start")])
    assert await bot.get_my_commands(language_code="nl") == tuple(nl)
    assert await bot.get_my_commands() == (BotCommand("start", "Start"),)
    assert await bot.get_my_commands(language_code="en") == ()
    assert set(tg.commands) == {("default", "nl"), ("default", "")}
    assert await bot.delete_my_commands(language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start Now", "x")])


async def test_user_media_updates_parse_and_download(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_text(3, "hoi", first_name="Bea")
    ids = [tg.add_sticker(3), tg.add_voice(3, b"OggS spraak"), tg.add_photo(3)]
    ids += [tg.add_document(3, b"%PDF x", "plan.pdf"), tg.add_edited_text(3, 1, "hoi!")]
    ids.append(
        tg.add_raw({"message": {"message_id": 99, "date": 1, "chat": {"id": 3, "type": "private"}}})
    )
    updates = await bot.get_updates(offset=ids[0])
    assert [u.update_id for u in updates] == ids == list(range(ids[0], ids[0] + 6))
    sticker, voice, photo, doc, edit, raw = (u.effective_message for u in updates)
    assert sticker and sticker.sticker and sticker.sticker.emoji
    assert voice and voice.voice and voice.voice.mime_type == "audio/ogg"
    assert voice.from_user and voice.from_user.first_name == "Bea"
    assert photo and photo.photo and doc and doc.document and doc.document.file_name == "plan.pdf"
    assert updates[4].edited_message and edit and edit.text == "hoi!" and edit.message_id == 1
    assert raw and raw.message_id == 99
    file = await bot.get_file(voice.voice.file_id)
    assert bytes(await file.download_as_bytearray()) == b"OggS spraak"


async def test_flood_violations_per_chat(tg: FakeTelegram, bot: Bot) -> None:
    start = time.monotonic()
    for i in range(5):
        await bot.send_message(42, f"snel {i}")
    await bot.send_message(43, "andere chat")
    assert time.monotonic() - start < 1, "too slow to test the rate check"
    assert [(v.chat_id, v.reason) for v in tg.flood_violations] == [
        (42, "over 1 msg/s in chat")
    ] * 2
    await asyncio.sleep(1.05)  # one token back
    await bot.send_message(42, "rustig")
    assert len(tg.flood_violations) == 2


async def test_flood_violations_overall(tg: FakeTelegram, bot: Bot) -> None:
    start = time.monotonic()
    await asyncio.gather(*(bot.send_message(1000 + i, "hoi") for i in range(31)))
    assert time.monotonic() - start < 1, "too slow to test the rate check"
    [violation] = tg.flood_violations
    assert (violation.chat_id, violation.reason) == (None, "over 30 msg/s overall")
    assert violation.time == max(m.time for m in tg.sent())


async def test_webhook_and_post_update(tg: FakeTelegram, bot: Bot) -> None:
    received: list[tuple[str | None, int]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update["update_id"])
        )
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        tg.add_text(1, "wordt weggegooid")
        assert await bot.set_webhook(url, secret_token="geheim", drop_pending_updates=True)
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0 and tg.pending_updates() == 0
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert await tg.post_update(url, {"message": {"text": "x"}}, secret_token="geheim") == 200
        assert await tg.post_update(url, {"update_id": 77}) == 200
        assert received[0][0] == "geheim" and received[1] == (None, 77)
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == "" and await bot.get_updates() == ()
        assert await bot.log_out() and await bot.close()
    finally:
        await runner.cleanup()


async def test_standalone_main_reads_user_lines(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fake_telegram",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        banner = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert banner.startswith("Fake Telegram API at http://127.0.0.1:")
        base_url = banner.split()[4]
        proc.stdin.write(b"hallo bot\n")
        await proc.stdin.drain()
        async with Bot(TOKEN, base_url=base_url) as bot:
            [update] = await bot.get_updates(timeout=5)
            assert update.message is not None and update.message.text == "hallo bot"
            await bot.send_message(1, "Hoi!")
        echo = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
        assert echo.startswith("-> 1 sendMessage: 'Hoi!'")
    finally:
        proc.terminate()
        await proc.wait()
        proc.stdin.close()
