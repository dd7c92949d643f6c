"""Sending replies through the Bot API: buttons, long texts in pieces, files, flood control."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, WebAppInfo
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.telegram.http import AiohttpRequest, JsonData
from bot.channels.telegram.polling import retry_seconds
from bot.errors import SendFailed
from bot.models.events import Button, Outbound
from bot.runtime import metrics
from bot.text.chunks import CAPTION_LIMIT, split_text, utf16_len

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def markup(message: Outbound) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a message, if it has buttons."""
    if not message.buttons:
        return None
    rows = [[_button(b) for b in row] for row in message.buttons]
    return InlineKeyboardMarkup(rows)


def keyboard_json(message: Outbound) -> dict[str, Any] | None:
    """The inline keyboard of a message as the Bot API's JSON (`markup(message).to_dict()`,
    built directly), if it has buttons."""
    if not message.buttons:
        return None
    return {"inline_keyboard": [[_button_json(b) for b in row] for row in message.buttons]}


def _button_json(button: Button) -> dict[str, Any]:
    if button.web_app:
        return {"text": button.label, "web_app": {"url": button.web_app}}
    return {"text": button.label, "callback_data": button.data}


def _button(button: Button) -> InlineKeyboardButton:
    """A callback button, or one that opens the coach's workspace as a Mini App."""
    if button.web_app:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.web_app))
    return InlineKeyboardButton(button.label, callback_data=button.data)


class TelegramTransport:
    """Delivers `Outbound` messages with python-telegram-bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, message: Outbound) -> None:
        """Send one message (in pieces if long); drop it only when Telegram refuses it."""
        chat = message.chat_id
        if message.document is not None:
            upload = InputFile(message.document.content, filename=message.document.filename)
            if utf16_len(message.text) <= CAPTION_LIMIT:
                await self._call(
                    self.bot.send_document,
                    chat_id=chat,
                    document=upload,
                    caption=message.text or None,
                )
                return
            await self._send_text(chat, message.text, None)
            await self._call(self.bot.send_document, chat_id=chat, document=upload)
            return
        if message.photo is not None:
            caption = message.text if utf16_len(message.text) <= CAPTION_LIMIT else None
            await self._call(
                self.bot.send_photo,
                chat_id=chat,
                photo=message.photo,
                caption=caption,
                reply_markup=markup(message),
            )
            if caption is None and message.text:
                await self._send_text(chat, message.text, None)
            return
        await self._send_text(chat, message.text, keyboard_json(message))

    async def _send_text(self, chat: int, text: str, keyboard: dict[str, Any] | None) -> None:
        pieces = split_text(text)
        for i, piece in enumerate(pieces):
            params: dict[str, Any] = {"chat_id": chat, "text": piece}
            if keyboard is not None and i == len(pieces) - 1:
                params["reply_markup"] = keyboard
            await self._call(self._send_message, **params)

    async def _send_message(self, **params: Any) -> None:
        """sendMessage with PTB's request object: its `post` maps Telegram's answers to the
        same errors as every Bot method (RetryAfter, Forbidden, BadRequest, NetworkError ...).
        The echoed message is not turned into a `Message` (the bot never reads it; that parsing
        was a tenth of a turn's CPU), and the parameters, JSON already, are not converted one
        by one as `Bot.do_api_request` does (which is still the way with another `request`)."""
        request = self.bot.request
        if not isinstance(request, AiohttpRequest):  # another HTTP layer reads more of it
            await self.bot.do_api_request("sendMessage", api_kwargs=params)
            return
        data = JsonData(params).as_request_data()
        await request.post(f"{self.bot.base_url}/sendMessage", data)

    async def typing(self, chat: int) -> None:
        """Show 'typing…' in a chat (best effort); over aiohttp the way `_send_message` posts
        (`Bot.send_chat_action` built its parameters one by one: 4 % of a turn's CPU)."""
        with contextlib.suppress(NetworkError):
            request = self.bot.request
            if not isinstance(request, AiohttpRequest):
                await self.bot.send_chat_action(chat_id=chat, action=ChatAction.TYPING)
                return
            data = JsonData({"chat_id": chat, "action": ChatAction.TYPING.value})
            await request.post(f"{self.bot.base_url}/sendChatAction", data.as_request_data())

    async def _call(self, method: Callable[..., Awaitable[Any]], **params: Any) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                await method(**params)
                return
            except RetryAfter as exc:
                metrics.SENDS_RETRIED.inc()
                log.warning("flood control: waiting %.0fs", retry_seconds(exc))
                await asyncio.sleep(retry_seconds(exc))
            except Forbidden:
                log.info("chat %s does not accept messages; message dropped", params["chat_id"])
                return
            except BadRequest as exc:
                log.error("Telegram refused a message to chat %s: %s", params["chat_id"], exc)
                return
            except NetworkError as exc:
                metrics.SENDS_RETRIED.inc()
                log.warning("send failed (%s), attempt %d", type(exc).__name__, attempt + 1)
                await asyncio.sleep(min(2**attempt * 0.5, 30))
        raise SendFailed(f"chat {params['chat_id']}: gave up after {MAX_ATTEMPTS} attempts")
