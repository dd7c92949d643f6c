"""How well the offline scorer agrees with a coach on the hand-written transcripts, and how fast.

Run from the repository root: `python bench/scoring.py` (add `--json` for machine output).
Each file in tests/data/transcripts/authored/ holds a transcript and
`expected: {scale_id: level}`, where a
level may be `unknown` (the interview gives too little; the draft should say so with a
confidence below 0.5). It prints numbers and never asserts: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.models.profile import Draft, Transcript  # noqa: E402
from bot.scoring.rules import RuleScorer  # noqa: E402
from bot.scoring.scales import load_scales  # noqa: E402
from bot.scoring.transcript_io import read_document, transcript_from_dict  # noqa: E402

CASES = ROOT / "tests" / "data" / "transcripts" / "authored"
BANDS = {"low": (1, 2), "average": (3, 5), "high": (6, 7)}
RISK_FLIP = {("low", "high"), ("high", "low")}


@dataclass
class Tally:
    """Agreement counts for one group of cases."""

    scales: int = 0
    same_level: int = 0
    within_one: int = 0
    risk_flips: int = 0
    unknown: int = 0
    unknown_flagged: int = 0
    misses: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The shares and counts as plain numbers."""
        return {
            "scales": self.scales,
            "same_level": round(self.same_level / self.scales, 3) if self.scales else None,
            "within_one": round(self.within_one / self.scales, 3) if self.scales else None,
            "risk_low_high_errors": self.risk_flips,
            "unknown": self.unknown,
            "unknown_low_confidence": self.unknown_flagged,
        }


def load_cases(folder: Path = CASES) -> list[tuple[str, Transcript, dict[str, str], str]]:
    """(name, transcript, expected levels, kind) for every case file, sorted by name."""
    cases = []
    for path in sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json")):
        data = read_document(path)
        transcript = transcript_from_dict(data, origin=path.name)
        cases.append((path.stem, transcript, dict(data["expected"]), str(data.get("kind", ""))))
    return cases


def compare(draft: Draft, expected: dict[str, str], name: str, tallies: list[Tally]) -> None:
    """Add one draft's agreement with the expected levels to every tally in `tallies`."""
    risk = {s.id for s in load_scales().scales if s.direction == "risk"}
    for scale_id, level in expected.items():
        got = draft.scale(scale_id)
        for tally in tallies:
            if level == "unknown":
                tally.unknown += 1
                tally.unknown_flagged += got.confidence < 0.5
                continue
            low, high = BANDS[level]
            tally.scales += 1
            tally.same_level += got.level == level
            tally.within_one += low - 1 <= got.score <= high + 1
            flip = scale_id in risk and (level, got.level) in RISK_FLIP and got.confidence >= 0.5
            tally.risk_flips += flip
            if got.level != level:
                tally.misses.append(f"{name}:{scale_id} expected {level}, got {got.score}")


def timing(scorer: RuleScorer, transcripts: list[Transcript], rounds: int = 20) -> dict[str, float]:
    """Mean and p95 milliseconds per interview, after a warm-up round."""
    for transcript in transcripts:
        scorer.score(transcript)
    samples = []
    for _ in range(rounds):
        for transcript in transcripts:
            start = time.perf_counter()
            scorer.score(transcript)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    return {"mean_ms": round(statistics.mean(samples), 2), "p95_ms": round(p95, 2)}


def run() -> dict[str, Any]:
    """Score every case and collect agreement per language and overall, plus timing."""
    scorer = RuleScorer()
    cases = load_cases()
    overall, by_lang, held_out = Tally(), {"nl": Tally(), "en": Tally()}, Tally()
    for name, transcript, expected, kind in cases:
        groups = [overall, by_lang[transcript.language]]
        groups += [held_out] if kind == "holdout" else []
        compare(scorer.score(transcript), expected, name, groups)
    return {
        "cases": len(cases),
        "overall": overall.summary(),
        "by_language": {lang: tally.summary() for lang, tally in by_lang.items()},
        "held_out": held_out.summary(),
        "timing": timing(scorer, [case[1] for case in cases]),
        "misses": overall.misses,
    }


def _print(result: dict[str, Any]) -> None:
    def line(label: str, s: dict[str, Any]) -> str:
        return (
            f"{label:<10} scales {s['scales']:>3}  same level {s['same_level']:.0%}  "
            f"within ±1 {s['within_one']:.0%}  risk low<->high {s['risk_low_high_errors']}  "
            f"unknown flagged {s['unknown_low_confidence']}/{s['unknown']}"
        )

    print(f"offline scorer (rules) on {result['cases']} transcripts")
    print(line("overall", result["overall"]))
    for lang, summary in result["by_language"].items():
        print(line(lang, summary))
    if result["held_out"]["scales"]:
        print(line("held out", result["held_out"]))
    t = result["timing"]
    print(f"time per interview: mean {t['mean_ms']} ms, p95 {t['p95_ms']} ms")
    for miss in result["misses"]:
        print(f"  miss  {miss}")


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print a table (or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python bench/scoring.py", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    result = run()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
