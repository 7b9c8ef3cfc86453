"""Print products from one source: handout (Letter, A4), brochure, EPUB and HTML."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from citeproof.build.layout import geometry
from tests.conftest import DATA, MINI_DOC, MakeProject

# Reference pages are keyed by the typst version: a new typst may move a line or change
# whether the brochure fits, and that must show as a new, reviewed set of references.
TYPST_VERSION = importlib.metadata.version("typst")
LAYOUT = DATA / "layout" / f"typst-{TYPST_VERSION}"
PRODUCTS = """
[tool.citeproof.products]
html = { format = "html" }
epub = { format = "epub" }
handout = { format = "pdf", layout = "handout", paper = ["us-letter", "a4"] }
brochure = { format = "pdf", layout = "brochure" }
"""
CLINIC = """
[tool.citeproof.clinic]
name = "Test Clinic"
logo = "templates/clinic-logo.svg"
online-url = "https://clinic.example/{document}.html"
helpline-name = "Test Helpline"
helpline-url = "https://example.org/help"
"""


def _image(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("L")


def _sizes(pdf: Path) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(pdf).pages]


def _alt_texts(pdf: Path) -> list[str]:
    """Every /Alt of the PDF's structure tree (what a screen reader reads for a figure)."""
    found: list[str] = []
    stack: list[object] = [PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            stack.extend(v for k, v in node.items() if k in ("/K", "/StructTreeRoot"))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _panel_text(pdf: Path, page: int) -> list[str]:
    """The text of each third of a landscape page (the brochure's panels), left to right."""
    reader = PdfReader(pdf)
    width = float(reader.pages[page].mediabox.width)
    panels = ["", "", ""]

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        if text.strip():  # typst positions text with the transformation matrix (cm)
            panels[min(2, int((cm[4] + tm[4]) / (width / 3)))] += text

    reader.pages[page].extract_text(visitor_text=visit)
    return [" ".join(p.split()) for p in panels]


def test_products_article_page_counts_and_sizes(article_build: Path) -> None:
    assert _sizes(article_build / "ketamine-addiction.pdf")[0] == (612, 792)  # US Letter
    assert _sizes(article_build / "ketamine-addiction-a4.pdf")[0] == (595, 842)  # A4
    assert _sizes(article_build / "ketamine-addiction-brochure.pdf") == [(792, 612), (792, 612)]  # two landscape pages


def test_products_brochure_panels_hold_what_they_should(article_build: Path) -> None:
    flap, back, cover = _panel_text(article_build / "ketamine-addiction-brochure.pdf", 0)
    assert "Exploring the Science" in cover and "Example Community Clinic" in cover
    assert "SAMHSA National Helpline" in back and "Scan to read this article online" in back
    assert "Not yet medically reviewed" in back  # the one review status, from the front matter
    # The article is not yet reviewed: each panel opens with the draft mark, in its top margin.
    assert flap.startswith("Draft — not yet medically reviewedReferences") and "Korb, S. (2025)" in flap
    inside = " ".join(_panel_text(article_build / "ketamine-addiction-brochure.pdf", 1))
    assert "Understanding Ketamine and Its Clinical Roots" in inside
    assert "Common Applications and Uses" not in inside  # marked .not-brochure in the article
    handout = " ".join(p.extract_text() for p in PdfReader(article_build / "ketamine-addiction.pdf").pages)
    assert "Common Applications and Uses" in handout


def test_products_brochure_qr_code_opens_the_online_version(article_build: Path) -> None:
    image = _image(article_build / "preview" / "ketamine-addiction-brochure-1.png")
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == ["https://clinic.example/articles/ketamine-addiction.html"]


def test_products_pdfs_declare_pdf_ua(article_build: Path) -> None:
    for name in ("ketamine-addiction.pdf", "ketamine-addiction-a4.pdf", "ketamine-addiction-brochure.pdf"):
        reader = PdfReader(article_build / name)
        xmp = reader.trailer["/Root"]["/Metadata"].get_data().decode("utf-8", "replace")
        assert "pdfuaid:part>1<" in xmp or 'pdfuaid:part="1"' in xmp, name


def _ink_grid(png: Path, cell: int = 12) -> list[list[bool]]:
    """Which cells of a page hold ink: the layout, blind to single-pixel noise."""
    image = _image(png)
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    grid = []
    for top in range(0, height - cell + 1, cell):
        row = []
        for left in range(0, width - cell + 1, cell):
            dark = sum(1 for x in range(left, left + cell, 2) for y in range(top, top + cell, 2) if pixels[x, y] < 160)
            row.append(dark > 1)
        grid.append(row)
    return grid


@pytest.mark.parametrize(
    "page", ["ketamine-addiction-1", "ketamine-addiction-a4-1", "ketamine-addiction-brochure-1", "ketamine-addiction-brochure-2"]
)
def test_products_layout_matches_reference_image(article_build: Path, page: str) -> None:
    """Compare each product's page with its reference in tests/data/layout/.

    Regenerate after an intended layout change, or for a new typst: UPDATE_GOLDEN=1 nox -s tests -- -k layout
    """
    png = article_build / "preview" / f"{page}.png"
    reference = LAYOUT / f"{page}.png"
    pages = sorted(p.name for p in (article_build / "preview").glob(f"{page.rsplit('-', 1)[0]}-*.png"))
    counts = LAYOUT / "page-counts.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        LAYOUT.mkdir(parents=True, exist_ok=True)
        reference.write_bytes(png.read_bytes())
        known = json.loads(counts.read_text()) if counts.exists() else {}
        known[page.rsplit("-", 1)[0]] = len(pages)
        counts.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n")
    assert reference.is_file(), f"no reference pages for typst {TYPST_VERSION} in {LAYOUT}: review the pages, then UPDATE_GOLDEN=1"
    assert _image(png).size == _image(reference).size
    assert len(pages) == json.loads(counts.read_text())[page.rsplit("-", 1)[0]]
    ours, theirs = _ink_grid(png), _ink_grid(reference)
    cells = [(a, b) for row_a, row_b in zip(ours, theirs, strict=True) for a, b in zip(row_a, row_b, strict=True)]
    drift = sum(a != b for a, b in cells) / len(cells)
    assert drift < 0.04, f"{page}: {drift:.1%} of the layout grid changed"


def test_products_only_and_not_classes(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace(
        "## References",
        "::: {.only-brochure}\nOnly in the brochure.\n:::\n\n::: {.not-brochure}\nNever in the brochure.\n:::\n\n"
        "[Only on screens.]{.only-web}\n\n## References",
    )
    project = make_project({"article": doc}, config=PRODUCTS + CLINIC)
    result = project.run("build")
    assert result.code == 0, result.err
    brochure = " ".join(p.extract_text() for p in PdfReader(project.build / "article-brochure.pdf").pages)
    handout = " ".join(p.extract_text() for p in PdfReader(project.build / "article.pdf").pages)
    html = (project.build / "article.html").read_text()
    with zipfile.ZipFile(project.build / "article.epub") as archive:
        epub = " ".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert "Only in the brochure." in brochure and "Never in the brochure." not in brochure
    assert "Only in the brochure." not in handout + html + epub
    assert "Never in the brochure." in handout and "Never in the brochure." in html
    assert "Only on screens." in html and "Only on screens." in epub and "Only on screens." not in handout + brochure


def test_products_one_product_and_paper_from_the_command_line(make_project: MakeProject) -> None:
    project = make_project(config=PRODUCTS + CLINIC)
    assert project.run("build", "--product", "handout", "--paper", "a4").code == 0
    # A paper other than the product's first is named after it, so it never replaces that one.
    assert [p.name for p in project.outputs()] == ["article-a4.pdf"]
    assert _sizes(project.build / "article-a4.pdf")[0] == (595, 842)


def test_products_callouts_render_in_every_format(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace("## References", "::: {.helpline}\nCall the helpline any time.\n:::\n\n## References")
    project = make_project({"article": doc}, config=PRODUCTS + CLINIC)
    assert project.run("build", "-p", "html", "-p", "handout").code == 0
    html = (project.build / "article.html").read_text()
    assert 'class="helpline callout" role="note" aria-label="Where to get help"' in html
    assert "Call the helpline any time." in PdfReader(project.build / "article.pdf").pages[0].extract_text()


def test_products_brochure_overflow_names_the_longest_sections(make_project: MakeProject) -> None:
    long_section = "\n\n".join("Walking is linked to better sleep [@lee2023]. " * 12 for _ in range(14))
    doc = MINI_DOC.replace("## References", f"## A very long section\n\n{long_section}\n\n## References")
    project = make_project({"article": doc}, config=PRODUCTS + CLINIC)
    assert project.run("build", "-p", "html").code == 0
    before = (project.build / "article.html").read_bytes()
    result = project.run("build")
    assert result.code == 1
    assert "needs 3 pages instead of 2" in result.err and "panels) longer than the 3 inside panels hold" in result.err
    assert "longest sections: 'A very long section'" in result.err
    assert "{.not-brochure}" in result.err
    assert (project.build / "article.html").read_bytes() == before


def test_products_missing_logo_is_named(make_project: MakeProject) -> None:
    project = make_project(config=PRODUCTS + CLINIC.replace("templates/clinic-logo.svg", "assets/logo.png"))
    result = project.run("build")
    assert result.code == 2
    assert "the logo file 'assets/logo.png' does not exist" in result.err


def test_products_image_without_alt_text_is_named(make_project: MakeProject) -> None:
    project = make_project({"article": MINI_DOC.replace("## References", "![](figure.svg)\n\n## References")}, config=PRODUCTS + CLINIC)
    (project.root / "manuscript" / "figure.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    result = project.run("build")
    assert result.code == 1
    # At the Markdown file and line, as the author's mistake it is, not as a filter crash.
    assert "manuscript/article.md:11: the image 'figure.svg' has no alt text" in result.err
    assert "hint: describe it: ![what it shows](figure.svg)" in result.err
    assert "filter images.py failed" not in result.err


def test_products_image_alt_text_reaches_the_pdf(make_project: MakeProject) -> None:
    doc = MINI_DOC.replace("## References", "![A blue square](figure.svg){width=20%}\n\n## References")
    project = make_project({"article": doc}, config=PRODUCTS + CLINIC)
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#00f"/></svg>'
    (project.root / "manuscript" / "figure.svg").write_text(svg)
    result = project.run("build", "-p", "handout", "-p", "html")
    assert result.code == 0, result.err  # PDF/UA-1 refuses an image without alt text
    # The alt text lives on the Figure element of the tagged PDF's structure tree.
    assert "A blue square" in _alt_texts(project.build / "article.pdf")
    assert 'alt="A blue square"' in (project.build / "article.html").read_text()


def test_products_html_carries_the_clinic_identity(article_build: Path) -> None:
    html = " ".join((article_build / "ketamine-addiction.html").read_text(encoding="utf-8").split())  # pandoc wraps lines
    assert '<header class="clinic">' in html and "data:image/svg+xml" in html  # the logo, embedded
    assert "<strong>SAMHSA National Helpline</strong>" in html
    assert '<a href="https://www.samhsa.gov/find-help/national-helpline">' in html
    assert '<a href="tel:555-010-0100">(555) 010-0100</a>' in html  # the clinic's phone, a tel: link
    assert html.count("Not yet medically reviewed") == 2 and "Review date" not in html  # title block and footer agree


def test_products_pdf_links_to_the_clinic_are_intact(article_build: Path) -> None:
    """Pandoc escapes "//" in Typst markup; the clinic's addresses must reach the PDF unharmed."""
    for name in ("ketamine-addiction.pdf", "ketamine-addiction-brochure.pdf"):
        reader = PdfReader(article_build / name)
        uris = {str(a.get_object()["/A"].get("/URI")) for p in reader.pages for a in p.get("/Annots", []) if "/A" in a.get_object()}
        assert "https://clinic.example/articles/ketamine-addiction.html" in uris, name
        assert "https://www.samhsa.gov/find-help/national-helpline" in uris, name
        assert not any("\\" in uri for uri in uris), name


def test_products_low_resolution_image_draws_a_warning(make_project: MakeProject) -> None:
    images = "![A small photo](photo.png)\n\n![The same, printed small](photo.png){width=1in}"
    doc = MINI_DOC.replace("## References", f"{images}\n\n## References")
    project = make_project({"article": doc}, config=PRODUCTS + CLINIC)
    Image.new("RGB", (400, 300), "white").save(project.root / "manuscript" / "photo.png")
    result = project.run("build", "-p", "handout")
    assert result.code == 0, result.err
    # 400 px across the 6.8 in text width is about 59 dpi; at 1 in wide it is 400 dpi.
    assert "the image 'photo.png' prints 6.8 in wide at 59 dpi and will look blurred" in result.err
    # A4's text column is narrower (210 mm less the same margins): 6.5 in, so 61 dpi.
    assert "the image 'photo.png' prints 6.5 in wide at 61 dpi and will look blurred" in result.err
    assert result.err.count("will look blurred") == 2  # once per output: the Letter and the A4 handout


@pytest.mark.parametrize(("layout", "paper", "inches"), [("handout", "us-letter", 6.77), ("handout", "a4", 6.54),
                                                         ("brochure", "us-letter", 2.80), ("brochure", "a4", 3.04)])  # fmt: skip
def test_products_layout_table_gives_each_paper_its_text_width(layout: str, paper: str, inches: float) -> None:
    """The one geometry table (build/layout.py) the templates, the images filter and the fit check share."""
    assert geometry(layout, paper).text_width_in == pytest.approx(inches, abs=0.005)


def test_products_templates_take_their_geometry_from_the_layout_table() -> None:
    from citeproof.project.resources import PACKAGED_TEMPLATES

    handout = (PACKAGED_TEMPLATES / "handout.typ").read_text(encoding="utf-8")
    assert "margin: (top: $citeproof-geometry-margin-top$" in handout
    brochure = (PACKAGED_TEMPLATES / "brochure.typ").read_text(encoding="utf-8")
    assert "#let column-width = $citeproof-geometry-text-width$" in brochure
    for text in (handout, brochure):  # no length of the page geometry written into a template
        assert not re.search(r"(#let margin|#let fold-in|margin:) *\(?(x: )?[\d.]+(cm|in|mm)", text)
