"""A real browser for the workspace's tests: Playwright driving Debian's chromium (never a
downloaded one). Without /usr/bin/chromium the tests are skipped, unless REQUIRE_BROWSER=1
(CI), where a missing browser fails them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The documentation's screenshots are renewed on request (UPDATE_SCREENSHOTS=1); a plain test
# run takes them too, into a scratch folder, so that it never changes the checkout.
SHOTS = (
    ROOT / "docs" / "workspace"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "llinc-screenshots"
)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def need_browser() -> None:
    """Skip (or, with REQUIRE_BROWSER=1, fail) when chromium or Playwright is missing."""
    missing = not Path(CHROMIUM).exists() and shutil.which("chromium") is None
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        why = f"no browser: install Debian's chromium ({CHROMIUM}) and the dev extra"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless chromium (Playwright's Browser)."""
    need_browser()
    from playwright.async_api import async_playwright

    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def shoot(page: Any, name: str, *, full: bool = True) -> None:
    """A screenshot of the page as it is, saved as <SHOTS>/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)
