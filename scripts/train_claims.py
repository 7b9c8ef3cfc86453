"""Train the claim model from the labelled sentences and write its weights into the package.

Run: ``PYTHONPATH=src python scripts/train_claims.py`` (add ``--check`` to only compare
with the shipped weights, ``--test`` to also print the test split's figures once the
features are final).

* Data: ``tests/data/claims/sentences.jsonl``; the model learns from the ``train`` split
  only, the threshold is chosen on ``dev``; ``test`` is never used to choose anything.
* Model: logistic regression, L2-regularised, fitted by plain gradient descent (a few
  hundred sentences and ~25 features: no numpy, no scikit-learn).
* A claim sentence needs only one claim clause (``"Thank you for reading; smoking
  causes ..."``), so each claim is represented by its highest-scoring clause, chosen
  again after each fit; every clause of a non-claim is a non-claim.
* Threshold: recall first. The highest threshold at which recall on train and on dev
  both stay at or above ``--recall`` (default 0.975).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from citeproof.claims.features import FEATURES, clause_features, clauses
from citeproof.claims.model import MODEL_PATH, Model, Quality, measure, score_sentence

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "claims" / "sentences.jsonl"

Example = tuple[list[dict[str, float]], int]  # the clauses' features, the label (1 = claim)


def load(split: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def examples(rows: list[dict[str, str]]) -> list[Example]:
    return [([clause_features(c, f) for c, f in clauses(r["text"])], int(r["label"] == "claim")) for r in rows]


def _logit(weights: dict[str, float], bias: float, features: dict[str, float]) -> float:
    return bias + sum(weights.get(k, 0.0) * v for k, v in features.items())


def fit(data: list[Example], *, l2: float, rounds: int = 3, steps: int = 3000, rate: float = 0.5) -> tuple[dict[str, float], float]:
    """Gradient descent on the mean log-loss plus ``l2`` times the squared weights."""
    weights = dict.fromkeys(FEATURES, 0.0)
    bias = 0.0
    for _ in range(rounds):
        rows: list[tuple[dict[str, float], int]] = []
        for clause_list, label in data:
            if label:  # the claim is in its most claim-like clause
                rows.append((max(clause_list, key=lambda f: _logit(weights, bias, f)), 1))
            else:
                rows.extend((f, 0) for f in clause_list)
        for _ in range(steps):
            grad = dict.fromkeys(FEATURES, 0.0)
            grad_bias = 0.0
            for features, label in rows:
                z = _logit(weights, bias, features)
                error = 1 / (1 + math.exp(-z)) - label
                grad_bias += error
                for k, v in features.items():
                    grad[k] += error * v
            n = len(rows)
            for k in FEATURES:
                weights[k] -= rate * (grad[k] / n + l2 * weights[k])
            bias -= rate * grad_bias / n
    return {k: round(v, 4) for k, v in weights.items() if abs(v) >= 1e-4}, round(bias, 4)


def metrics(model: Model, rows: list[dict[str, str]]) -> Quality:
    return measure(model, ((row["text"], row["label"] == "claim") for row in rows))


def choose_threshold(weights: dict[str, float], bias: float, splits: list[list[dict[str, str]]], recall: float) -> float:
    """The highest threshold (in steps of 0.01, at most 0.5) keeping every split's recall at ``recall``."""
    for step in range(50, 0, -1):
        model = Model(weights, bias, step / 100)
        if all(metrics(model, rows).recall >= recall for rows in splits):
            return step / 100
    return 0.01


def describe(name: str, found: Quality) -> str:
    return f"{name:5} {found.line()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=0.01)
    parser.add_argument("--recall", type=float, default=0.975)
    parser.add_argument("--check", action="store_true", help="do not write; print the shipped model's figures")
    parser.add_argument("--test", action="store_true", help="also print the test split (only once the features are final)")
    parser.add_argument("--errors", action="store_true", help="list the train and dev sentences the model gets wrong")
    args = parser.parse_args()

    train, dev = load("train"), load("dev")
    if args.check:
        model = Model.from_dict(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    else:
        weights, bias = fit(examples(train), l2=args.l2)
        model = Model(weights, bias, choose_threshold(weights, bias, [train, dev], args.recall))
        MODEL_PATH.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)} (threshold {model.threshold})")
    for name, rows in (("train", train), ("dev", dev)) + ((("test", load("test")),) if args.test else ()):
        print(describe(name, metrics(model, rows)))
        if args.errors and name != "test":
            for row in rows:
                scored = score_sentence(row["text"], model)
                if scored.claim != (row["label"] == "claim"):
                    print(f"   {row['label']:9} {scored.explain():60} {row['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
