"""The claim model: a logistic regression over the named features of a sentence.

Its weights ship in ``model.json`` beside this module, written by
``scripts/train_claims.py`` from the train split of ``tests/data/claims/sentences.jsonl``;
nothing is downloaded. A sentence's score is the highest of its clauses' scores (a
claim after "Thank you for reading;" is still a claim), and every verdict carries the
features that moved its score most, so a writer can see why.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .features import FEATURES, clause_features, clauses

MODEL_PATH = Path(__file__).with_name("model.json")
_SHOWN = 3  # deciding features shown with a verdict
BASE = "base:plain-statement"  # shown when no feature fired: the model's bias decided


@dataclass(frozen=True)
class Model:
    """Weights per feature name, a bias, and the score at or above which a sentence is a claim."""

    weights: dict[str, float]
    bias: float
    threshold: float

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Model:
        weights = {str(k): float(v) for k, v in raw["weights"].items()}
        unknown = set(weights) - set(FEATURES)
        if unknown:  # a weights file from another version of the features: refuse, do not guess
            raise ValueError(f"claim model: unknown features {sorted(unknown)} in the weights file")
        return cls(weights, float(raw["bias"]), float(raw["threshold"]))

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "threshold": self.threshold, "weights": dict(sorted(self.weights.items()))}


@cache
def load_model(path: Path = MODEL_PATH) -> Model:
    """The shipped model (read once per process)."""
    return Model.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Score:
    """A sentence's score, its verdict, and the features that decided it (name, contribution)."""

    score: float
    claim: bool
    deciding: tuple[tuple[str, float], ...]
    clause: str = ""
    features: frozenset[str] = frozenset()  # every feature of the deciding clause

    def explain(self) -> str:
        """``0.93: +rule:causal-risk, +form:finite-verb, -form:short``."""
        shown = ", ".join(f"{'+' if value > 0 else '-'}{name}" for name, value in self.deciding)
        return f"{self.score:.2f}" + (f": {shown}" if shown else "")


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value >= -50 else 0.0


def score_features(model: Model, features: dict[str, float], clause: str = "") -> Score:
    """Score one clause's features."""
    weights = model.weights
    contributions = {name: weights.get(name, 0.0) * value for name, value in features.items()}
    score = _sigmoid(model.bias + sum(contributions.values()))
    claim = score >= model.threshold
    # the features that pushed towards the verdict, strongest first
    toward = sorted((c for c in contributions.items() if (c[1] > 0) == claim and c[1] != 0), key=lambda c: -abs(c[1]))
    if not toward and (model.bias > 0) == claim:
        # nothing fired either way: a plain statement is a claim unless its form says otherwise
        toward = [(BASE, model.bias)]
    return Score(score, claim, tuple(toward[:_SHOWN]), clause, frozenset(features))


def score_sentence(sentence: str, model: Model | None = None) -> Score:
    """Score a sentence: the highest-scoring of its clauses, frames peeled off."""
    model = model or load_model()
    best: Score | None = None
    for clause, framed in clauses(sentence):
        scored = score_features(model, clause_features(clause, framed), clause)
        if best is None or scored.score > best.score:
            best = scored
    assert best is not None  # clauses() always yields one
    return best


@dataclass(frozen=True)
class Quality:
    """How a model does on labelled sentences: how many, and its recall, specificity and F1 on claims."""

    n: int
    recall: float
    specificity: float
    f1: float

    def line(self) -> str:
        return f"n={self.n}  recall {self.recall:.3f}  specificity {self.specificity:.3f}  F1 {self.f1:.3f}"


def measure(model: Model, labelled: Iterable[tuple[str, bool]]) -> Quality:
    """Score each ``(sentence, is_claim)`` and count: the training script and the benchmark share this."""
    counts = Counter((score_sentence(sentence, model).claim, is_claim) for sentence, is_claim in labelled)
    tp, fn, fp, tn = counts[True, True], counts[False, True], counts[True, False], counts[False, False]
    n = tp + fn + fp + tn
    recall, specificity, precision = tp / max(tp + fn, 1), tn / max(tn + fp, 1), tp / max(tp + fp, 1)
    return Quality(n, recall, specificity, 2 * precision * recall / max(precision + recall, 1e-9))
