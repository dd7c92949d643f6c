"""How well the offline scorer agrees with the raters, how calibrated it is, and how fast.

Run from the repository root: `python bench/scoring.py` (`--json` for machine output,
`--misses` to list the scales off the gold band). It scores every set under
tests/data/transcripts/ that exists: `authored` (written with the rules; `expected` levels),
`dev` (independent, the tuning set) and `holdout` (independent, reported once, never tuned on).

Gold per scale: the median of the raters' scores, rounded (`gold: {rater: {scale: score}}`;
without it the author's intended `author_scores`), or a level (`expected`; `unknown` where the
interview gives too little: the draft should then say so with a confidence below 0.5). Per set
and per language variety (nl, be, en) it prints: the share of scales in the gold band and
within one point (of the score; of the band for levels), the same for a scorer that always says
4, per rater, the human ceiling (how often two raters agree on the band), calibration (in-band
share at confidence >= 0.8 and < 0.5), quotes per scale, quotes used for more than one scale,
quotes not found verbatim, the share of quotes the evidence model found (alone, or with the
cue rules), confident extremes on terse interviews, confident low<->high swaps
on risk scales, and the time per interview. It never asserts: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.models.profile import Draft, Level, Transcript, level_for  # noqa: E402
from bot.scoring.rules import RuleScorer  # noqa: E402
from bot.scoring.scales import load_scales  # noqa: E402
from bot.scoring.stage import VERSION as STAGE_VERSION  # noqa: E402
from bot.scoring.transcript_io import read_document, transcript_from_dict  # noqa: E402
from bot.text.linear import read as read_model  # noqa: E402

DATA = ROOT / "tests" / "data" / "transcripts"
SETS = (
    "authored",
    "dev",
    "dev2",
    "holdout",
    "tune3",
    "holdout3",
    "tune4",
    "holdout4",
    "tune5",
    "holdout5",
)
BANDS: dict[str, tuple[int, int]] = {"low": (1, 2), "average": (3, 5), "high": (6, 7)}
CONFIDENT, UNSURE = 0.8, 0.5


@dataclass(frozen=True)
class Gold:
    """The gold of one scale: a score (median of the raters) or only a level."""

    level: Level | None
    score: int | None = None
    raters: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    transcript: Transcript
    group: str
    kind: str
    gold: dict[str, Gold]


def _gold(data: dict[str, Any]) -> dict[str, Gold]:
    raters: dict[str, dict[str, int]] = dict(data.get("gold") or {})
    if not raters and data.get("author_scores"):
        raters = {"author": dict(data["author_scores"])}
    if raters:
        scales = sorted(set.union(*(set(scores) for scores in raters.values())))
        gold = {}
        for sid in scales:
            given = tuple((r, int(s[sid])) for r, s in sorted(raters.items()) if sid in s)
            median = int(statistics.median(score for _, score in given) + 0.5)
            gold[sid] = Gold(level_for(median), median, given)
        return gold
    return {
        sid: Gold(None if level == "unknown" else level)
        for sid, level in dict(data.get("expected") or {}).items()
    }


def load_set(folder: Path) -> list[Case]:
    """Every transcript file of one set, sorted by name."""
    cases = []
    for path in sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json")):
        data = read_document(path)
        transcript = transcript_from_dict(data, origin=path.name)
        group = str(data.get("variety") or transcript.language)
        gold = _gold(data)
        terse = "terse" in (data.get("styles") or [])  # a later writer's kind is the relationship
        kind = "terse" if terse else str(data.get("kind", ""))
        cases.append(Case(path.stem, transcript, group, kind, gold))
    return cases


def _within_one(score: int, gold: Gold, level: Level) -> bool:
    if gold.score is not None:
        return abs(score - gold.score) <= 1
    low, high = BANDS[level]
    return low - 1 <= score <= high + 1


@dataclass
class Tally:
    """Agreement counts for one group of cases."""

    scales: int = 0
    in_band: int = 0
    within_one: int = 0
    base_in_band: int = 0
    base_within_one: int = 0
    unknown: int = 0
    unknown_flagged: int = 0
    risk_swaps: int = 0
    terse_extremes: int = 0
    quotes: int = 0
    by_model: int = 0
    by_both: int = 0
    reused: int = 0
    invented: int = 0
    raters: Counter[str] = field(default_factory=Counter)
    rater_scales: Counter[str] = field(default_factory=Counter)
    pairs: int = 0
    pairs_agree: int = 0
    calibration: dict[str, list[int]] = field(
        default_factory=lambda: {"high": [0, 0], "middle": [0, 0], "low": [0, 0]}
    )

    def add(self, case: Case, draft: Draft, risk: set[str]) -> list[str]:
        """Count one draft; the misses as readable lines."""
        misses = self._quotes(case, draft)
        for item in draft.scales:
            self.terse_extremes += case.kind == "terse" and (
                item.level != "average" and item.confidence >= UNSURE
            )
        for sid, gold in case.gold.items():
            got = draft.scale(sid)
            if gold.level is None:
                self.unknown += 1
                self.unknown_flagged += got.confidence < UNSURE
                continue
            hit = got.level == gold.level
            self.scales += 1
            self.in_band += hit
            self.within_one += _within_one(got.score, gold, gold.level)
            self.base_in_band += gold.level == "average"
            self.base_within_one += _within_one(4, gold, gold.level)
            bucket = "high" if got.confidence >= CONFIDENT else "low"
            bucket = "middle" if UNSURE <= got.confidence < CONFIDENT else bucket
            self.calibration[bucket][0] += 1
            self.calibration[bucket][1] += hit
            swap = {gold.level, got.level} == {"low", "high"} and sid in risk
            self.risk_swaps += swap and got.confidence >= UNSURE
            self._raters(gold, got.level)
            if not hit:
                want = gold.score if gold.score is not None else gold.level
                misses.append(f"{case.name}:{sid} gold {want}, got {got.score} ({got.confidence})")
        return misses

    def _raters(self, gold: Gold, level: Level) -> None:
        for rater, score in gold.raters:
            self.rater_scales[rater] += 1
            self.raters[rater] += level_for(score) == level
        for (_, a), (_, b) in itertools.combinations(gold.raters, 2):
            self.pairs += 1
            self.pairs_agree += level_for(a) == level_for(b)

    def _quotes(self, case: Case, draft: Draft) -> list[str]:
        answers = {a.question_id: a.text for a in case.transcript.answers}
        used: Counter[tuple[str, str]] = Counter()
        problems = []
        for item in draft.scales:
            for evidence in item.evidence:
                self.quotes += 1
                self.by_model += evidence.source == "model"
                self.by_both += evidence.source == "both"
                used[(evidence.question_id, evidence.quote)] += 1
                if evidence.quote not in answers.get(evidence.question_id, ""):
                    self.invented += 1
                    problems.append(f"{case.name}:{item.id} quote not verbatim")
        self.reused += sum(n for n in used.values() if n > 1)
        return problems

    def summary(self, cases: int) -> dict[str, Any]:
        """The shares and counts as plain numbers."""

        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 3) if whole else None

        return {
            "cases": cases,
            "scales": self.scales,
            "in_band": share(self.in_band, self.scales),
            "within_one": share(self.within_one, self.scales),
            "always_4": {
                "in_band": share(self.base_in_band, self.scales),
                "within_one": share(self.base_within_one, self.scales),
            },
            "per_rater_in_band": {
                r: share(n, self.rater_scales[r]) for r, n in sorted(self.raters.items())
            },
            "human_ceiling": share(self.pairs_agree, self.pairs),
            "calibration": {
                name: {"scales": n, "in_band": share(hit, n)}
                for name, (n, hit) in self.calibration.items()
            },
            "quotes_per_scale": round(self.quotes / (8 * cases), 2) if cases else None,
            "quotes_reused": self.reused,
            "quotes_by_model": share(self.by_model, self.quotes),
            "quotes_by_model_and_rules": share(self.by_both, self.quotes),
            "quotes_invented": self.invented,
            "terse_confident_extremes": self.terse_extremes,
            "risk_low_high_swaps": self.risk_swaps,
            "unknown": self.unknown,
            "unknown_low_confidence": self.unknown_flagged,
        }


def timing(scorer: RuleScorer, transcripts: list[Transcript], rounds: int = 10) -> dict[str, float]:
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


def run_set(scorer: RuleScorer, cases: list[Case]) -> dict[str, Any]:
    """Score one set: agreement overall and per variety, timing, misses."""
    risk = {s.id for s in load_scales().scales if s.direction == "risk"}
    overall, groups, misses = Tally(), {}, []
    counts: Counter[str] = Counter(case.group for case in cases)
    for case in cases:
        draft = scorer.score(case.transcript)
        misses += overall.add(case, draft, risk)
        groups.setdefault(case.group, Tally()).add(case, draft, risk)
    return {
        "overall": overall.summary(len(cases)),
        "by_variety": {g: t.summary(counts[g]) for g, t in sorted(groups.items())},
        "timing": timing(scorer, [case.transcript for case in cases]),
        "misses": misses,
    }


def run(sets: tuple[str, ...] = SETS) -> dict[str, Any]:
    """Every set that exists, by name."""
    scorer = RuleScorer()
    return {name: run_set(scorer, load_set(DATA / name)) for name in sets if (DATA / name).is_dir()}


def second_stage() -> dict[str, Any]:
    """What the shipped second stage was fitted on, and its numbers across authors (each set
    scored by a stage fitted on the other sets; written by bench/train_scale_stage.py)."""
    trained: dict[str, Any] = read_model("bot.scoring", f"model/scale-stage-{STAGE_VERSION}.json")[
        "trained_on"
    ]
    return {"fitted_on": trained["sets"], "cross_author": trained["cross_author"]}


def _pct(value: float | None) -> str:
    return "  -" if value is None else f"{value:.0%}".rjust(4)


def _line(label: str, s: dict[str, Any]) -> str:
    cal = s["calibration"]
    raters = " ".join(f"{r} {_pct(v)}" for r, v in s["per_rater_in_band"].items())
    return (
        f"  {label:<8} {s['cases']:>2} cases {s['scales']:>3} scales  in band {_pct(s['in_band'])}"
        f"  within 1 {_pct(s['within_one'])}  | always 4: {_pct(s['always_4']['in_band'])}"
        f" {_pct(s['always_4']['within_one'])}  | conf>=0.8 {_pct(cal['high']['in_band'])}"
        f" (n={cal['high']['scales']}) <0.5 {_pct(cal['low']['in_band'])}"
        f" (n={cal['low']['scales']})  | raters: {raters or '-'}"
        f"  ceiling {_pct(s['human_ceiling'])}"
    )


def _print(result: dict[str, Any], misses: bool) -> None:
    stage = second_stage()
    fitted = set(stage["fitted_on"])
    for name, res in result.items():
        s, t = res["overall"], res["timing"]
        fitted_here = " (the second stage was fitted on this set)" if name in fitted else ""
        print(f"{name}: offline scorer (rules){fitted_here}")
        print(_line("all", s))
        for group, summary in res["by_variety"].items():
            print(_line(group, summary))
        print(
            f"  quotes per scale {s['quotes_per_scale']}  reused across scales "
            f"{s['quotes_reused']}  not verbatim {s['quotes_invented']}  confident extremes on "
            f"terse interviews {s['terse_confident_extremes']}  risk low<->high "
            f"{s['risk_low_high_swaps']}  unknown flagged "
            f"{s['unknown_low_confidence']}/{s['unknown']}"
        )
        print(
            f"  model share of quotes: model alone {_pct(s['quotes_by_model'])}, model and rules "
            f"{_pct(s['quotes_by_model_and_rules'])}"
        )
        print(f"  time per interview: mean {t['mean_ms']} ms, p95 {t['p95_ms']} ms")
        for miss in res["misses"] if misses else []:
            print(f"    miss  {miss}")
    print("second stage across authors (fitted on the other sets, scored on this one):")
    for held, numbers in stage["cross_author"].items():
        one, two = numbers["first_stage"], numbers["second_stage"]
        print(
            f"  {held:<8} in band {_pct(two['in_band'])}  within 1 {_pct(two['within_one'])}"
            f"  | conf>=0.8 {_pct(two['confident']['in_band'])} (n={two['confident']['scales']})"
            f" <0.5 {_pct(two['unsure']['in_band'])} (n={two['unsure']['scales']})"
            f"  | first stage alone {_pct(one['in_band'])} {_pct(one['within_one'])}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print a table (or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python bench/scoring.py", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--misses", action="store_true", help="list the scales off the band")
    parser.add_argument("--set", action="append", choices=SETS, help="only these sets")
    args = parser.parse_args(argv)
    result = run(tuple(args.set) if args.set else SETS)
    if args.json:
        result["second_stage"] = second_stage()
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print(result, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
