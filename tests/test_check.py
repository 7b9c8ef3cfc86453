"""``citeproof check`` end to end: the article, the original text, reports, bibliography facts."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.conftest import DATA, MINI_DOC, MakeProject

ORIGINAL_BIB = "\n".join(
    f"@online{{k{i}, title = {{Source {i}}}, date = {{2025}}, url = {{https://example.org/{i}}}}}" for i in range(1, 7)
)


def test_check_article_open_gaps_are_warnings(make_project: MakeProject) -> None:
    project = make_project(copy_article=True)
    result = project.run("check")
    assert result.code == 0, result.out + result.err
    # counted per sentence: 34 marked claim sentences, none uncited
    assert "open gaps 34" in result.out and "uncited 0" in result.out
    assert "unattributed-quotation" in result.out  # the anonymous quotation stays visible
    assert "error:" not in result.out


def test_check_article_strict_fails_on_open_gaps(make_project: MakeProject) -> None:
    project = make_project(copy_article=True)
    result = project.run("check", "--strict")
    assert result.code == 1
    assert result.out.count(": error: open gap") == 34


def test_check_original_article_lists_every_unsourced_claim(make_project: MakeProject) -> None:
    project = make_project({}, bib=ORIGINAL_BIB)
    shutil.copy(DATA / "original-article.md", project.root / "manuscript" / "original.md")
    result = project.run("check")
    assert result.code == 1
    errors = [line for line in result.out.splitlines() if ": error: " in line and "[front-matter]" not in line]
    assert "[front-matter]" in result.out  # the text as given has no front matter, so no title: said once, apart
    assert len(errors) == 37  # one per uncited sentence, in 25 units
    assert len({line.split(": error: ")[0] for line in errors}) == 25
    assert all(line.startswith("manuscript/original.md:") for line in errors)
    quotation = next(line for line in errors if "[unattributed-quotation]" in line)
    assert quotation.startswith("manuscript/original.md:5:")
    recent = next(line for line in errors if "Recent data shows" in line)
    assert recent.startswith("manuscript/original.md:5: error: uncited claim [evidence-language]")


def test_check_json_report(make_project: MakeProject) -> None:
    project = make_project({"article": MINI_DOC + "\nMost people recover within 2 weeks.\n"})
    result = project.run("check", "--format", "json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["summary"]["uncited"] == 1
    (finding,) = [f for f in data["findings"] if f["severity"] == "error"]
    assert finding["location"] == {"path": "manuscript/article.md", "line": 16}
    assert finding["rule"] in {"numbers", "generalisation"}


def test_check_github_annotations(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    project = make_project({"article": MINI_DOC + "\nMost people recover within 2 weeks.\n"})
    result = project.run("check")
    assert result.code == 1
    assert "::error file=manuscript/article.md,line=16,title=" in result.out


def test_check_bibliography_facts(make_project: MakeProject) -> None:
    bib = (
        "@online{used, title = {Used}, date = {2024}, url = {https://example.org/u}}\n"
        "@online{unused, title = {Unused}, date = {2024}, url = {https://example.org/x}}\n"
        "@online{nourl, title = {No address}, date = {2024}}\n"
        "@online{used, title = {Twice}, date = {2024}}\n"
    )
    project = make_project({"article": "Studies show it helps [@used; @nourl].\n\nData shows it helps [@missing].\n"}, bib=bib)
    result = project.run("check")
    assert result.code == 1
    out = result.out
    assert "bibliography.bib:4 [used]: error: duplicate key 'used'" in out
    assert "manuscript/article.md:3:22: error: cited key '@missing' is not in bibliography.bib" in out
    assert "bibliography.bib:2 [unused]: warning: entry 'unused' is never cited" in out
    assert "bibliography.bib:3 [nourl]: warning: online entry 'nourl' has no url or doi" in out


def test_check_citation_lost_in_a_product_is_reported(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace("[@lee2023]", "[[@lee2023]]{.not-brochure}")
    config = '[tool.citeproof.products]\nhtml = { format = "html" }\nbrochure = { format = "pdf", layout = "brochure" }\n'
    project = make_project({"article": doc}, config=config)
    result = project.run("check")
    assert result.code == 1
    assert "manuscript/article.md:9: error: in the brochure product: uncited claim" in result.out


def test_check_reads_products_through_a_content_filter_with_no_json_door(make_project: MakeProject) -> None:
    # A project's own content filter, panflute only: the check still reads each product through it.
    products = '[tool.citeproof.products]\nhtml = { format = "html" }\nhandout = { format = "pdf", layout = "handout" }\n'
    project = make_project(config=products)
    (project.root / "filters").mkdir()
    (project.root / "filters" / "uncite.py").write_text(
        "import panflute as pf\n\nCITEPROOF_CONTENT_FILTER = True\n\n\n"
        "def action(elem, doc):\n"
        "    if isinstance(elem, pf.Cite) and doc.get_metadata('citeproof-product') == 'html':\n"
        "        return []\n\n\n"
        "def main(doc=None):\n    return pf.run_filter(action, doc=doc)\n",
        encoding="utf-8",
    )
    config = project.root / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("filters = [", 'filters = ["filters/uncite.py", ', 1), encoding="utf-8")
    result = project.run("check")
    assert "manuscript/article.md:7: error: in the html product: uncited claim" in result.out
    assert "in the handout product" not in result.out


def test_check_of_one_document_does_not_call_entries_the_others_cite_unused(make_project: MakeProject) -> None:
    """Checking one article of several that share a .bib must not advise deleting what the others cite."""
    project = make_project(
        {
            "sleep": "---\ntitle: Sleep\n---\n\nMost adults need seven hours of sleep [@smith2024].\n",
            "other": "---\ntitle: Other\n---\n\nA second claim is cited here [@lee2023].\n",
        }
    )
    one = project.run("check", "sleep", "--format", "text")
    assert "'lee2023' is never cited" not in one.out, one.out
    both = project.run("check", "--format", "text")
    assert "is never cited" not in both.out, both.out
    project.write("manuscript/other.md", "---\ntitle: Other\n---\n\nNo citation at all here.\n")
    again = project.run("check", "--format", "text")
    assert "[lee2023]: warning: entry 'lee2023' is never cited" in again.out  # every sharer checked: the fact stands


def test_check_a_cited_entry_that_did_not_parse_is_not_called_missing(make_project: MakeProject) -> None:
    """Advising 'add an entry' for a key that is written (but broken) would make the writer duplicate it."""
    bib = "@misc{smith2024,\n  title = {Sleep},\n  year = {2024}\n}\n\n@misc{lee2023,\n  title = {No closing brace},\n  year = {2023}\n"
    project = make_project(bib=bib, documents={"a": "---\ntitle: T\n---\n\nSleep matters [@smith2024]. Naps help [@lee2023].\n"})
    result = project.run("check", "--format", "text")
    assert result.code == 1
    assert "cited key '@lee2023' is at bibliography.bib:6, but that entry could not be read" in result.out, result.out
    assert "add an entry" not in result.out


def test_check_a_cited_document_without_a_place_for_its_references_is_told_where(make_project: MakeProject) -> None:
    project = make_project({"a": "---\ntitle: T\n---\n\nMost adults need seven hours of sleep [@smith2024].\n"})
    result = project.run("check", "--format", "text")
    assert "warning: the document cites sources but has no place for its reference list" in result.out
    assert "'::: {#refs}'" in result.out
    project.write("manuscript/a.md", "---\ntitle: T\n---\n\nSleep [@smith2024].\n\n## References\n\n::: {#refs}\n:::\n")
    assert "no-reference-list" not in project.run("check", "--format", "text").out


def test_check_product_classes_without_the_products_filter_are_a_warning(make_project: MakeProject) -> None:
    """Without the products filter, '.only-web' text is printed in the handout too: say so."""
    doc = "---\ntitle: T\n---\n\nA not-so-good day [@smith2024].\n\n[Tap to call.]{.only-web}\n\n## References\n\n::: {#refs}\n:::\n"
    project = make_project({"a": doc})
    assert "no-product-filter" not in project.run("check", "--format", "text").out  # the packaged products filter is on
    config = (project.root / "pyproject.toml").read_text(encoding="utf-8")
    (project.root / "pyproject.toml").write_text(re.sub(r"filters = \[.*\]", 'filters = ["callouts"]', config), encoding="utf-8")
    result = project.run("check", "--format", "text")
    assert "marks text for some products (.only-web), but no filter that decides what a product contains" in result.out
    project.write("manuscript/a.md", doc.replace("[Tap to call.]{.only-web}", "Tap to call."))
    assert "no-product-filter" not in project.run("check", "--format", "text").out  # 'not-so-good' is a word, not a class


def test_check_a_misspelt_citeproof_class_is_named_and_the_writers_own_classes_stay_quiet(make_project: MakeProject) -> None:
    doc = (
        "---\ntitle: T\n---\n\nSleep matters [@smith2024].\n\n::: {.warnng}\nDo not drive.\n:::\n\n"
        "::: {.not-handot}\nTake it slowly.\n:::\n\n[Styled]{.highlight} and [kept]{.not-handout}.\n\n## References\n\n::: {#refs}\n:::\n"
    )
    project = make_project({"a": doc})
    result = project.run("check", "--format", "text")
    assert "manuscript/a.md:7: warning: the class .warnng does nothing; did you mean .warning?" in result.out, result.out
    assert "the class .not-handot does nothing; did you mean .not-handout?" in result.out
    assert ".highlight" not in result.out
