#!/usr/bin/env python3
"""Images need real alt text, in every format; in PDF it must survive pandoc's Typst writer.

Pandoc's Typst writer drops an image's alt text, and a PDF/UA document refuses an image
without it, so for PDF each image becomes a raw Typst ``image(..., alt: ...)`` call with a
path Typst can resolve (project-root relative). An image with no alt text stops the build
with the file and the image named: describing it is the author's job, not the tool's.
A purely decorative image says so with ``{.decorative}``.

Metadata read:
  citeproof-format         html, epub or pdf (standalone: pandoc's output format)
  citeproof-resource-dir   the document's folder relative to the project root
"""

from __future__ import annotations

import posixpath

import panflute as pf

# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")


class MissingAltText(ValueError):
    """An image without a description."""


def prepare(doc: pf.Doc) -> None:
    doc.target = str(doc.get_metadata("citeproof-format", default=doc.format or "html"))
    doc.resource_dir = str(doc.get_metadata("citeproof-resource-dir", default="."))


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | None:
    if not isinstance(elem, pf.Image):
        return None
    alt = pf.stringify(elem).strip() or elem.title.strip()
    decorative = "decorative" in elem.classes
    if not alt and not decorative:
        raise MissingAltText(f"the image {elem.url!r} has no alt text: write ![what it shows]({elem.url})")
    if doc.target not in {"pdf", "typst"}:
        if decorative:
            elem.attributes["role"] = "presentation"
        return None
    url = elem.url
    if "://" not in url and not url.startswith("/"):
        url = "/" + posixpath.normpath(posixpath.join(doc.resource_dir, url)).lstrip("./")
    width = elem.attributes.get("width", "100%")
    alt_arg = "none" if decorative else _typst_string(alt)
    return pf.RawInline(f"#box(image({_typst_string(url)}, width: {width}, alt: {alt_arg}))", format="typst")


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)  # type: ignore[no-any-return]


if __name__ == "__main__":
    main()
