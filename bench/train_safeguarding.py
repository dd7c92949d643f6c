"""Train the safeguarding model and write bot/safety/model/safeguarding-<version>.json.

Run from the repository root: `python bench/train_safeguarding.py` (needs the dev extra:
scikit-learn). Reproducible: the same data and seed give the same file, byte for byte.

Trained ONLY on sentences written independently of the rules: tests/data/safeguarding/train/
(nl, be, en; a writer who never saw the rules), tune2/ (the even half of a later independent
writer's set, whose odd half is the untouched holdout/), tune3/ (the same for a third
independent writer, h3, whose odd half is holdout3/), tune4/ (the same for a fourth, h4, whose
odd half is holdout4/), the older tests/data/safeguarding/authored/
sets, and as plain negatives the sentences of ordinary interviews by another independent writer
(tests/data/safeguarding/ordinary/), so that the model knows what an ordinary answer sounds
like. One logistic regression per kind (child_at_risk, teacher_distress; a case of both kinds
counts for both) over `bot.safety.model.features` (folded words, word pairs, lemmas, character
4-5-grams, the language); features seen in fewer than `--min-df` texts are dropped. The
probabilities are calibrated with Platt scaling on out-of-fold scores (5 folds). It prints the
cross-validated numbers on the training data and, per threshold, the model alone on
tests/data/safeguarding/dev/ (the set the thresholds are tuned on). The thresholds written into
the file are the options `--child` and `--teacher`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety.model import KINDS, SPEC, VERSION, features, parse  # noqa: E402

DATA = ROOT / "tests" / "data" / "safeguarding"
TRAIN = (
    [("train", v) for v in ("nl", "be", "en")]
    + [("tune2", v) for v in ("nl", "be", "en")]
    + [("tune3", v) for v in ("nl", "be", "en")]
    + [("tune4", v) for v in ("nl", "be", "en")]
    + [("authored", name) for name in ("nl", "en", "nl_holdout", "en_holdout")]
    + [("ordinary", v) for v in ("nl", "en")]
)
DEV = [("dev", v) for v in ("nl", "be", "en")]
OUT = ROOT / "bot" / "safety" / "model" / f"safeguarding-{VERSION}.json"
SEED = 13


def load(folder: str, name: str) -> list[tuple[str, str, frozenset[str]]]:
    """(text, lang, kinds) of one case file; `be` is Flemish Dutch, read as "nl"."""
    data = yaml.safe_load((DATA / folder / f"{name}.yaml").read_text(encoding="utf-8"))
    lang = "en" if name.startswith("en") else "nl"
    cases = []
    for item in data["cases"]:
        expect = item["expect"]
        kinds = [] if expect == "none" else [expect] if isinstance(expect, str) else expect
        cases.append((item["text"], lang, frozenset(kinds)))
    return cases


def fit(x: Any, y: np.ndarray, c: float) -> tuple[LogisticRegression, float, float]:
    """A regression and its Platt calibration (a, b) from out-of-fold decision scores."""
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    scores = cross_val_predict(model, x, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    platt.fit(scores.reshape(-1, 1), y)
    model.fit(x, y)
    return model, float(platt.coef_[0][0]), float(platt.intercept_[0])


def main(argv: list[str] | None = None) -> int:
    """Train, print the numbers, write the model file."""
    parser = argparse.ArgumentParser(prog="python bench/train_safeguarding.py")
    parser.add_argument("--c", type=float, default=10.0, help="inverse regularisation")
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--child", type=float, default=0.5, help="threshold for child_at_risk")
    parser.add_argument("--teacher", type=float, default=0.5, help="threshold for distress")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    cases = [case for folder, name in TRAIN for case in load(folder, name)]
    docs = [features(text, lang) for text, lang, _ in cases]
    df = Counter(name for doc in docs for name in doc)
    kept = [{k: v for k, v in doc.items() if df[k] >= args.min_df} for doc in docs]
    vectoriser = DictVectorizer(sort=True)
    x = vectoriser.fit_transform(kept).tocsr()
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # liblinear
    names = vectoriser.get_feature_names_out()
    print(f"training texts {len(cases)}, features {len(names)} (seen in >= {args.min_df} texts)")

    kinds: dict[str, Any] = {}
    for kind in KINDS:
        y = np.array([kind in expect for _, _, expect in cases], dtype=int)
        model, a, b = fit(x, y, args.c)
        weights = {str(n): round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True)}
        kinds[kind] = {
            "weights": {n: w for n, w in weights.items() if abs(w) >= 1e-4},
            "bias": round(float(model.intercept_[0]), 5),
            "calibration": {"a": round(a, 5), "b": round(b, 5)},
        }
        print(f"{kind}: {int(y.sum())} positive of {len(y)}, calibration a={a:.3f} b={b:.3f}")
    digest = hashlib.sha256(
        json.dumps([(t, lang, sorted(k)) for t, lang, k in cases]).encode()
    ).hexdigest()[:16]
    data = {
        "version": VERSION,
        "features": "bot.text.linear.features with spec: w= words, b= word pairs, l= lemmas, "
        "c= character 4-5-grams within words, lang=; binary, unit length",
        "spec": SPEC.as_dict(),
        "trained_on": {
            "files": [f"{folder}/{name}.yaml" for folder, name in TRAIN],
            "texts": len(cases),
            "sha256": digest,
            "seed": SEED,
            "c": args.c,
            "min_df": args.min_df,
        },
        "thresholds": {"child_at_risk": args.child, "teacher_distress": args.teacher},
        "kinds": kinds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    _report_dev(parse(data))
    return 0


def _report_dev(model: Any) -> None:
    """The model alone on the dev set, per threshold: recall per kind and false positives."""
    dev = [case for folder, name in DEV for case in load(folder, name)]
    probs = [model.probabilities(text, lang) for text, lang, _ in dev]
    print("model alone on dev (whole cases): threshold -> recall child, recall teacher, FP")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6):
        hit = {kind: [p[kind] >= t for p in probs] for kind in KINDS}
        row = []
        for kind in KINDS:
            want = [i for i, (_, _, e) in enumerate(dev) if kind in e]
            row.append(sum(hit[kind][i] for i in want) / len(want))
        none = [i for i, (_, _, e) in enumerate(dev) if not e]
        fp = sum(any(hit[k][i] for k in KINDS) for i in none) / len(none)
        print(f"  {t:.1f}: {row[0]:6.1%} {row[1]:6.1%} {fp:6.1%}")


if __name__ == "__main__":
    raise SystemExit(main())
