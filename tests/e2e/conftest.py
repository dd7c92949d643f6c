"""Fixtures of the end-to-end tests: the fake Bot API server every test talks through."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.e2e import TOKEN
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A fresh fake Bot API server for the bot's token."""
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake
