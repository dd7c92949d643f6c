"""`llinc score TRANSCRIPT [--json] [--chart OUT.png] [--scorer rules|llm]`.

Exit codes: 0 done, 2 bad arguments or an unusable transcript file (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
from typing import Any, TextIO

from bot.config import Settings
from bot.errors import TranscriptError
from bot.models.profile import Draft, Transcript
from bot.render.chart import render_chart
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
    draft = asyncio.run(_scorer(args.scorer).ascore(transcript))
    if args.chart:
        try:
            _write_chart(args.chart, draft, transcript)
        except OSError as exc:
            print(f"llinc score: cannot write {args.chart}: {exc.strerror}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(draft_to_json(draft, transcript), ensure_ascii=False, indent=2))
    else:
        print_table(draft, transcript, sys.stdout)
    return 0


def _scorer(name: str) -> Scorer:
    """The rules scorer, or the LLM scorer when asked for and configured (else a notice)."""
    if name == "llm":
        settings = Settings().llm
        if settings.provider is None:
            print("llinc score: no LLM configured (LLM_*); using the rules scorer", file=sys.stderr)
            return RuleScorer()
        try:
            from bot.scoring.llm import make_scorer

            return make_scorer(settings, RuleScorer())
        except Exception as exc:  # a misconfigured LLM must not stop offline scoring
            print(
                f"llinc score: LLM not usable ({exc.__class__.__name__}); using the rules scorer",
                file=sys.stderr,
            )
            return RuleScorer()
    return RuleScorer()


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
    """A readable table: scale name, score, level, confidence and the first quote, then every
    quote under its scale: + supports the score, - contradicts it, with the question (and the
    follow-up) it answered."""
    scales = load_scales()
    lang = transcript.language
    rows = []
    for item in draft.scales:
        name = scales.get(item.id).name[lang] if item.id in scales.ids else item.id
        quote = (
            _short(f"{SIGN[item.evidence[0].direction]} {item.evidence[0].quote}")
            if (item.evidence)
            else "-"
        )
        rows.append((name, str(item.score), item.level, f"{item.confidence:.2f}", quote))
    header = ("scale", "score", "level", "conf.", "first quote")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    print(f"{transcript.pupil} · {lang} · scorer: {draft.scorer}", file=out)
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        print("  ".join([*cells, row[4]]), file=out)
    for note in draft.notes:
        print(f"note: {note}", file=out)
    print("quotes (+ supports the score, - contradicts it):", file=out)
    for item, row in zip(draft.scales, rows, strict=True):
        for evidence in item.evidence:
            source = evidence.question_id
            if evidence.prompt != "main":
                source += f"/{evidence.prompt}"
            print(f"  {row[0]} {SIGN[evidence.direction]} [{source}] {evidence.quote}", file=out)


def _short(text: str) -> str:
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1] + "…"
