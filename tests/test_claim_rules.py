"""The text pieces of the claim check: cue rules, quotations, sentences and citation scope.

Run: ``/work/venv/bin/pytest tests/test_claim_rules.py -q``. Pure functions on strings;
what pandoc makes of Markdown is tested in ``tests/test_claims.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeproof.claims.cues import CAUSAL, CUES, EVIDENCE, GENERALISATION, GROUP_RULE, NUMBERS, cue_matches, lowered
from citeproof.claims.rules import QUOTATION, UNATTRIBUTED_QUOTATION, quotations
from citeproof.claims.sentences import clean, coverage, pieces, split_sentences

DATA = Path(__file__).parent / "data"


def _rules(text: str) -> set[str]:
    return {rule for rule, _, _ in cue_matches(text, lowered(text))}


def _sentences(text: str) -> list[str]:
    return [text[s:e].strip() for s, e in split_sentences(text)]


# --- quotations ------------------------------------------------------------------------


def test_quotation_unattributed_when_speaker_is_vague() -> None:
    (quote,) = quotations('As one leading researcher put it, "The shifts rewrite how the brain perceives reward."')
    assert quote.rule == UNATTRIBUTED_QUOTATION
    assert quote.words.startswith('"The shifts rewrite')


def test_quotation_attributed_when_a_person_is_named() -> None:
    (quote,) = quotations('Dr. Amira Hassan, a kidney specialist, says "most stones pass on their own."')
    assert quote.rule == QUOTATION


def test_quotation_needs_three_words_so_scare_quotes_do_not_count() -> None:
    assert quotations("It creates a \"trance-like\" state and a 'rush'.") == []


def test_quotation_apostrophes_are_not_quotes() -> None:
    assert quotations("The brain's reward centre and the patient's mood matter.") == []


# --- cue rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("About one in three adults has high blood pressure.", NUMBERS),
        ("Food allergies affect around 8 percent of children.", NUMBERS),
        ("Studies show that zinc shortens colds.", EVIDENCE),
        ("Smoking raises the risk of stroke.", CAUSAL),
        ("Most people recover within a week.", GENERALISATION),
    ],
)
def test_cue_rules(text: str, rule: str) -> None:
    assert rule in _rules(text)


def test_numbers_rule_ignores_digits_in_names() -> None:
    assert NUMBERS not in _rules("Omega-3 fats and type 2 diabetes are discussed with COVID-19 vaccines.")


def _corpus() -> list[str]:
    """Every labelled sentence and unit, the article, and cue phrases in odd case and company."""
    texts = []
    for name in ("claims/sentences.jsonl", "claims/units.jsonl", "claims/holdout.jsonl"):
        texts += [json.loads(line)["text"] for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts.append((DATA / "original-article.md").read_text(encoding="utf-8"))
    texts += [
        "Type 2 diabetes and omega-3 and COVID-19 affect 2,500 people; 40% of ADULTS say so.",
        "ALMOST ALWAYS, a Third of users Relapse: it's well-known that the sixties were for years.",
        "İstanbul studies showed 3 trials; the K-hole leads to harm. ſome text, Kelvin K.",
    ]
    return texts


def test_dispatched_cue_scan_finds_what_a_full_scan_finds() -> None:
    """The speed-up in ``cue_matches`` must not change a single match."""
    for text in _corpus():
        full = [(GROUP_RULE[m.lastgroup or ""], m.start(), m.end()) for m in CUES.finditer(text)]
        assert cue_matches(text, lowered(text)) == full, text


def test_regex_helpers_split_and_trie() -> None:
    import re

    from citeproof.claims.regex import split_branches, trie

    assert split_branches(r"a|(?:b|c)|[|]|\|x") == ["a", "(?:b|c)", "[|]", "\\|x"]
    pattern = re.compile(r"(?<!\w)" + trie(["in", "is"], ["stud", "research"]))
    assert [m.group() for m in pattern.finditer("in is it inside studies research studs")] == ["in", "is", "stud", "research", "stud"]


# --- sentences -------------------------------------------------------------------------


def test_split_sentences_keeps_abbreviations_decimals_and_closing_quotes() -> None:
    text = 'Dr. Lee saw 2.5% more cases in the U.S. last year, e.g. in Ohio. She said "it is rising." Then it fell!'
    assert _sentences(text) == [
        "Dr. Lee saw 2.5% more cases in the U.S. last year, e.g. in Ohio.",
        'She said "it is rising."',
        "Then it fell!",
    ]


def test_split_sentences_ends_at_a_question_before_a_capital() -> None:
    assert _sentences("Why does it matter? Measles spreads through the air.") == [
        "Why does it matter?",
        "Measles spreads through the air.",
    ]


def test_clean_removes_the_space_a_citation_left() -> None:
    assert clean("kidney disease  . Nearly") == "kidney disease. Nearly"


def test_pieces_place_citations_in_their_sentences() -> None:
    # "A [@a]. B. C [@b]." as the unit walk builds it: each Cite leaves " " in the text
    parts = ["A claim", " ", ". Second one. Third one", " ", "."]
    found = pieces(parts, [1, 3], [("a",), ("b",)])
    assert [(p.text, p.keys) for p in found] == [("A claim.", ("a",)), ("Second one.", ()), ("Third one.", ("b",))]


def test_a_citation_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    parts = ["First one.", " ", " Second one."]
    assert [p.keys for p in pieces(parts, [1], [("a",)])] == [("a",), ()]


def test_coverage_preceding_reaches_back_to_the_previous_citation_only() -> None:
    own: list[tuple[str, ...]] = [(), ("a",), (), (), ("b",), ()]
    assert coverage(own, "preceding") == [("a",), ("a",), ("b",), ("b",), ("b",), ()]
    assert coverage(own, "sentence") == own
