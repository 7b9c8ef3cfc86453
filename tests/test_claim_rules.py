"""The pure text rules (``citeproof.claims.rules``), and how well they do on labelled units.

Run: ``PYTHONPATH=src python -m pytest tests/test_claim_rules.py -q -s`` (``-s`` shows the figures).

``tests/data/claims/units.jsonl`` was labelled before the rules were written, but the
rules were then tuned with it in view, so its figures are optimistic.
``tests/data/claims/holdout.jsonl`` was labelled after the rules existed and has
not been used for tuning: its figures are the honest ones. Adding a unit the rules
get wrong is fine if the thresholds still hold; do not tune the rules to the hold-out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeproof.claims.rules import (
    CAUSAL,
    EVIDENCE,
    FACTUAL,
    GENERALISATION,
    NUMBERS,
    QUOTATION,
    UNATTRIBUTED_QUOTATION,
    classify_text,
    split_sentences,
)

DATA = Path(__file__).parent / "data" / "claims"
MIN_RECALL = 0.95
MIN_SPECIFICITY = 0.70


def _rules(text: str) -> list[str]:
    return [hit.rule for hit in classify_text(text)]


def _load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- the labelled sets -------------------------------------------------------------


@pytest.mark.parametrize("name", ["units.jsonl", "holdout.jsonl"])
def test_labelled_set_recall_and_specificity(name: str) -> None:
    rows = _load(name)
    claims = [r for r in rows if r["label"] == "claim"]
    others = [r for r in rows if r["label"] == "not-claim"]
    missed = [r["text"] for r in claims if not classify_text(r["text"])]
    flagged = [r["text"] for r in others if classify_text(r["text"])]
    recall = 1 - len(missed) / len(claims)
    specificity = 1 - len(flagged) / len(others)
    print(
        f"\n{name}: {len(rows)} units, recall {recall:.3f} ({len(claims) - len(missed)}/{len(claims)} claims), "
        f"specificity {specificity:.3f} ({len(others) - len(flagged)}/{len(others)} non-claims)"
    )
    for text in missed:
        print(f"  missed claim: {text}")
    for text in flagged:
        print(f"  false alarm:  {text}")
    assert recall >= MIN_RECALL, f"recall {recall:.3f} < {MIN_RECALL}: missed {missed}"
    assert specificity >= MIN_SPECIFICITY, f"specificity {specificity:.3f} < {MIN_SPECIFICITY}: flagged {flagged}"


def test_labelled_set_is_large_and_balanced_enough() -> None:
    rows = _load("units.jsonl") + _load("holdout.jsonl")
    assert len(rows) >= 150
    assert all(r["label"] in ("claim", "not-claim") and r["reason"] and r["source"] for r in rows)
    assert sum(r["label"] == "not-claim" for r in rows) / len(rows) >= 0.40
    assert len({r["text"] for r in rows}) == len(rows), "duplicate units"


# --- rules ---------------------------------------------------------------------------


def test_quotation_unattributed_when_speaker_is_vague() -> None:
    hits = classify_text("As one leading researcher put it, “The shifts rewrite how the brain perceives reward.”")
    assert hits[0].rule == UNATTRIBUTED_QUOTATION
    assert hits[0].words.startswith("“The shifts rewrite")


def test_quotation_attributed_when_a_person_is_named() -> None:
    hits = classify_text("Dr. Amira Hassan, a kidney specialist, says “most stones pass on their own.”")
    assert QUOTATION in [h.rule for h in hits]
    assert UNATTRIBUTED_QUOTATION not in [h.rule for h in hits]


def test_quotation_straight_quotes_count() -> None:
    assert UNATTRIBUTED_QUOTATION in _rules('Nurses call it "the hardest part of recovery" in private.')


def test_quotation_needs_three_words_so_scare_quotes_do_not_count() -> None:
    assert not {QUOTATION, UNATTRIBUTED_QUOTATION} & set(_rules("It creates a “trance-like” state and a ‘rush’."))


def test_quotation_apostrophes_are_not_quotes() -> None:
    assert not {QUOTATION, UNATTRIBUTED_QUOTATION} & set(_rules("The brain’s reward centre and the patient’s mood matter."))


def test_quotation_inside_an_instruction_is_not_a_claim() -> None:
    assert classify_text("Ask your doctor, “Is this medicine safe for me?”") == []


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("These acute effects usually last for one to two hours.", "one to two hours"),
        ("About one in three adults has high blood pressure.", "one in three"),
        ("Food allergies affect around 8 percent of children.", "8 percent"),
        ("Ketamine was created in the 1960s as an anesthetic.", "1960s"),
        ("The heart beats sixty to one hundred times a minute.", "sixty to one hundred times"),
        ("Side effects can last a day or two after the jab.", "a day or two"),
    ],
)
def test_numbers_rule_finds_counts_durations_and_years(text: str, trigger: str) -> None:
    hits = [h for h in classify_text(text) if h.rule == NUMBERS]
    assert hits and trigger in hits[0].trigger


def test_numbers_rule_ignores_digits_in_names() -> None:
    assert NUMBERS not in _rules("Omega-3 fats and type 2 diabetes are discussed with COVID-19 vaccines.")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Recent data shows recreational use is growing.", EVIDENCE),
        ("Research highlights that dopamine matters.", EVIDENCE),
        ("According to the manufacturer, the pill is small.", EVIDENCE),
        ("Clinical imaging shows changes in the brain.", EVIDENCE),
        ("Misuse leads to dependence.", CAUSAL),
        ("Chronic use is linked to bladder damage.", CAUSAL),
        ("Untreated apnoea increases the risk of stroke.", CAUSAL),
        ("Meditation is effective for some people.", CAUSAL),
        ("Ketamine boosts dopamine.", CAUSAL),
        ("Users often struggle with memory.", GENERALISATION),
        ("This almost always happens at night.", GENERALISATION),
    ],
)
def test_cue_rules(text: str, rule: str) -> None:
    assert rule in _rules(text)


def test_finding_words_quote_the_sentence_up_to_the_trigger() -> None:
    hit = next(h for h in classify_text("Recent data shows recreational use is growing.") if h.rule == EVIDENCE)
    assert hit.words == "Recent data shows ..."
    assert hit.trigger == "data shows"


def test_fallback_catches_a_health_statement_without_cue_words() -> None:
    assert _rules("Vitamin D is made in the skin when it is exposed to sunlight.") == [FACTUAL]


@pytest.mark.parametrize(
    "text",
    [
        "Why does the flu vaccine change every year?",
        "If you or someone you know is struggling, seek professional help right away.",
        "Wash your hands with soap and water for at least 20 seconds.",
        "Do not stop taking antidepressants suddenly without medical advice.",
        "You should see a doctor if your cough lasts longer than three weeks.",
        "Common uses include:",
        "Users often experience:",
        "To lower your risk, you can:",
        "In the next section, we explain the different types of treatment.",
        "Last reviewed by our clinical team in March 2024.",
        "In this article, we use the term “substance use disorder” to describe addiction.",
        "Key points",
    ],
)
def test_non_claims(text: str) -> None:
    assert classify_text(text) == []


def test_lead_in_that_asserts_is_a_claim() -> None:
    assert CAUSAL in _rules("Persistent misuse often leads to lasting health problems:")


def test_a_question_does_not_hide_the_claims_after_it() -> None:
    assert EVIDENCE in _rules("You might wonder, why is it addictive? Recent data shows use is growing.")


def test_split_sentences_keeps_abbreviations_and_closing_quotes() -> None:
    text = "Dr. Lee said “it works.” Then it stopped. Was it luck?"
    assert [text[s:e].strip() for s, e in split_sentences(text)] == [
        "Dr. Lee said “it works.”",
        "Then it stopped.",
        "Was it luck?",
    ]


def test_hits_come_most_serious_first() -> None:
    rules = _rules("Many say studies show that, as one expert put it, “this drug causes harm in 10% of users.”")
    assert rules[0] == UNATTRIBUTED_QUOTATION
    assert rules == sorted(rules, key=[UNATTRIBUTED_QUOTATION, QUOTATION, NUMBERS, EVIDENCE, CAUSAL, GENERALISATION, FACTUAL].index)


def test_empty_text_is_not_a_claim() -> None:
    assert classify_text("   ") == []


def _corpus() -> list[str]:
    """Every labelled unit, the article, and each cue and meta phrase in odd case and company."""
    texts = [r["text"] for r in _load("units.jsonl") + _load("holdout.jsonl")]
    texts.append((DATA.parent / "original-article.md").read_text(encoding="utf-8"))
    texts += [
        "Type 2 diabetes and omega-3 and COVID-19 affect 2,500 people; 40% of ADULTS say so.",
        "ALMOST ALWAYS, a Third of users Relapse: it's well-known that the sixties were for years.",
        "In this Article we explain what this page covers. See also: back to top. Skip to content.",
        "Last reviewed by Dr. Ray. Let’s talk. Here's the glossary. Key terms: dose. Read on below.",
        "It is a good idea to rest. We use the term 'dose'. It stands for misuse. Thank you!",
        "This means taking a break in this guide. The following sections describe the risks.",
        "Related topics\nNext: treatment. Previous: causes. Definition: a thing.",
        "İstanbul studies showed 3 trials; the K-hole leads to harm. ſome text, Kelvin K.",
    ]
    return texts


def test_dispatched_cue_scan_finds_what_a_full_scan_finds() -> None:
    """The speed-up in ``cue_matches`` must not change a single match."""
    from citeproof.claims.cues import CUES, GROUP_RULE, cue_matches
    from citeproof.claims.rules import _lowered

    for text in _corpus():
        full = [(GROUP_RULE[m.lastgroup or ""], m.start(), m.end()) for m in CUES.finditer(text)]
        assert cue_matches(text, _lowered(text)) == full, text


def test_gated_patterns_agree_with_the_plain_patterns() -> None:
    """A gate word must be one its branch cannot match without."""
    import re

    from citeproof.claims.forms import ADVICE, META

    sentences = [text[s:e] for text in _corpus() for s, e in split_sentences(" ".join(text.split()))]
    sentences += [line for text in _corpus() for line in text.splitlines()]
    for sentence in sentences:
        tokens = set(re.findall(r"\w+", sentence.lower()))
        for gated in (META, ADVICE):
            assert gated.search(sentence, tokens) == bool(gated.full.search(sentence)), sentence


def test_regex_helpers_split_and_trie() -> None:
    import re

    from citeproof.claims.regex import split_branches, trie

    assert split_branches(r"a|(?:b|c)|[|]|\|x") == ["a", "(?:b|c)", "[|]", "\\|x"]
    pattern = re.compile(r"(?<!\w)" + trie(["in", "is"], ["stud", "research"]))
    assert [m.group() for m in pattern.finditer("in is it inside studies research studs")] == ["in", "is", "stud", "research", "stud"]
