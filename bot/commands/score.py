"""`llinc score TRANSCRIPT [--json] [--chart OUT.png] [--scorer rules|llm]`.

Exit codes: 0 done, 2 bad arguments, an unusable transcript file, or `--scorer llm` without a
usable LLM (one line on stderr, no result). The table is in the transcript's language
(`prompts/<lang>/report.yaml`); `--json` keeps ids and English levels for machines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from bot.config import Settings
from bot.errors import TranscriptError
from bot.models.profile import Draft, Transcript, confidence_word
from bot.render.chart import render_chart
from bot.render.report import report_texts
from bot.scoring.protocol import Scorer
from bot.scoring.rules import RuleScorer
from bot.scoring.scales import load_scales
from bot.scoring.transcript_io import load_transcript

QUOTE_WIDTH = 60
SIGN = {"supports": "+", "contradicts": "-"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llinc score",
        description="Draft the relationship profile of a session-1 interview transcript.",
    )
    parser.add_argument("transcript", help="transcript file (YAML or JSON)")
    parser.add_argument("--json", action="store_true", help="print the draft as JSON")
    parser.add_argument("--chart", metavar="OUT.png", help="also write the profile chart")
    parser.add_argument("--scorer", choices=("rules", "llm"), default="rules")
    return parser


def run_score(argv: list[str]) -> int:
    """Run `llinc score` with `argv` (without the program name); the process exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        transcript = load_transcript(args.transcript)
    except TranscriptError as exc:
        print(f"llinc score: {exc}", file=sys.stderr)
        return 2
    try:
        scorer = _scorer(args.scorer)
    except LlmUnusable as exc:
        print(f"llinc score: {exc}", file=sys.stderr)
        return 2
    draft = asyncio.run(scorer.ascore(transcript))
    if args.chart:
        try:
            _write_chart(args.chart, draft, transcript)
        except OSError as exc:
            print(f"llinc score: cannot write {args.chart}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"llinc score: chart written to {Path(args.chart).resolve()}", file=sys.stderr)
    if args.json:
        print(json.dumps(draft_to_json(draft, transcript), ensure_ascii=False, indent=2))
    else:
        print_table(draft, transcript, sys.stdout)
    return 0


class LlmUnusable(Exception):
    """`--scorer llm` was asked for, but no LLM is configured or it cannot be built."""


def _scorer(name: str) -> Scorer:
    """The rules scorer, or the LLM scorer when asked for; LlmUnusable (one line) when the LLM
    is not configured or cannot be built: asked for the LLM, the user gets no other result."""
    if name != "llm":
        return RuleScorer()
    try:
        settings = Settings().llm
    except ValidationError as exc:
        setting = exc.errors()[0]["loc"][0]
        raise LlmUnusable(f"--scorer llm: the setting {setting} is invalid") from None
    if settings.provider is None:
        raise LlmUnusable(
            "--scorer llm needs an LLM: set LLM_PROVIDER and LLM_MODEL (docs/llm.md), "
            "or leave --scorer out for the offline scorer"
        )
    try:
        from bot.scoring.llm import make_scorer

        return make_scorer(settings, RuleScorer())
    except Exception as exc:
        name = exc.__class__.__name__
        raise LlmUnusable(f"--scorer llm: the LLM is not usable ({name})") from exc


def _write_chart(path: str, draft: Draft, transcript: Transcript) -> None:
    png = render_chart(
        draft, pupil=transcript.pupil, lang=transcript.language, date=datetime.date.today()
    )
    with open(path, "wb") as out:
        out.write(png)


def safeguarding_signals(transcript: Transcript) -> list[dict[str, str]]:
    """Every safeguarding signal in the answers, with its question id and verbatim quote."""
    from bot.safety.safeguarding import check

    return [
        {"kind": signal.kind, "question_id": answer.question_id, "quote": signal.quote}
        for answer in transcript.answers
        for signal in check(answer.text, transcript.language)
    ]


def draft_to_json(draft: Draft, transcript: Transcript | None = None) -> dict[str, Any]:
    """The `--json` shape: scorer, all scales with evidence, notes, and safeguarding signals."""
    return {
        "scorer": draft.scorer,
        "scales": [
            {
                "id": s.id,
                "score": s.score,
                "level": s.level,
                "confidence": round(s.confidence, 2),
                "evidence": [
                    {
                        "question_id": e.question_id,
                        "prompt": e.prompt,
                        "direction": e.direction,
                        "quote": e.quote,
                    }
                    for e in s.evidence
                ],
            }
            for s in draft.scales
        ],
        "notes": list(draft.notes),
        "safeguarding": safeguarding_signals(transcript) if transcript else [],
    }


def print_table(draft: Draft, transcript: Transcript, out: TextIO) -> None:
    """A readable table, all in the transcript's language: scale name, score, level,
    confidence and the first quote, then every quote under its scale: + supports the score,
    - contradicts it, with the question (and the follow-up) it answered."""
    scales = load_scales()
    lang = transcript.language
    texts = report_texts(lang)
    rows = []
    for item in draft.scales:
        name = scales.get(item.id).name[lang] if item.id in scales.ids else item.id
        quote = (
            _short(f"{SIGN[item.evidence[0].direction]} {item.evidence[0].quote}")
            if (item.evidence)
            else "-"
        )
        level = texts[f"level_{item.level}"]
        confidence = f"{texts['confidence_' + confidence_word(item.confidence)]}"
        rows.append((name, str(item.score), level, confidence, quote))
    header = tuple(texts[f"table_{key}"] for key in ("scale", "score", "level", "confidence"))
    header += (texts["table_first_quote"],)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    print(f"{transcript.pupil} · {lang} · {draft.scorer}", file=out)
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        print("  ".join([*cells, row[4]]), file=out)
    for note in draft.notes:
        print(f"{texts['table_note']}: {note}", file=out)
    print(texts["table_quotes"], file=out)
    for item, row in zip(draft.scales, rows, strict=True):
        for evidence in item.evidence:
            source = evidence.question_id
            if evidence.prompt != "main":
                source += f"/{evidence.prompt}"
            print(f"  {row[0]} {SIGN[evidence.direction]} [{source}] {evidence.quote}", file=out)


def _short(text: str) -> str:
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1] + "…"
