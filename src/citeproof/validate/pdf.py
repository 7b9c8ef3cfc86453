"""PDF: read the finished file back with pypdf and check what a reader and a screen reader need.

Every font embedded (the page looks the same everywhere), text extractable (search, copy,
screen readers), title and language in the metadata, live links, and a tag tree
(StructTreeRoot, MarkInfo). With PDF/UA-1 configured, its identification in the XMP.
PNG pages for a quick look come from poppler's pdftoppm.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from citeproof.engines import tools
from citeproof.findings import Finding
from citeproof.validate.common import ToolRun, finding

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
PREVIEW_DPI = 72  # as build --preview


def check_pdf(pdf: Path, display: str, *, standards: Sequence[str] = ()) -> ToolRun:
    """Read ``pdf`` back; every missing property is an error finding."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(pdf)
        catalog: Any = reader.trailer["/Root"]
    except (PdfReadError, OSError, KeyError, ValueError) as exc:
        unreadable = finding("error", "pdf/unreadable", f"pypdf cannot read the file: {exc}", display)
        return ToolRun(f"pypdf {pypdf.__version__}", display, (unreadable,))

    def problem(rule: str, message: str) -> None:
        found.append(finding("error", f"pdf/{rule}", message, display, extra={"tool": "pypdf"}))

    found: list[Finding] = []
    fonts = dict(_fonts(reader))
    for name, embedded in sorted(fonts.items()):
        if not embedded:
            problem("font-not-embedded", f"the font {name} is not embedded; readers will substitute another")
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    if len(text) < 20:
        problem("no-text", f"only {len(text)} characters of text can be extracted; search, copy and screen readers need real text")
    info: Any = reader.metadata or {}
    title = str(info.get("/Title") or "").strip()
    if not title:
        problem("no-title", "the document has no title in its metadata (Info /Title)")
    elif " ".join(title.split()).casefold() not in text.casefold():
        problem("text-mismatch", f"the title {title!r} is not in the extracted text; the text layer may not match what is shown")
    if not str(catalog.get("/Lang") or "").strip():
        problem("no-language", "the document has no language (/Lang in the catalog); screen readers cannot pick a voice")
    links = sum(1 for page in reader.pages for annot in page.get("/Annots") or [] if annot.get_object().get("/Subtype") == "/Link")
    if links == 0 and re.search(r"https?://|doi\.org", text):
        problem("no-links", "addresses are printed but none is a link annotation; readers cannot follow them")
    mark_info = catalog.get("/MarkInfo") or {}
    # pypdf's BooleanObject is truthy even when false: compare its value.
    if "/StructTreeRoot" not in catalog or getattr(mark_info.get("/Marked"), "value", False) is not True:
        problem("untagged", "the PDF is not tagged (no StructTreeRoot or MarkInfo /Marked true); screen readers get no structure")
    if "ua-1" in standards:
        xmp = reader.xmp_metadata
        raw = xmp.stream.get_data().decode("utf-8", "replace") if xmp is not None else ""
        if not re.search(r"pdfuaid:part(>|=\")\s*1", raw):
            problem("not-pdf-ua", "PDF/UA-1 is configured but the XMP metadata does not claim it (pdfuaid:part 1)")
    summary = f"{len(fonts)} fonts, {links} links, {len(reader.pages)} pages"
    return ToolRun(f"pypdf {pypdf.__version__} read-back", f"{display} ({summary})", tuple(found))


def _fonts(reader: Any) -> Iterator[tuple[str, bool]]:
    """Every font the pages use, with whether its program is embedded (forms included)."""
    seen: set[int] = set()

    def walk(resources: Any) -> Iterator[tuple[str, bool]]:
        resources = resources.get_object() if resources is not None else None
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            yield _font_state(font.get_object())
        for reference in (resources.get("/XObject") or {}).values():
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Form":
                yield from walk(xobject.get("/Resources"))

    for page in reader.pages:
        yield from walk(page.get("/Resources"))


def _font_state(font: Any) -> tuple[str, bool]:
    name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
    if font.get("/Subtype") == "/Type3":
        return name, True  # glyphs drawn by the PDF's own content streams
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return name, any(key in descriptor for key in _FONT_FILES)


def render_pages(pdftoppm: str, pdf: Path, preview_dir: Path, stem: str) -> list[Path]:
    """PNG pages of ``pdf`` as ``<stem>-<n>.png``, named as ``citeproof build --preview`` names them."""
    with tempfile.TemporaryDirectory(prefix="citeproof-pages-", dir=preview_dir) as tmp:
        tools.run([pdftoppm, "-png", "-r", str(PREVIEW_DPI), str(pdf), str(Path(tmp) / "page")])
        pages = []
        # pdftoppm pads page numbers to the page count's width (page-01.png); we do not.
        for png in Path(tmp).glob("page-*.png"):
            target = preview_dir / f"{stem}-{int(png.stem.rsplit('-', 1)[1])}.png"
            png.replace(target)
            pages.append(target)
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))
