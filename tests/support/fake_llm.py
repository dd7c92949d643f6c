"""A local OpenAI-compatible chat-completions stub for the LLM scorer tests.

`FakeLlm` serves `POST /v1/chat/completions` on 127.0.0.1 (a free port) with aiohttp. Each test
queues canned behaviours (one per request, in order) and can read back every request body.
Replies are `chat.completion` objects whose `message.content` is the JSON the scorer's
`json_schema` response format asks for; the "good" replies quote the answers found in the
request's data block, so they pass verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from aiohttp import web

DATA_BLOCK = re.compile(r"<<<BEGIN DATA (\w+)>>>\n(.*)\n<<<END DATA \1>>>", re.DOTALL)
GOOD_SCORES = (6, 4, 2, 5, 3, 4, 7, 4)
INVENTED_QUOTE = "Dit heeft de leerkracht nooit zo gezegd"

Reply = dict[str, Any] | str | None
Behaviour = Callable[["FakeLlm", dict[str, Any]], Awaitable[web.Response]]


def data_block(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON between the data markers of the first user message that has them."""
    for message in body["messages"]:
        found = DATA_BLOCK.search(str(message.get("content") or ""))
        if message["role"] == "user" and found:
            data: dict[str, Any] = json.loads(found.group(2))
            return data
    raise AssertionError("no data block in the request")


def first_words(text: str) -> str:
    """The first sentence (or first 60 characters) of an answer: a real quote."""
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:60].strip()


def good_output(scale_ids: list[str], body: dict[str, Any]) -> dict[str, Any]:
    """A valid reply: scores from GOOD_SCORES, one real quote each (restyled: curly quote marks
    around it, first letter upper-case), the last scale with a low confidence."""
    answers = data_block(body)["answers"]
    scales = []
    for i, scale_id in enumerate(scale_ids):
        answer = answers[i % len(answers)]
        quote = first_words(answer["text"])
        evidence = [{"question_id": answer["question_id"], "quote": f"“{quote.capitalize()}”"}]
        confidence = 0.3 if i == len(scale_ids) - 1 else 0.7
        score = GOOD_SCORES[i % len(GOOD_SCORES)]
        scales.append(
            {"id": scale_id, "evidence": evidence, "score": score, "confidence": confidence}
        )
    return {"scales": scales}


def completion(model: str, content: str | None, refusal: str | None = None) -> dict[str, Any]:
    """A minimal `chat.completion` object."""
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _reply(make: Callable[[FakeLlm, dict[str, Any]], Reply]) -> Behaviour:
    async def behave(fake: FakeLlm, body: dict[str, Any]) -> web.Response:
        output = make(fake, body)
        content = output if isinstance(output, str) or output is None else json.dumps(output)
        return web.json_response(completion(body["model"], content))

    return behave


def _good(fake: FakeLlm, body: dict[str, Any]) -> Reply:
    return good_output(fake.scale_ids, body)


def _invented(fake: FakeLlm, body: dict[str, Any]) -> Reply:
    """Good, plus one made-up quote on an average scale and one on a high scale."""
    output = good_output(fake.scale_ids, body)
    qid = data_block(body)["answers"][0]["question_id"]
    for scale in output["scales"][:2]:
        scale["evidence"].append({"question_id": qid, "quote": INVENTED_QUOTE})
    return output


def _out_of_range(fake: FakeLlm, body: dict[str, Any]) -> Reply:
    output = good_output(fake.scale_ids, body)
    output["scales"][0]["score"] = 9
    output["scales"][1]["score"] = 0
    return output


def _missing_scale(fake: FakeLlm, body: dict[str, Any]) -> Reply:
    output = good_output(fake.scale_ids, body)
    output["scales"].pop()
    return output


def _all_sevens(fake: FakeLlm, body: dict[str, Any]) -> Reply:
    """What an obeyed injection would produce: every scale 7, no quotes."""
    scales = [{"id": s, "evidence": [], "score": 7, "confidence": 1.0} for s in fake.scale_ids]
    return {"scales": scales}


async def _slow(fake: FakeLlm, body: dict[str, Any]) -> web.Response:
    """Sleeps `slow_s` (cut short when the server closes), then answers well."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(fake.closing.wait(), fake.slow_s)
    return await BEHAVIOURS["good"](fake, body)


async def _http_500(fake: FakeLlm, body: dict[str, Any]) -> web.Response:
    error = {"error": {"message": "internal error", "type": "server_error", "code": None}}
    return web.json_response(error, status=500)


async def _refusal(fake: FakeLlm, body: dict[str, Any]) -> web.Response:
    return web.json_response(completion(body["model"], None, refusal="I can't help with that."))


BEHAVIOURS: dict[str, Behaviour] = {
    "good": _reply(_good),
    "malformed": _reply(lambda fake, body: '{"scales": [{"id": "secure_base", "score": 4,'),
    "invented": _reply(_invented),
    "out_of_range": _reply(_out_of_range),
    "missing_scale": _reply(_missing_scale),
    "all_sevens": _reply(_all_sevens),
    "slow": _slow,
    "http_500": _http_500,
    "refusal": _refusal,
}


class FakeLlm:
    """The stub server: `queue()` behaviours, `base_url` for ChatOpenAI, `requests` to inspect."""

    def __init__(self, scale_ids: list[str], slow_s: float = 5.0) -> None:
        self.scale_ids = scale_ids
        self.slow_s = slow_s
        self.requests: list[dict[str, Any]] = []
        self.closing = asyncio.Event()
        self._queue: deque[str] = deque()
        self._runner: web.AppRunner | None = None
        self._port = 0

    def queue(self, *behaviours: str) -> None:
        """Add behaviours (names of BEHAVIOURS) for the next requests, one each."""
        unknown = set(behaviours) - set(BEHAVIOURS)
        assert not unknown, f"unknown behaviours {unknown}"
        self._queue.extend(behaviours)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self._port}/v1"

    async def start(self) -> FakeLlm:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Wake slow handlers and stop the server."""
        self.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLlm:
        return await self.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _handle(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        self.requests.append(body)
        if not self._queue:
            return web.json_response({"error": {"message": "no behaviour queued"}}, status=599)
        return await BEHAVIOURS[self._queue.popleft()](self, body)
