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

Two doors to the same rules (``keep`` and ``drops_heading``): the panflute ``action`` that
pandoc (``--filter``) and the build run, and ``product_ast``, a pure function on pandoc's
JSON as Python data that ``citeproof check`` calls for each product. The check reads every
product of a long article; loading it into panflute four times cost it about 7x pandoc's
own parse, while a product whose text carries none of these classes costs a string search.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import panflute as pf

# Declares this a content filter (citeproof.build.filtering): it decides what a product says,
# so the claim check reads each product through it.
CITEPROOF_CONTENT_FILTER = True
# panflute 2.3 predates pandoc's Typst writer and refuses raw ```{=typst} blocks.
pf.elements.RAW_FORMATS.add("typst")

# The class rules: an element carrying ``<prefix><name>`` stays in a product only when
# "name is the product or its medium" equals the value here.
RULES = {"only-": True, "not-": False}
PRINT_FORMATS = frozenset({"pdf", "typst", "latex"})
# The layout whose template sets the reference list itself, and the div that holds it.
REFS_LAYOUT = "brochure"
REFS_ID = "refs"


def medium_of(fmt: str) -> str:
    """``print`` for a paged format, ``web`` for everything else."""
    return "print" if fmt in PRINT_FORMATS else "web"


def prepare(doc: pf.Doc) -> None:
    doc.product = str(doc.get_metadata("citeproof-product", default=""))
    doc.medium = medium_of(str(doc.get_metadata("citeproof-format", default=doc.format or "")))
    doc.layout = str(doc.get_metadata("citeproof-layout", default=""))


def keep(classes: list[str], product: str, medium: str) -> bool:
    """Whether an element with ``classes`` belongs in ``product`` (printed or on screen)."""
    targets = {product, medium}
    for name in classes:
        for prefix, wanted in RULES.items():
            if name.startswith(prefix) and (name[len(prefix) :] in targets) != wanted:
                return False
    return True


def drops_heading(layout: str, next_identifier: str | None) -> bool:
    """Whether a heading followed by a div with ``next_identifier`` is dropped in ``layout``."""
    return layout == REFS_LAYOUT and next_identifier == REFS_ID


def action(elem: pf.Element, doc: pf.Doc) -> pf.Element | list[pf.Element] | None:
    if isinstance(elem, (pf.Div, pf.Span)) and not keep(list(elem.classes), doc.product, doc.medium):
        return []
    if isinstance(elem, pf.Header) and isinstance(elem.next, pf.Div) and drops_heading(doc.layout, elem.next.identifier):
        return []
    return None


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    return pf.run_filter(action, prepare=prepare, doc=doc)


# --- The same filter on pandoc's JSON (dicts and lists), for ``citeproof check`` -----------

# A JSON string from its opening quote; every class is one of these in pandoc's JSON text.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def product_ast(ast: dict[str, Any], ast_json: str, *, product: str, fmt: str, layout: str) -> dict[str, Any] | None:
    """``ast`` as this filter leaves it for ``product``, or None when the filter changes nothing.

    ``ast_json`` is the text ``ast`` was read from. It is searched first: a product whose
    rules no string of it could trigger is skipped without walking the tree, and a tree
    that the rules leave as it is is never copied (only the lists that lose an element are).
    """
    medium = medium_of(fmt)
    if not _may_change(ast_json, product, medium, layout):
        return None
    pruned = _prune(ast, product, medium, layout)
    return None if pruned is ast else pruned


def _may_change(ast_json: str, product: str, medium: str, layout: str) -> bool:
    """Whether some string of the JSON text could be a class (or the refs id) that changes ``product``.

    Every string that starts like a rule's class is tried against ``keep``: prose such as
    "not-for-profit" is a string too, which only costs a walk that then finds nothing.
    """
    candidates, refs = _candidates(ast_json)
    return (layout == REFS_LAYOUT and refs) or not keep(list(candidates), product, medium)


@functools.lru_cache(maxsize=1)  # the document being checked; no older text is kept alive
def _candidates(ast_json: str) -> tuple[frozenset[str], bool]:
    """The strings of the JSON text that start like a rule's class, and whether the refs id is there.

    Searched once per document, not once per product (the text is the same object each time,
    so the cache's lookup costs no second pass over it).
    """
    found: set[str] = set()
    for prefix in RULES:
        needle = f'"{prefix}'
        at = ast_json.find(needle)
        while at >= 0:
            string = _JSON_STRING.match(ast_json, at)
            if string is not None:
                found.add(json.loads(string.group()))
            at = ast_json.find(needle, at + 1)
    return frozenset(found), f'"{REFS_ID}"' in ast_json


_DROPPED = object()


def _prune(node: Any, product: str, medium: str, layout: str) -> Any:
    """``node`` without the elements the rules drop; the very same object when nothing is dropped."""
    if isinstance(node, list):
        kept: list[Any] | None = None  # a copy only once something changes
        for index, item in enumerate(node):
            new = _DROPPED if _dropped(node, index, product, medium, layout) else _prune(item, product, medium, layout)
            if kept is None and new is not item:
                kept = node[:index]
            if kept is not None and new is not _DROPPED:
                kept.append(new)
        return node if kept is None else kept
    if isinstance(node, dict):
        changed: dict[str, Any] | None = None
        for key, value in node.items():
            if isinstance(value, (list, dict)):
                new = _prune(value, product, medium, layout)
                if new is not value:
                    changed = changed if changed is not None else dict(node)
                    changed[key] = new
        return node if changed is None else changed
    return node


def _dropped(siblings: list[Any], index: int, product: str, medium: str, layout: str) -> bool:
    """Whether ``action`` drops ``siblings[index]``, which it judges before the list changes."""
    item = siblings[index]
    if not isinstance(item, dict):
        return False
    kind = item.get("t")
    if kind in ("Div", "Span"):
        return not keep(item["c"][0][1], product, medium)
    if kind == "Header" and index + 1 < len(siblings):  # panflute's elem.next: the next sibling as it was
        after = siblings[index + 1]
        return isinstance(after, dict) and after.get("t") == "Div" and drops_heading(layout, after["c"][0][0])
    return False


if __name__ == "__main__":
    main()
