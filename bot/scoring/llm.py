"""The optional LLM scorer: a chat model drafts the profile, the code verifies it.

The answers reach the model only as JSON inside a delimited data block of the user message; the
instructions live in the system prompt (`prompts/<lang>/scoring.yaml`). The output comes back
through structured output (`json_schema`), is validated, and every quote must be found verbatim
in the answers. One retry sends the validation errors back; any other failure (timeout, HTTP
error, refusal, invalid twice) hands the transcript to the offline fallback scorer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from functools import cache
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import ModelConnectionError, ModelRefusalError, ModelTimeoutError
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langsmith import tracing_context
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import InvalidOutputError
from bot.models.language import Language
from bot.models.profile import Draft, Evidence, ScaleScore, Transcript, level_for
from bot.scoring.protocol import Scorer
from bot.scoring.scales import LEVELS, ScaleSet, load_scales
from bot.text.prompts import read_yaml

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

from bot.config import LlmSettings

logger = logging.getLogger(__name__)

MIN_QUOTE_CHARS = 8
LOW_CONFIDENCE = 0.4
SCHEMA_NAME = "relationship_profile_draft"
_QUOTE_MARKS = str.maketrans(dict.fromkeys("“”„‟«»″", '"') | dict.fromkeys("‘’‚‛`´′", "'"))
_QUOTE_EDGES = " \t\r\n\"'“”„‟«»‘’‚‛`´….,;:"
_STRICT = ConfigDict(json_schema_extra={"additionalProperties": False})


class LlmEvidence(BaseModel):
    """A quote as the model gives it; verified before it reaches a `Draft`."""

    model_config = _STRICT

    question_id: str = Field(description="id of the answer the quote is copied from")
    quote: str = Field(description="words copied exactly from that answer")


class LlmScale(BaseModel):
    """One scale as the model scores it (evidence first, so the score follows the quotes)."""

    model_config = _STRICT

    id: str = Field(description="scale id")
    evidence: list[LlmEvidence] = Field(description="the quotes that moved the score")
    score: int = Field(ge=1, le=7, description="1-2 low, 3-5 average, 6-7 high")
    confidence: float = Field(ge=0.0, le=1.0, description="how well the answers support it")


class LlmDraft(BaseModel):
    """The structured output the model must return: one entry per scale."""

    model_config = _STRICT

    scales: list[LlmScale]


def output_schema(scale_ids: list[str]) -> dict[str, Any]:
    """The JSON schema of `LlmDraft` with the scale ids as an enum (strict-mode compatible)."""
    schema = LlmDraft.model_json_schema()
    schema["$defs"]["LlmScale"]["properties"]["id"]["enum"] = list(scale_ids)
    schema["title"] = SCHEMA_NAME
    schema["description"] = "A draft relationship profile: one entry per scale."
    return schema


@cache
def _prompts(language: Language) -> dict[str, Any]:
    return read_yaml(language, "scoring.yaml")


def system_prompt(scales: ScaleSet, language: Language) -> str:
    """The instructions: scoring rules, question topics and scale texts. Holds no answer text."""
    texts = _prompts(language)
    questions = "\n".join(f"- {qid}: {text}" for qid, text in texts["questions"].items())
    blocks = [
        texts["scale"].format(
            id=scale.id,
            name=scale.name[language],
            direction=texts["direction"][scale.direction],
            description=scale.description[language].strip(),
            feeds=", ".join(scale.feeds),
            markers=texts["markers"].get(scale.id, "-"),
            **{level: scale.levels[language][level].strip() for level in LEVELS},
        )
        for scale in scales.scales
    ]
    return str(
        texts["system"].format(
            questions=questions, scales="".join(blocks).rstrip(), scale_ids=", ".join(scales.ids)
        )
    )


def user_prompt(transcript: Transcript) -> str:
    """The answers as JSON between two marker lines with a random token (pupil by pseudonym)."""
    token = secrets.token_hex(6)
    data = {
        "pupil": transcript.pupil,
        "answers": [{"question_id": a.question_id, "text": a.text} for a in transcript.answers],
    }
    return str(
        _prompts(transcript.language)["user"].format(
            begin=f"<<<BEGIN DATA {token}>>>",
            data=json.dumps(data, ensure_ascii=False, indent=1),
            end=f"<<<END DATA {token}>>>",
        )
    )


def _normalise(text: str) -> tuple[str, list[int]]:
    """Case-folded text with one space per whitespace run and plain quote marks, plus, for each
    character, its index in `text`."""
    chars: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        for folded in char.translate(_QUOTE_MARKS).casefold():
            chars.append(folded)
            index.append(i)
    return "".join(chars), index


def verbatim_quote(quote: str, text: str) -> str | None:
    """The exact part of `text` that `quote` copies (ignoring case, whitespace runs and the style
    of quote marks; quote marks or dots around the quote may go), or None when it is not there
    or shorter than MIN_QUOTE_CHARS."""
    haystack, index = _normalise(text)
    for candidate in dict.fromkeys((quote.strip(), quote.strip(_QUOTE_EDGES))):
        needle = _normalise(candidate)[0]
        start = haystack.find(needle) if len(needle) >= MIN_QUOTE_CHARS else -1
        if start >= 0:
            return text[index[start] : index[start + len(needle) - 1] + 1]
    return None


def _find(item: LlmEvidence, transcript: Transcript) -> Evidence | None:
    """The verified quote, looked up in the named answer first and then in the others."""
    answers = sorted(transcript.answers, key=lambda a: a.question_id != item.question_id)
    for answer in answers:
        quote = verbatim_quote(item.quote, answer.text)
        if quote is not None:
            return Evidence(question_id=answer.question_id, quote=quote)
    return None


def _verify(items: list[LlmEvidence], transcript: Transcript) -> tuple[list[Evidence], int]:
    """The quotes found verbatim (deduplicated) and how many were not found."""
    kept: list[Evidence] = []
    dropped = 0
    for item in items:
        found = _find(item, transcript)
        if found is None:
            dropped += 1
        elif found not in kept:
            kept.append(found)
    return kept, dropped


def _id_errors(given: list[str], expected: list[str]) -> list[str]:
    errors = [f"scale {sid}: missing" for sid in expected if sid not in given]
    errors += [f"scale {sid}: unknown id" for sid in dict.fromkeys(given) if sid not in expected]
    errors += [f"scale {sid}: given more than once" for sid in expected if given.count(sid) > 1]
    return errors


def _describe(exc: ValidationError) -> str:
    rows = exc.errors(include_url=False, include_input=False)
    return "\n".join(f"{'.'.join(map(str, row['loc']))}: {row['msg']}" for row in rows[:20])


def check_output(
    parsed: Any, transcript: Transcript, scales: ScaleSet
) -> tuple[list[ScaleScore], int]:
    """Validate the model's output: scores in scale order and the number of dropped quotes.
    Raises InvalidOutputError (schema, scale ids, or a low/high score without a verified quote)."""
    try:
        output = LlmDraft.model_validate(parsed)
    except ValidationError as exc:
        raise InvalidOutputError(_describe(exc)) from None
    errors = _id_errors([s.id for s in output.scales], scales.ids)
    scores: dict[str, ScaleScore] = {}
    dropped = 0
    for item in output.scales:
        evidence, lost = _verify(item.evidence, transcript)
        dropped += lost
        level = level_for(item.score)
        if level != "average" and not evidence:
            errors.append(
                f"scale {item.id}: score {item.score} has no quote found word for word in the "
                "answers; copy one exactly, or give a score of 3-5 with a low confidence"
            )
        scores[item.id] = ScaleScore(
            id=item.id, score=item.score, level=level, confidence=item.confidence, evidence=evidence
        )
    if errors:
        raise InvalidOutputError("\n".join(errors))
    return [scores[sid] for sid in scales.ids], dropped


def _notes(
    scores: list[ScaleScore], dropped: int, language: Language, scales: ScaleSet
) -> list[str]:
    texts = _prompts(language)["notes"]
    notes = [texts["dropped_quotes"].format(count=dropped)] if dropped else []
    thin = [scales.get(s.id).name[language] for s in scores if s.confidence < LOW_CONFIDENCE]
    if thin:
        notes.append(texts["low_confidence"].format(scales=", ".join(thin)))
    return notes


def _reason(exc: BaseException) -> str:
    """A short machine-readable fallback reason; never the exception text (it may hold data)."""
    if isinstance(exc, TimeoutError | ModelTimeoutError):
        return "timeout"
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return f"http_error: {status}"
    if isinstance(exc, ModelConnectionError):
        return "connection_error"
    if isinstance(exc, ModelRefusalError):
        return "refusal"
    if isinstance(exc, InvalidOutputError):
        return "invalid_output"
    return f"error: {type(exc).__name__}"


def _chat_model_class(settings: LlmSettings) -> type[BaseChatModel]:
    """The LangChain chat model class (the provider package is optional, so imported here);
    raises a one-line ImportError or ValueError when the configuration cannot work."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise ImportError(
            f"LLM_PROVIDER={settings.provider} needs the optional package langchain-openai: "
            "pip install 'llinc-bot[openai]'"
        ) from exc
    if not (settings.api_key or settings.base_url):
        raise ValueError("LLM_PROVIDER=openai needs LLM_API_KEY (or LLM_BASE_URL for a local LLM)")
    return ChatOpenAI


def _parse_json(text: str) -> Any:
    """The reply parsed strictly (a ```json fence is allowed): a cut-off reply is invalid, not
    repaired the way LangChain's lenient JSON parser would."""
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidOutputError(
            f"the reply is not valid JSON: {exc.msg} at char {exc.pos}"
        ) from None


class LlmScorer:
    """Drafts a profile with a chat model; any failure hands the transcript to `fallback`."""

    name = "llm"

    def __init__(self, settings: LlmSettings, fallback: Scorer, scales: ScaleSet | None = None):
        """Check the provider package now, so a missing one shows at startup."""
        self._settings = settings
        self._fallback = fallback
        self._scales = scales or load_scales()
        self._model_class = _chat_model_class(settings)

    async def ascore(self, transcript: Transcript) -> Draft:
        """The model's verified draft, or the fallback's draft with `fallback_reason` set."""
        try:
            with tracing_context(enabled=False):  # the answers never go to a tracing service
                return await asyncio.wait_for(self._ask(transcript), self._settings.timeout_s)
        except Exception as exc:
            reason = _reason(exc)
        logger.warning("LLM scorer failed (%s); using the %s scorer", reason, self._fallback.name)
        draft = await self._fallback.ascore(transcript)
        return draft.model_copy(update={"fallback_reason": reason})

    def _model(self, http: Any) -> Runnable[Any, Any]:
        """The chat model with `json_schema` structured output (raw reply kept)."""
        model = self._model_class(**self._settings.chat_model_options(http))
        schema = output_schema(self._scales.ids)
        return model.with_structured_output(
            schema, method="json_schema", include_raw=True, strict=True
        )

    async def _ask(self, transcript: Transcript) -> Draft:
        """One call, and one retry with the validation errors when the output is invalid. A
        client per call: nothing outlives the event loop, no shutdown hook is needed."""
        messages: list[BaseMessage] = [
            SystemMessage(system_prompt(self._scales, transcript.language)),
            HumanMessage(user_prompt(transcript)),
        ]
        from openai import DefaultAsyncHttpxClient  # installed with langchain-openai

        async with DefaultAsyncHttpxClient() as http:
            model = self._model(http)
            raw = await self._call(model, messages)
            try:
                return self._draft(raw, transcript)
            except InvalidOutputError as exc:
                logger.info("LLM output invalid; retrying once with the validation errors")
                retry = _prompts(transcript.language)["retry"].format(errors=str(exc))
                messages += [AIMessage(raw), HumanMessage(retry)]
            return self._draft(await self._call(model, messages), transcript)

    @staticmethod
    async def _call(model: Runnable[Any, Any], messages: list[BaseMessage]) -> str:
        """One model call; the raw reply text. A refusal raises ModelRefusalError."""
        result = await model.ainvoke(messages)
        if isinstance(result["parsing_error"], ModelRefusalError):
            raise result["parsing_error"]
        return str(result["raw"].text)

    def _draft(self, raw: str, transcript: Transcript) -> Draft:
        """Turn the raw reply into a verified `Draft` (InvalidOutputError if it cannot be)."""
        scores, dropped = check_output(_parse_json(raw), transcript, self._scales)
        notes = _notes(scores, dropped, transcript.language, self._scales)
        return Draft(scorer="llm", scales=scores, notes=notes)


def make_scorer(settings: LlmSettings | None, fallback: Scorer) -> Scorer:
    """The LLM scorer with `fallback` behind it, or `fallback` alone when no provider is set."""
    if settings is None or settings.provider is None:
        return fallback
    return LlmScorer(settings, fallback)
