"""Reading level: grades per section, long sentences and plainer words, read from real pandoc parses."""

from __future__ import annotations

import json
from pathlib import Path

import pypandoc
import pytest

from citeproof.errors import ConfigError
from citeproof.readability.level import check_readability, grade, sentences, word_count
from citeproof.readability.settings import ReadabilitySettings

from .conftest import MakeProject

SAMPLE = Path(__file__).parent / "data" / "clinic" / "reading-level.md"


def _check(text: str, settings: ReadabilitySettings | None = None, *, lang: str = "en-US", strict: bool = False):  # type: ignore[no-untyped-def]
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    return check_readability(ast, text, "doc.md", settings or ReadabilitySettings(), lang=lang, strict=strict)


def test_readability_known_text_grades_each_section() -> None:
    findings, counts = _check(SAMPLE.read_text(encoding="utf-8"))
    by_section = {f.extra.get("section"): f for f in findings if f.rule in {"reading-level", "reading-grade"} and "section" in f.extra}
    plain, hard = by_section["Plain words"], by_section["Hard words"]
    # Short everyday sentences (marked .no-claim so the claim check leaves them alone): below grade 4 by both
    # formulas, reported as info on the heading's line.
    assert plain.rule == "reading-level" and plain.severity == "info"
    assert plain.extra["flesch_kincaid"] < 4 and plain.extra["smog"] < 6
    assert plain.location.line == 6
    # Two long sentences of long words: far above grade 8, a warning on the heading's line.
    assert hard.rule == "reading-grade" and hard.severity == "warning"
    assert hard.extra["flesch_kincaid"] > 16 and hard.extra["smog"] > 16
    assert hard.location.line == 14
    assert "reads above grade 8" in hard.message
    assert counts["sections_above_grade"] == 1


def test_readability_long_sentence_and_plain_words_are_named() -> None:
    findings, counts = _check(SAMPLE.read_text(encoding="utf-8"))
    long = [f for f in findings if f.rule == "long-sentence"]
    assert len(long) == 1 and long[0].extra["words"] == 32 and long[0].location.line == 17
    words = {f.extra["word"]: f.extra["plain"] for f in findings if f.rule == "plain-word"}
    assert words == {
        "hypertension": "high blood pressure",
        "physician": "doctor",
        "cardiovascular": "heart and blood vessel",
        "renal": "kidney",
    }
    assert counts == {"long_sentences": 1, "plain_words": 4, "sections_above_grade": 1}


def test_readability_sentence_length_is_configurable() -> None:
    findings, _ = _check(SAMPLE.read_text(encoding="utf-8"), ReadabilitySettings(long_sentence_words=12))
    assert sorted(f.extra["words"] for f in findings if f.rule == "long-sentence") == [14, 32]


def test_readability_grade_above_target_is_an_error_only_when_strict_and_configured() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    severities = {}
    for strict in (False, True):
        for configured in (False, True):
            findings, _ = _check(text, ReadabilitySettings(strict_grade=configured), strict=strict)
            severities[strict, configured] = {f.severity for f in findings if f.rule == "reading-grade"}
    assert severities == {(False, False): {"warning"}, (False, True): {"warning"}, (True, False): {"warning"}, (True, True): {"error"}}
    # A lower target judges the plain section too.
    assert len([f for f in _check(text, ReadabilitySettings(target_grade=2))[0] if f.rule == "reading-grade"]) == 2


def test_readability_spanish_document_says_the_formulas_are_english_only() -> None:
    text = "---\nlang: es-US\n---\n\nLa presión arterial alta, también llamada hipertensión, aumenta su riesgo.\n"
    findings, counts = _check(text, lang="es-US")
    assert [f.rule for f in findings] == ["reading-language"]
    assert "not English" in findings[0].message
    assert counts["sections_above_grade"] == 0


def test_readability_counts_words_and_sentences() -> None:
    assert sentences("Take it with food. Then rest, e.g. lie down! Is it working? yes.") == [
        "Take it with food.",
        "Then rest, e.g. lie down!",
        "Is it working? yes.",
    ]
    assert word_count("Blood-pressure cuffs don't lie: 120/80.") == 6
    measured = grade("The cat sat on the mat. The dog ran to the park.")
    assert measured.words == 12 and measured.sentences == 2 and measured.flesch_kincaid < 1


# Text that trips tokenisers: contractions in both apostrophes and in capitals, possessives,
# quotes, hyphens, numbers, accents, lone punctuation, sentences of one or two words, and
# a section ending on a colon (its sentence runs on into the next in textstat's count).
AWKWARD = [
    "",
    "Ok.",
    "DON'T stop. Don't stop. Don’t stop! The patients' charts aren't 'ready' yet; we'll see.",
    "Blood-pressure cuffs read 120/80 mm Hg -- e.g. at 9:30 a.m. ... Then re-check. Yes? No!",
    "Écoute: naïve coöperation, façade and “smart quotes” with ’single’ ones. Rock 'n' roll's 'tis.",
    "Your cardiovascular rehabilitation necessitates individualized pharmacological interventions:",
    "Hypertension is asymptomatic. Ask... why? 3 4 5. A. B. C. Immunization reduces hospitalization.",
]


def test_readability_grades_equal_textstats_own() -> None:
    # The grades are computed from cached counts, not by textstat: they must be textstat's to the bit.
    from textstat.textstat import textstatistics  # type: ignore[import-untyped]

    from citeproof.readability.level import _grade, _tally

    stats = textstatistics()
    stats.set_lang("en-US")
    stats.set_rounding_points(None)
    texts = [*AWKWARD, SAMPLE.read_text(encoding="utf-8")]
    for text in [*texts, " ".join(texts)]:
        measured = grade(text)
        assert (measured.flesch_kincaid, measured.smog) == (stats.flesch_kincaid_grade(text), stats.smog_index(text)), text
    total = _tally(texts[0])
    for text in texts[1:]:
        total += _tally(text)
    joined = " ".join(texts)
    assert _grade(joined, total) == grade(joined)  # a whole document's tally is the sum of its sections'


def test_readability_settings_reject_bad_values() -> None:
    with pytest.raises(ConfigError) as caught:
        ReadabilitySettings.from_mapping({"target-grade": 40, "long-sentence-words": "25", "targetgrade": 6})
    problems = "\n".join(caught.value.problems)
    assert "target-grade': expected a US school grade from 1 to 20, got 40" in problems
    assert "long-sentence-words': expected a whole number" in problems
    assert "did you mean 'target-grade'?" in problems
    assert ReadabilitySettings.from_mapping({"target-grade": 6, "long-sentence-words": 20}).target_grade == 6.0


def test_check_reports_reading_level_and_english_only_claim_rules(make_project: MakeProject) -> None:
    spanish = "---\ntitle: Presión arterial\nlang: es-US\n---\n\nLa mayoría de los adultos necesitan dormir siete horas [@smith2024].\n"
    project = make_project(
        {"article": SAMPLE.read_text(encoding="utf-8"), "presion": spanish},
        config="[tool.citeproof.readability]\ntarget-grade = 6\nstrict-grade = true\n",
    )
    result = project.run("check", "--format", "json")
    report = json.loads(result.out)
    rules = {(f["location"]["path"], f["rule"]) for f in report["findings"]}
    assert ("manuscript/article.md", "reading-grade") in rules
    assert ("manuscript/article.md", "long-sentence") in rules
    assert ("manuscript/presion.md", "claims-language") in rules
    assert ("manuscript/presion.md", "claims-language") in rules
    assert report["summary"]["long_sentences"] == 1 and report["summary"]["plain_words"] == 4
    assert result.code == 0  # above the target is a warning without --strict
    strict = project.run("check", "--strict")
    assert strict.code == 1 and "error: section 'Hard words' reads above grade 6" in strict.out
