"""How well the safeguarding check finds what it must and leaves alone what it must, and how fast.

Run from the repository root: `python bench/safeguarding.py` (add `--json` for machine output).
The sets live in tests/data/safeguarding/<set>/<variety>.yaml: `authored` (nl, en; the sets the
first rules were written with) and its `authored_holdout`, `train` (the model's training set,
written by a second author: reported only to show what the model learned, not a measure),
`dev` (a third author, the set the rules and thresholds are tuned on) and `holdout` (a fourth
author, added at the end; read only when present). Varieties: nl (Netherlands Dutch), be
(Flemish Dutch, checked as "nl") and en. Each case has `expect` (`child_at_risk`,
`teacher_distress`, both, or `none`) and may have a `category`. Per set and variety:

- recall per kind: the share of cases that expect the kind and raised any signal (a wrong kind
  still reaches a person), and the share that raised that very kind;
- false positives: the share of must-not cases with any signal;
- kind accuracy: the share of must-flag cases whose kinds are exactly the expected ones;
- each reader alone: the share of must-flag cases the rules alone (or the model alone) flag,
  and of must-not cases they flag;
- misses and false positives per category, and the cost per sentence (mean and p95, warm).

It prints numbers and never asserts: tests/unit/test_safeguarding.py holds the targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety import disclosure, safeguarding  # noqa: E402
from bot.safety.safeguarding import Lang, check, warm_up  # noqa: E402
from bot.text.analysis import analyse  # noqa: E402
from bot.text.cues import Search  # noqa: E402
from bot.text.sentences import split_sentences  # noqa: E402

DATA = ROOT / "tests" / "data" / "safeguarding"
SETS = {
    "authored": {"nl": "authored/nl", "en": "authored/en"},
    "authored_holdout": {"nl": "authored/nl_holdout", "en": "authored/en_holdout"},
    "train": {v: f"train/{v}" for v in ("nl", "be", "en")},
    "dev": {v: f"dev/{v}" for v in ("nl", "be", "en")},
    "tune2": {v: f"tune2/{v}" for v in ("nl", "be", "en")},
    "holdout": {v: f"holdout/{v}" for v in ("nl", "be", "en")},
    "tune3": {v: f"tune3/{v}" for v in ("nl", "be", "en")},
    "holdout3": {v: f"holdout3/{v}" for v in ("nl", "be", "en")},
    "tune4": {v: f"tune4/{v}" for v in ("nl", "be", "en")},
    "holdout4": {v: f"holdout4/{v}" for v in ("nl", "be", "en")},
    "tune5": {v: f"tune5/{v}" for v in ("nl", "be", "en")},
    "holdout5": {v: f"holdout5/{v}" for v in ("nl", "be", "en")},
}
KINDS = ("child_at_risk", "teacher_distress")


@dataclass(frozen=True)
class Case:
    """One sentence (or short answer), the kinds it must raise (empty: none), its category."""

    text: str
    expect: frozenset[str]
    category: str


def load_cases(path: str) -> list[Case] | None:
    """The cases of tests/data/safeguarding/<path>.yaml, or None when the file is absent."""
    file = DATA / f"{path}.yaml"
    if not file.is_file():
        return None
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    cases = []
    for item in data["cases"]:
        expect = item["expect"]
        kinds = [] if expect == "none" else [expect] if isinstance(expect, str) else expect
        cases.append(Case(item["text"], frozenset(kinds), item.get("category", "-")))
    return cases


@dataclass
class Score:
    """Counts for one set of one variety."""

    want: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    same_kind: Counter[str] = field(default_factory=Counter)
    must_flag: int = 0
    right_kind: int = 0
    must_not: int = 0
    false_positives: int = 0
    alone: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    false_by: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, case: Case, kinds: set[str], readers: set[str]) -> None:
        """Count one case, what the check raised for it and which readers flagged it."""
        for reader in readers:
            self.alone[f"{reader}_{'flag' if case.expect else 'false'}"] += 1
        if not case.expect:
            self.must_not += 1
            if kinds:
                self.false_positives += 1
                self.false_by[case.category] += 1
                self.misses.append(f"false positive {sorted(kinds)} [{case.category}]: {case.text}")
            return
        self.must_flag += 1
        self.right_kind += kinds == case.expect
        for kind in case.expect:
            self.want[kind] += 1
            self.flagged[kind] += bool(kinds)
            self.same_kind[kind] += kind in kinds
        if not kinds:
            self.missed[case.category] += 1
        if kinds != case.expect:
            want = "+".join(sorted(case.expect))
            self.misses.append(f"want {want}, got {sorted(kinds)} [{case.category}]: {case.text}")

    def summary(self) -> dict[str, Any]:
        """The shares and counts as plain numbers."""
        share = _share
        return {
            "must_flag": self.must_flag,
            "must_not": self.must_not,
            "recall": {k: share(self.flagged[k], self.want[k]) for k in KINDS},
            "recall_same_kind": {k: share(self.same_kind[k], self.want[k]) for k in KINDS},
            "cases_per_kind": {k: self.want[k] for k in KINDS},
            "false_positive_rate": share(self.false_positives, self.must_not, empty=0.0),
            "false_positives": self.false_positives,
            "kind_accuracy": share(self.right_kind, self.must_flag),
            "alone": {
                reader: {
                    "recall": share(self.alone[f"{reader}_flag"], self.must_flag),
                    "false_positive_rate": share(self.alone[f"{reader}_false"], self.must_not, 0.0),
                }
                for reader in ("rules", "model")
            },
            "missed_by_category": dict(sorted(self.missed.items())),
            "false_positives_by_category": dict(sorted(self.false_by.items())),
            "misses": self.misses,
        }


def _share(part: int, whole: int, empty: float = 1.0) -> float:
    return round(part / whole, 3) if whole else empty


def evaluate(cases: list[Case], lang: Lang) -> Score:
    """Run the check on every case and count hits, kinds and false alarms."""
    score = Score()
    for case in cases:
        score.add(case, {signal.kind for signal in check(case.text, lang)}, readers(case, lang))
    return score


def readers(case: Case, lang: Lang) -> set[str]:
    """Which of the two readers flag a case on their own: "rules", "model"."""
    searches = [Search(sentence) for sentence in analyse(case.text, lang)]
    found = {"rules"} if disclosure.find(searches, lang) else set()
    if safeguarding.model_findings(case.text, searches, lang):
        found.add("model")
    return found


def cost(cases: list[Case], lang: Lang, rounds: int = 5) -> dict[str, float]:
    """Milliseconds per sentence, warm: every sentence of the cases checked on its own."""
    sentences = [c.text[a:b] for c in cases for a, b in split_sentences(c.text)]
    times = []
    for _ in range(rounds):
        for sentence in sentences:
            start = time.perf_counter()
            check(sentence, lang)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "sentences": len(sentences),
        "mean_ms": round(statistics.mean(times), 3),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
    }


def run() -> dict[str, Any]:
    """Scores per set and variety (sets whose files are absent are left out), with costs."""
    warm_up()
    result: dict[str, Any] = {}
    for name, varieties in SETS.items():
        for variety, path in varieties.items():
            cases = load_cases(path)
            if cases is None:
                continue
            lang: Lang = "en" if variety == "en" else "nl"
            summary = evaluate(cases, lang).summary()
            summary["cost_per_sentence"] = cost(cases, lang)
            result.setdefault(name, {})[variety] = summary
    return result


def _print(result: dict[str, Any]) -> None:
    for name, varieties in result.items():
        note = "  (the model's training set: not a measure)" if name == "train" else ""
        print(f"{name}{note}")
        for variety, s in varieties.items():
            recall = "  ".join(
                f"{k} {s['recall'][k]:6.1%} of {s['cases_per_kind'][k]:>2}"
                f" (same kind {s['recall_same_kind'][k]:6.1%})"
                for k in KINDS
            )
            c = s["cost_per_sentence"]
            print(
                f"  {variety}: recall {recall}\n"
                f"      false positives {s['false_positive_rate']:6.1%} of {s['must_not']:>3}"
                f"   kind accuracy {s['kind_accuracy']:6.1%}"
                f"   cost per sentence mean {c['mean_ms']} ms, p95 {c['p95_ms']} ms"
            )
            a = s["alone"]
            print(
                f"      alone: rules recall {a['rules']['recall']:6.1%}"
                f" (false positives {a['rules']['false_positive_rate']:5.1%}),"
                f" model recall {a['model']['recall']:6.1%}"
                f" (false positives {a['model']['false_positive_rate']:5.1%})"
            )
            if s["missed_by_category"]:
                print(f"      missed by category: {s['missed_by_category']}")
            if s["false_positives_by_category"]:
                print(f"      false positives by category: {s['false_positives_by_category']}")
            if name != "train":
                for miss in s["misses"]:
                    print(f"        {miss}")


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
