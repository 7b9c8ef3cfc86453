#!/usr/bin/env python3
"""Show or hide the "source needed" marks an author put on known gaps.

An author marks a claim that has no source yet with ``[...]{.needs-source reason="..."}``
(a span) or ``::: {.needs-source reason="..."}`` (a div). In a draft build every mark gets
a visible "[source needed]" label in every format; in a normal build the mark is removed
so nothing of it reaches readers (the claim check still lists every open gap).

Metadata read:
  citeproof-draft   true to show the labels (citeproof build --draft sets it)
"""

from __future__ import annotations

import panflute as pf

CLASS = "needs-source"
LABEL = "[source needed]"
# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")


def prepare(doc: pf.Doc) -> None:
    doc.citeproof_draft = bool(doc.get_metadata("citeproof-draft", default=False))


def _marker(reason: str) -> pf.Span:
    # Strong keeps the label visible in formats that drop span classes (Typst).
    attributes = {"title": reason} if reason else {}
    return pf.Span(pf.Space(), pf.Strong(pf.Str(LABEL)), classes=["source-needed"], attributes=attributes)


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | list[pf.Element] | None:
    if not isinstance(elem, (pf.Span, pf.Div)) or CLASS not in elem.classes:
        return None
    reason = elem.attributes.get("reason", "")
    if not doc.citeproof_draft:
        elem.classes.remove(CLASS)
        elem.attributes.pop("reason", None)
        return None
    if isinstance(elem, pf.Span):
        return [elem, _marker(reason)]
    paragraphs = [b for b in elem.content if isinstance(b, (pf.Para, pf.Plain))]
    if paragraphs:
        paragraphs[-1].content.append(_marker(reason))
    else:
        elem.content.append(pf.Para(_marker(reason)))
    return None


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)


if __name__ == "__main__":
    main()
