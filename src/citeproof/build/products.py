"""Products: what a document is built into (an HTML page, an EPUB, a handout, a brochure).

A product has a format (html, epub, pdf), a layout (the template it is set in) and, for
print, one or more paper sizes. Each (document, product, paper) is one output file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from citeproof.build.layout import PAPERS
from citeproof.errors import UsageError

if TYPE_CHECKING:
    from citeproof.project.problems import Problems

FORMATS = ("html", "epub", "pdf")
LAYOUTS = {"html": ("page",), "epub": ("book",), "pdf": ("handout", "brochure")}
SECTION = "tool.citeproof.products"
# The keys of one product's table, with the JSON Schema of each value.
PRODUCT_KEYS: dict[str, dict[str, Any]] = {
    "format": {"enum": list(FORMATS)},
    "layout": {"enum": sorted({layout for layouts in LAYOUTS.values() for layout in layouts})},
    "paper": {"anyOf": [{"enum": list(PAPERS)}, {"type": "array", "minItems": 1, "items": {"enum": list(PAPERS)}}]},
    "pdf-standards": {"type": "array", "items": {"type": "string"}},
}


@dataclass(frozen=True)
class Product:
    """One way of publishing a document."""

    name: str
    format: str
    layout: str
    papers: tuple[str, ...] = ()
    pdf_standards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    """One file a product makes for one document (in one paper size)."""

    document: str
    product: Product
    paper: str | None

    @property
    def filename(self) -> str:
        """``<doc>.html``, ``<doc>.epub``, ``<doc>.pdf`` for the handout in its first paper,
        ``<doc>-<paper>.pdf`` for its other papers, ``<doc>-<product>.pdf`` for other print products."""
        product = self.product
        if product.format != "pdf":
            return f"{self.document}.{product.format}"
        if product.layout == "handout" and product.name == "handout":
            if self.paper is None or self.paper == product.papers[0]:
                return f"{self.document}.pdf"
            return f"{self.document}-{self.paper}.pdf"
        suffix = product.name if len(product.papers) <= 1 else f"{product.name}-{self.paper}"
        return f"{self.document}-{suffix}.pdf"


def default_products(formats: Sequence[str], paper: str, pdf_standards: tuple[str, ...]) -> dict[str, Product]:
    """Without a products table: one product per configured format (the foundation's outputs)."""
    names = {"html": "html", "epub": "epub", "pdf": "handout"}
    layouts = {"html": "page", "epub": "book", "pdf": "handout"}
    return {
        names[f]: Product(names[f], f, layouts[f], (paper,) if f == "pdf" else (), pdf_standards if f == "pdf" else ()) for f in formats
    }


def products_from_table(
    raw: Any, *, paper: str, formats: Sequence[str], pdf_standards: tuple[str, ...], problems: Problems
) -> dict[str, Product]:
    """``[tool.citeproof.products]`` validated, every problem into ``problems``; without a table, the default products."""
    if not raw:
        return default_products(formats, paper, pdf_standards)
    if not isinstance(raw, Mapping):
        problems.add(SECTION, f"expected a table of products, got {raw!r}")
        return {}
    products: dict[str, Product] = {}
    for name, table in raw.items():
        key = f"{SECTION}.{name}"
        if not isinstance(table, Mapping):
            problems.add(key, "expected a table with format, layout and paper")
            continue
        product = _product(name, table, key, paper=paper, pdf_standards=pdf_standards, problems=problems)
        if product:
            products[name] = product
    return products


def _product(
    name: str, raw: Mapping[str, Any], key: str, *, paper: str, pdf_standards: tuple[str, ...], problems: Problems
) -> Product | None:
    problems.unknown_keys(raw, PRODUCT_KEYS, key)
    fmt = raw.get("format")
    if fmt not in FORMATS:
        problems.add(f"{key}.format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
        return None
    layout = raw.get("layout", LAYOUTS[fmt][0])
    if layout not in LAYOUTS[fmt]:
        problems.add(f"{key}.layout", f"a {fmt} product's layout is one of {', '.join(LAYOUTS[fmt])}, got {layout!r}")
        return None
    paper_raw = raw.get("paper", paper)
    papers = [paper_raw] if isinstance(paper_raw, str) else paper_raw
    if fmt == "pdf" and (not isinstance(papers, list) or not papers or any(p not in PAPERS for p in papers)):
        problems.add(f"{key}.paper", f"expected a paper ({', '.join(PAPERS)}) or a list of them, got {paper_raw!r}")
        return None
    standards = raw.get("pdf-standards", list(pdf_standards))
    if not isinstance(standards, list) or not all(isinstance(s, str) for s in standards):
        problems.add(f"{key}.pdf-standards", f'expected a list such as ["ua-1"], got {standards!r}')
        standards = []
    return Product(name, fmt, layout, tuple(papers) if fmt == "pdf" else (), tuple(standards) if fmt == "pdf" else ())


def select_outputs(
    document: str,
    products: Mapping[str, Product],
    *,
    wanted: Sequence[str] | None,
    formats: Sequence[str] | None,
    paper: str | None,
    allowed: Sequence[str] | None = None,
) -> list[Output]:
    """The outputs to make for ``document``: the chosen products, formats and paper."""
    if wanted:
        unknown = [w for w in wanted if w not in products]
        if unknown:
            guess = difflib.get_close_matches(unknown[0], list(products), n=1)
            raise UsageError(
                f"--product {unknown[0]!r}: no product of that name" + (f"; did you mean {guess[0]!r}?" if guess else ""),
                hint=f"configured products: {', '.join(products)} ([tool.citeproof.products])",
            )
    outputs: list[Output] = []
    for product in products.values():
        if (wanted and product.name not in wanted) or (formats and product.format not in formats):
            continue
        if allowed is not None and product.name not in allowed:
            continue
        papers: tuple[str | None, ...] = ((paper,) if paper else product.papers) if product.format == "pdf" else (None,)
        outputs.extend(Output(document, product, p) for p in papers)
    return outputs
