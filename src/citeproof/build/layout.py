"""The one geometry table: paper sizes, margins, and text or panel widths per layout and paper.

The Typst templates get their page geometry from here (as ``citeproof-geometry-*``
variables), the images filter judges print resolution against the text width of the
layout and paper really used, and the brochure's fit check measures panels of the real
height, so a margin changed here changes all three together.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPERS = ("us-letter", "a4")
CM = 1 / 2.54  # inches per centimetre
PT = 1 / 72  # inches per point
# Portrait width and height of each paper, in inches.
PAPER_SIZE_IN: dict[str, tuple[float, float]] = {"us-letter": (8.5, 11.0), "a4": (21.0 * CM, 29.7 * CM)}
# Margins (top, right, bottom, left) in inches, and whether the layout is landscape.
_MARGINS_IN: dict[str, tuple[float, float, float, float]] = {
    "handout": (2.0 * CM, 2.2 * CM, 2.4 * CM, 2.2 * CM),
    "brochure": (0.4, 0.4, 0.4, 0.4),  # each fold gets two margins of gutter, so no text sits on a fold
}
_LANDSCAPE = {"brochure"}
BROCHURE_PANELS = 3


@dataclass(frozen=True)
class Geometry:
    """One layout on one paper; lengths in inches."""

    layout: str
    paper: str
    page_width: float
    page_height: float
    margin_top: float
    margin_right: float
    margin_bottom: float
    margin_left: float
    gutter: float  # between the brochure's panels; 0 for one column
    text_width: float  # what an image at width=100% prints as: the text column or one panel

    def typst_variables(self) -> dict[str, str]:
        """The geometry as Typst lengths, for the templates' ``$citeproof-geometry-*$`` variables."""
        values = {
            "margin-top": self.margin_top,
            "margin-right": self.margin_right,
            "margin-bottom": self.margin_bottom,
            "margin-left": self.margin_left,
            "gutter": self.gutter,
            "panel-width": self.text_width,
            "page-width": self.page_width,
        }
        return {f"citeproof-geometry-{key}": f"{value:.4f}in" for key, value in values.items()}


def geometry(layout: str, paper: str) -> Geometry:
    """The geometry of ``layout`` on ``paper``; a layout without its own margins is set as a handout."""
    width, height = PAPER_SIZE_IN[paper]
    if layout in _LANDSCAPE:
        width, height = height, width
    top, right, bottom, left = _MARGINS_IN.get(layout, _MARGINS_IN["handout"])
    if layout == "brochure":
        gutter = left + right
        text_width = (width - left - right - (BROCHURE_PANELS - 1) * gutter) / BROCHURE_PANELS
    else:
        gutter, text_width = 0.0, width - left - right
    return Geometry(layout, paper, width, height, top, right, bottom, left, gutter, text_width)
