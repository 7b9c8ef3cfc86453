"""List items and table cells without a full stop: a statement there is a claim, a label is not.

Run: ``/work/venv/bin/pytest tests/test_claims_lists.py -q``. Each test writes a small
project and runs ``citeproof check --format json`` in-process, so every item goes
through real pandoc and the unit walk, as in an author's document.

The labelled items below were written for this file, in handout style, on topics the
claim data's test split does not hold (kidneys, hearing, eyes, allergies). The claims
are statements a handout would have to source; the others are the bullets a handout
uses for everything else: things to bring, instructions, questions, labels.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import MakeProject

BIB = "@online{nidcd2024, title = {Hearing Loss}, date = {2024}, url = {https://example.org/hearing}}\n"
FRONT = "---\ntitle: T\nlang: en-US\ndate: 2024-05-01\n---\n\n"

# as list items ("- ..."), none ending with a full stop: each must be an uncited claim
CLAIM_ITEMS = (
    "Diabetes is the leading cause of kidney failure",
    "High blood pressure damages the small blood vessels in the kidneys",
    "Regular use of ibuprofen can harm the kidneys",
    "Loud noise damages the hair cells of the inner ear",
    "About 1 in 3 adults aged 65 to 74 has hearing loss",
    "Untreated hearing loss is linked to a higher risk of dementia",
    "Smoking raises the risk of cataracts",
    "Dust mites cause allergy symptoms all year round",
    "Hearing aids help many people with hearing loss",
    "About 1 in 10 people will have a kidney stone at some point",
    "Glaucoma often has no early symptoms",
)
# as table cells, beside a label cell: each must be an uncited claim
CLAIM_CELLS = (
    ("Pink eye", "Viral pink eye spreads easily from person to person"),
    ("Cataracts", "Cataracts are the leading cause of blindness worldwide"),
)
# as list items, none ending with a full stop: none may be a claim
OTHER_ITEMS = (
    # things, named
    "Low-salt snacks and fresh fruit",
    "Hearing aids and spare batteries",
    "Your kidney test results",
    "Eye drops for itchy eyes",
    "Sunglasses that block UV light",
    "Foods that are high in potassium",
    "Allergy-friendly snacks you can pack for school",
    "Questions to ask at your eye exam",
    # instructions
    "Take your allergy medicine before you go outside",
    "Wear earplugs at loud concerts",
    "Do not rub itchy eyes",
    "Book an eye exam every two years",
    # questions, with and without their mark
    "Is it an allergy or a cold",
    "How often should I have my hearing checked",
    "What is a kidney stone?",
    # labels
    "Phone: 555-0100",
    "Clinic hours: 8 am to 5 pm",
    "Allergy clinic: Room 12, second floor",
)
# header and label cells of the table: none may be a claim
OTHER_CELLS = ("Condition", "What to know", "Pink eye", "Cataracts")


def _document() -> str:
    rows = "\n".join(f"| {label} | {claim} |" for label, claim in CLAIM_CELLS)
    return (
        FRONT
        + "What to bring and what to know:\n\n"
        + "".join(f"- {item}\n" for item in (*CLAIM_ITEMS, *OTHER_ITEMS))
        + f"\n| {OTHER_CELLS[0]} | {OTHER_CELLS[1]} |\n|---|---|\n{rows}\n"
    )


def _verdicts(make_project: MakeProject, text: str) -> dict[str, dict[str, Any]]:
    """Each sentence of the document, as written, with its unit and verdict (from ``check --format json``)."""
    result = make_project({"article": text}, bib=BIB).run("check", "--format", "json")
    report = json.loads(result.out)
    return {s["sentence"]: {**s, "unit": unit["unit"]} for unit in report["units"] for s in unit["sentences"]}


def test_claims_list_item_and_table_cell_without_full_stop_are_uncited_claims(make_project: MakeProject) -> None:
    verdicts = _verdicts(make_project, _document())
    expected = [(item, "list-item") for item in CLAIM_ITEMS] + [(claim, "table-cell") for _, claim in CLAIM_CELLS]
    found = [(text, verdicts[text]["unit"], verdicts[text]["status"], verdicts[text]["score"]) for text, _ in expected]
    missed = [row for row in found if row[2] != "uncited"]
    assert missed == []
    assert [(text, unit) for text, unit, _, _ in found] == expected


def test_claims_label_instruction_and_question_items_stay_not_claims(make_project: MakeProject) -> None:
    verdicts = _verdicts(make_project, _document())
    assert all(verdicts[label]["unit"] == "table-cell" for label in OTHER_CELLS)
    flagged = [(text, verdicts[text]["score"]) for text in (*OTHER_ITEMS, *OTHER_CELLS) if verdicts[text]["status"] != "not-a-claim"]
    assert flagged == []


def test_claims_finding_quotes_the_item_as_written_on_its_line(make_project: MakeProject) -> None:
    text = FRONT + "- About 1 in 3 adults aged 65 to 74 has hearing loss\n- Wear earplugs at loud concerts\n"
    result = make_project({"article": text}, bib=BIB).run("check")
    errors = [line for line in result.out.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith(
        'manuscript/article.md:7: error: uncited claim [numbers] "About 1 in 3 adults aged 65 to 74 has hearing loss" (score'
    )


def test_claims_list_item_without_full_stop_is_covered_by_its_citation(make_project: MakeProject) -> None:
    text = FRONT + "- About 1 in 3 adults aged 65 to 74 has hearing loss [@nidcd2024]\n"
    verdict = _verdicts(make_project, text)["About 1 in 3 adults aged 65 to 74 has hearing loss"]
    assert (verdict["status"], verdict["cited_by"]) == ("cited", ["nidcd2024"])


def test_claims_items_that_run_on_with_a_semicolon_are_read_as_sentences(make_project: MakeProject) -> None:
    items = ("hearing aids help many people with hearing loss;", "wear earplugs at loud concerts;", "ask about a hearing test.")
    text = FRONT + "Keep in mind:\n\n" + "".join(f"- {item}\n" for item in items)
    verdicts = _verdicts(make_project, text)
    assert verdicts["hearing aids help many people with hearing loss;"]["status"] == "uncited"
    assert verdicts["wear earplugs at loud concerts;"]["status"] == "not-a-claim"


def test_claims_paragraph_without_full_stop_is_still_read_as_a_fragment(make_project: MakeProject) -> None:
    # a paragraph with no full stop is a pseudo-heading ("**Hearing aids help**"); only lists and tables drop the stop
    text = FRONT + "**Hearing aids help many people with hearing loss**\n\nAsk us about a hearing test.\n"
    verdict = _verdicts(make_project, text)["Hearing aids help many people with hearing loss"]
    assert (verdict["unit"], verdict["status"]) == ("paragraph", "not-a-claim")
