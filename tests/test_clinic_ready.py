"""Clinic-ready products, read back from real outputs (pandoc, typst, pypdf, the EPUB's zip).

Three articles from tests/data/clinic/: a reviewed blood-pressure article with its own
helpline, an unreviewed ketamine article that uses the clinic's helpline, and a reviewed
Spanish article with its own helpline. The project is built once for the module.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from citeproof.cli import main

from .conftest import REPO, MakeProject

DATA = Path(__file__).parent / "data" / "clinic"
DOCUMENTS = ("high-blood-pressure", "ketamine-help", "presion-arterial")
DRAFT_MARK = "Draft — not yet medically reviewed"
CONFIG = """\
[tool.citeproof]
documents = ["manuscript/*.md"]
filters = ["products", "source_needed", "callouts", "images"]

[tool.citeproof.products]
html = { format = "html" }
epub = { format = "epub" }
handout = { format = "pdf", layout = "handout" }
brochure = { format = "pdf", layout = "brochure" }

[tool.citeproof.clinic]
name = "Test Clinic"
logo = "templates/clinic-logo.svg"
address = "1 Test Road, Springfield"
phone = "(555) 010-0100"
online-url = "https://clinic.example/{document}.html"
helpline-name = "SAMHSA National Helpline"
helpline-phone = "1-800-662-4357"
helpline-url = "https://www.samhsa.gov/find-help/national-helpline"
"""


def _project(root: Path, names: tuple[str, ...] = DOCUMENTS, config: str = CONFIG) -> Path:
    (root / "manuscript").mkdir(parents=True)
    (root / "templates").mkdir()
    shutil.copy(REPO / "templates" / "clinic-logo.svg", root / "templates" / "clinic-logo.svg")
    for name in names:
        shutil.copy(DATA / f"{name}.md", root / "manuscript" / f"{name}.md")
    shutil.copy(DATA / "clinic.bib", root / "bibliography.bib")
    (root / "pyproject.toml").write_text(config, encoding="utf-8")
    return root


def _run(root: Path, *args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["--config", str(root / "pyproject.toml"), *args], out=io.StringIO(), err=err)
    return code, err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Every product of the three articles, and what the build said."""
    root = _project(tmp_path_factory.mktemp("clinic"))
    code, err = _run(root, "build")
    assert code == 0, err
    return root / "build", err


def _runs(page: object) -> list[tuple[float, float, float, str]]:
    """(x, y, font size in pt, text) of every text run on a pypdf page."""
    runs: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, round(size * abs(tm[3] * cm[3]), 2), text))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return runs


def _text(page: object) -> str:
    return " ".join(page.extract_text().replace("\xa0", " ").split())  # type: ignore[attr-defined]


def _html(path: Path) -> str:
    """The page with pandoc's line wrapping and no-break spaces undone."""
    return " ".join(path.read_text(encoding="utf-8").replace("\xa0", " ").split())


def _links(page: object) -> set[str]:
    annotations = page.get("/Annots") or []  # type: ignore[attr-defined]
    found = set()
    for annotation in annotations:
        action = annotation.get_object().get("/A")
        if action is not None and "/URI" in action:
            found.add(str(action["/URI"]))
    return found


def _back_panel(pdf: Path) -> str:
    """The text of the brochure's back panel: the middle third of its outside page."""
    page = PdfReader(pdf).pages[0]
    third = float(page.mediabox.width) / 3
    return " ".join(" ".join(text for x, _, _, text in _runs(page) if third <= x < 2 * third).replace("\xa0", " ").split())


def _epub_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        text = " ".join(book.read(n).decode("utf-8") for n in sorted(book.namelist()) if n.endswith(".xhtml"))
    return " ".join(text.replace("\xa0", " ").split())


HELPLINES = {
    # document: (helpline, phone, url, a word of the other helpline that must not appear)
    "high-blood-pressure": ("American Heart Association", "1-800-242-8721", "https://www.heart.org", "SAMHSA"),
    "ketamine-help": ("SAMHSA National Helpline", "1-800-662-4357", "https://www.samhsa.gov/find-help/national-helpline", "Heart"),
}


@pytest.mark.parametrize("name", sorted(HELPLINES))
def test_clinic_ready_each_article_prints_its_own_helpline_everywhere(built: tuple[Path, str], name: str) -> None:
    build, _ = built
    helpline, phone, url, absent = HELPLINES[name]
    handout = PdfReader(build / f"{name}.pdf")
    last = handout.pages[-1]
    assert helpline in _text(last) and phone in _text(last) and url in _text(last)
    # Phone numbers are tel: links in the PDF, on the contact box of the last page.
    assert f"tel:{phone}" in _links(last) and "tel:555-010-0100" in _links(last)
    back = _back_panel(build / f"{name}-brochure.pdf")
    assert helpline in back and phone in back and url in back.replace(" ", "")
    assert f"tel:{phone}" in _links(PdfReader(build / f"{name}-brochure.pdf").pages[0])
    html = _html(build / f"{name}.html")
    footer = html[html.index('<footer class="clinic">') :]
    assert helpline in footer and f'<a href="tel:{phone}">{phone}</a>' in footer and f'href="{url}"' in footer
    epub = _epub_text(build / f"{name}.epub")
    assert helpline in epub and f'href="tel:{phone}"' in epub
    everything = " ".join([_text(p) for p in handout.pages] + [back, footer, epub])
    assert absent not in everything  # never another article's helpline beside this one's


def test_clinic_ready_unreviewed_article_is_marked_draft_on_every_page_and_screen(built: tuple[Path, str]) -> None:
    build, _ = built
    for pdf in ("ketamine-help.pdf", "ketamine-help-brochure.pdf"):
        pages = PdfReader(build / pdf).pages
        assert all(DRAFT_MARK in _text(page) for page in pages), pdf
    assert f'<p class="draft-mark" role="status">{DRAFT_MARK}</p>' in _html(build / "ketamine-help.html")
    with zipfile.ZipFile(build / "ketamine-help.epub") as book:
        chapters = [book.read(n).decode("utf-8") for n in book.namelist() if re.search(r"/ch\d+\.xhtml$", n)]
    assert len(chapters) == 2 and all(c.count(f'<p class="draft-mark">{DRAFT_MARK}</p>') == 1 for c in chapters)
    # A reviewed article carries no mark, and every product states the same review.
    for pdf in ("high-blood-pressure.pdf", "high-blood-pressure-brochure.pdf"):
        assert not any(DRAFT_MARK in _text(page) for page in PdfReader(build / pdf).pages)
    status = "Medically reviewed November 25, 2026 by Dr. Jane Example"
    assert status in _text(PdfReader(build / "high-blood-pressure.pdf").pages[0])
    assert status in _back_panel(build / "high-blood-pressure-brochure.pdf")
    html = _html(build / "high-blood-pressure.html")
    assert html.count(status) == 2 and "not yet reviewed" not in html  # title block and footer agree
    assert status in _epub_text(build / "high-blood-pressure.epub")


def test_clinic_ready_callouts_are_labelled_in_every_format(built: tuple[Path, str]) -> None:
    build, _ = built
    labels = {"warning": ("⚠", "Warning"), "tip": ("✔", "Tip"), "note": ("ℹ", "Note"), "helpline": ("☎", "Where to get help")}
    html = _html(build / "high-blood-pressure.html")
    epub = _epub_text(build / "high-blood-pressure.epub")
    for kind, (symbol, label) in labels.items():
        pattern = (
            rf'<div class="{kind} callout" role="note" aria-label="{label}">\s*<div class="callout-label">\s*<p>'
            rf'<span class="callout-symbol" aria-hidden="true">{symbol}</span> <strong>{label}</strong></p>'
        )
        assert re.search(pattern, html), kind
        assert re.search(pattern.replace("<p>", "<p>"), epub), kind
    text = " ".join(_text(page) for page in PdfReader(build / "high-blood-pressure.pdf").pages)
    for symbol, label in labels.values():
        assert f"{symbol} {label}" in text
    css = (REPO / "src" / "citeproof" / "data" / "templates" / "citeproof.css").read_text(encoding="utf-8")
    assert ".callout.warning" in css and ".callout-label" in css


@pytest.mark.parametrize(("name", "body"), [("high-blood-pressure.pdf", 12.0), ("high-blood-pressure-brochure.pdf", 11.0)])
def test_clinic_ready_print_type_meets_the_minimums(built: tuple[Path, str], name: str, body: float) -> None:
    build, _ = built
    runs = [run for page in PdfReader(build / name).pages for run in _runs(page)]
    sizes = Counter(size for _, _, size, text in runs for _ in text.split())
    assert min(sizes) >= 8.0, sizes  # references, captions and footers included
    assert sizes.most_common(1)[0][0] >= body  # the body text
    headings = {size for _, _, size, text in runs if text.strip() in {"What you can do", "References"}}
    assert headings and min(headings) >= body  # headings never below the body


PARAGRAPH = (
    "Blood pressure is the force of your blood pushing on the walls of your blood vessels. When it stays high for a long "
    "time, your heart has to work harder. Checking it at home, eating less salt and moving every day all help. Ask your "
    "care team which number is right for you and what to do when a reading is high."
)


def test_clinic_ready_fold_in_panel_is_narrower(make_project: MakeProject) -> None:
    """The inside page's columns start one margin after each fold, so the gaps between their
    left edges are the panels' widths: W, W, and the fold-in panel 1/16 to 1/8 in narrower."""
    text = "---\ntitle: Long Enough\nreviewed: 2026-11-01\n---\n\n" + "\n\n".join(PARAGRAPH for _ in range(14)) + "\n"
    project = make_project({"long": text}, config='[tool.citeproof.products]\nbrochure = { format = "pdf", layout = "brochure" }\n')
    result = project.run("build")
    assert result.code == 0, result.err
    assert "under half" not in result.err  # every inside panel is used
    page = PdfReader(project.build / "long-brochure.pdf").pages[1]
    width = float(page.mediabox.width)
    starts = [x for x, _, _, _ in _runs(page)]
    left = [min(x for x in starts if k * width / 3 <= x < (k + 1) * width / 3) for k in range(3)]
    panel = left[1] - left[0]
    assert abs((left[2] - left[1]) - panel) < 0.5
    fold_in = width - 2 * panel
    assert 72 / 16 <= panel - fold_in <= 72 / 8, (panel, fold_in)


def test_clinic_ready_short_brochure_warns_naming_the_empty_panel(built: tuple[Path, str]) -> None:
    _, err = built
    (line,) = [line for line in err.splitlines() if "high-blood-pressure-brochure.pdf" in line and "less than half full" in line]
    assert re.search(r"has inside panels less than half full \(inside middle \d+%, inside right \d+% full\)", line)


def test_clinic_ready_spanish_article_has_spanish_labels_dates_and_references(built: tuple[Path, str]) -> None:
    build, _ = built
    handout = " ".join(_text(page) for page in PdfReader(build / "presion-arterial.pdf").pages)
    for words in ("Actualizado 22 de noviembre de 2026", "Revisado por un profesional médico 26 de noviembre de 2026 por Dra. Ana Ejemplo",
                  "Página 1 de 1", "⚠ Advertencia", "Dónde obtener ayuda", "Contáctenos"):  # fmt: skip
        assert words in handout, words
    assert "(s. f.)" in handout and "mayo 15" in handout  # the CSL locale follows lang
    assert "Updated" not in handout and "Page 1" not in handout
    brochure = " ".join(_text(page) for page in PdfReader(build / "presion-arterial-brochure.pdf").pages)
    assert "Escanee para leer este artículo en línea" in brochure and "Referencias" in brochure
    html = _html(build / "presion-arterial.html")
    assert 'lang="es-US"' in html and "Ir al artículo" in html and "<strong>Advertencia</strong>" in html
    assert "Advertencia" in _epub_text(build / "presion-arterial.epub")


def test_clinic_ready_epub_has_creator_cover_one_title_and_chapters(built: tuple[Path, str]) -> None:
    build, _ = built
    with zipfile.ZipFile(build / "high-blood-pressure.epub") as book:
        opf = book.read("EPUB/content.opf").decode("utf-8")
        names = book.namelist()
        cover = book.read("EPUB/media/citeproof-cover.png")
        nav = book.read("EPUB/nav.xhtml").decode("utf-8")
    assert "<dc:creator" in opf and ">Test Clinic</dc:creator>" in opf and "<dc:publisher>Test Clinic</dc:publisher>" in opf
    assert 'properties="cover-image"' in opf and cover.startswith(b"\x89PNG")
    assert "EPUB/text/title_page.xhtml" not in names
    text = _epub_text(build / "high-blood-pressure.epub")
    assert text.count(">Living Well with High Blood Pressure</h1>") == 1
    assert ">What you can do</a>" in nav and len([n for n in names if re.match(r"EPUB/text/ch\d+\.xhtml", n)]) >= 2
    # Each chapter is titled by its heading, not its file name.
    assert "<title>What you can do</title>" in text and "<title>ch0" not in text
    assert "draft-mark" not in text  # reviewed


def test_clinic_ready_release_refuses_with_every_reason(tmp_path: Path) -> None:
    overdue = (DATA / "high-blood-pressure.md").read_text(encoding="utf-8").replace("reviewed: 2026-11-25", "reviewed: 2020-01-02")
    root = _project(tmp_path, ("ketamine-help", "presion-arterial"))
    (root / "manuscript" / "overdue.md").write_text(overdue, encoding="utf-8")
    gap = '\n\n[Most people recover within a week.]{.needs-source reason="find a trial"}\n'
    path = root / "manuscript" / "ketamine-help.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## References", gap + "\n## References"), encoding="utf-8")
    code, err = _run(root, "build", "--release")
    assert code == 1
    assert "release refused: 3 reasons not to publish" in err
    assert "manuscript/ketamine-help.md: not yet medically reviewed" in err
    assert "manuscript/overdue.md: medical review due since 2021-01-02" in err
    assert "open gap" in err and "Most people recover" in err
    assert not (root / "build").exists() or not list((root / "build").glob("*.pdf"))
    # --draft never writes where a release goes.
    code, err = _run(root, "build", "--draft", "-p", "html")
    assert code == 0, err
    drafts = sorted(p.name for p in (root / "build" / "draft").glob("*.html"))
    assert drafts == ["ketamine-help.html", "overdue.html", "presion-arterial.html"]
    assert not list((root / "build").glob("*.html"))


def test_clinic_ready_helpline_without_phone_or_url_is_a_configuration_error(make_project: MakeProject) -> None:
    doc = "---\ntitle: T\nhelpline:\n  name: Nobody\n---\n\nText.\n"
    project = make_project({"article": doc})
    result = project.run("build", "-f", "html")
    assert result.code == 2
    assert "front matter 'helpline': the helpline 'Nobody' has neither a phone nor a url" in result.err


def test_clinic_ready_content_workflow_publishes_only_release_builds() -> None:
    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "content.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["outputs"]["steps"]
    (build,) = [step for step in steps if step.get("name") == "Build HTML, EPUB and PDF"]
    assert "--release" in build["run"] and "refs/heads/main" in build["run"]
    assert workflow["jobs"]["publish"]["needs"] == "outputs"  # nothing is published unless that build passed


def test_clinic_ready_review_due_is_a_warning_in_check_and_follows_the_interval(make_project: MakeProject) -> None:
    doc = "---\ntitle: T\nreviewed: 2020-01-02\nreviewer: Dr. A\n---\n\nDrink water [@smith2024].\n"
    project = make_project({"article": doc})
    result = project.run("check")
    assert result.code == 0, result.out
    assert "warning: medical review due since 2021-01-02: last reviewed 2020-01-02 by Dr. A" in result.out
    (project.root / "pyproject.toml").write_text(
        (project.root / "pyproject.toml").read_text(encoding="utf-8") + "\n[tool.citeproof.review]\ninterval-months = 240\n",
        encoding="utf-8",
    )
    assert "review due" not in project.run("check").out


def test_clinic_ready_clinic_review_date_is_refused(make_project: MakeProject) -> None:
    project = make_project(config='[tool.citeproof.clinic]\nname = "C"\nreview-date = "2026-01-01"\n')
    result = project.run("check")
    assert result.code == 2
    assert "'tool.citeproof.clinic.review-date': the medical review is recorded per article" in result.err


def test_clinic_ready_every_locale_has_every_label() -> None:
    from citeproof.build.locale import _table, available, format_date, labels

    english = set(_table("en"))
    assert set(available()) >= {"en", "es"}
    for name in available():
        assert set(_table(name)) == english, name
    assert labels("es-US")["page"] == "Página" and labels("fr-CA")["page"] == "Page"  # no table: English
    assert format_date("2026-05-03", labels("es")) == "3 de mayo de 2026"
    assert format_date("2026-05-03", labels("en-US")) == "May 3, 2026"


def test_clinic_ready_contacts_resolve_helpline_whole_and_contact_by_field() -> None:
    from citeproof.build.clinic import Clinic
    from citeproof.build.contacts import resolve_contacts, tel_uri

    clinic = Clinic(name="C", phone="(555) 010-0100", address="1 Road", helpline_name="Clinic line", helpline_url="https://c.example")
    own = resolve_contacts({"helpline": {"name": "Lifeline", "phone": 988}, "contact": {"phone": "555-010-0199"}}, clinic, document="d.md")
    assert own.helpline is not None and (own.helpline.name, own.helpline.phone, own.helpline.url) == ("Lifeline", "988", "")
    assert (own.contact.name, own.contact.address, own.contact.phone) == ("C", "1 Road", "555-010-0199")
    assert own.metadata()["helpline-tel"] == "tel:988" and own.metadata()["contact-tel"] == "tel:555-010-0199"
    default = resolve_contacts({}, clinic, document="d.md")
    assert default.helpline is not None and default.helpline.url == "https://c.example"
    assert tel_uri("+1 (800) 662-4357") == "tel:+1-800-662-4357" and tel_uri("none") == ""


def test_clinic_ready_spanish_urls_break_without_a_repeated_hyphen(make_project: MakeProject) -> None:
    """Spanish typesetting repeats a hyphen at a line break; inside a URL that prints an address nobody can type."""
    url = "https://www.example.org/es/presion-arterial-alta/como-medir-la-presion-arterial-en-casa-paso-a-paso.html"
    doc = (
        "---\ntitle: Presión arterial\nlang: es-US\ndate: 2026-01-05\n---\n\n"
        f"La presión arterial alta no suele causar síntomas, por eso conviene medirla [@smith2024]. Lea más en <{url}> hoy.\n"
    )
    project = make_project({"article": doc}, config='[tool.citeproof.products]\nbrochure = { format = "pdf", layout = "brochure" }\n')
    result = project.run("build", "-p", "brochure")
    assert result.code == 0, result.err
    (pdf,) = [p for p in project.outputs() if p.suffix == ".pdf"]
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "presion-" in text  # the address is there, broken across lines somewhere
    assert not re.search(r"-\s*\n\s*-", text), text
