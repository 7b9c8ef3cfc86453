#!/usr/bin/env python3
"""Callout boxes: ``::: {.note}``, ``::: {.warning}`` and ``::: {.helpline}``.

HTML and EPUB keep the div (the stylesheet draws the box) and gain ``role="note"`` and a
label for screen readers. Typst drops div classes, so for PDF the div becomes a call of
the template's ``callout(kind, body)`` function.

Metadata read:
  citeproof-format   html, epub or pdf (standalone: pandoc's output format)
"""

from __future__ import annotations

import panflute as pf

# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")

KINDS = {"note": "Note", "warning": "Warning", "helpline": "Where to get help"}


def prepare(doc: pf.Doc) -> None:
    doc.target = str(doc.get_metadata("citeproof-format", default=doc.format or "html"))


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | list[pf.Element] | None:
    if not isinstance(elem, pf.Div):
        return None
    kind = next((c for c in elem.classes if c in KINDS), None)
    if kind is None:
        return None
    if doc.target in {"pdf", "typst"}:
        return [pf.RawBlock(f'#callout("{kind}")[', format="typst"), *elem.content, pf.RawBlock("]", format="typst")]
    elem.classes.append("callout")
    elem.attributes.setdefault("role", "note")
    elem.attributes.setdefault("aria-label", KINDS[kind])
    return None


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)


if __name__ == "__main__":
    main()
