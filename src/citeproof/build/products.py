"""Products: what a document is built into (an HTML page, an EPUB, a handout, a brochure).

A product has a format (html, epub, pdf), a layout (the template it is set in) and, for
print, one or more paper sizes. Each (document, product, paper) is one output file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from citeproof.project.config import FORMATS, PAPERS, Config
from citeproof.errors import ConfigError

LAYOUTS = {"html": ("page",), "epub": ("book",), "pdf": ("handout", "brochure")}
_KEYS = {"format", "layout", "paper", "pdf-standards"}
SECTION = "tool.citeproof.products"


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


def default_products(config: Config) -> dict[str, Product]:
    """Without a products table: one product per configured format (the foundation's outputs)."""
    names = {"html": "html", "epub": "epub", "pdf": "handout"}
    layouts = {"html": "page", "epub": "book", "pdf": "handout"}
    return {
        names[f]: Product(names[f], f, layouts[f], (config.paper,) if f == "pdf" else (), config.pdf_standards if f == "pdf" else ())
        for f in config.formats
    }


def load_products(config: Config) -> dict[str, Product]:
    """The products table of the config, validated (every problem at once)."""
    if not config.products:
        return default_products(config)
    problems: list[str] = []
    products: dict[str, Product] = {}
    for name, raw in config.products.items():
        key = f"{SECTION}.{name}"
        if not isinstance(raw, Mapping):
            problems.append(f"'{key}': expected a table with format, layout and paper")
            continue
        product = _product(name, raw, key, config, problems)
        if product:
            products[name] = product
    if problems:
        raise ConfigError(problems)
    return products


def _product(name: str, raw: Mapping[str, Any], key: str, config: Config, problems: list[str]) -> Product | None:
    for unknown in set(raw) - _KEYS:
        guess = difflib.get_close_matches(unknown, sorted(_KEYS), n=1)
        problems.append(f"'{key}.{unknown}': unknown key" + (f"; did you mean '{guess[0]}'?" if guess else ""))
    fmt = raw.get("format")
    if fmt not in FORMATS:
        problems.append(f"'{key}.format': expected one of {', '.join(FORMATS)}, got {fmt!r}")
        return None
    layout = raw.get("layout", LAYOUTS[fmt][0])
    if layout not in LAYOUTS[fmt]:
        problems.append(f"'{key}.layout': a {fmt} product's layout is one of {', '.join(LAYOUTS[fmt])}, got {layout!r}")
        return None
    paper_raw = raw.get("paper", config.paper)
    papers = [paper_raw] if isinstance(paper_raw, str) else paper_raw
    if fmt == "pdf" and (not isinstance(papers, list) or not papers or any(p not in PAPERS for p in papers)):
        problems.append(f"'{key}.paper': expected a paper ({', '.join(PAPERS)}) or a list of them, got {paper_raw!r}")
        return None
    standards = raw.get("pdf-standards", list(config.pdf_standards))
    if not isinstance(standards, list) or not all(isinstance(s, str) for s in standards):
        problems.append(f"'{key}.pdf-standards': expected a list such as [\"ua-1\"], got {standards!r}")
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
            raise ConfigError([f"no product named {u!r}; configured: {', '.join(products)}" for u in unknown])
    outputs: list[Output] = []
    for product in products.values():
        if (wanted and product.name not in wanted) or (formats and product.format not in formats):
            continue
        if allowed is not None and product.name not in allowed:
            continue
        papers: tuple[str | None, ...] = ((paper,) if paper else product.papers) if product.format == "pdf" else (None,)
        outputs.extend(Output(document, product, p) for p in papers)
    return outputs
