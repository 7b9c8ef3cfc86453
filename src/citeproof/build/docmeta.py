"""Per-document values every template shows the same way: labels, dates, review status, contacts.

Computed once per output from the document's metadata and handed to the templates as
pandoc metadata, so the web page, the EPUB, the handout and the brochure cannot disagree.

Metadata set (read by the templates and the callout filter):
  l10n                   the label table of the document's language (``$l10n.updated$``)
  citeproof-date         ``date`` as the language writes it
  citeproof-review       "Medically reviewed <date> by <reviewer>", or "Not yet medically reviewed"
  citeproof-unreviewed   true when the outputs must carry the draft mark
  contact-*, helpline-*  the resolved contacts (see :mod:`citeproof.build.contacts`)
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import Any

from citeproof.build.clinic import Clinic, typst_string
from citeproof.build.contacts import resolve_contacts
from citeproof.build.locale import format_date, labels
from citeproof.build.review import ReviewStatus, review_status
from citeproof.errors import BuildError
from citeproof.project.guards import missing_title

# Addresses the Typst templates link to, passed as string literals (pandoc would escape "//").
TYPST_LINKS = ("helpline-url", "helpline-tel", "contact-url", "contact-tel")


def review_text(status: ReviewStatus, table: Mapping[str, Any]) -> str:
    """The one sentence every product shows about the medical review."""
    # A review names its reviewer: without one the products say "not yet reviewed", never "reviewed".
    if status.state == "unreviewed" or status.reviewed is None or not status.reviewer:
        return str(table["not-reviewed"])
    text = f"{table['medically-reviewed']} {format_date(status.reviewed, table)} {table['reviewed-by']} {status.reviewer}"
    if status.state == "due" and status.due is not None:
        text += f" · {table['review-due']} {format_date(status.due, table)}"
    return text


def template_metadata(
    meta: Mapping[str, Any], *, display: str, clinic: Clinic, interval_months: int, today: dt.date | None = None
) -> dict[str, object]:
    """The values for one document, from its metadata as plain Python values (``doc.get_metadata()``).

    ``meta`` holds the configuration's metadata too, so this is where a document is known to
    have no title from anywhere: typst would otherwise refuse the empty heading of its PDF.
    """
    if not str(meta.get("title") or "").strip():
        problem = missing_title(meta, None)
        raise BuildError(problem.message, location=f"{display}:{problem.line}", hint=problem.hint)
    table = labels(str(meta.get("lang") or "en-US"))
    status = review_status(meta.get("reviewed"), meta.get("reviewer"), interval_months=interval_months, today=today)
    if status.problem:
        raise BuildError(status.problem, location=display, hint=status.fix)
    values: dict[str, object] = {
        "l10n": {key: value for key, value in table.items() if isinstance(value, str)},
        "citeproof-review": review_text(status, table),
        "citeproof-unreviewed": status.draft,
    }
    if meta.get("date"):
        values["citeproof-date"] = format_date(meta["date"], table)
    values.update(resolve_contacts(meta, clinic, document=display).metadata())
    # The EPUB's table of contents is headed "Contents", not the title a second time.
    if not meta.get("toc-title"):
        values["toc-title"] = str(table["contents"])
    # E-book readers show "Unknown" without a creator: the clinic stands behind the article.
    if clinic.name and not meta.get("author") and not meta.get("creator"):
        values["creator"] = [{"role": "aut", "text": clinic.name}]
    return values


def epub_front(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The block that opens the EPUB under its one title: review status, helpline and contact.

    pandoc's own title page would repeat the title (pandoc heads the text before the first
    heading with it), so the EPUB is built without one and this block takes its place.
    """
    table = meta.get("l10n") or {}

    def text(key: str) -> str:
        return html.escape(str(meta.get(key) or ""))

    def link(href: str, shown: str) -> str:
        return f'<a href="{html.escape(href)}">{html.escape(shown)}</a>'

    parts = ['<section class="front">']  # the draft mark heads every chapter (build/cover.py)
    parts.append(f'<p class="review">{text("citeproof-review")}</p>')
    if meta.get("helpline-name"):
        line = [f"<strong>{text('helpline-name')}</strong>"]
        if meta.get("helpline-phone"):
            line.append(link(str(meta.get("helpline-tel", "")), str(meta["helpline-phone"])))
        if meta.get("helpline-url"):
            line.append(link(str(meta["helpline-url"]), str(meta["helpline-url"])))
        hours = f"<br />{html.escape(str(table.get('hours', '')))}: {text('helpline-hours')}" if meta.get("helpline-hours") else ""
        parts.append(
            f'<div class="callout helpline"><p class="callout-label"><span aria-hidden="true">☎</span> '
            f"<strong>{html.escape(str(table.get('helpline', '')))}</strong></p><p>{' · '.join(line)}{hours}</p></div>"
        )
    contact = [f"<strong>{text('contact-name')}</strong>"] if meta.get("contact-name") else []
    if meta.get("contact-address"):
        contact.append(text("contact-address"))
    if meta.get("contact-phone"):
        contact.append(f"{html.escape(str(table.get('phone', '')))}: " + link(str(meta.get("contact-tel", "")), str(meta["contact-phone"])))
    if meta.get("contact-email"):
        contact.append(link(f"mailto:{meta['contact-email']}", str(meta["contact-email"])))
    if meta.get("contact-url"):
        contact.append(link(str(meta["contact-url"]), str(meta["contact-url"])))
    if contact:
        parts.append(f'<p class="contact">{" · ".join(contact)}</p>')
    parts.append("</section>")
    return {"t": "RawBlock", "c": ["html", "\n".join(parts)]}


def typst_links(meta: Mapping[str, Any]) -> dict[str, str]:
    """``citeproof-typst-<key>`` string literals for the link targets the Typst templates need."""
    return {f"citeproof-typst-{key}": typst_string(str(meta[key])) for key in TYPST_LINKS if meta.get(key)}
