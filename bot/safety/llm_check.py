"""An optional second look at an answer by a chat model (LangChain, the scorer's seam).

It may add safeguarding signals the offline rules missed, never remove one: the rules run in
the turn itself; this runs afterwards as a job. Only verbatim quotes from the answer count; a
timeout, an HTTP error or a malformed reply adds nothing (the rules' result stands).
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import cache
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot.config import LlmSettings
from bot.safety.safeguarding import Signal
from bot.scoring.llm import _chat_model_class, _parse_json, verbatim_quote
from bot.text.prompts import read_yaml

log = logging.getLogger(__name__)
KINDS = ("child_at_risk", "teacher_distress")
SCHEMA: dict[str, Any] = {
    "title": "safeguarding",
    "type": "object",
    "properties": {
        "signals": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "quote": {"type": "string"},
                },
                "required": ["kind", "quote"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["signals"],
    "additionalProperties": False,
}


@cache
def _prompt(lang: str) -> str:
    data = read_yaml(lang, "safeguarding_llm.yaml")
    return str(data["system"])


class LlmSafeguard:
    """Asks the model for signals in one answer; returns only verified, new ones."""

    def __init__(self, settings: LlmSettings) -> None:
        self.settings = settings
        self._model_class = _chat_model_class(settings)

    async def signals(self, text: str, lang: str) -> list[Signal]:
        """Verified signals in `text` (possibly none); [] on any failure."""
        try:
            return await asyncio.wait_for(self._ask(text, lang), self.settings.timeout_s)
        except Exception as exc:
            log.warning("LLM safeguarding check failed (%s); the rules stand", type(exc).__name__)
            return []

    async def _ask(self, text: str, lang: str) -> list[Signal]:
        from openai import DefaultAsyncHttpxClient

        async with DefaultAsyncHttpxClient() as http:
            chat = self._model_class(**self.settings.chat_model_options(http))
            model = chat.with_structured_output(
                SCHEMA, method="json_schema", include_raw=True, strict=True
            )
            data = json.dumps({"answer": text}, ensure_ascii=False)
            result: Any = await model.ainvoke([SystemMessage(_prompt(lang)), HumanMessage(data)])
        parsed = _parse_json(str(result["raw"].text))
        found = []
        for item in parsed.get("signals", []) if isinstance(parsed, dict) else []:
            quote = verbatim_quote(str(item.get("quote", "")), text)
            if quote and item.get("kind") in KINDS:
                found.append(Signal(kind=item["kind"], quote=quote, reason="llm second look"))
        return found
