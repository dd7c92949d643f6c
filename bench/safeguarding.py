"""How well the safeguarding check finds what it must and leaves alone what it must, and how fast.

Run from the repository root: `python bench/safeguarding.py` (add `--json` for machine output).
Each file tests/data/safeguarding/authored/<lang>.yaml holds sentences a teacher might type
with `expect`:
`child_at_risk`, `teacher_distress` (or a list of both) or `none`. `<lang>_holdout.yaml` holds
cases the rules were not tuned on; they are reported apart. Per set it prints:

- recall: the share of must-flag cases with at least one signal (target 100 %);
- false positives: the share of must-not cases with any signal (target under 10 %);
- kind accuracy: the share of must-flag cases whose signalled kinds are exactly the expected ones;
- time per check: cold (the words seen for the first time, lemma caches empty) and warm.

It prints numbers and never asserts: tests/test_safeguarding.py holds the targets.
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

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.safeguarding import Lang, check  # noqa: E402
from bot.text import analysis, tokens  # noqa: E402

CASES = ROOT / "tests" / "data" / "safeguarding" / "authored"
LANGS: tuple[Lang, ...] = ("nl", "en")


@dataclass(frozen=True)
class Case:
    """One sentence (or short answer) and the kinds it must raise (empty: must raise none)."""

    text: str
    expect: frozenset[str]


def load_cases(lang: str, suffix: str = "") -> list[Case]:
    """The cases of tests/data/safeguarding/authored/<lang><suffix>.yaml."""
    data = yaml.safe_load((CASES / f"{lang}{suffix}.yaml").read_text(encoding="utf-8"))
    cases = []
    for item in data["cases"]:
        expect = item["expect"]
        kinds = [] if expect == "none" else [expect] if isinstance(expect, str) else expect
        cases.append(Case(item["text"], frozenset(kinds)))
    return cases


@dataclass
class Score:
    """Counts for one set of cases."""

    must_flag: int = 0
    flagged: int = 0
    right_kind: int = 0
    must_not: int = 0
    false_positives: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.flagged / self.must_flag if self.must_flag else 1.0

    @property
    def fp_rate(self) -> float:
        return self.false_positives / self.must_not if self.must_not else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.right_kind / self.must_flag if self.must_flag else 1.0

    def summary(self) -> dict[str, Any]:
        """The shares and counts as plain numbers."""
        return {
            "must_flag": self.must_flag,
            "recall": round(self.recall, 3),
            "kind_accuracy": round(self.kind_accuracy, 3),
            "must_not": self.must_not,
            "false_positive_rate": round(self.fp_rate, 3),
            "misses": self.misses,
        }


def evaluate(cases: list[Case], lang: Lang) -> Score:
    """Run the check on every case and count hits, kinds and false alarms."""
    score = Score()
    for case in cases:
        kinds = {signal.kind for signal in check(case.text, lang)}
        if case.expect:
            score.must_flag += 1
            score.flagged += bool(kinds)
            score.right_kind += kinds == case.expect
            if kinds != case.expect:
                want = "+".join(sorted(case.expect))
                score.misses.append(f"want {want}, got {sorted(kinds)}: {case.text}")
        else:
            score.must_not += 1
            score.false_positives += bool(kinds)
            if kinds:
                score.misses.append(f"false positive {sorted(kinds)}: {case.text}")
    return score


def _clear_caches() -> None:
    analysis._word.cache_clear()
    tokens.lemma.cache_clear()
    tokens.lemma_keys.cache_clear()


def timing(texts: list[str], lang: Lang, rounds: int = 20) -> dict[str, float]:
    """Milliseconds per check: cold (first sight of the words), then warm mean, p95 and max."""
    check(texts[0], lang)  # the rules themselves are loaded once per process
    _clear_caches()
    cold = []
    for text in texts:
        start = time.perf_counter()
        check(text, lang)
        cold.append((time.perf_counter() - start) * 1000)
    warm = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            check(text, lang)
            warm.append((time.perf_counter() - start) * 1000)
    warm.sort()
    return {
        "cold_mean_ms": round(statistics.mean(cold), 3),
        "cold_max_ms": round(max(cold), 3),
        "warm_mean_ms": round(statistics.mean(warm), 3),
        "warm_p95_ms": round(warm[int(0.95 * (len(warm) - 1))], 3),
        "warm_max_ms": round(warm[-1], 3),
    }


def run() -> dict[str, Any]:
    """Scores per language for the tuned set and the held-out set, and timing."""
    result: dict[str, Any] = {}
    for lang in LANGS:
        cases = load_cases(lang)
        holdout = load_cases(lang, "_holdout")
        texts = [case.text for case in cases + holdout]
        result[lang] = {
            "set": evaluate(cases, lang).summary(),
            "holdout": evaluate(holdout, lang).summary(),
            "timing": timing(texts, lang),
            "answer_of_all_cases_ms": _one_long_answer(texts, lang),
        }
    return result


def _one_long_answer(texts: list[str], lang: Lang) -> float:
    """Milliseconds for every case joined into one long answer (a stress case, ~900 words)."""
    text = " ".join(texts)
    start = time.perf_counter()
    check(text, lang)
    return round((time.perf_counter() - start) * 1000, 2)


def _print(result: dict[str, Any]) -> None:
    def line(label: str, s: dict[str, Any]) -> str:
        return (
            f"  {label:<8} recall {s['recall']:>6.1%} of {s['must_flag']:>2}   "
            f"false positives {s['false_positive_rate']:>6.1%} of {s['must_not']:>2}   "
            f"kind accuracy {s['kind_accuracy']:>6.1%}"
        )

    for lang, r in result.items():
        print(f"{lang}")
        print(line("set", r["set"]))
        print(line("holdout", r["holdout"]))
        t = r["timing"]
        print(
            f"  time per check: cold mean {t['cold_mean_ms']} ms (max {t['cold_max_ms']}), "
            f"warm mean {t['warm_mean_ms']} ms, p95 {t['warm_p95_ms']}, max {t['warm_max_ms']}; "
            f"all cases as one answer {r['answer_of_all_cases_ms']} ms"
        )
        for label in ("set", "holdout"):
            for miss in r[label]["misses"]:
                print(f"    {label} {miss}")


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print a table (or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python bench/safeguarding.py", description=__doc__)
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
