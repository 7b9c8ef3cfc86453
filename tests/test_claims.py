"""``citeproof.claims.check``: units, citations, author marks and source lines, on real pandoc ASTs.

Run: ``PYTHONPATH=src python -m pytest tests/test_claims.py -q``. Every document here is
parsed by the pandoc binary that pypandoc ships (``pandoc -f markdown -t json``), as
the build does before citeproc; nothing under test is mocked.

``tests/data/original-article.md`` is ``/work/shared/source/ketamine-article.txt``
turned into Markdown: headings as ``##``, list items as ``-``, each ``(Source: URL)``
replaced by ``[@kN]`` (one key per URL), the reference list wrapped in ``::: {#refs}``;
all other text exactly as the original has it.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from textwrap import dedent
from typing import Any

import panflute as pf
import pypandoc
import pytest

from citeproof.claims.check import ClaimSettings, ClaimSummary, check_document
from citeproof.errors import ConfigError
from citeproof.findings import Finding

DATA = Path(__file__).parent / "data"
ARTICLE = DATA / "original-article.md"


def parse(markdown: str) -> pf.Doc:
    """The AST the build sees: real pandoc, Markdown to JSON, read by panflute."""
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "json"],
        input=markdown.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return pf.load(io.StringIO(result.stdout.decode("utf-8")))


def check(markdown: str, **settings: Any) -> tuple[list[Finding], ClaimSummary]:
    markdown = dedent(markdown).lstrip("\n")
    return check_document(parse(markdown), markdown, "doc.md", ClaimSettings(**settings))


def lines(findings: list[Finding], severity: str = "error") -> list[int | None]:
    return [f.location.line for f in findings if f.severity == severity]


# --- the original article ----------------------------------------------------------

# Every unit of the article that makes a claim and has no (Source: ...), by line in
# the fixture; labelled by reading the text, the same labels as tests/data/claims.
ARTICLE_UNCITED = {
    1: "Ketamine is a powerful dissociative drug",
    5: "The neurobiological shifts",
    15: "serious public health issue",
    17: "Surgery: Medical teams",
    18: "Pain Relief",
    20: "Veterinary Care",
    26: "The impact of this anesthetic",
    32: "Detachment",
    33: "Euphoria",
    34: "Skill Loss",
    35: "Body Response",
    36: "one to two hours",
    40: "Persistent misuse often leads to",
    43: "Brain Function",
    44: "Mental Health: Misuse can trigger",
    49: "Understanding why ketamine is addictive",
    57: "Many turn to",
    61: "often drive",
    65: "very dangerous",
    71: "Tolerance",
    72: "Withdrawal",
    73: "Priorities",
    74: "Obsession",
    78: "Overcoming addiction",
    82: "withdrawal can cause",
}


@pytest.fixture(scope="module")
def article() -> tuple[list[Finding], ClaimSummary]:
    text = ARTICLE.read_text(encoding="utf-8")
    return check_document(parse(text), text, "original-article.md", ClaimSettings())


def test_article_every_unsourced_claim_is_found_on_its_line(article: tuple[list[Finding], ClaimSummary]) -> None:
    findings, _ = article
    errors = {f.location.line: f for f in findings if f.severity == "error"}
    assert sorted(errors) == sorted(ARTICLE_UNCITED)
    source = ARTICLE.read_text(encoding="utf-8").splitlines()
    for line, words in ARTICLE_UNCITED.items():
        assert words in source[line - 1], f"fixture line {line} moved"
        assert errors[line].location.path == "original-article.md"
        assert errors[line].message.startswith("uncited claim [")


def test_article_unattributed_quotation_and_recent_data(article: tuple[list[Finding], ClaimSummary]) -> None:
    findings, _ = article
    at_five = {f.rule: f for f in findings if f.location.line == 5}
    quote = at_five["unattributed-quotation"]
    assert '"The neurobiological shifts' in quote.message  # typographic quotes arrive straight
    assert quote.extra["sentence"].startswith("As one leading researcher put it")
    recent = [f for f in findings if f.extra.get("sentence") == "Recent data shows recreational use is growing."]
    assert [(f.severity, f.rule, f.location.line) for f in recent] == [("error", "evidence-language", 5)]


def test_article_summary_counts_sentences_and_units_and_skips_refs(article: tuple[list[Finding], ClaimSummary]) -> None:
    findings, summary = article
    # 36 units: every paragraph and list item above "## References"
    assert summary.units == 36
    assert summary.sentences > summary.units
    assert summary.claims == summary.cited + summary.uncited + summary.waived + summary.open_gaps
    assert summary.uncited == sum(f.severity == "error" for f in findings)
    assert list(summary.as_dict()) == ["units", "sentences", "claims", "cited", "uncited", "waived", "open_gaps"]


# --- units -------------------------------------------------------------------------


def test_headings_and_reference_list_are_not_units() -> None:
    findings, summary = check(
        """
        ## Research shows ketamine causes harm in 50% of users

        ::: {#refs}
        Smith, J. (2020). Studies show 90% of people agree.
        :::

        ::: references
        Jones, K. (2021). Data shows it leads to harm.
        :::
        """
    )
    assert findings == []
    assert summary.units == 0


def test_block_quote_always_needs_a_source() -> None:
    findings, summary = check(
        """
        A patient wrote:

        > I felt calm for the first time.
        """
    )
    assert [(f.rule, f.location.line) for f in findings] == [("quotation", 3)]
    assert summary.units == 2


def test_table_cells_are_units() -> None:
    findings, _ = check(
        """
        | Effect | Onset |
        |--------|-------|
        | Nausea | Nausea affects 1 in 4 people in the first hour |
        """
    )
    assert [(f.rule, f.extra["unit"], f.location.line) for f in findings] == [("numbers", "table-cell", 3)]


def test_footnote_is_a_unit_and_its_citation_sources_the_sentence() -> None:
    findings, summary = check(
        """
        Ketamine blocks NMDA receptors.[^1]

        What does this mean for you?

        [^1]: As shown in trials [@smith2020], and studies show 40% relapse.
        """
    )
    assert findings == []
    assert summary.cited == 2


def test_uncited_footnote_is_found_on_its_own_line() -> None:
    findings, _ = check(
        """
        Ketamine blocks NMDA receptors [@smith2020].[^n]

        What does this mean for you?

        [^n]: Most users relapse within a year.
        """
    )
    assert [(f.extra["unit"], f.location.line) for f in findings] == [("footnote", 5)]


def test_citation_of_only_star_does_not_source_a_claim() -> None:
    findings, summary = check("Studies show ketamine is addictive [@*].\n\nStudies show it too [@a; @*].\n")
    assert lines(findings) == [1]
    assert summary.cited == 1


def test_each_list_item_stands_alone_by_default() -> None:
    findings, _ = check(
        """
        Chronic use harms the body [@smith2020]:

        - Bladder damage is common in heavy users.
        - Memory problems often last for months.
        """
    )
    assert lines(findings) == [3, 4]


def test_cited_lead_in_covers_items_when_settings_say_so() -> None:
    markdown = """
        Chronic use harms the body [@smith2020]:

        - Bladder damage is common in heavy users.
        - Memory problems often last for months.

        Heavy use harms the body, with no colon [@smith2020]

        - Memory problems often last for months.
        """
    findings, summary = check(markdown, lead_in_covers_items=True)
    assert lines(findings) == [8]
    assert summary.cited == 4


# --- author marks ------------------------------------------------------------------


def test_no_claim_span_waives_and_is_listed_as_info() -> None:
    findings, summary = check("[Most people feel better within two days.]{.no-claim}\n")
    assert [(f.severity, f.rule, f.location.line) for f in findings] == [("info", "no-claim", 1)]
    assert "waived claim [numbers]" in findings[0].message
    assert (summary.claims, summary.waived, summary.uncited) == (1, 1, 0)


def test_no_claim_span_does_not_hide_a_claim_outside_it() -> None:
    findings, _ = check("[In our clinic,]{.no-claim} most people relapse within two days.\n")
    assert [f.severity for f in findings] == ["error"]


def test_no_claim_div_waives_every_unit_inside() -> None:
    findings, summary = check(
        """
        ::: no-claim
        Most people feel better within two days.

        - Studies show it helps.
        :::
        """
    )
    assert [(f.severity, f.location.line) for f in findings] == [("info", 2), ("info", 4)]
    assert summary.waived == 2


def test_no_claim_cannot_waive_an_unattributed_quotation() -> None:
    findings, _ = check('::: no-claim\nAs one doctor said, "this drug ruins lives."\n:::\n')
    assert [(f.severity, f.rule) for f in findings] == [("error", "unattributed-quotation")]


def test_needs_source_is_an_open_gap_with_its_reason() -> None:
    markdown = 'Recent data shows [use is growing]{.needs-source reason="waiting for the 2025 survey"}.\n'
    findings, summary = check(markdown)
    (gap,) = findings
    assert (gap.severity, gap.rule, gap.location.line) == ("warning", "needs-source", 1)
    assert "waiting for the 2025 survey" in gap.message
    assert '[evidence-language] "Recent data shows use is growing."' in gap.message
    assert gap.extra["reason"] == "waiting for the 2025 survey"
    assert (summary.open_gaps, summary.uncited) == (1, 0)
    strict, _ = check(markdown, strict=True)
    assert [f.severity for f in strict] == ["error"]


def test_needs_source_div_marks_units_and_names_the_unattributed_quote() -> None:
    text = """
        ::: {.needs-source reason="ask the author"}
        The drug is common at festivals.

        One expert put it like this: "the drug rewires the brain."
        :::
        """
    findings, summary = check(text)
    assert [(f.severity, f.rule) for f in findings] == [("warning", "needs-source"), ("warning", "needs-source")]
    assert "[unattributed-quotation]" in findings[1].message
    assert summary.open_gaps == 2
    strict, _ = check(text, strict=True)
    assert [f.severity for f in strict] == ["error", "error"]


def test_unattributed_quote_in_a_cited_paragraph_is_still_an_error() -> None:
    findings, _ = check(
        """
        Use is growing [@a]. As one researcher put it, "the drug rewires how the brain sees reward."
        """
    )
    assert [(f.severity, f.rule) for f in findings] == [("error", "unattributed-quotation")]
    cited, _ = check(
        """
        Use is growing. As one researcher put it, "the drug rewires how the brain sees reward" [@a].
        """
    )
    assert cited == []


def test_summary_buckets_add_up() -> None:
    _, summary = check(
        """
        Studies show it works [@a].

        Studies show it fails.

        [Studies show it helps.]{.no-claim}

        [Studies show it harms.]{.needs-source}

        What is ketamine?
        """
    )
    assert summary == ClaimSummary(units=5, sentences=5, claims=4, cited=1, uncited=1, waived=1, open_gaps=1)


# --- line numbers ------------------------------------------------------------------


def test_lines_with_yaml_front_matter_that_repeats_the_first_paragraph() -> None:
    findings, _ = check(
        """
        ---
        title: Studies show ketamine is addictive
        abstract: Studies show ketamine is addictive
        ---

        Studies show ketamine is addictive.
        """
    )
    assert lines(findings) == [6]


def test_lines_with_bold_lead_ins_spans_and_links() -> None:
    findings, _ = check(
        """
        **Bladder damage:** chronic use is linked to pain.

        [Recent data](https://example.org/a/very/long/path?q=1) shows
        use is growing, [as clinics report]{.emph} often.

        A [link at the very start](https://example.org) of text that causes harm.

        *Emphasis*: studies show **bold** claims.
        """
    )
    assert lines(findings) == [1, 3, 6, 8]


def test_lines_with_nested_and_ordered_lists() -> None:
    findings, _ = check(
        """
        Intro that asserts nothing:

        1. First step

           - Studies show nested items count.

        2. Another item that often causes harm.

        Text after [@a] with causes.
        """
    )
    assert lines(findings) == [5, 7]


def test_lines_with_repeated_identical_units() -> None:
    findings, _ = check("Most users relapse.\n\nMost users relapse.\n\n\nMost users relapse.\n")
    assert lines(findings) == [1, 3, 6]


# --- settings ----------------------------------------------------------------------


def test_settings_from_mapping_accepts_known_keys() -> None:
    settings = ClaimSettings.from_mapping({"lead_in_covers_items": True, "strict": False})
    assert settings == ClaimSettings(lead_in_covers_items=True, strict=False)
    assert ClaimSettings.from_mapping({}) == ClaimSettings()


def test_settings_from_mapping_lists_every_problem_with_did_you_mean() -> None:
    with pytest.raises(ConfigError) as caught:
        ClaimSettings.from_mapping({"lead-in-cover-items": True, "strict": "yes", "colour": 1}, where="claims")
    problems = caught.value.problems
    assert len(problems) == 3
    assert "'claims.lead-in-cover-items': unknown key; did you mean 'lead-in-covers-items'?" in problems
    assert "'claims.strict': expected true or false, got 'yes'" in problems
    assert any("claims.colour" in p and "known keys" in p for p in problems)


def test_settings_keys_are_written_with_hyphens() -> None:
    assert ClaimSettings.from_mapping({"lead-in-covers-items": True}).lead_in_covers_items


def test_settings_from_mapping_rejects_a_non_table() -> None:
    with pytest.raises(ConfigError, match="expected a table"):
        ClaimSettings.from_mapping(["strict"])  # type: ignore[arg-type]


def test_each_sentence_is_found_on_its_own_line_even_when_repeated() -> None:
    findings, summary = check("Most users relapse.\nMost users relapse. Read on [@a].\nMost users relapse.\n")
    assert lines(findings) == [3]  # the first two sit before the citation, the third after it
    assert summary.sentences == 4
    findings, _ = check("Most users relapse.\nMost users relapse.\n", citation_scope="sentence")
    assert lines(findings) == [1, 2]


def test_citation_scope_sentence_reports_the_sentences_before_a_citation() -> None:
    markdown = "Smoking causes cancer. Vaping harms the lungs [@a].\n"
    assert lines(check(markdown)[0]) == []
    (finding,) = check(markdown, citation_scope="sentence")[0]
    assert finding.extra["sentence"] == "Smoking causes cancer."


def test_settings_citation_scope_is_checked() -> None:
    assert ClaimSettings.from_mapping({"citation-scope": "sentence"}).citation_scope == "sentence"
    with pytest.raises(ConfigError) as caught:
        ClaimSettings.from_mapping({"citation-scope": "paragraph"}, where="claims")
    assert caught.value.problems == ["'claims.citation-scope': expected 'sentence' or 'preceding', got 'paragraph'"]


def test_each_open_gap_names_only_the_reason_of_its_own_mark() -> None:
    findings, summary = check(
        '[Smoking causes cancer.]{.needs-source reason="find the review"} [Most smokers start young.]{.needs-source reason="ask the CDC"}\n'
    )
    assert [f.extra["reason"] for f in findings] == ["find the review", "ask the CDC"]
    assert summary.open_gaps == 2


def test_needs_source_div_counts_its_claims_not_its_lead_ins() -> None:
    findings, summary = check(
        """
        ::: {.needs-source reason="ask the author"}
        Misuse often leads to bladder damage. Common effects include:
        :::
        """
    )
    assert [(f.rule, f.extra["sentence"]) for f in findings] == [("needs-source", "Misuse often leads to bladder damage.")]
    assert (summary.sentences, summary.open_gaps) == (2, 1)


def test_a_waived_sentence_is_placed_on_its_own_line() -> None:
    findings, _ = check("Smoking causes cancer [@a].\n[Most smokers want to quit.]{.no-claim}\n")
    assert [(f.rule, f.location.line) for f in findings] == [("no-claim", 2)]
