"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

PTB lets the HTTP client be swapped (`telegram.request.BaseRequest`); everything above it
(methods, errors such as RetryAfter, parsing) stays PTB's. Measured under load, httpx's
connection pool and pure-Python HTTP parsing were the largest single cost of a turn; aiohttp
parses in C and keeps its pool cheaply (see docs/performance.md).
"""

from __future__ import annotations

import warnings
from typing import Any, cast

import aiohttp
import orjson
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

JSON_HEADERS = {"Content-Type": "application/json"}
# getUpdates and sendMessage go through Bot.do_api_request on purpose, so that PTB does not
# build Update and Message objects the bot never reads; PTB would suggest its own methods.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.\w+' instead of", category=PTBUserWarning
)


class JsonData:
    """Parameters that are JSON values already (no files), in the place of a `RequestData`
    (which is final) for `BaseRequest.post`: `AiohttpRequest.do_request` reads only
    `parameters` and `multipart_data`. What `Bot._post` builds, without its conversion of
    every parameter and the layers around it (a few per cent of a turn's CPU per sendMessage)."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.parameters = parameters
        self.multipart_data: dict[str, Any] = {}

    def as_request_data(self) -> RequestData:
        """This object, typed as what `BaseRequest.post` takes."""
        return cast(RequestData, self)


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-polling time to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request; PTB turns the status and body into results or errors."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        data: Any = None
        headers = None
        if request_data is not None and files:
            data = _form(request_data.json_parameters, files)
        elif request_data is not None:  # JSON: much cheaper to build than a url-encoded form
            data, headers = orjson.dumps(request_data.parameters), JSON_HEADERS
        write = self._media_write_timeout if files else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_given(pool_timeout, self._pool_timeout),
            sock_connect=_given(connect_timeout, self._connect_timeout),
            sock_read=_max(_given(read_timeout, self._read_timeout), _given(write_timeout, write)),
        )
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as reply:
                return reply.status, await reply.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _form(params: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in params.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form


def _given(value: Any, default: float | None) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value


def _max(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return max(a, b)
