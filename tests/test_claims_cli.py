"""``citeproof check`` and the claim check, end to end through real pandoc: sentences, scope, JSON, --explain.

Run: ``/work/venv/bin/pytest tests/test_claims_cli.py -q``. Each test writes a small
project (the packaged filters, a .bib) and calls ``main([...])`` in-process.
"""

from __future__ import annotations

import json

from tests.conftest import MakeProject

BIB = "\n".join(
    f"@online{{{key}, title = {{Source}}, date = {{2024}}, url = {{https://example.org/{key}}}}}" for key in ("okafor2024", "lee2023")
)
FRONT = "---\ntitle: T\nlang: en-US\ndate: 2024-05-01\n---\n\n"
BYPASS = (
    "High blood pressure can harm the kidneys and lead to chronic\n"
    "kidney disease [@okafor2024]. Nearly half of adults in the United States\n"
    "have high blood pressure.\n"
)


def _errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": error: " in line]


def test_sentence_after_the_last_citation_is_reported_at_its_own_line(make_project: MakeProject) -> None:
    project = make_project({"article": FRONT + BYPASS}, bib=BIB)
    result = project.run("check")
    assert result.code == 1
    (error,) = _errors(result.out)
    # the paragraph starts on line 7; the uncited sentence starts on line 8
    assert error.startswith("manuscript/article.md:8: error: uncited claim [numbers]")
    assert '"Nearly half of adults in the United States have high blood pressure."' in error
    assert "(score 0." in error


def test_citation_scope_sentence_covers_only_its_own_sentence(make_project: MakeProject) -> None:
    text = FRONT + "Measles spreads through the air. It can cause brain swelling [@okafor2024].\n"
    preceding = make_project({"article": text}, bib=BIB)
    assert _errors(preceding.run("check").out) == []
    config = preceding.root.joinpath("pyproject.toml").read_text()
    preceding.write("pyproject.toml", config + '\n[tool.citeproof.claims]\ncitation-scope = "sentence"\n')
    errors = _errors(preceding.run("check").out)
    assert len(errors) == 1 and '"Measles spreads through the air."' in errors[0]


def test_citation_scope_must_be_one_of_two_words(make_project: MakeProject) -> None:
    project = make_project({"article": FRONT + "Hello.\n"}, bib=BIB, config='[tool.citeproof.claims]\ncitation-scope = "paragraph"\n')
    result = project.run("check")
    assert result.code == 2
    assert "citation-scope" in result.err and "'sentence' or 'preceding'" in result.err


def test_frames_and_dosing_labels(make_project: MakeProject) -> None:
    text = FRONT + (
        "Did you know that smoking causes 9 out of 10 lung cancers?\n\n"
        "Keep in mind that most heart attacks start slowly.\n\n"
        "As this guide explains, 1 in 3 adults has high blood pressure.\n\n"
        "Thank you for reading; smoking causes about 1 in 5 deaths.\n\n"
        "Inhale 2 puffs every 4 to 6 hours.\n\n"
        "Swallow the tablet whole.\n\n"
        "Pick a quit date within the next two weeks.\n\n"
        "Measles spreads through the air.\n"
    )
    result = make_project({"article": text}, bib=BIB).run("check")
    flagged = [int(line.split(":")[1]) for line in _errors(result.out)]
    assert flagged == [7, 9, 11, 13, 21]  # the four frames and the short claim; no instruction


def test_typographic_apostrophes_are_read_as_straight_ones(make_project: MakeProject) -> None:
    text = FRONT + "Don’t skip your dose.\n\nIt’s the kidneys’ job to filter blood.\n"
    result = make_project({"article": text}, bib=BIB).run("check", "--format", "json")
    sentences = [s["sentence"] for unit in json.loads(result.out)["units"] for s in unit["sentences"]]
    assert sentences == ["Don't skip your dose.", "It's the kidneys' job to filter blood."]


def test_waived_span_in_a_cited_paragraph_is_waived_not_cited(make_project: MakeProject) -> None:
    text = FRONT + "Smoking causes cancer [@okafor2024]. [Most smokers want to quit.]{.no-claim}\n"
    result = make_project({"article": text}, bib=BIB).run("check", "--format", "json")
    data = json.loads(result.out)
    assert (data["summary"]["cited"], data["summary"]["waived"]) == (1, 1)
    (unit,) = data["units"]
    waived = [s for s in unit["sentences"] if s["waived"]]
    assert [(s["status"], s["cited_by"]) for s in waived] == [("waived", [])]


def test_json_gives_a_verdict_for_every_unit_and_sentence(make_project: MakeProject) -> None:
    text = FRONT + BYPASS + "\nWhat should I ask my doctor?\n\n- Take 1 tablet twice a day.\n"
    result = make_project({"article": text}, bib=BIB).run("check", "--format", "json")
    data = json.loads(result.out)
    assert data["summary"]["units"] == 3 and data["summary"]["sentences"] == 4
    assert [u["line"] for u in data["units"]] == [7, 11, 13]
    first, second = data["units"][0]["sentences"]
    assert (first["status"], first["cited_by"], first["claim"]) == ("cited", ["okafor2024"], True)
    assert (second["status"], second["cited_by"], second["line"]) == ("uncited", [], 8)
    assert second["deciding"] and 0.5 < second["score"] <= 1
    statuses = [s["status"] for u in data["units"][1:] for s in u["sentences"]]
    assert statuses == ["not-a-claim", "not-a-claim"]
    for unit in data["units"]:
        for sentence in unit["sentences"]:
            assert set(sentence) >= {"sentence", "line", "claim", "score", "deciding", "cited_by", "waived", "gap", "status"}


def test_explain_prints_every_sentence_with_its_verdict(make_project: MakeProject) -> None:
    text = FRONT + BYPASS + "\nSwallow the tablet whole.\n"
    result = make_project({"article": text}, bib=BIB).run("check", "--explain")
    assert "manuscript/article.md:7: paragraph" in result.out
    assert "cited by @okafor2024" in result.out
    assert "not-a-claim" in result.out and "-form:imperative" in result.out
    assert "claim check: documents 1, units 2, sentences 3," in result.out
