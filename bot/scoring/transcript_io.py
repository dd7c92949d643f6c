"""Transcript files (YAML or JSON) for the `llinc score` command, the bench and the tests.

    language: nl        # nl | en
    pupil: "S."
    answers:
      - question_id: q01_three_words
        text: "Strijd, vermoeiend, ..."
        followups:              # optional: the bot's follow-ups and what they got
          - probe: did          # concrete, happened, did, felt, pupil_felt, ending, more
            text: "..."

An answer with follow-ups becomes parts (the main text, then each follow-up, joined by
newlines into `text`, as the bot joins them), so the scorer knows which part answered which
prompt. Other keys (a test case's `expected`, `author_scores`, `gold`, `variety`) are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import TranscriptError
from bot.models.language import LANGUAGES
from bot.models.profile import Transcript

INTERVIEW_QUESTION_IDS: tuple[str, ...] = (
    "i03_reason",
    "q01_three_words",
    "q02_click",
    "q03_no_click",
    "q04_upset",
    "q05_misbehave",
    "q06_joy",
    "q07_pain",
    "q08_comfort",
    "q09_pupil_view",
    "q10_helpless",
    "q11_worry",
    "q12_goals",
    "q13_anything_else",
)


PROBE_IDS: tuple[str, ...] = (
    "concrete",
    "happened",
    "did",
    "felt",
    "pupil_felt",
    "ending",
    "more",
)


def read_document(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML or JSON file; TranscriptError when it is not one."""
    source = Path(path)
    try:
        raw = source.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TranscriptError(f"{source}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"{source}: not valid YAML or JSON (not UTF-8 text)") from exc
    except OSError as exc:
        raise TranscriptError(f"{source}: cannot read the file ({exc.strerror})") from exc
    try:
        data = json.loads(raw) if source.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if source.suffix.lower() == ".json" else "YAML or JSON"
        raise TranscriptError(f"{source}: not valid {kind}") from exc
    if not isinstance(data, dict):
        raise TranscriptError(f"{source}: expected a mapping with language, pupil and answers")
    return data


def transcript_from_dict(data: dict[str, Any], origin: str = "transcript") -> Transcript:
    """Validate a transcript mapping; TranscriptError names the first problem in one line."""
    missing = [key for key in ("language", "pupil", "answers") if key not in data]
    if missing:
        raise TranscriptError(f"{origin}: missing field(s): {', '.join(missing)}")
    if data["language"] not in LANGUAGES:
        raise TranscriptError(
            f"{origin}: unknown language {data['language']!r} (use {' or '.join(LANGUAGES)})"
        )
    answers = data["answers"]
    if not isinstance(answers, list):
        raise TranscriptError(f"{origin}: answers must be a list")
    for number, answer in enumerate(answers, start=1):
        _check_answer(answer, number, origin)
    try:
        return Transcript.model_validate(
            {
                "language": data["language"],
                "pupil": data["pupil"],
                "answers": [
                    _with_parts(answer, number, origin)
                    for number, answer in enumerate(answers, start=1)
                ],
            }
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise TranscriptError(f"{origin}: {where}: {error['msg']}") from exc


def _check_answer(answer: Any, number: int, origin: str) -> None:
    if not isinstance(answer, dict):
        raise TranscriptError(f"{origin}: answer {number} must be a mapping")
    for key in ("question_id", "text"):
        if key not in answer:
            raise TranscriptError(f"{origin}: answer {number} is missing {key}")
    if answer["question_id"] not in INTERVIEW_QUESTION_IDS:
        raise TranscriptError(
            f"{origin}: answer {number}: unknown question id {answer['question_id']!r}"
        )
    if not isinstance(answer["text"], str):
        raise TranscriptError(f"{origin}: answer {number}: text must be a string")


def _with_parts(answer: dict[str, Any], number: int, origin: str) -> dict[str, Any]:
    """The answer as the model takes it: `followups` become parts after the main text."""
    followups = answer.get("followups") or []
    if not isinstance(followups, list):
        raise TranscriptError(f"{origin}: answer {number}: followups must be a list")
    parts = [{"prompt": "main", "text": answer["text"]}]
    for item in followups:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise TranscriptError(f"{origin}: answer {number}: a follow-up needs probe and text")
        probes = str(item.get("probe", "")).split("+")
        if not set(probes) <= set(PROBE_IDS):
            raise TranscriptError(f"{origin}: answer {number}: unknown probe {item.get('probe')!r}")
        parts.append({"prompt": item["probe"], "text": item["text"]})
    text = "\n".join(part["text"] for part in parts)
    return {"question_id": answer["question_id"], "text": text, "parts": parts}


def load_transcript(path: str | Path) -> Transcript:
    """Read a transcript from a YAML or JSON file; TranscriptError (one line) when invalid."""
    return transcript_from_dict(read_document(path), origin=str(path))
