#!/usr/bin/env python3
"""Keep or drop blocks per product, so one Markdown file feeds every product.

Classes on a div (``::: {.not-brochure}``) or a span (``[...]{.only-web}``):

  only-<product>   kept only in that product (e.g. only-brochure, only-handout)
  not-<product>    dropped from that product
  only-print       kept only in PDF products      not-print   dropped from PDF products
  only-web         kept only in HTML and EPUB     not-web     dropped from HTML and EPUB

In the brochure layout the reference list is set on the inside flap by the template, so
the heading just before ``::: {#refs}`` is dropped there.

Metadata read:
  citeproof-product   the product's name (handout, brochure, html, epub, ...)
  citeproof-format    html, epub or pdf
  citeproof-layout    the product's layout (handout, brochure, page, book)
"""

from __future__ import annotations

import panflute as pf

# Declares this a content filter (citeproof.build.filtering): it decides what a product says,
# so the claim check reads each product through it.
CITEPROOF_CONTENT_FILTER = True
# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")


def prepare(doc: pf.Doc) -> None:
    doc.product = str(doc.get_metadata("citeproof-product", default=""))
    fmt = str(doc.get_metadata("citeproof-format", default=doc.format or ""))
    doc.medium = "print" if fmt in {"pdf", "typst", "latex"} else "web"
    doc.layout = str(doc.get_metadata("citeproof-layout", default=""))


def keep(classes: list[str], product: str, medium: str) -> bool:
    """Whether an element with ``classes`` belongs in ``product`` (printed or on screen)."""
    for name in classes:
        if name.startswith("only-") and name[5:] not in {product, medium}:
            return False
        if name.startswith("not-") and name[4:] in {product, medium}:
            return False
    return True


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | list[pf.Element] | None:
    if isinstance(elem, (pf.Div, pf.Span)) and not keep(list(elem.classes), doc.product, doc.medium):
        return []
    if doc.layout == "brochure" and isinstance(elem, pf.Header) and isinstance(elem.next, pf.Div) and elem.next.identifier == "refs":
        return []
    return None


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)


if __name__ == "__main__":
    main()
