"""The claim model: its features, its shipped weights, and its figures on held-out topics.

Run: ``/work/venv/bin/pytest tests/test_claim_model.py -q -s`` (``-s`` prints the figures).

``tests/data/claims/sentences.jsonl`` is split by topic. The model is trained on the
``train`` topics and its threshold chosen on ``dev`` (``scripts/train_claims.py``); the
``test`` topics were never used to choose a feature or a weight. The test fails below
recall 0.95 or specificity 0.85 on the test split.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeproof.claims.features import FEATURES, clause_features, clauses
from citeproof.claims.model import MODEL_PATH, load_model, score_sentence

DATA = Path(__file__).parent / "data" / "claims"
MIN_RECALL = 0.95
MIN_SPECIFICITY = 0.85


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in (DATA / "sentences.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def _figures(split: str) -> tuple[float, float, list[str], list[str]]:
    rows = [r for r in _rows() if r["split"] == split]
    missed = [r["text"] for r in rows if r["label"] == "claim" and not score_sentence(r["text"]).claim]
    flagged = [r["text"] for r in rows if r["label"] == "not-claim" and score_sentence(r["text"]).claim]
    claims = sum(r["label"] == "claim" for r in rows)
    return 1 - len(missed) / claims, 1 - len(flagged) / (len(rows) - claims), missed, flagged


def test_labelled_set_meets_recall_and_specificity_on_the_held_out_topics() -> None:
    recall, specificity, missed, flagged = _figures("test")
    print(f"\ntest split: recall {recall:.3f}, specificity {specificity:.3f}")
    assert recall >= MIN_RECALL, f"recall {recall:.3f} < {MIN_RECALL}: missed {missed}"
    assert specificity >= MIN_SPECIFICITY, f"specificity {specificity:.3f} < {MIN_SPECIFICITY}: flagged {flagged}"


def test_labelled_set_is_large_varied_balanced_and_split_by_topic() -> None:
    rows = _rows()
    assert len(rows) >= 600
    assert all(r["label"] in ("claim", "not-claim") and r["reason"] and r["topic"] for r in rows)
    assert sum(r["label"] == "not-claim" for r in rows) / len(rows) >= 0.40
    assert len({r["text"] for r in rows}) == len(rows), "duplicate sentences"
    topics: dict[str, set[str]] = {}
    for row in rows:
        topics.setdefault(row["topic"], set()).add(row["split"])
    assert len(topics) >= 8
    assert all(len(splits) == 1 for splits in topics.values()), "a topic in two splits"
    assert {s for splits in topics.values() for s in splits} == {"train", "dev", "test"}


def test_shipped_weights_name_only_known_features_and_set_a_threshold() -> None:
    model = load_model()
    assert set(model.weights) <= set(FEATURES)
    assert 0 < model.threshold <= 0.5  # recall first: never stricter than even odds
    assert MODEL_PATH.stat().st_size < 4096


@pytest.mark.parametrize(
    "text",
    [
        "Did you know that smoking causes 9 out of 10 lung cancers?",
        "Keep in mind that most heart attacks start slowly.",
        "As this guide explains, 1 in 3 adults has high blood pressure.",
        "Thank you for reading; smoking causes about 1 in 5 deaths.",
        "Measles spreads through the air.",
    ],
)
def test_claims_in_frames_and_without_cue_words_are_claims(text: str) -> None:
    assert score_sentence(text).claim, score_sentence(text).explain()


@pytest.mark.parametrize(
    "text",
    [
        "Inhale 2 puffs every 4 to 6 hours.",
        "Swallow the tablet whole.",
        "Pick a quit date within the next two weeks.",
        "What should I do when a craving hits?",
        "The clinic is open Monday to Friday, 8 a.m. to 5 p.m., in Room 12.",
        "We will call you with your results.",
        # an instruction whose condition has its own verb ("have") is still an instruction (found by a tester)
        "Call 911 if you have chest pain.",
    ],
)
def test_instructions_questions_and_logistics_are_not_claims(text: str) -> None:
    assert not score_sentence(text).claim, score_sentence(text).explain()


def test_frame_is_peeled_and_named() -> None:
    ((clause, framed),) = clauses("Did you know that smoking causes 9 out of 10 lung cancers?")
    assert framed and clause.startswith("Smoking causes")
    assert "form:framed" in clause_features(clause, framed)


def test_a_verdict_names_its_deciding_features_and_score() -> None:
    scored = score_sentence("Smoking raises the risk of stroke.")
    assert scored.claim
    assert 1 <= len(scored.deciding) <= 3
    assert "rule:causal-risk" in [name for name, _ in scored.deciding]
    assert scored.explain().startswith(f"{scored.score:.2f}: +")


def test_gated_feature_patterns_agree_with_plain_searches() -> None:
    """A gate must be a substring every match contains (or a digit): the speed-up changes no answer."""
    from citeproof.claims.features import _GATED

    texts = [r["text"] for r in _rows()]
    texts += ["Call 988 at NOON on Tuesdays; Room 4B.", "HALF of adults, TWICE as many", "Ç'est ÖVERWHELMING, İt's okay"]
    for text in texts:
        stripped = text.strip().rstrip("\"')]” ")
        plain = {name for name, gated in _GATED.items() if gated.pattern.search(stripped)}
        assert set(clause_features(text)) & set(_GATED) == plain, text
        for name, gated in _GATED.items():
            assert gated.search(stripped, stripped.lower(), any(c.isdigit() for c in stripped)) == (name in plain), (name, text)


def test_a_question_frame_leaves_a_statement() -> None:
    ((clause, framed),) = clauses("Did you know that using a spacer gets more medicine into the lungs?")
    assert framed and clause == "Using a spacer gets more medicine into the lungs."
    assert "form:question" not in clause_features(clause, framed)
