#!/usr/bin/env python3
"""Callout boxes: ``::: {.note}``, ``::: {.warning}``, ``::: {.helpline}`` and ``::: {.tip}``.

Every callout gets a visible label with a symbol (ℹ, ⚠, ☎, ✔), so its kind never rests on
colour alone, in the document's language. HTML and EPUB keep the div (the stylesheet draws
the box), gain ``role="note"``, a label for screen readers and a first line holding the
visible label. Typst drops div classes, so for PDF the div becomes a call of the template's
``callout(kind, label, body)`` function, which draws the same label.

Metadata read:
  citeproof-format   html, epub or pdf (standalone: pandoc's output format)
  l10n               the locale table (labels ``note``, ``warning``, ``helpline-callout``, ``tip``);
                     English when absent
"""

from __future__ import annotations

import panflute as pf

# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")

# kind -> (locale key, English label, symbol)
KINDS = {
    "note": ("note", "Note", "ℹ"),
    "warning": ("warning", "Warning", "⚠"),
    "helpline": ("helpline-callout", "Where to get help", "☎"),
    "tip": ("tip", "Tip", "✔"),
}


def prepare(doc: pf.Doc) -> None:
    doc.target = str(doc.get_metadata("citeproof-format", default=doc.format or "html"))
    table = doc.get_metadata("l10n", default={}) or {}
    doc.labels = {kind: str(table.get(key) or english) for kind, (key, english, _) in KINDS.items()}


def _words(text: str) -> list[pf.Inline]:
    inlines: list[pf.Inline] = []
    for index, word in enumerate(text.split()):
        if index:
            inlines.append(pf.Space())
        inlines.append(pf.Str(word))
    return inlines


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | list[pf.Element] | None:
    if not isinstance(elem, pf.Div):
        return None
    kind = next((c for c in elem.classes if c in KINDS), None)
    if kind is None:
        return None
    label = doc.labels[kind]
    if doc.target in {"pdf", "typst"}:
        opening = f"#callout({_typst_string(kind)}, {_typst_string(label)})["
        return [pf.RawBlock(opening, format="typst"), *elem.content, pf.RawBlock("]", format="typst")]
    symbol = pf.Span(pf.Str(KINDS[kind][2]), classes=["callout-symbol"], attributes={"aria-hidden": "true"})
    heading = pf.Div(pf.Para(symbol, pf.Space(), pf.Strong(*_words(label))), classes=["callout-label"])
    elem.content.insert(0, heading)
    elem.classes.append("callout")
    elem.attributes.setdefault("role", "note")
    elem.attributes.setdefault("aria-label", label)
    return None


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)


if __name__ == "__main__":
    main()
