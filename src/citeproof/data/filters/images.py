#!/usr/bin/env python3
"""Images need real alt text, in every format; in PDF it must survive pandoc's Typst writer.

Pandoc's Typst writer drops an image's alt text, and a PDF/UA document refuses an image
without it, so for PDF each image becomes a raw Typst ``image(..., alt: ...)`` call with a
path Typst can resolve (project-root relative). An image with no alt text stops the build
with the file and the image named: describing it is the author's job, not the tool's.
A purely decorative image says so with ``{.decorative}``.

For print, a raster image that would print below 150 dpi at its printed width draws a
warning (the width is the image's ``width`` attribute, or the text width of the layout on
its paper, from citeproof's one layout table in ``citeproof.build.layout``).

Metadata read:
  citeproof-format         html, epub or pdf (standalone: pandoc's output format)
  citeproof-layout         handout or brochure: how wide the text is in print
  citeproof-paper          us-letter (default) or a4
  citeproof-resource-dir   the document's folder relative to the project root
  citeproof-root           the project root (default: the current folder)
Metadata written:
  citeproof-warnings       what citeproof should show the user (standalone: printed on stderr)
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path

import panflute as pf

from citeproof.build.layout import geometry
from citeproof.errors import FilterAuthorError

# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")


MIN_DPI = 150  # 300 is the print standard; below 150 a photo looks soft on paper
RASTER = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
_LENGTH = re.compile(r"^\s*([\d.]+)\s*(%|in|cm|mm|pt)?\s*$")
_INCHES = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72}


def prepare(doc: pf.Doc) -> None:
    doc.target = str(doc.get_metadata("citeproof-format", default=doc.format or "html"))
    doc.standalone = doc.get_metadata("citeproof-format", default=None) is None
    doc.resource_dir = str(doc.get_metadata("citeproof-resource-dir", default="."))
    doc.root = Path(str(doc.get_metadata("citeproof-root", default=".")))
    layout = str(doc.get_metadata("citeproof-layout", default="handout"))
    doc.text_width = geometry(layout, str(doc.get_metadata("citeproof-paper", default="us-letter"))).text_width_in
    doc.image_warnings = []


def printed_inches(width: str | None, text_width: float) -> float:
    """How wide an image prints: its width attribute (a percentage or a length), else the text width."""
    match = _LENGTH.match(width or "")
    if not match:
        return text_width
    value, unit = float(match.group(1)), match.group(2) or "%"
    return value / 100 * text_width if unit == "%" else value * _INCHES[unit]


def _resolution_warning(path: Path, url: str, width: str | None, text_width: float) -> str | None:
    if path.suffix.lower() not in RASTER or not path.is_file():
        return None
    from PIL import Image

    try:
        with Image.open(path) as image:
            pixels = image.size[0]
    # A damaged file makes an image decoder fail in many ways; each is the author's file, not this filter.
    except Exception:
        raise FilterAuthorError(
            f"the image {url!r} is not a readable {path.suffix.lstrip('.').upper()} picture (the file is damaged, or is not a picture)",
            source_texts=(f"]({url}", url),
            hint="open it in an image editor and export it again as PNG or JPEG",
        ) from None
    inches = printed_inches(width, text_width)
    dpi = pixels / inches if inches else MIN_DPI
    if dpi >= MIN_DPI:
        return None
    return (
        f"the image {url!r} prints {inches:.1f} in wide at {dpi:.0f} dpi and will look blurred; "
        f"supply one at least {round(inches * 300)} px wide (300 dpi), or print it smaller with {{width=...}}"
    )


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | None:
    if not isinstance(elem, pf.Image):
        return None
    alt = pf.stringify(elem).strip() or elem.title.strip()
    decorative = "decorative" in elem.classes
    if not alt and not decorative:
        raise FilterAuthorError(
            f"the image {elem.url!r} has no alt text",
            source_texts=(f"![]({elem.url}", f"]({elem.url}", elem.url),
            hint=f"describe it: ![what it shows]({elem.url}), or mark a purely decorative image {{.decorative}}",
        )
    if doc.target not in {"pdf", "typst"}:
        if decorative:
            elem.attributes["role"] = "presentation"
        return None
    url = elem.url
    if "://" not in url and not url.startswith("/"):
        url = "/" + posixpath.normpath(posixpath.join(doc.resource_dir, url))
    warning = _resolution_warning(doc.root / url.lstrip("/"), elem.url, elem.attributes.get("width"), doc.text_width)
    if warning:
        doc.image_warnings.append(warning)
    width = elem.attributes.get("width", "100%")
    alt_arg = "none" if decorative else _typst_string(alt)
    return pf.RawInline(f"#box(image({_typst_string(url)}, width: {width}, alt: {alt_arg}))", format="typst")


def finalize(doc: pf.Doc) -> None:
    if not doc.image_warnings:
        return
    if doc.standalone:  # under pandoc --filter, stderr is the only voice a filter has
        for warning in doc.image_warnings:
            print(f"[WARNING] {warning}", file=sys.stderr)
    else:
        previous = doc.get_metadata("citeproof-warnings", default=[]) or []
        doc.metadata["citeproof-warnings"] = [*previous, *doc.image_warnings]


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, finalize=finalize, doc=doc)


if __name__ == "__main__":
    main()
