"""Completeness by entry type: what APA 7 needs printed, when neither the entry nor its registry record has it.

Each gap is (field, what is missing); ``verify`` turns them into ``ref-incomplete`` warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from citeproof.project.bibliography import BibEntry
from citeproof.refs.names import bib_people

WEB = frozenset({"online", "www", "webpage", "electronic", "misc"})
VIDEO = frozenset({"video", "movie", "audio"})


def completeness_gaps(entry: BibEntry, item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, what is missing) for ``entry``; ``item`` is its registry record as CSL (or empty)."""
    f, kind = entry.fields, entry.entry_type
    gaps: list[tuple[str, str]] = []
    if kind == "article":
        if not f.get("author") and not item.get("author"):
            gaps.append(("author", "a journal article without authors"))
        if not (f.get("journaltitle") or f.get("journal") or item.get("container-title")):
            gaps.append(("journaltitle", "a journal article without its journal"))
        if not (f.get("doi") or f.get("pages") or f.get("eid") or item.get("DOI") or item.get("page")):
            gaps.append(("doi", "a journal article without a DOI or pages"))
    elif kind in VIDEO:
        if not f.get("author") and not f.get("editor"):
            gaps.append(("author", "a video without its uploader (APA puts the channel or person first)"))
    elif kind in WEB and item.get("type") != "article-journal":
        org_author = any(org for _, org in bib_people(f.get("author", "")))
        if not (f.get("organization") or f.get("publisher") or f.get("journaltitle") or f.get("eprinttype") or org_author):
            gaps.append(("organization", "a web page without a site name"))
        date = f.get("date") or f.get("year") or ""
        if not date:
            gaps.append(("date", "a web page without a date"))
        elif re.fullmatch(r"\s*\d{4}\s*", date) and not org_author:
            gaps.append(("date", "a web page dated by year only (APA gives the day for a post)"))
    return gaps
