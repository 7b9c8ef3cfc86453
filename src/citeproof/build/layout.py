"""The one geometry table: paper sizes, margins, and text or panel widths per layout and paper.

The Typst templates get their page geometry from here (``$citeproof-geometry-*$``
variables), the images filter judges print resolution against the text width of the layout
and paper really used, and the brochure's fit check measures panels of the real height, so
a margin changed here changes all three together.

Lengths are kept as the Typst literals the templates always used (``2.2cm``, ``0.4in``):
Typst then computes exactly what it computed before, so outputs stay byte-identical, and
Python reads the same literals as inches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAPERS = ("us-letter", "a4")
# Portrait width and height of each paper.
PAPER_SIZE: dict[str, tuple[str, str]] = {"us-letter": ("8.5in", "11in"), "a4": ("210mm", "297mm")}
# Margins (top, right, bottom, left) of each layout.
MARGINS: dict[str, tuple[str, str, str, str]] = {
    "handout": ("2cm", "2.2cm", "2.6cm", "2.2cm"),
    "brochure": ("0.4in", "0.4in", "0.4in", "0.4in"),  # each fold gets two margins of gutter: no text on a fold
}
# The brochure's fold-in flap is narrower by 3/32 in (the usual 1/16 to 1/8 in), or it buckles against the fold.
FOLD_IN: dict[str, str] = {"brochure": "0.09375in"}
LANDSCAPE = frozenset({"brochure"})
BROCHURE_PANELS = 3
_INCHES = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72}
_LENGTH = re.compile(r"^([\d.]+)(in|cm|mm|pt)$")


def inches(length: str) -> float:
    """A Typst length literal such as ``2.2cm`` in inches."""
    match = _LENGTH.match(length)
    if not match:
        raise ValueError(f"not a length: {length!r}")
    return float(match[1]) * _INCHES[match[2]]


@dataclass(frozen=True)
class Geometry:
    """One layout on one paper: Typst literals for the templates, inches for Python."""

    layout: str
    paper: str
    page_width: str  # as printed: landscape layouts have width and height swapped
    page_height: str
    margins: tuple[str, str, str, str]  # top, right, bottom, left
    fold_in: str = "0in"

    @property
    def panels(self) -> int:
        return BROCHURE_PANELS if self.layout == "brochure" else 1

    @property
    def text_width(self) -> str:
        """What an image at width=100% prints as: the text column, or one panel's column.

        A brochure's panels are W, W and W - fold-in wide (3W - fold-in = the paper's width);
        every column is W - fold-in - 2 margins wide, so each fold has two margins of gutter.
        """
        _, right, _, left = self.margins
        if self.panels > 1:
            return f"({self.page_width} + {self.fold_in}) / {self.panels} - {self.fold_in} - 2 * {left}"
        return f"{self.page_width} - {left} - {right}"

    @property
    def text_width_in(self) -> float:
        _, right, _, left = self.margins
        if self.panels > 1:
            fold_in = inches(self.fold_in)
            return (inches(self.page_width) + fold_in) / self.panels - fold_in - 2 * inches(left)
        return inches(self.page_width) - inches(left) - inches(right)

    @property
    def text_height_pt(self) -> float:
        """The height of a panel or page inside the top and bottom margins."""
        top, _, bottom, _ = self.margins
        return (inches(self.page_height) - inches(top) - inches(bottom)) * 72

    def typst_variables(self) -> dict[str, str]:
        """The geometry for the templates' ``$citeproof-geometry-*$`` variables (Typst expressions)."""
        top, right, bottom, left = self.margins
        return {
            "citeproof-geometry-margin-top": top,
            "citeproof-geometry-margin-right": right,
            "citeproof-geometry-margin-bottom": bottom,
            "citeproof-geometry-margin-left": left,
            "citeproof-geometry-page-width": self.page_width,
            "citeproof-geometry-fold-in": self.fold_in,
            "citeproof-geometry-text-width": f"({self.text_width})",
        }


def geometry(layout: str, paper: str) -> Geometry:
    """The geometry of ``layout`` on ``paper``; a layout without its own margins is set as a handout."""
    width, height = PAPER_SIZE[paper]
    if layout in LANDSCAPE:
        width, height = height, width
    return Geometry(layout, paper, width, height, MARGINS.get(layout, MARGINS["handout"]), FOLD_IN.get(layout, "0in"))
