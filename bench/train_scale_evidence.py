"""Train the scorer's evidence model and write bot/scoring/model/scale-evidence-<version>.json.

Run from the repository root: `python bench/train_scale_evidence.py` (needs the dev extra:
scikit-learn, numpy). Reproducible: the same data, options and seed give the same file, byte for
byte.

Trained ONLY on sentence corpora: tests/data/scale_evidence/{nl,be,en}.yaml (the shipped model)
and, with `--corpora scale_evidence,scale_evidence2`, also tests/data/scale_evidence2/ (a second,
independent group of writers; measured, not shipped: docs/scoring.md). Items are one to three
sentences a teacher might type answering one interview question, labelled by helpers who never
saw the rules with the scales they are evidence for (`labels: {scale: high|low}`; `{}` for
neutral items; the second corpus also marks `strength: strong|weak`, not used). One
class per scale and end ("comfort:high", "comfort:low", ...; 16), each a logistic regression
(one against all other items, balanced) over `bot.text.linear.features` of the text with the
question it answers ("q=q04_upset") and its language ("be" is read as Dutch). The
probabilities are calibrated with Platt scaling on out-of-fold scores (5 folds, fixed seed);
weights below `--prune` are dropped to keep the file small.

It prints, per class, the cross-validated numbers (out-of-fold, 5 folds): ROC AUC, average
precision, and precision / recall at the threshold the scorer uses (`THRESHOLD` in
bot/scoring/model.py), also per variety; and the same for the variety left out when training
on the other two (how it carries to a variety it never saw), and for the corpus left out when
training on the other (how it carries to writers it never saw).
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
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.scoring.model import THRESHOLD, VERSION, classes, extra_features  # noqa: E402
from bot.scoring.scales import load_scales  # noqa: E402
from bot.text.linear import Spec, features, parse  # noqa: E402

DATA = ROOT / "tests" / "data"
# The shipped model is trained on the first corpus; `--corpora scale_evidence,scale_evidence2`
# trains on both (measured in docs/scoring.md: better sentences, a worse draft; not shipped).
CORPORA = ("scale_evidence",)
VARIETIES = ("nl", "be", "en")
OUT = ROOT / "bot" / "scoring" / "model" / f"scale-evidence-{VERSION}.json"
SEED = 13
CLASSES = classes(load_scales().ids)

# text, question, lang, variety, classes, corpus
Item = tuple[str, str, str, str, frozenset[str], str]


def load(corpus: str, variety: str) -> list[Item]:
    """(text, question, lang, variety, classes, corpus) of one corpus file."""
    data = yaml.safe_load((DATA / corpus / f"{variety}.yaml").read_text(encoding="utf-8"))
    lang = "en" if variety == "en" else "nl"
    items = []
    for item in data["items"]:
        labels = dict(item.get("labels") or {})
        classes = frozenset(f"{scale}:{end}" for scale, end in labels.items())
        unknown = classes - set(CLASSES)
        if unknown:
            raise SystemExit(f"{variety}: unknown labels {sorted(unknown)} in {item['text']!r}")
        items.append((str(item["text"]), str(item["question"]), lang, variety, classes, corpus))
    return items


def vectorise(items: list[Item], min_df: int, spec: Spec) -> tuple[Any, list[str]]:
    """The feature matrix (features seen in fewer than `min_df` items dropped) and names."""
    docs = [features(text, lang, extra_features(q), spec) for text, q, lang, *_ in items]
    df = Counter(name for doc in docs for name in doc)
    kept = [{k: v for k, v in doc.items() if df[k] >= min_df} for doc in docs]
    vectoriser = DictVectorizer(sort=True)
    x = vectoriser.fit_transform(kept).tocsr()
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # liblinear
    return x, [str(n) for n in vectoriser.get_feature_names_out()]


def regression(c: float) -> LogisticRegression:
    """One class against the rest (L2, classes balanced)."""
    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)


def pruned(model: LogisticRegression, prune: float) -> np.ndarray:
    """The regression's weights with those below `prune` set to zero (as shipped)."""
    weights = np.asarray(model.coef_[0]).copy()
    weights[np.abs(weights) < prune] = 0.0
    return weights


def out_of_fold(x: Any, y: np.ndarray, args: argparse.Namespace) -> np.ndarray:
    """Out-of-fold decision scores of the pruned regressions (5 stratified folds, fixed
    seed): the numbers printed are those of models as they are shipped."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    scores = np.zeros(len(y))
    for train, test in folds.split(x, y):
        model = regression(args.c).fit(x[train], y[train])
        scores[test] = x[test] @ pruned(model, args.prune) + model.intercept_[0]
    return scores


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (a, b): p = sigmoid(a * score + b), fitted on out-of-fold scores."""
    fit = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    fit.fit(scores.reshape(-1, 1), y)
    return float(fit.coef_[0][0]), float(fit.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def numbers(y: np.ndarray, p: np.ndarray) -> str:
    """AUC, average precision, precision and recall at the scorer's threshold."""
    if y.sum() == 0 or y.sum() == len(y):
        return "  (one class only)"
    hit = p >= THRESHOLD
    precision = (hit & (y == 1)).sum() / max(1, hit.sum())
    recall = (hit & (y == 1)).sum() / y.sum()
    auc, ap = roc_auc_score(y, p), average_precision_score(y, p)
    return f"AUC {auc:.2f}  AP {ap:.2f}  P {precision:.2f}  R {recall:.2f}  (n+ {int(y.sum())})"


def left_out(items: list[Item], label: str, args: argparse.Namespace, column: int) -> str:
    """Trained on the items of all but one value of `column` (3: variety, 5: corpus), tested on
    the items of that one: the AUC per value left out."""
    out = []
    for held in sorted({item[column] for item in items}):
        train = [item for item in items if item[column] != held]
        test = [item for item in items if item[column] == held]
        x, names = vectorise(train, args.min_df, args.spec)
        y = np.array([label in item[4] for item in train], dtype=int)
        model = regression(args.c).fit(x, y)
        weights = dict(zip(names, model.coef_[0], strict=True))
        yt = np.array([label in item[4] for item in test], dtype=int)
        scores = [
            sum(
                weights.get(k, 0.0) * v
                for k, v in features(t, lang, extra_features(q), args.spec).items()
            )
            for t, q, lang, *_ in test
        ]
        out.append(f"{held} {roc_auc_score(yt, scores):.2f}" if 0 < yt.sum() < len(yt) else "")
    return "  ".join(out)


def main(argv: list[str] | None = None) -> int:
    """Train, print the cross-validated numbers, write the model file."""
    parser = argparse.ArgumentParser(prog="python bench/train_scale_evidence.py")
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation")
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--prune", type=float, default=0.3, help="drop smaller weights")
    parser.add_argument("--chars", default="none", help="character n-gram lengths, e.g. 3,4,5")
    parser.add_argument("--no-pairs", action="store_true", help="without word pairs")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--corpora",
        default=",".join(CORPORA),
        help="corpus folders under tests/data, comma-separated",
    )
    parser.add_argument("--quick", action="store_true", help="skip leave-one-variety-out")
    args = parser.parse_args(argv)

    chars = () if args.chars == "none" else tuple(int(n) for n in args.chars.split(","))
    args.spec = Spec(lemmas=True, pairs=not args.no_pairs, chars=chars)
    corpora = tuple(args.corpora.split(","))
    items = [item for corpus in corpora for variety in VARIETIES for item in load(corpus, variety)]
    x, names = vectorise(items, args.min_df, args.spec)
    print(f"training items {len(items)}, features {len(names)} (seen in >= {args.min_df})")
    varieties = np.array([item[3] for item in items])
    trained: dict[str, Any] = {}
    for label in CLASSES:
        y = np.array([label in item[4] for item in items], dtype=int)
        scores = out_of_fold(x, y, args)
        a, b = platt(scores, y)
        p = _sigmoid(a * scores + b)
        model = regression(args.c).fit(x, y)
        weights = {
            n: round(float(w), 4)
            for n, w in zip(names, pruned(model, args.prune), strict=True)
            if w != 0.0
        }
        trained[label] = {
            "weights": weights,
            "bias": round(float(model.intercept_[0]), 5),
            "calibration": {"a": round(a, 5), "b": round(b, 5)},
        }
        print(f"{label:<28} {numbers(y, p)}  weights {len(weights)}")
        for variety in VARIETIES:
            mask = varieties == variety
            print(f"    {variety}  {numbers(y[mask], p[mask])}")
        if not args.quick:
            print(f"    variety left out: AUC {left_out(items, label, args, 3)}")
            print(f"    corpus left out: AUC {left_out(items, label, args, 5)}")
    digest = hashlib.sha256(
        json.dumps([(t, q, lang, sorted(k)) for t, q, lang, _, k, _ in items]).encode()
    ).hexdigest()[:16]
    data = {
        "version": VERSION,
        "features": "bot.text.linear.features: w= words, l= lemmas, b= word pairs, c= character "
        "3-5-grams within words, lang=, q= the question answered; binary, unit length",
        "spec": args.spec.as_dict(),
        "trained_on": {
            "files": [f"tests/data/{c}/{v}.yaml" for c in corpora for v in VARIETIES],
            "items": len(items),
            "sha256": digest,
            "seed": SEED,
            "c": args.c,
            "min_df": args.min_df,
            "prune": args.prune,
        },
        "thresholds": dict.fromkeys(CLASSES, THRESHOLD),
        "classes": trained,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
    parse(data)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
