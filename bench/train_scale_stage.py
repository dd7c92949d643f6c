"""Train the scorer's second stage and write bot/scoring/model/scale-stage-<version>.json.

Run from the repository root: `python bench/train_scale_stage.py` (numpy; `--check` only prints
the cross-author numbers and writes nothing). Deterministic: a closed-form ridge regression, no
random state; the same transcripts and options give the same file, byte for byte.

The second stage (bot/scoring/stage.py) maps five aggregated signals per scale onto the 1-7
scale with one linear model for all scales. It is fitted on the transcript sets scored by
independent raters (`gold`: the median of the raters per scale), never on `holdout`. Each set
was written by a different author, so the honest measure is ACROSS AUTHORS: for each set, fit on
the other sets and score that set with the real scorer (`RuleScorer(stage=...)`, the same code
path as the product); the shipped file is then fitted on all of them.

The confidence (class `in_band`) is a logistic regression on `CONFIDENCE_FEATURES` predicting
whether a drafted score lies in the raters' band. For the report on a held-out set it is fitted
on the other sets' out-of-fold drafts (5 folds by interview, fixed seed); the shipped one on the
drafts of each set by a stage fitted on the other set (the regime of a new author).

It prints, per held-out set, the share in the gold band and within one point for the first
stage alone and with the fitted second stage, the calibration (in-band share at confidence
>= 0.8 and < 0.5) and the weights of each fit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from scoring import DATA, Case, load_set  # noqa: E402

from bot.models.profile import level_for  # noqa: E402
from bot.scoring.rules import RuleScorer  # noqa: E402
from bot.scoring.scales import load_scales  # noqa: E402
from bot.scoring.stage import (  # noqa: E402
    CLASS,
    CONFIDENCE_FEATURES,
    FEATURES,
    IN_BAND,
    VERSION,
    Stage,
)
from bot.text.linear import Linear  # noqa: E402

SETS = ("dev", "dev2", "tune3", "tune4", "tune5")
OUT = ROOT / "bot" / "scoring" / "model" / f"scale-stage-{VERSION}.json"
ALPHA = 1.0
SEED = 13
FOLDS = 5
CONFIDENT, UNSURE = 0.8, 0.5
# The per-scale corrections are penalised harder: 46 interviews per scale are few.
ALPHA_SCALE = 10.0
COLUMNS = (*FEATURES, *(f"{sid}:{name}" for sid in load_scales().ids for name in FEATURES))

Rows = tuple[list[list[float]], list[float]]


def golds(case: Case) -> list[tuple[str, int]]:
    """The scales of a case with a rater gold score."""
    return [(sid, gold.score) for sid, gold in case.gold.items() if gold.score is not None]


def rows(first: RuleScorer, cases: list[Case]) -> Rows:
    """The features and the gold score of every scale with a rater gold."""
    x, y = [], []
    for case in cases:
        found = first.stage_features(case.transcript)
        x += [[found[sid].get(name, 0.0) for name in COLUMNS] for sid, _ in golds(case)]
        y += [float(score) for _, score in golds(case)]
    return x, y


def fit(x: list[list[float]], y: list[float], alpha: float, alpha_scale: float) -> Linear:
    """Ridge regression with an unpenalised bias, in closed form: the shared weights penalised
    by `alpha`, the per-scale corrections by `alpha_scale`."""
    a = np.hstack([np.asarray(x), np.ones((len(x), 1))])
    shared = len(FEATURES)
    penalty = np.diag([alpha] * shared + [alpha_scale] * (len(COLUMNS) - shared) + [0.0])
    solution = np.linalg.solve(a.T @ a + penalty, a.T @ np.asarray(y))
    weights = {name: round(float(w), 6) for name, w in zip(COLUMNS, solution[:-1], strict=True)}
    return Linear(weights=weights, bias=round(float(solution[-1]), 6), a=1.0, b=0.0)


def agreement(scorer: RuleScorer, cases: list[Case]) -> dict[str, Any]:
    """In band and within one point against the raters' gold, as the bench counts them, and
    the in-band share at confidence >= 0.8 and < 0.5 (with their counts)."""
    n = band = within = 0
    sure, unsure = [0, 0], [0, 0]
    for case in cases:
        draft = scorer.score(case.transcript)
        for sid, gold in case.gold.items():
            if gold.score is None:
                continue
            got = draft.scale(sid)
            hit = level_for(got.score) == level_for(gold.score)
            n += 1
            band += hit
            within += abs(got.score - gold.score) <= 1
            for bucket, inside in (
                (sure, got.confidence >= CONFIDENT),
                (unsure, got.confidence < UNSURE),
            ):
                bucket[0] += inside
                bucket[1] += inside and hit
    return {
        "in_band": round(band / n, 3),
        "within_one": round(within / n, 3),
        "scales": n,
        "confident": {"scales": sure[0], "in_band": round(sure[1] / max(1, sure[0]), 3)},
        "unsure": {"scales": unsure[0], "in_band": round(unsure[1] / max(1, unsure[0]), 3)},
    }


Drafted = tuple[list[list[float]], list[int]]


def drafted(scorer: RuleScorer, cases: list[Case]) -> Drafted:
    """What the confidence reads for every drafted scale with a gold, and whether it was in band."""
    x: list[list[float]] = []
    y: list[int] = []
    for case in cases:
        weighed = scorer.weighed(case.transcript)
        for sid, score in golds(case):
            x.append([weighed[sid].reading[name] for name in CONFIDENCE_FEATURES])
            y.append(int(level_for(weighed[sid].score) == level_for(score)))
    return x, y


def out_of_fold(first: RuleScorer, cases: list[Case], alpha: float, alpha_scale: float) -> Drafted:
    """The drafts of a set by stages fitted on the rest of it (FOLDS folds by interview)."""
    order = np.random.RandomState(SEED).permutation(len(cases))
    x: list[list[float]] = []
    y: list[int] = []
    for fold in range(FOLDS):
        test = [cases[i] for i in order[fold::FOLDS]]
        train = [cases[i] for i in order if i not in set(order[fold::FOLDS])]
        model = fit(*rows(first, train), alpha, alpha_scale)
        more_x, more_y = drafted(RuleScorer(stage=Stage(model)), test)
        x, y = x + more_x, y + more_y
    return x, y


def fit_confidence(x: list[list[float]], y: list[int]) -> Linear:
    """P(in band) from the confidence's features: a logistic regression (L2, C = 1)."""
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(np.asarray(x), y)
    weights = {
        name: round(float(w), 6)
        for name, w in zip(CONFIDENCE_FEATURES, model.coef_[0], strict=True)
    }
    return Linear(weights=weights, bias=round(float(model.intercept_[0]), 6), a=1.0, b=0.0)


def cross_author(
    first: RuleScorer, data: dict[str, list[Case]], alpha: float, alpha_scale: float
) -> dict[str, Any]:
    """Per set: fitted on the other sets (score and confidence), scored on this one; and the
    first stage alone. Also each set's drafts by the stage fitted on the others (`drafted`)."""
    found: dict[str, Any] = {}
    for held in data:
        others = [case for name, cases in data.items() if name != held for case in cases]
        model = fit(*rows(first, others), alpha, alpha_scale)
        confidence = fit_confidence(*out_of_fold(first, others, alpha, alpha_scale))
        stage = Stage(model, confidence)
        found[held] = {
            "first_stage": agreement(first, data[held]),
            "second_stage": agreement(RuleScorer(stage=stage), data[held]),
            "weights": dict(model.weights),
            "bias": model.bias,
            "drafted": drafted(RuleScorer(stage=stage), data[held]),
        }
    return found


def digest(data: dict[str, list[Case]]) -> str:
    """A hash of the training files, so a model names what it was fitted on."""
    sha = hashlib.sha256()
    for name in sorted(data):
        for path in sorted((DATA / name).glob("*.y*ml")):
            sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def _line(held: str, res: dict[str, Any]) -> str:
    one, two = res["first_stage"], res["second_stage"]
    sure, unsure = two["confident"], two["unsure"]
    return (
        f"held out {held:<5} first stage {one['in_band']:.1%} / {one['within_one']:.1%}"
        f"  second stage {two['in_band']:.1%} / {two['within_one']:.1%}"
        f"  conf>=0.8 {sure['in_band']:.0%} (n={sure['scales']})"
        f" <0.5 {unsure['in_band']:.0%} (n={unsure['scales']})  ({two['scales']} scales; fitted"
        " on the other sets: "
        + " ".join(f"{k}={res['weights'][k]:+.2f}" for k in FEATURES)
        + f" bias={res['bias']:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    """Fit across authors, print, and write the model fitted on all sets."""
    parser = argparse.ArgumentParser(prog="python bench/train_scale_stage.py", description=__doc__)
    parser.add_argument("--alpha", type=float, default=ALPHA, help="ridge penalty")
    parser.add_argument(
        "--alpha-scale", type=float, default=ALPHA_SCALE, help="penalty of per-scale corrections"
    )
    parser.add_argument("--check", action="store_true", help="print only; write nothing")
    args = parser.parse_args(argv)
    first = RuleScorer(stage=False)
    data = {name: load_set(DATA / name) for name in SETS}
    report = cross_author(first, data, args.alpha, args.alpha_scale)
    for held, res in report.items():
        print(_line(held, res))
    model = fit(
        *rows(first, [case for cases in data.values() for case in cases]),
        args.alpha,
        args.alpha_scale,
    )
    x = [row for res in report.values() for row in res["drafted"][0]]
    y = [hit for res in report.values() for hit in res["drafted"][1]]
    confidence = fit_confidence(x, y)
    print("shipped, fitted on " + "+".join(data) + ": " + json.dumps(dict(model.weights)))
    print(f"confidence: {json.dumps(dict(confidence.weights))} bias {confidence.bias}")
    if args.check:
        return 0
    document = {
        "version": VERSION,
        "classes": {
            CLASS: {"weights": model.weights, "bias": model.bias, "calibration": {"a": 1, "b": 0}},
            IN_BAND: {
                "weights": confidence.weights,
                "bias": confidence.bias,
                "calibration": {"a": 1, "b": 0},
            },
        },
        "trained_on": {
            "sets": list(data),
            "scales": len(y),
            "sha256": digest(data),
            "model": "ridge regression onto the raters' median score; in_band: logistic "
            "regression on the drafts of each set by a stage fitted on the other",
            "seed": SEED,
            "alpha": args.alpha,
            "alpha_scale": args.alpha_scale,
            "features": list(FEATURES),
            "cross_author": {
                held: {"first_stage": r["first_stage"], "second_stage": r["second_stage"]}
                for held, r in report.items()
            },
        },
    }
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
