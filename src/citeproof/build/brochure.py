"""The brochure must fit its panels: when it does not, say by how much and what is longest.

A third page would be cut off by the printer or fold wrongly, so an overflow is an error.
To explain it, the same Typst source is typeset once more in "measure" mode (one panel
wide, unlimited height) and the position of each section is read back.
"""

from __future__ import annotations

import io
from pathlib import Path

from citeproof.engines import tools
from citeproof.errors import BuildError

EXPECTED_PAGES = 2
CONTENT_PANELS = 3  # the inside page; the outside holds cover, back panel and references
PT_PER_CM = 72 / 2.54


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def check_fit(typst_source: bytes, pdf: bytes, *, root: Path, job_label: str, panel_height_pt: float) -> None:
    """Raise a BuildError naming the overflow and the longest sections unless ``pdf`` has two pages."""
    pages = page_count(pdf)
    if pages == EXPECTED_PAGES:
        return
    inputs = {"citeproof-measure": "1"}
    sections = tools.typst_query(typst_source, "<citeproof-section>", root=root, sys_inputs=inputs, label=job_label)
    end = tools.typst_query(typst_source, "<citeproof-end>", root=root, sys_inputs=inputs, label=job_label)
    total = float(end[0]) if end else 0.0
    panel = panel_height_pt  # inside the margins: build/layout.py
    over = max(0.0, total - CONTENT_PANELS * panel)
    lengths = []
    starts = [("(before the first heading)", 0.0)] + [(_text(s["text"]), float(s["y"])) for s in sections]
    for index, (title, y) in enumerate(starts):
        stop = starts[index + 1][1] if index + 1 < len(starts) else total
        lengths.append((stop - y, title))
    lengths.sort(reverse=True)
    longest = "; ".join(f"{title!r} {height / PT_PER_CM:.1f} cm" for height, title in lengths[:3])
    raise BuildError(
        f"the brochure for {job_label} needs {pages} pages instead of 2: its content is "
        f"{over / PT_PER_CM:.1f} cm ({over / panel:.1f} panels) longer than the 3 inside panels hold"
        + (f"; longest sections: {longest}" if longest else ""),
        hint="mark long passages with ::: {.not-brochure} (see the README), or shorten them; nothing was published",
    )


INSIDE_PANELS = ("inside left", "inside middle", "inside right")
HALF = 0.5


def panel_fill(pdf: bytes, *, top_pt: float, panel_height_pt: float) -> list[float]:
    """How full each inside panel (page 2) is, 0 to 1, read from where its lowest line of text sits.

    A panel is a third of the page: every column starts in its own third (see brochure.typ).
    """
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(pdf)).pages[1]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    lowest = [height] * CONTENT_PANELS

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        top = height - top_pt
        if text.strip() and y <= top:  # above the text area: the page header (a draft mark)
            column = min(CONTENT_PANELS - 1, max(0, int(x // (width / CONTENT_PANELS))))
            lowest[column] = min(lowest[column], y)

    page.extract_text(visitor_text=visit)
    top = height - top_pt
    return [max(0.0, min(1.0, (top - y) / panel_height_pt)) if y < height else 0.0 for y in lowest]


def empty_panel_warnings(pdf: bytes, *, job_label: str, top_pt: float, panel_height_pt: float) -> tuple[str, ...]:
    """One warning naming every inside panel less than half full: a folded brochure with a blank panel looks unfinished."""
    fill = panel_fill(pdf, top_pt=top_pt, panel_height_pt=panel_height_pt)
    empty = [f"{name} {share:.0%}" for name, share in zip(INSIDE_PANELS, fill, strict=True) if share < HALF]
    if not empty:
        return ()
    return (
        f"the brochure for {job_label} has inside panels less than half full ({', '.join(empty)} full): a folded brochure "
        "with a blank panel looks unfinished; add content to the article, or hand out the handout instead",
    )


def _text(value: object) -> str:
    """Typst serialises content as nested dicts; keep only its text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "text" in value and isinstance(value["text"], str):
            return value["text"]
        if value.get("func") == "space":
            return " "
        return "".join(_text(v) for k, v in value.items() if k in {"children", "body", "child"})
    if isinstance(value, list):
        return "".join(_text(v) for v in value)
    return ""
